/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim ps [--format table|json] ID [PS-ARGS...]: the container's processes,
 * with the guest's pids.  JSON is the list of pids; the table is `PID` and
 * the pids, or with PS-ARGS what runc makes of them: the output of `ps
 * PS-ARGS`, run where the processes are (in the container), kept to the
 * header and the lines of the container's processes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "shim/ctl.h"
#include "shim/ps.h"
#include "shim/verb.h"

/* The container's pids, from its monitor. */
static yajl_val list_pids(const struct shim_container *c, struct vs_error **err)
{
	yajl_gen req = proto_json_begin();

	ctl_put_str(req, "op", "ps");
	return ctl_call(c->dir, c->id, req, NULL, 0, NULL, err);
}

int cmd_ps(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_container struct shim_container *c = NULL;
	bool json = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "+f:", options, NULL)) != -1) {
		if (opt != 'f')
			return shim_usage_error(err, "ps");
		if (shim_verb_format("ps", optarg, &json, err) < 0)
			return -1;
	}
	if (optind >= argc)
		return shim_usage_error(err, "ps");
	const char *id = argv[optind];
	char **ps_args = argv + optind + 1;
	int n_ps_args = argc - optind - 1;

	if (n_ps_args > 0 && strcmp(ps_args[0], "--") == 0) {
		ps_args++;
		n_ps_args--;
	}
	if ((c = shim_verb_load(ctx, id, err)) == NULL)
		return -1;
	/* As runc: a stopped container has no processes; ps arguments need a ps to run. */
	if (c->status == SHIM_STOPPED && (json || n_ps_args == 0)) {
		printf(json ? "null\n" : "PID\n");
		return 0;
	}
	if (c->status == SHIM_STOPPED)
		return vs_error_code(
		    err, ESRCH, "container not running: `%s` is stopped, ps cannot run in it", id);

	cleanup_yajl_val yajl_val reply = list_pids(c, err);
	if (reply == NULL)
		return -1;
	const char *path[] = { "pids", NULL };
	yajl_val pids = yajl_tree_get(reply, path, yajl_t_array);
	size_t n = pids != NULL ? pids->u.array.len : 0;

	if (!json && n_ps_args > 0)
		return shim_ps_run(c, pids, ps_args, n_ps_args, err);
	printf(json ? "[" : "PID\n");
	for (size_t i = 0; i < n; i++) {
		long long pid = YAJL_GET_INTEGER(pids->u.array.values[i]);

		printf(json ? "%s%lld" : "%s%lld\n", json && i ? "," : "", pid);
	}
	printf(json ? "]\n" : "");
	return 0;
}
