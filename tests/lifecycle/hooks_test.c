/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks from config.json through the lifecycle (runtime.md "Lifecycle",
 * config.md "POSIX-platform Hooks"): when each kind runs, the state it reads
 * on stdin, its args, env and timeout, and which failures fail the verb.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

TestSuite(hooks, .init = setup, .fini = teardown, .timeout = 90);

#define LOOP "[\"sh\",\"-c\",\"echo started; while :; do sleep 1; done\"]"

static const char *const kinds[] = { "prestart",       "createRuntime", "createContainer",
				     "startContainer", "poststart",	"poststop" };

/* DIR/hook.sh records its kind, stdin, args and env under DIR/hooks, then exits with $2. */
static void write_recorder(void)
{
	cleanup_free char *path = vs_xasprintf("%s/hook.sh", t.dir);
	cleanup_free char *dir = vs_xasprintf("%s/hooks", t.dir);
	cleanup_free char *text =
	    vs_xasprintf("#!/bin/sh\n"
			 "d=%s\n"
			 "cat > $d/$1.json\n"
			 "echo $1 >> $d/order\n"
			 "for a in \"$@\"; do echo \"$a\"; done > $d/$1.args\n"
			 "env > $d/$1.env\n"
			 "[ \"$2\" = 0 ] || echo \"$1 hook says no\" >&2\n"
			 "exit $2\n",
			 dir);

	cr_assert_eq(mkdir(dir, 0755), 0);
	lc_write(path, text, 0755);
}

/* The hooks object: every kind runs the recorder, exiting 0 unless named in failing. */
static char *hooks_json(const char *failing)
{
	cleanup_strv struct vs_strv parts = { 0 };

	for (size_t i = 0; i < VS_ARRAY_SIZE(kinds); i++) {
		bool fail = failing != NULL && strcmp(failing, kinds[i]) == 0;

		vs_strv_pushf(
		    &parts,
		    "\"%s\":[{\"path\":\"%s/hook.sh\",\"args\":[\"hook.sh\",\"%s\",\"%d\","
		    "\"a b\"],\"env\":[\"HOOK_KIND=%s\",\"PATH=/usr/bin:/bin\"],"
		    "\"timeout\":20}]",
		    kinds[i], t.dir, kinds[i], fail ? 3 : 0, kinds[i]);
	}
	cleanup_free char *body = vs_strv_join(&parts, ",");
	return vs_xasprintf("{%s}", body);
}

static char *order(void)
{
	cleanup_free char *path = vs_xasprintf("%s/hooks/order", t.dir);

	return access(path, F_OK) == 0 ? lc_read(path) : vs_xstrdup("");
}

static void assert_order(const char *expected)
{
	cleanup_free char *got = order();

	cr_assert_str_eq(got, expected, "hooks ran in this order:\n%s\nnot:\n%s", got, expected);
}

/* The state a hook read on stdin. */
static yajl_val hook_state(const char *kind)
{
	cleanup_free char *path = vs_xasprintf("%s/hooks/%s.json", t.dir, kind);
	cleanup_free char *text = lc_read(path);

	return lc_json_parse(text);
}

static void assert_hook_state(const char *kind, const char *status, pid_t pid)
{
	yajl_val v = hook_state(kind);
	const char *ann[] = { "annotations", "io.vshim.memory", NULL };

	cr_assert_str_eq(lc_json_str(v, "ociVersion"), "1.0.2", "%s", kind);
	cr_assert_str_eq(lc_json_str(v, "id"), "ctr", "%s", kind);
	cr_assert_str_eq(lc_json_str(v, "bundle"), t.bundle, "%s", kind);
	cr_assert_str_eq(lc_json_str(v, "status"), status, "the %s hook read status %s, not %s",
			 kind, lc_json_str(v, "status"), status);
	if (pid > 0)
		cr_assert_eq(lc_json_int(v, "pid", 0), pid, "the %s hook read pid %lld", kind,
			     lc_json_int(v, "pid", 0));
	cr_assert_not_null(yajl_tree_get(v, ann, yajl_t_string), "%s: no annotations", kind);
	yajl_tree_free(v);
}

Test(hooks, order_state_args_env)
{
	cleanup_free char *hooks = NULL;
	struct lc_ctr c;

	write_recorder();
	hooks = hooks_json(NULL);
	lc_config(&t, &(struct lc_cfg){ .args = LOOP, .hooks = hooks });
	/* vshim's environment must not reach the hooks. */
	setenv("LC_LEAK", "1", 1);

	lc_create(&t, &c, "ctr");
	assert_order("prestart\ncreateRuntime\ncreateContainer\n");
	struct lc_res r = LC_RUN(&t, "start", "ctr");
	lc_assert_ok(r, "start");
	lc_res_free(&r);
	/* poststart before start returns (runtime.md, Lifecycle step 9). */
	assert_order("prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\n");
	r = LC_RUN(&t, "kill", "ctr", "KILL");
	lc_assert_ok(r, "kill");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	assert_order("prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\n");
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	assert_order(
	    "prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop\n");
	lc_assert_clean(&t);

	/*
	 * The state on stdin: "creating" while the create operation runs (runc passes it
	 * to prestart, createRuntime and createContainer), "created" before the program
	 * runs, "running" after, "stopped" once deleted.  pid is REQUIRED for created and
	 * running: the monitor's, as `state` says.
	 */
	assert_hook_state("prestart", "creating", 0);
	assert_hook_state("createRuntime", "creating", 0);
	assert_hook_state("createContainer", "creating", 0);
	assert_hook_state("startContainer", "created", c.pid);
	assert_hook_state("poststart", "running", c.pid);
	assert_hook_state("poststop", "stopped", 0);

	for (size_t i = 0; i < VS_ARRAY_SIZE(kinds); i++) {
		cleanup_free char *args_path = vs_xasprintf("%s/hooks/%s.args", t.dir, kinds[i]);
		cleanup_free char *env_path = vs_xasprintf("%s/hooks/%s.env", t.dir, kinds[i]);
		cleanup_free char *args = lc_read(args_path);
		cleanup_free char *env = lc_read(env_path);
		cleanup_free char *want_args = vs_xasprintf("%s\n0\na b\n", kinds[i]);
		cleanup_free char *want_env = vs_xasprintf("HOOK_KIND=%s\n", kinds[i]);

		cr_assert_str_eq(args, want_args, "%s hook's arguments:\n%s", kinds[i], args);
		cr_assert_not_null(strstr(env, want_env), "%s hook's env:\n%s", kinds[i], env);
		cr_assert_null(strstr(env, "LC_LEAK"), "vshim's env reached the %s hook", kinds[i]);
	}
}

/* A failing create-time hook fails create, runs poststop, and leaves nothing. */
static void create_hook_fails(const char *kind, const char *ran_before)
{
	cleanup_free char *hooks = NULL;
	struct lc_ctr c;

	write_recorder();
	hooks = hooks_json(kind);
	lc_config(&t, &(struct lc_cfg){ .args = LOOP, .hooks = hooks });
	struct lc_res r = lc_create_ex(&t, &c, "ctr", NULL);
	cleanup_free char *msg = vs_xasprintf("%s hook failed", kind);
	cleanup_free char *said = vs_xasprintf("%s hook says no", kind);

	lc_assert_fails_with(r, "create", msg);
	cr_assert_not_null(strstr(r.err, said), "the hook's stderr is not in the error:\n%s",
			   r.err);
	cr_assert_neq(access(c.pid_file, F_OK), 0, "a failed create wrote the pid file");
	lc_res_free(&r);
	lc_assert_clean(&t);

	/* The lifecycle goes on at its step 12: the container is destroyed, poststop runs. */
	cleanup_free char *want = vs_xasprintf("%s%s\npoststop\n", ran_before, kind);
	assert_order(want);

	r = LC_RUN(&t, "state", "ctr");
	lc_assert_fails_with(r, "state", "does not exist");
	lc_res_free(&r);
}

Test(hooks, failing_createRuntime_fails_create)
{
	create_hook_fails("createRuntime", "prestart\n");
}

Test(hooks, failing_createContainer_fails_create)
{
	create_hook_fails("createContainer", "prestart\ncreateRuntime\n");
}

Test(hooks, failing_startContainer_fails_start)
{
	cleanup_free char *hooks = NULL;
	struct lc_ctr c;

	write_recorder();
	hooks = hooks_json("startContainer");
	lc_config(&t, &(struct lc_cfg){ .args = LOOP, .hooks = hooks });
	lc_create(&t, &c, "ctr");
	struct lc_res r = LC_RUN(&t, "start", "ctr");
	lc_assert_fails_with(r, "start", "startContainer hook failed");
	lc_res_free(&r);
	/* "stop the container": it never ran. */
	lc_wait_pid(&c, 10000);
	lc_assert_status(&t, "ctr", "stopped");
	cleanup_free char *out = lc_read(c.out);
	cr_assert_str_eq(out, "", "the program ran:\n%s", out);
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	assert_order("prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststop\n");
	lc_assert_clean(&t);
}

Test(hooks, poststart_and_poststop_failures_are_warnings)
{
	cleanup_free char *log = vs_xasprintf("%s/log.json", t.dir);
	cleanup_free char *hooks = vs_xasprintf(
	    "{\"poststart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
	    "\"echo poststart-broke >&2; exit 1\"]},"
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s/second-poststart\"]}],"
	    "\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
	    "\"echo poststop-broke >&2; exit 1\"]},"
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s/second-poststop\"]}]}",
	    t.dir, t.dir);
	cleanup_free char *second_poststart = vs_xasprintf("%s/second-poststart", t.dir);
	cleanup_free char *second_poststop = vs_xasprintf("%s/second-poststop", t.dir);
	const char *const global[] = { "--log", log, "--log-format", "json", NULL };
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP, .hooks = hooks });
	struct lc_res r =
	    lc_create_ex(&t, &c, "ctr", &(struct lc_create_opts){ .global = global, .in_fd = -1 });
	lc_assert_ok(r, "create");
	lc_res_free(&r);
	r = lc_run(&t, (const char *const[]){ "--log", log, "--log-format", "json", "start", "ctr",
					      NULL });
	lc_assert_ok(r, "start with a failing poststart hook");
	lc_res_free(&r);
	lc_assert_status(&t, "ctr", "running");
	lc_wait_file(c.out, "started", 10000);
	cr_assert_eq(access(second_poststart, F_OK), 0, "the hooks after the failing one ran not");
	/* A warning in the log, nothing on the container's stdio. */
	lc_wait_file(log, "poststart-broke", 1000);
	cr_assert_not_null(strstr(lc_read(log), "\"level\":\"warning\""));
	cleanup_free char *err = lc_read(c.err);
	cr_assert_str_eq(err, "", "the container's stderr:\n%s", err);

	r = LC_RUN(&t, "kill", "ctr", "KILL");
	lc_assert_ok(r, "kill");
	lc_res_free(&r);
	lc_wait_pid(&c, 10000);
	r = lc_run(&t, (const char *const[]){ "--log", log, "--log-format", "json", "delete", "ctr",
					      NULL });
	lc_assert_ok(r, "delete with a failing poststop hook");
	cr_assert(strstr(r.err, "poststop-broke") != NULL || strstr(lc_read(log), "poststop-broke"),
		  "no warning about the poststop hook:\n%s", r.err);
	lc_res_free(&r);
	cr_assert_eq(access(second_poststop, F_OK), 0, "the hooks after the failing one ran not");
	lc_assert_clean(&t);
}

Test(hooks, timeout_is_enforced)
{
	cleanup_free char *sleeper = vs_xasprintf("%s/sleeper.pid", t.dir);
	cleanup_free char *hooks =
	    vs_xasprintf("{\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			 "\"echo $$ > %s; exec sleep 30\"],\"timeout\":1}]}",
			 sleeper);
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP, .hooks = hooks });
	uint64_t t0 = vs_now_ns();
	struct lc_res r = lc_create_ex(&t, &c, "ctr", NULL);
	double secs = (double)(vs_now_ns() - t0) / 1e9;

	lc_assert_fails_with(r, "create", "timed out after 1 second");
	lc_res_free(&r);
	cr_assert_lt(secs, 10.0, "create took %.1f s with a hook timeout of 1 s", secs);
	cleanup_free char *pid = lc_read(sleeper);
	cr_assert_neq(kill(atoi(pid), 0), 0, "the hook outlived its timeout");
	lc_assert_clean(&t);
}
