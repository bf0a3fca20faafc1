/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "hooks/hooks.h"
#include "net/net.h"
#include "shim/userns.h"

#define RECORD_NAME "network.json"
/* The bridge joining a tap interface of the namespace to the VM's tap. */
#define BRIDGE_NAME	"vsbr0"
#define RECORD_MAX_SIZE (64u << 10)
/* The MTU of a spare tap until an interface gives it its own. */
#define SPARE_MTU 1500

static char *record_path(const char *state_dir)
{
	return vs_xasprintf("%s/%s", state_dir, RECORD_NAME);
}

/*
 * STATE/network.json: the namespace by its path and the interfaces whose
 * ingress the monitor redirected, so that delete can undo it after a
 * monitor that was killed.  A new namespace needs no record: it goes, with
 * everything in it, when its last process does.
 */
static int record_save(const struct shim_network *n, struct vs_error **err)
{
	cleanup_free char *path = record_path(n->state_dir);
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *text;
	size_t len;
	int r;

	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"namespace", 9);
	yajl_gen_string(g, (const unsigned char *)n->plan.ns_path, strlen(n->plan.ns_path));
	yajl_gen_string(g, (const unsigned char *)"interfaces", 10);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n->n_taps; i++) {
		if (!n->taps[i].wired)
			continue;
		yajl_gen_map_open(g);
		yajl_gen_string(g, (const unsigned char *)"name", 4);
		yajl_gen_string(g, (const unsigned char *)n->taps[i].iface.name,
				strlen(n->taps[i].iface.name));
		yajl_gen_string(g, (const unsigned char *)"ifindex", 7);
		yajl_gen_integer(g, n->taps[i].iface.ifindex);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &text, &len);
	r = vs_write_file_atomic(path, text, len, 0600, err);
	yajl_gen_free(g);
	return r;
}

static void mac_text(char out[18], const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The namespace as error messages name it. */
static const char *ns_name(const struct shim_network *n)
{
	return n->plan.ns_path != NULL ? n->plan.ns_path : "(new)";
}

/* Moves the monitor into the namespace of the plan; keeps the runtime's for hooks and for later. */
static int enter_namespace(struct shim_network *n, struct vs_error **err)
{
	cleanup_close int target = -1;

	/*
	 * A monitor in a user namespace of its own (without root) cannot go
	 * back to the host's network namespace: it and its hooks stay in the
	 * container's.
	 */
	n->runtime_ns =
	    shim_userns_made() ? -1 : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->runtime_ns < 0 && !shim_userns_made())
		return vs_error_set(err, errno, "cannot open the runtime's network namespace");
	if (n->plan.ns_path != NULL) {
		target = net_ns_open(n->plan.ns_path, err);
		if (target < 0 || net_ns_enter(target, err) < 0)
			return shim_userns_nested() && shim_userns_denied(*err)
				   ? vs_error_prefix(
					 err, "linux.namespaces: network: without root, vshim "
					      "enters only a network namespace of its own user "
					      "namespace (rootless podman's); this one needs root, "
					      "or no network namespace in config.json for QEMU's "
					      "user-mode network")
				   : vs_error_prefix(err, "linux.namespaces: network");
		vs_debug("net", "in network namespace `%s`", n->plan.ns_path);
	} else if (net_ns_new(err) < 0) {
		return vs_error_prefix(err, "linux.namespaces: network");
	}
	if (n->runtime_ns >= 0)
		hooks_set_netns(n->runtime_ns);
	return 0;
}

static struct shim_tap *new_tap(struct shim_network *n)
{
	struct shim_tap *t = &n->taps[n->n_taps];

	*t = (struct shim_tap){ .fd = -1 };
	snprintf(t->name, sizeof(t->name), "vstap%zu", n->n_taps);
	n->n_taps++;
	return t;
}

/* An interface that has a redirect already, or a tap of ours: another VM's namespace. */
static int check_free(const struct shim_network *n, struct vs_error **err)
{
	if (if_nametoindex("vstap0") != 0)
		return vs_error_code(
		    err, EEXIST,
		    "network namespace `%s` is wired to another VM already (it has "
		    "tap `vstap0`): two containers cannot share a network namespace",
		    ns_name(n));
	return 0;
}

/* A tap that could not be made; without root, /dev/net/tun may be closed to users. */
static int tap_failed(const struct shim_network *n, struct vs_error **err)
{
	if (shim_userns_nested() && shim_userns_denied(*err))
		return vs_error_prefix(err,
				       "network namespace `%s`: without root, vshim opens "
				       "/dev/net/tun as the user, who may not (udev makes it 0666; "
				       "or leave the network namespace out of config.json for "
				       "QEMU's user-mode network)",
				       ns_name(n));
	return vs_error_prefix(err, "network namespace `%s`", ns_name(n));
}

static int wire_all(struct shim_network *n, const struct net_config *cfg, struct vs_error **err)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		struct shim_tap *t = new_tap(n);

		t->iface = cfg->ifaces[i];
		memcpy(t->device, t->iface.mac, 6);
		/*
		 * A tap of a user-mode network (rootless podman's slirp4netns)
		 * is bridged instead: its port forwarder dials the container's
		 * address from inside the namespace (net/bridge.c).
		 */
		t->fd = net_is_tap(t->iface.name)
			    ? net_bridge_wire(&t->iface, t->name, BRIDGE_NAME, err)
			    : net_wire(&t->iface, t->name, err);
		if (t->fd < 0) {
			n->n_taps--;
			return tap_failed(n, err);
		}
		t->ifindex = (int)if_nametoindex(t->name);
		t->wired = true;
		vs_debug("net", "interface `%s` wired to tap `%s`", t->iface.name, t->name);
	}
	return 0;
}

static int make_spare(struct shim_network *n, struct vs_error **err)
{
	struct shim_tap *t = new_tap(n);

	net_random_mac(t->device);
	t->fd = net_tap_create(t->name, SPARE_MTU, &t->ifindex, err);
	if (t->fd < 0) {
		n->n_taps--;
		return tap_failed(n, err);
	}
	n->spare = true;
	vs_debug("net", "namespace `%s` is empty: tap `%s` waits for an interface", ns_name(n),
		 t->name);
	return 0;
}

/* What the translator and the driver get, from the taps. */
static void fill_vm(struct shim_network *n)
{
	for (size_t i = 0; i < n->n_taps; i++) {
		const struct shim_tap *t = &n->taps[i];

		n->nics[i] = (struct oci_nic){ .tap = t->name, .mtu = t->wired ? t->iface.mtu : 0 };
		mac_text(n->nics[i].mac, t->device);
		n->files[i] = (struct drv_file){ .name = t->name, .fd = t->fd };
	}
}

static int make_taps(struct shim_network *n, struct vs_error **err)
{
	struct net_config cfg = { .n_ifaces = 0 };
	int r;

	if (check_free(n, err) < 0 || net_scan(&cfg, err) < 0)
		return -1;
	r = cfg.n_ifaces > 0 ? wire_all(n, &cfg, err) : make_spare(n, err);
	net_config_clear(&cfg);
	if (r < 0 || (n->plan.ns_path != NULL && record_save(n, err) < 0))
		return -1;
	fill_vm(n);
	return 0;
}

int shim_network_enter(struct shim_network *n, const struct oci_spec *spec, const char *state_dir,
		       const struct oci_hostconf *conf, struct vs_error **err)
{
	int r;

	*n = (struct shim_network){ .runtime_ns = -1, .state_dir = vs_xstrdup(state_dir) };
	if (oci_network_plan(spec, conf->network_mode, &n->plan, err) < 0)
		return -1;
	if (!n->plan.has_ns)
		return 0;
	r = enter_namespace(n, err);
	if (r == 0 && n->plan.nics == OCI_NETWORK_NAMESPACE)
		r = make_taps(n, err);
	if (r < 0)
		shim_network_teardown(n);
	return r;
}

void shim_network_vm(const struct shim_network *n, struct oci_translate_ctx *tctx,
		     const struct drv_file **files, size_t *n_files)
{
	tctx->nics = n->nics;
	tctx->n_nics = n->n_taps;
	*files = n->files;
	*n_files = n->n_taps;
}

void shim_network_release_taps(struct shim_network *n)
{
	for (size_t i = 0; i < n->n_taps; i++) {
		vs_closep(&n->taps[i].fd);
		n->taps[i].fd = -1;
		n->files[i].fd = -1;
	}
}

/* QEMU's user-mode network, as its slirp sets it up. */
static void user_nic(struct proto_nic *nic)
{
	struct net_iface *f = &nic->iface;
	unsigned int m[6];

	sscanf(OCI_NET_USER_MAC, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	for (int i = 0; i < 6; i++)
		nic->device[i] = f->mac[i] = (uint8_t)m[i];
	strcpy(f->name, "eth0");
	f->mtu = 1500;
	f->addrs[0] = (struct net_addr){ .family = AF_INET, .prefix = OCI_NET_USER_PREFIX };
	inet_pton(AF_INET, OCI_NET_USER_ADDRESS, f->addrs[0].addr);
	f->n_addrs = 1;
	f->routes[0] = (struct net_route){ .family = AF_INET, .has_gateway = true };
	inet_pton(AF_INET, OCI_NET_USER_GATEWAY, f->routes[0].gateway);
	f->n_routes = 1;
}

bool shim_network_guest(const struct shim_network *n, struct proto_network *out)
{
	*out = (struct proto_network){ .n = 0 };
	if (n->plan.nics == OCI_NETWORK_USER) {
		out->nics = vs_xcalloc(1, sizeof(*out->nics));
		out->n = 1;
		user_nic(&out->nics[0]);
		return true;
	}
	if (n->plan.nics != OCI_NETWORK_NAMESPACE || n->spare)
		return false;
	out->nics = vs_xcalloc(n->n_taps + 1, sizeof(*out->nics));
	for (size_t i = 0; i < n->n_taps; i++) {
		memcpy(out->nics[i].device, n->taps[i].device, 6);
		out->nics[i].iface = n->taps[i].iface;
	}
	out->n = n->n_taps;
	return true;
}

int shim_network_late(struct shim_network *n, struct proto_network *out, struct vs_error **err)
{
	struct net_config cfg = { .n_ifaces = 0 };
	struct shim_tap *t = &n->taps[0];

	*out = (struct proto_network){ .n = 0 };
	if (!n->spare || t->wired)
		return 0;
	if (net_scan(&cfg, err) < 0)
		return vs_error_prefix(err, "network namespace `%s`", ns_name(n));
	if (cfg.n_ifaces == 0) {
		vs_debug("net", "namespace `%s` is still empty: the container has only lo",
			 ns_name(n));
		net_config_clear(&cfg);
		return 0;
	}
	for (size_t i = 1; i < cfg.n_ifaces; i++)
		vs_warn("net",
			"interface `%s` appeared after create: a VM gets one NIC for what comes "
			"between create and start, `%s` has it",
			cfg.ifaces[i].name, cfg.ifaces[0].name);
	t->iface = cfg.ifaces[0];
	net_config_clear(&cfg);
	if (net_join(&t->iface, t->ifindex, err) < 0)
		return vs_error_prefix(err,
				       "cannot wire interface `%s` of network namespace `%s` to "
				       "tap `%s`",
				       t->iface.name, ns_name(n), t->name);
	t->wired = true;
	if (n->plan.ns_path != NULL && record_save(n, err) < 0)
		return -1;
	vs_debug("net", "interface `%s` appeared after create: wired to tap `%s`", t->iface.name,
		 t->name);
	out->nics = vs_xcalloc(1, sizeof(*out->nics));
	out->n = 1;
	memcpy(out->nics[0].device, t->device, 6);
	out->nics[0].iface = t->iface;
	return 1;
}

void shim_network_teardown(struct shim_network *n)
{
	cleanup_free char *record = n->state_dir ? record_path(n->state_dir) : NULL;

	for (size_t i = 0; i < n->n_taps; i++) {
		cleanup_error struct vs_error *e = NULL;
		struct shim_tap *t = &n->taps[i];

		if (t->wired && net_unwire(t->iface.ifindex, t->name, &e) < 0)
			vs_warn("net", "%s", e->msg);
		vs_closep(&t->fd);
		t->fd = -1;
	}
	n->n_taps = 0;
	if (record != NULL && unlink(record) < 0 && errno != ENOENT)
		vs_warn("net", "cannot remove `%s`: %s", record, strerror(errno));
	if (n->runtime_ns >= 0) {
		if (setns(n->runtime_ns, CLONE_NEWNET) < 0)
			vs_warn("net", "cannot return to the runtime's network namespace: %s",
				strerror(errno));
		hooks_set_netns(-1);
		close(n->runtime_ns);
		n->runtime_ns = -1;
	}
	free(n->state_dir);
	n->state_dir = NULL;
}

/* Removes the redirect of one recorded interface, if it is still the one that was wired. */
static void unwire_recorded(const char *ns, yajl_val entry)
{
	const char *name_path[] = { "name", NULL }, *index_path[] = { "ifindex", NULL };
	yajl_val name = yajl_tree_get(entry, name_path, yajl_t_string);
	yajl_val index = yajl_tree_get(entry, index_path, yajl_t_number);
	cleanup_error struct vs_error *e = NULL;
	char now[IF_NAMESIZE];
	long long i;

	if (name == NULL || index == NULL || !YAJL_IS_INTEGER(index))
		return;
	i = YAJL_GET_INTEGER(index);
	if (i <= 0 || i > INT32_MAX || if_indextoname((unsigned int)i, now) == NULL ||
	    strcmp(now, name->u.string) != 0) {
		vs_debug("net", "interface `%s` of `%s` is gone: nothing to unwire", name->u.string,
			 ns);
		return;
	}
	if (net_redirect_del((int)i, &e) < 0)
		vs_warn("net", "interface `%s` of network namespace `%s`: %s", now, ns, e->msg);
	else
		vs_debug("net", "interface `%s` of `%s` is as it was", now, ns);
}

void shim_network_cleanup(const char *state_dir)
{
	cleanup_free char *path = record_path(state_dir), *text = NULL;
	cleanup_error struct vs_error *e = NULL;
	cleanup_close int self = -1, target = -1;
	const char *ns_path[] = { "namespace", NULL }, *list_path[] = { "interfaces", NULL };
	yajl_val root, ns, list;
	char why[128];

	if (access(path, F_OK) < 0)
		return;
	if (vs_read_file(path, RECORD_MAX_SIZE, &text, NULL, &e) < 0) {
		vs_warn("net", "%s", e->msg);
		return;
	}
	root = yajl_tree_parse(text, why, sizeof(why));
	ns = yajl_tree_get(root, ns_path, yajl_t_string);
	list = yajl_tree_get(root, list_path, yajl_t_array);
	if (ns == NULL || list == NULL) {
		vs_warn("net", "`%s` is not a record of the network: left as it is", path);
		yajl_tree_free(root);
		return;
	}
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	target = net_ns_open(ns->u.string, &e);
	if (self < 0 || target < 0 || net_ns_enter(target, &e) < 0) {
		vs_debug("net", "network namespace `%s` is gone: nothing to unwire (%s)",
			 ns->u.string, e != NULL ? e->msg : strerror(errno));
	} else {
		for (size_t i = 0; i < list->u.array.len; i++)
			unwire_recorded(ns->u.string, list->u.array.values[i]);
		if (setns(self, CLONE_NEWNET) < 0)
			vs_warn("net", "cannot return to the runtime's network namespace: %s",
				strerror(errno));
	}
	yajl_tree_free(root);
	unlink(path);
}
