/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim kill: a signal (TERM unless given as 9, KILL or SIGKILL) for the
 * container's init, or with --all for all its processes; signal 0 only
 * checks that the container runs.  After SIGKILL it returns once the
 * container is stopped (within a few seconds), as runc's does.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "shim/ctl.h"
#include "shim/verb.h"

/*
 * How long kill of SIGKILL waits for the container to be stopped: with runc
 * the process is gone when kill returns, and `kill ID KILL; delete ID`
 * must work.
 */
#define KILL_WAIT_MS 5000

/* "9", "KILL" or "SIGKILL"; "0" checks that the container runs. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s != '\0' && *end == '\0')
		return n >= 0 && n <= 64 ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);

		if (name != NULL && strcasecmp(name, s) == 0)
			return i;
	}
	return -1;
}

int cmd_kill(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_container struct shim_container *c = NULL;
	bool all = false;
	int opt, signo = SIGTERM;

	while ((opt = getopt_long(argc, argv, "+a", options, NULL)) != -1) {
		if (opt != 'a')
			return shim_usage_error(err, "kill");
		all = true;
	}
	if (optind != argc - 1 && optind != argc - 2)
		return shim_usage_error(err, "kill");
	const char *id = argv[optind];
	if (optind == argc - 2 && (signo = parse_signal(argv[optind + 1])) < 0)
		return vs_error_code(err, EINVAL, "unknown signal `%s`", argv[optind + 1]);

	if ((c = shim_verb_load(ctx, id, err)) == NULL)
		return -1;
	/* Every process of a stopped container has its signal already. */
	if (c->status == SHIM_STOPPED)
		return all ? 0
			   : vs_error_code(err, ESRCH, "container not running: `%s` is stopped",
					   id);

	yajl_gen req = proto_json_begin();
	ctl_put_str(req, "op", "kill");
	proto_json_put_int(req, "signal", signo);
	proto_json_put_bool(req, "all", all);
	yajl_val reply = ctl_call(c->dir, id, req, NULL, 0, NULL, err);
	if (reply == NULL && all && (*err)->errnum == ESRCH) {
		vs_error_free(steal_pointer(err));
		return 0;
	}
	if (reply == NULL)
		return -1;
	yajl_tree_free(reply);
	/* The init is killed (a paused VM kills it once resumed): its monitor ends with it. */
	if (signo == SIGKILL && c->status != SHIM_PAUSED)
		shim_verb_wait_gone(c->monitor, c->monitor_start, KILL_WAIT_MS);
	return 0;
}
