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
		return vs_error_code(err, ENAMETOOLONG, "socket name `%s` is too long", base);
	return 0;
}

static int unix_listen(const char *path, int type, int backlog, struct vs_error **err)
{
	struct sockaddr_un addr;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;

	if (fill_addr(path, &addr, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
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

static int unix_connect(const char *path, int type, struct vs_error **err)
{
	struct sockaddr_un addr;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;
	int r;

	if (fill_addr(path, &addr, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot create a unix socket");
	do
		r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return vs_error_set(err, errno, "cannot connect to `%s`", path);
	return steal_fd(&fd);
}

int vs_unix_listen(const char *path, int backlog, struct vs_error **err)
{
	return unix_listen(path, SOCK_STREAM, backlog, err);
}

int vs_unix_connect(const char *path, struct vs_error **err)
{
	return unix_connect(path, SOCK_STREAM, err);
}

int vs_unix_listen_seqpacket(const char *path, int backlog, struct vs_error **err)
{
	return unix_listen(path, SOCK_SEQPACKET, backlog, err);
}

int vs_unix_connect_seqpacket(const char *path, struct vs_error **err)
{
	return unix_connect(path, SOCK_SEQPACKET, err);
}

ssize_t vs_send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds)
{
	union {
		char buf[CMSG_SPACE(VS_MAX_PASSED_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (n_fds > VS_MAX_PASSED_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (n_fds > 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

ssize_t vs_recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t *n_fds)
{
	union {
		char buf[CMSG_SPACE(VS_MAX_PASSED_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	size_t max = *n_fds;
	ssize_t n;

	*n_fds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[VS_MAX_PASSED_FDS];

		memcpy(got, CMSG_DATA(c), count * sizeof(int));
		/* Keep what fits; a peer sending more loses the rest, closed. */
		for (size_t i = 0; i < count; i++) {
			if (*n_fds < max)
				fds[(*n_fds)++] = got[i];
			else
				close(got[i]);
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (size_t i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}
