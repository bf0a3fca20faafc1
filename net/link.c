/* SPDX-License-Identifier: Apache-2.0 */
#include "link.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

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

int net_link_up(struct net_nl *nl, int ifindex, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];

	if (net_nl_request(nl, setlink(buf, ifindex, IFF_UP, IFF_UP), err) < 0)
		return vs_error_prefix(err, "cannot bring interface %d up", ifindex);
	return 0;
}
