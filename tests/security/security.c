/* SPDX-License-Identifier: Apache-2.0 */
#include "security.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

char *sec_verb_ok(struct rt *t, const char *const *args)
{
	struct rt_result r = rt_vshim(t, args);
	char *out;

	cr_assert_eq(r.status, 0, "vshim %s exited with %d; stderr:\n%s", args[0], r.status, r.err);
	out = steal_pointer(&r.out);
	rt_result_free(&r);
	return out;
}

void sec_wait_status(struct rt *t, const char *status, int timeout_s)
{
	cleanup_free char *want = vs_xasprintf("\"status\": \"%s\"", status);
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		cleanup_free char *state =
		    sec_verb_ok(t, (const char *const[]){ "state", t->id, NULL });

		if (strstr(state, want) != NULL)
			return;
		if (vs_now_ns() > deadline)
			cr_assert_fail("`%s` is not %s after %d s:\n%s", t->id, status, timeout_s,
				       state);
		usleep(100000);
	}
}

static bool skipped(const char *name, const char *const *skip)
{
	for (const char *const *s = skip; s != NULL && *s != NULL; s++) {
		if (strncmp(name, *s, strlen(*s)) == 0)
			return true;
	}
	return false;
}

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, const char *rel, const char *const *skip, struct vs_strv *out)
{
	cleanup_free char *path = vs_xasprintf("%s%s", dir, rel);
	cleanup_dir DIR *d = opendir(path);
	struct dirent *de;

	cr_assert_not_null(d, "cannot read `%s`", path);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *child = NULL, *full = NULL;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (rel[0] == '\0' && skipped(de->d_name, skip)))
			continue;
		child = vs_xasprintf("%s/%s", rel, de->d_name);
		full = vs_xasprintf("%s%s", dir, child);
		cr_assert_eq(lstat(full, &st), 0, "cannot stat `%s`", full);
		vs_strv_pushf(out, "%s %o %u:%u %lld", child, (unsigned int)st.st_mode,
			      (unsigned int)st.st_uid, (unsigned int)st.st_gid,
			      S_ISDIR(st.st_mode) ? 0 : (long long)st.st_size);
		if (S_ISDIR(st.st_mode))
			walk(dir, child, skip, out);
	}
}

char *sec_tree(const char *dir, const char *const *skip)
{
	cleanup_strv struct vs_strv lines = { 0 };

	walk(dir, "", skip, &lines);
	if (lines.n > 0)
		qsort(lines.v, lines.n, sizeof(char *), compare);
	return vs_strv_join(&lines, "\n");
}

void sec_assert_tree(const char *dir, const char *before, const char *const *skip)
{
	cleanup_free char *after = sec_tree(dir, skip);

	cr_assert_str_eq(after, before, "`%s` changed.\nbefore:\n%s\nafter:\n%s", dir, before,
			 after);
}
