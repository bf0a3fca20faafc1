/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container (struct agent_container, a->ctr) and the requests that
 * make it and its processes: CREATE parses config.json, plans the
 * container's namespaces (ns.c) and spawns its init process (process.c),
 * whose child builds the container (child.c); NETWORK gives the created
 * container's own network namespace the NICs the host wired late (net.c);
 * START lets the init process exec; EXEC spawns a process that joins the
 * init's namespaces.  A
 * container lives until the agent ends, unless its CREATE failed.
 */
#pragma once

#include "common/error.h"
#include "guest/agent/agent.h"
#include "guest/proto/guest.h"

void agent_container_create(struct agent *a, const struct proto_request *req);
void agent_container_start(struct agent *a, const struct proto_request *req);
void agent_container_network(struct agent *a, const struct proto_request *req);
void agent_container_exec(struct agent *a, const struct proto_request *req);

/* Drops the container when its CREATE failed and its init process is gone. */
void agent_container_service(struct agent *a);
void agent_container_free(struct agent_container *c);
