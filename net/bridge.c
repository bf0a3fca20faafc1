/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An interface that is itself a tap: the end of a user-mode network
 * (slirp4netns's tap0 in rootless podman's namespace), whose port
 * forwarder dials the container's address from inside the namespace.  A
 * redirect would leave that address on the interface, where such a
 * connection stays in the namespace; a bridge instead puts the interface
 * and the VM's tap on one link, the VM takes the address (and the MAC the
 * network knows it by), and the namespace keeps the next address of the
 * subnet on the bridge, so that its own connections reach the VM.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "net/link.h"
#include "net/nl.h"

bool net_is_tap(const char *name)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (char *)&info };
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(name) >= IFNAMSIZ)
		return false;
	strcpy(ifr.ifr_name, name);
	return ioctl(fd, SIOCETHTOOL, &ifr) == 0 && strcmp(info.driver, "tun") == 0;
}

static int make_bridge(struct net_nl *nl, const char *name, unsigned int mtu, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = net_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *info;
	uint8_t mac[6];

	net_random_mac(mac);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	if (net_nl_request(nl, nlh, err) < 0)
		return vs_error_prefix(err, "cannot create bridge `%s`", name);
	return 0;
}

/* Interface ifindex into bridge master, with a new MAC when mac is not NULL. */
static int enslave(struct net_nl *nl, int ifindex, int master, const uint8_t *mac,
		   struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = net_link_msg(buf, RTM_SETLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (mac != NULL)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (net_nl_request(nl, nlh, err) < 0)
		return vs_error_prefix(err, "cannot put interface %d into bridge %d", ifindex,
				       master);
	return 0;
}

static int change_addr(struct net_nl *nl, uint16_t type, int ifindex, const struct net_addr *a,
		       struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = a->family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->prefix;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
	return net_nl_request(nl, nlh, err);
}

/* The namespace's own address: the interface's first IPv4 address plus one, in its subnet. */
static int own_address(const struct net_iface *iface, struct net_addr *out, struct vs_error **err)
{
	for (size_t i = 0; i < iface->n_addrs; i++) {
		const struct net_addr *a = &iface->addrs[i];
		uint32_t host, mask, next;

		if (a->family != AF_INET || a->prefix == 0 || a->prefix > 30)
			continue;
		memcpy(&host, a->addr, 4);
		host = ntohl(host);
		mask = ~0u << (32 - a->prefix);
		next = host + 1;
		/* Neither outside the subnet nor its broadcast address. */
		if ((next & mask) != (host & mask) || (next | mask) == ~0u)
			continue;
		*out = *a;
		next = htonl(next);
		memcpy(out->addr, &next, 4);
		return 0;
	}
	return vs_error_code(
	    err, EADDRNOTAVAIL,
	    "interface `%s` has no IPv4 address with a free next one in its subnet", iface->name);
}

int net_bridge_wire(const struct net_iface *iface, const char *tap_name, const char *bridge,
		    struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };
	cleanup_close int fd = -1;
	struct net_addr own;
	uint8_t mac[6];
	int tap = 0, br;

	vs_debug("net", "bridging tap interface `%s` (index %d) and tap `%s` in `%s`", iface->name,
		 iface->ifindex, tap_name, bridge);
	if (own_address(iface, &own, err) < 0)
		return -1;
	fd = net_tap_create(tap_name, iface->mtu, &tap, err);
	if (fd < 0 || net_nl_open(&nl, err) < 0 || make_bridge(&nl, bridge, iface->mtu, err) < 0)
		return vs_error_prefix(err, "cannot wire interface `%s` to a VM", iface->name);
	br = (int)if_nametoindex(bridge);
	if (br == 0)
		return vs_error_set(err, errno, "cannot find bridge `%s`", bridge);
	/* The VM takes the interface's addresses and MAC: the network knows it by them. */
	for (size_t i = 0; i < iface->n_addrs; i++) {
		cleanup_error struct vs_error *gone = NULL;

		/* An IPv6 address the kernel dropped meanwhile is gone already. */
		if (change_addr(&nl, RTM_DELADDR, iface->ifindex, &iface->addrs[i], &gone) < 0 &&
		    gone->errnum != EADDRNOTAVAIL) {
			vs_error_propagate(err, steal_pointer(&gone));
			goto fail;
		}
	}
	net_random_mac(mac);
	if (enslave(&nl, iface->ifindex, br, mac, err) < 0 ||
	    enslave(&nl, tap, br, NULL, err) < 0 || net_link_up(&nl, br, err) < 0 ||
	    change_addr(&nl, RTM_NEWADDR, br, &own, err) < 0)
		goto fail;
	return steal_fd(&fd); /* the caller (QEMU's -netdev tap,fd=N) owns the tap from here */
fail:
	return vs_error_prefix(err, "cannot bridge interface `%s` to tap `%s`", iface->name,
			       tap_name);
}
