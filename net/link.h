/* SPDX-License-Identifier: Apache-2.0 */
/* Changing a link's settings over rtnetlink (RTM_SETLINK). */
#pragma once

#include "common/error.h"
#include "net/nl.h"

/* Brings interface ifindex up. */
int net_link_up(struct net_nl *nl, int ifindex, struct vs_error **err);
