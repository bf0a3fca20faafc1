/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What create and run share: their command line, the checks made before the
 * container's state directory exists, the monitor's options, and the monitor
 * forked for a detached container (create, run --detach).
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "oci/hostconf.h"
#include "oci/spec.h"
#include "shim/monitor.h"
#include "shim/shim.h"
#include "shim/userns.h"

struct shim_launch {
	const char *bundle_arg;
	const char *pid_file;
	const char *console_socket;
	bool detach;
	bool keep; /* run: the stopped container stays until delete */
	const char *id;
	/* filled by shim_launch_prepare() */
	struct oci_hostconf conf;
	int tty; /* run in the foreground with process.terminal: the host terminal, or -1 */
	char bundle[PATH_MAX];
	struct oci_spec *spec;
	char *config;
	size_t config_len;
	char *rootfs; /* root.path resolved */
	char *dir;
	bool rootless; /* the monitor makes userns for itself */
	struct shim_userns userns;
};

/* The flags of create or run (verb) and the ID. */
int shim_launch_parse(const char *verb, int argc, char **argv, struct shim_launch *a,
		      struct vs_error **err);
/*
 * Everything checked (ID, the host configuration, bundle, config.json; a
 * terminal needs a console socket, or in the foreground a terminal of the
 * caller's, found as runc finds it), then ROOT/ID made with the checked
 * config.json stored in it: nothing is left behind on an error.
 */
int shim_launch_prepare(struct shim_ctx *ctx, struct shim_launch *a, bool foreground,
			struct vs_error **err);
void shim_launch_clear(struct shim_launch *a);
/* The monitor of a's container on this process's stdio, not started, without a tty. */
struct monitor_opts shim_launch_monitor_opts(const struct shim_ctx *ctx,
					     const struct shim_launch *a);
/*
 * Prepares the container and forks its monitor; returns once the monitor
 * says the container is created (started, with a->detach).  On failure the
 * container is removed as delete would.
 */
int shim_launch_detached(struct shim_ctx *ctx, struct shim_launch *a, struct vs_error **err);
