/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every verb in every state: creating, created, running, paused, stopped.
 * A verb that must fail changes nothing: the state before is the state after.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

TestSuite(states, .init = setup, .fini = teardown, .timeout = 90);

#define LOOP "[\"sh\",\"-c\",\"echo started; while :; do sleep 1; done\"]"

/* Runs a verb that must fail with text in its message, then checks the status is unchanged. */
static void refused(const char *const *argv, const char *text, const char *id, const char *status)
{
	struct lc_res r = lc_run(&t, argv);

	lc_assert_fails_with(r, argv[0], text);
	cr_assert_str_eq(r.out, "", "%s printed on stdout:\n%s", argv[0], r.out);
	/* A whole sentence: no system call failed, so no strerror() text is appended. */
	for (int e = 1; e < 134; e++) {
		cleanup_free char *suffix = vs_xasprintf(": %s\n", strerror(e));
		size_t n = strlen(suffix), len = strlen(r.err);

		cr_assert(len < n || strcmp(r.err + len - n, suffix) != 0,
			  "%s: the message ends with a strerror() text:\n%s", argv[0], r.err);
	}
	lc_res_free(&r);
	lc_assert_status(&t, id, status);
}
#define REFUSED(text, id, status, ...) \
	refused((const char *const[]){ __VA_ARGS__, NULL }, (text), (id), (status))

static void ok(const char *const *argv)
{
	struct lc_res r = lc_run(&t, argv);

	lc_assert_ok(r, argv[0]);
	lc_res_free(&r);
}
#define OK(...) ok((const char *const[]){ __VA_ARGS__, NULL })

Test(states, created)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create(&t, &c, "c");

	yajl_val v = lc_state(&t, "c");
	cr_assert_str_eq(lc_json_str(v, "status"), "created");
	cr_assert_eq(lc_json_int(v, "pid", 0), c.pid, "state's pid is not the monitor's");
	yajl_tree_free(v);

	REFUSED("not paused", "c", "created", "resume", "c");
	/* runc execs in a created container; so does vshim. */
	OK("exec", "c", "/bin/true");
	/* runc pauses a created container; resume returns it to created. */
	OK("pause", "c");
	v = lc_state(&t, "c");
	cr_assert_str_eq(lc_json_str(v, "status"), "paused");
	yajl_tree_free(v);
	REFUSED("paused", "c", "paused", "start", "c");
	OK("resume", "c");
	v = lc_state(&t, "c");
	cr_assert_str_eq(lc_json_str(v, "status"), "created");
	yajl_tree_free(v);
	cr_assert_geq(lc_ps_count(&t, "c"), 1, "ps of a created container");
	struct lc_res r = LC_RUN(&t, "list", "--format", "json");
	lc_assert_ok(r, "list");
	cr_assert_not_null(strstr(r.out, "\"created\""), "list: %s", r.out);
	lc_res_free(&r);

	/* The process never ran. */
	cleanup_free char *out = lc_read(c.out);
	cr_assert_str_eq(out, "", "the process ran before start:\n%s", out);

	/* runc deletes a created container without --force: its process is killed. */
	OK("delete", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, kill_of_created)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create(&t, &c, "c");
	OK("kill", "c", "KILL");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_status(&t, "c", "stopped");
	REFUSED("", "c", "stopped", "start", "c");
	OK("delete", "c");
	lc_assert_clean(&t);
}

Test(states, running_then_paused)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create_start(&t, &c, "c");
	lc_assert_status(&t, "c", "running");
	lc_wait_file(c.out, "started", 10000);

	/* running */
	REFUSED("", "c", "running", "start", "c");
	REFUSED("not paused", "c", "running", "resume", "c");
	REFUSED("not stopped", "c", "running", "delete", "c");
	cr_assert_geq(lc_ps_count(&t, "c"), 1, "ps of a running container");
	OK("exec", "c", "/bin/true");
	OK("kill", "c", "CONT");
	OK("pause", "c");

	/* paused */
	lc_assert_status(&t, "c", "paused");
	REFUSED("", "c", "paused", "pause", "c");
	REFUSED("", "c", "paused", "start", "c");
	REFUSED("not running", "c", "paused", "exec", "c", "/bin/true");
	REFUSED("not stopped", "c", "paused", "delete", "c");
	struct lc_res r = LC_RUN(&t, "ps", "c"); /* must answer, not wait for the vCPUs */
	lc_res_free(&r);
	lc_assert_status(&t, "c", "paused");
	OK("resume", "c");
	lc_assert_status(&t, "c", "running");
	OK("exec", "c", "/bin/true");

	OK("delete", "--force", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, paused_delete_force)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create_start(&t, &c, "c");
	OK("pause", "c");
	OK("delete", "--force", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, kill_0_checks_and_kill_then_delete_at_once)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create(&t, &c, "c");
	OK("kill", "c", "0");
	OK("start", "c");
	lc_wait_file(c.out, "started", 10000);
	OK("kill", "c", "0");
	OK("pause", "c");
	OK("kill", "c", "0");
	OK("resume", "c");

	/* As with runc: the process is gone when kill returns, so delete needs no --force. */
	OK("kill", "c", "KILL");
	OK("delete", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, ps_formats_and_ps_arguments)
{
	struct lc_ctr c;
	struct lc_res r;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"100\"]" });
	lc_create_start(&t, &c, "c");
	r = LC_RUN(&t, "ps", "--format", "json", "c");
	lc_assert_ok(r, "ps --format json");
	cr_assert_str_eq(r.out, "[1]\n");
	lc_res_free(&r);
	r = LC_RUN(&t, "ps", "--format", "table", "c");
	lc_assert_ok(r, "ps --format table");
	cr_assert_str_eq(r.out, "PID\n1\n");
	lc_res_free(&r);

	/* ps ARGS runs where the processes are; only theirs are kept (not the ps itself). */
	r = LC_RUN(&t, "ps", "c", "-o", "pid,comm");
	lc_assert_ok(r, "ps ID -o pid,comm");
	cr_assert_str_eq(r.out, "PID   COMMAND\n    1 vshim-testhelpe\n");
	lc_res_free(&r);
	r = LC_RUN(&t, "ps", "c", "--", "-o", "comm");
	lc_assert_ok(r, "ps ID -- -o comm");
	cr_assert_str_eq(r.out, "COMMAND\n", "without a PID column no line is the container's");
	lc_res_free(&r);

	OK("delete", "--force", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, signal_right_after_start_is_not_dropped)
{
	struct lc_ctr c;

	/*
	 * The init is its pid namespace's: a signal it has no handler for yet is
	 * dropped.  start returns once it has set itself up (here, after a
	 * moment of work), so the trap is there for a TERM sent at once.
	 */
	lc_config(&t,
		  &(struct lc_cfg){
		      .args = "[\"sh\",\"-c\",\"i=0; while [ $i -lt 10000 ]; do i=$((i+1)); done; "
			      "trap 'exit 42' TERM; while :; do sleep 0.1; done\"]" });
	lc_create(&t, &c, "c");
	OK("start", "c");
	OK("kill", "c", "TERM");
	cr_assert_eq(lc_wait_pid(&c, 15000), 42, "the TERM sent right after start was lost");
	OK("delete", "c");
	lc_assert_clean(&t);
}

Test(states, stopped)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"exit\",\"3\"]" });
	lc_create_start(&t, &c, "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 3, "the monitor exits with the process's code");

	yajl_val v = lc_state(&t, "c");
	cr_assert_str_eq(lc_json_str(v, "status"), "stopped");
	cr_assert_eq(lc_json_int(v, "pid", -1), 0);
	yajl_tree_free(v);

	REFUSED("", "c", "stopped", "start", "c");
	REFUSED("container not running", "c", "stopped", "kill", "c", "KILL");
	REFUSED("container not running", "c", "stopped", "kill", "c");
	REFUSED("container not running", "c", "stopped", "kill", "c", "0");
	REFUSED("container not running", "c", "stopped", "pause", "c");
	REFUSED("container not running", "c", "stopped", "resume", "c");
	REFUSED("container not running", "c", "stopped", "exec", "c", "/bin/true");
	/* As runc: a stopped container has no processes; ps arguments have no ps to run. */
	struct lc_res p = LC_RUN(&t, "ps", "--format", "json", "c");
	lc_assert_ok(p, "ps --format json of a stopped container");
	cr_assert_str_eq(p.out, "null\n");
	lc_res_free(&p);
	p = LC_RUN(&t, "ps", "c");
	lc_assert_ok(p, "ps of a stopped container");
	cr_assert_str_eq(p.out, "PID\n");
	lc_res_free(&p);
	REFUSED("container not running", "c", "stopped", "ps", "c", "-o", "pid");
	OK("kill", "--all", "c", "KILL");
	lc_assert_status(&t, "c", "stopped");

	OK("delete", "c");
	struct lc_res r = LC_RUN(&t, "delete", "c");
	lc_assert_fails_with(r, "delete", "does not exist");
	lc_res_free(&r);
	OK("delete", "--force", "c");
	lc_assert_clean(&t);
}

Test(states, creating)
{
	cleanup_free char *in_hook = vs_xasprintf("%s/in-hook", t.dir);
	cleanup_free char *go = vs_xasprintf("%s/go", t.dir);
	cleanup_free char *script = vs_xasprintf("%s/hold.sh", t.dir);
	cleanup_free char *text = vs_xasprintf("#!/bin/sh\ntouch %s\n"
					       "while [ ! -e %s ]; do sleep 0.02; done\n",
					       in_hook, go);
	cleanup_free char *hooks =
	    vs_xasprintf("{\"createRuntime\":[{\"path\":\"%s\",\"timeout\":60}]}", script);
	cleanup_free char *out = vs_xasprintf("%s/c.out", t.dir);
	cleanup_free char *err = vs_xasprintf("%s/c.err", t.dir);
	cleanup_free char *pid_file = vs_xasprintf("%s/c.pid", t.dir);

	lc_write(script, text, 0755);
	lc_config(&t, &(struct lc_cfg){ .args = LOOP, .hooks = hooks });
	struct lc_io io = { .out = out, .err = err, .in_fd = -1 };
	pid_t create = lc_spawn(&t, &io,
				(const char *const[]){ "create", "--bundle", t.bundle, "--pid-file",
						       pid_file, "c", NULL });
	lc_wait_exists(in_hook, 30000);

	lc_assert_status(&t, "c", "creating");
	REFUSED("", "c", "creating", "start", "c");
	REFUSED("", "c", "creating", "kill", "c", "KILL");
	REFUSED("", "c", "creating", "pause", "c");
	REFUSED("", "c", "creating", "resume", "c");
	REFUSED("", "c", "creating", "exec", "c", "/bin/true");
	REFUSED("", "c", "creating", "ps", "c");
	/* Not stopped: refused at once, and the creation goes on. */
	uint64_t t0 = vs_now_ns();
	REFUSED("", "c", "creating", "delete", "c");
	cr_assert_lt(vs_now_ns() - t0, 3000000000ull, "delete of a creating container waited");
	REFUSED("already exists", "c", "creating", "create", "--bundle", t.bundle, "c");

	lc_write(go, "", 0644);
	cr_assert_eq(lc_wait(create, 30000), 0, "create failed:\n%s", lc_read(err));
	lc_assert_status(&t, "c", "created");
	pid_t hook[1];
	cr_assert_eq(ts_find_processes(script, hook, 1), 0, "the hook still runs");

	cleanup_free char *pid = lc_read(pid_file);
	struct lc_ctr c = { .id = "c", .pid = atoi(pid) };
	OK("delete", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, duplicate_id_changes_nothing)
{
	cleanup_free char *state_path = vs_xasprintf("%s/c/state.json", t.root);
	cleanup_free char *pid2 = vs_xasprintf("%s/second.pid", t.dir);
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create(&t, &c, "c");
	cleanup_free char *before = lc_read(state_path);

	REFUSED("already exists", "c", "created", "create", "--bundle", t.bundle, "--pid-file",
		pid2, "c");
	cleanup_free char *after = lc_read(state_path);
	cr_assert_str_eq(after, before, "a refused create changed state.json");
	cr_assert_neq(access(pid2, F_OK), 0, "a refused create wrote its pid file");
	cr_assert_eq(kill(c.pid, 0), 0, "the first monitor is gone");

	/* The first container is whole. */
	OK("start", "c");
	lc_wait_file(c.out, "started", 10000);
	OK("delete", "--force", "c");
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(states, longest_id)
{
	char id[65];
	struct lc_ctr c;

	memset(id, 'i', 64);
	id[64] = '\0';
	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create_start(&t, &c, id);
	lc_wait_file(c.out, "started", 10000);
	OK("exec", id, "/bin/true");
	OK("delete", "--force", id);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}
