/* SPDX-License-Identifier: Apache-2.0 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "net/link.h"
#include "net/nl.h"

/* The name of a namespace type, as in /proc/PID/ns/. */
static const char *ns_type_name(int type)
{
	switch (type) {
	case CLONE_NEWNS:
		return "mnt";
	case CLONE_NEWCGROUP:
		return "cgroup";
	case CLONE_NEWUTS:
		return "uts";
	case CLONE_NEWIPC:
		return "ipc";
	case CLONE_NEWUSER:
		return "user";
	case CLONE_NEWPID:
		return "pid";
	case CLONE_NEWTIME:
		return "time";
	default:
		return "unknown";
	}
}

int net_ns_open(const char *path, struct vs_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return vs_error_set(err, errno, "cannot open network namespace `%s`", path);
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && errno == ENOTTY)
		return vs_error_set(err, EINVAL, "`%s` is not a namespace", path);
	if (type < 0)
		return vs_error_set(err, errno, "cannot tell the namespace type of `%s`", path);
	if (type != CLONE_NEWNET)
		return vs_error_set(err, EINVAL,
				    "`%s` is a namespace of type %s, not a network namespace", path,
				    ns_type_name(type));
	return steal_fd(&fd);
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
