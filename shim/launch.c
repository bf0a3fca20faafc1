/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What create and run share: the flags, a container's state directory, its
 * monitor's options, and the monitor forked for create (and run --detach),
 * which tells it through a pipe when the container is created, or why not.
 */
#include "shim/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "shim/container.h"

int shim_launch_parse(const char *verb, int argc, char **argv, struct shim_launch *a,
		      struct vs_error **err)
{
	enum {
		OPT_NO_PIVOT = 256,
		OPT_NO_KEYRING,
		OPT_PRESERVE_FDS,
		OPT_CONSOLE,
		OPT_KEEP
	};
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ NULL, 0, NULL, 0 },
	};
	bool run = strcmp(verb, "run") == 0;
	int c;

	a->bundle_arg = ".";
	a->tty = -1;
	while ((c = getopt_long(argc, argv, "+b:p:d", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->bundle_arg = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'd':
			if (!run)
				return shim_usage_error(err, verb);
			a->detach = true;
			break;
		case OPT_CONSOLE:
			a->console_socket = optarg;
			break;
		case OPT_KEEP:
			if (!run)
				return shim_usage_error(err, verb);
			a->keep = true;
			break;
		case OPT_NO_PIVOT: /* the container's root is always a mount of its own */
		case OPT_NO_KEYRING:
		case OPT_PRESERVE_FDS: /* descriptors cannot cross into a VM */
			break;
		default:
			return shim_usage_error(err, verb);
		}
	}
	if (optind != argc - 1)
		return shim_usage_error(err, verb);
	a->id = argv[optind];
	return 0;
}

/*
 * The terminal a foreground run with process.terminal makes raw and takes
 * the window size from, as runc picks it: stderr, stdout or stdin, else
 * the controlling terminal.  A new descriptor, or -1.
 */
static int host_terminal(void)
{
	static const int stdio[] = { STDERR_FILENO, STDOUT_FILENO, STDIN_FILENO };

	for (size_t i = 0; i < VS_ARRAY_SIZE(stdio); i++)
		if (isatty(stdio[i]))
			return fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
	return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

int shim_launch_prepare(struct shim_ctx *ctx, struct shim_launch *a, bool foreground,
			struct vs_error **err)
{
	cleanup_free char *config_path = NULL;

	if (shim_id_validate(a->id, err) < 0 || oci_hostconf_load(NULL, &a->conf, err) < 0 ||
	    shim_root_prepare(ctx, err) < 0)
		return -1;
	if (realpath(a->bundle_arg, a->bundle) == NULL)
		return vs_error_set(err, errno, "bundle `%s`", a->bundle_arg);
	a->spec = oci_spec_load(a->bundle, &a->config, &a->config_len, &a->rootfs, err);
	if (a->spec == NULL)
		return -1;
	config_path = vs_xasprintf("%s/config.json", a->bundle);
	if (oci_linux_check_namespaces(a->spec, config_path, err) < 0)
		return shim_userns_rootless() && shim_userns_denied(*err)
			   ? vs_error_prefix(err, "without root, vshim cannot use a namespace "
						  "another user owns: run it as root")
			   : -1;
	a->rootless = shim_userns_rootless();
	if (a->rootless && shim_userns_plan(a->spec, config_path, &a->userns, err) < 0)
		return -1;
	if (a->spec->process == NULL)
		return vs_error_set(err, 0, "%s: process: must be present to run a container",
				    config_path);
	if (a->spec->process->terminal && a->console_socket == NULL && !foreground)
		return vs_error_set(err, 0,
				    "%s: process.terminal is true: a detached container needs "
				    "--console-socket",
				    config_path);
	if (!a->spec->process->terminal)
		a->console_socket = NULL;
	else if (foreground && a->console_socket == NULL && (a->tty = host_terminal()) < 0)
		return vs_error_code(err, ENOTTY,
				     "%s: process.terminal is true, but neither the stdio of vshim "
				     "run nor a controlling terminal is a terminal: give "
				     "--console-socket, or set process.terminal to false",
				     config_path);
	a->dir = vs_xasprintf("%s/%s", ctx->root, a->id);
	if (mkdir(a->dir, 0700) < 0)
		return errno == EEXIST
			   ? vs_error_code(err, EEXIST, "container `%s` already exists", a->id)
			   : vs_error_set(err, errno, "cannot create `%s`", a->dir);
	if (shim_container_store_config(a->dir, a->config, a->config_len, err) < 0) {
		vs_rm_rf(a->dir, NULL);
		return -1;
	}
	return 0;
}

void shim_launch_clear(struct shim_launch *a)
{
	oci_hostconf_clear(&a->conf);
	if (a->tty >= 0)
		close(a->tty);
	oci_spec_free(a->spec);
	free(a->config);
	free(a->rootfs);
	free(a->dir);
}

struct monitor_opts shim_launch_monitor_opts(const struct shim_ctx *ctx,
					     const struct shim_launch *a)
{
	return (struct monitor_opts){
		.systemd_cgroup = ctx->systemd_cgroup,
		.id = a->id,
		.dir = a->dir,
		.bundle = a->bundle,
		.rootfs = a->rootfs,
		.spec = a->spec,
		.conf = &a->conf,
		.config = a->config,
		.config_len = a->config_len,
		.in = STDIN_FILENO,
		.out = STDOUT_FILENO,
		.err = STDERR_FILENO,
		.tty = -1,
		.console_socket = a->console_socket,
		.pid_file = a->pid_file,
		.notify_fd = -1,
		.userns = a->rootless ? &a->userns : NULL,
	};
}

/* The forked monitor: nothing of its own may reach the container's stdio. */
__attribute__((noreturn)) static void monitor_child(struct shim_ctx *ctx, struct shim_launch *a,
						    int notify_fd)
{
	struct vs_error *err = NULL;
	FILE *log = ctx->log_path != NULL ? vs_log_open(ctx->log_path) : fopen("/dev/null", "ae");
	struct monitor_opts o = shim_launch_monitor_opts(ctx, a);
	int status;

	o.start = a->detach;
	o.notify_fd = notify_fd;
	o.sigfd = monitor_signalfd(a->console_socket != NULL);

	/* With a console the caller's stdio is not the container's: let it go. */
	if (a->console_socket != NULL)
		vs_stdio_to_devnull();
	vs_log_set_output(log, ctx->log_json);
	status = monitor_run(&o, &err);
	/* Errors before the container was created went to create, which reports them. */
	if (status < 0)
		status = err->errnum == 126 || err->errnum == 127 ? err->errnum : 255;
	_exit(status);
}

/* Forks the monitor and waits for its word: created (or started), or why not. */
static int spawn_monitor(struct shim_ctx *ctx, struct shim_launch *a, struct vs_error **err)
{
	char msg[4096];
	size_t len = 0;
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return vs_error_set(err, errno, "cannot create a pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return vs_error_set(err, errno, "cannot fork the monitor");
	}
	if (pid == 0) {
		close(fds[0]);
		monitor_child(ctx, a, fds[1]);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], msg + len, sizeof(msg) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == sizeof(msg) - 1)
			break;
	}
	close(fds[0]);
	msg[len] = '\0';
	if (len > 0 && msg[0] == 'K')
		return 0;
	/* The monitor undid what it made; wait for it before the directory goes. */
	waitpid(pid, NULL, 0);
	if (len > 1 && msg[0] == 'E')
		return vs_error_set(err, 0, "%s", msg + 1);
	return vs_error_set(err, 0, "the monitor of `%s` died while creating it", a->id);
}

int shim_launch_detached(struct shim_ctx *ctx, struct shim_launch *a, struct vs_error **err)
{
	if (shim_launch_prepare(ctx, a, false, err) < 0)
		return -1;
	if (spawn_monitor(ctx, a, err) < 0) {
		/* Destroyed as delete would (runtime.md, Lifecycle step 12): poststop hooks run. */
		shim_container_remove(a->dir, a->id, a->bundle, a->spec);
		return -1;
	}
	return 0;
}
