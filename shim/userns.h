/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Without root: the user namespace the monitor makes for itself, so that it
 * may mount (the volumes, the container's view on the host) and QEMU may
 * give 9p files the guest's owners, with nothing but the caller's own
 * uid and gid in it.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/spec.h"

/* The most lines of a uid or gid map vshim writes (the kernel takes 340). */
#define SHIM_USERNS_MAX_MAPS 16

/* The maps of the monitor's user namespace. */
struct shim_userns {
	struct oci_id_mapping uid[SHIM_USERNS_MAX_MAPS], gid[SHIM_USERNS_MAX_MAPS];
	size_t n_uid, n_gid;
	/*
	 * The set-user-ID newuidmap and newgidmap write them (ids beyond the
	 * caller's own, from /etc/subuid and /etc/subgid); else this process.
	 */
	bool helpers;
};

/* vshim runs without root: not uid 0 of the host's user namespace nor of any other. */
bool shim_userns_rootless(void);

/* Whether this process made a user namespace with shim_userns_enter(). */
bool shim_userns_made(void);

/*
 * Whether this process is in a user namespace other than the host's (the
 * one rootless podman runs its runtime in, say).
 */
bool shim_userns_nested(void);

/* Whether err says the kernel refused for want of a right (EPERM, EACCES): root may need to. */
bool shim_userns_denied(const struct vs_error *err);

/*
 * The maps the monitor will write, from config.json (path names it in the
 * errors): linux.uidMappings and gidMappings when given, else the caller's
 * effective uid (gid) as 0, as `runc spec --rootless` maps it.  One entry
 * of size 1 for the caller's own id is written by the monitor itself;
 * anything else needs newuidmap and newgidmap (Debian package uidmap),
 * which check it against /etc/subuid and /etc/subgid.  The caller's own
 * ids must be mapped.
 */
int shim_userns_plan(const struct oci_spec *spec, const char *path, struct shim_userns *ns,
		     struct vs_error **err);

/*
 * Moves this process, which must have one thread, into a new user
 * namespace with ns's maps (written by itself with setgroups denied, as
 * the kernel requires of an unprivileged writer, or by newuidmap and
 * newgidmap run from a child forked before).  It then has every capability there, over what
 * the namespace owns and the caller's own files.
 */
int shim_userns_enter(const struct shim_userns *ns, struct vs_error **err);
