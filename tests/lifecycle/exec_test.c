/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec: its stdio and status, --process, --detach with --pid-file (the
 * proxy's pid), signals sent to the proxy, the proxy's death, and kill --all
 * reaching exec'd processes.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "lc.h"

static struct lc t;

static void setup(void)
{
	lc_setup(&t);
}

static void teardown(void)
{
	lc_teardown(&t);
}

TestSuite(exec, .init = setup, .fini = teardown, .timeout = 90);

struct proc {
	pid_t pid;
	char out[PATH_MAX / 4], err[PATH_MAX / 4];
};

/* vshim exec ARGV... with stdio in files DIR/NAME.{out,err} and stdin from in (or /dev/null). */
static void spawn_exec(struct proc *p, const char *name, const char *in, const char *const *argv)
{
	snprintf(p->out, sizeof(p->out), "%s/%s.out", t.dir, name);
	snprintf(p->err, sizeof(p->err), "%s/%s.err", t.dir, name);
	p->pid = lc_spawn(
	    &t, &(struct lc_io){ .in = in, .out = p->out, .err = p->err, .in_fd = -1 }, argv);
}

/* exec --detach --pid-file; returns the proxy's pid (a child of ours from now on). */
static pid_t detach(struct proc *p, const char *name, const char *const *args)
{
	cleanup_free char *pid_file = vs_xasprintf("%s/%s.pid", t.dir, name);
	cleanup_strv struct vs_strv argv = { 0 };

	vs_strv_push(&argv, "exec");
	vs_strv_push(&argv, "--detach");
	vs_strv_push(&argv, "--pid-file");
	vs_strv_push(&argv, pid_file);
	vs_strv_push(&argv, "ctr");
	for (const char *const *a = args; *a != NULL; a++)
		vs_strv_push(&argv, *a);
	spawn_exec(p, name, NULL, (const char *const *)argv.v);
	cr_assert_eq(lc_wait(p->pid, 30000), 0, "exec --detach failed:\n%s", lc_read(p->err));
	cleanup_free char *text = lc_read(pid_file);
	for (const char *c = text; *c; c++)
		cr_assert(*c >= '0' && *c <= '9', "the exec pid file holds \"%s\"", text);
	p->pid = atoi(text);
	cr_assert_eq(kill(p->pid, 0), 0, "the proxy %d is not there", (int)p->pid);
	return p->pid;
}

static void wait_ps_count(int n, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int got;

	while ((got = lc_ps_count(&t, "ctr")) != n) {
		cr_assert_lt(vs_now_ns(), deadline, "ps lists %d processes, not %d", got, n);
		usleep(50000);
	}
}

static void end(struct lc_ctr *c)
{
	struct lc_res r = LC_RUN(&t, "delete", "--force", "ctr");

	lc_assert_ok(r, "delete --force");
	lc_res_free(&r);
	if (c->pid > 0)
		lc_wait_pid(c, 10000);
	lc_assert_clean(&t);
}

Test(exec, stdio_status_and_options)
{
	cleanup_free char *input = vs_xasprintf("%s/input", t.dir);
	cleanup_free char *process = vs_xasprintf("%s/process.json", t.dir);
	struct lc_ctr c;
	struct proc p;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"100\"]" });
	lc_create_start(&t, &c, "ctr");

	/* stdin, stdout, stderr and the exit code, each its own. */
	lc_write(input, "line one\nline two\n", 0644);
	spawn_exec(
	    &p, "cat", input,
	    (const char *const[]){ "exec", "ctr", "sh", "-c", "cat; echo err >&2; exit 6", NULL });
	cr_assert_eq(lc_wait(p.pid, 30000), 6);
	cr_assert_str_eq(lc_read(p.out), "line one\nline two\n");
	cr_assert_str_eq(lc_read(p.err), "err\n");

	struct lc_res r = LC_RUN(&t, "exec", "-e", "FOO=bar", "--cwd", "/tmp", "-u", "1000:1001",
				 "ctr", "sh", "-c", "echo $FOO; pwd; /bin/vshim-testhelper id");
	lc_assert_ok(r, "exec -e --cwd -u");
	cr_assert_str_eq(r.out, "bar\n/tmp\nuid=1000 gid=1001 groups=\n");
	lc_res_free(&r);

	/* --process: the OCI process object, as containerd writes it. */
	lc_write(process,
		 "{\"terminal\":false,\"args\":[\"/bin/vshim-testhelper\",\"echo\",\"from\","
		 "\"process.json\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
		 "\"user\":{\"uid\":0,\"gid\":0}}",
		 0644);
	r = LC_RUN(&t, "exec", "--process", process, "ctr");
	lc_assert_ok(r, "exec --process");
	cr_assert_str_eq(r.out, "from process.json\n");
	lc_res_free(&r);

	/* What cannot run. */
	r = LC_RUN(&t, "exec", "ctr", "/nonexistent");
	cr_assert_eq(r.status, 127, "exec of a missing program: %d\n%s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "/nonexistent"), "%s", r.err);
	lc_res_free(&r);
	lc_write(process, "{\"args\":", 0644);
	r = LC_RUN(&t, "exec", "--process", process, "ctr");
	lc_assert_fails_with(r, "exec --process of bad JSON", "process.json");
	lc_res_free(&r);
	r = LC_RUN(&t, "exec", "--process", "/nonexistent.json", "ctr");
	lc_assert_fails_with(r, "exec --process of a missing file", "/nonexistent.json");
	lc_res_free(&r);
	r = LC_RUN(&t, "exec", "ctr");
	cr_assert_neq(r.status, 0, "exec without a command succeeded");
	lc_res_free(&r);
	cleanup_free char *pid_file = vs_xasprintf("%s/missing.pid", t.dir);
	r = LC_RUN(&t, "exec", "--detach", "--pid-file", pid_file, "ctr", "/nonexistent");
	lc_assert_fails_with(r, "exec --detach of a missing program", "/nonexistent");
	cr_assert_neq(access(pid_file, F_OK), 0, "a failed exec wrote its pid file");
	lc_res_free(&r);

	/* Nothing of these reached the container's stdio. */
	cleanup_free char *out = lc_read(c.out);
	cleanup_free char *err = lc_read(c.err);
	cr_assert_str_eq(out, "");
	cr_assert_str_eq(err, "");
	end(&c);
}

Test(exec, cap_additional_gids_user_and_no_new_privs_as_runc)
{
	struct lc_ctr c;
	struct lc_res r;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"100\"]",
					.process = "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
						   "\"effective\":[\"CAP_KILL\"],"
						   "\"permitted\":[\"CAP_KILL\"]}" });
	lc_create_start(&t, &c, "ctr");

	/* --cap: into the bounding, effective and permitted sets (CAP_KILL 5, CAP_NET_ADMIN 12). */
	r = LC_RUN(&t, "exec", "--cap", "CAP_NET_ADMIN", "ctr", "sh", "-c",
		   "/bin/vshim-testhelper caps | grep -E 'CapPrm|CapEff|CapBnd'");
	lc_assert_ok(r, "exec --cap");
	cr_assert_str_eq(r.out, "CapPrm:\t0000000000001020\nCapEff:\t0000000000001020\n"
				"CapBnd:\t0000000000001020\n");
	lc_res_free(&r);

	/* -u UID keeps config.json's gid; -g adds groups. */
	r = LC_RUN(&t, "exec", "-u", "1000", "-g", "20", "--additional-gids", "5", "ctr",
		   "/bin/vshim-testhelper", "id");
	lc_assert_ok(r, "exec -u -g");
	cr_assert_str_eq(r.out, "uid=1000 gid=0 groups=5,20\n");
	lc_res_free(&r);

	r = LC_RUN(&t, "exec", "--no-new-privs", "ctr", "sh", "-c",
		   "grep NoNewPrivs /proc/self/status");
	lc_assert_ok(r, "exec --no-new-privs");
	cr_assert_str_eq(r.out, "NoNewPrivs:\t1\n");
	lc_res_free(&r);

	r = LC_RUN(&t, "exec", "-g", "x1", "ctr", "true");
	lc_assert_fails_with(r, "exec -g x1", "--additional-gids `x1`: must be a group id");
	lc_res_free(&r);
	r = LC_RUN(&t, "exec", "-u", "1000:", "ctr", "true");
	lc_assert_fails_with(r, "exec -u 1000:", "--user `1000:`: must be UID or UID:GID");
	lc_res_free(&r);
	end(&c);
}

/* exec --process /dev/fd/3 with fd as descriptor 3: the process's stdout. */
static char *exec_fd3(int fd)
{
	cleanup_free char *out = vs_xasprintf("%s/fd3.out", t.dir);
	cleanup_free char *err = vs_xasprintf("%s/fd3.err", t.dir);
	pid_t pid =
	    lc_spawn(&t, &(struct lc_io){ .out = out, .err = err, .in_fd = -1, .fd3 = fd },
		     (const char *const[]){ "exec", "--process", "/dev/fd/3", "ctr", NULL });

	close(fd);
	cr_assert_eq(lc_wait(pid, 30000), 0, "exec --process /dev/fd/3 failed:\n%s", lc_read(err));
	return lc_read(out);
}

Test(exec, process_file_passed_as_a_descriptor)
{
	static const char process[] =
	    "{\"terminal\":false,\"args\":[\"/bin/vshim-testhelper\",\"echo\",\"by\",\"fd\"],"
	    "\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}";
	int pipe_fds[2], mem;
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"100\"]" });
	lc_create_start(&t, &c, "ctr");

	/* A pipe, as a shell's here-document or another program's output. */
	cr_assert_eq(pipe(pipe_fds), 0);
	cr_assert_eq(write(pipe_fds[1], process, strlen(process)), (ssize_t)strlen(process));
	close(pipe_fds[1]);
	cleanup_free char *from_pipe = exec_fd3(pipe_fds[0]);
	cr_assert_str_eq(from_pipe, "by fd\n");

	/* A memfd, read from its start. */
	mem = memfd_create("process.json", 0);
	cr_assert_geq(mem, 0);
	cr_assert_eq(write(mem, process, strlen(process)), (ssize_t)strlen(process));
	cleanup_free char *from_memfd = exec_fd3(mem);
	cr_assert_str_eq(from_memfd, "by fd\n");
	end(&c);
}

Test(exec, signals_to_the_proxy_reach_the_process)
{
	struct lc_ctr c;
	struct proc usr1, term;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"100\"]" });
	lc_create_start(&t, &c, "ctr");

	spawn_exec(
	    &usr1, "usr1", NULL,
	    (const char *const[]){ "exec", "ctr", "/bin/vshim-testhelper", "wait-signal", NULL });
	spawn_exec(
	    &term, "term", NULL,
	    (const char *const[]){ "exec", "ctr", "/bin/vshim-testhelper", "wait-signal", NULL });
	lc_wait_file(usr1.out, "ready", 10000);
	lc_wait_file(term.out, "ready", 10000);
	cr_assert_eq(kill(usr1.pid, SIGUSR1), 0);
	cr_assert_eq(kill(term.pid, SIGTERM), 0);
	cr_assert_eq(lc_wait(usr1.pid, 10000), SIGUSR1);
	cr_assert_eq(lc_wait(term.pid, 10000), SIGTERM);
	lc_wait_file(usr1.out, "signal 10", 1000);
	lc_wait_file(term.out, "signal 15", 1000);
	end(&c);
}

Test(exec, detached_proxy)
{
	struct lc_ctr c;
	struct proc a, b;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"100\"]" });
	lc_create_start(&t, &c, "ctr");
	wait_ps_count(1, 10000);
	struct lc_res r = LC_RUN(&t, "ps", "ctr");
	lc_assert_ok(r, "ps");
	cr_assert_eq(strncmp(r.out, "PID\n", 4), 0, "ps prints a table:\n%s", r.out);
	lc_res_free(&r);

	/* The pid file names the proxy; a signal to it reaches the process. */
	detach(&a, "a", (const char *const[]){ "/bin/vshim-testhelper", "wait-signal", NULL });
	lc_wait_file(a.out, "ready", 10000);
	wait_ps_count(2, 5000);
	cr_assert_eq(kill(a.pid, SIGUSR2), 0);
	cr_assert_eq(lc_wait(a.pid, 10000), SIGUSR2);
	lc_wait_file(a.out, "signal 12", 1000);
	wait_ps_count(1, 5000);

	/* A proxy that dies takes its process with it. */
	detach(&b, "b", (const char *const[]){ "/bin/vshim-testhelper", "wait-signal", NULL });
	lc_wait_file(b.out, "ready", 10000);
	wait_ps_count(2, 5000);
	cr_assert_eq(kill(b.pid, SIGKILL), 0);
	cr_assert_eq(lc_wait(b.pid, 10000), 128 + SIGKILL);
	wait_ps_count(1, 5000);
	lc_assert_status(&t, "ctr", "running");
	end(&c);
}

Test(exec, kill_all)
{
	struct lc_ctr c;
	struct proc a, b;

	/* The init ignores USR1: kill --all USR1 reaches the exec'd process alone. */
	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"trap '' USR1; echo started; "
						"while :; do sleep 1; done\"]" });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "started", 10000);
	detach(&a, "a", (const char *const[]){ "/bin/vshim-testhelper", "wait-signal", NULL });
	lc_wait_file(a.out, "ready", 10000);
	struct lc_res r = LC_RUN(&t, "kill", "--all", "ctr", "USR1");
	lc_assert_ok(r, "kill --all USR1");
	lc_res_free(&r);
	cr_assert_eq(lc_wait(a.pid, 10000), SIGUSR1);
	lc_assert_status(&t, "ctr", "running");

	/* kill --all KILL ends everything. */
	detach(&b, "b", (const char *const[]){ "/bin/vshim-testhelper", "wait-signal", NULL });
	lc_wait_file(b.out, "ready", 10000);
	r = LC_RUN(&t, "kill", "--all", "ctr", "KILL");
	lc_assert_ok(r, "kill --all KILL");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	cr_assert_eq(lc_wait(b.pid, 10000), 128 + SIGKILL);
	lc_assert_status(&t, "ctr", "stopped");
	r = LC_RUN(&t, "kill", "--all", "ctr", "KILL");
	lc_assert_ok(r, "kill --all of a stopped container");
	lc_res_free(&r);
	end(&c);
}
