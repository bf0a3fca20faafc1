/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's file system tree, built inside the init process's new
 * mount namespace before pivot_root: the root share, config.json's mounts
 * in order, /dev, maskedPaths and readonlyPaths.
 *
 * Every destination is resolved inside the root (resolve.c), so a symbolic
 * link in the image cannot point a mount outside it, and mounts go onto
 * /proc/self/fd/N of the resolved descriptor.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "guest/proto/host.h"
#include "oci/spec.h"

/*
 * How the guest mounts a 9p share (QEMU's virtio-9p-device).  cache=mmap
 * reads through to the host on every access, so the container sees changes
 * made on the host at once.  A read-only root is mounted cache=loose: the
 * guest keeps what it read (file data, attributes, directory entries) in its
 * own page and dentry caches, so starting a program reads its pages over 9p
 * once and later lookups do not leave the guest.  The trade-off: a change
 * made on the host to a read-only root while the container runs may not be
 * seen inside it until the container is started again.
 */
#define AGENT_9P_OPTIONS	"trans=virtio,version=9p2000.L,msize=512000,cache=mmap"
#define AGENT_9P_OPTIONS_CACHED "trans=virtio,version=9p2000.L,msize=512000,cache=loose"

struct agent_mounts_ctx {
	bool vm;			/* shares are 9p; else binds of SHARE_DIR/TAG */
	const char *share_dir;		/* test mode */
	const char *stage_dir;		/* file shares are mounted under STAGE_DIR/TAG */
	const struct proto_bind *binds; /* mounts[] entries that arrive as shares */
	size_t n_binds;
	const char *cached_tag; /* the share mounted cache=loose (a read-only root), or NULL */
};

/*
 * Mounts share tag on target with MS_* flags (read-only, nosuid, ...).  In
 * the test mode the share is a bind mount and the flags come with a remount
 * of target, which must then be a path (not /proc/self/fd/N).
 */
int agent_mounts_share(const struct agent_mounts_ctx *ctx, const char *tag, const char *target,
		       unsigned long flags, struct vs_error **err);

/*
 * config.json's mounts under rootfd in order, and /dev: a tmpfs with
 * devpts and /dev/shm when the config does not mount /dev, the device
 * nodes and links of devices.c unless /dev is a bind mount.
 */
int agent_mounts_apply(const struct agent_mounts_ctx *ctx, int rootfd, const struct oci_spec *spec,
		       struct vs_error **err);

/* maskedPaths and readonlyPaths; paths that do not exist are skipped. */
int agent_mounts_mask(int rootfd, const char *path, struct vs_error **err);
int agent_mounts_readonly(int rootfd, const char *path, struct vs_error **err);

/* Makes rootfs the root of the mount namespace; the old root is detached. */
int agent_mounts_pivot(const char *rootfs, struct vs_error **err);
/* After pivot: root.readonly and linux.rootfsPropagation. */
int agent_mounts_finish_root(const struct oci_spec *spec, struct vs_error **err);
