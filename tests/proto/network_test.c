/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network configuration in CREATE and NETWORK: what the host encodes
 * comes out of the guest's decoder unchanged; both ends refuse what breaks
 * the rules of guest/proto/network.h, naming the interface and the field.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/util.h"
#include "guest/proto/guest.h"
#include "guest/proto/host.h"
#include "decode.h"

/* eth0 as podman's netavark makes it: IPv4 and IPv6, a default route for each. */
static struct proto_nic podman_nic(void)
{
	struct proto_nic n = { .device = { 0x0a, 0x58, 0x0a, 0x58, 0x00, 0x05 } };
	struct net_iface *f = &n.iface;

	strcpy(f->name, "eth0");
	memcpy(f->mac, n.device, 6);
	f->mtu = 1500;
	f->addrs[0] = (struct net_addr){ .family = AF_INET, .prefix = 16 };
	inet_pton(AF_INET, "10.88.0.5", f->addrs[0].addr);
	f->addrs[1] = (struct net_addr){ .family = AF_INET6, .prefix = 64 };
	inet_pton(AF_INET6, "fd00:88::5", f->addrs[1].addr);
	f->n_addrs = 2;
	f->routes[0] = (struct net_route){ .family = AF_INET, .has_gateway = true, .metric = 100 };
	inet_pton(AF_INET, "10.88.0.1", f->routes[0].gateway);
	f->routes[1] = (struct net_route){ .family = AF_INET6, .prefix = 48 };
	inet_pton(AF_INET6, "fd00:99::", f->routes[1].dst);
	f->routes[2] = (struct net_route){ .family = AF_INET6, .has_gateway = true };
	inet_pton(AF_INET6, "fd00:88::1", f->routes[2].gateway);
	f->n_routes = 3;
	return n;
}

/* The late case: the NIC booted with a MAC of its own, the interface has another. */
static struct proto_nic late_nic(void)
{
	struct proto_nic n = podman_nic();

	memcpy(n.device, (uint8_t[]){ 0x02, 0x56, 0x53, 0x00, 0x00, 0x01 }, 6);
	strcpy(n.iface.name, "eth1");
	n.iface.mtu = 9000;
	n.iface.n_addrs = 1;
	n.iface.n_routes = 0;
	return n;
}

static void assert_same(const struct proto_network *got, const struct proto_nic *want, size_t n)
{
	cr_assert_eq(got->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct net_iface *g = &got->nics[i].iface, *w = &want[i].iface;

		cr_assert_arr_eq(got->nics[i].device, want[i].device, 6);
		cr_assert_str_eq(g->name, w->name);
		cr_assert_arr_eq(g->mac, w->mac, 6);
		cr_assert_eq(g->mtu, w->mtu);
		cr_assert_eq(g->n_addrs, w->n_addrs);
		cr_assert_eq(g->n_routes, w->n_routes);
		for (size_t a = 0; a < g->n_addrs; a++) {
			cr_assert_eq(g->addrs[a].family, w->addrs[a].family);
			cr_assert_eq(g->addrs[a].prefix, w->addrs[a].prefix);
			cr_assert_arr_eq(g->addrs[a].addr, w->addrs[a].addr, 16);
		}
		for (size_t r = 0; r < g->n_routes; r++) {
			const struct net_route *gr = &g->routes[r], *wr = &w->routes[r];

			cr_assert_eq(gr->family, wr->family);
			cr_assert_eq(gr->prefix, wr->prefix);
			cr_assert_arr_eq(gr->dst, wr->dst, 16);
			cr_assert_eq(gr->has_gateway, wr->has_gateway);
			cr_assert_arr_eq(gr->gateway, wr->gateway, 16);
			cr_assert_eq(gr->metric, wr->metric);
		}
	}
}

/* The host's proto state after HELLO and the PID of CREATE: the init waits to start. */
static void created(struct proto_host *h, struct proto_buf *b, uint32_t create_tag)
{
	struct proto_buf in = PROTO_BUF_INIT;
	const char *hello = "{\"protocol\":3,\"agent\":\"t\"}", *pid = "{\"pid\":7}";
	struct proto_host_msg m;

	proto_frame_append(&in, PROTO_HELLO, 0, 0, hello, strlen(hello), NULL);
	proto_frame_append(&in, PROTO_PID, 1, create_tag, pid, strlen(pid), NULL);
	for (size_t off = 0; off < proto_buf_pending(&in);) {
		ssize_t used = proto_host_feed(h, proto_buf_peek(&in) + off,
					       proto_buf_pending(&in) - off, &m, NULL);

		cr_assert_gt(used, 0);
		off += (size_t)used;
		proto_host_msg_clear(&m);
	}
	proto_buf_clear(&in);
	proto_buf_clear(b);
}

Test(network, create_carries_the_network_to_the_guest)
{
	struct proto_nic nics[] = { podman_nic(), late_nic() };
	struct proto_network net = { .n = 2, .nics = nics };
	struct proto_host *h = proto_host_new();
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_request r;
	char *msg = NULL;
	uint32_t tag;

	cr_assert_eq(proto_host_create(h, &b, "c", "{}", 2, NULL, 0, &net, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0, "%s", msg);
	cr_assert(r.create.has_network);
	assert_same(&r.create.network, nics, 2);
	proto_request_clear(&r);

	/* Without a network, the container gets none of the VM's. */
	proto_host_free(h);
	h = proto_host_new();
	cr_assert_eq(proto_host_create(h, &b, "c", "{}", 2, NULL, 0, NULL, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0, "%s", msg);
	cr_assert_not(r.create.has_network);
	cr_assert_eq(r.create.network.n, 0);
	proto_request_clear(&r);
	proto_host_free(h);
}

Test(network, network_request_only_between_create_and_start)
{
	struct proto_nic nic = late_nic();
	struct proto_network net = { .n = 1, .nics = &nic };
	struct proto_host *h = proto_host_new();
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_request r;
	struct vs_error *err = NULL;
	char *msg = NULL;
	uint32_t tag, create_tag;

	cr_assert_eq(proto_host_network(h, &b, &net, &tag, &err), -1);
	cr_assert_str_eq(err->msg, "the container's process is not waiting to start");
	vs_error_release(&err);
	cr_assert_eq(proto_host_create(h, &b, "c", "{}", 2, NULL, 0, NULL, &create_tag, NULL), 0);
	cr_assert_eq(proto_host_network(h, &b, &net, &tag, &err), -1, "NETWORK before PID");
	vs_error_release(&err);
	created(h, &b, create_tag);

	cr_assert_eq(proto_host_network(h, &b, &net, &tag, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0, "%s", msg);
	cr_assert_eq(r.type, PROTO_NETWORK);
	cr_assert_eq(r.id, PROTO_INIT_ID);
	cr_assert_eq(r.tag, tag);
	assert_same(&r.network, &nic, 1);
	proto_request_clear(&r);
	proto_host_free(h);
}

/* A podman_nic() with one thing wrong, by number; NULL past the last case. */
static const char *spoil(int which, struct proto_network *net)
{
	struct proto_nic *n = &net->nics[0];

	switch (which) {
	case 0:
		strcpy(n->iface.name, "a/b");
		return "network interface 0: name `a/b` is not valid";
	case 1:
		strcpy(n->iface.name, "..");
		return "network interface 0: name `..` is not valid";
	case 2:
		n->iface.mac[0] = 0x01;
		return "network interface `eth0`: a MAC address is multicast or zero";
	case 3:
		memset(n->device, 0, 6);
		return "network interface `eth0`: a MAC address is multicast or zero";
	case 4:
		n->iface.mtu = 67;
		return "network interface `eth0`: MTU 67 is outside 68-65535";
	case 5:
		n->iface.addrs[0].prefix = 33;
		return "network interface `eth0`: address 0 is not an IPv4 or IPv6 address with a "
		       "prefix length that fits";
	case 6:
		n->iface.routes[1].family = AF_UNIX;
		return "network interface `eth0`: route 1 is not an IPv4 or IPv6 route with a "
		       "prefix length that fits";
	case 7:
		n->iface.n_addrs = NET_MAX_ADDRS + 1;
		return "network interface `eth0` has more than 64 addresses or 64 routes";
	case 8:
		net->nics[1] = net->nics[0];
		net->nics[1].device[5] ^= 0x10;
		net->n = 2;
		return "network interfaces `eth0` and `eth0` have the same device or name";
	case 9:
		net->n = NET_MAX_IFACES + 1;
		return "more than 16 network interfaces";
	default:
		return NULL;
	}
}

Test(network, host_refuses_what_breaks_the_rules)
{
	struct proto_nic *nics = vs_xcalloc(NET_MAX_IFACES + 1, sizeof(*nics));
	struct proto_buf b = PROTO_BUF_INIT;
	const char *want;

	for (int i = 0;; i++) {
		struct proto_network net = { .n = 1, .nics = nics };
		struct proto_host *h = proto_host_new();
		struct vs_error *err = NULL;
		uint32_t tag;

		for (size_t k = 0; k <= NET_MAX_IFACES; k++) {
			nics[k] = podman_nic();
			nics[k].device[5] = (uint8_t)k;
			snprintf(nics[k].iface.name, IFNAMSIZ, "eth%zu", k);
		}
		strcpy(nics[0].iface.name, "eth0");
		want = spoil(i, &net);
		if (want == NULL) {
			proto_host_free(h);
			break;
		}
		cr_expect_eq(proto_host_create(h, &b, "c", "{}", 2, NULL, 0, &net, &tag, &err), -1,
			     "case %d accepted", i);
		if (err != NULL) {
			char *full = vs_xasprintf("cannot send the network to the agent: %s", want);

			cr_expect_str_eq(err->msg, full, "case %d: got %s", i, err->msg);
			free(full);
		}
		cr_expect_eq(proto_buf_pending(&b), 0, "case %d queued a frame", i);
		vs_error_free(err);
		proto_host_free(h);
	}
	free(nics);
}

/* A CREATE whose network member is hostile: the guest's decoder says what is wrong. */
static char *create_refused(const char *network)
{
	char *json =
	    vs_xasprintf("{\"container_id\":\"c\",\"config\":\"{}\",\"network\":%s}", network);
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_request r;
	char *msg = NULL;

	cr_assert_eq(proto_frame_append(&b, PROTO_CREATE, 1, 9, json, strlen(json), NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), -1, "accepted %s", network);
	free(json);
	return msg;
}

#define IFACE(...)                                                                              \
	"{\"interfaces\":[{\"device\":\"02:00:00:00:00:01\",\"name\":\"eth0\",\"mac\":\"02:00:" \
	"00:00:00:01\",\"mtu\":1500" __VA_ARGS__ "}]}"

Test(network, guest_refuses_hostile_configurations)
{
	static const struct {
		const char *network, *want;
	} cases[] = {
		{ "[]", "agent message CREATE: \"network\" must be an object" },
		{ "{}", "agent message CREATE: \"interfaces\" is required" },
		{ "{\"interfaces\":[1]}", "agent message CREATE: an interface must be an object" },
		{ "{\"interfaces\":[{}]}", "agent message CREATE: \"device\" is required" },
		{ "{\"interfaces\":[{\"device\":\"0x:00:00:00:00:01\",\"name\":\"eth0\",\"mac\":"
		  "\"02:00:00:00:00:01\",\"mtu\":1500}]}",
		  "agent message CREATE: a MAC address of `eth0` is not valid" },
		{ "{\"interfaces\":[{\"device\":\"02:00:00:00:00:01\",\"name\":"
		  "\"a-name-much-too-long\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1500}]}",
		  "agent message CREATE: \"name\" is longer than 15 bytes" },
		{ "{\"interfaces\":[{\"device\":\"02:00:00:00:00:01\",\"name\":\"eth0\",\"mac\":"
		  "\"02:00:00:00:00:01\",\"mtu\":70000}]}",
		  "agent message CREATE: \"mtu\" must be an integer between 68 and 65535" },
		{ IFACE(",\"addresses\":[\"10.0.0.1\"]"),
		  "agent message CREATE: an address of `eth0` is not ADDRESS/PREFIX" },
		{ IFACE(",\"addresses\":[\"10.0.0.1/1000\"]"),
		  "agent message CREATE: an address of `eth0` is not ADDRESS/PREFIX" },
		{ IFACE(",\"addresses\":[\"10.0.0.1/33\"]"),
		  "agent message CREATE: network interface `eth0`: address 0 is not an IPv4 or "
		  "IPv6 address with a prefix length that fits" },
		{ IFACE(",\"addresses\":[\"fe80::1%eth0/64\"]"),
		  "agent message CREATE: an address of `eth0` is not ADDRESS/PREFIX" },
		{ IFACE(",\"routes\":[{\"to\":\"0.0.0.0/0\",\"via\":\"fd00::1\"}]"),
		  "agent message CREATE: gateway `fd00::1` of the route to `0.0.0.0/0` is not an "
		  "address of its family" },
		{ IFACE(",\"routes\":[{\"to\":\"0.0.0.0/0\",\"metric\":-1}]"),
		  "agent message CREATE: \"metric\" must be an integer between 0 and 4294967295" },
		{ IFACE(",\"routes\":[{\"via\":\"10.0.0.1\"}]"),
		  "agent message CREATE: \"to\" is required" },
		{ "{\"interfaces\":[{\"device\":\"02:00:00:00:00:01\",\"name\":\"eth0\",\"mac\":"
		  "\"03:00:00:00:00:01\",\"mtu\":1500}]}",
		  "agent message CREATE: network interface `eth0`: a MAC address is multicast or "
		  "zero" },
		{ "{\"interfaces\":[{\"device\":\"02:00:00:00:00:01\",\"name\":\"eth0\",\"mac\":"
		  "\"02:00:00:00:00:01\",\"mtu\":1500},{\"device\":\"02:00:00:00:00:01\",\"name\":"
		  "\"eth1\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1500}]}",
		  "agent message CREATE: network interfaces `eth0` and `eth1` have the same device "
		  "or name" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		char *msg = create_refused(cases[i].network);

		cr_expect_str_eq(msg, cases[i].want, "case %zu: got %s", i, msg);
		free(msg);
	}
}

/* More interfaces, addresses or routes than the bounds: refused before anything is kept. */
Test(network, guest_refuses_more_than_the_bounds)
{
	char *list = vs_xstrdup("");
	char *network, *msg;

	for (int i = 0; i <= NET_MAX_ADDRS; i++) {
		char *more = vs_xasprintf("%s%s\"10.0.%d.1/24\"", list, i ? "," : "", i);

		free(list);
		list = more;
	}
	network = vs_xasprintf(IFACE(",\"addresses\":[%s]"), list);
	msg = create_refused(network);
	cr_expect_str_eq(msg, "agent message CREATE: \"addresses\" has more than 64 entries");
	free(msg);
	free(network);
	free(list);

	list = vs_xstrdup("");
	for (int i = 0; i <= NET_MAX_IFACES; i++) {
		char *more = vs_xasprintf("%s%s{}", list, i ? "," : "");

		free(list);
		list = more;
	}
	network = vs_xasprintf("{\"interfaces\":[%s]}", list);
	msg = create_refused(network);
	cr_expect_str_eq(msg, "agent message CREATE: \"interfaces\" has more than 16 entries");
	free(msg);
	free(network);
	free(list);
}

/* NETWORK for any process but the init is refused. */
Test(network, network_request_names_the_init)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_request r;
	const char *json = IFACE("");
	char *msg = NULL;

	cr_assert_eq(proto_frame_append(&b, PROTO_NETWORK, 2, 9, json, strlen(json), NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), -1);
	cr_assert_str_eq(msg, "agent message NETWORK must name process 1");
	free(msg);
}
