/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest cannot fill the host through its serial console: a container
 * that is root with CAP_MKNOD makes the console's device node and floods
 * it; STATE/console.log and console.log.1 stay within the host
 * configuration's caps, and a line says how much was dropped.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

TestSuite(console, .init = setup, .fini = teardown, .timeout = 120);

#define LOG_SIZE 8192
#define LOG_RATE 1024

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

Test(console, a_flood_stays_within_the_caps)
{
	cleanup_free char *conf = vs_xasprintf("%s/vshim.conf", t.dir);
	cleanup_free char *env = vs_xasprintf("VSHIM_CONFIG=%s", conf);
	cleanup_free char *log = NULL, *log1 = NULL, *text = NULL;
	const char *const vars[] = { env, NULL };
	const char *conf_text = "[console]\nlog_size = 8192\nlog_rate = 1024\n";
	struct rt_proc p;
	size_t len = 0;

	ts_write_file(conf, conf_text, strlen(conf_text));
	/* ttyS0 is 4:64; the flood runs until the test has looked. */
	rt_config(&t,
		  &(struct rt_cfg){
		      .args = "[\"sh\",\"-c\",\"trap 'exit 0' TERM; mknod /dev/ttyS0 c 4 64 && "
			      "echo flooding && "
			      "while :; do echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			      "AAAAAAAAAAAAAAAAAAAAAAA; done > /dev/ttyS0\"]",
		      .caps = "{\"bounding\":[\"CAP_MKNOD\"],\"effective\":[\"CAP_MKNOD\"],"
			      "\"permitted\":[\"CAP_MKNOD\"]}",
		  });
	rt_spawn(&t, &p, &(struct rt_opts){ .env = vars });
	rt_wait_stdout(&p, "flooding", 60);
	log = vs_xasprintf("%s/%s/console.log", t.root, t.id);
	log1 = vs_xasprintf("%s/%s/console.log.1", t.root, t.id);

	/* Six seconds of flood: at most the burst (4 s) and 6 s of rate get through. */
	for (int i = 0; i < 12; i++) {
		struct timespec half = { .tv_nsec = 500000000 };

		nanosleep(&half, NULL);
		cr_assert_leq(size_of(log), LOG_SIZE, "console.log has %lld bytes",
			      (long long)size_of(log));
		cr_assert_leq(size_of(log1), LOG_SIZE);
	}
	cr_assert_leq(size_of(log) + size_of(log1), (4 + 6 + 1) * LOG_RATE + 256,
		      "more than the rate let through: %lld bytes",
		      (long long)(size_of(log) + size_of(log1)));
	text = ts_read_file(size_of(log1) > 0 ? log1 : log, &len);
	cr_assert_not_null(text);
	cr_assert_not_null(strstr(text, "AAAAAAAAAA"), "the flood reached the log at all");
	cr_assert_not_null(strstr(text, "bytes of console output dropped]"),
			   "no line says what was dropped:\n%s", text);

	kill(p.pid, SIGTERM);
	struct rt_result r = rt_wait(&t, &p);
	rt_result_free(&r);
}
