/* SPDX-License-Identifier: Apache-2.0 */
/* Changing a link's settings over rtnetlink (RTM_SETLINK). */
#pragma once

#include "common/error.h"
#include "net/nl.h"

#include <stdint.h>

/*
 * An rtnetlink link request of type (RTM_NEWLINK, RTM_SETLINK...) for
 * interface ifindex (0: a new one), built in buf (NET_NL_REQUEST_SIZE);
 * its ifinfomsg is zero but for the family and the index.
 */
struct nlmsghdr *net_link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex);
/*
 * Sets the MTU of interface ifindex and keeps IPv6 from giving it an
 * address of its own (address generation mode none): a device that only
 * carries someone else's frames must not speak on its own.
 */
int net_link_set_mtu(struct net_nl *nl, int ifindex, unsigned int mtu, struct vs_error **err);
/* Brings interface ifindex up. */
int net_link_up(struct net_nl *nl, int ifindex, struct vs_error **err);
