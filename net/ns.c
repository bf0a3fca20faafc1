/* SPDX-License-Identifier: Apache-2.0 */
#include "net.h"

#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/ns.h"
#include "net/link.h"
#include "net/nl.h"

int net_ns_open(const char *path, struct vs_error **err)
{
	return vs_ns_open(path, CLONE_NEWNET, err);
}

int net_ns_enter(int fd, struct vs_error **err)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return vs_error_set(err, errno, "cannot enter network namespace (descriptor %d)",
				    fd);
	return 0;
}

int net_ns_new(struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };
	unsigned int lo;

	if (unshare(CLONE_NEWNET) < 0)
		return vs_error_set(err, errno, "cannot create a network namespace");
	lo = if_nametoindex("lo");
	if (lo == 0)
		return vs_error_set(err, errno, "a new network namespace has no `lo`");
	if (net_nl_open(&nl, err) < 0 || net_link_up(&nl, (int)lo, err) < 0)
		return vs_error_prefix(err, "cannot bring up `lo` in a new network namespace");
	return 0;
}
