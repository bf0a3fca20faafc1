/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small rtnetlink client on top of libmnl: one request at a time, every
 * reply checked against the request's sequence number and port, dumps and
 * acks read until their end, bounded in size and time.  A refusal from the
 * kernel (NLMSG_ERROR) becomes a vs_error with the kernel's errno and, when
 * the kernel sent one, its extended-ack message.
 *
 * The reading of replies (net_nl_walk) and of attributes (net_nl_attrs) is
 * separate from the socket so that crafted messages can be fed to it.
 */
#pragma once

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Requests are built in a buffer of this size (mnl_nlmsg_put_header()). */
#define NET_NL_REQUEST_SIZE 1024

struct net_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
};

/* Opens a NETLINK_ROUTE socket in the current network namespace. */
int net_nl_open(struct net_nl *nl, struct vs_error **err);
void net_nl_close(struct net_nl *nl);
#define cleanup_net_nl __attribute__((cleanup(net_nl_close)))

/*
 * Called for every message of a reply that is not NLMSG_ERROR, NLMSG_DONE
 * or NLMSG_NOOP.  Returns 0 to go on, -1 with err set to stop.
 */
typedef int (*net_nl_cb)(const struct nlmsghdr *nlh, void *data, struct vs_error **err);

/*
 * Sends the request in nlh (its sequence number and port are set here,
 * NLM_F_REQUEST and NLM_F_ACK added to its flags) and waits for the ack.
 */
int net_nl_request(struct net_nl *nl, struct nlmsghdr *nlh, struct vs_error **err);
/*
 * Sends the dump request in nlh (its flags become NLM_F_REQUEST | NLM_F_DUMP)
 * and gives every message of the reply up to NLMSG_DONE to cb.
 */
int net_nl_dump(struct net_nl *nl, struct nlmsghdr *nlh, net_nl_cb cb, void *data,
		struct vs_error **err);

/*
 * Reads one buffer of replies to request seq from the kernel (port 0) to
 * portid.  Returns 1 when the reply is complete (an ack, or NLMSG_DONE),
 * 0 when more is to come, -1 with err set on a refusal, a message that
 * does not belong to the request, or bytes that do not form a message.
 */
int net_nl_walk(const void *buf, size_t len, unsigned int seq, unsigned int portid, net_nl_cb cb,
		void *data, struct vs_error **err);

/*
 * Indexes the attributes in [payload, payload + len) by type into tb[0..max]
 * (tb is cleared first; types above max are skipped, a repeated type keeps
 * the last).  Bytes that do not form a whole attribute are an error.
 */
int net_nl_attrs(const void *payload, size_t len, const struct nlattr **tb, uint16_t max,
		 struct vs_error **err);
/* The same for the attributes of a message after its fixed header of hdrlen bytes. */
int net_nl_msg_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		     uint16_t max, struct vs_error **err);
/* The NUL-terminated string in attr, or NULL when it has none. */
const char *net_nl_attr_str(const struct nlattr *attr);
