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

void shim_close_inherited(const struct shim_ctx *ctx)
{
	if (ctx->log_fd > 3)
		close_range(3, (unsigned int)ctx->log_fd - 1, 0);
	close_range(ctx->log_fd >= 3 ? (unsigned int)ctx->log_fd + 1 : 3, ~0U, 0);
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
			return shim_version();
		case 'h':
			shim_usage(stdout);
			return 0;
		default:
			shim_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		shim_usage(stderr);
		return 2;
	}
	const char *verb = argv[optind];
	const struct shim_verb *v = shim_verb_find(verb);

	/* exec reads --process /dev/fd/N first, then lets them go itself. */
	ctx.log_fd = -1;
	if (v == NULL || v->fn != cmd_exec)
		shim_close_inherited(&ctx);
	if (ctx.log_path != NULL) {
		log_file = vs_log_open(ctx.log_path);
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

	if (v != NULL) {
		/* The verb sees argv from its own name on, like a program of its own. */
		int vargc = argc - optind;
		char **vargv = argv + optind;

		if (vargc > 1 && (strcmp(vargv[1], "--help") == 0 || strcmp(vargv[1], "-h") == 0)) {
			shim_verb_help(v, stdout);
			return 0;
		}
		optind = 0;
		status = v->fn(&ctx, vargc, vargv, &err);
		/* A verb may end with a status of its own and still have something to say (run). */
		if (status < 0 || err != NULL)
			report(&ctx, log_file, err ? err->msg : "unknown error");
		/* A process that cannot start: 127 not found, 126 not executable, as runc. */
		if (status < 0)
			status =
			    err && (err->errnum == 126 || err->errnum == 127) ? err->errnum : 1;
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
