/* SPDX-License-Identifier: Apache-2.0 */
#include "nl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/cleanup.h"
#include "common/util.h"

/* The kernel answers at once; a silent one is a bug worth an error, not a hang. */
#define REPLY_TIMEOUT_S 5
/* Dump replies come in skbs of up to 32 KiB; twice that leaves room. */
#define REPLY_BUFSIZE (64 * 1024)

int net_nl_open(struct net_nl *nl, struct vs_error **err)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		return vs_error_set(err, errno, "cannot open a rtnetlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		vs_error_set(err, errno, "cannot bind a rtnetlink socket");
		net_nl_close(nl);
		return -1;
	}
	/* Best effort: without them errors are still reported, only shorter. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		vs_error_set(err, errno, "cannot set a timeout on a rtnetlink socket");
		net_nl_close(nl);
		return -1;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

void net_nl_close(struct net_nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int net_nl_attrs(const void *payload, size_t len, const struct nlattr **tb, uint16_t max,
		 struct vs_error **err)
{
	const struct nlattr *attr = payload;
	int rem = (int)len;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (len > INT32_MAX)
		return vs_error_code(err, EMSGSIZE, "netlink attributes of %zu bytes are too long",
				     len);
	while (rem > 0) {
		if (!mnl_attr_ok(attr, rem))
			return vs_error_code(
			    err, EBADMSG, "a netlink attribute is truncated (%d bytes left)", rem);
		if (mnl_attr_get_type(attr) <= max)
			tb[mnl_attr_get_type(attr)] = attr;
		rem -= (int)MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
	return 0;
}

int net_nl_msg_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		     uint16_t max, struct vs_error **err)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || len < hdrlen)
		return vs_error_code(
		    err, EBADMSG,
		    "netlink message of type %u is too short for its header (%u bytes)",
		    nlh->nlmsg_type, nlh->nlmsg_len);
	hdrlen = MNL_ALIGN(hdrlen);
	if (len <= hdrlen)
		return net_nl_attrs(NULL, 0, tb, max, err);
	return net_nl_attrs(mnl_nlmsg_get_payload_offset(nlh, hdrlen), len - hdrlen, tb, max, err);
}

const char *net_nl_attr_str(const struct nlattr *attr)
{
	const char *s = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	if (len == 0 || memchr(s, '\0', len) == NULL)
		return NULL;
	return s;
}

/*
 * The extended-ack message that follows an error code of hdrlen bytes (an
 * nlmsgerr, or the int of NLMSG_DONE), or NULL.  A malformed one is ignored:
 * the error code alone still tells what happened.
 */
static const char *extack_msg(const struct nlmsghdr *nlh, size_t hdrlen)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	cleanup_error struct vs_error *ignored = NULL;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    net_nl_msg_attrs(nlh, hdrlen, tb, NLMSGERR_ATTR_MAX, &ignored) < 0 ||
	    tb[NLMSGERR_ATTR_MSG] == NULL)
		return NULL;
	return net_nl_attr_str(tb[NLMSGERR_ATTR_MSG]);
}

static int refusal(int code, const char *ext, struct vs_error **err)
{
	int errnum = -code;

	if (errnum <= 0 || errnum > 4095)
		errnum = EPROTO;
	if (ext != NULL)
		return vs_error_set(err, errnum, "the kernel refused the request (%.256s)", ext);
	return vs_error_set(err, errnum, "the kernel refused the request");
}

/* NLMSG_ERROR: an ack (returns 1) or a refusal (-1). */
static int read_error(const struct nlmsghdr *nlh, struct vs_error **err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t hdrlen = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return vs_error_code(err, EBADMSG, "a netlink error message is truncated");
	if (e->error == 0)
		return 1;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(struct nlmsghdr))
		hdrlen += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	return refusal(e->error, extack_msg(nlh, hdrlen), err);
}

/* NLMSG_DONE: the end of a dump (1), or of a dump that failed (-1). */
static int read_done(const struct nlmsghdr *nlh, struct vs_error **err)
{
	int code;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(code))
		return 1;
	memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
	if (code >= 0)
		return 1;
	return refusal(code, extack_msg(nlh, sizeof(code)), err);
}

int net_nl_walk(const void *buf, size_t len, unsigned int seq, unsigned int portid, net_nl_cb cb,
		void *data, struct vs_error **err)
{
	const struct nlmsghdr *nlh = buf;
	int rem = (int)len;

	if (len > REPLY_BUFSIZE)
		return vs_error_code(err, EMSGSIZE, "a netlink reply of %zu bytes is too long",
				     len);
	while (rem > 0) {
		if (!mnl_nlmsg_ok(nlh, rem))
			return vs_error_code(err, EBADMSG,
					     "a netlink message is truncated (%d bytes left)", rem);
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
			return vs_error_code(
			    err, EPROTO,
			    "netlink message %u for port %u does not answer request "
			    "%u of port %u",
			    nlh->nlmsg_seq, nlh->nlmsg_pid, seq, portid);
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return vs_error_code(err, EAGAIN,
					     "the kernel's tables changed during a netlink dump");
		switch (nlh->nlmsg_type) {
		case NLMSG_ERROR:
			return read_error(nlh, err);
		case NLMSG_DONE:
			return read_done(nlh, err);
		case NLMSG_NOOP:
			break;
		case NLMSG_OVERRUN:
			return vs_error_code(err, ENOBUFS, "the kernel lost netlink messages");
		default:
			if (cb == NULL)
				return vs_error_code(err, EPROTO,
						     "unexpected netlink message of type %u in an "
						     "ack",
						     nlh->nlmsg_type);
			if (cb(nlh, data, err) < 0)
				return -1;
		}
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	return 0;
}

/* Sends nlh and reads its reply up to an ack or NLMSG_DONE. */
static int talk(struct net_nl *nl, struct nlmsghdr *nlh, net_nl_cb cb, void *data,
		struct vs_error **err)
{
	cleanup_free char *buf = vs_xmalloc(REPLY_BUFSIZE);
	int done = 0;

	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return vs_error_set(err, errno, "cannot send a netlink request");
	while (done == 0) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, REPLY_BUFSIZE);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return vs_error_code(
			    err, ETIMEDOUT,
			    "the kernel did not answer a netlink request within %d s",
			    REPLY_TIMEOUT_S);
		if (n < 0)
			return vs_error_set(err, errno, "cannot read a netlink reply");
		done = net_nl_walk(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, cb, data, err);
		if (done < 0)
			return -1;
	}
	return 0;
}

int net_nl_request(struct net_nl *nl, struct nlmsghdr *nlh, struct vs_error **err)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return talk(nl, nlh, NULL, NULL, err);
}

int net_nl_dump(struct net_nl *nl, struct nlmsghdr *nlh, net_nl_cb cb, void *data,
		struct vs_error **err)
{
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return talk(nl, nlh, cb, data, err);
}
