/* SPDX-License-Identifier: Apache-2.0 */
/* Paths inside the container's root (resolve.h). */
#include "guest/agent/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

int agent_resolve_openat(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
}

/* Moves a and b past the components they share, to where they differ (or end). */
static void skip_common(const char **a, const char **b)
{
	for (;;) {
		const char *x = *a + strspn(*a, "/"), *y = *b + strspn(*b, "/");
		size_t n = strcspn(x, "/");

		*a = x;
		*b = y;
		if (n == 0 || n != strcspn(y, "/") || strncmp(x, y, n) != 0)
			return;
		*a = x + n;
		*b = y + n;
	}
}

bool agent_resolve_same_path(const char *a, const char *b)
{
	skip_common(&a, &b);
	return *a == '\0' && *b == '\0';
}

bool agent_resolve_is_below(const char *path, const char *dir)
{
	skip_common(&path, &dir);
	return *dir == '\0';
}

int agent_resolve_open(int rootfd, const char *path, enum agent_resolve_create create,
		       struct vs_error **err)
{
	cleanup_free char *parent = NULL;
	cleanup_close int pfd = -1;
	const char *name;
	int fd;

	fd = agent_resolve_openat(rootfd, path, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT || create == AGENT_RESOLVE_EXISTING)
		return vs_error_set(err, errno, "cannot resolve `%s` in the container", path);

	/* Create the last component, then resolve again through whatever now exists. */
	parent = vs_xstrdup(path);
	while (strlen(parent) > 1 && parent[strlen(parent) - 1] == '/')
		parent[strlen(parent) - 1] = '\0';
	name = strrchr(parent, '/');
	if (name == NULL || strcmp(name + 1, "..") == 0 || strcmp(name + 1, ".") == 0 ||
	    name[1] == '\0')
		return vs_error_code(err, EINVAL, "cannot create `%s` in the container", path);
	parent[name - parent] = '\0';
	name++;
	pfd = agent_resolve_open(rootfd, parent[0] ? parent : "/", AGENT_RESOLVE_DIR, err);
	if (pfd < 0)
		return -1;
	if (create == AGENT_RESOLVE_DIR) {
		if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
			return vs_error_set(err, errno,
					    "cannot create directory `%s` in the container", path);
	} else {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return vs_error_set(err, errno, "cannot create file `%s` in the container",
					    path);
		if (fd >= 0)
			close(fd);
	}
	fd = agent_resolve_openat(rootfd, path, O_PATH);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot resolve `%s` in the container", path);
	return fd;
}
