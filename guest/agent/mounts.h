/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's file system tree, built inside the init process's new
 * mount namespace before pivot_root, on the root share (shares.c):
 * config.json's mounts in order, /dev, maskedPaths and readonlyPaths; then
 * pivot_root and the root's own flags.
 *
 * Every destination is resolved inside the root (resolve.c), so a symbolic
 * link in the image cannot point a mount outside it, and mounts go onto
 * /proc/self/fd/N of the resolved descriptor.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "guest/agent/shares.h"
#include "guest/proto/host.h"
#include "oci/spec.h"

struct agent_mounts_ctx {
	const struct agent_shares *shares;
	const struct proto_bind *binds; /* mounts[] entries that are volumes (the volume share) */
	size_t n_binds;
};

/*
 * config.json's mounts under rootfd in order, and /dev: a tmpfs with
 * devpts and /dev/shm when the config does not mount /dev, the device
 * nodes and links of devices.c unless /dev is a bind mount.  Every mount
 * is checked before the first mount point is made.
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
