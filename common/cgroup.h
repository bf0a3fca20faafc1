/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's host cgroup (config.json's linux.cgroupsPath), the cgroupfs
 * way: the directories made in every hierarchy, the limits that bound the
 * container's host processes (for vshim: the monitor, QEMU and the
 * container's pid handle), the processes moved in, and the directories
 * removed once they are empty.
 *
 * cgroup v2 (one unified hierarchy at /sys/fs/cgroup) and v1 (a hierarchy
 * per controller, plus named ones like name=systemd, and the unified one
 * of a hybrid host at /sys/fs/cgroup/unified) are both handled.  An
 * absolute cgroupsPath is taken from each hierarchy's root, a relative one
 * from this process's own cgroup in it, as runc does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum vs_cgroup_version {
	VS_CGROUP_V1 = 1, /* also a hybrid host: v1 controllers, an empty unified hierarchy */
	VS_CGROUP_V2 = 2,
};

struct vs_cgroup_limits {
	uint64_t memory_bytes; /* 0: no limit */
	uint64_t cpu_quota_us; /* 0: no limit */
	uint64_t cpu_period_us;
};

struct vs_cgroup {
	enum vs_cgroup_version version;
	char *path;  /* as config.json gave it */
	char **dirs; /* one per hierarchy */
	size_t n_dirs;
};

/* What this host has: VS_CGROUP_V2 when /sys/fs/cgroup is cgroup2, else VS_CGROUP_V1. */
enum vs_cgroup_version vs_cgroup_host_version(void);

/*
 * Where cgroups_path lives in each of the host's hierarchies; nothing is
 * made yet.  A path with "." or ".." components is refused.
 */
int vs_cgroup_open(const char *cgroups_path, struct vs_cgroup *cg, struct vs_error **err);
/*
 * The cgroups process pid is in, in every hierarchy (for another process of
 * the container to join them); path is "".
 */
int vs_cgroup_open_of(pid_t pid, struct vs_cgroup *cg, struct vs_error **err);
/*
 * The same under a cgroup file system mounted at root (tests, or a host
 * whose hierarchies are elsewhere): one hierarchy, of version.
 */
int vs_cgroup_open_at(const char *root, enum vs_cgroup_version version, const char *cgroups_path,
		      struct vs_cgroup *cg, struct vs_error **err);

/* Makes the directories (and what v1's cpuset needs to take tasks) and writes the limits. */
int vs_cgroup_create(const struct vs_cgroup *cg, const struct vs_cgroup_limits *limits,
		     struct vs_error **err);
/* Moves pid (0: this process) into the cgroup, in every hierarchy. */
int vs_cgroup_join(const struct vs_cgroup *cg, pid_t pid, struct vs_error **err);
/*
 * Moves this process, where it is in the cgroup, into the parent of the
 * cgroup's directory (so that the cgroup can be removed).
 */
int vs_cgroup_leave(const struct vs_cgroup *cg, struct vs_error **err);
/*
 * Removes the directories, waiting up to timeout_ms for their processes to
 * be gone; directories already gone are fine.
 */
int vs_cgroup_remove(const struct vs_cgroup *cg, int timeout_ms, struct vs_error **err);
void vs_cgroup_clear(struct vs_cgroup *cg);
