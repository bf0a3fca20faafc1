/* SPDX-License-Identifier: Apache-2.0 */
#include "net.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "net/config.h"
#include "net/nl.h"

/* A dump the kernel marks as interrupted (tables changed meanwhile) is read again. */
#define SCAN_ATTEMPTS 3

static int add_msg(const struct nlmsghdr *nlh, void *data, struct vs_error **err)
{
	return net_config_add(data, nlh, err);
}

/* Dumps every object of type (RTM_GETLINK, ...) whose request header is hdrlen bytes. */
static int dump(struct net_nl *nl, uint16_t type, size_t hdrlen, struct net_config *cfg,
		struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	/* Every request header starts with its family byte: AF_UNSPEC asks for all. */
	memset(mnl_nlmsg_put_extra_header(nlh, hdrlen), 0, hdrlen);
	return net_nl_dump(nl, nlh, add_msg, cfg, err);
}

static int scan_once(struct net_nl *nl, struct net_config *out, struct vs_error **err)
{
	net_config_clear(out);
	if (dump(nl, RTM_GETLINK, sizeof(struct ifinfomsg), out, err) < 0)
		return vs_error_prefix(err, "cannot list the network interfaces");
	if (dump(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), out, err) < 0)
		return vs_error_prefix(err, "cannot list the network addresses");
	if (dump(nl, RTM_GETROUTE, sizeof(struct rtmsg), out, err) < 0)
		return vs_error_prefix(err, "cannot list the routes");
	return net_config_finish(out, err);
}

int net_scan(struct net_config *out, struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };

	memset(out, 0, sizeof(*out));
	if (net_nl_open(&nl, err) < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		struct vs_error *e = NULL;

		if (scan_once(&nl, out, &e) == 0)
			break;
		if (e->errnum != EAGAIN || attempt == SCAN_ATTEMPTS) {
			net_config_clear(out);
			return vs_error_propagate(err, e);
		}
		vs_debug("net", "%s; reading again", e->msg);
		vs_error_free(e);
	}
	for (size_t i = 0; i < out->n_ifaces; i++)
		vs_debug("net", "interface `%s` (index %d, MTU %u): %zu addresses, %zu routes",
			 out->ifaces[i].name, out->ifaces[i].ifindex, out->ifaces[i].mtu,
			 out->ifaces[i].n_addrs, out->ifaces[i].n_routes);
	return 0;
}
