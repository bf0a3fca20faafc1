/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's root: the root share, mounted where the container's
 * tree is built.  A read-only root reaches the VM as a read-only share, so
 * a mount point it lacks cannot be made in it, and the host never makes
 * one there (runc makes them on the host before it remounts the root
 * read-only; vshim writes nothing into a read-only root).  Instead, when
 * one is missing, the agent puts an overlay over the share, whose upper
 * layer is a small tmpfs in guest memory: mounts.c makes the mount points
 * in it, and the root is remounted read-only after pivot_root
 * (agent_mounts_finish_root()), so the container cannot write to the
 * overlay either.  A writable root gets its mount points through 9p, as
 * runc makes them on the host, once every mount has been checked.
 */
#pragma once

#include "common/error.h"
#include "guest/agent/shares.h"
#include "oci/spec.h"

/*
 * Mounts the root share on rootfs, and the overlay over it when spec's
 * root is read-only and lacks a mount point; the overlay's upper layer
 * goes on a tmpfs mounted at scratch, a place the container never sees.
 */
int agent_rootfs_mount(const struct agent_shares *s, const struct oci_spec *spec,
		       const char *rootfs, const char *scratch, struct vs_error **err);
