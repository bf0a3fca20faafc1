/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks_run() and hooks_run_kind() against small /bin/sh hooks: order, stdin,
 * args, env, failures and their messages, timeouts (with the whole process
 * group), descriptors, signal state.  Criterion runs every test in its own
 * process, so tests may change signal state and become subreapers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "helpers.h"
#include "hooks/hooks.h"

TestSuite(hooks_run, .init = test_dir_make, .fini = test_dir_remove, .timeout = 30);

#define ARGV(...)  ((char *[]){ __VA_ARGS__, NULL })
#define NARGS(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))

static struct oci_hook hook_at(char *path)
{
	return (struct oci_hook){ .path = path };
}

static double seconds_since(uint64_t start)
{
	return (double)(vs_now_ns() - start) / 1e9;
}

/* Runs one hook and returns its error message (kept; NULL on success). */
static char *run1(struct oci_hook *h, const char *state)
{
	struct vs_error *err = NULL;
	char *msg;

	if (hooks_run(h, 1, state, &err) == 0) {
		cr_assert_null(err);
		return NULL;
	}
	cr_assert_not_null(err);
	msg = test_keep(vs_xstrdup(err->msg));
	vs_error_free(err);
	return msg;
}

Test(hooks_run, runs_hooks_in_order)
{
	char *log = test_path("log");
	struct oci_hook h[3] = {
		hook_at(test_script("h1", "echo one >> %s", log)),
		hook_at(test_script("h2", "echo two >> %s", log)),
		hook_at(test_script("h3", "echo three >> %s", log)),
	};
	struct vs_error *err = NULL;

	cr_assert_eq(hooks_run(h, 3, "{}", &err), 0);
	cr_assert_null(err);
	cr_assert_str_eq(test_read("log", NULL), "one\ntwo\nthree\n");
}

Test(hooks_run, no_hooks_succeeds)
{
	struct vs_error *err = NULL;

	cr_assert_eq(hooks_run(NULL, 0, "{}", &err), 0);
	cr_assert_null(err);
}

Test(hooks_run, state_arrives_on_stdin_exactly)
{
	char *out = test_path("stdin");
	struct oci_annotation ann[] = { { "org.example/key", "va\"lue\n" } };
	cleanup_free char *state =
	    hooks_state_json("1.2.0", "ctr-1", "creating", 4242, "/run/b", ann, 1);
	struct oci_hook h = hook_at(test_script("h", "cat > %s", out));
	size_t len;
	char *got;

	cr_assert_null(run1(&h, state));
	got = test_read("stdin", &len);
	cr_assert_eq(len, strlen(state));
	cr_assert_str_eq(got, state);
}

Test(hooks_run, large_state_is_written_whole)
{
	size_t size = 3u << 20; /* far beyond a pipe buffer */
	cleanup_free char *state = vs_xmalloc(size + 1);
	char *out = test_path("stdin");
	struct oci_hook h = hook_at(test_script("h", "cat > %s", out));
	char *got;
	size_t len;

	for (size_t i = 0; i < size; i++)
		state[i] = (char)('a' + i % 26);
	state[size] = '\0';
	cr_assert_null(run1(&h, state));
	got = test_read("stdin", &len);
	cr_assert_eq(len, size);
	cr_assert(memcmp(got, state, size) == 0);
}

Test(hooks_run, hook_not_reading_stdin_is_fine)
{
	size_t size = 4u << 20;
	cleanup_free char *state = vs_xmalloc(size + 1);
	struct oci_hook quiet = hook_at(test_script("quiet", "exit 0"));
	char *head_out = test_path("head");
	struct oci_hook partial = hook_at(test_script("partial", "head -c 10 > %s", head_out));
	sigset_t mask, pending;

	memset(state, 'x', size);
	state[size] = '\0';
	/* SIGPIPE at its default disposition would kill this test process. */
	signal(SIGPIPE, SIG_DFL);
	cr_assert_null(run1(&quiet, state));
	cr_assert_null(run1(&partial, state));
	cr_assert_str_eq(test_read("head", NULL), "xxxxxxxxxx");
	/* No SIGPIPE left pending, and the caller's mask is as it was. */
	sigpending(&pending);
	cr_assert_eq(sigismember(&pending, SIGPIPE), 0);
	sigprocmask(SIG_BLOCK, NULL, &mask);
	cr_assert_eq(sigismember(&mask, SIGPIPE), 0);
}

Test(hooks_run, null_state_gives_empty_stdin)
{
	char *out = test_path("stdin");
	struct oci_hook h = hook_at(test_script("h", "cat > %s", out));
	size_t len = 99;

	cr_assert_null(run1(&h, NULL));
	test_read("stdin", &len);
	cr_assert_eq(len, 0);
}

/* /proc/PID/cmdline of the shell shows argv exactly as execve() got it. */
Test(hooks_run, args_are_passed_exactly_with_argv0_as_given)
{
	char *out = test_path("cmdline");
	cleanup_free char *cmd = vs_xasprintf("cat /proc/$$/cmdline > %s; exit 0", out);
	char *args[] = { "my-argv0", "-c", cmd, "two words", "", "last", NULL };
	struct oci_hook h = { .path = "/bin/sh", .args = args, .n_args = 6 };
	cleanup_free char *want = NULL;
	char *got;
	size_t want_len = 0, len;

	want = vs_xmalloc(4096);
	for (size_t i = 0; i < 6; i++) {
		memcpy(want + want_len, args[i], strlen(args[i]) + 1);
		want_len += strlen(args[i]) + 1;
	}
	cr_assert_null(run1(&h, NULL));
	got = test_read("cmdline", &len);
	cr_assert_eq(len, want_len);
	cr_assert(memcmp(got, want, len) == 0);
}

/* No args: argv is { path }.  /bin/sh then reads its commands from stdin. */
Test(hooks_run, empty_args_use_path_as_argv0)
{
	char *out = test_path("cmdline");
	cleanup_free char *cmd = vs_xasprintf("cat /proc/$$/cmdline > %s; exit 0\n", out);
	struct oci_hook h = { .path = "/bin/sh", .args = ARGV("ignored"), .n_args = 0 };
	size_t len;
	char *got;

	cr_assert_null(run1(&h, cmd));
	got = test_read("cmdline", &len);
	cr_assert_eq(len, sizeof("/bin/sh"));
	cr_assert(memcmp(got, "/bin/sh", sizeof("/bin/sh")) == 0);
}

Test(hooks_run, script_sees_its_arguments)
{
	char *out = test_path("args");
	char *path = test_script("h", "printf '<%%s>\\n' \"$@\" > %s", out);
	struct oci_hook h = {
		.path = path,
		.args = ARGV("argv0", "a", "b c", ""),
		.n_args = NARGS("argv0", "a", "b c", ""),
	};

	cr_assert_null(run1(&h, "{}"));
	cr_assert_str_eq(test_read("args", NULL), "<a>\n<b c>\n<>\n");
}

Test(hooks_run, env_is_exactly_the_given_env)
{
	char *out = test_path("environ");
	char *path = test_script("h", "/bin/cat /proc/$$/environ > %s; exit 0", out);
	struct oci_hook h = {
		.path = path,
		.env = ARGV("A=1", "B=two words", "EMPTY=", "PATH=/nowhere"),
		.n_env = 4,
	};
	static const char want[] = "A=1\0B=two words\0EMPTY=\0PATH=/nowhere";
	size_t len;
	char *got;

	setenv("VSHIM_MUST_NOT_LEAK", "1", 1);
	cr_assert_null(run1(&h, "{}"));
	got = test_read("environ", &len);
	cr_assert_eq(len, sizeof(want));
	cr_assert(memcmp(got, want, len) == 0);
}

Test(hooks_run, no_env_means_an_empty_environment)
{
	char *out = test_path("environ");
	char *path = test_script("h", "cat /proc/$$/environ > %s; echo done >> %s", out, out);
	struct oci_hook h = hook_at(path);

	setenv("VSHIM_MUST_NOT_LEAK", "1", 1);
	cr_assert_null(run1(&h, "{}"));
	cr_assert_str_eq(test_read("environ", NULL), "done\n");
}

Test(hooks_run, failing_hook_stops_the_chain)
{
	char *log = test_path("log");
	struct oci_hook h[3] = {
		hook_at(test_script("h1", "echo one >> %s", log)),
		hook_at(test_script("h2", "echo 'first line' >&2\necho 'it broke' >&2\nexit 3")),
		hook_at(test_script("h3", "echo three >> %s", log)),
	};
	struct vs_error *err = NULL;
	cleanup_free char *want =
	    vs_xasprintf("hook `%s` exited with status 3: first line\nit broke", h[1].path);

	cr_assert_eq(hooks_run(h, 3, "{}", &err), -1);
	cr_assert_not_null(err);
	cr_assert_str_eq(err->msg, want);
	cr_assert_eq(err->errnum, 0);
	cr_assert_str_eq(test_read("log", NULL), "one\n");
	vs_error_free(err);
}

Test(hooks_run, failure_without_stderr)
{
	struct oci_hook h = hook_at(test_script("h", "echo only-stdout\nexit 1"));
	cleanup_free char *want = vs_xasprintf("hook `%s` exited with status 1", h.path);

	cr_assert_str_eq(run1(&h, "{}"), want);
}

Test(hooks_run, long_stderr_is_cut_to_its_tail)
{
	struct oci_hook h = hook_at(test_script(
	    "h", "i=0\nwhile [ $i -lt 2000 ]; do echo \"line $i\" >&2; i=$((i+1)); done\nexit 2"));
	char *msg = run1(&h, "{}");
	cleanup_free char *prefix = vs_xasprintf("hook `%s` exited with status 2: ...", h.path);
	const char *tail = "line 1999";

	cr_assert_not_null(msg);
	cr_assert(strncmp(msg, prefix, strlen(prefix)) == 0, "%s", msg);
	cr_assert_str_eq(msg + strlen(msg) - strlen(tail), tail);
	cr_assert_leq(strlen(msg), strlen(prefix) + HOOKS_OUTPUT_TAIL);
}

Test(hooks_run, lots_of_stdout_does_not_block)
{
	struct oci_hook h = hook_at(test_script("h", "head -c 5000000 /dev/zero\nexit 0"));

	cr_assert_null(run1(&h, "{}"));
}

Test(hooks_run, killed_by_signal)
{
	struct oci_hook h = hook_at(test_script("h", "kill -9 $$"));
	cleanup_free char *want = vs_xasprintf("hook `%s` was killed by signal 9", h.path);

	cr_assert_str_eq(run1(&h, "{}"), want);
}

Test(hooks_run, timeout_kills_the_hook)
{
	struct oci_hook h = hook_at(test_script("h", "exec sleep 100"));
	cleanup_free char *want = vs_xasprintf("hook `%s` timed out after 1 seconds", h.path);
	uint64_t start = vs_now_ns();
	double took;

	h.timeout = 1;
	cr_assert_str_eq(run1(&h, "{}"), want);
	took = seconds_since(start);
	cr_assert_geq(took, 0.9);
	cr_assert_lt(took, 2.0, "took %.2f s", took);
}

/*
 * A hook whose background child holds its stdout: at the deadline the whole
 * process group dies.  As a subreaper, this test inherits the orphaned sleep
 * and sees how it died.
 */
Test(hooks_run, timeout_kills_the_whole_process_group)
{
	char *bg = test_path("bg");
	struct oci_hook h = hook_at(test_script("h", "sleep 100 &\necho $! > %s\nwait", bg));
	cleanup_free char *want = vs_xasprintf("hook `%s` timed out after 1 seconds", h.path);
	uint64_t start = vs_now_ns();
	double took;
	pid_t pid;
	int status, pidfd;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	h.timeout = 1;
	cr_assert_str_eq(run1(&h, "{}"), want);
	took = seconds_since(start);
	cr_assert_lt(took, 2.0, "took %.2f s", took);
	pid = atoi(test_read("bg", NULL));
	cr_assert_gt(pid, 0);
	/* SIGKILL is on its way: the orphan must be gone within a second. */
	pidfd = pidfd_open(pid, 0);
	cr_assert_geq(pidfd, 0);
	cr_assert_eq(poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 1000), 1,
		     "the background sleep survived its hook");
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(pidfd);
}

Test(hooks_run, timeout_not_reached)
{
	struct oci_hook h = hook_at(test_script("h", "exit 0"));

	h.timeout = 5;
	cr_assert_null(run1(&h, "{}"));
}

/* Exit, not EOF on the hook's pipes, ends the wait. */
Test(hooks_run, background_child_holding_output_does_not_block)
{
	char *bg = test_path("bg");
	struct oci_hook h = hook_at(test_script("h", "sleep 100 &\necho $! > %s\nexit 0", bg));
	uint64_t start = vs_now_ns();
	double took;
	pid_t pid;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	cr_assert_null(run1(&h, "{}"));
	took = seconds_since(start);
	cr_assert_lt(took, 1.0, "took %.2f s", took);
	pid = atoi(test_read("bg", NULL));
	cr_assert_gt(pid, 0);
	cr_assert_eq(kill(pid, SIGKILL), 0, "the background child should still run");
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
}

Test(hooks_run, missing_binary)
{
	struct oci_hook h = hook_at("/nonexistent/vshim-hook");
	struct vs_error *err = NULL;

	cr_assert_eq(hooks_run(&h, 1, "{}", &err), -1);
	cr_assert_str_eq(
	    err->msg, "cannot execute hook `/nonexistent/vshim-hook`: No such file or directory");
	cr_assert_eq(err->errnum, ENOENT);
	vs_error_free(err);
}

Test(hooks_run, not_executable)
{
	char *path = test_script("h", "exit 0");
	struct oci_hook h = hook_at(path);
	cleanup_free char *want = vs_xasprintf("cannot execute hook `%s`: Permission denied", path);

	/* No x bit at all: even root may not execute it. */
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_str_eq(run1(&h, "{}"), want);
}

Test(hooks_run, relative_path_is_refused)
{
	struct oci_hook h = hook_at("bin/hook");

	cr_assert_str_eq(run1(&h, "{}"), "hook path `bin/hook` is not absolute");
}

/*
 * Descriptors of ours, CLOEXEC or not, never reach the hook: it has its three
 * pipes (stdout redirected to a file here) and ls's own directory fd.
 */
Test(hooks_run, no_fd_leaks_into_the_hook)
{
	char *out = test_path("fds");
	cleanup_free char *cmd = vs_xasprintf("exec ls -l /proc/self/fd > %s", out);
	struct oci_hook h = { .path = "/bin/sh", .args = ARGV("sh", "-c", cmd), .n_args = 3 };
	int p[2], sv[2];
	char *listing;
	char *line, *save = NULL;
	int seen = 0;

	cr_assert_eq(dup2(open("/dev/null", O_RDONLY), 100), 100);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_geq(open("/dev/zero", O_RDONLY | O_CLOEXEC), 0);
	cr_assert_null(run1(&h, "{}"));

	listing = test_read("fds", NULL);
	for (line = strtok_r(listing, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " -> ");
		char *num;

		if (arrow == NULL)
			continue; /* "total 0" */
		*arrow = '\0';
		num = strrchr(line, ' ') + 1;
		switch (atoi(num)) {
		case 0:
		case 2:
			cr_assert(strncmp(arrow + 4, "pipe:", 5) == 0, "fd %s -> %s", num,
				  arrow + 4);
			break;
		case 1:
			cr_assert_str_eq(arrow + 4, out);
			break;
		case 3:
			cr_assert(strncmp(arrow + 4, "/proc/", 6) == 0, "fd 3 -> %s", arrow + 4);
			break;
		default:
			cr_assert_fail("leaked fd %s -> %s", num, arrow + 4);
		}
		seen++;
	}
	cr_assert_eq(seen, 4);
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * The hook leads its own process group, with an empty signal mask and no
 * ignored signal, whatever the caller has.  A SIGCHLD handler without
 * SA_RESTART in the caller does not disturb the run.
 */
Test(hooks_run, own_process_group_and_clean_signal_state)
{
	char *out = test_path("proc");
	cleanup_free char *cmd =
	    vs_xasprintf("exec cat /proc/self/stat /proc/self/status > %s", out);
	struct oci_hook h = { .path = "/bin/sh", .args = ARGV("sh", "-c", cmd), .n_args = 3 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	char *proc;
	int pid, ppid, pgrp;

	signal(SIGUSR1, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);

	cr_assert_null(run1(&h, "{}"));
	proc = test_read("proc", NULL);
	cr_assert_eq(sscanf(proc, "%d (cat) %*c %d %d", &pid, &ppid, &pgrp), 3, "%s", proc);
	cr_assert_eq(ppid, getpid());
	cr_assert_eq(pgrp, pid);
	cr_assert_neq(pgrp, getpgrp());
	cr_assert_not_null(strstr(proc, "\nSigBlk:\t0000000000000000\n"), "%s", proc);
	cr_assert_not_null(strstr(proc, "\nSigIgn:\t0000000000000000\n"), "%s", proc);
	/* The caller's own state is untouched. */
	sigprocmask(SIG_BLOCK, NULL, &block);
	cr_assert(sigismember(&block, SIGUSR2) && sigismember(&block, SIGINT));
	cr_assert(!sigismember(&block, SIGPIPE));
}

Test(hooks_run, stdin_closed_stdio_still_works)
{
	char *out = test_path("stdin");
	struct oci_hook h = hook_at(test_script("h", "cat > %s", out));

	/* The caller runs without stdin: the pipes land on fd 0 and up. */
	close(STDIN_FILENO);
	cr_assert_null(run1(&h, "{\"x\":1}"));
	cr_assert_str_eq(test_read("stdin", NULL), "{\"x\":1}");
}

Test(hooks_run, kind_fatal_stops_and_prefixes)
{
	char *log = test_path("log");
	struct oci_hook list[2] = {
		hook_at(test_script("bad", "exit 4")),
		hook_at(test_script("good", "echo ran >> %s", log)),
	};
	struct oci_hooks hooks = { 0 };
	struct vs_error *err = NULL;
	cleanup_free char *want =
	    vs_xasprintf("createRuntime hook failed: hook `%s` exited with status 4", list[0].path);

	hooks.list[OCI_HOOK_CREATE_RUNTIME] = list;
	hooks.n[OCI_HOOK_CREATE_RUNTIME] = 2;
	cr_assert_eq(hooks_run_kind(&hooks, OCI_HOOK_CREATE_RUNTIME, "{}", &err), -1);
	cr_assert_str_eq(err->msg, want);
	cr_assert_str_eq(test_read("log", NULL), "");
	vs_error_free(err);
}

Test(hooks_run, kind_warn_only_runs_them_all)
{
	char *log = test_path("log");
	struct oci_hook list[3] = {
		hook_at(test_script("bad1", "exit 4")),
		hook_at(test_script("good", "echo ran >> %s", log)),
		hook_at("/nonexistent/hook"),
	};
	struct oci_hooks hooks = { 0 };
	struct vs_error *err = NULL;
	FILE *logf = tmpfile();
	char buf[4096] = "";

	vs_log_set_output(logf, false);
	hooks.list[OCI_HOOK_POSTSTOP] = list;
	hooks.n[OCI_HOOK_POSTSTOP] = 3;
	cr_assert_eq(hooks_run_kind(&hooks, OCI_HOOK_POSTSTOP, "{}", &err), 2);
	cr_assert_null(err);
	cr_assert_str_eq(test_read("log", NULL), "ran\n");
	/* Each failure was logged as a warning. */
	rewind(logf);
	cr_assert_gt(fread(buf, 1, sizeof(buf) - 1, logf), 0);
	cr_assert_not_null(strstr(buf, "poststop hook failed: hook `"), "%s", buf);
	cr_assert_not_null(strstr(buf, "exited with status 4"), "%s", buf);
	cr_assert_not_null(strstr(buf, "cannot execute hook `/nonexistent/hook`"), "%s", buf);
	vs_log_set_output(NULL, false);
	fclose(logf);
}

Test(hooks_run, kind_empty_and_out_of_range)
{
	struct oci_hooks hooks = { 0 };
	struct vs_error *err = NULL;

	cr_assert_eq(hooks_run_kind(&hooks, OCI_HOOK_PRESTART, "{}", &err), 0);
	cr_assert_eq(hooks_run_kind(NULL, OCI_HOOK_POSTSTART, "{}", &err), 0);
	cr_assert_null(err);
	cr_assert_eq(hooks_run_kind(&hooks, OCI_HOOK_KIND_COUNT, "{}", &err), -1);
	cr_assert_str_eq(err->msg, "unknown hook kind 6");
	vs_error_free(err);
}

Test(hooks_run, kind_policy)
{
	cr_assert(hooks_kind_is_fatal(OCI_HOOK_PRESTART));
	cr_assert(hooks_kind_is_fatal(OCI_HOOK_CREATE_RUNTIME));
	cr_assert(hooks_kind_is_fatal(OCI_HOOK_CREATE_CONTAINER));
	cr_assert(hooks_kind_is_fatal(OCI_HOOK_START_CONTAINER));
	cr_assert(!hooks_kind_is_fatal(OCI_HOOK_POSTSTART));
	cr_assert(!hooks_kind_is_fatal(OCI_HOOK_POSTSTOP));
}

Test(hooks_run, debug_log_has_the_output)
{
	struct oci_hook h = hook_at(test_script("h", "echo to-out\necho to-err >&2"));
	FILE *logf = tmpfile();
	char buf[8192] = "";

	vs_log_set_output(logf, false);
	vs_log_set_level(VS_LOG_DEBUG);
	cr_assert_null(run1(&h, "{}"));
	rewind(logf);
	cr_assert_gt(fread(buf, 1, sizeof(buf) - 1, logf), 0);
	cr_assert_not_null(
	    strstr(buf, "exited with status 0; stdout: \"to-out\"; stderr: \"to-err\""), "%s", buf);
	vs_log_set_output(NULL, false);
	fclose(logf);
}

/* With SIGCHLD ignored the kernel reaps the hook: a clear error, no hang. */
Test(hooks_run, sigchld_ignored_is_a_clear_error)
{
	struct oci_hook h = hook_at(test_script("h", "exit 0"));
	char *want = test_keep(
	    vs_xasprintf("cannot get the exit status of hook `%s`: No child processes", h.path));

	signal(SIGCHLD, SIG_IGN);
	cr_assert_str_eq(run1(&h, "{}"), want);
}

/* A caller that moved into a container's network namespace still runs hooks in its own. */
Test(hooks_run, hooks_run_in_the_runtimes_network_namespace)
{
	char *out = test_path("ns");
	struct oci_hook h = hook_at(test_script("netns", "readlink /proc/self/ns/net >%s", out));
	int runtime = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	char want[64] = "", got[64] = "";
	FILE *f;

	cr_assert_geq(runtime, 0, "%m");
	cr_assert_gt(readlink("/proc/self/ns/net", want, sizeof(want) - 1), 0);
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "cannot make a network namespace (run as root): %m");
	hooks_set_netns(runtime);
	cr_assert_null(run1(&h, NULL));
	f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(got, sizeof(got), f));
	fclose(f);
	got[strcspn(got, "\n")] = '\0';
	cr_assert_str_eq(got, want, "the hook ran in the container's namespace");

	/* Without it, a hook runs where its caller is. */
	hooks_set_netns(-1);
	cr_assert_null(run1(&h, NULL));
	f = fopen(out, "r");
	cr_assert_not_null(fgets(got, sizeof(got), f));
	fclose(f);
	cr_assert_str_neq(got, want);
	close(runtime);
}
