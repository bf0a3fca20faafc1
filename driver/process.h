/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spawning QEMU: a child that dies with its parent (PDEATHSIG), runs in its
 * own process group, sees only the descriptors handed to it, writes stderr
 * to the domain log, keeps only the capabilities it needs and runs under
 * the seccomp filter of sandbox.h, whose supervisor descriptor comes back
 * to the parent.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

struct drv_spawn {
	char *const *argv;
	const int *pass_fds; /* become 3, 4, ... in the child, in this order */
	size_t n_pass_fds;
	int log_fd;	      /* stdout and stderr */
	const int *keep_caps; /* CAP_* the child keeps; every other one is dropped */
	size_t n_keep_caps;
	bool no_thp; /* PR_SET_THP_DISABLE: no transparent huge pages (kept across execve) */
};

/*
 * Forks and execs.  Returns the pid, with *pidfd open on it and
 * *seccomp_fd the supervisor's end of its filter (drv_sandbox_serve()),
 * once execve() has succeeded; a failure before it is reported as an error.
 */
pid_t drv_process_spawn(const struct drv_spawn *spawn, int *pidfd, int *seccomp_fd,
			struct vs_error **err);

/* A pidfd for a process that is not our child (reconnect), or -1 with err. */
int drv_process_pidfd(pid_t pid, struct vs_error **err);
