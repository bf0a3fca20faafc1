/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim run: the container in the foreground.  This process is its monitor:
 * it boots the VM, relays stdio, forwards SIGINT/SIGTERM/SIGHUP, exits with
 * the container's status, and leaves nothing behind on any path.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "shim/container.h"
#include "shim/session.h"
#include "shim/shim.h"
#include "shim/vm.h"

static const char usage_text[] = "[--bundle DIR] [--pid-file FILE] ID";

static int watch_signals(bool tty)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (tty)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int run_in(const char *dir, const char *id, const char *bundle, struct vs_error **err)
{
	cleanup_oci_spec struct oci_spec *spec = NULL;
	cleanup_free char *config_path = vs_xasprintf("%s/config.json", bundle);
	cleanup_free char *config = NULL;
	cleanup_close int sigfd = -1;
	struct shim_vm vm;
	size_t len;
	int status;

	spec = oci_spec_load(bundle, err);
	if (spec == NULL)
		return -1;
	if (spec->process == NULL)
		return vs_error_set(err, 0, "%s: process: must be present to run a container",
				    config_path);
	if (vs_read_file(config_path, OCI_SPEC_MAX_SIZE, &config, &len, err) < 0)
		return -1;
	/* Interactive: the host terminal goes raw and the guest pty does the line discipline. */
	bool tty = spec->process->terminal && isatty(STDIN_FILENO);
	struct termios saved;

	if (tty && tcgetattr(STDIN_FILENO, &saved) < 0)
		tty = false;
	sigfd = watch_signals(tty);
	if (shim_vm_boot(&vm, dir, id, bundle, spec, err) < 0)
		return -1;
	if (tty) {
		struct termios raw = saved;

		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	struct shim_session_io io = {
		.in = STDIN_FILENO,
		.out = STDOUT_FILENO,
		.err = STDERR_FILENO,
		.sigfd = sigfd,
		.tty = tty ? STDIN_FILENO : -1,
	};
	status = shim_session_run(&vm, id, bundle, config, len, &io, err);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	shim_vm_teardown(&vm);
	return status;
}

int cmd_run(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	enum {
		OPT_NO_PIVOT = 256,
		OPT_NO_KEYRING,
		OPT_PRESERVE_FDS,
		OPT_CONSOLE
	};
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle_arg = ".", *pid_file = NULL;
	char bundle[PATH_MAX];
	int c, status;

	while ((c = getopt_long(argc, argv, "+b:p:d", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle_arg = optarg;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'd':
			return vs_error_set(err, ENOTSUP, "run --detach is not supported yet");
		case OPT_CONSOLE:
			return vs_error_set(err, ENOTSUP,
					    "run --console-socket is not supported yet");
		case OPT_NO_PIVOT:
		case OPT_NO_KEYRING:
		case OPT_PRESERVE_FDS:
			break;
		default:
			return shim_usage_error(err, "run", usage_text);
		}
	}
	if (optind != argc - 1)
		return shim_usage_error(err, "run", usage_text);
	const char *id = argv[optind];
	if (shim_id_validate(id, err) < 0 || shim_root_prepare(ctx, err) < 0)
		return -1;
	if (realpath(bundle_arg, bundle) == NULL)
		return vs_error_set(err, errno, "bundle `%s`", bundle_arg);

	cleanup_free char *dir = vs_xasprintf("%s/%s", ctx->root, id);
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST
			   ? vs_error_set(err, EEXIST, "container `%s` already exists", id)
			   : vs_error_set(err, errno, "cannot create `%s`", dir);
	if (pid_file != NULL) {
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());

		if (vs_write_file_atomic(pid_file, pid, (size_t)n, 0644, err) < 0) {
			vs_rm_rf(dir, NULL);
			return -1;
		}
	}
	status = run_in(dir, id, bundle, err);
	/* Nothing of the container outlives run. */
	cleanup_error struct vs_error *rm_err = NULL;
	if (vs_rm_rf(dir, &rm_err) < 0)
		vs_warn("shim", "%s", rm_err->msg);
	/* An exec failure inside the guest exits like runc: 127 not found, 126 not executable. */
	if (status < 0 && *err != NULL && ((*err)->errnum == 126 || (*err)->errnum == 127)) {
		fprintf(stderr, "vshim: %s\n", (*err)->msg);
		return (*err)->errnum;
	}
	return status;
}
