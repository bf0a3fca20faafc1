/* SPDX-License-Identifier: Apache-2.0 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"

static void oom(void)
{
	static const char msg[] = "vshim: out of memory\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

void *vs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *vs_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *vs_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *vs_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		oom();
	return d;
}

char *vs_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		oom();
	return d;
}

char *vs_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

int vs_mkdir_p(const char *path, mode_t mode, struct vs_error **err)
{
	cleanup_free char *copy = vs_xstrdup(path);
	char *p;

	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return vs_error_set(err, errno, "cannot create directory `%s`", copy);
		*p = saved;
		if (saved == '\0')
			break;
	}
	return 0;
}

static int rm_rf_at(int dirfd, const char *name, dev_t dev, struct vs_error **err)
{
	struct stat st;
	cleanup_close int fd = -1;
	cleanup_dir DIR *dir = NULL;
	struct dirent *de;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : vs_error_set(err, errno, "cannot stat `%s`", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return vs_error_set(err, errno, "cannot remove `%s`", name);
		return 0;
	}
	if (st.st_dev != dev)
		return vs_error_code(err, EBUSY, "refusing to remove `%s`, a mount point", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot open directory `%s`", name);
	dir = fdopendir(fd);
	if (dir == NULL)
		return vs_error_set(err, errno, "cannot read directory `%s`", name);
	int dfd = steal_fd(&fd); /* the DIR owns it from here */
	while ((errno = 0, de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dfd, de->d_name, dev, err) < 0)
			return vs_error_prefix(err, "in `%s`", name);
	}
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return vs_error_set(err, errno, "cannot remove directory `%s`", name);
	return 0;
}

int vs_rm_rf(const char *path, struct vs_error **err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : vs_error_set(err, errno, "cannot stat `%s`", path);
	return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

int vs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t vs_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int vs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct vs_error **err)
{
	cleanup_free char *tmp = vs_xasprintf("%s.tmp", path);
	cleanup_close int fd = -1;

	/* A new file: whatever is at PATH.tmp (a FIFO would hang the open) goes first. */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return vs_error_set(err, errno, "cannot remove `%s`", tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot create `%s`", tmp);
	if (vs_write_all(fd, data, len) < 0) {
		vs_error_set(err, errno, "cannot write `%s`", tmp);
		unlink(tmp);
		return -1;
	}
	if (close(steal_fd(&fd)) < 0) {
		vs_error_set(err, errno, "cannot write `%s`", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		vs_error_set(err, errno, "cannot rename `%s` to `%s`", tmp, path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Reads fd (named path in errors) to its end, at most max bytes. */
static int read_fd(int fd, const char *path, size_t max, char **out, size_t *len,
		   struct vs_error **err)
{
	cleanup_free char *buf = NULL;
	size_t size = 0, cap = 0;

	for (;;) {
		if (size == cap) {
			if (cap > max)
				return vs_error_set(err, 0, "`%s` is larger than %zu bytes", path,
						    max);
			cap = cap ? cap * 2 : 4096;
			buf = vs_xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vs_error_set(err, errno, "cannot read `%s`", path);
		if (n == 0)
			break;
		size += (size_t)n;
	}
	if (size > max)
		return vs_error_set(err, 0, "`%s` is larger than %zu bytes", path, max);
	buf[size] = '\0';
	if (len != NULL)
		*len = size;
	*out = steal_pointer(&buf);
	return 0;
}

/*
 * Opens path to read it; a regular file, or with pipes an anonymous pipe
 * (set blocking again).  O_NONBLOCK: a FIFO or a device put in the file's
 * place must not hang the open.
 */
static int open_input(const char *path, bool pipes, struct vs_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct statfs fs;
	struct stat st;

	if (fd < 0)
		return vs_error_set(err, errno, "cannot open `%s`", path);
	if (fstat(fd, &st) < 0)
		return vs_error_set(err, errno, "cannot read `%s`", path);
	if (S_ISREG(st.st_mode))
		return steal_fd(&fd);
	if (!pipes || !S_ISFIFO(st.st_mode) || fstatfs(fd, &fs) < 0 || fs.f_type != PIPEFS_MAGIC)
		return vs_error_set(err, 0, "`%s` is not a regular file", path);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return vs_error_set(err, errno, "cannot read `%s`", path);
	return steal_fd(&fd);
}

int vs_read_file(const char *path, size_t max, char **out, size_t *len, struct vs_error **err)
{
	cleanup_close int fd = open_input(path, false, err);

	return fd < 0 ? -1 : read_fd(fd, path, max, out, len, err);
}

int vs_read_file_or_pipe(const char *path, size_t max, char **out, size_t *len,
			 struct vs_error **err)
{
	cleanup_close int fd = open_input(path, true, err);

	return fd < 0 ? -1 : read_fd(fd, path, max, out, len, err);
}

unsigned long long vs_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	unsigned long long start = 0;
	ssize_t n;
	char *p;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = vs_read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* After ") " come state (field 3) ... starttime (field 22). */
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu",
		   &start) != 1)
		return 0;
	return start;
}

bool vs_proc_alive(pid_t pid, unsigned long long start_time)
{
	unsigned long long now = vs_proc_start_time(pid);

	return now != 0 && (start_time == 0 || now == start_time);
}

char *vs_find_data_file(const char *name, struct vs_error **err)
{
	char self[PATH_MAX];
	const char *env = getenv("VSHIM_DATADIR");
	char *path;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		path = vs_xasprintf("%s/%s", env, name);
		if (access(path, R_OK) == 0)
			return path;
		vs_error_set(err, errno, "cannot find `%s` (VSHIM_DATADIR is set)", path);
		free(path);
		return NULL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			path = vs_xasprintf("%s/../share/vshim/%s", self, name);
			if (access(path, R_OK) == 0)
				return path;
			free(path);
		}
	}
	path = vs_xasprintf("%s/%s", VSHIM_INSTALL_DATADIR, name);
	if (access(path, R_OK) == 0)
		return path;
	vs_error_set(err, 0,
		     "cannot find guest file `%s` in ../share/vshim next to `%s` nor in `%s`", name,
		     n > 0 ? self : "the binary", VSHIM_INSTALL_DATADIR);
	free(path);
	return NULL;
}

void vs_strv_push(struct vs_strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = vs_xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = vs_xstrdup(s);
	sv->v[sv->n] = NULL;
}

void vs_strv_pushf(struct vs_strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	vs_strv_push(sv, s);
	free(s);
}

char *vs_strv_join(const struct vs_strv *sv, const char *sep)
{
	size_t total = 1, seplen = strlen(sep);
	char *out, *p;

	for (size_t i = 0; i < sv->n; i++)
		total += strlen(sv->v[i]) + seplen;
	out = p = vs_xmalloc(total);
	*p = '\0';
	for (size_t i = 0; i < sv->n; i++) {
		if (i > 0)
			p = stpcpy(p, sep);
		p = stpcpy(p, sv->v[i]);
	}
	return out;
}

void vs_strv_clear(struct vs_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

void vs_stdio_to_devnull(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; null >= 0 && fd < 3; fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
}
