/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How config.json's mounts reach the VM, and the staging of file bind
 * mounts on the host.
 *
 * A VM can share host directories only (9p), so a bind mount of a host file
 * goes through a staging directory: STATE/files/m<i>/ holds an empty file,
 * named like the source's last component, onto which the source is
 * bind-mounted; that directory is shared with tag m<i>.  The guest agent
 * mounts the share and bind-mounts m<i>/<name> onto the destination.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "oci/spec.h"

enum oci_mount_kind {
	/*
	 * Mounted by the guest on its own: proc, sysfs, tmpfs, devpts, mqueue,
	 * cgroup, cgroup2, and bind mounts of the host's /proc, /sys and /dev
	 * (the guest binds its own instead).  No device.
	 */
	OCI_MOUNT_GUEST,
	OCI_MOUNT_DIR,	/* bind mount of a host directory: a 9p share of it, tag m<i> */
	OCI_MOUNT_FILE, /* bind mount of a host file: a 9p share of STATE/files/m<i> */
};

/* True when the mount is a bind mount: type "bind", or options with "bind" or "rbind". */
bool oci_mounts_is_bind(const struct oci_mount *m);
/* True when options say "ro" (the last of "ro" and "rw" wins). */
bool oci_mounts_is_readonly(const struct oci_mount *m);

/*
 * Classifies spec->mounts[i], looking at the host file system for bind
 * mounts.  *source gets the absolute host path of a bind mount's source (a
 * new string) and NULL otherwise.  Errors name the mount:
 * `mounts[3].type: unsupported mount type "nfs"`.
 */
int oci_mounts_classify(const struct oci_spec *spec, size_t i, const char *bundle,
			enum oci_mount_kind *kind, char **source, struct vs_error **err);

/* The staging directory of mounts[i]: STATE/files/m<i> (a new string). */
char *oci_mounts_staging_dir(const char *state_dir, size_t i);
/* The name of the staged file: the last component of the mount's source. */
const char *oci_mounts_file_name(const char *source);

/*
 * Stages every file bind mount of spec under STATE/files (needs
 * CAP_SYS_ADMIN in the mount namespace QEMU will run in).  On failure
 * nothing stays staged.
 */
int oci_mounts_stage(const struct oci_spec *spec, const char *bundle, const char *state_dir,
		     struct vs_error **err);
/*
 * Undoes oci_mounts_stage(): unmounts whatever is mounted under STATE/files
 * and removes it.  Works from the directory alone (spec may be NULL), so it
 * also cleans up after a crash; nothing staged is success.
 */
int oci_mounts_unstage(const struct oci_spec *spec, const char *state_dir, struct vs_error **err);
