/* SPDX-License-Identifier: Apache-2.0 */
#include "bundle.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

char *ts_read_file(const char *path, size_t *len)
{
	cleanup_error struct vs_error *err = NULL;
	char *text = NULL;

	if (vs_read_file(path, 256u << 20, &text, len, &err) < 0)
		cr_assert_fail("%s", err->msg);
	return text;
}

void ts_write_file(const char *path, const void *data, size_t len)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0, "cannot create `%s`: %s", path, strerror(errno));
	cr_assert_eq(vs_write_all(fd, data, len), 0, "cannot write `%s`", path);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len = 0;
	cleanup_free char *data = ts_read_file(from, &len);

	ts_write_file(to, data, len);
	cr_assert_eq(chmod(to, mode), 0);
}

void ts_make_rootfs(const char *rootfs, const char *helper, const char *const *dirs,
		    const char *const *applets)
{
	char path[PATH_MAX];

	cr_assert_eq(vs_mkdir_p(rootfs, 0755, NULL), 0);
	for (const char *const *d = dirs; *d != NULL; d++) {
		snprintf(path, sizeof(path), "%s/%s", rootfs, *d);
		cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
	}
	snprintf(path, sizeof(path), "%s/bin/busybox", rootfs);
	copy_file("/bin/busybox", path, 0755);
	for (const char *const *a = applets; *a != NULL; a++) {
		snprintf(path, sizeof(path), "%s/bin/%s", rootfs, *a);
		cr_assert_eq(symlink("busybox", path), 0);
	}
	snprintf(path, sizeof(path), "%s/bin/vshim-testhelper", rootfs);
	copy_file(helper, path, 0755);
}
