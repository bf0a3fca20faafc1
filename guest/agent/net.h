/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's network interfaces: the loopback of a new network namespace,
 * which the kernel leaves down, and the NICs the host describes
 * (guest/proto/network.h), configured over rtnetlink (raw: the agent is
 * static and there is no static libmnl), one request at a time, every
 * reply checked and bounded.
 */
#pragma once

#include "common/error.h"
#include "guest/proto/network.h"

/* Brings up `lo`; a failure is logged, not fatal. */
void agent_net_loopback_up(void);

/*
 * Configures the NICs of net, each found by its device MAC in the agent's
 * own network namespace: taken down, moved into the network namespace
 * ns_fd (-1: they stay in the agent's), renamed, given the interface's MAC
 * and MTU, its addresses (IPv6 without duplicate address detection),
 * brought up, then its routes (those on the link first); `lo` comes up
 * there too.  The first failure stops it, naming the interface.
 */
int agent_net_configure(const struct proto_network *net, int ns_fd, struct vs_error **err);
