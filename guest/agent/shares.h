/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's shares as the guest mounts them: a share is a host directory
 * known by its tag, mounted over virtio-9p in the VM (QEMU's
 * virtio-9p-device) and, in the host test mode, bind-mounted from
 * SHARE_DIR/TAG.  The root share is mounted where the container's root is
 * built; the volume share is staged: mounted once at STAGE_DIR/TAG, a
 * place the container never sees, from where mounts.c binds each volume.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"

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

struct agent_shares {
	bool vm;		/* shares are 9p; else binds of SHARE_DIR/TAG */
	const char *share_dir;	/* test mode */
	const char *stage_dir;	/* staged shares are mounted under STAGE_DIR/TAG */
	const char *cached_tag; /* the share mounted cache=loose (a read-only root), or NULL */
};

/*
 * Mounts share tag on target with MS_* flags (read-only, nosuid, ...).  In
 * the test mode the share is a bind mount and the flags come with a remount
 * of target, which must then be a path (not /proc/self/fd/N).
 */
int agent_shares_mount(const struct agent_shares *s, const char *tag, const char *target,
		       unsigned long flags, struct vs_error **err);

/*
 * Mounts share tag at STAGE_DIR/TAG, without flags (each bind of it gets
 * its own), and returns that directory (a new string), or NULL.
 */
char *agent_shares_stage(const struct agent_shares *s, const char *tag, struct vs_error **err);
