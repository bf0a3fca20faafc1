/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the test harnesses put into a bundle: files, a rootfs of busybox and
 * vshim-testhelper, and runc's defaults for config.json.  Each failure fails
 * the test (Criterion).
 */
#pragma once

#include <stddef.h>

/* runc's default capabilities (`runc spec`): JSON strings, without the brackets. */
#define TS_RUNC_CAPS                                                                      \
	"\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_MKNOD\"," \
	"\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\","  \
	"\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\""

/* runc's default mounts: JSON objects, without the brackets. */
#define TS_RUNC_MOUNTS                                                                          \
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"                    \
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","                    \
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"               \
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","              \
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}," \
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","                  \
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"         \
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","           \
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"                                       \
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","                    \
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}"

/* The whole file as a new NUL-terminated string; *len may be NULL. */
char *ts_read_file(const char *path, size_t *len);
/* A file (0644) holding these bytes. */
void ts_write_file(const char *path, const void *data, size_t len);

/*
 * rootfs with dirs (which hold "bin"), the host's /bin/busybox with a link
 * per applet in bin, and helper as bin/vshim-testhelper.  Both lists end
 * with NULL.
 */
void ts_make_rootfs(const char *rootfs, const char *helper, const char *const *dirs,
		    const char *const *applets);
