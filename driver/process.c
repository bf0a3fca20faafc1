/* SPDX-License-Identifier: Apache-2.0 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/sock.h"
#include "common/util.h"
#include "driver/sandbox.h"

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

/* Whether this process may shrink its bounding set. */
static bool can_drop_bounding(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (caps != NULL)
		cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

static int drop_capabilities(const int *keep, size_t n_keep)
{
	cap_t caps;
	int r;

	/*
	 * Root regains every capability in the bounding set at execve().  A
	 * user without CAP_SETPCAP cannot shrink it, and need not: it has no
	 * capability to regain, and no_new_privs (sandbox.c) keeps set-user-ID
	 * programs and file capabilities from giving it any.
	 */
	for (int c = 0; c <= CAP_LAST_CAP && can_drop_bounding(); c++) {
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

/* What the child says on its report socket when it cannot get to execve(). */
enum child_stage {
	CHILD_SETUP,   /* descriptors, signals, capabilities, or execve() itself */
	CHILD_SANDBOX, /* the seccomp filter */
};

struct child_report {
	int stage;
	int errnum;
};

/*
 * Runs in the child.  Sends the filter's supervisor descriptor on report_fd
 * (a SOCK_SEQPACKET socket, close-on-exec), then execs; a failure is a
 * struct child_report there instead, and the child exits.
 */
static __attribute__((noreturn)) void child(const struct drv_spawn *spawn, pid_t parent,
					    int report_fd)
{
	static char *const env[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct child_report report = { .stage = CHILD_SETUP };
	struct vs_error *sandbox_err = NULL;
	sigset_t none;
	int listener;

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
	listener = drv_sandbox_load(&sandbox_err);
	if (listener < 0) {
		report.stage = CHILD_SANDBOX;
		errno = sandbox_err->errnum != 0 ? sandbox_err->errnum : EPERM;
		goto fail;
	}
	/* QEMU must not keep the supervisor's end: it could answer its own calls. */
	if (vs_send_with_fds(report_fd, "L", 1, &listener, 1) < 0)
		goto fail;
	close(listener);

	execve(spawn->argv[0], spawn->argv, env);
fail:
	report.errnum = errno;
	(void)!send(report_fd, &report, sizeof(report), MSG_NOSIGNAL);
	_exit(127);
}

/* Reads one message of the child's: the listener, a report, or 0 at EOF (execve() succeeded). */
static ssize_t read_report(int sock, struct child_report *report, int *listener)
{
	char buf[sizeof(*report)];
	int fds[1] = { -1 };
	size_t n_fds = 1;
	ssize_t n;

	do
		n = vs_recv_with_fds(sock, buf, sizeof(buf), fds, &n_fds);
	while (n < 0 && errno == EINTR);
	if (n == 1 && buf[0] == 'L' && n_fds == 1) {
		*listener = fds[0];
		return n;
	}
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
	if (n == (ssize_t)sizeof(*report))
		memcpy(report, buf, sizeof(*report));
	else if (n > 0)
		*report = (struct child_report){ .stage = CHILD_SETUP, .errnum = EPROTO };
	return n;
}

pid_t drv_process_spawn(const struct drv_spawn *spawn, int *pidfd, int *seccomp_fd,
			struct vs_error **err)
{
	cleanup_close int rd = -1, wr = -1, listener = -1;
	struct child_report report = { 0 };
	int fds[2];
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return vs_error_set(err, errno, "cannot create a socket pair");
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
	/* The listener, then EOF once execve() succeeded (the socket is close-on-exec). */
	n = read_report(rd, &report, &listener);
	if (n == 1)
		n = read_report(rd, &report, &listener);
	if (n != 0 || listener < 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (n < 0)
			return vs_error_set(err, errno, "cannot hear from the child for `%s`",
					    spawn->argv[0]);
		if (report.stage == CHILD_SANDBOX)
			return vs_error_set(err, report.errnum,
					    "cannot load the seccomp filter for `%s`",
					    spawn->argv[0]);
		return vs_error_set(err, report.errnum, "cannot execute `%s`", spawn->argv[0]);
	}
	*pidfd = pidfd_open_syscall(pid);
	if (*pidfd < 0) {
		int e = errno;

		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return vs_error_set(err, e, "cannot watch process %d", (int)pid);
	}
	*seccomp_fd = steal_fd(&listener);
	vs_debug("driver", "spawned pid %d", (int)pid);
	return pid;
}
