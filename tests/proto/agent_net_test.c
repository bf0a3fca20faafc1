/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's network configuration (guest/agent/net.c), with the real
 * agent in its test mode: each test runs in a network namespace of its own
 * holding a veth, which stands for a NIC of the VM (found by its MAC).
 * CREATE with a network configures it where the agent is and the container
 * shares it; NETWORK moves it into the created container's own namespace;
 * without either the container has only `lo`.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_harness.h"
#include "common/util.h"

/* The stand-in NIC: its MAC is what QEMU would have given the VM's NIC. */
#define NIC	"vsn0"
#define NIC_MAC "02:00:00:00:77:02"

static struct harness t;

static int sh(const char *cmd)
{
	int status = system(cmd);

	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0,
		     "cannot make a network namespace for the test (run as root): %m");
	cr_assert_eq(sh("ip link add " NIC " address " NIC_MAC " type veth peer name " NIC "p && "
			"ip link set " NIC "p up"),
		     0, "cannot make the veth the test needs (iproute2)");
	harness_start(&t);
}

static void teardown(void)
{
	harness_stop(&t);
}

TestSuite(agent_net, .init = setup, .fini = teardown, .timeout = 60);

/*
 * What the host would send for podman's eth0: another MAC than the NIC's
 * (the late case sets it), MTU 1400, IPv4 and IPv6, routes with and without
 * a gateway.
 */
static struct proto_network podman_network(void)
{
	struct proto_network net = { .n = 1, .nics = vs_xcalloc(1, sizeof(struct proto_nic)) };
	struct proto_nic *n = &net.nics[0];
	struct net_iface *f = &n->iface;

	memcpy(n->device, (uint8_t[]){ 0x02, 0, 0, 0, 0x77, 0x02 }, 6);
	strcpy(f->name, "eth0");
	memcpy(f->mac, (uint8_t[]){ 0x02, 0, 0, 0, 0x77, 0x09 }, 6);
	f->mtu = 1400;
	f->addrs[0] = (struct net_addr){ .family = AF_INET, .prefix = 24 };
	inet_pton(AF_INET, "10.99.0.2", f->addrs[0].addr);
	f->addrs[1] = (struct net_addr){ .family = AF_INET6, .prefix = 64 };
	inet_pton(AF_INET6, "fd00:99::2", f->addrs[1].addr);
	f->n_addrs = 2;
	f->routes[0] = (struct net_route){ .family = AF_INET, .has_gateway = true };
	inet_pton(AF_INET, "10.99.0.1", f->routes[0].gateway);
	f->routes[1] =
	    (struct net_route){ .family = AF_INET, .prefix = 16, .has_gateway = true, .metric = 5 };
	inet_pton(AF_INET, "10.98.0.0", f->routes[1].dst);
	inet_pton(AF_INET, "10.99.0.1", f->routes[1].gateway);
	f->routes[2] = (struct net_route){ .family = AF_INET6, .has_gateway = true };
	inet_pton(AF_INET6, "fd00:99::1", f->routes[2].gateway);
	f->n_routes = 3;
	return net;
}

#define SHOW_NET                                                                         \
	"\"args\":[\"sh\",\"-c\",\"ip -o link; echo; ip -o addr; echo; ip route; ip -6 " \
	"route\"]"

static void start(void)
{
	uint32_t tag;
	struct proto_host_msg m;

	cr_assert_eq(proto_host_start(t.host, &t.to_agent, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK, "START failed: %s",
		     m.type == PROTO_ERROR ? m.error.message : "?");
	proto_host_msg_clear(&m);
}

static void created(struct proto_host_msg m)
{
	cr_assert_eq(m.type, PROTO_PID, "CREATE failed: %s",
		     m.type == PROTO_ERROR ? m.error.message : "?");
	proto_host_msg_clear(&m);
}

/* What the container saw, once its init exited 0. */
static const char *container_view(void)
{
	struct harness_proc *p = harness_wait_exit(&t, 1);

	cr_assert_eq(p->status, 0, "stderr: %s", harness_stderr(&t, 1));
	return harness_stdout(&t, 1);
}

static void assert_configured(const char *out)
{
	static const char *const want[] = {
		"eth0",
		"<BROADCAST,MULTICAST,UP",
		"mtu 1400",
		"link/ether 02:00:00:00:77:09",
		"inet 10.99.0.2/24",
		"inet6 fd00:99::2/64",
		"default via 10.99.0.1 dev eth0",
		"10.98.0.0/16 via 10.99.0.1 dev eth0  metric 5",
		"default via fd00:99::1 dev eth0",
		"lo: <LOOPBACK,UP",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect_not_null(strstr(out, want[i]), "no `%s` in:\n%s", want[i], out);
	const char *v6 = strstr(out, "inet6 fd00:99::2/64");

	cr_expect(v6 == NULL || strstr(v6, "tentative") == NULL ||
		      strstr(v6, "tentative") > strchr(v6, '\\'),
		  "the IPv6 address waits for duplicate address detection:\n%s", out);
	cr_expect_null(strstr(out, NIC ":"), "the NIC kept its old name:\n%s", out);
}

Test(agent_net, create_configures_the_nic_and_the_container_shares_it)
{
	struct proto_network net = podman_network();
	char *config = harness_config(SHOW_NET, "", "");

	created(harness_create_network(&t, config, &net));
	start();
	assert_configured(container_view());
	/* The agent's namespace is the container's: the NIC is configured here too. */
	cr_assert_eq(sh("ip -o addr show dev eth0 | grep -q 'inet 10.99.0.2/24'"), 0);
	proto_network_clear(&net);
	free(config);
}

Test(agent_net, network_moves_late_nics_into_the_containers_namespace)
{
	struct proto_network net = podman_network();
	char *config = harness_config(SHOW_NET, "", "");
	struct proto_host_msg m;
	uint32_t tag;

	created(harness_create(&t, config));
	cr_assert_eq(proto_host_network(t.host, &t.to_agent, &net, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK, "NETWORK failed: %s",
		     m.type == PROTO_ERROR ? m.error.message : "?");
	proto_host_msg_clear(&m);
	start();
	assert_configured(container_view());
	cr_assert_neq(sh("ip link show dev " NIC " 2>/dev/null"), 0,
		      "the NIC is still in the agent's namespace");
	cr_assert_neq(sh("ip link show dev eth0 2>/dev/null"), 0,
		      "the container's eth0 is in the agent's namespace");
	proto_network_clear(&net);
	free(config);
}

Test(agent_net, without_a_network_the_container_has_only_lo)
{
	char *config = harness_config(SHOW_NET, "", "");
	const char *out;

	created(harness_create(&t, config));
	start();
	out = container_view();
	cr_assert_not_null(strstr(out, "lo: <LOOPBACK,UP"), "%s", out);
	cr_assert_null(strstr(out, NIC), "the container sees the VM's NIC:\n%s", out);
	cr_assert_null(strstr(out, "eth0"), "%s", out);
	cr_assert_eq(sh("ip link show dev " NIC " >/dev/null"), 0,
		     "the NIC left the VM's namespace");
	free(config);
}

Test(agent_net, a_nic_that_is_not_there_is_an_error_and_network_only_before_start)
{
	struct proto_network net = podman_network();
	char *config = harness_config("\"args\":[\"sh\",\"-c\",\"exit 0\"]", "", "");
	struct proto_host_msg m;
	uint32_t tag;

	net.nics[0].device[5] = 0x55;
	created(harness_create(&t, config));
	cr_assert_eq(proto_host_network(t.host, &t.to_agent, &net, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_str_eq(m.error.message,
			 "no NIC of the VM has MAC 02:00:00:00:77:55 (interface `eth0`)");
	proto_host_msg_clear(&m);
	cr_assert_eq(sh("ip link show dev " NIC " >/dev/null"), 0, "the NIC was touched");
	start();
	cr_assert_eq(harness_wait_exit(&t, 1)->status, 0);
	cr_assert_eq(proto_host_network(t.host, &t.to_agent, &net, &tag, NULL), -1,
		     "the host sent NETWORK after START");
	proto_network_clear(&net);
	free(config);
}
