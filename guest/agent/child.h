/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a forked child does until execve.  The init process's child builds
 * the container: its namespaces (ns.c), its root file system on the root
 * share (shares.c, mounts.c), its kernel settings (sysctl.c, net.c) and
 * pivot_root; an EXEC'd process's child joins the init's namespaces.  Then
 * either sets up its terminal or pipes, the limits and privileges of
 * security.c, cwd, environment and the program.  Every failure goes to the
 * agent over the sync socket, then the child exits; nothing is printed (its
 * stdio may be the container's already).
 */
#pragma once

#include <stdbool.h>

#include "guest/agent/agent.h"
#include "oci/spec.h"

struct agent_child {
	const struct agent *a;		   /* its settings: vm, run_dir, share_dir */
	const struct agent_container *ctr; /* the container the process runs in */
	const struct oci_process *proc;
	bool is_init;
	int sync_fd;
	int stdio[3]; /* the child's ends of the stdin, stdout, stderr pipes; -1 with a terminal */
};

_Noreturn void agent_child_run(const struct agent_child *c);
