/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain XML -> QEMU argv golden files (libvirt's qemuxmlconftest idea).
 *
 * With VSHIM_REGENERATE=1 in the environment the expected files are written
 * instead of compared; review the git diff before committing them:
 *
 *   VSHIM_REGENERATE=1 ctest --test-dir BUILD -R domain/golden
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"

static bool regenerate(void)
{
	const char *v = getenv("VSHIM_REGENERATE");

	return v != NULL && strcmp(v, "1") == 0;
}

/* The first line where two texts differ, for a readable failure. */
static char *first_difference(const char *want, const char *got)
{
	const char *w = want, *g = got, *wl = want, *gl = got;
	size_t line = 1;

	while (*w != '\0' && *w == *g) {
		if (*w == '\n') {
			line++;
			wl = w + 1;
			gl = g + 1;
		}
		w++;
		g++;
	}
	return vs_xasprintf("line %zu: expected `%.*s`, got `%.*s`", line, (int)strcspn(wl, "\n"),
			    wl, (int)strcspn(gl, "\n"), gl);
}

Test(golden, argv)
{
	size_t n = 0, checked = 0;
	char **names = dt_list("golden", ".xml", &n);

	cr_assert_geq(n, 12, "only %zu golden inputs", n);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *xml_path = dt_path("golden", names[i], ".xml");
		cleanup_free char *argv_path = dt_path("golden", names[i], ".argv");
		cleanup_domain_def struct domain_def *def = dt_parse_ok(xml_path);
		struct drv_command_ctx ctx;
		cleanup_free char *got = NULL;

		dt_golden_ctx(def, &ctx);
		got = dt_argv_text(&ctx, def);
		if (regenerate()) {
			cleanup_error struct vs_error *err = NULL;

			cr_assert_eq(vs_write_file_atomic(argv_path, got, strlen(got), 0644, &err),
				     0, "%s", err ? err->msg : "");
			cr_log_info("rewrote %s", argv_path);
			checked++;
			continue;
		}
		cleanup_free char *want = dt_read(argv_path);

		if (strcmp(want, got) != 0) {
			cleanup_free char *where = first_difference(want, got);

			cr_expect_fail("%s.argv differs from the command line of %s.xml: %s "
				       "(VSHIM_REGENERATE=1 rewrites it)",
				       names[i], names[i], where);
			continue;
		}
		checked++;
	}
	cr_expect_eq(checked, n, "%zu of %zu golden files match", checked, n);
	dt_list_free(names);
}

/* Every .argv file has its .xml: a renamed input must not leave a stale golden file. */
Test(golden, no_orphans)
{
	size_t n = 0;
	char **names = dt_list("golden", ".argv", &n);

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *xml_path = dt_path("golden", names[i], ".xml");

		cr_expect_eq(access(xml_path, F_OK), 0, "%s.argv has no %s.xml", names[i],
			     names[i]);
	}
	dt_list_free(names);
}

/* Each argument in the golden files is on one line: no argument has a newline. */
Test(golden, one_argument_per_line)
{
	cleanup_free char *path = dt_path("golden", "microvm-minimal", ".xml");
	cleanup_domain_def struct domain_def *def = dt_parse_ok(path);
	cleanup_error struct vs_error *err = NULL;
	cleanup_strv struct vs_strv argv = { 0 };
	struct drv_command_ctx ctx;

	dt_golden_ctx(def, &ctx);
	cr_assert_eq(drv_command_build(def, &ctx, &argv, &err), 0);
	for (size_t i = 0; i < argv.n; i++)
		cr_expect_null(strchr(argv.v[i], '\n'), "argument %zu has a newline", i);
	cr_assert_str_eq(argv.v[0], "/usr/bin/qemu-system-x86_64");
	cr_assert_null(argv.v[argv.n], "argv is not NULL-terminated");
}

/* -S only for a domain created paused: otherwise the vCPUs run from QEMU's start. */
Test(golden, vcpus_wait_only_when_paused)
{
	cleanup_free char *xml_path = dt_path("golden", "microvm-9p", ".xml");
	cleanup_domain_def struct domain_def *def = dt_parse_ok(xml_path);
	struct drv_command_ctx ctx;

	dt_golden_ctx(def, &ctx);
	cleanup_free char *paused = dt_argv_text(&ctx, def);
	ctx.paused = false;
	cleanup_free char *running = dt_argv_text(&ctx, def);

	cr_assert_not_null(strstr(paused, "\n-S\n"), "no -S when paused:\n%s", paused);
	cr_assert_null(strstr(running, "\n-S\n"), "-S without paused:\n%s", running);
}
