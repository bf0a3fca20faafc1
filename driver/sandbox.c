/* SPDX-License-Identifier: Apache-2.0 */
#include "driver/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

/* Newer than Debian 12's headers and libseccomp: the x86_64 numbers. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#define PRIVILEGE_BITS (S_ISUID | S_ISGID)

struct mode_rule {
	int nr;
	unsigned int mode_arg;
};

/* chmod-like calls: handed to the supervisor when the mode has a privilege bit. */
static const struct mode_rule chmod_calls[] = {
	{ __NR_chmod, 1 },
	{ __NR_fchmod, 1 },
	{ __NR_fchmodat, 2 },
	{ __NR_fchmodat2, 2 },
};

/* Calls that create a file with a mode: refused when it has a privilege bit. */
static const struct mode_rule create_calls[] = {
	{ __NR_open, 2 },  { __NR_openat, 3 },	{ __NR_creat, 1 },
	{ __NR_mknod, 1 }, { __NR_mknodat, 2 },
};

/* Calls whose arguments a filter cannot read. */
static const int opaque_calls[] = {
	__NR_openat2,
	__NR_io_uring_setup,
	__NR_io_uring_enter,
	__NR_io_uring_register,
};

static void seccomp_ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx != NULL)
		seccomp_release(*ctx);
}
#define cleanup_seccomp __attribute__((cleanup(seccomp_ctx_release)))

/* Adds action for nr when its argument arg has bit set. */
static int add_bit_rule(scmp_filter_ctx ctx, uint32_t action, const struct mode_rule *r,
			unsigned int bit)
{
	return seccomp_rule_add(ctx, action, r->nr, 1,
				SCMP_CMP(r->mode_arg, SCMP_CMP_MASKED_EQ, bit, bit));
}

int drv_sandbox_load(struct vs_error **err)
{
	cleanup_seccomp scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	static const unsigned int bits[] = { S_ISUID, S_ISGID };
	int r = 0, fd;

	if (ctx == NULL)
		return vs_error_code(err, ENOMEM, "cannot make QEMU's seccomp filter");
	for (size_t i = 0; i < VS_ARRAY_SIZE(chmod_calls) && r == 0; i++)
		for (size_t b = 0; b < VS_ARRAY_SIZE(bits) && r == 0; b++)
			r = add_bit_rule(ctx, SCMP_ACT_NOTIFY, &chmod_calls[i], bits[b]);
	for (size_t i = 0; i < VS_ARRAY_SIZE(create_calls) && r == 0; i++)
		for (size_t b = 0; b < VS_ARRAY_SIZE(bits) && r == 0; b++)
			r = add_bit_rule(ctx, SCMP_ACT_ERRNO(EPERM), &create_calls[i], bits[b]);
	for (size_t i = 0; i < VS_ARRAY_SIZE(opaque_calls) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), opaque_calls[i], 0);
	if (r < 0)
		return vs_error_set(err, -r, "cannot make QEMU's seccomp filter");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vs_error_set(err, errno, "cannot set no_new_privs for QEMU");
	r = seccomp_load(ctx);
	if (r < 0)
		return vs_error_set(err, -r, "cannot load QEMU's seccomp filter");
	fd = seccomp_notify_fd(ctx);
	if (fd < 0)
		return vs_error_set(err, -fd, "QEMU's seccomp filter has no supervisor descriptor");
	return fd;
}

/* Reads a NUL-terminated path of QEMU's at addr, page by page (the string may end a mapping). */
static int read_path(pid_t pid, uint64_t addr, char out[PATH_MAX])
{
	char mem_path[64];
	cleanup_close int mem = -1;
	size_t got = 0;
	long page = sysconf(_SC_PAGESIZE);

	snprintf(mem_path, sizeof(mem_path), "/proc/%d/mem", (int)pid);
	mem = open(mem_path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return -errno;
	while (got < PATH_MAX) {
		uint64_t at = addr + got;
		size_t want = (size_t)(page - (long)(at % (uint64_t)page));
		ssize_t n;

		if (want > PATH_MAX - got)
			want = PATH_MAX - got;
		n = pread(mem, out + got, want, (off_t)at);
		if (n <= 0)
			return -EFAULT;
		if (memchr(out + got, '\0', (size_t)n) != NULL)
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* A descriptor of QEMU's, duplicated into this process. */
static int qemu_fd(int pidfd, uint64_t fd)
{
	int r;

	if (fd > INT_MAX)
		return -EBADF;
	r = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	return r < 0 ? -errno : r;
}

/*
 * Opens (O_PATH) what QEMU named by dirfd and path, the way the call would
 * have resolved it.  QEMU shares this process's mount namespace and root;
 * "/proc/self/fd/N", which QEMU uses to chmod through a descriptor, is
 * QEMU's descriptor N.
 */
static int resolve(const struct seccomp_notif *req, int pidfd, uint64_t dirfd, uint64_t path_addr,
		   bool nofollow)
{
	char path[PATH_MAX];
	cleanup_close int base = -1;
	int fd, n = -1, r = read_path(req->pid, path_addr, path);
	int flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0);

	if (r < 0)
		return r;
	if (sscanf(path, "/proc/self/fd/%d%n", &fd, &n) == 1 && n == (int)strlen(path))
		return qemu_fd(pidfd, (uint64_t)fd);
	if (strncmp(path, "/proc/self/", 11) == 0 || strncmp(path, "/proc/thread-self/", 18) == 0)
		return -EPERM;
	if (path[0] == '/') {
		r = open(path, flags);
		return r < 0 ? -errno : r;
	}
	if ((int)dirfd == AT_FDCWD) {
		char cwd[64];

		snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", (int)req->pid);
		base = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			return -errno;
	} else {
		base = qemu_fd(pidfd, dirfd);
		if (base < 0)
			return base;
	}
	r = openat(base, path[0] != '\0' ? path : ".", flags);
	return r < 0 ? -errno : r;
}

/* The chmod QEMU asked for, without privilege bits on anything but a directory. */
static int do_chmod(int target, mode_t mode, pid_t pid)
{
	char self[64];
	struct stat st;

	if (fstat(target, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -EOPNOTSUPP; /* Linux cannot chmod a symbolic link */
	if (!S_ISDIR(st.st_mode) && (mode & PRIVILEGE_BITS) != 0) {
		vs_debug("driver", "QEMU %d: mode %04o asked for a file, %04o given", (int)pid,
			 (unsigned int)mode, (unsigned int)(mode & ~PRIVILEGE_BITS));
		mode &= ~(mode_t)PRIVILEGE_BITS;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", target);
	return chmod(self, mode) < 0 ? -errno : 0;
}

static int answer(const struct seccomp_notif *req, int pidfd)
{
	const __u64 *a = req->data.args;
	cleanup_close int target = -1;
	mode_t mode;

	switch (req->data.nr) {
	case __NR_chmod:
		target = resolve(req, pidfd, (uint64_t)AT_FDCWD, a[0], false);
		mode = (mode_t)a[1];
		break;
	case __NR_fchmod:
		target = qemu_fd(pidfd, a[0]);
		mode = (mode_t)a[1];
		break;
	case __NR_fchmodat:
		target = resolve(req, pidfd, a[0], a[1], false);
		mode = (mode_t)a[2];
		break;
	case __NR_fchmodat2:
		if ((a[3] & ~(uint64_t)AT_SYMLINK_NOFOLLOW) != 0)
			return -EINVAL;
		target = resolve(req, pidfd, a[0], a[1], (a[3] & AT_SYMLINK_NOFOLLOW) != 0);
		mode = (mode_t)a[2];
		break;
	default:
		return -ENOSYS;
	}
	if (target < 0)
		return target;
	return do_chmod(target, mode & 07777, req->pid);
}

/* Whether tid is a thread of process pid (the filter hands over calls of every thread). */
static bool is_thread_of(pid_t tid, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

int drv_sandbox_serve(int listener, int pidfd, pid_t pid, struct vs_error **err)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	int r = seccomp_notify_alloc(&req, &resp);

	if (r < 0)
		return vs_error_set(err, -r, "cannot allocate a seccomp notification");
	r = seccomp_notify_receive(listener, req);
	if (r < 0) {
		seccomp_notify_free(req, resp);
		/* ENOENT: the call was interrupted, or QEMU died, before we read it. */
		return r == -ENOENT ? 0 : vs_error_set(err, -r, "cannot read QEMU's seccomp call");
	}
	resp->id = req->id;
	resp->flags = 0;
	resp->val = 0;
	resp->error = is_thread_of(req->pid, pid) ? answer(req, pidfd) : -EPERM;
	/* A call QEMU gave up on (its thread was signalled) is not answered. */
	if (seccomp_notify_id_valid(listener, req->id) == 0)
		r = seccomp_notify_respond(listener, resp);
	else
		r = 0;
	seccomp_notify_free(req, resp);
	if (r < 0 && r != -ENOENT)
		return vs_error_set(err, -r, "cannot answer QEMU's seccomp call");
	return r == 0 ? 1 : 0;
}
