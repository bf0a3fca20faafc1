/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container: CREATE, START and EXEC requests on the agent's side, and
 * the set-up of its namespaces and root file system in the init process's
 * child (agent_container_setup()).
 *
 * Namespaces: mount always; pid, ipc, uts, network and cgroup when
 * linux.namespaces asks for them.  A namespace given by path, the user
 * and the time namespace are not made: the VM is the isolation boundary
 * and host paths mean nothing in the guest (a warning is logged).
 */
#pragma once

#include "common/error.h"
#include "guest/agent/agent.h"
#include "guest/proto/guest.h"

void agent_container_create(struct agent *a, const struct proto_request *req);
void agent_container_start(struct agent *a, const struct proto_request *req);
void agent_container_exec(struct agent *a, const struct proto_request *req);

/* The init process is set up: remember its namespaces for EXEC. */
void agent_container_init_ready(struct agent *a, pid_t pid);
/* The init process ended; created is false when CREATE itself failed (the container is dropped). */
void agent_container_init_gone(struct agent *a, bool created);
void agent_container_free(struct agent_container *c);

/* In the init process's child: namespaces, mounts, sysctls, hostname, pivot_root. */
int agent_container_setup(struct agent *a, struct vs_error **err);

/*
 * Whether sysctl key may be set: in the VM any (the VM is the container's),
 * on a shared kernel (test mode) only those of a namespace the container has.
 */
bool agent_container_sysctl_allowed(const char *key, bool vm, const bool new_ns[]);
