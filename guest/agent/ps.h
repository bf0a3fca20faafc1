/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's processes (PS, with the pids the container itself sees),
 * and signals to all of them (`kill --all`).
 *
 * Which processes belong to the container: those in its pid namespace when
 * it has one; otherwise, in the VM, every user process but the agent (the
 * VM holds one container); in the host test mode, the agent's own.  In the
 * VM a signal to all goes to every process but the agent.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "guest/agent/agent.h"
#include "guest/proto/guest.h"

/* The agent's pids of the container's processes, ascending; *pids is a new array. */
size_t agent_ps_list(struct agent *a, uint32_t **pids);
/* PS_REPLY: their pids in the container's pid namespace, ascending. */
void agent_ps_reply(struct agent *a, const struct proto_request *req);
void agent_ps_signal_all(struct agent *a, int signo);
