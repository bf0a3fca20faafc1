/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's TSC rate (driver/clock): kept in its cache file for the boot
 * it was measured in, measured again for another.  Each test is its own
 * process, so the per-process memo starts empty.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "driver/clock.h"

static char dir[] = "/tmp/vshim-clock-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	cleanup_free char *cache = vs_xasprintf("%s/tsc-rate", dir);

	unlink(cache);
	rmdir(dir);
}

TestSuite(clock, .init = setup, .fini = teardown);

static char *this_boot(void)
{
	char *text = NULL;

	cr_assert_eq(vs_read_file("/proc/sys/kernel/random/boot_id", 64, &text, NULL, NULL), 0);
	text[36] = '\0';
	return text;
}

static void write_cache(const char *path, const char *boot, unsigned long long hz)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, "%s %llu\n", boot, hz);
	fclose(f);
}

Test(clock, a_rate_kept_for_this_boot_is_read_back)
{
	cleanup_free char *cache = vs_xasprintf("%s/tsc-rate", dir);
	cleanup_free char *boot = this_boot();

	write_cache(cache, boot, 1234567890ull);
	cr_assert_eq(drv_clock_host_tsc_hz(cache), 1234567890ull);
}

Test(clock, a_rate_of_another_boot_is_measured_again)
{
	cleanup_free char *cache = vs_xasprintf("%s/tsc-rate", dir);
	cleanup_free char *boot = this_boot();
	uint64_t hz;

	write_cache(cache, "00000000-0000-0000-0000-000000000000", 1234567890ull);
	hz = drv_clock_host_tsc_hz(cache);
	cr_assert_neq(hz, 1234567890ull, "a rate of another boot was believed");
	if (hz != 0) {
		cleanup_free char *text = NULL;

		cr_assert_eq(vs_read_file(cache, 128, &text, NULL, NULL), 0);
		cleanup_free char *want = vs_xasprintf("%s %llu\n", boot, (unsigned long long)hz);
		cr_assert_str_eq(text, want, "the new measurement was not kept");
	}
}

Test(clock, an_unbelievable_rate_is_measured_again)
{
	cleanup_free char *cache = vs_xasprintf("%s/tsc-rate", dir);
	cleanup_free char *boot = this_boot();

	write_cache(cache, boot, 5ull);
	cr_assert_neq(drv_clock_host_tsc_hz(cache), 5ull);
}
