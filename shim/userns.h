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

/* One line of a uid or gid map: inside the namespace, on the host. */
struct shim_userns_map {
	uid_t inside, host;
};

struct shim_userns {
	struct shim_userns_map uid, gid;
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
 * errors): linux.uidMappings and gidMappings when given, each one entry of
 * size 1 whose hostID is the caller's effective uid (gid), else the caller as
 * uid (gid) 0, as `runc spec --rootless` maps it.  Anything else would
 * need the set-user-ID newuidmap: an error saying so.
 */
int shim_userns_plan(const struct oci_spec *spec, const char *path, struct shim_userns *ns,
		     struct vs_error **err);

/*
 * Moves this process, which must have one thread, into a new user
 * namespace with ns's maps (setgroups denied, as the kernel requires of an
 * unprivileged writer).  It then has every capability there, over what
 * the namespace owns and the caller's own files.
 */
int shim_userns_enter(const struct shim_userns *ns, struct vs_error **err);
