/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of vshim exec: the process JSON the agent gets
 * (exec_process.c) and the exec proxy that relays the process
 * (exec_proxy.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "shim/container.h"

/* How many --env, --cap and --additional-gids exec takes. */
#define SHIM_EXEC_MAX_LIST 256

/* exec's command line. */
struct shim_exec_args {
	const char *process_file, *pid_file, *console_socket, *cwd, *user;
	const char *env[SHIM_EXEC_MAX_LIST];
	size_t n_env;
	const char *caps[SHIM_EXEC_MAX_LIST];
	size_t n_caps;
	unsigned long long gids[SHIM_EXEC_MAX_LIST];
	size_t n_gids;
	bool detach, tty, no_new_privs;
	const char *id;
	char **args;
	int n_args;
};

/*
 * The process JSON to send, checked the way the agent will read it;
 * *terminal is its terminal.  Without --process, the process of the
 * container whose state directory is state_dir, as create stored it.
 */
char *shim_exec_process_json(const struct shim_exec_args *a, const char *state_dir, bool *terminal,
			     struct vs_error **err);

/*
 * The proxy, in this process: starts the process in container c, reports to
 * notify_fd ("K" or "E" and the error) when detached, relays signals,
 * returns the process's status.
 */
int shim_exec_proxy(const struct shim_container *c, const struct shim_exec_args *a,
		    const char *process, bool terminal, int notify_fd, struct vs_error **err);
/* The proxy as a child; returns once the process runs, with the child's pid in --pid-file. */
int shim_exec_proxy_detached(const struct shim_container *c, const struct shim_exec_args *a,
			     const char *process, bool terminal, struct vs_error **err);
