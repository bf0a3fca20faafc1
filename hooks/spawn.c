/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting one hook: fork + execve, with pipes for its stdio and two more
 * (CLOEXEC): one on which the child waits until we hold a pidfd for it (so
 * the pidfd is ours even when the caller ignores SIGCHLD and the kernel
 * reaps the hook at once), one through which it reports a failed execve.
 * Between fork and execve the child only makes async-signal-safe calls (the
 * caller may have threads): it leads a new process group, puts every signal
 * back to its default disposition, enters the network namespace of
 * hooks_set_netns(), moves the pipes onto 0, 1 and 2, marks
 * every other descriptor close-on-exec (close_range), and clears its signal
 * mask.
 *
 * Not posix_spawn(): glibc's leaves its two internal signals (32 and 33)
 * ignored in the child, and an ignored signal survives execve.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/*
 * A pipe whose both ends are above stdio, so that dup2() onto 0, 1 and 2 in
 * the child can never overwrite another of the pipes (a caller may run with
 * stdin closed).
 */
static int pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fds[i] > STDERR_FILENO)
			continue;
		int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		int saved = errno;

		close(fds[i]);
		fds[i] = moved;
		errno = saved;
	}
	if (fds[0] < 0 || fds[1] < 0) {
		int saved = errno;

		vs_closep(&fds[0]);
		vs_closep(&fds[1]);
		errno = saved;
		return -1;
	}
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* argv for execve: args as given, or just the path when args is empty. */
static char **hook_argv(const struct oci_hook *hook)
{
	size_t n = hook->args != NULL ? hook->n_args : 0;
	char **argv = vs_xcalloc(n + 2, sizeof(*argv));

	if (n == 0)
		argv[0] = hook->path;
	else
		memcpy(argv, hook->args, n * sizeof(*argv));
	return argv;
}

/* envp for execve: exactly env, or an empty environment. */
static char **hook_envp(const struct oci_hook *hook)
{
	size_t n = hook->env != NULL ? hook->n_env : 0;
	char **envp = vs_xcalloc(n + 1, sizeof(*envp));

	if (n > 0)
		memcpy(envp, hook->env, n * sizeof(*envp));
	return envp;
}

/* What the child writes to the report pipe when it cannot run the hook. */
struct spawn_failure {
	int exec_failed; /* 1: execve() failed; 0: preparing the process did */
	int errnum;
};

/* Everything the child needs, prepared before fork: it must not allocate. */
struct spawn_plan {
	const char *path;
	char **argv, **envp;
	int in_fd, out_fd, err_fd; /* become 0, 1, 2 */
	int go_fd;		   /* a byte arrives once the parent holds the pidfd */
	int report_fd;		   /* CLOEXEC: closes itself on a successful execve */
	long max_fd;		   /* for kernels without close_range(CLOSE_RANGE_CLOEXEC) */
	pid_t parent;		   /* the hook dies with it (a monitor killed by delete --force) */
	int netns_fd;		   /* the network namespace to enter, or -1 */
};

/* hooks_set_netns(): the runtime's network namespace, or -1. */
static int hooks_netns = -1;

void hooks_set_netns(int fd)
{
	hooks_netns = fd;
}

/*
 * An all-zero kernel struct sigaction means SIG_DFL, no flags, an empty mask,
 * whatever the architecture's layout of the struct.
 */
static const unsigned long default_action[8];

/*
 * Every signal back to SIG_DFL, with the raw system call: glibc's sigaction()
 * refuses its internal signals 32 and 33, and an ignored signal would stay
 * ignored across execve.
 */
static void child_reset_signals(void)
{
	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, default_action, NULL, _NSIG / 8);
	}
}

/* Every fd above stdio, the caller's CLOEXEC or not, closes at execve. */
static void child_mark_cloexec(long max_fd)
{
	if (close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (long fd = STDERR_FILENO + 1; fd < max_fd; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/* Runs in the child between fork and execve: async-signal-safe calls only. */
static _Noreturn void child_exec(const struct spawn_plan *plan)
{
	struct spawn_failure f = { 0, 0 };
	sigset_t none;
	char c;

	child_reset_signals();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != plan->parent)
		_exit(127);
	while (read(plan->go_fd, &c, 1) < 0 && errno == EINTR)
		;
	/* All of in_fd, out_fd, err_fd are above 2, and dup2() clears CLOEXEC. */
	if (setpgid(0, 0) == 0 &&
	    (plan->netns_fd < 0 || setns(plan->netns_fd, CLONE_NEWNET) == 0) &&
	    dup2(plan->in_fd, STDIN_FILENO) >= 0 && dup2(plan->out_fd, STDOUT_FILENO) >= 0 &&
	    dup2(plan->err_fd, STDERR_FILENO) >= 0) {
		child_mark_cloexec(plan->max_fd);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(plan->path, plan->argv, plan->envp);
		f.exec_failed = 1;
	}
	f.errnum = errno;
	(void)!write(plan->report_fd, &f, sizeof(f));
	_exit(127);
}

static void kill_and_reap(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Forks the child with every signal blocked, so that no handler of the
 * caller runs in it before child_exec() has reset them.
 */
static pid_t spawn_fork(const struct spawn_plan *plan)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child_exec(plan);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/* Reads the child's report: 0 once it has exec'd, 1 with *f filled when it failed, -1 on error. */
static int read_report(int fd, struct spawn_failure *f)
{
	ssize_t n;

	do
		n = read(fd, f, sizeof(*f));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n == (ssize_t)sizeof(*f))
		return 1;
	if (n > 0)
		errno = EPROTO;
	return -1;
}

static void close_fd(int *fd)
{
	vs_closep(fd);
	*fd = -1;
}

int hooks_spawn(const struct oci_hook *hook, struct hooks_child *child, struct vs_error **err)
{
	cleanup_free char **argv = NULL;
	cleanup_free char **envp = NULL;
	cleanup_close int in_r = -1, in_w = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1;
	cleanup_close int go_r = -1, go_w = -1, rep_r = -1, rep_w = -1;
	int *const pipes[][2] = {
		{ &in_r, &in_w }, { &out_r, &out_w }, { &err_r, &err_w },
		{ &go_r, &go_w }, { &rep_r, &rep_w },
	};
	struct spawn_plan plan;
	struct spawn_failure f;
	int fds[2], pidfd, r;
	pid_t pid;

	if (hook->path == NULL || hook->path[0] != '/')
		return vs_error_set(err, 0, "hook path `%s` is not absolute",
				    hook->path ? hook->path : "");
	for (size_t i = 0; i < VS_ARRAY_SIZE(pipes); i++) {
		if (pipe_above_stdio(fds) < 0)
			return vs_error_set(err, errno, "cannot create a pipe for hook `%s`",
					    hook->path);
		*pipes[i][0] = fds[0];
		*pipes[i][1] = fds[1];
	}
	if (set_nonblock(in_w) < 0 || set_nonblock(out_r) < 0 || set_nonblock(err_r) < 0)
		return vs_error_set(err, errno, "cannot set up the pipes of hook `%s`", hook->path);

	argv = hook_argv(hook);
	envp = hook_envp(hook);
	plan = (struct spawn_plan){
		.path = hook->path,
		.argv = argv,
		.envp = envp,
		.in_fd = in_r,
		.out_fd = out_w,
		.err_fd = err_w,
		.go_fd = go_r,
		.report_fd = rep_w,
		.parent = getpid(),
		.max_fd = sysconf(_SC_OPEN_MAX),
		.netns_fd = hooks_netns,
	};
	pid = spawn_fork(&plan);
	if (pid < 0)
		return vs_error_set(err, errno, "cannot fork for hook `%s`", hook->path);
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		int saved = errno;

		kill_and_reap(pid);
		return vs_error_set(err, saved, "cannot watch the process of hook `%s`",
				    hook->path);
	}
	/* The child may go on to execve (it holds a copy of go_w too: no EOF). */
	while (write(go_w, "", 1) < 0 && errno == EINTR)
		;
	close_fd(&go_w);
	/* Our copies of the child's ends: only then does the report pipe see EOF at execve. */
	close_fd(&go_r);
	close_fd(&in_r);
	close_fd(&out_w);
	close_fd(&err_w);
	close_fd(&rep_w);

	r = read_report(rep_r, &f);
	if (r != 0) {
		int saved = errno;

		close(pidfd);
		if (r < 0) {
			kill_and_reap(pid);
			return vs_error_set(err, saved, "cannot start hook `%s`", hook->path);
		}
		/* The child is on its way out by itself. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (f.exec_failed)
			return vs_error_set(err, f.errnum, "cannot execute hook `%s`", hook->path);
		return vs_error_set(err, f.errnum, "cannot prepare the process of hook `%s`",
				    hook->path);
	}
	child->pid = pid;
	child->pidfd = pidfd;
	child->stdin_fd = steal_fd(&in_w);
	child->stdout_fd = steal_fd(&out_r);
	child->stderr_fd = steal_fd(&err_r);
	return 0;
}

void hooks_spawn_close(struct hooks_child *child)
{
	vs_closep(&child->pidfd);
	vs_closep(&child->stdin_fd);
	vs_closep(&child->stdout_fd);
	vs_closep(&child->stderr_fd);
	child->pidfd = child->stdin_fd = child->stdout_fd = child->stderr_fd = -1;
}
