/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/network.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "guest/proto/json.h"

/* "a.b.c.d/nn" or an IPv6 address and its prefix, with the NUL. */
#define PREFIX_TEXT_MAX (INET6_ADDRSTRLEN + 4)

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Linux's dev_valid_name(), printable ASCII only, and no % (the kernel would number it). */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/' || s[i] == ':' || s[i] == '%')
			return false;
	return true;
}

static bool valid_mac(const uint8_t *m)
{
	static const uint8_t zero[6];

	return !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

static int check_iface(const struct proto_nic *nic, size_t i, struct vs_error **err)
{
	const struct net_iface *f = &nic->iface;

	if (!valid_ifname(f->name))
		return vs_error_set(err, 0, "network interface %zu: name `%s` is not valid", i,
				    f->name);
	if (!valid_mac(nic->device) || !valid_mac(f->mac))
		return vs_error_set(
		    err, 0, "network interface `%s`: a MAC address is multicast or zero", f->name);
	if (f->mtu < 68 || f->mtu > 65535)
		return vs_error_set(err, 0, "network interface `%s`: MTU %u is outside 68-65535",
				    f->name, f->mtu);
	if (f->n_addrs > NET_MAX_ADDRS || f->n_routes > NET_MAX_ROUTES)
		return vs_error_set(
		    err, 0, "network interface `%s` has more than %d addresses or %d routes",
		    f->name, NET_MAX_ADDRS, NET_MAX_ROUTES);
	for (size_t a = 0; a < f->n_addrs; a++) {
		size_t len = family_len(f->addrs[a].family);

		if (len == 0 || f->addrs[a].prefix > len * 8)
			return vs_error_set(err, 0,
					    "network interface `%s`: address %zu is not an IPv4 or "
					    "IPv6 address with a prefix length that fits",
					    f->name, a);
	}
	for (size_t r = 0; r < f->n_routes; r++) {
		size_t len = family_len(f->routes[r].family);

		if (len == 0 || f->routes[r].prefix > len * 8)
			return vs_error_set(err, 0,
					    "network interface `%s`: route %zu is not an IPv4 or "
					    "IPv6 route with a prefix length that fits",
					    f->name, r);
	}
	return 0;
}

int proto_network_check(const struct proto_network *net, struct vs_error **err)
{
	if (net->n > NET_MAX_IFACES)
		return vs_error_set(err, 0, "more than %d network interfaces", NET_MAX_IFACES);
	for (size_t i = 0; i < net->n; i++) {
		if (check_iface(&net->nics[i], i, err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (memcmp(net->nics[i].device, net->nics[j].device, 6) == 0 ||
			    strcmp(net->nics[i].iface.name, net->nics[j].iface.name) == 0)
				return vs_error_set(
				    err, 0,
				    "network interfaces `%s` and `%s` have the same "
				    "device or name",
				    net->nics[j].iface.name, net->nics[i].iface.name);
		}
	}
	return 0;
}

/* Encoding. */

static void put_text(yajl_gen g, const char *key, const char *text)
{
	proto_json_put_string(g, key, text, strlen(text));
}

static void mac_text(char out[18], const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void prefix_text(char out[PREFIX_TEXT_MAX], int family, const uint8_t *addr,
			unsigned int prefix)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, ip, sizeof(ip));
	snprintf(out, PREFIX_TEXT_MAX, "%s/%u", ip, prefix);
}

static void put_route(yajl_gen g, const struct net_route *r)
{
	char text[PREFIX_TEXT_MAX];

	yajl_gen_map_open(g);
	prefix_text(text, r->family, r->dst, r->prefix);
	put_text(g, "to", text);
	if (r->has_gateway) {
		inet_ntop(r->family, r->gateway, text, sizeof(text));
		put_text(g, "via", text);
	}
	proto_json_put_int(g, "metric", r->metric);
	yajl_gen_map_close(g);
}

static void put_iface(yajl_gen g, const struct proto_nic *nic)
{
	const struct net_iface *f = &nic->iface;
	char text[PREFIX_TEXT_MAX];

	yajl_gen_map_open(g);
	mac_text(text, nic->device);
	put_text(g, "device", text);
	put_text(g, "name", f->name);
	mac_text(text, f->mac);
	put_text(g, "mac", text);
	proto_json_put_int(g, "mtu", f->mtu);
	proto_json_key(g, "addresses");
	yajl_gen_array_open(g);
	for (size_t a = 0; a < f->n_addrs; a++) {
		prefix_text(text, f->addrs[a].family, f->addrs[a].addr, f->addrs[a].prefix);
		proto_json_gen_string(g, text, strlen(text));
	}
	yajl_gen_array_close(g);
	proto_json_key(g, "routes");
	yajl_gen_array_open(g);
	for (size_t r = 0; r < f->n_routes; r++)
		put_route(g, &f->routes[r]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

void proto_network_put(yajl_gen g, const struct proto_network *net)
{
	proto_json_key(g, "interfaces");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < net->n; i++)
		put_iface(g, &net->nics[i]);
	yajl_gen_array_close(g);
}

/* Decoding: the rules are checked on the result, with proto_network_check(). */

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* "xx:xx:xx:xx:xx:xx", exactly. */
static bool parse_mac(const char *s, uint8_t *out)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* An IPv4 or IPv6 address; *family gets which. */
static bool parse_ip(const char *s, int *family, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

/* "ADDRESS/PREFIX", the prefix 1 to 3 digits. */
static bool parse_prefix(const char *s, int *family, uint8_t *addr, unsigned int *prefix)
{
	const char *slash = strchr(s, '/');
	char ip[INET6_ADDRSTRLEN];
	size_t digits;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip))
		return false;
	digits = strspn(slash + 1, "0123456789");
	if (digits == 0 || digits > 3 || slash[1 + digits] != '\0')
		return false;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	*prefix = (unsigned int)strtoul(slash + 1, NULL, 10);
	return parse_ip(ip, family, addr);
}

static int get_route(yajl_val v, const char *what, struct net_route *r, struct vs_error **err)
{
	const char *to = NULL, *via = NULL;
	long long metric = 0;
	int via_family = 0;

	if (!YAJL_IS_OBJECT(v))
		return vs_error_set(err, 0, "agent message %s: a route must be an object", what);
	if (proto_json_get_string(v, what, "to", true, PREFIX_TEXT_MAX, &to, err) < 0 ||
	    proto_json_get_string(v, what, "via", false, INET6_ADDRSTRLEN, &via, err) < 0 ||
	    proto_json_get_int(v, what, "metric", false, 0, UINT32_MAX, &metric, err) < 0)
		return -1;
	if (!parse_prefix(to, &r->family, r->dst, &r->prefix))
		return vs_error_set(err, 0, "agent message %s: route to `%s` is not ADDRESS/PREFIX",
				    what, to);
	if (via != NULL && (!parse_ip(via, &via_family, r->gateway) || via_family != r->family))
		return vs_error_set(err, 0,
				    "agent message %s: gateway `%s` of the route to `%s` is not an "
				    "address of its family",
				    what, via, to);
	r->has_gateway = via != NULL;
	r->metric = (uint32_t)metric;
	return 0;
}

static int get_iface(yajl_val v, const char *what, struct proto_nic *nic, struct vs_error **err)
{
	struct net_iface *f = &nic->iface;
	const char *device = NULL, *name = NULL, *mac = NULL;
	yajl_val addrs = NULL, routes = NULL;
	long long mtu;

	if (!YAJL_IS_OBJECT(v))
		return vs_error_set(err, 0, "agent message %s: an interface must be an object",
				    what);
	if (proto_json_get_string(v, what, "device", true, 17, &device, err) < 0 ||
	    proto_json_get_string(v, what, "name", true, IFNAMSIZ - 1, &name, err) < 0 ||
	    proto_json_get_string(v, what, "mac", true, 17, &mac, err) < 0 ||
	    proto_json_get_int(v, what, "mtu", true, 68, 65535, &mtu, err) < 0 ||
	    proto_json_get_array(v, what, "addresses", false, NET_MAX_ADDRS, &addrs, err) < 0 ||
	    proto_json_get_array(v, what, "routes", false, NET_MAX_ROUTES, &routes, err) < 0)
		return -1;
	strcpy(f->name, name);
	f->mtu = (unsigned int)mtu;
	if (!parse_mac(device, nic->device) || !parse_mac(mac, f->mac))
		return vs_error_set(err, 0, "agent message %s: a MAC address of `%s` is not valid",
				    what, name);
	for (size_t i = 0; addrs != NULL && i < addrs->u.array.len; i++) {
		struct net_addr *a = &f->addrs[f->n_addrs++];
		yajl_val s = addrs->u.array.values[i];

		if (!YAJL_IS_STRING(s) ||
		    !parse_prefix(s->u.string, &a->family, a->addr, &a->prefix))
			return vs_error_set(err, 0,
					    "agent message %s: an address of `%s` is not "
					    "ADDRESS/PREFIX",
					    what, name);
	}
	for (size_t i = 0; routes != NULL && i < routes->u.array.len; i++)
		if (get_route(routes->u.array.values[i], what, &f->routes[f->n_routes++], err) < 0)
			return -1;
	return 0;
}

int proto_network_decode(yajl_val obj, const char *what, struct proto_network *out,
			 struct vs_error **err)
{
	yajl_val list = NULL;

	*out = (struct proto_network){ .n = 0 };
	if (proto_json_get_array(obj, what, "interfaces", true, NET_MAX_IFACES, &list, err) < 0)
		return -1;
	out->nics = vs_xcalloc(list->u.array.len + 1, sizeof(*out->nics));
	for (size_t i = 0; i < list->u.array.len; i++) {
		if (get_iface(list->u.array.values[i], what, &out->nics[out->n++], err) < 0)
			goto fail;
	}
	if (proto_network_check(out, err) < 0) {
		vs_error_prefix(err, "agent message %s", what);
		goto fail;
	}
	return 1;
fail:
	proto_network_clear(out);
	return -1;
}

int proto_network_get(yajl_val obj, const char *what, const char *key, struct proto_network *out,
		      struct vs_error **err)
{
	yajl_val v = NULL;
	int r = proto_json_get_object(obj, what, key, false, &v, err);

	*out = (struct proto_network){ .n = 0 };
	return r <= 0 ? r : proto_network_decode(v, what, out, err);
}

void proto_network_clear(struct proto_network *net)
{
	free(net->nics);
	*net = (struct proto_network){ .n = 0 };
}
