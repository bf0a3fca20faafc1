/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building a struct net_config from rtnetlink dump messages, apart from the
 * socket (net/scan.c reads the dumps), so that tests can feed it crafted
 * messages.  Every attribute is checked for its length before it is read.
 */
#pragma once

#include <linux/netlink.h>

#include "net/net.h"

/* Links a dump may hold before those without an address are dropped. */
#define NET_MAX_LINKS 64

/*
 * Takes one RTM_NEWLINK, RTM_NEWADDR or RTM_NEWROUTE message into cfg.
 * Links must come before their addresses and routes; addresses and routes
 * of links cfg does not hold are skipped.  A malformed message, or one
 * beyond a bound, is an error.
 */
int net_config_add(struct net_config *cfg, const struct nlmsghdr *nlh, struct vs_error **err);
/* Drops the links without an address; more than NET_MAX_IFACES left is an error. */
int net_config_finish(struct net_config *cfg, struct vs_error **err);
