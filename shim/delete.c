/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim delete: a stopped or created container goes (a running one with
 * --force): its monitor destroys the VM and exits, then the poststop hooks
 * run and the state directory is removed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/ctl.h"
#include "shim/verb.h"

int cmd_delete(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_container struct shim_container *c = NULL;
	cleanup_error struct vs_error *e = NULL;
	bool force = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "+f", options, NULL)) != -1) {
		if (opt != 'f')
			return shim_usage_error(err, "delete");
		force = true;
	}
	if (optind != argc - 1)
		return shim_usage_error(err, "delete");
	const char *id = argv[optind];

	if (shim_root_prepare(ctx, err) < 0)
		return -1;
	c = shim_container_load(ctx, id, &e);
	if (c == NULL) {
		/*
		 * Nothing to delete is what --force asks for; a directory without
		 * a state (its creator died right after making it) goes too.
		 */
		if (force && e->errnum == ENOENT) {
			cleanup_free char *dir = vs_xasprintf("%s/%s", ctx->root, id);

			shim_container_remove(dir, id, NULL, NULL);
			return 0;
		}
		*err = steal_pointer(&e);
		return -1;
	}
	if (c->status == SHIM_RUNNING || c->status == SHIM_PAUSED || c->status == SHIM_CREATING) {
		if (!force)
			return vs_error_code(err, EBUSY,
					     "cannot delete container `%s` that is not stopped: %s",
					     id, shim_status_name(c->status));
	}
	if (c->status == SHIM_CREATING) {
		/* No control socket yet: only the monitor's end stops a creation. */
		if (vs_proc_alive(c->monitor, c->monitor_start))
			kill(c->monitor, SIGKILL);
		shim_verb_wait_gone(c->monitor, c->monitor_start, 5000);
	} else if (c->status != SHIM_STOPPED) {
		yajl_gen req = proto_json_begin();

		ctl_put_str(req, "op", "destroy");
		yajl_tree_free(ctl_call(c->dir, id, req, NULL, 0, NULL, &e));
		/* The monitor tears the VM down and exits; one that hangs is killed. */
		if (!shim_verb_wait_gone(c->monitor, c->monitor_start, 10000) &&
		    vs_proc_alive(c->monitor, c->monitor_start)) {
			kill(c->monitor, SIGKILL);
			shim_verb_wait_gone(c->monitor, c->monitor_start, 5000);
		}
	} else if (c->monitor > 0 && c->monitor_start != 0) {
		/* "stopped" is written before the VM is gone: wait for the monitor's end. */
		shim_verb_wait_gone(c->monitor, c->monitor_start, 10000);
	}
	shim_container_remove(c->dir, id, c->bundle, NULL);
	return 0;
}
