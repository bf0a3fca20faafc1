/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim: an OCI runtime that runs each container in its own QEMU microVM,
 * with runc's command line.  main() parses the global flags, dispatches to
 * one verb, and is the only place that prints an error and exits.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "shim/container.h"
#include "shim/shim.h"

static const struct {
	const char *name;
	shim_verb_fn fn;
	const char *args;
	const char *summary;
} verbs[] = {
	{ "create", cmd_create,
	  "--bundle DIR [--pid-file FILE] [--console-socket SOCKET] [--no-pivot] "
	  "[--no-new-keyring] [--preserve-fds N] ID",
	  "create a container: its VM boots, its process waits for start" },
	{ "start", cmd_start, "ID", "start the process of a created container" },
	{ "state", cmd_state, "ID", "print the state of a container, as JSON" },
	{ "kill", cmd_kill, "[--all] ID [SIGNAL]",
	  "send a signal (default TERM) to the container's process, or all with --all" },
	{ "delete", cmd_delete, "[--force] ID", "delete a container (a running one with --force)" },
	{ "pause", cmd_pause, "ID", "pause every vCPU of the container's VM" },
	{ "resume", cmd_resume, "ID", "resume a paused container" },
	{ "exec", cmd_exec,
	  "[--process FILE] [--detach] [--pid-file FILE] [--console-socket SOCKET] [--tty] "
	  "[--cwd DIR] [--env K=V]... [--user UID[:GID]] ID [ARGS...]",
	  "run a new process in a running container" },
	{ "ps", cmd_ps, "[--format table|json] ID", "list the container's processes (guest pids)" },
	{ "list", cmd_list, "[-q] [--format table|json]", "list the containers" },
	{ "run", cmd_run,
	  "[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] [--keep] ID",
	  "create and start a container, and wait for it" },
	{ "spec", cmd_spec, "[--bundle DIR] [--rootless]",
	  "write a config.json template for a container in a VM" },
	{ "features", cmd_features, "", "print the features vshim supports, as JSON" },
};

static int verb_index(const char *name)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: vshim [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		     "Runs OCI containers, each in its own QEMU microVM.\n\nCommands:\n");
	for (size_t i = 0; i < VS_ARRAY_SIZE(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\nGlobal options:\n"
		     "  --root DIR            state directory (default /run/vshim, or\n"
		     "                        $XDG_RUNTIME_DIR/vshim when not root)\n"
		     "  --log FILE            also write errors to FILE\n"
		     "  --log-format FORMAT   text or json\n"
		     "  --debug               print debug messages\n"
		     "  --systemd-cgroup      accepted for runc compatibility\n"
		     "  --rootless VALUE      accepted and ignored\n"
		     "  --cgroup-manager X    accepted and ignored\n"
		     "  --version             print the version\n"
		     "  --help                show this help\n");
}

void shim_close_inherited(const struct shim_ctx *ctx)
{
	if (ctx->log_fd > 3)
		close_range(3, (unsigned int)ctx->log_fd - 1, 0);
	close_range(ctx->log_fd >= 3 ? (unsigned int)ctx->log_fd + 1 : 3, ~0U, 0);
}

int shim_usage_error(struct vs_error **err, const char *verb)
{
	int i = verb_index(verb);

	return vs_error_set(err, 0, "usage: vshim %s %s", verb, i >= 0 ? verbs[i].args : "");
}

static void report(const struct shim_ctx *ctx, FILE *log_file, const char *msg)
{
	/* The log file first: containerd reads it to explain a failure. */
	if (log_file != NULL) {
		vs_log_set_output(log_file, ctx->log_json);
		vs_log(VS_LOG_ERROR, NULL, "%s", msg);
	}
	fprintf(stderr, "vshim: %s\n", msg);
}

int main(int argc, char **argv)
{
	enum {
		OPT_LOG_FORMAT = 256,
		OPT_SYSTEMD,
		OPT_ROOTLESS,
		OPT_CGROUP_MANAGER,
		OPT_VERSION
	};
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, 'd' },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shim_ctx ctx = { 0 };
	struct vs_error *err = NULL;
	FILE *log_file = NULL;
	int c, status;

	/* "+": stop at the verb; its own options are its own. */
	while ((c = getopt_long(argc, argv, "+r:l:dhv", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			ctx.root = optarg;
			break;
		case 'l':
			ctx.log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "vshim: unknown log format `%s`\n", optarg);
				return 2;
			}
			ctx.log_json = strcmp(optarg, "json") == 0;
			break;
		case 'd':
			ctx.debug = true;
			break;
		case OPT_SYSTEMD:
			ctx.systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
		case OPT_CGROUP_MANAGER:
			break;
		case 'v':
		case OPT_VERSION:
			printf("vshim version %s\nspec: 1.2.0\n", VSHIM_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *verb = argv[optind];
	int i = verb_index(verb);

	/* exec reads --process /dev/fd/N first, then lets them go itself. */
	ctx.log_fd = -1;
	if (i < 0 || verbs[i].fn != cmd_exec)
		shim_close_inherited(&ctx);
	if (ctx.log_path != NULL) {
		log_file = fopen(ctx.log_path, "ae");
		if (log_file == NULL)
			fprintf(stderr, "vshim: warning: cannot open log file `%s`\n",
				ctx.log_path);
		else
			ctx.log_fd = fileno(log_file);
	}
	/*
	 * create's stderr is the container's: its debug lines need --log.  With
	 * --log, debug lines go there for every verb.
	 */
	if (ctx.debug && (log_file != NULL || strcmp(argv[optind], "create") != 0)) {
		vs_log_set_level(VS_LOG_DEBUG);
		vs_log_set_output(log_file, log_file != NULL && ctx.log_json);
	}

	if (i >= 0) {
		/* The verb sees argv from its own name on, like a program of its own. */
		int vargc = argc - optind;
		char **vargv = argv + optind;

		if (vargc > 1 && (strcmp(vargv[1], "--help") == 0 || strcmp(vargv[1], "-h") == 0)) {
			printf("Usage: vshim %s %s\n\n%s\n", verbs[i].name, verbs[i].args,
			       verbs[i].summary);
			return 0;
		}
		optind = 0;
		status = verbs[i].fn(&ctx, vargc, vargv, &err);
		if (status < 0) {
			report(&ctx, log_file, err ? err->msg : "unknown error");
			/* A process that cannot start: 127 not found, 126 not executable, as runc.
			 */
			status =
			    err && (err->errnum == 126 || err->errnum == 127) ? err->errnum : 1;
		}
		vs_error_free(err);
		if (log_file)
			fclose(log_file);
		return status;
	}
	fprintf(stderr, "vshim: unknown command `%s`; see vshim --help\n", verb);
	if (log_file)
		fclose(log_file);
	return 2;
}
