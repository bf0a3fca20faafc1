/* SPDX-License-Identifier: Apache-2.0 */
#include "common/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define CGROUP_ROOT	     "/sys/fs/cgroup"
#define CGROUP2_SUPER_MAGIC_ 0x63677270
#define MAX_HIERARCHIES	     16

enum vs_cgroup_version vs_cgroup_host_version(void)
{
	struct statfs st;

	return statfs(CGROUP_ROOT, &st) == 0 && (unsigned long)st.f_type == CGROUP2_SUPER_MAGIC_
		   ? VS_CGROUP_V2
		   : VS_CGROUP_V1;
}

void vs_cgroup_clear(struct vs_cgroup *cg)
{
	free(cg->path);
	for (size_t i = 0; i < cg->n_dirs; i++)
		free(cg->dirs[i]);
	free(cg->dirs);
	*cg = (struct vs_cgroup){ 0 };
}

/* A cgroupsPath: non-empty, no "." or ".." component. */
static int check_path(const char *path, struct vs_error **err)
{
	cleanup_free char *copy = vs_xstrdup(path);
	char *save = NULL;

	if (path[0] == '\0')
		return vs_error_set(err, 0, "linux.cgroupsPath: must not be empty");
	for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return vs_error_set(err, 0,
					    "linux.cgroupsPath: \"%s\" has a \".\" or \"..\" "
					    "component",
					    path);
	return 0;
}

/* base/path without doubled slashes. */
static char *join(const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 1 && base[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	return vs_xasprintf("%.*s/%s", (int)n, base, path);
}

static void add_dir(struct vs_cgroup *cg, char *dir)
{
	cg->dirs = vs_xrealloc(cg->dirs, (cg->n_dirs + 1) * sizeof(char *));
	cg->dirs[cg->n_dirs++] = dir;
}

/*
 * The cgroup of process pid (0: this one) in the hierarchy whose controllers
 * are ctrls ("" for the unified one), from /proc/PID/cgroup; "/" when it is
 * not found.
 */
static char *cgroup_of(pid_t pid, const char *ctrls)
{
	cleanup_free char *file =
	    pid > 0 ? vs_xasprintf("/proc/%d/cgroup", (int)pid) : vs_xstrdup("/proc/self/cgroup");
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (vs_read_file(file, 1 << 16, &text, NULL, NULL) < 0)
		return vs_xstrdup("/");
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c2 == NULL)
			continue;
		*c2 = '\0';
		if (strcmp(c1 + 1, ctrls) == 0)
			return vs_xstrdup(c2 + 1);
	}
	return vs_xstrdup("/");
}

/*
 * Where a cgroup lives in the hierarchy mounted at mnt with controllers
 * ctrls: cgroups_path from the root when absolute, else from the cgroup of
 * process of (0: this one); with cgroups_path NULL, of's own cgroup.
 */
static char *locate(const char *mnt, const char *ctrls, const char *cgroups_path, pid_t of)
{
	if (cgroups_path != NULL && cgroups_path[0] == '/')
		return join(mnt, cgroups_path);

	cleanup_free char *at = cgroup_of(of, ctrls);
	cleanup_free char *base = join(mnt, at);

	return cgroups_path != NULL ? join(base, cgroups_path) : vs_xstrdup(base);
}

int vs_cgroup_open_at(const char *root, enum vs_cgroup_version version, const char *cgroups_path,
		      struct vs_cgroup *cg, struct vs_error **err)
{
	if (check_path(cgroups_path, err) < 0)
		return -1;
	*cg = (struct vs_cgroup){ .version = version, .path = vs_xstrdup(cgroups_path) };
	add_dir(cg, join(root, cgroups_path));
	return 0;
}

/*
 * One cgroup hierarchy of /proc/self/mountinfo's line: its mount point and
 * the controllers named in its options (in /proc/self/cgroup's spelling);
 * 0 when the line is not a cgroup mount.
 */
static int parse_mount(char *line, char **mnt, char **ctrls, bool *v2)
{
	char *fields[10], *save = NULL, *sep = strstr(line, " - ");
	size_t n = 0;

	if (sep == NULL)
		return 0;
	*sep = '\0';
	for (char *f = strtok_r(line, " ", &save); f != NULL && n < 10;
	     f = strtok_r(NULL, " ", &save))
		fields[n++] = f;
	if (n < 5)
		return 0;
	char *type = strtok_r(sep + 3, " ", &save), *source = strtok_r(NULL, " ", &save);
	char *opts = strtok_r(NULL, " ", &save);

	if (type == NULL || source == NULL || opts == NULL)
		return 0;
	*mnt = fields[4];
	*v2 = strcmp(type, "cgroup2") == 0;
	if (*v2) {
		*ctrls = vs_xstrdup("");
		return 1;
	}
	if (strcmp(type, "cgroup") != 0)
		return 0;
	/* The options that name controllers (or name=X), in the kernel's order. */
	static const char *const not_controllers[] = {
		"rw",	 "ro",	   "relatime",	     "noatime",	 "nosuid",
		"nodev", "noexec", "clone_children", "noprefix", "xattr"
	};
	cleanup_strv struct vs_strv picked = { 0 };
	for (char *o = strtok_r(opts, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
		bool skip = strncmp(o, "release_agent=", 14) == 0;

		for (size_t i = 0; i < VS_ARRAY_SIZE(not_controllers) && !skip; i++)
			skip = strcmp(o, not_controllers[i]) == 0;
		if (!skip)
			vs_strv_push(&picked, o);
	}
	*ctrls = vs_strv_join(&picked, ",");
	return 1;
}

/* vs_cgroup_open() and vs_cgroup_open_of(): see locate(). */
static int open_hierarchies(const char *cgroups_path, pid_t of, struct vs_cgroup *cg,
			    struct vs_error **err)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	*cg = (struct vs_cgroup){ .version = vs_cgroup_host_version(),
				  .path = vs_xstrdup(cgroups_path ? cgroups_path : "") };
	if (cg->version == VS_CGROUP_V2) {
		add_dir(cg, locate(CGROUP_ROOT, "", cgroups_path, of));
		return 0;
	}
	if (vs_read_file("/proc/self/mountinfo", 1 << 20, &text, NULL, err) < 0) {
		vs_cgroup_clear(cg);
		return -1;
	}
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *mnt = NULL, *ctrls = NULL;
		bool v2 = false;

		if (parse_mount(line, &mnt, &ctrls, &v2) == 0 ||
		    strncmp(mnt, CGROUP_ROOT, strlen(CGROUP_ROOT)) != 0) {
			free(ctrls);
			continue;
		}
		if (cg->n_dirs == MAX_HIERARCHIES) {
			free(ctrls);
			vs_cgroup_clear(cg);
			return vs_error_set(err, 0, "more than %d cgroup hierarchies are mounted",
					    MAX_HIERARCHIES);
		}
		add_dir(cg, locate(mnt, ctrls, cgroups_path, of));
		free(ctrls);
	}
	if (cg->n_dirs == 0) {
		vs_cgroup_clear(cg);
		return vs_error_set(err, 0, "no cgroup hierarchy is mounted under %s", CGROUP_ROOT);
	}
	return 0;
}

int vs_cgroup_open(const char *cgroups_path, struct vs_cgroup *cg, struct vs_error **err)
{
	if (check_path(cgroups_path, err) < 0)
		return -1;
	return open_hierarchies(cgroups_path, 0, cg, err);
}

int vs_cgroup_open_of(pid_t pid, struct vs_cgroup *cg, struct vs_error **err)
{
	cleanup_free char *file = vs_xasprintf("/proc/%d/cgroup", (int)pid);

	/* Not the root's "/" for a process that is gone. */
	if (pid <= 0 || access(file, R_OK) < 0)
		return vs_error_set(err, pid <= 0 ? EINVAL : errno,
				    "cannot find the cgroups of process %d", (int)pid);
	return open_hierarchies(NULL, pid, cg, err);
}

/* Writes text into dir/name; -1 with errno. */
static int write_file(const char *dir, const char *name, const char *text)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", dir, name);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	return vs_write_all(fd, text, strlen(text));
}

static bool has_file(const char *dir, const char *name)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", dir, name);

	return access(path, F_OK) == 0;
}

/* v1's cpuset takes no task until cpus and mems are set: a new level gets its parent's. */
static int init_cpuset(const char *dir, const char *parent, struct vs_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < VS_ARRAY_SIZE(files); i++) {
		cleanup_free char *from = vs_xasprintf("%s/%s", parent, files[i]);
		cleanup_free char *value = NULL;

		if (vs_read_file(from, 4096, &value, NULL, err) < 0)
			return -1;
		value[strcspn(value, "\n")] = '\0';
		if (write_file(dir, files[i], value) < 0)
			return vs_error_set(err, errno, "cannot set `%s/%s`", dir, files[i]);
	}
	return 0;
}

/* One level of a cgroup, made like one: in v1's cpuset, with its parent's cpus and mems. */
static int make_level(const struct vs_cgroup *cg, const char *path, struct vs_error **err)
{
	if (mkdir(path, 0755) < 0)
		return errno == EEXIST
			   ? 0
			   : vs_error_set(err, errno, "cannot create cgroup `%s`", path);
	if (cg->version == VS_CGROUP_V1 && has_file(path, "cpuset.cpus")) {
		cleanup_free char *parent = vs_xstrndup(path, (size_t)(strrchr(path, '/') - path));

		if (init_cpuset(path, parent, err) < 0)
			return -1;
	}
	return 0;
}

/* mkdir -p of dir below its hierarchy's mount point (which exists). */
static int make_dirs(const struct vs_cgroup *cg, const char *dir, struct vs_error **err)
{
	cleanup_free char *path = vs_xstrdup(dir);

	for (char *slash = strchr(path + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (access(path, F_OK) < 0 && make_level(cg, path, err) < 0)
			return -1;
		*slash = '/';
	}
	return make_level(cg, path, err);
}

/* v2: the controllers the limits need, switched on from the root down to dir's parent. */
static void enable_controllers(const char *dir)
{
	cleanup_free char *path = vs_xstrdup(dir);
	size_t root = strlen(CGROUP_ROOT);

	for (char *slash = strchr(path + root, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (has_file(path, "cgroup.subtree_control")) {
			write_file(path, "cgroup.subtree_control", "+memory");
			write_file(path, "cgroup.subtree_control", "+cpu");
			write_file(path, "cgroup.subtree_control", "+pids");
		}
		*slash = '/';
	}
}

static int set_limit(const char *dir, const char *name, const char *value, struct vs_error **err)
{
	if (!has_file(dir, name))
		return 0;
	vs_debug("cgroup", "%s/%s = %s", dir, name, value);
	if (write_file(dir, name, value) < 0)
		return vs_error_set(err, errno, "cannot set `%s/%s` to %s", dir, name, value);
	return 0;
}

static int set_limits(const char *dir, const struct vs_cgroup_limits *l, struct vs_error **err)
{
	char value[64];

	if (l->memory_bytes > 0) {
		snprintf(value, sizeof(value), "%llu", (unsigned long long)l->memory_bytes);
		if (set_limit(dir, "memory.limit_in_bytes", value, err) < 0 ||
		    set_limit(dir, "memory.max", value, err) < 0)
			return -1;
	}
	if (l->cpu_quota_us > 0) {
		uint64_t period = l->cpu_period_us > 0 ? l->cpu_period_us : 100000;

		snprintf(value, sizeof(value), "%llu", (unsigned long long)period);
		if (set_limit(dir, "cpu.cfs_period_us", value, err) < 0)
			return -1;
		snprintf(value, sizeof(value), "%llu", (unsigned long long)l->cpu_quota_us);
		if (set_limit(dir, "cpu.cfs_quota_us", value, err) < 0)
			return -1;
		snprintf(value, sizeof(value), "%llu %llu", (unsigned long long)l->cpu_quota_us,
			 (unsigned long long)period);
		if (set_limit(dir, "cpu.max", value, err) < 0)
			return -1;
	}
	return 0;
}

int vs_cgroup_create(const struct vs_cgroup *cg, const struct vs_cgroup_limits *limits,
		     struct vs_error **err)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		if (cg->version == VS_CGROUP_V2)
			enable_controllers(cg->dirs[i]);
		if (make_dirs(cg, cg->dirs[i], err) < 0 ||
		    (limits != NULL && set_limits(cg->dirs[i], limits, err) < 0))
			return vs_error_prefix(err, "linux.cgroupsPath `%s`", cg->path);
	}
	return 0;
}

int vs_cgroup_join(const struct vs_cgroup *cg, pid_t pid, struct vs_error **err)
{
	char text[32];

	snprintf(text, sizeof(text), "%d", (int)(pid > 0 ? pid : getpid()));
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (write_file(cg->dirs[i], "cgroup.procs", text) < 0)
			return vs_error_set(err, errno, "cannot move process %s into cgroup `%s`",
					    text, cg->dirs[i]);
	return 0;
}

/* Whether dir's cgroup.procs lists pid (a decimal string). */
static bool holds(const char *dir, const char *pid)
{
	cleanup_free char *path = vs_xasprintf("%s/cgroup.procs", dir);
	cleanup_free char *procs = NULL;
	char *save = NULL;

	if (vs_read_file(path, 1 << 20, &procs, NULL, NULL) < 0)
		return false;
	for (char *line = strtok_r(procs, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strcmp(line, pid) == 0)
			return true;
	return false;
}

int vs_cgroup_leave(const struct vs_cgroup *cg, struct vs_error **err)
{
	char text[32];

	snprintf(text, sizeof(text), "%d", (int)getpid());
	for (size_t i = 0; i < cg->n_dirs; i++) {
		cleanup_free char *parent =
		    vs_xstrndup(cg->dirs[i], (size_t)(strrchr(cg->dirs[i], '/') - cg->dirs[i]));

		if (!holds(cg->dirs[i], text))
			continue;
		if (write_file(parent, "cgroup.procs", text) < 0)
			return vs_error_set(err, errno, "cannot move process %s into cgroup `%s`",
					    text, parent);
	}
	return 0;
}

int vs_cgroup_remove(const struct vs_cgroup *cg, int timeout_ms, struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (size_t i = 0; i < cg->n_dirs; i++) {
		while (rmdir(cg->dirs[i]) < 0 && errno != ENOENT) {
			struct timespec pause = { .tv_nsec = 10000000 };

			if (errno != EBUSY || vs_now_ns() >= deadline)
				return vs_error_set(err, errno, "cannot remove cgroup `%s`",
						    cg->dirs[i]);
			nanosleep(&pause, NULL);
		}
	}
	return 0;
}
