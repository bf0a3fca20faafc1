/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim exec: a new process in a running (or created) container.  This
 * process (or, with --detach, a child of it) is the exec proxy
 * (exec_proxy.c) for the process JSON built from --process or the command
 * line (exec_process.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "common/cgroup.h"
#include "common/cleanup.h"
#include "shim/container.h"
#include "shim/exec.h"

/* One more --env or --cap. */
static int append(const char **list, size_t *n, const char *value, struct vs_error **err)
{
	if (*n == SHIM_EXEC_MAX_LIST)
		return vs_error_code(err, E2BIG, "exec: more than %d --env or --cap",
				     SHIM_EXEC_MAX_LIST);
	list[(*n)++] = value;
	return 0;
}

/* An --additional-gids value: a group id. */
static int parse_gid(const char *s, unsigned long long *gid, struct vs_error **err)
{
	char *end;

	errno = 0;
	*gid = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || *gid > 4294967294ull)
		return vs_error_code(err, EINVAL, "--additional-gids `%s`: must be a group id", s);
	return 0;
}

static int parse(int argc, char **argv, struct shim_exec_args *a, struct vs_error **err)
{
	enum {
		OPT_CONSOLE = 256,
		OPT_NO_NEW_PRIVS,
		OPT_PRESERVE,
		OPT_LABEL
	};
	static const struct option options[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
		{ "cap", required_argument, NULL, 'c' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "apparmor", required_argument, NULL, OPT_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+p:dtw:e:u:c:g:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->process_file = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'P':
			a->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			a->console_socket = optarg;
			break;
		case 't':
			a->tty = true;
			break;
		case 'w':
			a->cwd = optarg;
			break;
		case 'e':
		case 'c':
			if (append(c == 'e' ? a->env : a->caps, c == 'e' ? &a->n_env : &a->n_caps,
				   optarg, err) < 0)
				return -1;
			break;
		case 'g':
			if (a->n_gids == SHIM_EXEC_MAX_LIST)
				return vs_error_code(err, E2BIG,
						     "exec: more than %d --additional-gids",
						     SHIM_EXEC_MAX_LIST);
			if (parse_gid(optarg, &a->gids[a->n_gids++], err) < 0)
				return -1;
			break;
		case 'u':
			a->user = optarg;
			break;
		case OPT_NO_NEW_PRIVS:
			a->no_new_privs = true;
			break;
		case OPT_PRESERVE:
		case OPT_LABEL:
			break;
		default:
			return shim_usage_error(err, "exec");
		}
	}
	if (optind >= argc)
		return shim_usage_error(err, "exec");
	a->id = argv[optind];
	a->args = argv + optind + 1;
	a->n_args = argc - optind - 1;
	return 0;
}

/*
 * runc's exec joins the container's cgroup; so does this process, the
 * exec's host process that clients wait on (and its detached child): the
 * cgroups the monitor joined, when config.json named one.
 */
static int join_container_cgroup(const struct shim_container *c, const char *id,
				 struct vs_error **err)
{
	cleanup_oci_spec struct oci_spec *spec = shim_container_config(c->dir, err);
	struct vs_cgroup cg;
	int r;

	if (spec == NULL)
		return -1;
	if (spec->linux_ == NULL || spec->linux_->cgroups_path == NULL ||
	    spec->linux_->cgroups_path[0] == '\0')
		return 0;
	if (vs_cgroup_open_of(c->monitor, &cg, err) < 0)
		return vs_error_prefix(err, "cannot join the cgroup of `%s`", id);
	r = vs_cgroup_join(&cg, 0, err);
	vs_cgroup_clear(&cg);
	return r < 0 ? vs_error_prefix(err, "cannot join the cgroup of `%s`", id) : 0;
}

int cmd_exec(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	struct shim_exec_args a = { 0 };
	cleanup_container struct shim_container *c = NULL;
	cleanup_free char *process = NULL;
	bool terminal = false;

	if (parse(argc, argv, &a, err) < 0 || shim_root_prepare(ctx, err) < 0)
		return -1;
	c = shim_container_load(ctx, a.id, err);
	if (c == NULL)
		return -1;
	if (c->status != SHIM_RUNNING && c->status != SHIM_CREATED)
		return vs_error_code(err, ESRCH, "container not running: `%s` is %s", a.id,
				     shim_status_name(c->status));
	if (join_container_cgroup(c, a.id, err) < 0)
		return -1;
	process = shim_exec_process_json(&a, c->dir, &terminal, err);
	shim_close_inherited(ctx);
	if (process == NULL)
		return -1;
	if (terminal && a.detach && a.console_socket == NULL)
		return vs_error_code(
		    err, EINVAL, "exec: a detached process with a terminal needs --console-socket");
	/* main() exits 127 when the program is missing, 126 when it cannot run, as runc. */
	if (!a.detach)
		return shim_exec_proxy(c, &a, process, terminal, -1, err);
	return shim_exec_proxy_detached(c, &a, process, terminal, err);
}
