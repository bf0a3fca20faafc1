/* SPDX-License-Identifier: Apache-2.0 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

/* Descriptors are first parked above this so that moving them down never clobbers one. */
#define PARK_FD_BASE 64

static int pidfd_open_syscall(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int drv_process_pidfd(pid_t pid, struct vs_error **err)
{
	int fd = pidfd_open_syscall(pid);

	if (fd < 0)
		return vs_error_set(err, errno, "cannot watch process %d", (int)pid);
	return fd;
}

static int drop_capabilities(const int *keep, size_t n_keep)
{
	cap_t caps;
	int r;

	/* Root regains every capability in the bounding set at execve(). */
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		bool kept = false;

		for (size_t i = 0; i < n_keep; i++)
			kept |= keep[i] == c;
		if (!kept && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	}
	caps = cap_init();
	if (caps == NULL)
		return -1;
	if (n_keep > 0) {
		cap_value_t values[CAP_LAST_CAP + 1];

		for (size_t i = 0; i < n_keep; i++)
			values[i] = keep[i];
		cap_set_flag(caps, CAP_PERMITTED, (int)n_keep, values, CAP_SET);
		cap_set_flag(caps, CAP_EFFECTIVE, (int)n_keep, values, CAP_SET);
		cap_set_flag(caps, CAP_INHERITABLE, (int)n_keep, values, CAP_SET);
	}
	r = cap_set_proc(caps);
	cap_free(caps);
	return r;
}

/* Runs in the child; reports a failure as an errno on report_fd and exits. */
static __attribute__((noreturn)) void child(const struct drv_spawn *spawn, pid_t parent,
					    int report_fd)
{
	static char *const env[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	sigset_t none;
	int e;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	if (getppid() != parent) /* the parent died before PDEATHSIG was armed */
		_exit(127);
	setpgid(0, 0); /* a terminal's ^C reaches the owner, which decides */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);

	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0)
		goto fail;
	if (dup2(spawn->log_fd, STDOUT_FILENO) < 0 || dup2(spawn->log_fd, STDERR_FILENO) < 0)
		goto fail;
	for (size_t i = 0; i < spawn->n_pass_fds; i++)
		if (fcntl(spawn->pass_fds[i], F_DUPFD, PARK_FD_BASE + (int)i) !=
		    PARK_FD_BASE + (int)i)
			goto fail;
	for (size_t i = 0; i < spawn->n_pass_fds; i++)
		if (dup2(PARK_FD_BASE + (int)i, 3 + (int)i) < 0)
			goto fail;
	if (report_fd != 3 + (int)spawn->n_pass_fds) {
		if (dup2(report_fd, 3 + (int)spawn->n_pass_fds) < 0)
			goto fail;
		report_fd = 3 + (int)spawn->n_pass_fds;
	}
	fcntl(report_fd, F_SETFD, FD_CLOEXEC);
	if (syscall(SYS_close_range, report_fd + 1, ~0U, 0) < 0)
		goto fail;
	if (spawn->no_thp && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		goto fail;
	if (drop_capabilities(spawn->keep_caps, spawn->n_keep_caps) < 0)
		goto fail;

	execve(spawn->argv[0], spawn->argv, env);
fail:
	e = errno;
	(void)!write(report_fd, &e, sizeof(e));
	_exit(127);
}

pid_t drv_process_spawn(const struct drv_spawn *spawn, int *pidfd, struct vs_error **err)
{
	cleanup_close int rd = -1, wr = -1;
	int fds[2], child_errno = 0;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return vs_error_set(err, errno, "cannot create a pipe");
	rd = fds[0];
	wr = fds[1];

	vs_debug("driver", "spawning `%s`", spawn->argv[0]);
	pid = fork();
	if (pid < 0)
		return vs_error_set(err, errno, "cannot fork");
	if (pid == 0) {
		close(rd);
		child(spawn, parent, wr);
	}
	close(steal_fd(&wr));
	/* EOF means execve() succeeded (the pipe is close-on-exec). */
	do
		n = read(rd, &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return vs_error_set(err, child_errno, "cannot execute `%s`", spawn->argv[0]);
	}
	*pidfd = pidfd_open_syscall(pid);
	if (*pidfd < 0) {
		int e = errno;

		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return vs_error_set(err, e, "cannot watch process %d", (int)pid);
	}
	vs_debug("driver", "spawned pid %d", (int)pid);
	return pid;
}
