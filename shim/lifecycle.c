/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The short-lived verbs: start, kill, pause, resume, delete, state, ps and
 * list.  Each reads the container's state.json and, when the container is
 * alive, asks its monitor over the control socket.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/container.h"
#include "shim/ctl.h"
#include "shim/shim.h"

/* The verb's ID argument after its options (none but --help are known to it). */
static const char *only_id(const char *verb, int argc, char **argv, struct vs_error **err)
{
	if (argc != 2 || argv[1][0] == '-') {
		shim_usage_error(err, verb);
		return NULL;
	}
	return argv[1];
}

static struct shim_container *load(struct shim_ctx *ctx, const char *id, struct vs_error **err)
{
	if (shim_root_prepare(ctx, err) < 0)
		return NULL;
	return shim_container_load(ctx, id, err);
}

/* One request without arguments to a live container's monitor. */
static int simple_request(struct shim_ctx *ctx, const char *id, const char *op,
			  struct vs_error **err)
{
	cleanup_container struct shim_container *c = load(ctx, id, err);
	yajl_gen req;
	yajl_val reply;

	if (c == NULL)
		return -1;
	if (c->status == SHIM_STOPPED)
		return vs_error_set(err, ESRCH, "container not running: `%s` is stopped", id);
	req = proto_json_begin();
	ctl_put_str(req, "op", op);
	reply = ctl_call(c->dir, id, req, NULL, 0, NULL, err);
	yajl_tree_free(reply);
	return reply != NULL ? 0 : -1;
}

int cmd_start(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = only_id("start", argc, argv, err);
	cleanup_container struct shim_container *c = NULL;

	if (id == NULL || (c = load(ctx, id, err)) == NULL)
		return -1;
	if (c->status == SHIM_STOPPED)
		return vs_error_set(err, EINVAL, "cannot start a container that has stopped");
	if (c->status != SHIM_CREATED)
		return vs_error_set(err, EINVAL, "cannot start container `%s`: it is %s", id,
				    shim_status_name(c->status));
	return simple_request(ctx, id, "start", err);
}

int cmd_pause(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = only_id("pause", argc, argv, err);

	return id == NULL ? -1 : simple_request(ctx, id, "pause", err);
}

int cmd_resume(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = only_id("resume", argc, argv, err);

	return id == NULL ? -1 : simple_request(ctx, id, "resume", err);
}

/* "9", "KILL" or "SIGKILL". */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s != '\0' && *end == '\0')
		return n >= 1 && n <= 64 ? (int)n : -1;
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
		return vs_error_set(err, EINVAL, "unknown signal `%s`", argv[optind + 1]);

	if ((c = load(ctx, id, err)) == NULL)
		return -1;
	/* Every process of a stopped container has its signal already. */
	if (c->status == SHIM_STOPPED)
		return all ? 0
			   : vs_error_set(err, ESRCH, "container not running: `%s` is stopped", id);

	yajl_gen req = proto_json_begin();
	ctl_put_str(req, "op", "kill");
	proto_json_put_int(req, "signal", signo);
	proto_json_put_bool(req, "all", all);
	yajl_val reply = ctl_call(c->dir, id, req, NULL, 0, NULL, err);
	if (reply == NULL && all && (*err)->errnum == ESRCH) {
		vs_error_free(steal_pointer(err));
		return 0;
	}
	yajl_tree_free(reply);
	return reply != NULL ? 0 : -1;
}

/* Waits up to timeout_ms for process pid (not a child) to end. */
static bool wait_gone(pid_t pid, unsigned long long start, int timeout_ms)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0 || !vs_proc_alive(pid, start))
		return !vs_proc_alive(pid, start);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1 || !vs_proc_alive(pid, start);
}

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
			return vs_error_set(err, EBUSY,
					    "cannot delete container `%s` that is not stopped: %s",
					    id, shim_status_name(c->status));
	}
	if (c->status == SHIM_CREATING) {
		/* No control socket yet: only the monitor's end stops a creation. */
		if (vs_proc_alive(c->pid, c->pid_start))
			kill(c->pid, SIGKILL);
		wait_gone(c->pid, c->pid_start, 5000);
	} else if (c->status != SHIM_STOPPED) {
		yajl_gen req = proto_json_begin();

		ctl_put_str(req, "op", "destroy");
		yajl_tree_free(ctl_call(c->dir, id, req, NULL, 0, NULL, &e));
		/* The monitor tears the VM down and exits; one that hangs is killed. */
		if (!wait_gone(c->pid, c->pid_start, 10000) &&
		    vs_proc_alive(c->pid, c->pid_start)) {
			kill(c->pid, SIGKILL);
			wait_gone(c->pid, c->pid_start, 5000);
		}
	} else if (c->pid > 0 && c->pid_start != 0) {
		/* "stopped" is written before the VM is gone: wait for the monitor's end. */
		wait_gone(c->pid, c->pid_start, 10000);
	}
	shim_container_remove(c->dir, id, c->bundle, NULL);
	return 0;
}

int cmd_state(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = only_id("state", argc, argv, err);
	cleanup_container struct shim_container *c = NULL;

	if (id == NULL || (c = load(ctx, id, err)) == NULL)
		return -1;
	cleanup_free char *json = shim_container_state_json(c, true);
	printf("%s", json);
	return 0;
}

/* --format table|json */
static int parse_format(const char *verb, const char *arg, bool *json, struct vs_error **err)
{
	if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0)
		return vs_error_set(err, EINVAL, "%s: unknown format `%s` (table or json)", verb,
				    arg);
	*json = strcmp(arg, "json") == 0;
	return 0;
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
		if (parse_format("ps", optarg, &json, err) < 0)
			return -1;
	}
	if (optind != argc - 1)
		return shim_usage_error(err, "ps");
	const char *id = argv[optind];
	if ((c = load(ctx, id, err)) == NULL)
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

int cmd_list(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, quiet = false, first = true;
	struct dirent *de;
	DIR *d;
	int opt;

	while ((opt = getopt_long(argc, argv, "+f:q", options, NULL)) != -1) {
		if (opt == 'q')
			quiet = true;
		else if (opt != 'f' || parse_format("list", optarg, &json, err) < 0)
			return opt != 'f' ? shim_usage_error(err, "list") : -1;
	}
	if (optind != argc)
		return shim_usage_error(err, "list");
	if (shim_root_prepare(ctx, err) < 0)
		return -1;
	d = opendir(ctx->root);
	if (d == NULL)
		return vs_error_set(err, errno, "cannot read `%s`", ctx->root);
	if (json)
		printf("[");
	else if (!quiet)
		printf("%-20s %-8s %-8s %-40s %-25s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	while ((de = readdir(d)) != NULL) {
		cleanup_error struct vs_error *e = NULL;
		cleanup_container struct shim_container *c = NULL;

		if (de->d_name[0] == '.' || shim_id_validate(de->d_name, &e) < 0)
			continue;
		c = shim_container_load(ctx, de->d_name, &e);
		if (c == NULL)
			continue; /* being created or deleted right now */
		if (quiet && !json) {
			printf("%s\n", c->id);
		} else if (json) {
			cleanup_free char *state = shim_container_state_json(c, false);

			printf("%s%s", first ? "" : ",", state);
		} else {
			printf("%-20s %-8d %-8s %-40s %-25s %s\n", c->id,
			       c->status == SHIM_STOPPED ? 0 : (int)c->pid,
			       shim_status_name(c->status), c->bundle, c->created, "root");
		}
		first = false;
	}
	closedir(d);
	if (json)
		printf("]\n");
	return 0;
}
