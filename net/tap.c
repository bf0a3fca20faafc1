/* SPDX-License-Identifier: Apache-2.0 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "net/link.h"
#include "net/nl.h"

#define TUN_PATH "/dev/net/tun"

int net_tap_create(const char *name, unsigned int mtu, int *ifindex, struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };
	cleanup_close int fd = -1;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL };
	int hdr_len = NET_VNET_HDR_LEN;
	unsigned int index;

	/* The kernel would replace a %d by a number: the caller could not find its tap. */
	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ || strchr(name, '%'))
		return vs_error_code(err, EINVAL,
				     "tap name `%s` is not 1 to %d characters without %%",
				     name != NULL ? name : "", IFNAMSIZ - 1);
	if (mtu < 68 || mtu > 65535)
		return vs_error_code(err, EINVAL, "MTU %u of tap `%s` is outside 68-65535", mtu,
				     name);
	fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot open `%s` to create tap `%s`", TUN_PATH,
				    name);
	strcpy(ifr.ifr_name, name);
	/* IFF_TUN_EXCL: never attach to an existing device of that name. */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return vs_error_set(err, errno, "cannot create tap `%s`", name);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)
		return vs_error_set(err, errno, "cannot set the virtio-net header size of tap `%s`",
				    name);
	index = if_nametoindex(name);
	if (index == 0)
		return vs_error_set(err, errno, "cannot find the index of tap `%s`", name);
	if (net_nl_open(&nl, err) < 0 || net_link_set_mtu(&nl, (int)index, mtu, err) < 0 ||
	    net_link_up(&nl, (int)index, err) < 0)
		return vs_error_prefix(err, "cannot set up tap `%s`", name);
	vs_debug("net", "tap `%s` (index %u, MTU %u) is up on descriptor %d", name, index, mtu, fd);
	if (ifindex != NULL)
		*ifindex = (int)index;
	return steal_fd(&fd);
}
