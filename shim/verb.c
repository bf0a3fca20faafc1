/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the short-lived verbs share.  Each reads the container's state.json
 * and, when the container is alive, asks its monitor over the control
 * socket.
 */
#include "shim/verb.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/ctl.h"

const char *shim_verb_id(const char *verb, int argc, char **argv, struct vs_error **err)
{
	if (argc != 2 || argv[1][0] == '-') {
		shim_usage_error(err, verb);
		return NULL;
	}
	return argv[1];
}

struct shim_container *shim_verb_load(struct shim_ctx *ctx, const char *id, struct vs_error **err)
{
	if (shim_root_prepare(ctx, err) < 0)
		return NULL;
	return shim_container_load(ctx, id, err);
}

int shim_verb_request(struct shim_ctx *ctx, const char *id, const char *op, struct vs_error **err)
{
	cleanup_container struct shim_container *c = shim_verb_load(ctx, id, err);
	yajl_gen req;
	yajl_val reply;

	if (c == NULL)
		return -1;
	if (c->status == SHIM_STOPPED)
		return vs_error_code(err, ESRCH, "container not running: `%s` is stopped", id);
	req = proto_json_begin();
	ctl_put_str(req, "op", op);
	reply = ctl_call(c->dir, id, req, NULL, 0, NULL, err);
	yajl_tree_free(reply);
	return reply != NULL ? 0 : -1;
}

bool shim_verb_wait_gone(pid_t pid, unsigned long long start, int timeout_ms)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0 || !vs_proc_alive(pid, start))
		return !vs_proc_alive(pid, start);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1 || !vs_proc_alive(pid, start);
}

int shim_verb_format(const char *verb, const char *arg, bool *json, struct vs_error **err)
{
	if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0)
		return vs_error_code(err, EINVAL, "%s: unknown format `%s` (table or json)", verb,
				     arg);
	*json = strcmp(arg, "json") == 0;
	return 0;
}
