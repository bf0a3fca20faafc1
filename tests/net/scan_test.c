/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_scan() and net_ns_*() against namespaces the tests build with ip(8):
 * exactly the interfaces, addresses and routes someone configured, nothing
 * the kernel made, and clear errors for paths that are not network
 * namespaces.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "fixture.h"
#include "net/net.h"

TestSuite(scan, .init = fx_isolate, .timeout = 30);
TestSuite(ns, .timeout = 30);

static void assert_addr(const struct net_addr *a, int family, const char *text, unsigned int prefix)
{
	uint8_t want[16] = { 0 };

	cr_assert_eq(inet_pton(family, text, want), 1);
	cr_assert_eq(a->family, family, "family of %s", text);
	cr_assert_arr_eq(a->addr, want, family == AF_INET ? 4 : 16, "address is not %s", text);
	cr_assert_eq(a->prefix, prefix, "prefix of %s is %u", text, a->prefix);
}

/* The route to dst/prefix of iface, or NULL. */
static const struct net_route *find_route(const struct net_iface *iface, int family,
					  const char *dst, unsigned int prefix)
{
	uint8_t want[16] = { 0 };

	cr_assert_eq(inet_pton(family, dst, want), 1);
	for (size_t i = 0; i < iface->n_routes; i++) {
		const struct net_route *r = &iface->routes[i];

		if (r->family == family && r->prefix == prefix && memcmp(r->dst, want, 16) == 0)
			return r;
	}
	return NULL;
}

static void assert_gateway(const struct net_route *r, const char *gw, uint32_t metric)
{
	uint8_t want[16] = { 0 };

	cr_assert_not_null(r);
	cr_assert_eq(r->metric, metric, "metric %u instead of %u", r->metric, metric);
	if (gw == NULL) {
		cr_assert_not(r->has_gateway);
		return;
	}
	cr_assert(r->has_gateway);
	cr_assert_eq(inet_pton(r->family, gw, want), 1);
	cr_assert_arr_eq(r->gateway, want, 16, "gateway is not %s", gw);
}

Test(scan, finds_what_was_configured_and_nothing_else)
{
	struct net_config cfg;
	struct vs_error *err = NULL;
	const struct net_iface *i;
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0x77, 0x02 };

	fx_veth_pair();
	fx_sh("ip addr add 10.77.0.2/24 dev " FX_VETH " && ip addr add 10.78.0.2/16 dev " FX_VETH
	      " && ip -6 addr add fd77::2/64 dev " FX_VETH " nodad");
	fx_sh("ip route add default via 10.77.0.1 metric 10 && "
	      "ip route add 10.99.0.0/16 via 10.77.0.3 metric 50 && "
	      "ip route add 10.55.0.0/16 dev " FX_VETH " && "
	      "ip -6 route add default via fd77::1 && "
	      /* what must not appear: another table, a blackhole, a link with no address */
	      "ip route add 10.66.0.0/16 via 10.77.0.1 table 100 && "
	      "ip route add blackhole 10.44.0.0/16 && "
	      "ip link add vsn1 type veth peer name vsn1p && ip link set vsn1 up");

	cr_assert_eq(net_scan(&cfg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(cfg.n_ifaces, 1, "%zu interfaces found", cfg.n_ifaces);
	i = net_config_iface(&cfg, FX_VETH);
	cr_assert_not_null(i);
	cr_assert_eq(i->ifindex, fx_index(FX_VETH));
	cr_assert_arr_eq(i->mac, mac, 6);
	cr_assert_eq(i->mtu, 1400);

	cr_assert_eq(i->n_addrs, 3, "%zu addresses (link-local ones must not count)", i->n_addrs);
	assert_addr(&i->addrs[0], AF_INET, "10.77.0.2", 24);
	assert_addr(&i->addrs[1], AF_INET, "10.78.0.2", 16);
	assert_addr(&i->addrs[2], AF_INET6, "fd77::2", 64);

	cr_assert_eq(i->n_routes, 4, "%zu routes (the kernel's prefix routes must not count)",
		     i->n_routes);
	assert_gateway(find_route(i, AF_INET, "0.0.0.0", 0), "10.77.0.1", 10);
	assert_gateway(find_route(i, AF_INET, "10.99.0.0", 16), "10.77.0.3", 50);
	assert_gateway(find_route(i, AF_INET, "10.55.0.0", 16), NULL, 0);
	assert_gateway(find_route(i, AF_INET6, "::", 0), "fd77::1", 1024);
	net_config_clear(&cfg);
	cr_assert_null(cfg.ifaces);
}

Test(scan, an_empty_namespace_has_no_interfaces)
{
	struct net_config cfg;
	struct vs_error *err = NULL;

	fx_sh("ip addr add 127.0.0.2/8 dev lo");
	cr_assert_eq(net_scan(&cfg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(cfg.n_ifaces, 0, "loopback must not be given to a VM");
	net_config_clear(&cfg);
}

Test(scan, more_interfaces_than_the_bound_is_an_error)
{
	struct net_config cfg;
	struct vs_error *err = NULL;

	for (int n = 0; n <= NET_MAX_IFACES; n++)
		fx_sh("ip link add vsn%d type veth peer name vsn%dp && "
		      "ip addr add 10.%d.0.1/24 dev vsn%d",
		      n, n, 100 + n, n);
	cr_assert_eq(net_scan(&cfg, &err), -1);
	fx_assert_error(err, E2BIG, FX_WORDS("more than 16 interfaces"));
	cr_assert_eq(cfg.n_ifaces, 0);
	cr_assert_null(cfg.ifaces);
	vs_error_release(&err);
}

Test(scan, more_addresses_than_the_bound_is_an_error)
{
	struct net_config cfg;
	struct vs_error *err = NULL;

	fx_sh("ip link add vsn0 type veth peer name vsn0p && "
	      "for i in $(seq 1 %d); do echo addr add 10.9.0.$i/24 dev vsn0; done | ip -batch -",
	      NET_MAX_ADDRS + 1);
	cr_assert_eq(net_scan(&cfg, &err), -1);
	fx_assert_error(err, E2BIG, FX_WORDS("`vsn0`", "more than 64 addresses"));
	vs_error_release(&err);
}

Test(ns, open_refuses_a_namespace_of_another_type)
{
	struct vs_error *err = NULL;

	cr_assert_eq(net_ns_open("/proc/self/ns/ipc", &err), -1);
	fx_assert_error(
	    err, EINVAL,
	    FX_WORDS("`/proc/self/ns/ipc` is a namespace of type ipc, not a network namespace"));
	vs_error_release(&err);
}

Test(ns, open_refuses_a_file_that_is_no_namespace)
{
	struct vs_error *err = NULL;

	cr_assert_eq(net_ns_open("/proc/self/status", &err), -1);
	fx_assert_error(err, EINVAL, FX_WORDS("`/proc/self/status` is not a namespace"));
	vs_error_release(&err);
}

Test(ns, open_names_a_missing_path)
{
	struct vs_error *err = NULL;

	cr_assert_eq(net_ns_open("/run/netns/vsn-does-not-exist", &err), -1);
	fx_assert_error(err, ENOENT,
			FX_WORDS("cannot open network namespace `/run/netns/vsn-does-not-exist`",
				 "No such file"));
	vs_error_release(&err);
}

static ino_t current_ns(void)
{
	struct stat st;

	cr_assert_eq(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

Test(ns, open_and_enter_a_namespace, .init = fx_isolate)
{
	struct vs_error *err = NULL;
	struct net_config cfg;
	int peer = fx_veth_pair();
	char *path = vs_xasprintf("/proc/%d/fd/%d", getpid(), peer);
	ino_t before = current_ns();
	/* Keeps the test's namespace, and the veth pair with it, alive once the process leaves it.
	 */
	cleanup_close int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int fd = net_ns_open(path, &err);

	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	cr_assert_eq(net_ns_enter(fd, &err), 0, "%s", err ? err->msg : "");
	cr_assert_neq(current_ns(), before);
	fx_sh("ip addr add 10.77.0.1/24 dev " FX_PEER);
	cr_assert_eq(net_scan(&cfg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(cfg.n_ifaces, 1);
	cr_assert_str_eq(cfg.ifaces[0].name, FX_PEER);
	net_config_clear(&cfg);
	free(path);
}

Test(ns, enter_refuses_a_descriptor_of_another_type)
{
	struct vs_error *err = NULL;
	cleanup_close int fd = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(net_ns_enter(fd, &err), -1);
	fx_assert_error(err, EINVAL, FX_WORDS("cannot enter network namespace"));
	vs_error_release(&err);
}

Test(ns, new_gives_an_empty_namespace_with_lo_up)
{
	struct vs_error *err = NULL;
	struct net_config cfg;
	ino_t before = current_ns();
	char *lo;

	cr_assert_eq(net_ns_new(&err), 0, "%s", err ? err->msg : "");
	cr_assert_neq(current_ns(), before);
	lo = fx_sh_out(-1, "ip -o link show lo");
	cr_assert_not_null(strstr(lo, ",UP,"), "lo is not up: %s", lo);
	cr_assert_eq(net_scan(&cfg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(cfg.n_ifaces, 0);
	free(lo);
}
