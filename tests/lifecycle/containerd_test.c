/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's life as containerd's runc v2 shim drives it: the shim is a
 * subreaper, calls `create --pid-file` with the container's stdio as
 * create's own, waits on the pid from the pid file, and calls the other
 * verbs with --log FILE --log-format json.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "lc.h"

static struct lc t;

/* The monitor of container id, from its state file (not the pid clients hold). */
static pid_t monitor_of(struct lc *tc, const char *id)
{
	cleanup_free char *path = vs_xasprintf("%s/%s/state.json", tc->root, id);
	cleanup_free char *text = lc_read(path);
	yajl_val v = lc_json_parse(text);
	pid_t pid = (pid_t)lc_json_int(v, "monitor", 0);

	yajl_tree_free(v);
	cr_assert_gt(pid, 0, "no monitor in %s", path);
	return pid;
}

static void setup(void)
{
	lc_setup(&t);
}

static void teardown(void)
{
	lc_teardown(&t);
}

TestSuite(containerd, .init = setup, .fini = teardown, .timeout = 90);

#define LOOP "[\"sh\",\"-c\",\"echo started; while :; do sleep 1; done\"]"

/* The parent pid of pid, from /proc/PID/stat. */
static pid_t parent_of(pid_t pid)
{
	cleanup_free char *path = vs_xasprintf("/proc/%d/stat", (int)pid);
	cleanup_free char *stat = lc_read(path);
	char *p = strrchr(stat, ')');
	int ppid = 0;

	cr_assert_not_null(p);
	cr_assert_eq(sscanf(p + 2, "%*c %d", &ppid), 1);
	return (pid_t)ppid;
}

/* A pid file as runc writes it: digits only, no newline. */
static pid_t read_pid_file(const char *path)
{
	cleanup_free char *text = lc_read(path);

	cr_assert_neq(text[0], '\0', "`%s` is empty", path);
	for (const char *p = text; *p; p++)
		cr_assert(isdigit((unsigned char)*p), "`%s` holds \"%s\", not only digits", path,
			  text);
	return (pid_t)atoi(text);
}

static size_t ticks(const char *path)
{
	return lc_count_in_file(path, "tick ");
}

/* Every line of the file is one of the container's own. */
static void assert_only_container_lines(const char *path)
{
	cleanup_free char *text = lc_read(path);
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int n;
		char end;

		if (strcmp(l, "out-line") == 0 || strcmp(l, "term") == 0 ||
		    sscanf(l, "tick %d%c", &n, &end) == 1)
			continue;
		cr_assert_fail("`%s` holds a line that is not the container's: \"%s\"", path, l);
	}
}

Test(containerd, lifecycle)
{
	cleanup_free char *log = vs_xasprintf("%s/log.json", t.dir);
	cleanup_free char *process = vs_xasprintf("%s/process.json", t.dir);
	cleanup_free char *exec_pid = vs_xasprintf("%s/exec.pid", t.dir);
	cleanup_free char *exec_out = vs_xasprintf("%s/exec.out", t.dir);
	cleanup_free char *exec_err = vs_xasprintf("%s/exec.err", t.dir);
	const char *const global[] = { "--log", log, "--log-format", "json", "--debug", NULL };
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){
			  .args = "[\"sh\",\"-c\",\"echo out-line; echo err-line >&2; "
				  "trap 'echo term; exit 42' TERM; i=0; "
				  "while :; do echo tick $i; i=$((i+1)); sleep 0.1; done\"]" });

	/* create: returns once created, the container's pid in the pid file and a child of ours. */
	struct lc_res r =
	    lc_create_ex(&t, &c, "ctr", &(struct lc_create_opts){ .global = global, .in_fd = -1 });
	lc_assert_ok(r, "create");
	lc_res_free(&r);
	pid_t pid = read_pid_file(c.pid_file);
	cr_assert_eq(pid, c.pid);
	cr_assert_eq(parent_of(pid), getpid(),
		     "the container's pid is not a child of the subreaper that called create");
	cr_assert_eq(kill(pid, 0), 0);

	yajl_val v = lc_state(&t, "ctr");
	cr_assert_str_eq(lc_json_str(v, "status"), "created");
	cr_assert_eq(lc_json_int(v, "pid", 0), pid, "state's pid is not the pid file's");
	yajl_tree_free(v);

	/* Nothing runs before start. */
	usleep(300000);
	cleanup_free char *early = lc_read(c.out);
	cleanup_free char *early_err = lc_read(c.err);
	cr_assert_str_eq(early, "", "output before start:\n%s", early);
	cr_assert_str_eq(early_err, "", "stderr before start:\n%s", early_err);

	r = lc_run(&t, (const char *const[]){ "--log", log, "--log-format", "json", "start", "ctr",
					      NULL });
	lc_assert_ok(r, "start");
	cr_assert_str_eq(r.out, "");
	lc_res_free(&r);
	lc_assert_status(&t, "ctr", "running");
	lc_wait_file(c.out, "tick 3", 10000);

	/* exec, in the foreground. */
	r = LC_RUN(&t, "exec", "ctr", "sh", "-c", "echo exec-out; echo exec-err >&2; exit 9");
	cr_assert_eq(r.status, 9, "exec: %d, stderr:\n%s", r.status, r.err);
	cr_assert_str_eq(r.out, "exec-out\n");
	cr_assert_str_eq(r.err, "exec-err\n");
	lc_res_free(&r);

	/* exec as containerd does it: --process, --detach, --pid-file; it waits on the proxy. */
	lc_write(process,
		 "{\"terminal\":false,\"args\":[\"sh\",\"-c\",\"echo detached-out; exit 4\"],"
		 "\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}",
		 0644);
	struct lc_io io = { .out = exec_out, .err = exec_err, .in_fd = -1 };
	pid_t exec = lc_spawn(&t, &io,
			      (const char *const[]){ "--log", log, "--log-format", "json", "exec",
						     "--process", process, "--detach", "--pid-file",
						     exec_pid, "ctr", NULL });
	cr_assert_eq(lc_wait(exec, 30000), 0, "exec --detach failed:\n%s", lc_read(exec_err));
	pid_t proxy = read_pid_file(exec_pid);
	cr_assert_eq(lc_wait(proxy, 10000), 4, "the exec proxy exits with the process's code");
	cleanup_free char *detached = lc_read(exec_out);
	cr_assert_str_eq(detached, "detached-out\n");

	/* pause stops the counter, resume lets it go on. */
	r = LC_RUN(&t, "pause", "ctr");
	lc_assert_ok(r, "pause");
	lc_res_free(&r);
	lc_assert_status(&t, "ctr", "paused");
	usleep(300000); /* a line on its way out when the vCPUs stopped */
	size_t paused = ticks(c.out);
	usleep(1000000);
	cr_assert_eq(ticks(c.out), paused, "the counter went on while paused");
	r = LC_RUN(&t, "resume", "ctr");
	lc_assert_ok(r, "resume");
	lc_res_free(&r);
	lc_assert_status(&t, "ctr", "running");
	cleanup_free char *next = vs_xasprintf("tick %zu\n", paused + 2);
	lc_wait_file(c.out, next, 10000);

	/* kill: the subreaper reaps the container's pid with the process's status. */
	r = lc_run(&t, (const char *const[]){ "--log", log, "--log-format", "json", "kill", "ctr",
					      "SIGTERM", NULL });
	lc_assert_ok(r, "kill");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 42);
	lc_wait_file(c.out, "term\n", 1000);
	v = lc_state(&t, "ctr");
	cr_assert_str_eq(lc_json_str(v, "status"), "stopped");
	cr_assert_eq(lc_json_int(v, "pid", -1), 0);
	yajl_tree_free(v);

	r = lc_run(&t, (const char *const[]){ "--log", log, "--log-format", "json", "delete", "ctr",
					      NULL });
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);

	/* Nothing of vshim's own went to the container's stdio. */
	assert_only_container_lines(c.out);
	cleanup_free char *err = lc_read(c.err);
	cr_assert_str_eq(err, "err-line\n", "the container's stderr:\n%s", err);

	/* The log holds JSON lines only. */
	cleanup_free char *text = lc_read(log);
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		yajl_val line = lc_json_parse(l);

		cr_assert_not_null(lc_json_str(line, "level"), "%s", l);
		cr_assert_not_null(lc_json_str(line, "msg"), "%s", l);
		cr_assert_not_null(lc_json_str(line, "time"), "%s", l);
		yajl_tree_free(line);
	}
}

Test(containerd, killed_by_a_signal)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "started", 10000);
	struct lc_res r = LC_RUN(&t, "kill", "ctr", "9");
	lc_assert_ok(r, "kill 9");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_status(&t, "ctr", "stopped");
	r = LC_RUN(&t, "kill", "ctr", "KILL");
	lc_assert_fails_with(r, "kill of a stopped container", "container not running");
	lc_res_free(&r);
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

Test(containerd, signal_by_name_reaches_the_process)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"wait-signal\"]" });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "ready", 10000);
	struct lc_res r = LC_RUN(&t, "kill", "ctr", "SIGUSR2");
	lc_assert_ok(r, "kill SIGUSR2");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), SIGUSR2);
	lc_wait_file(c.out, "signal 12", 1000);
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

Test(containerd, sigkill_of_the_monitor)
{
	cleanup_free char *host_file = vs_xasprintf("%s/hostfile", t.dir);
	cleanup_free char *mounts =
	    vs_xasprintf("{\"destination\":\"/etc/hostfile\",\"type\":\"bind\",\"source\":\"%s\","
			 "\"options\":[\"rbind\",\"ro\"]}",
			 host_file);
	cleanup_free char *dir = vs_xasprintf("%s/ctr", t.root);
	cleanup_free char *volumes = vs_xasprintf(" %s/vol/", dir);
	cleanup_free char *monitor_mounts = NULL;
	struct lc_ctr c;

	lc_write(host_file, "from the host\n", 0644);
	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"cat /etc/hostfile; "
						"while :; do sleep 1; done\"]",
					.mounts = mounts });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "from the host", 10000);
	pid_t monitor = monitor_of(&t, "ctr");
	monitor_mounts = vs_xasprintf("/proc/%d/mounts", (int)monitor);
	pid_t qemu = lc_qemu_pid(&t, "ctr");
	cr_assert_gt(qemu, 0, "no QEMU names the container's state directory");
	cr_assert_eq(ts_mounts_under(dir, false), 0,
		     "the volumes are mounted in the host's mount namespace");
	cr_assert_gt(lc_count_in_file(monitor_mounts, volumes), 0,
		     "the volumes are not mounted in the monitor's mount namespace");

	cr_assert_eq(kill(monitor, SIGKILL), 0);
	/* Dead but not reaped yet (a zombie): stopped already, as kill says. */
	usleep(300000);
	lc_assert_status(&t, "ctr", "stopped");
	/* The container's pid ends with it; the monitor comes back to the subreaper. */
	cr_assert_eq(lc_wait_pid(&c, 5000), 128 + SIGKILL);
	lc_wait(monitor, 5000);
	/* QEMU dies with its monitor; it comes back to the subreaper to be reaped. */
	lc_wait(qemu, 5000);

	yajl_val v = lc_state(&t, "ctr");
	cr_assert_str_eq(lc_json_str(v, "status"), "stopped");
	cr_assert_eq(lc_json_int(v, "pid", -1), 0);
	yajl_tree_free(v);
	struct lc_res r = LC_RUN(&t, "kill", "ctr", "KILL");
	lc_assert_fails_with(r, "kill", "container not running");
	lc_res_free(&r);

	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	cr_assert_eq(ts_mounts_under(dir, false), 0, "delete left mounts under `%s`", dir);
	lc_assert_clean(&t);
}

Test(containerd, create_failure_is_logged_as_json)
{
	cleanup_free char *log = vs_xasprintf("%s/log.json", t.dir);
	const char *const global[] = { "--log", log, "--log-format", "json", NULL };
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[\"/nonexistent\"]" });
	struct lc_res r =
	    lc_create_ex(&t, &c, "ctr", &(struct lc_create_opts){ .global = global, .in_fd = -1 });
	lc_assert_fails_with(r, "create", "/nonexistent");
	lc_res_free(&r);
	cr_assert_neq(access(c.pid_file, F_OK), 0, "a failed create wrote the pid file");
	lc_assert_clean(&t);

	/* Every line is an error in JSON naming the program (the monitor and create both log it).
	 */
	cleanup_free char *text = lc_read(log);
	char *save = NULL;
	size_t n = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
		yajl_val v = lc_json_parse(l);

		cr_assert_str_eq(lc_json_str(v, "level"), "error");
		cr_assert_not_null(strstr(lc_json_str(v, "msg"), "/nonexistent"), "%s", l);
		cr_assert_not_null(lc_json_str(v, "time"));
		yajl_tree_free(v);
	}
	cr_assert_geq(n, 1, "no error in the log");

	/* run's own: with its exit status 127, the error is on stderr and in the log. */
	cleanup_free char *run_log = vs_xasprintf("%s/run.json", t.dir);
	r = LC_RUN(&t, "--log", run_log, "--log-format", "json", "run", "--bundle", t.bundle,
		   "ctr");
	cr_assert_eq(r.status, 127, "run of a missing program: %d\n%s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "/nonexistent"), "%s", r.err);
	lc_res_free(&r);
	cleanup_free char *run_text = lc_read(run_log);
	yajl_val v = lc_json_parse(run_text);
	cr_assert_str_eq(lc_json_str(v, "level"), "error");
	cr_assert_not_null(strstr(lc_json_str(v, "msg"), "/nonexistent"), "%s", run_text);
	yajl_tree_free(v);
	lc_assert_clean(&t);
}

Test(containerd, run_detach)
{
	cleanup_free char *pid_file = vs_xasprintf("%s/run.pid", t.dir);
	cleanup_free char *out = vs_xasprintf("%s/run.out", t.dir);
	cleanup_free char *err = vs_xasprintf("%s/run.err", t.dir);

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"echo hello; sleep 0.5; "
						"exit 5\"]" });
	struct lc_io io = { .out = out, .err = err, .in_fd = -1 };
	pid_t run = lc_spawn(&t, &io,
			     (const char *const[]){ "run", "--detach", "--bundle", t.bundle,
						    "--pid-file", pid_file, "ctr", NULL });
	cr_assert_eq(lc_wait(run, 30000), 0, "run --detach failed:\n%s", lc_read(err));
	pid_t pid = read_pid_file(pid_file);
	cr_assert_eq(parent_of(pid), getpid());
	cr_assert_eq(lc_wait(pid, 10000), 5);
	lc_wait_file(out, "hello\n", 1000);
	lc_assert_status(&t, "ctr", "stopped");
	struct lc_res r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

Test(containerd, relative_paths)
{
	/* runc makes --root absolute; --bundle, --pid-file and --log are the caller's cwd's. */
	cleanup_free char *pid_file = vs_xasprintf("%s/rel.pid", t.dir);
	cleanup_free char *out = vs_xasprintf("%s/rel.out", t.dir);
	cleanup_free char *err = vs_xasprintf("%s/rel.err", t.dir);
	cleanup_free char *log = vs_xasprintf("%s/rel.log", t.dir);
	struct lc_io io = { .out = out, .err = err, .in_fd = -1, .cwd = t.dir };

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"echo hello; exit 3\"]" });
	t.no_root = true;
	pid_t create =
	    lc_spawn(&t, &io,
		     (const char *const[]){ "--root", "root", "--log", "rel.log", "--log-format",
					    "json", "create", "--bundle", "bundle", "--pid-file",
					    "rel.pid", "ctr", NULL });
	cr_assert_eq(lc_wait(create, 30000), 0, "create with relative paths failed:\n%s",
		     lc_read(err));
	t.no_root = false;
	struct lc_ctr c = { .id = "ctr", .pid = read_pid_file(pid_file) };
	yajl_val v = lc_state(&t, "ctr");
	cr_assert_str_eq(lc_json_str(v, "bundle"), t.bundle, "the bundle is not absolute");
	yajl_tree_free(v);
	struct lc_res r = LC_RUN(&t, "start", "ctr");
	lc_assert_ok(r, "start");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 3);
	lc_wait_file(out, "hello\n", 1000);
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	cr_assert_eq(access(log, F_OK), 0, "no log at the relative path");
	lc_assert_clean(&t);
}

Test(containerd, pid_file_that_cannot_be_written)
{
	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	struct lc_res r = LC_RUN(&t, "create", "--bundle", t.bundle, "--pid-file",
				 "/nonexistent/dir/ctr.pid", "ctr");
	lc_assert_fails_with(r, "create", "/nonexistent/dir/ctr.pid");
	lc_res_free(&r);
	lc_assert_clean(&t);
}
