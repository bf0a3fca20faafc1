/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QEMU's seccomp filter and its supervisor (driver/sandbox.c), without
 * QEMU: a child loads the filter and makes the calls QEMU's 9p server
 * makes, on files in a temporary directory, from its main thread and from
 * another one, while the parent serves the supervisor as the driver does.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sock.h"
#include "common/util.h"
#include "driver/sandbox.h"

static char dir[] = "/tmp/vshim-sandbox-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	vs_rm_rf(dir, NULL);
}

TestSuite(sandbox, .init = setup, .fini = teardown, .timeout = 30);

/* In the child: one line per call, "CALL r=R errno=E mode=M". */
static void line(FILE *out, const char *call, int r, const char *path)
{
	int e = r < 0 ? errno : 0;
	struct stat st;
	unsigned int mode = lstat(path, &st) == 0 ? (unsigned int)(st.st_mode & 07777) : 0u;

	fprintf(out, "%s r=%d errno=%d mode=%o\n", call, r, e, mode);
}

static FILE *child_out;

static void *thread_chmod(void *arg)
{
	const char *path = arg;

	line(child_out, "thread-chmod-6777", chmod(path, 06777), path);
	return NULL;
}

static void child_calls(int report)
{
	struct vs_error *err = NULL;
	cleanup_free char *f = vs_xasprintf("%s/f", dir), *d = vs_xasprintf("%s/d", dir),
			  *g = vs_xasprintf("%s/g", dir), *t = vs_xasprintf("%s/t", dir);
	char self[64];
	pthread_t th;
	int listener = drv_sandbox_load(&err), fd, r;

	if (listener < 0)
		_exit(3);
	if (vs_send_with_fds(report, "L", 1, &listener, 1) < 0)
		_exit(4);
	close(listener);
	child_out = fdopen(report, "w");
	setvbuf(child_out, NULL, _IONBF, 0);

	close(open(f, O_CREAT | O_WRONLY, 0644));
	line(child_out, "chmod-4755", chmod(f, 04755), f);
	line(child_out, "chmod-0700", chmod(f, 0700), f);
	fd = open(f, O_RDONLY);
	line(child_out, "fchmod-2755", fchmod(fd, 02755), f);
	close(fd);
	/* QEMU's way: an O_PATH descriptor, then chmod of /proc/self/fd/N. */
	fd = open(f, O_PATH);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	line(child_out, "proc-self-fd-4711", chmod(self, 04711), f);
	close(fd);
	fd = open(dir, O_PATH | O_DIRECTORY);
	line(child_out, "fchmodat-6644", fchmodat(fd, "f", 06644, 0), f);
	close(fd);
	mkdir(d, 0755);
	line(child_out, "dir-chmod-2775", chmod(d, 02775), d);
	r = open(g, O_CREAT | O_WRONLY, 04755);
	line(child_out, "create-4755", r, g);
	line(child_out, "mknod-reg-2755", mknod(g, S_IFREG | 02755, 0), g);
	errno = 0;
	r = (int)syscall(SYS_io_uring_setup, 1, NULL);
	fprintf(child_out, "io_uring r=%d errno=%d\n", r, errno);
	close(open(t, O_CREAT | O_WRONLY, 0644));
	pthread_create(&th, NULL, thread_chmod, t);
	pthread_join(th, NULL);
	if (chdir(dir) == 0)
		line(child_out, "relative-chmod-4700", chmod("f", 04700), "f");
	_exit(0);
}

Test(sandbox, privilege_bits_stay_off_files)
{
	int sp[2], listener[1] = { -1 }, status;
	size_t n_fds = 1;
	char buf[4096], mark;
	size_t len = 0;
	pid_t pid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(sp[0]);
		child_calls(sp[1]);
	}
	close(sp[1]);
	cr_assert_eq(vs_recv_with_fds(sp[0], &mark, 1, listener, &n_fds), 1);
	cr_assert_eq(n_fds, 1, "the child sent no supervisor descriptor");
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cr_assert_geq(pidfd, 0);

	/* Serve until the child is gone, collecting what it says. */
	for (bool done = false; !done;) {
		struct pollfd p[3] = { { .fd = listener[0], .events = POLLIN },
				       { .fd = sp[0], .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		struct vs_error *err = NULL;

		cr_assert_geq(poll(p, 3, 10000), 1, "the child hangs");
		if (p[0].revents & POLLIN)
			cr_assert_geq(drv_sandbox_serve(listener[0], pidfd, pid, &err), 0, "%s",
				      err ? err->msg : "");
		if (p[1].revents & POLLIN) {
			ssize_t n = read(sp[0], buf + len, sizeof(buf) - 1 - len);

			if (n > 0)
				len += (size_t)n;
			else
				done = true;
		}
	}
	buf[len] = '\0';
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_str_eq(buf, "chmod-4755 r=0 errno=0 mode=755\n"
			      "chmod-0700 r=0 errno=0 mode=700\n"
			      "fchmod-2755 r=0 errno=0 mode=755\n"
			      "proc-self-fd-4711 r=0 errno=0 mode=711\n"
			      "fchmodat-6644 r=0 errno=0 mode=644\n"
			      "dir-chmod-2775 r=0 errno=0 mode=2775\n"
			      "create-4755 r=-1 errno=1 mode=0\n"
			      "mknod-reg-2755 r=-1 errno=1 mode=0\n"
			      "io_uring r=-1 errno=38\n"
			      "thread-chmod-6777 r=0 errno=0 mode=777\n"
			      "relative-chmod-4700 r=0 errno=0 mode=700\n");
	close(pidfd);
	close(listener[0]);
	close(sp[0]);
}

/* Without a supervisor (its descriptor closed), a privileged chmod fails; it never hangs. */
Test(sandbox, no_supervisor_means_failure)
{
	int sp[2], status;
	pid_t pid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct vs_error *err = NULL;
		cleanup_free char *f = vs_xasprintf("%s/f", dir);
		int listener = drv_sandbox_load(&err);

		if (listener < 0)
			_exit(3);
		close(listener);
		close(open(f, O_CREAT | O_WRONLY, 0644));
		_exit(chmod(f, 04755) < 0 && errno == ENOSYS ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	close(sp[0]);
	close(sp[1]);
}
