/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's process through `vshim run`: stdio byte for byte, exit
 * status, death by signal, args, env, cwd, signals to vshim forwarded, and
 * exec failures.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtest.h"

static struct rt t;

static void setup(void)
{
	rt_setup(&t);
}

static void teardown(void)
{
	rt_teardown(&t);
}

TestSuite(process, .init = setup, .fini = teardown, .timeout = 120);

/* The namespaces of the default config but pid: the process is not a namespace's init. */
#define NO_PID_NS \
	"[{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]"

Test(process, ten_mib_of_binary_stdout_byte_for_byte)
{
	const size_t n = 10u << 20;
	struct rt_result r = rt_run_args(&t, "[" H ",\"bytes\",\"10485760\"]");

	rt_assert_ok(r);
	cr_assert_eq(r.out_len, n, "got %zu bytes of stdout, not %zu", r.out_len, n);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)r.out[i] != i % 251)
			cr_assert_fail("stdout differs at byte %zu: %u, not %zu", i,
				       (unsigned char)r.out[i], i % 251);
	}
	cr_assert_str_empty(r.err, "stderr: %s", r.err);
	rt_result_free(&r);
}

Test(process, binary_stdin_to_eof_through_cat)
{
	const size_t n = 3u << 20; /* over the agent's stdin window many times */
	cleanup_free char *in_path = vs_xasprintf("%s/stdin", t.dir);
	cleanup_free unsigned char *data = vs_xmalloc(n);
	struct rt_result r;

	for (size_t off = 0; off < n;)
		off += (size_t)getrandom(data + off, n - off, 0);
	ts_write_file(in_path, data, n);
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"cat\"]" });
	r = rt_run(&t, &(struct rt_opts){ .stdin_path = in_path });
	rt_assert_ok(r);
	cr_assert_eq(r.out_len, n, "cat gave back %zu bytes of %zu", r.out_len, n);
	cr_assert(memcmp(r.out, data, n) == 0, "cat gave back other bytes");
	rt_result_free(&r);
}

Test(process, empty_stdin_is_eof_at_once)
{
	struct rt_result r = rt_run_args(&t, "[\"sh\",\"-c\",\"cat; echo after-eof\"]");

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "after-eof\n");
	rt_result_free(&r);
}

Test(process, stderr_is_kept_apart_from_stdout)
{
	struct rt_result r =
	    rt_run_args(&t, "[\"sh\",\"-c\",\"/bin/vshim-testhelper echo to-stdout; "
			    "/bin/vshim-testhelper stderr to-stderr; echo more-stdout\"]");

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "to-stdout\nmore-stdout\n");
	cr_assert_str_eq(r.err, "to-stderr\n");
	rt_result_free(&r);
}

Test(process, exit_code_is_passed_through)
{
	struct rt_result r = rt_run_args(&t, "[" H ",\"exit\",\"42\"]");

	cr_assert_eq(r.status, 42, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_empty(r.err, "vshim added to stderr: %s", r.err);
	rt_result_free(&r);
}

Test(process, exit_code_255_is_passed_through)
{
	struct rt_result r = rt_run_args(&t, "[" H ",\"exit\",\"255\"]");

	cr_assert_eq(r.status, 255, "status %d; stderr: %s", r.status, r.err);
	rt_result_free(&r);
}

Test(process, death_by_signal_is_128_plus_signal)
{
	struct rt_result r;

	/* Outside a pid namespace the process is no namespace's init and dies of SIGSEGV. */
	r = rt_run_config(&t, &(struct rt_cfg){ .args = "[" H ",\"kill-self\",\"SEGV\"]",
						.namespaces = NO_PID_NS });
	cr_assert_eq(r.status, 128 + SIGSEGV, "status %d; stderr: %s", r.status, r.err);
	rt_result_free(&r);
}

Test(process, death_by_sigkill_is_137)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){ .args = "[" H ",\"kill-self\",\"KILL\"]",
						.namespaces = NO_PID_NS });

	cr_assert_eq(r.status, 128 + SIGKILL, "status %d; stderr: %s", r.status, r.err);
	rt_result_free(&r);
}

Test(process, args_are_passed_verbatim)
{
	struct rt_result r = rt_run_args(
	    &t,
	    "[" H ",\"echo\",\"two  spaces\",\"qu\\\"ote\",\"$HOME\",\"\\u00e9t\\u00e9\",\"*\"]");

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "two  spaces qu\"ote $HOME \xc3\xa9t\xc3\xa9 *\n");
	rt_result_free(&r);
}

Test(process, env_is_exactly_the_configs_plus_home)
{
	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){
		    .args = "[" H ",\"env\"]",
		    .env = "[\"PATH=/bin\",\"A=1\",\"B=with=equals and spaces\",\"EMPTY=\"]",
		});

	rt_assert_ok(r);
	/* HOME comes from the container's /etc/passwd when the config has none, as in runc. */
	cr_assert_str_eq(r.out, "PATH=/bin\nA=1\nB=with=equals and spaces\nEMPTY=\nHOME=/root\n");
	rt_result_free(&r);
}

Test(process, env_duplicates_keep_the_last_and_an_empty_home_is_filled)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = "[" H ",\"env\"]",
				  .env = "[\"A=1\",\"PATH=/bin\",\"HOME=\",\"A=2\"]",
				  .user = "{\"uid\":1000,\"gid\":1000}",
			      });

	rt_assert_ok(r);
	/* As runc: each name once with its last value; HOME from /etc/passwd, by uid. */
	cr_assert_str_eq(r.out, "PATH=/bin\nA=2\nHOME=/home/user\n");
	rt_result_free(&r);
}

/* `vshim --root ROOT ARGS` through the shell: its exit status, stdout in *out. */
static int vshim_call(const char *args, char **out)
{
	cleanup_free char *cmd = vs_xasprintf("'%s' --root '%s' %s", rt_vshim_path(), t.root, args);
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	cr_assert_not_null(p, "popen %s", cmd);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	*out = vs_xstrdup(buf);
	return WEXITSTATUS(pclose(p));
}

Test(process, run_keep_leaves_the_stopped_container_until_delete)
{
	cleanup_free char *state = NULL, *deleted = NULL;
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"exit\",\"3\"]" });
	r = rt_run(&t, &(struct rt_opts){ .extra = (const char *const[]){ "--keep", NULL },
					  .keep = true });
	cr_assert_eq(r.status, 3, "status %d; stderr: %s", r.status, r.err);
	rt_result_free(&r);
	cr_assert_eq(vshim_call("state ctr", &state), 0, "state after run --keep: %s", state);
	cr_assert_not_null(strstr(state, "\"stopped\""), "state: %s", state);
	cr_assert_eq(vshim_call("delete ctr", &deleted), 0, "delete: %s", deleted);
	rt_assert_clean(&t, "ctr");
}

Test(process, cwd_is_set)
{
	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){ .args = "[" H ",\"cwd\"]", .cwd = "\"/home/user\"" });

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "/home/user\n");
	rt_result_free(&r);
}

Test(process, args0_is_looked_up_in_the_process_path)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){ .args = "[\"vshim-testhelper\",\"echo\",\"found\"]",
						.env = "[\"PATH=/nowhere:/bin\"]" });

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "found\n");
	rt_result_free(&r);
}

Test(process, stdio_are_pipes_without_terminal)
{
	struct rt_result r = rt_run_args(&t, "[" H ",\"isatty\"]");

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "0 no\n1 no\n2 no\n");
	rt_result_free(&r);
}

/* runc writes the container's pid: here, the container's process on the host (shim/handle.h). */
Test(process, pid_file_holds_the_containers_pid)
{
	cleanup_free char *pid_file = vs_xasprintf("%s/run.pid", t.dir);
	const char *extra[] = { "--pid-file", pid_file, NULL };
	cleanup_free char *text = NULL, *stat = NULL, *root = NULL;
	struct rt_proc p;
	struct rt_result r;
	size_t len;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"wait-signal\"]" });
	rt_spawn(&t, &p, &(struct rt_opts){ .extra = extra });
	rt_wait_stdout(&p, "ready\n", 30);
	text = ts_read_file(pid_file, NULL);
	/* vshim's child, whose root is the container's. */
	stat = vs_xasprintf("/proc/%d/stat", atoi(text));
	cleanup_free char *fields = ts_read_file(stat, &len);
	cr_assert_not_null(fields, "pid file says `%s`: no such process", text);
	cr_assert_eq(atoi(strrchr(fields, ')') + 4), (int)p.pid, "pid %s is not vshim's child",
		     text);
	root = vs_xasprintf("/proc/%d/root/bin/vshim-testhelper", atoi(text));
	cr_assert_eq(access(root, X_OK), 0, "the pid's root is not the container's");
	kill(p.pid, SIGTERM);
	r = rt_wait(&t, &p);
	cr_assert_eq(r.status, SIGTERM, "status %d; stderr: %s", r.status, r.err);
	rt_result_free(&r);
}

/* vshim gets sig while the container waits; the helper reports it and exits with its number. */
static void signal_is_forwarded(int sig)
{
	cleanup_free char *want = vs_xasprintf("ready\nsignal %d\n", sig);
	struct rt_proc p;
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"wait-signal\"]" });
	rt_spawn(&t, &p, NULL);
	rt_wait_stdout(&p, "ready\n", 30);
	kill(p.pid, sig);
	r = rt_wait(&t, &p);
	cr_assert_eq(r.status, sig, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, want);
	cr_assert_lt(r.secs, 30.0);
	rt_result_free(&r);
}

Test(process, sigterm_to_vshim_is_forwarded)
{
	signal_is_forwarded(SIGTERM);
}

Test(process, sigint_to_vshim_is_forwarded)
{
	signal_is_forwarded(SIGINT);
}

Test(process, sighup_to_vshim_is_forwarded)
{
	signal_is_forwarded(SIGHUP);
}

Test(process, sigterm_kills_a_container_that_does_not_handle_it)
{
	struct rt_proc p;
	struct rt_result r;

	/* Outside a pid namespace SIGTERM's default action applies. */
	rt_config(&t,
		  &(struct rt_cfg){
		      .args = "[\"sh\",\"-c\",\"echo ready; exec /bin/vshim-testhelper sleep 60\"]",
		      .namespaces = NO_PID_NS });
	rt_spawn(&t, &p, NULL);
	rt_wait_stdout(&p, "ready\n", 30);
	kill(p.pid, SIGTERM);
	r = rt_wait(&t, &p);
	cr_assert_eq(r.status, 128 + SIGTERM, "status %d; stderr: %s", r.status, r.err);
	cr_assert_lt(r.secs, 30.0);
	rt_result_free(&r);
}

Test(process, missing_program_exits_127)
{
	struct rt_result r = rt_run_args(&t, "[\"/bin/no-such-program\",\"x\"]");

	cr_assert_eq(r.status, 127, "status %d; stderr: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "/bin/no-such-program"), "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "No such file or directory"), "stderr: %s", r.err);
	cr_assert_str_empty(r.out);
	rt_result_free(&r);
}

Test(process, program_not_in_path_exits_127)
{
	struct rt_result r = rt_run_args(&t, "[\"no-such-program\"]");

	cr_assert_eq(r.status, 127, "status %d; stderr: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "exec: \"no-such-program\": executable file not found "
					 "in $PATH"),
			   "stderr: %s", r.err);
	rt_result_free(&r);
}

Test(process, program_not_executable_exits_126)
{
	struct rt_result r = rt_run_args(&t, "[\"/etc/passwd\"]");

	cr_assert_eq(r.status, 126, "status %d; stderr: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "/etc/passwd"), "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "Permission denied"), "stderr: %s", r.err);
	rt_result_free(&r);
}

Test(process, missing_cwd_is_created)
{
	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){ .args = "[\"sh\",\"-c\",\"echo $(pwd) $(stat -c '%a %u' .)\"]",
				  .cwd = "\"/no/such/dir\"" });

	rt_assert_ok(r);
	/* As runc: made by root, mode 0755. */
	cr_assert_str_eq(r.out, "/no/such/dir 755 0\n");
	rt_result_free(&r);
}

Test(process, cwd_only_root_may_enter_is_entered_before_the_user_switch)
{
	cleanup_free char *dir = vs_xasprintf("%s/rootonly", t.rootfs);
	struct rt_result r;

	cr_assert_eq(mkdir(dir, 0700), 0);
	/* runc spec's capabilities: the user cannot override the directory's mode. */
	r = rt_run_config(&t,
			  &(struct rt_cfg){
			      .args = "[" H ",\"cwd\"]",
			      .cwd = "\"/rootonly\"",
			      .user = "{\"uid\":1000,\"gid\":1000}",
			      .caps = "{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
				      "\"permitted\":[\"CAP_KILL\"]}",
			  });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "/rootonly\n");
	rt_result_free(&r);
}

Test(process, bad_cwd_fails_with_a_message)
{
	/* A file on the way: no directory can be made there. */
	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){ .args = "[" H ",\"cwd\"]", .cwd = "\"/bin/busybox/dir\"" });

	cr_assert_neq(r.status, 0, "a container with a bad cwd ran");
	cr_assert_neq(r.status, 126);
	cr_assert_neq(r.status, 127);
	cr_assert_not_null(strstr(r.err, "process.cwd: cannot create directory `/bin/busybox/dir`"),
			   "stderr: %s", r.err);
	cr_assert_str_empty(r.out);
	rt_result_free(&r);
}

Test(process, stdin_pipe_written_in_pieces)
{
	struct rt_proc p;
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"cat\"]" });
	rt_spawn(&t, &p, &(struct rt_opts){ .stdin_pipe = true });
	cr_assert_eq(write(p.stdin_w, "first ", 6), 6);
	rt_wait_stdout(&p, "first ", 30);
	cr_assert_eq(write(p.stdin_w, "second\n", 7), 7);
	rt_wait_stdout(&p, "first second\n", 30);
	close(p.stdin_w);
	p.stdin_w = -1;
	r = rt_wait(&t, &p);
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "first second\n");
	rt_result_free(&r);
}

Test(process, container_exit_ends_vshim_while_stdin_stays_open)
{
	struct rt_proc p;
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\",\"done\"]" });
	rt_spawn(&t, &p, &(struct rt_opts){ .stdin_pipe = true, .timeout_s = 20 });
	/* The write end stays open until rt_wait() has seen vshim exit. */
	r = rt_wait(&t, &p);
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "done\n");
	rt_result_free(&r);
}

Test(process, sigterm_during_boot_leaves_nothing)
{
	struct rt_proc p;
	struct rt_result r;

	/*
	 * The signal comes before the agent is up.  Whether vshim delivers it once
	 * the process runs (no pid namespace: SIGTERM kills it) or gives up the
	 * start, the container must not run its 30 s.
	 */
	rt_config(&t,
		  &(struct rt_cfg){ .args = "[" H ",\"sleep\",\"30\"]", .namespaces = NO_PID_NS });
	rt_spawn(&t, &p, &(struct rt_opts){ .timeout_s = 10 });
	usleep(150000);
	kill(p.pid, SIGTERM);
	r = rt_wait(&t, &p);
	cr_assert_neq(r.status, 0, "stderr: %s", r.err);
	rt_result_free(&r);
}
