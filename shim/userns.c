/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

static bool made;

bool shim_userns_made(void)
{
	return made;
}

bool shim_userns_nested(void)
{
	cleanup_free char *map = NULL;
	unsigned long inside, outside, count;

	/* The host's namespace maps every id to itself: "0 0 4294967295". */
	if (vs_read_file("/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
		return false;
	if (sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 ||
	    outside != 0 || count != 4294967295ul)
		return true;
	return strchr(map, '\n') != NULL && strchr(map, '\n')[1] != '\0';
}

bool shim_userns_rootless(void)
{
	return geteuid() != 0;
}

bool shim_userns_denied(const struct vs_error *err)
{
	return err != NULL && (err->errnum == EPERM || err->errnum == EACCES);
}

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"

/* Whether maps[0..n) map id (on the host). */
static bool maps_host_id(const struct oci_id_mapping *maps, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= maps[i].host_id && id - maps[i].host_id < maps[i].size)
			return true;
	return false;
}

static int plan_one(const struct oci_id_mapping *maps, size_t n, unsigned own, const char *path,
		    const char *key, struct oci_id_mapping *out, size_t *n_out, bool *helpers,
		    struct vs_error **err)
{
	if (n == 0) {
		out[0] = (struct oci_id_mapping){ .container_id = 0, .host_id = own, .size = 1 };
		*n_out = 1;
		return 0;
	}
	if (n > SHIM_USERNS_MAX_MAPS)
		return vs_error_code(
		    err, EINVAL, "%s: linux.%s: %zu entries; without root vshim maps at most %d",
		    path, key, n, SHIM_USERNS_MAX_MAPS);
	if (!maps_host_id(maps, n, own))
		return vs_error_code(err, EPERM,
				     "%s: linux.%s: without root your own id (%u) must be mapped",
				     path, key, own);
	memcpy(out, maps, n * sizeof(*maps));
	*n_out = n;
	if (!(n == 1 && maps[0].host_id == own && maps[0].size == 1))
		*helpers = true;
	return 0;
}

int shim_userns_plan(const struct oci_spec *spec, const char *path, struct shim_userns *ns,
		     struct vs_error **err)
{
	const struct oci_linux *l = spec->linux_;

	*ns = (struct shim_userns){ .helpers = false };
	if (plan_one(l ? l->uid_mappings : NULL, l ? l->n_uid_mappings : 0, geteuid(), path,
		     "uidMappings", ns->uid, &ns->n_uid, &ns->helpers, err) < 0 ||
	    plan_one(l ? l->gid_mappings : NULL, l ? l->n_gid_mappings : 0, getegid(), path,
		     "gidMappings", ns->gid, &ns->n_gid, &ns->helpers, err) < 0)
		return -1;
	if (ns->helpers && (access(NEWUIDMAP, X_OK) < 0 || access(NEWGIDMAP, X_OK) < 0))
		return vs_error_code(err, ENOENT,
				     "%s: linux.uidMappings, gidMappings: without root, ids beyond "
				     "your own are mapped by %s and %s (Debian package uidmap), "
				     "which are not installed",
				     path, NEWUIDMAP, NEWGIDMAP);
	return 0;
}

static int write_proc(const char *name, const char *text, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("/proc/self/%s", name);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || vs_write_all(fd, text, strlen(text)) < 0)
		return vs_error_set(err, errno, "cannot write `%s` of the new user namespace",
				    path);
	return 0;
}

/* In the helper child: tool PID inside host size..., with its output on stderr (a pipe). */
static int run_helper(const char *tool, pid_t pid, const struct oci_id_mapping *maps, size_t n)
{
	char *argv[2 + 3 * SHIM_USERNS_MAX_MAPS + 1];
	char text[2 + 3 * SHIM_USERNS_MAX_MAPS][16];
	size_t k = 0;
	int status;
	pid_t child;

	argv[k++] = (char *)tool;
	snprintf(text[0], sizeof(text[0]), "%d", (int)pid);
	argv[k++] = text[0];
	for (size_t i = 0; i < n; i++) {
		const uint32_t v[3] = { maps[i].container_id, maps[i].host_id, maps[i].size };

		for (int j = 0; j < 3; j++) {
			snprintf(text[k], sizeof(text[k]), "%u", (unsigned)v[j]);
			argv[k] = text[k];
			k++;
		}
	}
	argv[k] = NULL;
	child = fork();
	if (child == 0) {
		static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

		execve(tool, argv, env);
		_exit(127);
	}
	if (child < 0)
		return -1;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * newuidmap and newgidmap run from a child forked before the parent
 * leaves the host's user namespace (set-user-ID programs do not work
 * from inside it); the parent waits for it.
 */
static int enter_with_helpers(const struct shim_userns *ns, struct vs_error **err)
{
	int go[2], out[2];
	pid_t parent = getpid(), pid;
	char msg[1024];
	ssize_t n = 0, r;
	int status, e = 0;

	if (pipe2(go, O_CLOEXEC) < 0)
		return vs_error_set(err, errno, "cannot create a pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		e = errno;
		close(go[0]);
		close(go[1]);
		return vs_error_set(err, e, "cannot create a pipe");
	}
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		close(out[0]);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(run_helper(NEWUIDMAP, parent, ns->uid, ns->n_uid) == 0 &&
			      run_helper(NEWGIDMAP, parent, ns->gid, ns->n_gid) == 0
			  ? 0
			  : 1);
	}
	close(go[0]);
	close(out[1]);
	if (pid < 0 || unshare(CLONE_NEWUSER) < 0)
		e = errno;
	if (pid > 0 && e == 0 && write(go[1], "g", 1) != 1)
		e = errno;
	close(go[1]);
	while (pid > 0 && (r = read(out[0], msg + n, sizeof(msg) - 1 - (size_t)n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (n += r) == (ssize_t)sizeof(msg) - 1)
			break;
	}
	close(out[0]);
	msg[n] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		return vs_error_set(err, e, "cannot fork the helper for the user namespace");
	if (e != 0)
		return vs_error_set(err, e,
				    "cannot make a user namespace: without root vshim needs "
				    "unprivileged user namespaces");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vs_error_code(
		    err, EPERM,
		    "newuidmap or newgidmap refused the user namespace's maps (are "
		    "they in /etc/subuid and /etc/subgid?): %s",
		    msg[0] ? msg : "no message");
	made = true;
	return 0;
}

static void map_text(char *buf, size_t size, const struct oci_id_mapping *m)
{
	snprintf(buf, size, "%u %u %u\n", (unsigned)m->container_id, (unsigned)m->host_id,
		 (unsigned)m->size);
}

int shim_userns_enter(const struct shim_userns *ns, struct vs_error **err)
{
	char map[64];

	vs_debug("userns", "making a user namespace: %zu uid and %zu gid ranges%s", ns->n_uid,
		 ns->n_gid, ns->helpers ? ", through newuidmap and newgidmap" : "");
	if (ns->helpers)
		return enter_with_helpers(ns, err);
	if (unshare(CLONE_NEWUSER) < 0)
		return vs_error_set(err, errno,
				    "cannot make a user namespace: without root vshim needs "
				    "unprivileged user namespaces (sysctl "
				    "user.max_user_namespaces, kernel.unprivileged_userns_clone)");
	if (write_proc("setgroups", "deny", err) < 0)
		return -1;
	map_text(map, sizeof(map), &ns->uid[0]);
	if (write_proc("uid_map", map, err) < 0)
		return -1;
	map_text(map, sizeof(map), &ns->gid[0]);
	if (write_proc("gid_map", map, err) < 0)
		return -1;
	made = true;
	return 0;
}
