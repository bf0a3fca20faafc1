/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Paths inside the container's root, before pivot_root: resolving them
 * (openat2 RESOLVE_IN_ROOT, so a symbolic link in the image cannot lead
 * outside the root), creating what is missing on the way, and comparing
 * them.  Used by mounts.c and devices.c; knows nothing of mounts.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"

enum agent_resolve_create {
	AGENT_RESOLVE_EXISTING, /* ENOENT is an error */
	AGENT_RESOLVE_DIR,	/* create missing directories */
	AGENT_RESOLVE_FILE,	/* create missing parents and an empty file */
};

/* openat2 of path inside rootfd with flags (O_CLOEXEC added); -1 with errno. */
int agent_resolve_openat(int rootfd, const char *path, int flags);

/* An O_PATH descriptor of path resolved inside rootfd. */
int agent_resolve_open(int rootfd, const char *path, enum agent_resolve_create create,
		       struct vs_error **err);

/* True when the two absolute paths name the same place ("/dev/" is "/dev"). */
bool agent_resolve_same_path(const char *a, const char *b);
/* True when absolute path is dir or below it, component by component ("/devices" is not). */
bool agent_resolve_is_below(const char *path, const char *dir);
