/* SPDX-License-Identifier: Apache-2.0 */
/* The container's root (rootfs.h). */
#include "guest/agent/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/resolve.h"
#include "oci/translate.h"

/*
 * The overlay's upper layer holds mount points and the directories above
 * them: no file data.  Its inodes bound it: OCI_MAX_VOLUMES and a few
 * thousand more mounts would not fill it.
 */
#define UPPER_TMPFS "mode=0700,size=1m,nr_inodes=16384"

/*
 * True when mounts[i] goes inside the destination of an earlier mount (or
 * of the default /dev): its mount point is that mount's business.
 */
static bool inside_earlier_mount(const struct oci_spec *spec, size_t i, bool default_dev)
{
	const char *dest = spec->mounts[i].destination;

	if (default_dev && agent_resolve_is_below(dest, "/dev"))
		return true;
	for (size_t j = 0; j < i; j++) {
		if (spec->mounts[j].destination != NULL &&
		    agent_resolve_is_below(dest, spec->mounts[j].destination))
			return true;
	}
	return false;
}

static bool missing(int rootfd, const char *path)
{
	cleanup_close int fd = agent_resolve_openat(rootfd, path, O_PATH);

	return fd < 0 && errno == ENOENT;
}

/* True when the root at rootfd lacks a mount point that mounts.c will need. */
static bool lacks_mount_point(int rootfd, const struct oci_spec *spec)
{
	bool default_dev = true;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (spec->mounts[i].destination != NULL &&
		    agent_resolve_same_path(spec->mounts[i].destination, "/dev"))
			default_dev = false;
	}
	if (default_dev && missing(rootfd, "/dev"))
		return true;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const char *dest = spec->mounts[i].destination;

		/* A destination that is not absolute is refused by mounts.c. */
		if (dest != NULL && dest[0] == '/' && !inside_earlier_mount(spec, i, default_dev) &&
		    missing(rootfd, dest)) {
			vs_debug("agent", "the read-only root lacks `%s`", dest);
			return true;
		}
	}
	return false;
}

/* An overlay over rootfs, its upper layer on a tmpfs at scratch, its root like the share's. */
static int overlay(const char *rootfs, const char *scratch, struct vs_error **err)
{
	cleanup_free char *upper = vs_xasprintf("%s/upper", scratch);
	cleanup_free char *work = vs_xasprintf("%s/work", scratch);
	cleanup_free char *data = NULL;
	struct stat st;

	if (stat(rootfs, &st) < 0)
		return vs_error_set(err, errno, "cannot access the root share at `%s`", rootfs);
	if (vs_mkdir_p(scratch, 0700, err) < 0)
		return -1;
	if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, UPPER_TMPFS) < 0)
		return vs_error_set(err, errno, "cannot mount a tmpfs on `%s`", scratch);
	if (mkdir(upper, 0700) < 0 || mkdir(work, 0700) < 0)
		return vs_error_set(err, errno, "cannot make the overlay's layers in `%s`",
				    scratch);
	/* The overlay's root is its upper layer's root directory. */
	if (chown(upper, st.st_uid, st.st_gid) < 0 || chmod(upper, st.st_mode & 07777) < 0)
		return vs_error_set(err, errno, "cannot give `%s` the root's owner and mode",
				    upper);
	data = vs_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", rootfs, upper, work);
	if (mount("overlay", rootfs, "overlay", 0, data) < 0)
		return vs_error_set(err, errno, "cannot put an overlay over the read-only root");
	return 0;
}

int agent_rootfs_mount(const struct agent_shares *s, const struct oci_spec *spec,
		       const char *rootfs, const char *scratch, struct vs_error **err)
{
	cleanup_close int rootfd = -1;

	if (agent_shares_mount(s, OCI_ROOTFS_TAG, rootfs, 0, err) < 0)
		return -1;
	if (!spec->root_readonly)
		return 0;
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vs_error_set(err, errno, "cannot open `%s`", rootfs);
	if (!lacks_mount_point(rootfd, spec))
		return 0;
	vs_debug("agent", "an overlay in memory over the read-only root, for its mount points");
	return overlay(rootfs, scratch, err);
}
