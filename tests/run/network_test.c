/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM's network through `vshim run`: the user-mode network when
 * config.json has no network namespace (the guest reaches the host's
 * loopback as 10.0.2.2), a new namespace with only lo, io.vshim.network,
 * a podman-style namespace given by path (a veth with addresses and a
 * default route, its peer in a second namespace running an HTTP server),
 * and the errors: a missing path, a namespace of another type, two
 * containers in one namespace.  The namespaces are the test's (vsn*
 * names, removed at the end): the host's own is never changed.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "fixture.h"
#include "runtest.h"

static struct rt t;
static pid_t server = -1;
static char ns_vm[32], ns_peer[32]; /* named namespaces of this test, "" when none */
/* What the HTTP server serves: outside DIR, whose name no process may keep after vshim. */
static char www[64];

static void setup(void)
{
	rt_setup(&t);
}

static void teardown(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = -1;
	}
	if (ns_vm[0] != '\0')
		fx_sh_ok("ip netns del %s", ns_vm);
	if (ns_peer[0] != '\0')
		fx_sh_ok("ip netns del %s", ns_peer);
	ns_vm[0] = ns_peer[0] = '\0';
	if (www[0] != '\0')
		vs_rm_rf(www, NULL);
	www[0] = '\0';
	rt_teardown(&t);
}

TestSuite(network, .init = setup, .fini = teardown, .timeout = 180);

#define SH(script) "[\"sh\",\"-c\",\"" script "\"]"
/* Every namespace of runc's default but the network: the host's network, for runc. */
#define NO_NETNS "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]"

/* A port nobody listens on now. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0, "%m");
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

/*
 * python3's http.server on addr:port serving www, in network namespace
 * netns ("" for this one); returns once it accepts connections there.
 */
static void start_server(const char *netns, const char *addr, int port)
{
	cleanup_free char *port_s = vs_xasprintf("%d", port);

	cr_assert(fx_sh_ok("command -v python3"),
		  "python3 is not installed: run contrib/install-deps.sh");
	server = fork();
	cr_assert_geq(server, 0);
	if (server == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* gone with the test, even one that timed out */
		dup2(null, 1);
		dup2(null, 2);
		if (netns[0] != '\0')
			execlp("ip", "ip", "netns", "exec", netns, "python3", "-m", "http.server",
			       port_s, "--bind", addr, "--directory", www, (char *)NULL);
		else
			execlp("python3", "python3", "-m", "http.server", port_s, "--bind", addr,
			       "--directory", www, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		bool up =
		    netns[0] != '\0'
			? fx_sh_ok("ip netns exec %s python3 -c 'import socket; "
				   "socket.create_connection((\"%s\", %d), 1)'",
				   netns, addr, port)
			: fx_sh_ok(
			      "python3 -c 'import socket; socket.create_connection((\"%s\", %d), "
			      "1)'",
			      addr, port);

		if (up)
			return;
		usleep(100000);
	}
	cr_assert_fail("the HTTP server on %s:%d did not start", addr, port);
}

static void write_page(const char *text)
{
	cleanup_free char *file = NULL;

	strcpy(www, "/tmp/vshim-www.XXXXXX");
	cr_assert_not_null(mkdtemp(www), "%m");
	file = vs_xasprintf("%s/page.txt", www);
	ts_write_file(file, text, strlen(text));
}

Test(network, user_mode_network_reaches_the_host_as_10_0_2_2)
{
	int port = free_port();
	cleanup_free char *args = vs_xasprintf(
	    SH("ip -o -4 addr show dev eth0; wget -q -O - http://10.0.2.2:%d/page.txt"), port);
	struct rt_result r;

	write_page("from the host's loopback\n");
	start_server("", "127.0.0.1", port);
	r = rt_run_config(&t, &(struct rt_cfg){ .args = args, .namespaces = NO_NETNS });
	rt_assert_ok(r);
	cr_assert_not_null(strstr(r.out, "inet 10.0.2.15/24"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "from the host's loopback\n"), "%s", r.out);
	rt_result_free(&r);
}

Test(network, a_new_namespace_has_only_lo)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = SH("ip -o link | cut -d: -f2 | tr -d ' '"),
			      });

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "lo\n");
	rt_result_free(&r);
}

Test(network, io_vshim_network_none_means_no_nic)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = SH("ip -o link | cut -d: -f2 | tr -d ' '"),
				  .namespaces = NO_NETNS,
				  .top = "\"annotations\":{\"io.vshim.network\":\"none\"}",
			      });

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "lo\n");
	rt_result_free(&r);
}

/*
 * What podman's netavark leaves at create: NS_VM holding eth0 (a veth,
 * 10.231.0.2/24, MTU 1400, a default route), its peer in NS_PEER with
 * 10.231.0.1.
 */
static void podman_style_namespaces(void)
{
	snprintf(ns_vm, sizeof(ns_vm), "vsnrun%d", (int)getpid());
	snprintf(ns_peer, sizeof(ns_peer), "vsnpeer%d", (int)getpid());
	cr_assert(
	    fx_sh_ok("ip netns add %s && ip netns add %s && ip -n %s link set lo up && "
		     "ip -n %s link set lo up && "
		     "ip -n %s link add eth0 mtu 1400 type veth peer name peer0 netns %s && "
		     "ip -n %s addr add 10.231.0.2/24 dev eth0 && ip -n %s link set eth0 up && "
		     "ip -n %s route add default via 10.231.0.1 && "
		     "ip -n %s addr add 10.231.0.1/24 dev peer0 && ip -n %s link set peer0 up",
		     ns_vm, ns_peer, ns_vm, ns_peer, ns_vm, ns_peer, ns_vm, ns_vm, ns_vm, ns_peer,
		     ns_peer),
	    "cannot build the test's namespaces (iproute2, root)");
}

static char *netns_json(void)
{
	return vs_xasprintf("[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/%s\"},"
			    "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]",
			    ns_vm);
}

Test(network, a_namespace_by_path_is_wired_to_the_vm_and_left_as_it_was)
{
	int port = free_port();
	cleanup_free char *namespaces = NULL, *before = NULL, *after = NULL;
	cleanup_free char *args =
	    vs_xasprintf(SH("ip -o link show dev eth0; ip -o -4 addr show dev eth0; ip route; "
			    "wget -q -O - http://10.231.0.1:%d/page.txt"),
			 port);
	struct rt_result r;

	podman_style_namespaces();
	namespaces = netns_json();
	write_page("from the peer\n");
	start_server(ns_peer, "10.231.0.1", port);
	before = fx_sh_out(
	    -1,
	    "ip -n %s -d link show; ip -n %s -o addr | awk '{ print $2, $3, $4 }'; tc -n %s qdisc",
	    ns_vm, ns_vm, ns_vm);
	r = rt_run_config(&t, &(struct rt_cfg){ .args = args, .namespaces = namespaces });
	rt_assert_ok(r);
	cr_assert_not_null(strstr(r.out, "mtu 1400"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "inet 10.231.0.2/24"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "default via 10.231.0.1 dev eth0"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "from the peer\n"), "%s", r.out);
	after = fx_sh_out(
	    -1,
	    "ip -n %s -d link show; ip -n %s -o addr | awk '{ print $2, $3, $4 }'; tc -n %s qdisc",
	    ns_vm, ns_vm, ns_vm);
	cr_assert_str_eq(after, before, "the namespace is not as it was:\n%s\n%s", before, after);
	rt_result_free(&r);
}

Test(network, two_containers_in_one_namespace_are_refused)
{
	cleanup_free char *namespaces = NULL;
	struct rt_proc first;
	struct rt_result r;

	podman_style_namespaces();
	namespaces = netns_json();
	rt_config(&t,
		  &(struct rt_cfg){ .args = SH("echo ready; sleep 30"), .namespaces = namespaces });
	rt_spawn(&t, &first, &(struct rt_opts){ .id = "first", .keep = true });
	rt_wait_stdout(&first, "ready", 60);
	r = rt_run(&t, &(struct rt_opts){ .id = "second", .keep = true });
	cr_assert_neq(r.status, 0, "a second container wired the same namespace");
	cr_assert_not_null(strstr(r.err, ns_vm), "the error names no namespace: %s", r.err);
	cr_assert_not_null(strstr(r.err, "two containers cannot share a network namespace"), "%s",
			   r.err);
	rt_result_free(&r);
	kill(first.pid, SIGTERM);
	r = rt_wait(&t, &first);
	rt_result_free(&r);
	rt_assert_clean(&t, "first");
	rt_assert_clean(&t, "second");
}

/* A namespace path that cannot be entered: an error naming it, nothing left (the runner checks). */
Test(network, bad_namespace_paths_are_named)
{
	static const struct {
		const char *path, *want;
	} cases[] = {
		{ "/run/netns/vsn-missing",
		  "cannot open network namespace `/run/netns/vsn-missing`" },
		{ "/proc/self/ns/uts",
		  "`/proc/self/ns/uts` is a namespace of type uts, not a network namespace" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *namespaces = vs_xasprintf(
		    "[{\"type\":\"network\",\"path\":\"%s\"},{\"type\":\"mount\"}]", cases[i].path);
		struct rt_result r = rt_run_config(
		    &t, &(struct rt_cfg){ .args = SH("true"), .namespaces = namespaces });

		cr_assert_neq(r.status, 0, "%s was accepted", cases[i].path);
		cr_assert_not_null(strstr(r.err, cases[i].want), "%s", r.err);
		rt_result_free(&r);
	}
}
