/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver's private root: its layout (ROOT/run/qemu, ROOT/log/qemu) and
 * the lock that makes one process its owner.  It knows nothing of domains:
 * conn.c opens and closes a connection on top of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "driver/priv.h"

char *drv_root_path(const struct drv_conn *conn, const char *dir, const char *name,
		    const char *suffix)
{
	return vs_xasprintf("%s/%s%s", dir, name, suffix);
}

/* Reads the holder's pid from a lock file we could not take; 0 if unknown. */
static long lock_holder(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int take_lock(struct drv_conn *conn, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/driver.lock", conn->root);
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	char pid[32];
	int len;

	if (fd < 0)
		return vs_error_set(err, errno, "cannot open lock file `%s`", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		long holder = lock_holder(fd);

		if (errno == EWOULDBLOCK && holder > 0)
			return vs_error_set(
			    err, 0, "driver root `%s` is in use by another process (pid %ld)",
			    conn->root, holder);
		return vs_error_set(err, errno, "cannot lock driver root `%s`", conn->root);
	}
	len = snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		return vs_error_set(err, errno, "cannot write lock file `%s`", path);
	conn->lock_fd = steal_fd(&fd);
	return 0;
}

int drv_root_open(struct drv_conn *conn, const char *root, struct vs_error **err)
{
	conn->root = vs_xstrdup(root);
	conn->run_dir = vs_xasprintf("%s/run/qemu", root);
	conn->log_dir = vs_xasprintf("%s/log/qemu", root);
	if (vs_mkdir_p(root, 0700, err) < 0 || take_lock(conn, err) < 0 ||
	    vs_mkdir_p(conn->run_dir, 0700, err) < 0 || vs_mkdir_p(conn->log_dir, 0700, err) < 0)
		return -1;
	return 0;
}

void drv_root_close(struct drv_conn *conn)
{
	if (conn->lock_fd >= 0)
		close(conn->lock_fd);
	free(conn->root);
	free(conn->run_dir);
	free(conn->log_dir);
}
