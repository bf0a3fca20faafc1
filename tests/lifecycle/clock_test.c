/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's clock against the host's (issue 18): the guest keeps time on
 * a real clocksource (the TSC under TCG), so 6 s of sleep inside are 6 s of
 * host time even with the host's CPUs busy; its wall clock is the host's
 * from create on, and again after a pause.  Timing is the subject here: the
 * bounds are the (10%, one second).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "lc.h"

/* The helper, inside a shell command. */
#define HELPER "/bin/vshim-testhelper"

static struct lc t;
static pid_t loaders[2];

static void setup(void)
{
	lc_setup(&t);
}

static void teardown(void)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(loaders); i++) {
		if (loaders[i] > 0) {
			kill(loaders[i], SIGKILL);
			lc_wait(loaders[i], 5000);
		}
	}
	lc_teardown(&t);
}

TestSuite(clock, .init = setup, .fini = teardown, .timeout = 120);

static double host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A busy loop per host CPU of this machine (two), gone with the test. */
static void load_host(void)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(loaders); i++) {
		loaders[i] = fork();
		cr_assert_geq(loaders[i], 0);
		if (loaders[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (volatile unsigned long n = 0;; n++)
				;
		}
	}
}

/* The number of complete lines in path. */
static size_t lines_in(const char *path)
{
	cleanup_free char *text = lc_read(path);
	size_t n = 0;

	for (const char *p = text; p != NULL && (p = strchr(p, '\n')) != NULL; p++)
		n++;
	return n;
}

/* Waits until path has n lines; the host's clock when it saw them. */
static double host_time_of_line(const char *path, size_t n, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		if (lines_in(path) >= n)
			return host_now();
		usleep(5000);
	}
	cr_assert_fail("`%s` did not get %zu lines in %d ms:\n%s", path, n, timeout_ms,
		       lc_read(path));
	return 0;
}

/* Line n (from 1) of text as a number of seconds. */
static double seconds_on_line(const char *text, size_t n)
{
	const char *p = text;

	for (size_t i = 1; i < n && p != NULL; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	cr_assert_not_null(p, "no line %zu in:\n%s", n, text);
	return strtod(p, NULL);
}

/*
 * `now` in the container by exec, bracketed by the host's clock: a right
 * clock reads between the two, give or take the margin (CLOCK's way to the
 * guest, the TSC rate's error).
 */
static void assert_guest_clock_right(const char *when)
{
	double before = host_now();
	struct lc_res r = LC_RUN(&t, "exec", "c", "/bin/vshim-testhelper", "now");
	double after = host_now();

	lc_assert_ok(r, "exec now");
	double g = strtod(r.out, NULL);

	cr_assert(g > before - 0.5 && g < after + 0.5,
		  "%s the guest's clock says %.3f, the host's was %.3f to %.3f", when, g, before,
		  after);
	lc_res_free(&r);
}

Test(clock, sleep_is_host_time_under_load)
{
	struct lc_ctr c;

	lc_config(&t,
		  &(struct lc_cfg){ .args = "[\"/bin/sh\",\"-c\",\"" HELPER " now; " HELPER
					    " sleep 6; " HELPER " now; cat "
					    "/sys/devices/system/clocksource/clocksource0/"
					    "current_clocksource; exec " HELPER " sleep 1000\"]" });
	load_host();
	lc_create_start(&t, &c, "c");
	double h1 = host_time_of_line(c.out, 1, 20000);
	assert_guest_clock_right("at start");
	double h2 = host_time_of_line(c.out, 2, 20000);
	host_time_of_line(c.out, 3, 20000);

	cleanup_free char *out = lc_read(c.out);
	double g1 = seconds_on_line(out, 1), g2 = seconds_on_line(out, 2);

	cr_assert(h2 - h1 > 5.4 && h2 - h1 < 6.6,
		  "6 s of sleep in the guest took %.3f s of host time", h2 - h1);
	cr_assert(g2 - g1 > 0.9 * (h2 - h1) && g2 - g1 < 1.1 * (h2 - h1),
		  "%.3f s of host time were %.3f s of guest time", h2 - h1, g2 - g1);
	assert_guest_clock_right("after the sleep");

	const char *source = strchr(strchr(out, '\n') + 1, '\n') + 1;

	cr_assert(strncmp(source, "tsc", 3) == 0 || strncmp(source, "kvm-clock", 9) == 0,
		  "the guest's clocksource is not the TSC (or kvm-clock):\n%s", out);
	lc_assert_ok(LC_RUN(&t, "delete", "--force", "c"), "delete");
}

Test(clock, right_after_resume)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"sleep\",\"1000\"]" });
	lc_create_start(&t, &c, "c");
	lc_assert_ok(LC_RUN(&t, "pause", "c"), "pause");
	sleep(3);
	lc_assert_ok(LC_RUN(&t, "resume", "c"), "resume");
	assert_guest_clock_right("right after 3 s paused");
	lc_assert_ok(LC_RUN(&t, "delete", "--force", "c"), "delete");
}
