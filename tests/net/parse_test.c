/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The netlink reply reader (net_nl_walk) and the dump parser
 * (net_config_add) fed crafted messages: acks, refusals with and without
 * extended acks, replies to other requests, truncated and garbage messages
 * and attributes, every filter rule and bound; then thousands of randomly
 * damaged dumps, under AddressSanitizer, which must each give a result or a
 * clean error.  No privileges needed.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h> /* before the <linux/...> headers, which then leave its names alone */
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/error.h"
#include "net/config.h"
#include "net/nl.h"

#define SEQ  7
#define PORT 4242

TestSuite(walk, .timeout = 30);
TestSuite(parse, .timeout = 60);

/* A reply under construction: messages one after the other in buf. */
struct reply {
	_Alignas(4) char buf[64 * 1024];
	size_t len;
	struct nlmsghdr *cur;
};

static void commit(struct reply *r)
{
	if (r->cur != NULL)
		r->len += MNL_ALIGN(r->cur->nlmsg_len);
	r->cur = NULL;
}

static struct nlmsghdr *add_msg(struct reply *r, uint16_t type, size_t hdrlen)
{
	commit(r);
	r->cur = mnl_nlmsg_put_header(r->buf + r->len);
	r->cur->nlmsg_type = type;
	r->cur->nlmsg_seq = SEQ;
	r->cur->nlmsg_pid = PORT;
	if (hdrlen > 0)
		mnl_nlmsg_put_extra_header(r->cur, hdrlen);
	return r->cur;
}

static struct nlmsghdr *add_link(struct reply *r, int index, const char *name)
{
	struct nlmsghdr *nlh = add_msg(r, RTM_NEWLINK, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)index };

	ifi->ifi_type = ARPHRD_ETHER;
	ifi->ifi_index = index;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	return nlh;
}

static struct nlmsghdr *add_addr(struct reply *r, int index, int family, const char *text,
				 unsigned int prefix)
{
	struct nlmsghdr *nlh = add_msg(r, RTM_NEWADDR, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	uint8_t a[16];

	cr_assert_eq(inet_pton(family, text, a), 1);
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_index = (uint32_t)index;
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	return nlh;
}

/* A static unicast route in the main table through index, to dst/prefix via gw (may be NULL). */
static struct nlmsghdr *add_route(struct reply *r, int index, int family, const char *dst,
				  unsigned int prefix, const char *gw)
{
	struct nlmsghdr *nlh = add_msg(r, RTM_NEWROUTE, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t len = family == AF_INET ? 4 : 16;
	uint8_t a[16];

	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	if (prefix > 0) {
		cr_assert_eq(inet_pton(family, dst, a), 1);
		mnl_attr_put(nlh, RTA_DST, len, a);
	}
	if (gw != NULL) {
		cr_assert_eq(inet_pton(family, gw, a), 1);
		mnl_attr_put(nlh, RTA_GATEWAY, len, a);
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	return nlh;
}

static int take(const struct nlmsghdr *nlh, void *data, struct vs_error **err)
{
	return net_config_add(data, nlh, err);
}

/* Walks r (committed) into cfg; returns net_nl_walk()'s result. */
static int walk(struct reply *r, struct net_config *cfg, struct vs_error **err)
{
	commit(r);
	return net_nl_walk(r->buf, r->len, SEQ, PORT, take, cfg, err);
}

static void assert_error(struct vs_error *err, int errnum, const char *words)
{
	cr_assert_not_null(err, "an error was expected");
	cr_assert_eq(err->errnum, errnum, "errno %d instead of %d in `%s`", err->errnum, errnum,
		     err->msg);
	cr_assert_not_null(strstr(err->msg, words), "`%s` is not in `%s`", words, err->msg);
}

/* Walks r into cfg and expects it accepted. */
static void accept_reply(struct reply *r, struct net_config *cfg)
{
	struct vs_error *err = NULL;

	cr_assert_eq(walk(r, cfg, &err), 0, "%s", err ? err->msg : "");
}

/* Walks r and expects it refused with errnum and an error containing words. */
static void expect_refused(struct reply *r, int errnum, const char *words)
{
	struct vs_error *err = NULL;
	struct net_config cfg = { .n_ifaces = 0 };

	cr_assert_eq(walk(r, &cfg, &err), -1, "accepted where `%s` was expected", words);
	assert_error(err, errnum, words);
	vs_error_release(&err);
	net_config_clear(&cfg);
}

/* An NLMSG_ERROR answering a request of req_payload bytes, with TLVs from extack (may be NULL). */
static void add_refusal(struct reply *r, int code, uint16_t flags, size_t req_payload,
			const char *extack)
{
	struct nlmsghdr *nlh = add_msg(r, NLMSG_ERROR, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	e->error = code;
	e->msg.nlmsg_len = (uint32_t)(sizeof(struct nlmsghdr) + req_payload);
	nlh->nlmsg_flags = flags;
	if (!(flags & NLM_F_CAPPED))
		memset(mnl_nlmsg_put_extra_header(nlh, req_payload), 0xab, req_payload);
	if (extack != NULL)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
}

Test(walk, an_ack_ends_the_reply)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;

	add_refusal(&r, 0, NLM_F_CAPPED, 0, NULL);
	cr_assert_eq(walk(&r, NULL, &err), 1);
	cr_assert_null(err);
}

Test(walk, a_refusal_carries_errno_and_extended_ack)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;

	add_refusal(&r, -EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40, "Exclusivity flag on");
	cr_assert_eq(walk(&r, NULL, &err), -1);
	assert_error(err, EEXIST,
		     "the kernel refused the request (Exclusivity flag on): File exists");
	vs_error_release(&err);
}

Test(walk, an_uncapped_refusal_skips_the_echoed_request)
{
	struct reply r = { .len = 0 };

	add_refusal(&r, -ENODEV, NLM_F_ACK_TLVS, 24, "Device not found");
	expect_refused(&r, ENODEV, "(Device not found)");
}

Test(walk, a_refusal_with_broken_extended_ack_keeps_its_errno)
{
	struct reply r = { .len = 0 };
	struct nlattr *a;

	add_refusal(&r, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, "no terminating NUL");
	/* The message attribute loses its NUL, then claims more bytes than there are. */
	a = mnl_nlmsg_get_payload_offset(r.cur, sizeof(struct nlmsgerr));
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + strlen("no terminating NUL"));
	expect_refused(&r, EINVAL, "the kernel refused the request: Invalid argument");

	r = (struct reply){ .len = 0 };
	add_refusal(&r, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, "x");
	a = mnl_nlmsg_get_payload_offset(r.cur, sizeof(struct nlmsgerr));
	a->nla_len = 200;
	expect_refused(&r, EINVAL, "the kernel refused the request: Invalid argument");
}

Test(walk, an_error_code_out_of_range_is_a_protocol_error)
{
	struct reply r = { .len = 0 };

	add_refusal(&r, -100000, NLM_F_CAPPED, 0, NULL);
	expect_refused(&r, EPROTO, "the kernel refused the request");
}

Test(walk, a_truncated_error_message_is_an_error)
{
	struct reply r = { .len = 0 };

	add_msg(&r, NLMSG_ERROR, 4);
	expect_refused(&r, EBADMSG, "netlink error message is truncated");
}

Test(walk, a_reply_to_another_request_is_refused)
{
	struct reply r = { .len = 0 };

	add_refusal(&r, 0, NLM_F_CAPPED, 0, NULL);
	r.cur->nlmsg_seq = SEQ + 1;
	expect_refused(&r, EPROTO, "does not answer request 7");

	r = (struct reply){ .len = 0 };
	add_refusal(&r, 0, NLM_F_CAPPED, 0, NULL);
	r.cur->nlmsg_pid = 1;
	expect_refused(&r, EPROTO, "of port 4242");
}

Test(walk, bytes_that_are_no_message_are_an_error)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;

	add_link(&r, 2, "eth0");
	r.cur->nlmsg_len += 64; /* longer than the buffer holds */
	commit(&r);
	r.len -= 64;
	cr_assert_eq(net_nl_walk(r.buf, r.len, SEQ, PORT, take, NULL, &err), -1);
	assert_error(err, EBADMSG, "netlink message is truncated");
	vs_error_release(&err);

	cr_assert_eq(net_nl_walk("\x01\x02\x03", 3, SEQ, PORT, take, NULL, &err), -1);
	assert_error(err, EBADMSG, "(3 bytes left)");
	vs_error_release(&err);
}

Test(walk, an_interrupted_dump_asks_for_another)
{
	struct reply r = { .len = 0 };

	add_link(&r, 2, "eth0")->nlmsg_flags |= NLM_F_DUMP_INTR;
	expect_refused(&r, EAGAIN, "changed during a netlink dump");
}

Test(walk, done_ends_a_dump_or_reports_its_failure)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;
	struct net_config cfg = { .n_ifaces = 0 };
	int code = -ENOBUFS;

	add_link(&r, 2, "eth0");
	add_msg(&r, NLMSG_DONE, 0);
	mnl_attr_put(r.cur, 0, 0, NULL); /* room for the code: overwritten below */
	cr_assert_eq(walk(&r, &cfg, &err), 1, "%s", err ? err->msg : "");
	cr_assert_eq(cfg.n_ifaces, 1);
	net_config_clear(&cfg);

	r = (struct reply){ .len = 0 };
	memcpy(mnl_nlmsg_put_extra_header(add_msg(&r, NLMSG_DONE, 0), sizeof(code)), &code,
	       sizeof(code));
	expect_refused(&r, ENOBUFS, "the kernel refused the request");
}

Test(walk, data_in_an_ack_is_a_protocol_error)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;

	add_link(&r, 2, "eth0");
	commit(&r);
	cr_assert_eq(net_nl_walk(r.buf, r.len, SEQ, PORT, NULL, NULL, &err), -1);
	assert_error(err, EPROTO, "unexpected netlink message of type 16");
	vs_error_release(&err);
}

Test(parse, a_link_with_addresses_and_routes)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;
	struct net_config cfg = { .n_ifaces = 0 };
	const struct net_iface *i;

	add_link(&r, 2, "eth0");
	add_link(&r, 3, "eth1"); /* no address: dropped */
	add_addr(&r, 2, AF_INET, "10.1.2.3", 24);
	add_addr(&r, 2, AF_INET6, "fe80::1", 64); /* link-local: skipped */
	add_addr(&r, 2, AF_INET6, "fd00::3", 64);
	add_addr(&r, 9, AF_INET, "10.9.9.9", 8); /* a link not held: skipped */
	add_route(&r, 2, AF_INET, NULL, 0, "10.1.2.1");
	add_route(&r, 2, AF_INET6, "fd01::", 64, NULL);
	accept_reply(&r, &cfg);
	cr_assert_eq(net_config_finish(&cfg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(cfg.n_ifaces, 1);
	i = net_config_iface(&cfg, "eth0");
	cr_assert_not_null(i);
	cr_assert_null(net_config_iface(&cfg, "eth1"));
	cr_assert_eq(i->ifindex, 2);
	cr_assert_eq(i->mtu, 1500);
	cr_assert_eq(i->mac[5], 2);
	cr_assert_eq(i->n_addrs, 2);
	cr_assert_eq(i->addrs[1].family, AF_INET6);
	cr_assert_eq(i->n_routes, 2);
	cr_assert(i->routes[0].has_gateway);
	cr_assert_eq(i->routes[0].prefix, 0);
	cr_assert_eq(i->routes[0].metric, 100);
	cr_assert_not(i->routes[1].has_gateway);
	cr_assert_eq(i->routes[1].prefix, 64);
	net_config_clear(&cfg);
}

Test(parse, loopback_and_non_ethernet_links_are_skipped)
{
	struct reply r = { .len = 0 };
	struct net_config cfg = { .n_ifaces = 0 };
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_get_payload(add_link(&r, 1, "lo"));
	ifi->ifi_flags |= IFF_LOOPBACK;
	ifi = mnl_nlmsg_get_payload(add_link(&r, 5, "wg0"));
	ifi->ifi_type = ARPHRD_NONE;
	accept_reply(&r, &cfg);
	cr_assert_eq(cfg.n_ifaces, 0);
}

/* Adds one link whose message is then damaged by damage(), and expects an error with words. */
static void expect_bad_link(void (*damage)(struct nlmsghdr *), int errnum, const char *words)
{
	struct reply r = { .len = 0 };

	damage(add_link(&r, 2, "eth0"));
	expect_refused(&r, errnum, words);
}

/* The attribute of type in nlh, a message with a fixed header of hdrlen bytes. */
static struct nlattr *find_attr(struct nlmsghdr *nlh, size_t hdrlen, uint16_t type)
{
	const struct nlattr *tb[128];
	struct vs_error *err = NULL;

	cr_assert_lt(type, 128);
	cr_assert_eq(net_nl_msg_attrs(nlh, hdrlen, tb, type, &err), 0, "%s", err ? err->msg : "");
	cr_assert_not_null(tb[type], "no attribute of type %u", type);
	return (struct nlattr *)tb[type];
}

static void unterminated_name(struct nlmsghdr *nlh)
{
	struct nlattr *a = find_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME);

	memset(mnl_attr_get_payload(a), 'x', mnl_attr_get_payload_len(a));
}

static void empty_name(struct nlmsghdr *nlh)
{
	*(char *)mnl_attr_get_payload(find_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME)) = 0;
}

static void short_mac(struct nlmsghdr *nlh)
{
	find_attr(nlh, sizeof(struct ifinfomsg), IFLA_ADDRESS)->nla_len--;
}

static void tiny_mtu(struct nlmsghdr *nlh)
{
	*(uint32_t *)mnl_attr_get_payload(find_attr(nlh, sizeof(struct ifinfomsg), IFLA_MTU)) = 10;
}

static void short_mtu(struct nlmsghdr *nlh)
{
	find_attr(nlh, sizeof(struct ifinfomsg), IFLA_MTU)->nla_len = MNL_ATTR_HDRLEN + 2;
}

static void no_mac(struct nlmsghdr *nlh)
{
	find_attr(nlh, sizeof(struct ifinfomsg), IFLA_ADDRESS)->nla_type = IFLA_MAX + 7;
}

static void no_index(struct nlmsghdr *nlh)
{
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index = 0;
}

static void attribute_past_the_end(struct nlmsghdr *nlh)
{
	find_attr(nlh, sizeof(struct ifinfomsg), IFLA_MTU)->nla_len = 200;
}

static void attribute_shorter_than_its_header(struct nlmsghdr *nlh)
{
	find_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME)->nla_len = 3;
}

static void header_cut(struct nlmsghdr *nlh)
{
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
}

Test(parse, damaged_links_are_errors)
{
	static const struct {
		void (*damage)(struct nlmsghdr *);
		const char *words;
	} cases[] = {
		{ unterminated_name, "link 2 has no valid name" },
		{ empty_name, "link 2 has no valid name" },
		{ short_mac, "link `eth0`: the MAC address has 5 bytes instead of 6" },
		{ no_mac, "link `eth0` has no MAC address" },
		{ tiny_mtu, "MTU of 10" },
		{ short_mtu, "the MTU has 2 bytes instead of 4" },
		{ no_index, "link index 0 is not valid" },
		{ attribute_past_the_end, "cannot read a link: a netlink attribute is truncated" },
		{ attribute_shorter_than_its_header, "attribute is truncated" },
		{ header_cut, "too short for its header" },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		expect_bad_link(cases[c].damage, EBADMSG, cases[c].words);
}

Test(parse, a_link_twice_is_an_error)
{
	struct reply r = { .len = 0 };

	add_link(&r, 2, "eth0");
	add_link(&r, 2, "eth0");
	expect_refused(&r, EBADMSG, "link 2 (`eth0`) appears twice");
}

Test(parse, damaged_addresses_are_errors)
{
	struct reply r = { .len = 0 };

	add_link(&r, 2, "eth0");
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(add_addr(&r, 2, AF_INET, "10.0.0.1", 8)))
	    ->ifa_prefixlen = 33;
	expect_refused(&r, EBADMSG, "an address of link `eth0` has prefix length 33");

	r = (struct reply){ .len = 0 };
	add_link(&r, 2, "eth0");
	/* The last attribute of a type is the one read. */
	mnl_attr_put(add_addr(&r, 2, AF_INET6, "fd00::1", 64), IFA_ADDRESS, 4, "abcd");
	expect_refused(&r, EBADMSG, "link `eth0`: an address has 4 bytes instead of 16");

	r = (struct reply){ .len = 0 };
	add_link(&r, 2, "eth0");
	find_attr(add_addr(&r, 2, AF_INET, "10.0.0.1", 8), sizeof(struct ifaddrmsg), IFA_ADDRESS)
	    ->nla_type = IFA_MAX + 3;
	expect_refused(&r, EBADMSG, "an address of link `eth0` has no value");
}

Test(parse, the_local_address_wins_over_the_peer)
{
	struct reply r = { .len = 0 };
	struct net_config cfg = { .n_ifaces = 0 };
	uint8_t local[4] = { 10, 0, 0, 1 };

	add_link(&r, 2, "eth0");
	mnl_attr_put(add_addr(&r, 2, AF_INET, "10.0.0.2", 32), IFA_LOCAL, 4, local);
	accept_reply(&r, &cfg);
	cr_assert_arr_eq(cfg.ifaces[0].addrs[0].addr, local, 4);
	net_config_clear(&cfg);
}

Test(parse, routes_nobody_configured_are_skipped)
{
	struct reply r = { .len = 0 };
	struct net_config cfg = { .n_ifaces = 0 };
	struct rtmsg *rtm;

	add_link(&r, 2, "eth0");
	rtm = mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, "10.1.0.0", 16, NULL));
	rtm->rtm_protocol = RTPROT_KERNEL;
	rtm = mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, "10.2.0.0", 16, NULL));
	rtm->rtm_table = 100;
	mnl_attr_put_u32(add_route(&r, 2, AF_INET, "10.3.0.0", 16, NULL), RTA_TABLE, 200);
	rtm = mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, "10.4.0.1", 32, NULL));
	rtm->rtm_type = RTN_LOCAL;
	rtm = mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, "10.5.0.255", 32, NULL));
	rtm->rtm_type = RTN_BROADCAST;
	add_route(&r, 2, AF_INET6, "fe80::", 64, NULL);
	add_route(&r, 2, AF_INET6, "ff00::", 8, NULL);
	add_route(&r, 7, AF_INET, "10.6.0.0", 16, NULL); /* a link not held */
	find_attr(add_route(&r, 2, AF_INET, "10.7.0.0", 16, NULL), sizeof(struct rtmsg), RTA_OIF)
	    ->nla_type = RTA_MULTIPATH;
	mnl_attr_put(add_route(&r, 2, AF_INET, "10.8.0.0", 16, NULL), RTA_VIA, 4, "abcd");
	rtm = mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, "10.9.0.0", 16, NULL));
	rtm->rtm_family = AF_BRIDGE;
	add_route(&r, 2, AF_INET, "10.10.0.0", 16, "10.0.0.1"); /* the one kept */
	accept_reply(&r, &cfg);
	cr_assert_eq(cfg.ifaces[0].n_routes, 1, "%zu routes kept", cfg.ifaces[0].n_routes);
	cr_assert_eq(cfg.ifaces[0].routes[0].dst[1], 10);
	net_config_clear(&cfg);
}

Test(parse, damaged_routes_are_errors)
{
	static const struct {
		uint16_t type;
		uint16_t payload; /* the attribute's new payload length */
		const char *words;
	} cases[] = {
		{ RTA_GATEWAY, 3, "a route of link `eth0`: a gateway has 3 bytes instead of 4" },
		{ RTA_OIF, 2, "cannot read a route: the output interface has 2 bytes" },
		{ RTA_PRIORITY, 8, "the metric has 8 bytes instead of 4" },
		{ RTA_DST, 16, "cannot read a route: a destination has 16 bytes instead of 4" },
	};
	struct vs_error *err = NULL;
	struct net_config cfg = { .n_ifaces = 0 };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct reply r = { .len = 0 };

		add_link(&r, 2, "eth0");
		/* The last attribute of a type is the one read. */
		mnl_attr_put(add_route(&r, 2, AF_INET, "10.1.0.0", 16, "10.0.0.1"), cases[c].type,
			     cases[c].payload, "0123456789abcdef");
		cr_assert_eq(walk(&r, &cfg, &err), -1, "case %zu was accepted", c);
		assert_error(err, EBADMSG, cases[c].words);
		vs_error_release(&err);
		net_config_clear(&cfg);
	}
}

Test(parse, route_prefixes_are_checked)
{
	struct reply r = { .len = 0 };

	add_link(&r, 2, "eth0");
	((struct rtmsg *)mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, "10.0.0.0", 8, NULL)))
	    ->rtm_dst_len = 33;
	expect_refused(&r, EBADMSG, "a route has prefix length 33");

	r = (struct reply){ .len = 0 };
	add_link(&r, 2, "eth0");
	((struct rtmsg *)mnl_nlmsg_get_payload(add_route(&r, 2, AF_INET, NULL, 0, NULL)))
	    ->rtm_dst_len = 16;
	expect_refused(&r, EBADMSG, "a route of prefix length 16 has no destination");
}

Test(parse, bounds_are_errors)
{
	struct reply r = { .len = 0 };
	struct vs_error *err = NULL;
	struct net_config cfg = { .n_ifaces = 0 };
	char name[IFNAMSIZ];

	add_link(&r, 2, "eth0");
	for (int n = 0; n <= NET_MAX_ADDRS; n++)
		add_addr(&r, 2, AF_INET, "10.0.0.1", 8);
	expect_refused(&r, E2BIG, "link `eth0` has more than 64 addresses");

	r = (struct reply){ .len = 0 };
	add_link(&r, 2, "eth0");
	for (int n = 0; n <= NET_MAX_ROUTES; n++)
		add_route(&r, 2, AF_INET, NULL, 0, "10.0.0.1");
	expect_refused(&r, E2BIG, "link `eth0` has more than 64 routes");

	r = (struct reply){ .len = 0 };
	for (int n = 0; n <= NET_MAX_LINKS; n++) {
		snprintf(name, sizeof(name), "eth%d", n);
		add_link(&r, n + 2, name);
	}
	expect_refused(&r, E2BIG, "more than 64 links");

	r = (struct reply){ .len = 0 };
	for (int n = 0; n <= NET_MAX_IFACES; n++) {
		snprintf(name, sizeof(name), "eth%d", n);
		add_link(&r, n + 2, name);
		add_addr(&r, n + 2, AF_INET, "10.0.0.1", 8);
	}
	accept_reply(&r, &cfg);
	cr_assert_eq(net_config_finish(&cfg, &err), -1);
	assert_error(err, E2BIG, "more than 16 interfaces with addresses");
	vs_error_release(&err);
	net_config_clear(&cfg);
}

Test(parse, unexpected_message_types_are_errors)
{
	struct reply r = { .len = 0 };

	add_msg(&r, RTM_NEWQDISC, sizeof(struct tcmsg));
	expect_refused(&r, EPROTO, "unexpected netlink message of type 36 in a dump");
}

/*
 * A dump of links, addresses and routes, damaged at random: bytes changed,
 * lengths changed, the end cut off.  Each run must give a result or an
 * error (and AddressSanitizer sees every read out of bounds).
 */
Test(parse, randomly_damaged_dumps_never_crash)
{
	struct reply good = { .len = 0 };
	static struct reply r;
	unsigned int seed = 20261203, accepted = 0, refused = 0;

	add_link(&good, 2, "eth0");
	add_link(&good, 3, "eth1");
	add_addr(&good, 2, AF_INET, "10.1.2.3", 24);
	add_addr(&good, 3, AF_INET6, "fd00::3", 64);
	add_route(&good, 2, AF_INET, NULL, 0, "10.1.2.1");
	add_route(&good, 3, AF_INET6, "fd01::", 64, "fd00::1");
	add_msg(&good, NLMSG_DONE, 4);
	commit(&good);

	for (int i = 0; i < 20000; i++) {
		struct net_config cfg = { .n_ifaces = 0 };
		struct vs_error *err = NULL;
		size_t len = good.len;
		int changes = 1 + rand_r(&seed) % 8, rc;
		char *copy;

		memcpy(r.buf, good.buf, good.len);
		for (int c = 0; c < changes; c++) {
			size_t at = (size_t)rand_r(&seed) % good.len;

			if (rand_r(&seed) % 4 == 0) /* a small length: the likeliest damage */
				r.buf[at & ~(size_t)3] = (char)(rand_r(&seed) % 40);
			else
				r.buf[at] = (char)rand_r(&seed);
		}
		if (rand_r(&seed) % 3 == 0)
			len = (size_t)rand_r(&seed) % good.len;
		/* An exact-size copy, so that any read past the end is caught. */
		copy = malloc(len + 1);
		cr_assert_not_null(copy);
		memcpy(copy, r.buf, len);
		rc = net_nl_walk(copy, len, SEQ, PORT, take, &cfg, &err);
		if (rc >= 0)
			rc = net_config_finish(&cfg, &err);
		cr_assert_eq(rc < 0, err != NULL, "run %d: result %d with error `%s`", i, rc,
			     err ? err->msg : "");
		if (rc < 0)
			refused++;
		else
			accepted++;
		vs_error_release(&err);
		net_config_clear(&cfg);
		free(copy);
	}
	cr_assert_gt(accepted, 100, "almost nothing was accepted: the damage is too coarse");
	cr_assert_gt(refused, 1000, "almost nothing was refused: the damage is too weak");
}
