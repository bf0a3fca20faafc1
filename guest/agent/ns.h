/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's namespaces (struct agent_ns_set, in agent.h): which kinds
 * it has of its own, making them in its init process's child, keeping
 * descriptors of the init's ones once it is set up, and entering them for
 * EXEC: the pid namespace by the agent before the fork (a process enters
 * a pid namespace only through its children), the others by the child.
 *
 * Mount always; pid, ipc, uts and cgroup when linux.namespaces asks for
 * them; network when it asks for one, by path or not, unless the container
 * shares the VM's network (the host configured its NICs in CREATE: the
 * namespace the caller prepared is the VM's).  Any other namespace given by
 * path, the user and the time namespace are not made: the VM is the
 * isolation boundary and host paths mean nothing in the guest (a warning
 * is logged).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "guest/agent/agent.h"
#include "oci/spec.h"

/*
 * Which namespaces the container gets of its own, from lx (may be NULL)
 * and whether it shares the VM's network; no descriptors yet.
 */
void agent_ns_plan(struct agent_ns_set *ns, const struct oci_linux *lx, bool vm_network);

/* In the init process's child: makes its namespaces but the pid one (entered before the fork). */
int agent_ns_unshare(const struct agent_ns_set *ns, struct vs_error **err);
/* In an EXEC'd process's child: joins the init's namespaces but the pid one. */
int agent_ns_join(const struct agent_ns_set *ns, struct vs_error **err);

/*
 * In the agent, before it forks a process of the container: moves into the
 * pid namespace its children get, a new one (create, for the init process)
 * or the init's; *moved says whether agent_ns_leave_pid() must follow.
 */
int agent_ns_enter_pid(const struct agent_ns_set *ns, bool create, bool *moved,
		       struct vs_error **err);
/* After the fork: back to the agent's own pid namespace (self_fd), for its later children. */
void agent_ns_leave_pid(int self_fd);

/* The init process (pid) is set up: opens its namespaces for EXEC. */
void agent_ns_open(struct agent_ns_set *ns, pid_t pid);
void agent_ns_close(struct agent_ns_set *ns);
