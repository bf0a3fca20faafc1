/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_tap_create(), net_redirect_*() and net_wire()/net_unwire() in a
 * throwaway namespace holding a veth whose peer lives in a second one:
 * frames pass both ways between the tap's descriptor and the peer, the
 * veth is left as it was found, and bad input leaves nothing behind.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "fixture.h"
#include "net/net.h"

TestSuite(tap, .init = fx_isolate, .timeout = 30);
TestSuite(redirect, .init = fx_isolate, .timeout = 30);
TestSuite(wire, .init = fx_isolate, .timeout = 30);

/* IEEE 802 local experimental ethertype: nothing else in the namespaces sends it. */
#define TEST_ETHERTYPE 0x88b5
#define FRAME_LEN      64

static char *qdiscs(const char *dev)
{
	return fx_sh_out(-1, "tc qdisc show dev %s", dev);
}

static bool has_ingress(const char *dev)
{
	char *q = qdiscs(dev);
	bool found = strstr(q, "ingress") != NULL;

	free(q);
	return found;
}

static bool link_exists(const char *dev)
{
	return fx_sh_ok("ip link show dev %s", dev);
}

/* The wiring of FX_VETH as net_scan() sees it. */
static struct net_iface veth_iface(void)
{
	struct net_iface iface = { .ifindex = fx_index(FX_VETH), .mtu = 1400 };

	cr_assert_gt(iface.ifindex, 0);
	strcpy(iface.name, FX_VETH);
	return iface;
}

/* An AF_PACKET socket on FX_PEER in namespace peer, for TEST_ETHERTYPE; returns it and its index.
 */
static int peer_socket(int peer, int *ifindex)
{
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(TEST_ETHERTYPE) };
	int fd;

	cr_assert_eq(setns(peer, CLONE_NEWNET), 0);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(TEST_ETHERTYPE));
	cr_assert_geq(fd, 0, "AF_PACKET socket: %m");
	*ifindex = fx_index(FX_PEER);
	sll.sll_ifindex = *ifindex;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0, "bind: %m");
	cr_assert_eq(setns(here, CLONE_NEWNET), 0);
	close(here);
	return fd;
}

static void make_frame(uint8_t *f, const char *payload)
{
	memset(f, 0, FRAME_LEN);
	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, (uint8_t[]){ 0x02, 0, 0, 0, 0x77, 0x99 }, 6);
	f[12] = TEST_ETHERTYPE >> 8;
	f[13] = TEST_ETHERTYPE & 0xff;
	strcpy((char *)f + 14, payload);
}

/* Reads from fd until a TEST_ETHERTYPE frame at offset off arrives (2 s at most); returns its
 * length. */
static ssize_t read_test_frame(int fd, uint8_t *buf, size_t size, size_t off)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		cr_assert_geq(poll(&p, 1, 2000), 0);
		if (!(p.revents & POLLIN))
			return -1;
		n = read(fd, buf, size);
		cr_assert_geq(n, 0, "read: %m");
		if ((size_t)n >= off + 14 && buf[off + 12] == (TEST_ETHERTYPE >> 8) &&
		    buf[off + 13] == (TEST_ETHERTYPE & 0xff))
			return n;
	}
	return -1;
}

Test(tap, create_makes_an_up_tap_with_a_vnet_header)
{
	struct vs_error *err = NULL;
	int ifindex = 0, hdr = 0;
	cleanup_close int fd = net_tap_create(FX_TAP, 1400, &ifindex, &err);
	char *link, *addrs;

	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	cr_assert_eq(ifindex, fx_index(FX_TAP));
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(ioctl(fd, TUNGETVNETHDRSZ, &hdr), 0);
	cr_assert_eq(hdr, NET_VNET_HDR_LEN);
	link = fx_sh_out(-1, "ip -o link show dev " FX_TAP);
	cr_assert_not_null(strstr(link, "mtu 1400"), "%s", link);
	cr_assert_not_null(strstr(link, ",UP"), "%s", link);
	addrs = fx_sh_out(-1, "ip -o addr show dev " FX_TAP);
	cr_assert_str_empty(addrs, "the tap has addresses of its own: %s", addrs);
	close(steal_fd(&fd));
	cr_assert_not(link_exists(FX_TAP), "the tap outlived its descriptor");
	free(link);
	free(addrs);
}

Test(tap, a_name_too_long_is_refused)
{
	struct vs_error *err = NULL;
	char *before = fx_sh_out(-1, "ip -o link"), *after;

	cr_assert_eq(net_tap_create("vsn-much-too-long", 1500, NULL, &err), -1);
	fx_assert_error(err, EINVAL, FX_WORDS("`vsn-much-too-long`", "1 to 15 characters"));
	after = fx_sh_out(-1, "ip -o link");
	cr_assert_str_eq(before, after);
	vs_error_release(&err);
	cr_assert_eq(net_tap_create("vsntap%d", 1500, NULL, &err), -1);
	fx_assert_error(err, EINVAL, FX_WORDS("`vsntap%d`", "without %"));
	vs_error_release(&err);
	free(before);
	free(after);
}

Test(tap, a_name_in_use_is_refused)
{
	struct vs_error *err = NULL;

	fx_veth_pair();
	cr_assert_eq(net_tap_create(FX_VETH, 1500, NULL, &err), -1);
	fx_assert_error(err, 0, FX_WORDS("cannot create tap `" FX_VETH "`"));
	cr_assert(link_exists(FX_VETH));
	vs_error_release(&err);
}

Test(tap, a_bad_mtu_is_refused)
{
	struct vs_error *err = NULL;

	cr_assert_eq(net_tap_create(FX_TAP, 65536, NULL, &err), -1);
	fx_assert_error(err, EINVAL, FX_WORDS("MTU 65536", "`" FX_TAP "`"));
	cr_assert_not(link_exists(FX_TAP));
	vs_error_release(&err);
}

Test(tap, a_missing_dev_net_tun_is_named)
{
	struct vs_error *err = NULL;

	/* A mount namespace of this test's own, with /dev/net hidden. */
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "%m");
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "%m");
	cr_assert_eq(mount("tmpfs", "/dev/net", "tmpfs", 0, NULL), 0, "%m");
	cr_assert_eq(net_tap_create(FX_TAP, 1500, NULL, &err), -1);
	fx_assert_error(err, ENOENT, FX_WORDS("cannot open `/dev/net/tun`", "`" FX_TAP "`"));
	cr_assert_not(link_exists(FX_TAP));
	vs_error_release(&err);
}

Test(redirect, add_then_del_leaves_the_interface_as_it_was)
{
	struct vs_error *err = NULL;
	int tap = 0;
	cleanup_close int fd = -1;
	char *before, *filters, *after;

	fx_veth_pair();
	fd = net_tap_create(FX_TAP, 1400, &tap, &err);
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	before = qdiscs(FX_VETH);
	cr_assert_eq(net_redirect_add(fx_index(FX_VETH), tap, &err), 0, "%s", err ? err->msg : "");
	cr_assert(has_ingress(FX_VETH));
	filters = fx_sh_out(-1, "tc filter show dev " FX_VETH " ingress");
	cr_assert_not_null(strstr(filters, "u32"), "%s", filters);
	cr_assert_not_null(strstr(filters, "terminal flowid"), "%s", filters);
	cr_assert_not_null(strstr(filters, "Egress Redirect to device " FX_TAP ") stolen"), "%s",
			   filters);

	cr_assert_eq(net_redirect_del(fx_index(FX_VETH), &err), 0, "%s", err ? err->msg : "");
	after = qdiscs(FX_VETH);
	cr_assert_str_eq(before, after);
	/* Idempotent: nothing to remove, or no such interface, is fine. */
	cr_assert_eq(net_redirect_del(fx_index(FX_VETH), &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(net_redirect_del(9999, &err), 0, "%s", err ? err->msg : "");
	free(before);
	free(filters);
	free(after);
}

Test(redirect, a_missing_target_fails_and_leaves_no_qdisc)
{
	struct vs_error *err = NULL;

	fx_veth_pair();
	cr_assert_eq(net_redirect_add(fx_index(FX_VETH), 9999, &err), -1);
	fx_assert_error(err, ENODEV, FX_WORDS("redirecting interface", "to 9999"));
	cr_assert_not(has_ingress(FX_VETH), "the ingress qdisc was left behind");
	vs_error_release(&err);
}

Test(redirect, a_missing_source_fails)
{
	struct vs_error *err = NULL;

	fx_veth_pair();
	cr_assert_eq(net_redirect_add(9999, fx_index(FX_VETH), &err), -1);
	fx_assert_error(err, ENODEV, FX_WORDS("cannot add an ingress qdisc to interface 9999"));
	vs_error_release(&err);
	cr_assert_eq(net_redirect_add(0, fx_index(FX_VETH), &err), -1);
	fx_assert_error(err, EINVAL, FX_WORDS("interface 0"));
	vs_error_release(&err);
}

Test(redirect, a_second_redirect_is_refused)
{
	struct vs_error *err = NULL;
	int tap = 0;
	cleanup_close int fd = -1;

	fx_veth_pair();
	fd = net_tap_create(FX_TAP, 1400, &tap, &err);
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	cr_assert_eq(net_redirect_add(fx_index(FX_VETH), tap, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(net_redirect_add(fx_index(FX_VETH), tap, &err), -1);
	fx_assert_error(err, EEXIST, FX_WORDS("interface", "already has an ingress qdisc"));
	vs_error_release(&err);
}

Test(wire, frames_pass_both_ways)
{
	struct vs_error *err = NULL;
	struct net_iface iface;
	int peer = fx_veth_pair(), peer_index;
	cleanup_close int sock = peer_socket(peer, &peer_index);
	cleanup_close int tap = -1;
	uint8_t out[NET_VNET_HDR_LEN + FRAME_LEN] = { 0 }, in[2048];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = peer_index };
	uint64_t start;
	ssize_t n;

	iface = veth_iface();
	start = vs_now_ns();
	tap = net_wire(&iface, FX_TAP, &err);
	cr_log_info("net_wire took %.3f ms", (double)(vs_now_ns() - start) / 1e6);
	cr_assert_geq(tap, 0, "%s", err ? err->msg : "");

	/* VM to peer: a frame written to the tap, with its (empty) virtio-net header. */
	make_frame(out + NET_VNET_HDR_LEN, "vm-to-peer");
	cr_assert_eq(write(tap, out, sizeof(out)), (ssize_t)sizeof(out), "write: %m");
	n = read_test_frame(sock, in, sizeof(in), 0);
	cr_assert_eq(n, FRAME_LEN, "the peer got no frame from the tap");
	cr_assert_arr_eq(in, out + NET_VNET_HDR_LEN, FRAME_LEN);

	/* Peer to VM: a frame sent on the peer comes out of the tap behind a header. */
	make_frame(out + NET_VNET_HDR_LEN, "peer-to-vm");
	cr_assert_eq(
	    sendto(sock, out + NET_VNET_HDR_LEN, FRAME_LEN, 0, (struct sockaddr *)&to, sizeof(to)),
	    FRAME_LEN, "sendto: %m");
	n = read_test_frame(tap, in, sizeof(in), NET_VNET_HDR_LEN);
	cr_assert_eq(n, NET_VNET_HDR_LEN + FRAME_LEN, "the tap got no frame from the peer");
	cr_assert_arr_eq(in + NET_VNET_HDR_LEN, out + NET_VNET_HDR_LEN, FRAME_LEN);
}

Test(wire, unwire_leaves_the_veth_as_it_was)
{
	struct vs_error *err = NULL;
	struct net_iface iface;
	cleanup_close int tap = -1;
	char *before, *after;

	fx_veth_pair();
	iface = veth_iface();
	before = qdiscs(FX_VETH);
	tap = net_wire(&iface, FX_TAP, &err);
	cr_assert_geq(tap, 0, "%s", err ? err->msg : "");
	cr_assert(has_ingress(FX_VETH));
	cr_assert(has_ingress(FX_TAP));
	cr_assert_eq(net_unwire(iface.ifindex, FX_TAP, &err), 0, "%s", err ? err->msg : "");
	after = qdiscs(FX_VETH);
	cr_assert_str_eq(before, after);
	cr_assert_not(has_ingress(FX_TAP));
	close(steal_fd(&tap));
	cr_assert_not(link_exists(FX_TAP));
	/* After a crash the tap is gone; unwiring again is still fine. */
	cr_assert_eq(net_unwire(iface.ifindex, FX_TAP, &err), 0, "%s", err ? err->msg : "");
	free(before);
	free(after);
}

Test(wire, a_missing_interface_leaves_nothing_behind)
{
	struct vs_error *err = NULL;
	struct net_iface iface;

	fx_veth_pair();
	iface = veth_iface();
	iface.ifindex = 9999;
	cr_assert_eq(net_wire(&iface, FX_TAP, &err), -1);
	fx_assert_error(err, ENODEV,
			FX_WORDS("cannot wire interface `" FX_VETH "` to tap `" FX_TAP "`"));
	cr_assert_not(link_exists(FX_TAP), "the tap was left behind");
	cr_assert_not(has_ingress(FX_VETH));
	vs_error_release(&err);
}

Test(wire, a_second_wiring_of_one_interface_is_refused)
{
	struct vs_error *err = NULL;
	struct net_iface iface;
	cleanup_close int tap = -1;

	fx_veth_pair();
	iface = veth_iface();
	tap = net_wire(&iface, FX_TAP, &err);
	cr_assert_geq(tap, 0, "%s", err ? err->msg : "");
	cr_assert_eq(net_wire(&iface, "vsntap1", &err), -1);
	fx_assert_error(
	    err, EEXIST,
	    FX_WORDS("`" FX_VETH "`", "already has an ingress qdisc, perhaps another container's"));
	cr_assert_not(link_exists("vsntap1"), "the second tap was left behind");
	cr_assert(has_ingress(FX_VETH), "the first wiring was undone");
	vs_error_release(&err);
}

Test(wire, join_wires_a_tap_made_before_the_interface)
{
	struct vs_error *err = NULL;
	struct net_iface iface;
	int tap = 0;
	cleanup_close int fd = net_tap_create(FX_TAP, 1500, &tap, &err);
	char *link;

	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	fx_veth_pair();
	iface = veth_iface();
	cr_assert_eq(net_join(&iface, tap, &err), 0, "%s", err ? err->msg : "");
	link = fx_sh_out(-1, "ip -o link show dev " FX_TAP);
	cr_assert_not_null(strstr(link, "mtu 1400"), "the tap kept its MTU: %s", link);
	cr_assert(has_ingress(FX_VETH));
	cr_assert(has_ingress(FX_TAP));
	cr_assert_eq(net_unwire(iface.ifindex, FX_TAP, &err), 0, "%s", err ? err->msg : "");
	cr_assert_not(has_ingress(FX_VETH));
	cr_assert_not(has_ingress(FX_TAP));
	free(link);
}

Test(wire, join_to_a_vanished_interface_leaves_no_redirect)
{
	struct vs_error *err = NULL;
	struct net_iface iface;
	int tap = 0;
	cleanup_close int fd = net_tap_create(FX_TAP, 1500, &tap, &err);

	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	fx_veth_pair();
	iface = veth_iface();
	fx_sh("ip link del " FX_VETH);
	cr_assert_eq(net_join(&iface, tap, &err), -1);
	fx_assert_error(err, ENODEV, FX_WORDS("cannot add an ingress qdisc to interface"));
	cr_assert_not(has_ingress(FX_TAP), "a redirect was left on the tap");
	vs_error_release(&err);
}

/* A user-mode network's end, as slirp4netns leaves it: a tap with an address and a route. */
#define FX_SLIRP  "vsnslirp0"
#define FX_BRIDGE "vsnbr0"

TestSuite(bridge, .init = fx_isolate, .timeout = 30);

static struct net_iface slirp_iface(const char *addr)
{
	struct net_config cfg = { .n_ifaces = 0 };
	struct vs_error *err = NULL;
	struct net_iface iface;

	fx_sh("ip tuntap add dev %s mode tap && ip addr add %s dev %s && ip link set %s up",
	      FX_SLIRP, addr, FX_SLIRP, FX_SLIRP);
	cr_assert_eq(net_scan(&cfg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_not_null(net_config_iface(&cfg, FX_SLIRP), "the scan does not see %s", FX_SLIRP);
	iface = *net_config_iface(&cfg, FX_SLIRP);
	net_config_clear(&cfg);
	return iface;
}

Test(bridge, a_tap_is_told_from_a_veth)
{
	fx_veth_pair();
	fx_sh("ip tuntap add dev %s mode tap", FX_SLIRP);
	cr_assert(net_is_tap(FX_SLIRP));
	cr_assert_not(net_is_tap(FX_VETH));
	cr_assert_not(net_is_tap("lo"));
	cr_assert_not(net_is_tap("vsn-none"));
}

Test(bridge, the_vm_takes_the_address_and_mac_the_namespace_the_next_address)
{
	struct vs_error *err = NULL;
	struct net_iface iface = slirp_iface("10.0.2.100/24");
	cleanup_close int tap = -1;
	char mac[32], *link, *addrs;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", iface.mac[0], iface.mac[1],
		 iface.mac[2], iface.mac[3], iface.mac[4], iface.mac[5]);
	tap = net_bridge_wire(&iface, FX_TAP, FX_BRIDGE, &err);
	cr_assert_geq(tap, 0, "%s", err ? err->msg : "");
	link = fx_sh_out(-1, "ip -o link show dev %s", FX_SLIRP);
	cr_assert_not_null(strstr(link, "master " FX_BRIDGE), "%s", link);
	cr_assert_null(strstr(link, mac), "%s kept its MAC %s, which is the VM's now: %s", FX_SLIRP,
		       mac, link);
	free(link);
	link = fx_sh_out(-1, "ip -o link show dev %s", FX_TAP);
	cr_assert_not_null(strstr(link, "master " FX_BRIDGE), "%s", link);
	free(link);
	addrs = fx_sh_out(-1, "ip -o -4 addr show dev %s", FX_SLIRP);
	cr_assert_str_eq(addrs, "", "%s kept an address: %s", FX_SLIRP, addrs);
	free(addrs);
	addrs = fx_sh_out(-1, "ip -o -4 addr show dev %s", FX_BRIDGE);
	cr_assert_not_null(strstr(addrs, "10.0.2.101/24"), "%s", addrs);
	free(addrs);
}

Test(bridge, no_free_address_is_an_error_before_anything_changes)
{
	struct vs_error *err = NULL;
	struct net_iface iface = slirp_iface("10.0.2.100/32");

	cr_assert_lt(net_bridge_wire(&iface, FX_TAP, FX_BRIDGE, &err), 0);
	fx_assert_error(err, EADDRNOTAVAIL, FX_WORDS(FX_SLIRP, "IPv4"));
	cr_assert_not(link_exists(FX_TAP));
	cr_assert_not(link_exists(FX_BRIDGE));
	vs_error_free(err);
}
