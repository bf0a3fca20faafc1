/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network configuration the host sends the agent: for each NIC of the
 * VM, the MAC QEMU gave it (how the agent finds it) and what the guest
 * makes of it: the host interface's name, MAC, MTU, addresses and routes
 * (common/netcfg.h).  It travels in CREATE ("network", the container then
 * shares the VM's network namespace) and in NETWORK (the late case: the
 * NICs go into the container's own namespace before START).
 *
 *   {"interfaces": [{"device": "52:54:00:12:34:56", "name": "eth0",
 *                    "mac": "0a:58:0a:58:00:05", "mtu": 1500,
 *                    "addresses": ["10.88.0.5/16", "fd00::5/64"],
 *                    "routes": [{"to": "0.0.0.0/0", "via": "10.88.0.1",
 *                                "metric": 100}]}]}
 *
 * Both ends check the same rules (proto_network_check()): at most
 * NET_MAX_IFACES interfaces with distinct devices and names, each with at
 * most NET_MAX_ADDRS addresses and NET_MAX_ROUTES routes; names as Linux
 * takes them (1 to 15 printable characters, no `/`, `:`, `%` or blank, not
 * `.` or `..`); unicast MACs that are not all zero; an MTU of 68-65535;
 * IPv4 or IPv6 addresses with a prefix length that fits; a route's
 * gateway of the route's family.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/error.h"
#include "common/netcfg.h"

struct proto_nic {
	uint8_t device[6];	/* the MAC QEMU gave the NIC */
	struct net_iface iface; /* what it becomes; ifindex is not sent */
};

struct proto_network {
	size_t n;
	struct proto_nic *nics; /* owned by whoever filled it: proto_network_clear() */
};

/* The rules above; the error names the interface and the field. */
int proto_network_check(const struct proto_network *net, struct vs_error **err);

/*
 * Writes the members of the object above ("interfaces") into the object
 * being generated (the caller has checked net).
 */
void proto_network_put(yajl_gen g, const struct proto_network *net);

/*
 * Reads member key of obj into *out (cleared first): 1 when present and
 * valid, 0 when absent, -1 with err set (naming what, the message) when
 * it breaks a rule.  *out is empty after a failure.
 */
int proto_network_get(yajl_val obj, const char *what, const char *key, struct proto_network *out,
		      struct vs_error **err);
/* Reads a whole payload that is the object itself (NETWORK). */
int proto_network_decode(yajl_val obj, const char *what, struct proto_network *out,
			 struct vs_error **err);

void proto_network_clear(struct proto_network *net);
