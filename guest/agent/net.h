/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's network interfaces, configured from inside the network
 * namespace the caller is in: the loopback of a new network namespace,
 * which the kernel leaves down.
 */
#pragma once

/* Brings up `lo`; a failure is logged, not fatal. */
void agent_net_loopback_up(void);
