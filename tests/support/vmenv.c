/* SPDX-License-Identifier: Apache-2.0 */
#include "vmenv.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* Where the emulator lives: driver/lifecycle.c looks in these places only. */
static const char *const qemu_paths[] = { "/usr/bin/qemu-system-x86_64",
					  "/usr/local/bin/qemu-system-x86_64" };

const char *ts_env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

const char *ts_datadir(const char *vshim)
{
	static char dir[PATH_MAX];
	char copy[PATH_MAX];

	if (getenv("VSHIM_DATADIR") != NULL && *getenv("VSHIM_DATADIR") != '\0')
		return getenv("VSHIM_DATADIR");
	snprintf(copy, sizeof(copy), "%s", vshim);
	snprintf(dir, sizeof(dir), "%s/../share/vshim", dirname(copy));
	return dir;
}

void ts_require_host(const char *vshim, const char *helper)
{
	if (access(vshim, X_OK) != 0)
		cr_assert_fail("the vshim binary `%s` is missing: build it (cmake --build)", vshim);
	if (access(helper, R_OK) != 0)
		cr_assert_fail("vshim-testhelper `%s` is missing: build it (cmake --build)",
			       helper);
	if (access("/bin/busybox", X_OK) != 0)
		cr_assert_fail("/bin/busybox is missing: install busybox-static "
			       "(contrib/install-deps.sh)");
}

void ts_require_vm(const char *vshim, const char *helper)
{
	static const char *const guest_files[] = { "vmlinux", "initramfs.img" };
	bool qemu = false;

	ts_require_host(vshim, helper);
	for (size_t i = 0; i < VS_ARRAY_SIZE(qemu_paths); i++)
		qemu = qemu || access(qemu_paths[i], X_OK) == 0;
	if (!qemu)
		cr_assert_fail(
		    "qemu-system-x86_64 is missing (vshim looks in /usr/bin and "
		    "/usr/local/bin): install qemu-system-x86 (contrib/install-deps.sh)");
	for (size_t i = 0; i < VS_ARRAY_SIZE(guest_files); i++) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", ts_datadir(vshim), guest_files[i]);
		if (access(path, R_OK) != 0)
			cr_assert_fail(
			    "the guest %s `%s` is missing: build the guest (cmake --build; the "
			    "kernel needs linux-source-6.1) or set VSHIM_DATADIR",
			    strcmp(guest_files[i], "vmlinux") == 0 ? "kernel" : "initramfs", path);
	}
}

ssize_t ts_read_cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64];
	cleanup_close int fd = -1;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	if (len <= 0)
		return -1; /* a zombie or a kernel thread */
	for (ssize_t i = 0; i < len; i++)
		buf[i] = buf[i] == '\0' ? ' ' : buf[i];
	buf[len] = '\0';
	return len;
}

size_t ts_find_processes(const char *needle, pid_t *pids, size_t max)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	while (d != NULL && (de = readdir(d)) != NULL && n < max) {
		char buf[16384];
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		if (ts_read_cmdline(pid, buf, sizeof(buf)) > 0 && strstr(buf, needle) != NULL)
			pids[n++] = pid;
	}
	return n;
}

size_t ts_mounts_under(const char *prefix, bool unmount)
{
	cleanup_file FILE *f = fopen("/proc/self/mounts", "re");
	char line[8192];
	size_t n = 0, len = strlen(prefix);

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *dir = strchr(line, ' ');

		if (dir == NULL)
			continue;
		dir++;
		dir[strcspn(dir, " ")] = '\0';
		if (strncmp(dir, prefix, len) == 0 && (dir[len] == '/' || dir[len] == '\0')) {
			n++;
			if (unmount)
				umount2(dir, MNT_DETACH);
		}
	}
	return n;
}

void ts_reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
}
