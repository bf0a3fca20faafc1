/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json mount options, as mount(8) and runc read them: flags,
 * propagation, bind, and everything else passed on as file system data;
 * and the remount that sets a bind mount's flags.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct agent_mountopt {
	unsigned long flags;	   /* MS_* to set */
	unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE, | MS_REC */
	bool bind;		   /* "bind" or "rbind" */
	bool recursive;		   /* "rbind" */
	char *data;		   /* the other options joined with ',', NULL when none */
};

/*
 * Parses options (n of them) in order: a later option overrides an earlier
 * one ("ro" then "rw" is read-write).  Options of userspace helpers
 * ("x-...") are dropped.  Two propagation options are an error.
 */
int agent_mountopt_parse(char *const *options, size_t n, struct agent_mountopt *o,
			 struct vs_error **err);
void agent_mountopt_clear(struct agent_mountopt *o);

/* The flags a bind mount keeps when remounted: read-only, nosuid, nodev, noexec, atime. */
unsigned long agent_mountopt_bind_flags(unsigned long flags);
/* Sets flags on the bind mount at target (a bind mount takes them only by a remount). */
int agent_mountopt_remount(const char *target, unsigned long flags, const char *what,
			   struct vs_error **err);
