/* SPDX-License-Identifier: Apache-2.0 */
/* Namespace files checked by their type (ns.h). */
#include "common/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

static const struct {
	int type;
	const char *name; /* as config.json says it */
	const char *proc; /* as /proc/PID/ns/ does */
} types[] = {
	{ CLONE_NEWNET, "network", "net" },	 { CLONE_NEWNS, "mount", "mnt" },
	{ CLONE_NEWIPC, "ipc", "ipc" },		 { CLONE_NEWUTS, "uts", "uts" },
	{ CLONE_NEWUSER, "user", "user" },	 { CLONE_NEWPID, "pid", "pid" },
	{ CLONE_NEWCGROUP, "cgroup", "cgroup" }, { CLONE_NEWTIME, "time", "time" },
};

/* The name of a namespace type: as config.json says it, or as /proc does. */
static const char *type_name(int type, bool proc)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(types); i++)
		if (types[i].type == type)
			return proc ? types[i].proc : types[i].name;
	return "unknown";
}

int vs_ns_open(const char *path, int type, struct vs_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *want = type_name(type, false);
	int got;

	if (fd < 0)
		return vs_error_set(err, errno, "cannot open %s namespace `%s`", want, path);
	got = ioctl(fd, NS_GET_NSTYPE);
	if (got < 0 && errno == ENOTTY)
		return vs_error_code(err, EINVAL, "`%s` is not a namespace", path);
	if (got < 0)
		return vs_error_set(err, errno, "cannot tell the namespace type of `%s`", path);
	if (got != type)
		return vs_error_code(err, EINVAL,
				     "`%s` is a namespace of type %s, not %s %s namespace", path,
				     type_name(got, true), type == CLONE_NEWIPC ? "an" : "a", want);
	return steal_fd(&fd);
}
