/* SPDX-License-Identifier: Apache-2.0 */
#include "link.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

/* Below this MTU a device has no IPv6 at all, so there is no mode to set. */
#define IPV6_MIN_MTU 1280

static struct nlmsghdr *setlink(char *buf, int ifindex, unsigned int flags, unsigned int change)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = RTM_SETLINK;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	return nlh;
}

int net_link_set_mtu(struct net_nl *nl, int ifindex, unsigned int mtu, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = setlink(buf, ifindex, 0, 0);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mtu >= IPV6_MIN_MTU) {
		struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		struct nlattr *inet6 = mnl_attr_nest_start(nlh, AF_INET6);

		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, inet6);
		mnl_attr_nest_end(nlh, spec);
	}
	if (net_nl_request(nl, nlh, err) < 0)
		return vs_error_prefix(err, "cannot set the MTU of interface %d to %u", ifindex,
				       mtu);
	return 0;
}

int net_link_up(struct net_nl *nl, int ifindex, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];

	if (net_nl_request(nl, setlink(buf, ifindex, IFF_UP, IFF_UP), err) < 0)
		return vs_error_prefix(err, "cannot bring interface %d up", ifindex);
	return 0;
}
