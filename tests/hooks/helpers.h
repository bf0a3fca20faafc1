/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A temporary directory per test, /bin/sh hook scripts generated into it,
 * and strings that live until the end of the test (test_keep).
 */
#pragma once

#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static char test_dir[PATH_MAX];
static void *test_kept[256];
static size_t test_n_kept;

/* Frees p when the test ends; returns p. */
static inline void *test_keep(void *p)
{
	cr_assert_lt(test_n_kept, sizeof(test_kept) / sizeof(test_kept[0]));
	test_kept[test_n_kept++] = p;
	return p;
}

static void test_dir_make(void)
{
	strcpy(test_dir, "/tmp/vshim-hooks-XXXXXX");
	cr_assert_not_null(mkdtemp(test_dir));
}

static void test_dir_remove(void)
{
	vs_rm_rf(test_dir, NULL);
	while (test_n_kept > 0)
		free(test_kept[--test_n_kept]);
}

/* TEST_DIR/name, kept until the end of the test. */
static inline char *test_path(const char *name)
{
	return test_keep(vs_xasprintf("%s/%s", test_dir, name));
}

/* Writes TEST_DIR/name as an executable "#!/bin/sh" script; returns its (kept) path. */
static inline VS_PRINTF(2, 3) char *test_script(const char *name, const char *fmt, ...)
{
	char *path = test_path(name);
	char *body, *text;
	struct vs_error *err = NULL;
	va_list ap;

	va_start(ap, fmt);
	cr_assert(vasprintf(&body, fmt, ap) >= 0);
	va_end(ap);
	text = vs_xasprintf("#!/bin/sh\n%s\n", body);
	cr_assert_eq(vs_write_file_atomic(path, text, strlen(text), 0755, &err), 0, "%s",
		     err ? err->msg : "");
	free(body);
	free(text);
	return path;
}

/* The contents of TEST_DIR/name, kept ("" when it does not exist); *len may be NULL. */
static inline char *test_read(const char *name, size_t *len)
{
	char *path = test_path(name);
	char *data = NULL;
	struct vs_error *err = NULL;

	if (vs_read_file(path, 64u << 20, &data, len, &err) < 0) {
		vs_error_free(err);
		data = vs_xstrdup("");
		if (len != NULL)
			*len = 0;
	}
	return test_keep(data);
}
