/* SPDX-License-Identifier: Apache-2.0 */
/* vshim ps: the pids of the container's processes, the guest's, as a table or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "common/cleanup.h"
#include "shim/ctl.h"
#include "shim/verb.h"

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
	if (optind != argc - 1)
		return shim_usage_error(err, "ps");
	const char *id = argv[optind];
	if ((c = shim_verb_load(ctx, id, err)) == NULL)
		return -1;
	if (c->status == SHIM_STOPPED)
		return vs_error_set(err, ESRCH, "container not running: `%s` is stopped", id);

	yajl_gen req = proto_json_begin();
	ctl_put_str(req, "op", "ps");
	cleanup_yajl_val yajl_val reply = ctl_call(c->dir, id, req, NULL, 0, NULL, err);
	if (reply == NULL)
		return -1;
	const char *path[] = { "pids", NULL };
	yajl_val pids = yajl_tree_get(reply, path, yajl_t_array);
	size_t n = pids != NULL ? pids->u.array.len : 0;

	/* The pids are the guest's: the container's processes live in its VM. */
	printf(json ? "[" : "PID\n");
	for (size_t i = 0; i < n; i++) {
		long long pid = YAJL_GET_INTEGER(pids->u.array.values[i]);

		printf(json ? "%s%lld" : "%s%lld\n", json && i ? "," : "", pid);
	}
	printf(json ? "]\n" : "");
	return 0;
}
