/* SPDX-License-Identifier: Apache-2.0 */
#include "link.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "net/net.h"

/* Below this MTU a device has no IPv6 at all, so there is no mode to set. */
#define IPV6_MIN_MTU 1280

struct nlmsghdr *net_link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static struct nlmsghdr *setlink(char *buf, int ifindex, unsigned int flags, unsigned int change)
{
	struct nlmsghdr *nlh = net_link_msg(buf, RTM_SETLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

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

void net_random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6) {
		uint64_t t = vs_now_ns() ^ (uint64_t)getpid();

		memcpy(mac, &t, 6);
	}
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}
