/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's host cgroup (common/cgroup), on this host's real
 * hierarchies: made with its limits, a process moved in, removed once it is
 * empty.  Needs root; everything it makes is under /vshim-test-PID.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"

static char top[64];

static void setup(void)
{
	cr_assert_eq(geteuid(), 0, "these tests make cgroups: run them as root");
	snprintf(top, sizeof(top), "/vshim-test-%d", (int)getpid());
}

/* Whatever a failed test left: the leaves first, then the top. */
static void teardown(void)
{
	static const char *const leaves[] = { "ctr", "at", "" };

	for (size_t i = 0; i < VS_ARRAY_SIZE(leaves); i++) {
		cleanup_free char *path = vs_xasprintf("%s/%s", top, leaves[i]);
		struct vs_cgroup cg;

		if (vs_cgroup_open(path, &cg, NULL) == 0) {
			vs_cgroup_remove(&cg, 1000, NULL);
			vs_cgroup_clear(&cg);
		}
	}
}

TestSuite(cgroup, .init = setup, .fini = teardown, .timeout = 30);

static char *read_value(const char *dir, const char *name)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", dir, name);
	char *text = NULL;

	if (vs_read_file(path, 4096, &text, NULL, NULL) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/* The directory of cg in the hierarchy whose mount point is mnt, or NULL. */
static const char *dir_in(const struct vs_cgroup *cg, const char *mnt)
{
	size_t n = strlen(mnt);

	for (size_t i = 0; i < cg->n_dirs; i++)
		if (strncmp(cg->dirs[i], mnt, n) == 0 && cg->dirs[i][n] == '/')
			return cg->dirs[i];
	return NULL;
}

Test(cgroup, made_with_limits_joined_and_removed)
{
	cleanup_free char *path = vs_xasprintf("%s/ctr", top);
	struct vs_cgroup cg;
	struct vs_error *err = NULL;
	struct vs_cgroup_limits limits = {
		.memory_bytes = 256u << 20,
		.cpu_quota_us = 50000,
		.cpu_period_us = 100000,
	};
	pid_t child;
	int status;

	cr_assert_eq(vs_cgroup_open(path, &cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(vs_cgroup_create(&cg, &limits, &err), 0, "%s", err ? err->msg : "");
	for (size_t i = 0; i < cg.n_dirs; i++)
		cr_assert_eq(access(cg.dirs[i], F_OK), 0, "%s was not made", cg.dirs[i]);

	if (vs_cgroup_host_version() == VS_CGROUP_V2) {
		cleanup_free char *mem = read_value(cg.dirs[0], "memory.max");
		cleanup_free char *cpu = read_value(cg.dirs[0], "cpu.max");

		cr_assert_str_eq(mem, "268435456");
		cr_assert_str_eq(cpu, "50000 100000");
	} else {
		const char *memdir = dir_in(&cg, "/sys/fs/cgroup/memory");
		const char *cpudir = dir_in(&cg, "/sys/fs/cgroup/cpu");
		const char *cpusetdir = dir_in(&cg, "/sys/fs/cgroup/cpuset");

		cr_assert_not_null(memdir);
		cr_assert_not_null(cpudir);
		cleanup_free char *mem = read_value(memdir, "memory.limit_in_bytes");
		cleanup_free char *quota = read_value(cpudir, "cpu.cfs_quota_us");
		cleanup_free char *period = read_value(cpudir, "cpu.cfs_period_us");
		cr_assert_str_eq(mem, "268435456");
		cr_assert_str_eq(quota, "50000");
		cr_assert_str_eq(period, "100000");
		if (cpusetdir != NULL) {
			cleanup_free char *cpus = read_value(cpusetdir, "cpuset.cpus");
			cr_assert_str_neq(cpus, "", "cpuset.cpus left empty: no task could join");
		}
	}

	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		pause();
		_exit(0);
	}
	cr_assert_eq(vs_cgroup_join(&cg, child, &err), 0, "%s", err ? err->msg : "");
	for (size_t i = 0; i < cg.n_dirs; i++) {
		cleanup_free char *procs = read_value(cg.dirs[i], "cgroup.procs");
		char want[16];

		snprintf(want, sizeof(want), "%d", (int)child);
		cr_assert_str_eq(procs, want, "%s/cgroup.procs", cg.dirs[i]);
	}
	/* Found again from the process inside: the same directories, in the same order. */
	struct vs_cgroup of;
	cr_assert_eq(vs_cgroup_open_of(child, &of, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(of.n_dirs, cg.n_dirs);
	for (size_t i = 0; i < cg.n_dirs; i++)
		cr_assert_str_eq(of.dirs[i], cg.dirs[i]);
	vs_cgroup_clear(&of);
	/* Not removed while a process is in it. */
	cr_assert_eq(vs_cgroup_remove(&cg, 50, &err), -1);
	cr_assert_not_null(strstr(err->msg, "cannot remove cgroup"), "%s", err->msg);
	vs_error_release(&err);

	kill(child, SIGKILL);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert_eq(vs_cgroup_remove(&cg, 2000, &err), 0, "%s", err ? err->msg : "");
	for (size_t i = 0; i < cg.n_dirs; i++)
		cr_assert_neq(access(cg.dirs[i], F_OK), 0, "%s is still there", cg.dirs[i]);
	/* A process that is gone has no cgroups (not the root's). */
	cr_assert_eq(vs_cgroup_open_of(child, &of, &err), -1);
	cr_assert_not_null(strstr(err->msg, "cannot find the cgroups of process"), "%s", err->msg);
	vs_error_release(&err);
	/* Removing again is fine: delete may run twice. */
	cr_assert_eq(vs_cgroup_remove(&cg, 0, &err), 0, "%s", err ? err->msg : "");
	vs_cgroup_clear(&cg);
}

Test(cgroup, relative_paths_start_at_our_own_cgroup)
{
	cleanup_free char *own_line = NULL;
	struct vs_cgroup cg;
	struct vs_error *err = NULL;

	cr_assert_eq(vs_cgroup_open("vshim-relative", &cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_gt(cg.n_dirs, 0);
	for (size_t i = 0; i < cg.n_dirs; i++) {
		size_t n = strlen(cg.dirs[i]);

		cr_assert(n > 15 && strcmp(cg.dirs[i] + n - 15, "/vshim-relative") == 0, "%s",
			  cg.dirs[i]);
		cr_assert_eq(strncmp(cg.dirs[i], "/sys/fs/cgroup", 14), 0, "%s", cg.dirs[i]);
	}
	vs_cgroup_clear(&cg);
}

Test(cgroup, bad_paths)
{
	struct vs_cgroup cg;
	struct vs_error *err = NULL;

	cr_assert_eq(vs_cgroup_open("/a/../../etc", &cg, &err), -1);
	cr_assert_str_eq(err->msg,
			 "linux.cgroupsPath: \"/a/../../etc\" has a \".\" or \"..\" component");
	vs_error_release(&err);
	cr_assert_eq(vs_cgroup_open("", &cg, &err), -1);
	cr_assert_str_eq(err->msg, "linux.cgroupsPath: must not be empty");
	vs_error_release(&err);
}

/* One hierarchy given by its mount point: the unified one of this host, hybrid or not. */
Test(cgroup, one_hierarchy_at_a_root)
{
	const char *root =
	    vs_cgroup_host_version() == VS_CGROUP_V2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
	cleanup_free char *path = vs_xasprintf("%s/at", top);
	struct vs_cgroup cg;
	struct vs_error *err = NULL;

	cr_assert_eq(access(root, F_OK), 0, "no unified hierarchy at %s", root);
	cr_assert_eq(vs_cgroup_open_at(root, VS_CGROUP_V2, path, &cg, &err), 0);
	cr_assert_eq(cg.n_dirs, 1);
	cr_assert_eq(vs_cgroup_create(&cg, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(vs_cgroup_join(&cg, 0, &err), 0, "%s", err ? err->msg : "");
	/* Not while this process is in it; out into its parent, then it goes. */
	cr_assert_eq(vs_cgroup_remove(&cg, 20, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(vs_cgroup_leave(&cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(vs_cgroup_remove(&cg, 2000, &err), 0, "%s", err ? err->msg : "");
	vs_cgroup_clear(&cg);
	/* The same from the top, where this process is now. */
	cr_assert_eq(vs_cgroup_open_at(root, VS_CGROUP_V2, top, &cg, &err), 0);
	cr_assert_eq(vs_cgroup_leave(&cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(vs_cgroup_remove(&cg, 2000, &err), 0, "%s", err ? err->msg : "");
	vs_cgroup_clear(&cg);
}
