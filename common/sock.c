/* SPDX-License-Identifier: Apache-2.0 */
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/*
 * Fills addr for path.  A long path is split: *dirfd gets an O_PATH
 * descriptor of its directory, which must stay open until bind/connect.
 */
static int fill_addr(const char *path, struct sockaddr_un *addr, int *dirfd, struct vs_error **err)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) < sizeof(addr->sun_path)) {
		strcpy(addr->sun_path, path);
		return 0;
	}

	cleanup_free char *dir_copy = vs_xstrdup(path);
	cleanup_free char *base_copy = vs_xstrdup(path);
	const char *dir = dirname(dir_copy);
	const char *base = basename(base_copy);

	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return vs_error_set(err, errno, "cannot open directory `%s`", dir);
	if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", *dirfd,
			     base) >= sizeof(addr->sun_path))
		return vs_error_set(err, ENAMETOOLONG, "socket name `%s` is too long", base);
	return 0;
}

int vs_unix_listen(const char *path, int backlog, struct vs_error **err)
{
	struct sockaddr_un addr;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;

	if (fill_addr(path, &addr, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot create a unix socket");
	if (unlink(path) < 0 && errno != ENOENT)
		return vs_error_set(err, errno, "cannot remove stale socket `%s`", path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return vs_error_set(err, errno, "cannot bind socket `%s`", path);
	if (listen(fd, backlog) < 0)
		return vs_error_set(err, errno, "cannot listen on socket `%s`", path);
	return steal_fd(&fd);
}

int vs_unix_connect(const char *path, struct vs_error **err)
{
	struct sockaddr_un addr;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;
	int r;

	if (fill_addr(path, &addr, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot create a unix socket");
	do
		r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return vs_error_set(err, errno, "cannot connect to `%s`", path);
	return steal_fd(&fd);
}
