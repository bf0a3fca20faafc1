/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's network interfaces (net.h). */
#include "guest/agent/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

/*
 * One request: a header, its fixed part and at most five small attributes
 * (a route: destination, gateway, output interface, metric); well under
 * this.
 */
#define REQUEST_SIZE 512
/* Replies read before the acknowledgement must have come. */
#define MAX_REPLIES 16
/* The kernel answers at once; this only bounds a stuck socket. */
#define REPLY_TIMEOUT_S 5

void agent_net_loopback_up(void)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		vs_warn("agent", "cannot bring up the loopback interface: %s", strerror(errno));
}

/* A rtnetlink socket and an ioctl socket, both of one network namespace. */
struct socks {
	int nl, dgram;
	uint32_t seq;
};

static void socks_close(struct socks *s)
{
	if (s->nl >= 0)
		close(s->nl);
	if (s->dgram >= 0)
		close(s->dgram);
	s->nl = s->dgram = -1;
}

static int socks_make(struct socks *s)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };

	s->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	s->dgram = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->nl < 0 || s->dgram < 0 ||
	    setsockopt(s->nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	return 0;
}

/*
 * Sockets of the network namespace ns_fd (-1: the current one): a socket
 * stays in the namespace it was made in, so the thread goes there for a
 * moment and comes back.
 */
static int socks_open(struct socks *s, int ns_fd, struct vs_error **err)
{
	cleanup_close int self = -1;
	int made, saved;

	*s = (struct socks){ .nl = -1, .dgram = -1 };
	if (ns_fd < 0) {
		if (socks_make(s) < 0)
			return vs_error_set(err, errno, "cannot open a netlink socket");
		return 0;
	}
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return vs_error_set(err, errno, "cannot open the agent's network namespace");
	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return vs_error_set(err, errno, "cannot enter the container's network namespace");
	made = socks_make(s);
	saved = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		return vs_error_set(err, errno, "cannot return to the agent's network namespace");
	if (made < 0)
		return vs_error_set(err, saved,
				    "cannot open a netlink socket in the container's network "
				    "namespace");
	return 0;
}

static struct nlmsghdr *request(char *buf, uint16_t type, uint16_t flags, size_t fixed)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	memset(buf, 0, REQUEST_SIZE);
	h->nlmsg_len = NLMSG_LENGTH(fixed);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return h;
}

static void put_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends h and waits for its acknowledgement: 0, or the kernel's errno. */
static int talk(struct socks *s, struct nlmsghdr *h)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	h->nlmsg_seq = ++s->seq;
	if (sendto(s->nl, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) !=
	    (ssize_t)h->nlmsg_len)
		return errno ? errno : EIO;
	for (int i = 0; i < MAX_REPLIES; i++) {
		ssize_t n = recv(s->nl, reply, sizeof(reply), 0);
		int left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		left = (int)n;
		for (struct nlmsghdr *r = (struct nlmsghdr *)reply; NLMSG_OK(r, left);
		     r = NLMSG_NEXT(r, left)) {
			const struct nlmsgerr *e = NLMSG_DATA(r);

			if (r->nlmsg_seq != s->seq || r->nlmsg_type != NLMSG_ERROR)
				continue;
			if (r->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return EPROTO;
			return -e->error;
		}
	}
	return EPROTO;
}

/* RTM_SETLINK: up or down, and whichever of name, mac (6 bytes), mtu (> 0), ns_fd (>= 0). */
static int set_link(struct socks *s, int index, bool up, const char *name, const uint8_t *mac,
		    unsigned int mtu, int ns_fd)
{
	char buf[REQUEST_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h = request(buf, RTM_SETLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = NLMSG_DATA(h);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (name != NULL)
		put_attr(h, IFLA_IFNAME, name, strlen(name) + 1);
	if (mac != NULL)
		put_attr(h, IFLA_ADDRESS, mac, 6);
	if (mtu > 0)
		put_attr(h, IFLA_MTU, &mtu, sizeof(mtu));
	if (ns_fd >= 0)
		put_attr(h, IFLA_NET_NS_FD, &(uint32_t){ (uint32_t)ns_fd }, sizeof(uint32_t));
	return talk(s, h);
}

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void prefix_text(char *out, size_t size, int family, const uint8_t *a, unsigned int prefix)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, a, ip, sizeof(ip));
	snprintf(out, size, "%s/%u", ip, prefix);
}

static int add_address(struct socks *s, int index, const struct net_addr *a)
{
	char buf[REQUEST_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h =
	    request(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = NLMSG_DATA(h);

	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = (unsigned char)a->prefix;
	/* The host's interface held this address already: nothing to detect. */
	ifa->ifa_flags = a->family == AF_INET6 ? IFA_F_NODAD : 0;
	ifa->ifa_index = (unsigned int)index;
	put_attr(h, IFA_LOCAL, a->addr, family_len(a->family));
	put_attr(h, IFA_ADDRESS, a->addr, family_len(a->family));
	return talk(s, h);
}

static int add_route(struct socks *s, int index, const struct net_route *r)
{
	char buf[REQUEST_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h =
	    request(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct rtmsg));
	struct rtmsg *rtm = NLMSG_DATA(h);
	uint32_t oif = (uint32_t)index;

	rtm->rtm_family = (unsigned char)r->family;
	rtm->rtm_dst_len = (unsigned char)r->prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = r->has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (r->prefix > 0)
		put_attr(h, RTA_DST, r->dst, family_len(r->family));
	if (r->has_gateway)
		put_attr(h, RTA_GATEWAY, r->gateway, family_len(r->family));
	put_attr(h, RTA_OIF, &oif, sizeof(oif));
	if (r->metric > 0)
		put_attr(h, RTA_PRIORITY, &r->metric, sizeof(r->metric));
	return talk(s, h);
}

/* The index of the NIC whose MAC is mac, in the namespace of s, or 0. */
static int find_nic(const struct socks *s, const uint8_t *mac)
{
	struct if_nameindex *list = if_nameindex();
	int found = 0;

	for (struct if_nameindex *i = list; i != NULL && i->if_index != 0 && !found; i++) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(s->dgram, SIOCGIFHWADDR, &ifr) == 0 &&
		    ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER &&
		    memcmp(ifr.ifr_hwaddr.sa_data, mac, 6) == 0)
			found = (int)i->if_index;
	}
	if (list != NULL)
		if_freenameindex(list);
	return found;
}

/* The index of name in the namespace of s, or 0. */
static int index_of(const struct socks *s, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(s->dgram, SIOCGIFINDEX, &ifr) == 0 ? ifr.ifr_ifindex : 0;
}

/* A name no interface the host describes can have (they have at most 15 characters). */
static void parking_name(char out[IFNAMSIZ], size_t i)
{
	snprintf(out, IFNAMSIZ, "vsnic%zu", i);
}

/*
 * Every NIC down, parked under a name of its own (the final names may be
 * taken by another of them: the kernel names virtio NICs eth0, eth1...),
 * and moved where it goes.
 */
static int park(struct socks *here, const struct proto_network *net, int ns_fd,
		struct vs_error **err)
{
	for (size_t i = 0; i < net->n; i++) {
		const struct proto_nic *nic = &net->nics[i];
		const uint8_t *m = nic->device;
		int index = find_nic(here, m), e;
		char park_name[IFNAMSIZ];

		if (index == 0)
			return vs_error_code(err, ENODEV,
					     "no NIC of the VM has MAC "
					     "%02x:%02x:%02x:%02x:%02x:%02x (interface `%s`)",
					     m[0], m[1], m[2], m[3], m[4], m[5], nic->iface.name);
		parking_name(park_name, i);
		e = set_link(here, index, false, park_name, NULL, 0, ns_fd);
		if (e != 0)
			return vs_error_set(
			    err, e, "cannot take the NIC of interface `%s` down%s", nic->iface.name,
			    ns_fd >= 0 ? " into the container's network namespace" : "");
	}
	return 0;
}

static int configure_one(struct socks *there, const struct proto_nic *nic, size_t i,
			 struct vs_error **err)
{
	const struct net_iface *f = &nic->iface;
	char park_name[IFNAMSIZ], text[INET6_ADDRSTRLEN + 8];
	bool new_mac = memcmp(nic->device, f->mac, 6) != 0;
	int index, e;

	parking_name(park_name, i);
	index = index_of(there, park_name);
	if (index == 0)
		return vs_error_code(err, ENODEV, "the NIC of interface `%s` disappeared", f->name);
	e = set_link(there, index, false, f->name, new_mac ? f->mac : NULL, f->mtu, -1);
	if (e != 0)
		return vs_error_set(err, e, "cannot name the NIC `%s` and set its MAC and MTU %u",
				    f->name, f->mtu);
	for (size_t a = 0; a < f->n_addrs; a++) {
		e = add_address(there, index, &f->addrs[a]);
		if (e != 0) {
			prefix_text(text, sizeof(text), f->addrs[a].family, f->addrs[a].addr,
				    f->addrs[a].prefix);
			return vs_error_set(err, e, "cannot add address %s to `%s`", text, f->name);
		}
	}
	e = set_link(there, index, true, NULL, NULL, 0, -1);
	if (e != 0)
		return vs_error_set(err, e, "cannot bring `%s` up", f->name);
	/* Routes on the link first: a gateway must be reachable when its route is added. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < f->n_routes; r++) {
			const struct net_route *rt = &f->routes[r];

			if (rt->has_gateway != (pass == 1))
				continue;
			e = add_route(there, index, rt);
			if (e != 0) {
				prefix_text(text, sizeof(text), rt->family, rt->dst, rt->prefix);
				return vs_error_set(err, e, "cannot add the route to %s on `%s`",
						    text, f->name);
			}
		}
	}
	vs_debug("agent", "`%s` is up with %zu addresses and %zu routes", f->name, f->n_addrs,
		 f->n_routes);
	return 0;
}

int agent_net_configure(const struct proto_network *net, int ns_fd, struct vs_error **err)
{
	struct socks here = { .nl = -1, .dgram = -1 }, there = { .nl = -1, .dgram = -1 };
	int r = -1, lo, e;

	if (socks_open(&here, -1, err) < 0 || socks_open(&there, ns_fd, err) < 0 ||
	    park(&here, net, ns_fd, err) < 0)
		goto out;
	for (size_t i = 0; i < net->n; i++)
		if (configure_one(&there, &net->nics[i], i, err) < 0)
			goto out;
	lo = index_of(&there, "lo");
	e = lo > 0 ? set_link(&there, lo, true, NULL, NULL, 0, -1) : ENODEV;
	if (e != 0) {
		vs_error_set(err, e, "cannot bring up `lo`");
		goto out;
	}
	r = 0;
out:
	socks_close(&here);
	socks_close(&there);
	return r;
}
