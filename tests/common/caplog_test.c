/* SPDX-License-Identifier: Apache-2.0 */
/* The capped log (common/caplog): its rate, its size, its rotation, with a clock of the test's. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/caplog.h"
#include "common/cleanup.h"
#include "common/util.h"

#define SEC 1000000000ull

static char dir[] = "/tmp/vshim-caplog-XXXXXX";
static char *path, *path1;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	path = vs_xasprintf("%s/console.log", dir);
	path1 = vs_xasprintf("%s/console.log.1", dir);
}

static void teardown(void)
{
	vs_rm_rf(dir, NULL);
	free(path);
	free(path1);
}

TestSuite(caplog, .init = setup, .fini = teardown);

static char *slurp(const char *p, size_t *len)
{
	char *text = NULL;

	cr_assert_eq(vs_read_file(p, 1 << 24, &text, len, NULL), 0, "cannot read %s", p);
	return text;
}

static void write_text(const char *p, const char *text)
{
	cr_assert_eq(vs_write_file_atomic(p, text, strlen(text), 0600, NULL), 0);
}

static off_t size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

Test(caplog, under_the_caps_everything_is_kept)
{
	struct vs_caplog log;
	size_t len;

	cr_assert_eq(vs_caplog_open(&log, path, 4096, 1024, 0, NULL), 0);
	vs_caplog_write(&log, "boot\n", 5, 0);
	vs_caplog_write(&log, "hello\n", 6, SEC);
	vs_caplog_close(&log);
	cleanup_free char *text = slurp(path, &len);
	cr_assert_str_eq(text, "boot\nhello\n");
	cr_assert_eq(size_of(path1), -1, "no rotation");
}

Test(caplog, a_flood_is_cut_to_the_burst_then_the_rate)
{
	struct vs_caplog log;
	char chunk[1000];
	size_t len;

	memset(chunk, 'x', sizeof(chunk));
	cr_assert_eq(vs_caplog_open(&log, path, 1 << 20, 1000, 0, NULL), 0);
	/* 100 kB at once: the burst (4 s of 1000 B/s) passes, the rest is dropped. */
	for (int i = 0; i < 100; i++)
		vs_caplog_write(&log, chunk, sizeof(chunk), 0);
	cr_assert_eq(size_of(path), 4000);
	/* One second later: a note of what was dropped, then what the second earned. */
	vs_caplog_write(&log, "after\n", 6, SEC);
	vs_caplog_close(&log);
	cleanup_free char *text = slurp(path, &len);
	const char *note = "\n[vshim: 96000 bytes of console output dropped]\nafter\n";
	cr_assert_eq(len, 4000 + strlen(note));
	cr_assert_str_eq(text + 4000, note);
}

Test(caplog, the_note_waits_for_room)
{
	struct vs_caplog log;
	size_t len;

	cr_assert_eq(vs_caplog_open(&log, path, 1 << 20, 20, 0, NULL), 0);
	for (int i = 0; i < 8; i++)
		vs_caplog_write(&log, "0123456789", 10, 0);
	vs_caplog_write(&log, "lost", 4, 0);
	/* A second earns 20 bytes: too few for the note, so this is dropped too. */
	vs_caplog_write(&log, "lost", 4, SEC);
	/* Ten seconds refill the burst (80 bytes): note and text. */
	vs_caplog_write(&log, "ok\n", 3, 11 * SEC);
	vs_caplog_close(&log);
	cleanup_free char *text = slurp(path, &len);
	cr_assert_str_eq(text + 80, "\n[vshim: 8 bytes of console output dropped]\nok\n", "%s",
			 text);
}

Test(caplog, full_files_rotate_and_disk_use_is_bounded)
{
	struct vs_caplog log;
	char chunk[300];

	memset(chunk, 'y', sizeof(chunk));
	cr_assert_eq(vs_caplog_open(&log, path, 1000, 1 << 20, 0, NULL), 0);
	for (uint64_t t = 0; t < 100; t++) {
		vs_caplog_write(&log, chunk, sizeof(chunk), t * SEC);
		cr_assert_leq(size_of(path), 1000);
		cr_assert_leq(size_of(path1), 1000);
	}
	vs_caplog_close(&log);
	/* 30,000 bytes went through: the last 1000 are PATH.1, then what follows. */
	cr_assert_eq(size_of(path1), 1000);
	cr_assert_eq(size_of(path), 30000 % 1000 == 0 ? 1000 : 30000 % 1000);
}

Test(caplog, a_burst_smaller_than_the_note_still_reports)
{
	struct vs_caplog log;
	size_t len;

	cr_assert_eq(vs_caplog_open(&log, path, 1 << 20, 5, 0, NULL), 0);
	vs_caplog_write(&log, "0123456789012345678901234", 25, 0);
	vs_caplog_write(&log, "later", 5, 100 * SEC);
	vs_caplog_close(&log);
	cleanup_free char *text = slurp(path, &len);
	cr_assert_str_eq(text,
			 "01234567890123456789\n[vshim: 5 bytes of console output dropped]\n");
}

Test(caplog, a_long_pause_does_not_overflow)
{
	struct vs_caplog log;
	char chunk[100];

	memset(chunk, 'z', sizeof(chunk));
	cr_assert_eq(vs_caplog_open(&log, path, 1 << 20, 64u << 20, 0, NULL), 0);
	/* Weeks later, at the largest rate: the burst is full, not wrapped around. */
	vs_caplog_write(&log, chunk, sizeof(chunk), 30ull * 24 * 3600 * SEC);
	cr_assert_eq(log.tokens, (64ull << 20) * VS_CAPLOG_BURST_SECONDS - 100);
	vs_caplog_close(&log);
	cr_assert_eq(size_of(path), 100);
}

Test(caplog, refuses_a_symlink)
{
	struct vs_caplog log;
	struct vs_error *err = NULL;
	cleanup_free char *target = vs_xasprintf("%s/elsewhere", dir);

	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(vs_caplog_open(&log, path, 4096, 1024, 0, &err), -1);
	cr_assert_not_null(strstr(err->msg, path), "%s", err->msg);
	vs_error_release(&err);
	cr_assert_eq(size_of(target), -1, "nothing written through the link");
}

/* Opened again, the log goes on where it was, and what it held counts against its size. */
Test(caplog, appends_and_counts_what_was_there)
{
	struct vs_caplog log;
	size_t len;

	write_text(path, "header\n");
	cr_assert_eq(vs_caplog_open(&log, path, 10, 1024, 0, NULL), 0);
	vs_caplog_write(&log, "abcdef", 6, 0);
	vs_caplog_close(&log);
	cleanup_free char *old = slurp(path1, &len);
	cleanup_free char *now = slurp(path, &len);
	cr_assert_str_eq(old, "header\nabc");
	cr_assert_str_eq(now, "def");
}
