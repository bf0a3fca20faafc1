/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Many vshim calls at once: twenty containers created side by side, two
 * creates of one ID, and kill, delete and state racing the process's own
 * exit.  Whatever the timing, every call either does its job or fails with
 * one of the phrases clients match, and the state on disk stays readable.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

TestSuite(concurrency, .init = setup, .fini = teardown, .timeout = 120);

#define LOOP  "[\"sh\",\"-c\",\"echo started; while :; do sleep 1; done\"]"
#define N_CTR 20

/* A vshim call running in the background, its output in files. */
struct call {
	pid_t pid;
	char out[PATH_MAX / 4], err[PATH_MAX / 4];
};

static void call_start(struct call *c, const char *const *argv)
{
	unsigned int n = t.seq++;

	snprintf(c->out, sizeof(c->out), "%s/call.%u.out", t.dir, n);
	snprintf(c->err, sizeof(c->err), "%s/call.%u.err", t.dir, n);
	c->pid = lc_spawn(&t, &(struct lc_io){ .out = c->out, .err = c->err, .in_fd = -1 }, argv);
}
#define CALL_START(c, ...) call_start((c), (const char *const[]){ __VA_ARGS__, NULL })

static struct lc_res call_end(struct call *c, int timeout_ms)
{
	struct lc_res r = { .status = lc_wait(c->pid, timeout_ms) };

	r.out = lc_read(c->out);
	r.err = lc_read(c->err);
	unlink(c->out);
	unlink(c->err);
	return r;
}

Test(concurrency, twenty_parallel_creates)
{
	struct lc_ctr ctrs[N_CTR];
	struct call calls[N_CTR];
	char ids[N_CTR][16];

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	for (int i = 0; i < N_CTR; i++) {
		cleanup_free char *pid_file = vs_xasprintf("%s/c%02d.pid", t.dir, i);

		snprintf(ids[i], sizeof(ids[i]), "c%02d", i);
		CALL_START(&calls[i], "create", "--bundle", t.bundle, "--pid-file", pid_file,
			   ids[i]);
	}
	for (int i = 0; i < N_CTR; i++) {
		struct lc_res r = call_end(&calls[i], 90000);
		cleanup_free char *pid_file = vs_xasprintf("%s/c%02d.pid", t.dir, i);

		lc_assert_ok(r, ids[i]);
		lc_res_free(&r);
		cleanup_free char *pid = lc_read(pid_file);
		ctrs[i] = (struct lc_ctr){ .id = ids[i], .pid = atoi(pid) };
		cr_assert_gt(ctrs[i].pid, 0);
	}
	for (int i = 0; i < N_CTR; i++)
		lc_assert_status(&t, ids[i], "created");

	struct lc_res r = LC_RUN(&t, "list", "-q");
	lc_assert_ok(r, "list -q");
	for (int i = 0; i < N_CTR; i++) {
		cleanup_free char *line = vs_xasprintf("%s\n", ids[i]);

		cr_assert_not_null(strstr(r.out, line), "list lacks %s:\n%s", ids[i], r.out);
	}
	lc_res_free(&r);

	for (int i = 0; i < N_CTR; i++)
		CALL_START(&calls[i], "delete", ids[i]);
	for (int i = 0; i < N_CTR; i++) {
		struct lc_res d = call_end(&calls[i], 60000);

		lc_assert_ok(d, "delete");
		lc_res_free(&d);
	}
	for (int i = 0; i < N_CTR; i++)
		cr_assert_eq(lc_wait_pid(&ctrs[i], 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}

Test(concurrency, two_creates_of_one_id)
{
	for (int round = 0; round < 3; round++) {
		cleanup_free char *pid_a = vs_xasprintf("%s/a%d.pid", t.dir, round);
		cleanup_free char *pid_b = vs_xasprintf("%s/b%d.pid", t.dir, round);
		struct call a, b;

		lc_config(&t, &(struct lc_cfg){ .args = LOOP });
		CALL_START(&a, "create", "--bundle", t.bundle, "--pid-file", pid_a, "one");
		CALL_START(&b, "create", "--bundle", t.bundle, "--pid-file", pid_b, "one");
		struct lc_res ra = call_end(&a, 60000), rb = call_end(&b, 60000);

		cr_assert((ra.status == 0) != (rb.status == 0),
			  "exactly one create must win: %d (%s) and %d (%s)", ra.status, ra.err,
			  rb.status, rb.err);
		struct lc_res *loser = ra.status == 0 ? &rb : &ra;
		const char *winner_pid = ra.status == 0 ? pid_a : pid_b;
		const char *loser_pid = ra.status == 0 ? pid_b : pid_a;
		cr_assert_not_null(strstr(loser->err, "already exists"), "%s", loser->err);
		cr_assert_neq(access(loser_pid, F_OK), 0, "the losing create wrote its pid file");
		lc_res_free(&ra);
		lc_res_free(&rb);

		cleanup_free char *pid = lc_read(winner_pid);
		struct lc_ctr c = { .id = "one", .pid = atoi(pid) };
		lc_assert_status(&t, "one", "created");
		struct lc_res r = LC_RUN(&t, "start", "one");
		lc_assert_ok(r, "start of the winner");
		lc_res_free(&r);
		r = LC_RUN(&t, "delete", "--force", "one");
		lc_assert_ok(r, "delete --force");
		lc_res_free(&r);
		cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
		lc_assert_clean(&t);
	}
}

static bool has(const struct lc_res *r, const char *text)
{
	return strstr(r->err, text) != NULL;
}

/*
 * kill, delete and state, three at a time and over and over, while the process
 * ends on its own (or by the kill): each succeeds or fails the way clients expect.
 */
static void race(const char *sleep, const char *signal, int round)
{
	cleanup_free char *args =
	    vs_xasprintf("[\"sh\",\"-c\",\"echo started; sleep %s; exit 5\"]", sleep);
	cleanup_free char *needle = vs_xasprintf("%s/ctr/", t.root);
	struct lc_ctr c;
	bool deleted = false;
	int rounds = 0;

	lc_config(&t, &(struct lc_cfg){ .args = args });
	lc_create_start(&t, &c, "ctr");
	while (!deleted) {
		struct call k, d, s;

		cr_assert_lt(rounds++, 2000, "round %d: delete never succeeded", round);
		CALL_START(&k, "kill", "ctr", signal);
		CALL_START(&d, "delete", "ctr");
		CALL_START(&s, "state", "ctr");
		struct lc_res rk = call_end(&k, 30000), rd = call_end(&d, 30000),
			      rs = call_end(&s, 30000);

		cr_assert(rk.status == 0 || has(&rk, "container not running") ||
			      has(&rk, "does not exist"),
			  "round %d: kill: %s", round, rk.err);
		cr_assert(rd.status == 0 || has(&rd, "not stopped"), "round %d: delete: %s", round,
			  rd.err);
		if (rs.status == 0) {
			yajl_val v = lc_json_parse(rs.out);
			const char *st = lc_json_str(v, "status");

			cr_assert(st && (strcmp(st, "running") == 0 || strcmp(st, "stopped") == 0),
				  "round %d: state: %s", round, rs.out);
			yajl_tree_free(v);
		} else {
			cr_assert(has(&rs, "does not exist"), "round %d: state: %s", round, rs.err);
		}
		if (rd.status == 0) {
			pid_t left[4];

			/* Deleted means gone: no QEMU of it lingers after delete returns. */
			cr_assert_eq(ts_find_processes(needle, left, 4), 0,
				     "round %d: a process of the container outlived delete", round);
			deleted = true;
		}
		lc_res_free(&rk);
		lc_res_free(&rd);
		lc_res_free(&rs);
	}
	int status = lc_wait_pid(&c, 10000);
	cr_assert(status == 5 || status == 128 + SIGKILL, "round %d: the monitor exited with %d",
		  round, status);
	lc_assert_clean(&t);
}

Test(concurrency, kill_delete_state_race_the_exit)
{
	race("0.2", "CONT", 0);
	race("0.5", "CONT", 1);
	race("0.3", "KILL", 2);
	race("0", "CONT", 3);
}

Test(concurrency, two_starts)
{
	struct lc_ctr c;
	struct call a, b;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create(&t, &c, "ctr");
	CALL_START(&a, "start", "ctr");
	CALL_START(&b, "start", "ctr");
	struct lc_res ra = call_end(&a, 30000), rb = call_end(&b, 30000);

	cr_assert((ra.status == 0) != (rb.status == 0),
		  "exactly one start must win: %d (%s), %d (%s)", ra.status, ra.err, rb.status,
		  rb.err);
	struct lc_res *loser = ra.status == 0 ? &rb : &ra;
	cr_assert(strstr(loser->err, "being started") || strstr(loser->err, "it is running"),
		  "the losing start says: %s", loser->err);
	lc_res_free(&ra);
	lc_res_free(&rb);
	lc_assert_status(&t, "ctr", "running");
	lc_wait_file(c.out, "started", 10000);
	cr_assert_eq(lc_count_in_file(c.out, "started"), 1, "the process started twice");
	struct lc_res r = LC_RUN(&t, "delete", "--force", "ctr");
	lc_assert_ok(r, "delete --force");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	lc_assert_clean(&t);
}
