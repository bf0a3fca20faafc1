/* SPDX-License-Identifier: Apache-2.0 */
/* The nodes and links of the container's /dev (devices.h). */
#include "guest/agent/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "guest/agent/resolve.h"

static const struct {
	const char *name;
	unsigned int major, minor;
} default_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name, *target;
} default_links[] = {
	{ "fd", "/proc/self/fd" },	 { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

/* A node at dirfd/name, replacing whatever was there. */
static int make_node(int dirfd, const char *name, mode_t mode, dev_t dev, const char *what,
		     struct vs_error **err)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return vs_error_set(err, errno, "cannot replace `%s`", what);
	if (mknodat(dirfd, name, mode, dev) < 0)
		return vs_error_set(err, errno, "cannot create device `%s`", what);
	/* mknod honours the umask; the mode must be exactly the one asked for. */
	if (fchmodat(dirfd, name, mode & 07777, 0) < 0)
		return vs_error_set(err, errno, "cannot set the mode of `%s`", what);
	return 0;
}

/*
 * A device node is only as good as the kernel's driver behind it: a node of
 * a device the guest kernel lacks opens with ENODEV or ENXIO.  Every device
 * a driver registered is in /sys/dev/char or /sys/dev/block as MAJ:MIN
 * (misc devices such as /dev/fuse and /dev/net/tun too), so one missing
 * there is refused at create, naming it, instead of becoming a dead node.
 * When sysfs cannot say (not mounted, say), the node is made.
 */
static int check_guest_has(const struct oci_device *d, struct vs_error **err)
{
	const char *kind = d->type == 'b' ? "block" : "char";
	char path[64];

	if (d->type == 'p')
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/%s/%lld:%lld", kind, (long long)d->major,
		 (long long)d->minor);
	if (access(path, F_OK) == 0 || errno != ENOENT || access("/sys/dev", F_OK) < 0)
		return 0;
	if (d->type == 'b')
		return vs_error_code(err, ENODEV,
				     "the VM has no block device %lld:%lld for `%s`: the guest "
				     "kernel cannot provide it",
				     (long long)d->major, (long long)d->minor, d->path);
	return vs_error_code(err, ENODEV,
			     "the VM has no character device %lld:%lld for `%s`: the guest "
			     "kernel cannot provide it",
			     (long long)d->major, (long long)d->minor, d->path);
}

static int config_device(int rootfd, const struct oci_device *d, struct vs_error **err)
{
	cleanup_free char *parent = vs_xstrdup(d->path);
	cleanup_close int pfd = -1;
	char *slash = strrchr(parent, '/');
	mode_t type;

	switch (d->type) {
	case 'b':
		type = S_IFBLK;
		break;
	case 'p':
		type = S_IFIFO;
		break;
	default: /* 'c', 'u' */
		type = S_IFCHR;
		break;
	}
	if (slash == NULL || slash[1] == '\0')
		return vs_error_code(err, EINVAL, "invalid device path `%s`", d->path);
	if (check_guest_has(d, err) < 0)
		return -1;
	*slash = '\0';
	pfd = agent_resolve_open(rootfd, parent[0] ? parent : "/", AGENT_RESOLVE_DIR, err);
	if (pfd < 0)
		return -1;
	if (make_node(pfd, slash + 1, type | (d->has_mode ? d->file_mode & 07777 : 0666),
		      makedev((unsigned int)d->major, (unsigned int)d->minor), d->path, err) < 0)
		return -1;
	if ((d->has_uid || d->has_gid) &&
	    fchownat(pfd, slash + 1, d->has_uid ? d->uid : (uid_t)-1,
		     d->has_gid ? d->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
		return vs_error_set(err, errno, "cannot set the owner of `%s`", d->path);
	return 0;
}

int agent_devices_populate(int rootfd, int devfd, const struct oci_device *devices, size_t n,
			   struct vs_error **err)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(default_nodes); i++) {
		cleanup_free char *what = vs_xasprintf("/dev/%s", default_nodes[i].name);

		if (make_node(devfd, default_nodes[i].name, S_IFCHR | 0666,
			      makedev(default_nodes[i].major, default_nodes[i].minor), what,
			      err) < 0)
			return -1;
	}
	for (size_t i = 0; i < VS_ARRAY_SIZE(default_links); i++) {
		if (unlinkat(devfd, default_links[i].name, 0) < 0 && errno != ENOENT)
			return vs_error_set(err, errno, "cannot replace `/dev/%s`",
					    default_links[i].name);
		if (symlinkat(default_links[i].target, devfd, default_links[i].name) < 0)
			return vs_error_set(err, errno, "cannot create link `/dev/%s`",
					    default_links[i].name);
	}
	for (size_t i = 0; i < n; i++) {
		if (config_device(rootfd, &devices[i], err) < 0)
			return vs_error_prefix(err, "linux.devices[%zu]", i);
	}
	return 0;
}
