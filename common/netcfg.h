/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A network interface as the VM gets it: its name, MAC, MTU, addresses and
 * routes.  Plain data, shared by the three places that handle it: the
 * host reads it from a network namespace (net/), the agent protocol
 * carries it (guest/proto/network.h), the guest agent applies it
 * (guest/agent/net.c).
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds of an interface set, everywhere: beyond them it is refused, naming the bound. */
#define NET_MAX_IFACES 16
#define NET_MAX_ADDRS  64 /* per interface */
#define NET_MAX_ROUTES 64 /* per interface */

/* The size of the virtio-net header on every frame of a tap's descriptor. */
#define NET_VNET_HDR_LEN 12

struct net_addr {
	int family;	     /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network byte order; 4 bytes used for AF_INET */
	unsigned int prefix; /* prefix length */
};

struct net_route {
	int family;	     /* AF_INET or AF_INET6 */
	uint8_t dst[16];     /* the destination network; all zero for a default route */
	unsigned int prefix; /* its prefix length; 0 for a default route */
	bool has_gateway;    /* false: the destination is on the link */
	uint8_t gateway[16];
	uint32_t metric;
};

struct net_iface {
	char name[IFNAMSIZ];
	int ifindex; /* in the namespace it was read from; 0 when it was not */
	uint8_t mac[6];
	unsigned int mtu;
	size_t n_addrs;
	struct net_addr addrs[NET_MAX_ADDRS];
	size_t n_routes;
	struct net_route routes[NET_MAX_ROUTES];
};
