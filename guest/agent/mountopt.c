/* SPDX-License-Identifier: Apache-2.0 */
/* config.json mount options and the bind remount (mountopt.h). */
#include "guest/agent/mountopt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/util.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const struct {
	const char *name;
	bool clear; /* the option turns the flag off */
	unsigned long flag;
} flag_options[] = {
	{ "defaults", false, 0 },
	{ "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },
	{ "nosuid", false, MS_NOSUID },
	{ "suid", true, MS_NOSUID },
	{ "nodev", false, MS_NODEV },
	{ "dev", true, MS_NODEV },
	{ "noexec", false, MS_NOEXEC },
	{ "exec", true, MS_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS },
	{ "dirsync", false, MS_DIRSYNC },
	{ "remount", false, MS_REMOUNT },
	{ "mand", false, MS_MANDLOCK },
	{ "nomand", true, MS_MANDLOCK },
	{ "noatime", false, MS_NOATIME },
	{ "atime", true, MS_NOATIME },
	{ "nodiratime", false, MS_NODIRATIME },
	{ "diratime", true, MS_NODIRATIME },
	{ "relatime", false, MS_RELATIME },
	{ "norelatime", true, MS_RELATIME },
	{ "strictatime", false, MS_STRICTATIME },
	{ "nostrictatime", true, MS_STRICTATIME },
	{ "lazytime", false, MS_LAZYTIME },
	{ "nolazytime", true, MS_LAZYTIME },
	{ "nosymfollow", false, MS_NOSYMFOLLOW },
	{ "symfollow", true, MS_NOSYMFOLLOW },
	{ "silent", false, MS_SILENT },
	{ "loud", true, MS_SILENT },
};

static const struct {
	const char *name;
	unsigned long flags;
} propagation_options[] = {
	{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Options runtimes define that mean nothing to the kernel here. */
static const char *const ignored_options[] = { "tmpcopyup", "notmpcopyup", "copy-symlink" };

static bool parse_flag(const char *opt, struct agent_mountopt *o)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(flag_options); i++) {
		if (strcmp(flag_options[i].name, opt) != 0)
			continue;
		if (flag_options[i].clear)
			o->flags &= ~flag_options[i].flag;
		else
			o->flags |= flag_options[i].flag;
		/* The atime options exclude each other. */
		if (flag_options[i].flag == MS_STRICTATIME && !flag_options[i].clear)
			o->flags &= ~(MS_NOATIME | MS_RELATIME);
		else if ((flag_options[i].flag == MS_NOATIME ||
			  flag_options[i].flag == MS_RELATIME) &&
			 !flag_options[i].clear)
			o->flags &= ~MS_STRICTATIME;
		return true;
	}
	return false;
}

static int parse_propagation(const char *opt, struct agent_mountopt *o, bool *found,
			     struct vs_error **err)
{
	*found = false;
	for (size_t i = 0; i < VS_ARRAY_SIZE(propagation_options); i++) {
		if (strcmp(propagation_options[i].name, opt) != 0)
			continue;
		if (o->propagation != 0)
			return vs_error_code(
			    err, EINVAL,
			    "mount option \"%s\" conflicts with an earlier propagation "
			    "option",
			    opt);
		o->propagation = propagation_options[i].flags;
		*found = true;
	}
	return 0;
}

static bool ignored(const char *opt)
{
	if (strncmp(opt, "x-", 2) == 0)
		return true;
	for (size_t i = 0; i < VS_ARRAY_SIZE(ignored_options); i++) {
		if (strcmp(ignored_options[i], opt) == 0)
			return true;
	}
	return false;
}

int agent_mountopt_parse(char *const *options, size_t n, struct agent_mountopt *o,
			 struct vs_error **err)
{
	cleanup_strv struct vs_strv data = { 0 };

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		const char *opt = options[i];
		bool found;

		if (opt[0] == '\0' || ignored(opt) || parse_flag(opt, o))
			continue;
		if (parse_propagation(opt, o, &found, err) < 0)
			return -1;
		if (found)
			continue;
		if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
			o->bind = true;
			o->recursive = o->recursive || opt[0] == 'r';
			continue;
		}
		if (strchr(opt, ',') != NULL)
			return vs_error_code(err, EINVAL, "mount option \"%s\" contains a comma",
					     opt);
		vs_strv_push(&data, opt);
	}
	if (data.n > 0)
		o->data = vs_strv_join(&data, ",");
	return 0;
}

void agent_mountopt_clear(struct agent_mountopt *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}

unsigned long agent_mountopt_bind_flags(unsigned long flags)
{
	return flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
			MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW);
}

int agent_mountopt_remount(const char *target, unsigned long flags, const char *what,
			   struct vs_error **err)
{
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
		return vs_error_set(err, errno, "cannot set the flags of mount `%s`", what);
	return 0;
}
