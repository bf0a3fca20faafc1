/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host-side network plumbing: what a container's network namespace holds,
 * and the wiring of its interfaces to a VM (Kata Containers' "tcfilter"
 * mode).  For every interface worth giving to the VM, a tap device is made
 * in the same namespace and joined to the interface by two tc rules: an
 * ingress qdisc on each of them with a u32 filter that matches every frame
 * and redirects it (mirred egress redirect) to the other.  The interface
 * keeps its addresses on the host side, so the port forwarding, masquerading
 * and firewall rules of podman's netavark or of CNI plugins keep working.
 *
 * Everything here talks rtnetlink (libmnl) in the calling thread's current
 * network namespace; nothing runs ip or tc.  Each function opens and closes
 * its own netlink socket.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/netcfg.h"

/* The interfaces of a network namespace worth giving to a VM. */
struct net_config {
	size_t n_ifaces;
	struct net_iface *ifaces;
};

/*
 * Opens the network namespace file at path (/run/netns/NAME,
 * /proc/PID/ns/net) and returns its descriptor (O_CLOEXEC).  A file that
 * is not a namespace, or a namespace of another type, is an error naming
 * the path and what it is.
 */
int net_ns_open(const char *path, struct vs_error **err);
/* Moves the calling thread into the network namespace fd (setns). */
int net_ns_enter(int fd, struct vs_error **err);
/* Moves the calling thread into a new, empty network namespace with lo up. */
int net_ns_new(struct vs_error **err);

/*
 * Reads the current namespace's interfaces into *out (cleared first): its
 * Ethernet links that carry at least one address (IPv6 link-local ones do
 * not count), each with its MAC, MTU, addresses and the routes through it
 * that someone configured (default routes included; the main table only,
 * unicast only, none the kernel made itself, no IPv6 link-local or
 * multicast destinations).  Loopback is never part of it.
 */
int net_scan(struct net_config *out, struct vs_error **err);
void net_config_clear(struct net_config *cfg);
/* The interface called name in cfg, or NULL. */
const struct net_iface *net_config_iface(const struct net_config *cfg, const char *name);

/*
 * Creates tap device name (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, header of
 * NET_VNET_HDR_LEN bytes), sets its MTU, keeps IPv6 from giving it an
 * address of its own, and brings it up.  Returns its descriptor
 * (O_CLOEXEC); the device goes away when the last descriptor is closed.
 * *ifindex (may be NULL) gets its interface index.
 */
int net_tap_create(const char *name, unsigned int mtu, int *ifindex, struct vs_error **err);

/*
 * Redirects every frame that arrives on interface from to the egress of
 * interface to: an ingress qdisc (ffff:) on from, holding a u32 filter
 * that matches everything with a mirred egress redirect action.  An
 * ingress qdisc already on from is an error (EEXIST): it is someone
 * else's, perhaps another container's.
 */
int net_redirect_add(int from, int to, struct vs_error **err);
/*
 * Removes the ingress qdisc of interface ifindex, and its filters with it.
 * None there, or no such interface, is success: it cleans up after a crash.
 */
int net_redirect_del(int ifindex, struct vs_error **err);

/*
 * Wires iface to a new tap device tap_name: the tap (with iface's MTU) and
 * a redirect in each direction.  Returns the tap's descriptor, for QEMU's
 * -netdev tap,fd=N.  On failure nothing is left behind.
 */
int net_wire(const struct net_iface *iface, const char *tap_name, struct vs_error **err);
/*
 * Wires iface to the tap that already exists as interface index tap (made
 * before iface appeared): the tap gets iface's MTU, then a redirect in each
 * direction.  On failure no redirect is left behind.
 */
int net_join(const struct net_iface *iface, int tap, struct vs_error **err);
/*
 * Undoes net_wire() for the interface ifindex and the tap tap_name (which
 * disappears with its last descriptor; a tap that is gone is fine).  Both
 * are cleaned as far as possible; the first failure is reported.
 */
int net_unwire(int ifindex, const char *tap_name, struct vs_error **err);

/* A random MAC address, unicast and locally administered (for a device of vshim's own). */
void net_random_mac(uint8_t mac[6]);

/* Whether interface name is a tun/tap device (the end of slirp4netns or pasta). */
bool net_is_tap(const char *name);
/*
 * Wires iface, a tap device of a user-mode network, to a new tap tap_name
 * through a new bridge bridge (net/bridge.c): iface gives the VM its
 * addresses (deleted from iface) and its MAC (iface gets a random one), and
 * the namespace keeps the address after iface's first IPv4 one on the
 * bridge, so that connections made in the namespace to the container's
 * address reach the VM.  Returns the tap's descriptor.  On failure the
 * namespace may be left half bridged: it is the container's, and goes
 * with it.
 */
int net_bridge_wire(const struct net_iface *iface, const char *tap_name, const char *bridge,
		    struct vs_error **err);
