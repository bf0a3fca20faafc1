/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to hooks/: starting one hook process.  See hooks.h for the contract. */
#pragma once

#include <sys/types.h>

#include "common/error.h"
#include "oci/spec.h"

/* A started hook and our ends of its stdio.  Every fd is CLOEXEC; -1 when closed. */
struct hooks_child {
	pid_t pid;     /* leader of its own process group */
	int pidfd;     /* readable once the hook has exited */
	int stdin_fd;  /* write end of the hook's stdin, non-blocking */
	int stdout_fd; /* read end of the hook's stdout, non-blocking */
	int stderr_fd; /* read end of the hook's stderr, non-blocking */
};

#define HOOKS_CHILD_INIT                                                                  \
	{                                                                                 \
		.pid = -1, .pidfd = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, \
	}

/*
 * Starts the hook.  On failure nothing is left running and err names the
 * hook ("cannot execute hook `PATH`: ...").
 */
int hooks_spawn(const struct oci_hook *hook, struct hooks_child *child, struct vs_error **err);

/* Closes whatever fds of child are still open (the process is not touched). */
void hooks_spawn_close(struct hooks_child *child);
