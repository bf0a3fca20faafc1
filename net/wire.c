/* SPDX-License-Identifier: Apache-2.0 */
#include "net.h"

#include <errno.h>
#include <net/if.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "net/link.h"
#include "net/nl.h"

int net_wire(const struct net_iface *iface, const char *tap_name, struct vs_error **err)
{
	cleanup_close int fd = -1;
	int tap = 0;

	vs_debug("net", "wiring interface `%s` (index %d) to tap `%s`", iface->name, iface->ifindex,
		 tap_name);
	fd = net_tap_create(tap_name, iface->mtu, &tap, err);
	if (fd < 0)
		return vs_error_prefix(err, "cannot wire interface `%s` to a VM", iface->name);
	if (net_join(iface, tap, err) < 0)
		return vs_error_prefix(err, "cannot wire interface `%s` to tap `%s`", iface->name,
				       tap_name);
	return steal_fd(&fd); /* the caller (QEMU's -netdev tap,fd=N) owns the tap from here */
}

int net_join(const struct net_iface *iface, int tap, struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };
	cleanup_error struct vs_error *undo = NULL;

	if (net_nl_open(&nl, err) < 0 || net_link_set_mtu(&nl, tap, iface->mtu, err) < 0 ||
	    net_redirect_add(iface->ifindex, tap, err) < 0)
		return -1;
	if (net_redirect_add(tap, iface->ifindex, err) < 0) {
		net_redirect_del(iface->ifindex, &undo);
		return -1;
	}
	return 0;
}

int net_unwire(int ifindex, const char *tap_name, struct vs_error **err)
{
	cleanup_error struct vs_error *later = NULL;
	unsigned int tap = if_nametoindex(tap_name);
	int lookup_errno = errno;
	int rc = net_redirect_del(ifindex, err);
	struct vs_error **tap_err = rc < 0 ? &later : err; /* the first failure wins */

	if (tap == 0 && lookup_errno != ENODEV)
		return vs_error_set(tap_err, lookup_errno, "cannot look up tap `%s`", tap_name);
	if (tap != 0 && net_redirect_del((int)tap, tap_err) < 0)
		return -1;
	return rc;
}
