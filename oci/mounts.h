/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How config.json's mounts reach the VM, and the volumes on the host.
 *
 * Every bind mount of a host directory or file (a volume) travels through
 * one 9p share, whatever their number: a tmpfs at STATE/vol holding one
 * entry per volume, named by its index in config.json's mounts
 * (oci_volume_entry()), onto which its source is bind-mounted (a directory
 * on a directory, a file on an empty file).  The guest agent mounts that
 * share once and bind-mounts each entry onto its destination.
 *
 * The tmpfs and its mounts belong to the mount namespace of the caller, a
 * private one of the monitor's that QEMU inherits (shim/vm.c): nothing is
 * mounted in the host's namespace, and the whole tree goes with the
 * monitor and QEMU, even when they are killed.  On the host every entry is
 * nosuid and nodev, and a read-only mount is read-only (recursively, for
 * rbind): QEMU itself cannot write through it, whatever the guest asks.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "oci/spec.h"

/* Volumes of one container, at most: each is a mount in the monitor's namespace and the guest's. */
#define OCI_MAX_VOLUMES 1024u

/* Longest entry name oci_volume_entry() writes, with its NUL: up to 20 digits. */
#define OCI_VOLUME_ENTRY_MAX 24

/* The name of mounts[index]'s entry in the volume share: "<index>". */
static inline void oci_volume_entry(char *buf, size_t size, size_t index)
{
	snprintf(buf, size, "%zu", index);
}

enum oci_mount_kind {
	/*
	 * Mounted by the guest on its own: proc, sysfs, tmpfs, devpts, mqueue,
	 * cgroup, cgroup2, and bind mounts of the host's /proc, /sys and /dev
	 * (the guest binds its own instead).  No volume.
	 */
	OCI_MOUNT_GUEST,
	OCI_MOUNT_VOLUME, /* bind mount of a host directory or regular file */
};

/* True when the mount is a bind mount: type "bind", or options with "bind" or "rbind". */
bool oci_mounts_is_bind(const struct oci_mount *m);
/* True when options say "ro" (the last of "ro" and "rw" wins). */
bool oci_mounts_is_readonly(const struct oci_mount *m);

/*
 * Classifies spec->mounts[i], looking at the host file system for bind
 * mounts (a volume's source must be a directory or a regular file).
 * *source gets the absolute host path of a volume's source (a new string)
 * and NULL otherwise.  Errors name the mount:
 * `mounts[3].type: unsupported mount type "nfs"`.
 */
int oci_mounts_classify(const struct oci_spec *spec, size_t i, const char *bundle,
			enum oci_mount_kind *kind, char **source, struct vs_error **err);
/* Every mount classified, and at most OCI_MAX_VOLUMES volumes. */
int oci_mounts_check(const struct oci_spec *spec, const char *bundle, struct vs_error **err);

/*
 * Makes the directory dir (which must not exist), mounts the volumes'
 * tmpfs on it and each volume of spec in it, in the caller's mount
 * namespace (CAP_SYS_ADMIN there).  On failure nothing stays mounted and
 * dir is gone.
 */
int oci_mounts_volumes_build(const struct oci_spec *spec, const char *bundle, const char *dir,
			     struct vs_error **err);
/*
 * Detaches the volumes at dir (they go once QEMU lets go of them) and
 * removes dir; nothing there is success.
 */
int oci_mounts_volumes_release(const char *dir, struct vs_error **err);
