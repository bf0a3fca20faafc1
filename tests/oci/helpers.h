/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the oci tests: test data files and temporary directories. */
#pragma once

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "oci/spec.h"

/* OCI_TEST_DIR is tests/oci in the source tree (set by CMakeLists.txt). */
static inline char *test_path(const char *name)
{
	return vs_xasprintf("%s/%s", OCI_TEST_DIR, name);
}

static inline char *test_read(const char *name, size_t *len)
{
	char *path = test_path(name), *buf = NULL;
	struct vs_error *err = NULL;

	if (vs_read_file(path, 16u << 20, &buf, len, &err) < 0)
		cr_assert_fail("cannot read test data: %s", err->msg);
	free(path);
	return buf;
}

static inline struct oci_spec *test_parse_ok(const char *json)
{
	struct vs_error *err = NULL;
	struct oci_spec *spec = oci_spec_parse(json, strlen(json), "/b/config.json", &err);

	cr_assert_not_null(spec, "unexpected error: %s", err ? err->msg : "(none)");
	return spec;
}

/* The error message of parsing json, which must fail. */
static inline char *test_parse_fail(const char *json, size_t len)
{
	struct vs_error *err = NULL;
	struct oci_spec *spec = oci_spec_parse(json, len, "/b/config.json", &err);
	char *msg;

	cr_assert_null(spec, "document unexpectedly valid: %s", json);
	cr_assert_not_null(err);
	msg = vs_xstrdup(err->msg);
	vs_error_free(err);
	return msg;
}

/* A fresh directory under $TMPDIR (or /tmp). */
static inline char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = vs_xasprintf("%s/vshim-oci-test.XXXXXX", base ? base : "/tmp");

	cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
	return dir;
}

static inline void test_write(const char *path, const char *text)
{
	struct vs_error *err = NULL;

	if (vs_write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
		cr_assert_fail("%s", err->msg);
}

static inline void test_rm(const char *path)
{
	struct vs_error *err = NULL;

	if (vs_rm_rf(path, &err) < 0)
		cr_assert_fail("%s", err->msg);
}
