/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QEMU killed under a running container: every path says so the same way.
 * The monitor exits 137 (the container was killed), `state` says stopped,
 * an exec in flight ends with 137 and a sentence naming what happened, and
 * `delete` cleans up; nobody is shown QEMU's command line.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
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

TestSuite(vm_death, .init = setup, .fini = teardown, .timeout = 120);

#define WHY "the VM ended before the container exited: the VM was killed by signal 9"

Test(vm_death, every_path_says_137)
{
	struct lc_ctr c;
	cleanup_free char *exec_out = vs_xasprintf("%s/exec.out", t.dir);
	cleanup_free char *exec_err = vs_xasprintf("%s/exec.err", t.dir);
	cleanup_free char *log = vs_xasprintf("%s/vshim.log", t.dir);
	pid_t exec, qemu;

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sleep\",\"60\"]" });
	lc_create_ex(
	    &t, &c, "ctr",
	    &(struct lc_create_opts){
		.global = (const char *const[]){ "--log", log, "--log-format", "json", NULL },
		.in_fd = -1,
	    });
	struct lc_res r = LC_RUN(&t, "start", "ctr");
	cr_assert_eq(r.status, 0, "start: %s", r.err);
	lc_res_free(&r);
	exec = lc_spawn(
	    &t, &(struct lc_io){ .out = exec_out, .err = exec_err, .in_fd = -1 },
	    (const char *const[]){ "exec", "ctr", "sh", "-c", "echo running; sleep 60", NULL });
	lc_wait_file(exec_out, "running", 30000);

	qemu = lc_qemu_pid(&t, "ctr");
	cr_assert_gt(qemu, 0, "no QEMU for the container");
	cr_assert_eq(kill(qemu, SIGKILL), 0);

	/* The monitor: the container's status. */
	cr_assert_eq(lc_wait_pid(&c, 30000), 137, "the monitor's status");
	/* The exec in flight: 137, and why. */
	cr_assert_eq(lc_wait(exec, 30000), 137, "the exec's status; stderr:\n%s",
		     lc_read(exec_err));
	cleanup_free char *err_text = lc_read(exec_err);
	cr_assert_not_null(strstr(err_text, WHY), "the exec said:\n%s", err_text);
	cr_assert_null(strstr(err_text, "qemu-system"), "QEMU's command line:\n%s", err_text);
	/* The log containerd reads: one JSON line, the same sentence. */
	cleanup_free char *log_text = lc_read(log);
	cr_assert_not_null(strstr(log_text, "\"level\":\"error\""), "%s", log_text);
	cr_assert_not_null(strstr(log_text, WHY), "the log says:\n%s", log_text);
	cr_assert_null(strstr(log_text, "qemu-system"), "QEMU's command line:\n%s", log_text);
	/* state: stopped; kill: not running; delete: gone. */
	lc_assert_status(&t, "ctr", "stopped");
	r = LC_RUN(&t, "kill", "ctr", "TERM");
	cr_assert_neq(r.status, 0);
	cr_assert_not_null(strstr(r.err, "container not running"), "%s", r.err);
	lc_res_free(&r);
	r = LC_RUN(&t, "delete", "ctr");
	cr_assert_eq(r.status, 0, "delete: %s", r.err);
	lc_res_free(&r);
}
