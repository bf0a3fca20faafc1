/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <linux/if_arp.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"
#include "net/nl.h"

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static struct net_iface *find_index(struct net_config *cfg, uint32_t ifindex)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if ((uint32_t)cfg->ifaces[i].ifindex == ifindex)
			return &cfg->ifaces[i];
	return NULL;
}

/* Copies a fixed-size binary attribute; a wrong size is an error. */
static int attr_bytes(const struct nlattr *attr, void *out, size_t len, const char *what,
		      struct vs_error **err)
{
	if (mnl_attr_get_payload_len(attr) != len)
		return vs_error_code(err, EBADMSG, "%s has %u bytes instead of %zu", what,
				     mnl_attr_get_payload_len(attr), len);
	memcpy(out, mnl_attr_get_payload(attr), len);
	return 0;
}

static int add_link(struct net_config *cfg, const struct nlmsghdr *nlh, struct vs_error **err)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct net_iface link = { .ifindex = 0 };
	uint32_t mtu = 0;
	const char *name;

	if (net_nl_msg_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX, err) < 0)
		return vs_error_prefix(err, "cannot read a link");
	if (ifi->ifi_flags & IFF_LOOPBACK)
		return 0;
	if (ifi->ifi_type != ARPHRD_ETHER) {
		vs_debug("net", "link %d is not Ethernet (type %u), skipped", ifi->ifi_index,
			 ifi->ifi_type);
		return 0;
	}
	if (ifi->ifi_index <= 0)
		return vs_error_code(err, EBADMSG, "link index %d is not valid", ifi->ifi_index);
	if (tb[IFLA_IFNAME] == NULL || (name = net_nl_attr_str(tb[IFLA_IFNAME])) == NULL ||
	    name[0] == '\0' || strlen(name) >= sizeof(link.name))
		return vs_error_code(err, EBADMSG, "link %d has no valid name", ifi->ifi_index);
	strcpy(link.name, name);
	if (tb[IFLA_ADDRESS] == NULL)
		return vs_error_code(err, EBADMSG, "link `%s` has no MAC address", name);
	if (attr_bytes(tb[IFLA_ADDRESS], link.mac, sizeof(link.mac), "the MAC address", err) < 0)
		return vs_error_prefix(err, "link `%s`", name);
	if (tb[IFLA_MTU] == NULL)
		return vs_error_code(err, EBADMSG, "link `%s` has no MTU", name);
	if (attr_bytes(tb[IFLA_MTU], &mtu, sizeof(mtu), "the MTU", err) < 0)
		return vs_error_prefix(err, "link `%s`", name);
	if (mtu < 68 || mtu > 65535)
		return vs_error_code(err, EBADMSG, "link `%s` has an MTU of %u, outside 68-65535",
				     name, mtu);
	link.mtu = mtu;
	link.ifindex = ifi->ifi_index;
	if (find_index(cfg, (uint32_t)link.ifindex) != NULL)
		return vs_error_code(err, EBADMSG, "link %d (`%s`) appears twice", link.ifindex,
				     name);
	if (cfg->n_ifaces >= NET_MAX_LINKS)
		return vs_error_code(err, E2BIG, "the network namespace has more than %d links",
				     NET_MAX_LINKS);
	cfg->ifaces = vs_xrealloc(cfg->ifaces, (cfg->n_ifaces + 1) * sizeof(*cfg->ifaces));
	cfg->ifaces[cfg->n_ifaces++] = link;
	return 0;
}

static bool ipv6_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static int add_addr(struct net_config *cfg, const struct nlmsghdr *nlh, struct vs_error **err)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *local;
	struct net_iface *link;
	struct net_addr a = { .family = 0 };
	size_t len;

	if (net_nl_msg_attrs(nlh, sizeof(*ifa), tb, IFA_MAX, err) < 0)
		return vs_error_prefix(err, "cannot read an address");
	len = addr_len(ifa->ifa_family);
	link = find_index(cfg, ifa->ifa_index);
	if (len == 0 || link == NULL)
		return 0;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer's on point-to-point links. */
	local = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (local == NULL)
		return vs_error_code(err, EBADMSG, "an address of link `%s` has no value",
				     link->name);
	if (attr_bytes(local, a.addr, len, "an address", err) < 0)
		return vs_error_prefix(err, "link `%s`", link->name);
	if (ifa->ifa_prefixlen > len * 8)
		return vs_error_code(err, EBADMSG, "an address of link `%s` has prefix length %u",
				     link->name, ifa->ifa_prefixlen);
	if (ifa->ifa_family == AF_INET6 && ipv6_link_local(a.addr))
		return 0;
	if (link->n_addrs >= NET_MAX_ADDRS)
		return vs_error_code(err, E2BIG, "link `%s` has more than %d addresses", link->name,
				     NET_MAX_ADDRS);
	a.family = ifa->ifa_family;
	a.prefix = ifa->ifa_prefixlen;
	link->addrs[link->n_addrs++] = a;
	return 0;
}

static int attr_u32(const struct nlattr *attr, uint32_t *out, const char *what,
		    struct vs_error **err)
{
	return attr_bytes(attr, out, sizeof(*out), what, err);
}

/*
 * 1 for a route someone configured, in the main table, to a unicast
 * destination other than IPv6 link-local or multicast; 0 for another.
 */
static int route_wanted(const struct rtmsg *rtm, const struct nlattr **tb, const uint8_t *dst,
			struct vs_error **err)
{
	uint32_t table = rtm->rtm_table;

	if (tb[RTA_TABLE] != NULL && attr_u32(tb[RTA_TABLE], &table, "the table", err) < 0)
		return -1;
	if (table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST ||
	    rtm->rtm_protocol == RTPROT_KERNEL || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (rtm->rtm_family == AF_INET6 && ((dst[0] == 0xff && rtm->rtm_dst_len >= 8) ||
					    (ipv6_link_local(dst) && rtm->rtm_dst_len >= 10)))
		return 0;
	return 1;
}

static int add_route(struct net_config *cfg, const struct nlmsghdr *nlh, struct vs_error **err)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct net_route r = { .family = 0 };
	struct net_iface *link;
	uint32_t oif = 0;
	size_t len;
	int wanted;

	if (net_nl_msg_attrs(nlh, sizeof(*rtm), tb, RTA_MAX, err) < 0)
		return vs_error_prefix(err, "cannot read a route");
	len = addr_len(rtm->rtm_family);
	if (len == 0)
		return 0;
	if (rtm->rtm_dst_len > len * 8)
		return vs_error_code(err, EBADMSG, "a route has prefix length %u",
				     rtm->rtm_dst_len);
	if (tb[RTA_DST] != NULL && attr_bytes(tb[RTA_DST], r.dst, len, "a destination", err) < 0)
		return vs_error_prefix(err, "cannot read a route");
	if (tb[RTA_DST] == NULL && rtm->rtm_dst_len != 0)
		return vs_error_code(err, EBADMSG, "a route of prefix length %u has no destination",
				     rtm->rtm_dst_len);
	wanted = route_wanted(rtm, tb, r.dst, err);
	if (wanted <= 0)
		return wanted < 0 ? vs_error_prefix(err, "cannot read a route") : 0;
	if (tb[RTA_OIF] == NULL) {
		if (tb[RTA_MULTIPATH] != NULL || tb[RTA_NH_ID] != NULL)
			vs_warn("net",
				"a multipath route (prefix length %u) is not given to the VM",
				rtm->rtm_dst_len);
		return 0;
	}
	if (attr_u32(tb[RTA_OIF], &oif, "the output interface", err) < 0)
		return vs_error_prefix(err, "cannot read a route");
	link = find_index(cfg, oif);
	if (link == NULL)
		return 0;
	if (tb[RTA_VIA] != NULL) {
		vs_warn("net",
			"a route of link `%s` through a gateway of another family is not "
			"given to the VM",
			link->name);
		return 0;
	}
	if (tb[RTA_GATEWAY] != NULL) {
		if (attr_bytes(tb[RTA_GATEWAY], r.gateway, len, "a gateway", err) < 0)
			return vs_error_prefix(err, "a route of link `%s`", link->name);
		r.has_gateway = true;
	}
	if (tb[RTA_PRIORITY] != NULL &&
	    attr_u32(tb[RTA_PRIORITY], &r.metric, "the metric", err) < 0)
		return vs_error_prefix(err, "a route of link `%s`", link->name);
	if (link->n_routes >= NET_MAX_ROUTES)
		return vs_error_code(err, E2BIG, "link `%s` has more than %d routes", link->name,
				     NET_MAX_ROUTES);
	r.family = rtm->rtm_family;
	r.prefix = rtm->rtm_dst_len;
	link->routes[link->n_routes++] = r;
	return 0;
}

int net_config_add(struct net_config *cfg, const struct nlmsghdr *nlh, struct vs_error **err)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		return add_link(cfg, nlh, err);
	case RTM_NEWADDR:
		return add_addr(cfg, nlh, err);
	case RTM_NEWROUTE:
		return add_route(cfg, nlh, err);
	default:
		return vs_error_code(err, EPROTO, "unexpected netlink message of type %u in a dump",
				     nlh->nlmsg_type);
	}
}

int net_config_finish(struct net_config *cfg, struct vs_error **err)
{
	size_t kept = 0;

	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		if (cfg->ifaces[i].n_addrs == 0)
			continue;
		if (kept == NET_MAX_IFACES)
			return vs_error_code(err, E2BIG,
					     "the network namespace has more than %d interfaces "
					     "with addresses",
					     NET_MAX_IFACES);
		if (kept != i)
			cfg->ifaces[kept] = cfg->ifaces[i];
		kept++;
	}
	cfg->n_ifaces = kept;
	return 0;
}

void net_config_clear(struct net_config *cfg)
{
	free(cfg->ifaces);
	cfg->ifaces = NULL;
	cfg->n_ifaces = 0;
}

const struct net_iface *net_config_iface(const struct net_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (strcmp(cfg->ifaces[i].name, name) == 0)
			return &cfg->ifaces[i];
	return NULL;
}
