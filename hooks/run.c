/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running hooks in order.  Each hook gets one poll() loop over its pidfd,
 * its stdin (the state JSON, written as the pipe takes it) and its stdout
 * and stderr (kept in bounded tails), limited by its deadline.  The loop
 * ends when the hook has exited, not at EOF on its output: a background
 * child of the hook may hold the pipes open for as long as it likes.
 */
#include "hooks.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "spawn.h"
#include "tail.h"

/* Most bytes taken from one output stream per wakeup, and after the exit. */
#define HOOKS_READ_BUDGET (256u << 10)

struct hook_run {
	const struct oci_hook *hook;
	struct hooks_child child;
	const char *input;
	size_t len, off;
	struct hooks_tail out, err;
	uint64_t deadline; /* CLOCK_MONOTONIC ns, 0 for none */
	bool timed_out;
	int status; /* from waitpid() */
};

/* Writes as much of the state as the pipe takes; closes stdin when done. */
static void feed_stdin(struct hook_run *r)
{
	while (r->off < r->len) {
		size_t chunk = r->len - r->off;
		ssize_t n =
		    write(r->child.stdin_fd, r->input + r->off, chunk < 65536 ? chunk : 65536);

		if (n > 0) {
			r->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EPIPE: the hook does not read its stdin (any more); that is its right. */
		vs_debug("hooks", "hook `%s` took %zu of %zu bytes of state: %s", r->hook->path,
			 r->off, r->len, n < 0 ? strerror(errno) : "short write");
		break;
	}
	vs_closep(&r->child.stdin_fd);
	r->child.stdin_fd = -1;
}

/* Reads what is there (at most HOOKS_READ_BUDGET bytes); closes fd at EOF. */
static void drain(int *fd, struct hooks_tail *t)
{
	char buf[4096];
	size_t total = 0;

	while (*fd >= 0 && total < HOOKS_READ_BUDGET) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n > 0) {
			hooks_tail_append(t, buf, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		vs_closep(fd);
		*fd = -1;
	}
}

/*
 * Waits until the hook exits or its deadline passes (r->timed_out).  Fails
 * only when poll() itself does.
 */
static int watch(struct hook_run *r, struct vs_error **err)
{
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = r->child.pidfd, .events = POLLIN },
			{ .fd = r->child.stdin_fd, .events = POLLOUT },
			{ .fd = r->child.stdout_fd, .events = POLLIN },
			{ .fd = r->child.stderr_fd, .events = POLLIN },
		};
		int timeout = -1;

		if (r->deadline != 0) {
			uint64_t now = vs_now_ns();

			if (now >= r->deadline) {
				r->timed_out = true;
				return 0;
			}
			uint64_t ms = (r->deadline - now + 999999) / 1000000;
			timeout = ms > INT_MAX ? INT_MAX : (int)ms;
		}
		/* poll() skips entries whose fd is -1: closed streams drop out. */
		if (poll(p, VS_ARRAY_SIZE(p), timeout) < 0) {
			if (errno == EINTR)
				continue;
			return vs_error_set(err, errno, "cannot wait for hook `%s`", r->hook->path);
		}
		if (p[1].revents != 0)
			feed_stdin(r);
		if (p[2].revents != 0)
			drain(&r->child.stdout_fd, &r->out);
		if (p[3].revents != 0)
			drain(&r->child.stderr_fd, &r->err);
		if (p[0].revents != 0)
			return 0;
	}
}

static int reap(struct hook_run *r, struct vs_error **err)
{
	while (waitpid(r->child.pid, &r->status, 0) < 0) {
		if (errno != EINTR)
			return vs_error_set(err, errno, "cannot get the exit status of hook `%s`",
					    r->hook->path);
	}
	return 0;
}

/*
 * SIGPIPE stays blocked in this thread while we write to a hook's stdin; one
 * raised by our writes is consumed before the old mask comes back.
 */
static bool sigpipe_block(sigset_t *old)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
	sigpending(&pending);
	return sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(const sigset_t *old, bool was_pending)
{
	sigset_t set, pending;
	const struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE) == 1) {
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void log_outcome(const struct hook_run *r)
{
	cleanup_free char *out = NULL;
	cleanup_free char *errs = NULL;
	int code = 0;
	const char *how = "exited with status";

	if (vs_log_get_level() < VS_LOG_DEBUG)
		return;
	out = hooks_tail_excerpt(&r->out);
	errs = hooks_tail_excerpt(&r->err);
	if (WIFEXITED(r->status)) {
		code = WEXITSTATUS(r->status);
	} else if (WIFSIGNALED(r->status)) {
		code = WTERMSIG(r->status);
		how = r->timed_out ? "timed out, killed by signal" : "was killed by signal";
	}
	vs_debug("hooks", "hook `%s` (pid %d) %s %d; stdout: \"%s\"; stderr: \"%s\"", r->hook->path,
		 (int)r->child.pid, how, code, out, errs);
}

/* The error for a hook that ran and failed, with its stderr as excerpt. */
static int report(const struct hook_run *r, struct vs_error **err)
{
	cleanup_free char *excerpt = hooks_tail_excerpt(&r->err);
	const char *sep = excerpt[0] != '\0' ? ": " : "";
	const char *path = r->hook->path;

	if (r->timed_out)
		return vs_error_set(err, 0, "hook `%s` timed out after %d seconds%s%s", path,
				    r->hook->timeout, sep, excerpt);
	if (WIFSIGNALED(r->status))
		return vs_error_set(err, 0, "hook `%s` was killed by signal %d%s%s", path,
				    WTERMSIG(r->status), sep, excerpt);
	if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0)
		return vs_error_set(err, 0, "hook `%s` exited with status %d%s%s", path,
				    WEXITSTATUS(r->status), sep, excerpt);
	return 0;
}

static int run_one(const struct oci_hook *hook, const char *state_json, struct vs_error **err)
{
	struct hook_run r = {
		.hook = hook,
		.child = HOOKS_CHILD_INIT,
		.input = state_json,
		.len = state_json != NULL ? strlen(state_json) : 0,
	};
	sigset_t old;
	bool was_pending;
	int ret;

	vs_debug("hooks", "running hook `%s` (argv[0] `%s`, %zu args, %zu env, timeout %d s)",
		 hook->path, hook->args != NULL && hook->n_args > 0 ? hook->args[0] : hook->path,
		 hook->args != NULL ? hook->n_args : 0, hook->env != NULL ? hook->n_env : 0,
		 hook->timeout);
	if (hook->timeout > 0)
		r.deadline = vs_now_ns() + (uint64_t)hook->timeout * 1000000000u;
	if (hooks_spawn(hook, &r.child, err) < 0)
		return -1;

	was_pending = sigpipe_block(&old);
	if (r.len == 0)
		feed_stdin(&r); /* nothing to write: closes stdin at once */
	ret = watch(&r, err);
	if (ret < 0 || r.timed_out) {
		/* The whole process group: a background child must not outlive us. */
		kill(-r.child.pid, SIGKILL);
		kill(r.child.pid, SIGKILL);
	}
	if (reap(&r, ret < 0 ? NULL : err) < 0)
		ret = -1;
	drain(&r.child.stdout_fd, &r.out);
	drain(&r.child.stderr_fd, &r.err);
	hooks_spawn_close(&r.child);
	sigpipe_restore(&old, was_pending);
	if (ret < 0)
		return -1;

	log_outcome(&r);
	return report(&r, err);
}

int hooks_run(const struct oci_hook *hooks, size_t n, const char *state_json, struct vs_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (run_one(&hooks[i], state_json, err) < 0)
			return -1;
	}
	return 0;
}

int hooks_run_kind(const struct oci_hooks *hooks, enum oci_hook_kind kind, const char *state_json,
		   struct vs_error **err)
{
	const char *name = oci_spec_hook_name(kind);
	int failed = 0;

	if (name == NULL)
		return vs_error_set(err, 0, "unknown hook kind %d", (int)kind);
	if (hooks == NULL || hooks->n[kind] == 0)
		return 0;
	vs_debug("hooks", "running %zu %s hooks", hooks->n[kind], name);
	if (hooks_kind_is_fatal(kind)) {
		if (hooks_run(hooks->list[kind], hooks->n[kind], state_json, err) < 0)
			return vs_error_prefix(err, "%s hook failed", name);
		return 0;
	}
	for (size_t i = 0; i < hooks->n[kind]; i++) {
		cleanup_error struct vs_error *e = NULL;

		if (run_one(&hooks->list[kind][i], state_json, &e) < 0) {
			vs_warn("hooks", "%s hook failed: %s", name, e->msg);
			failed++;
		}
	}
	return failed;
}
