/* SPDX-License-Identifier: Apache-2.0 */
/* The host's shares as the guest mounts them (shares.h). */
#include "guest/agent/shares.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/mountopt.h"

int agent_shares_mount(const struct agent_shares *s, const char *tag, const char *target,
		       unsigned long flags, struct vs_error **err)
{
	cleanup_free char *source = NULL;

	flags = agent_mountopt_bind_flags(flags);
	if (s->vm) {
		bool cached = s->cached_tag != NULL && strcmp(tag, s->cached_tag) == 0;

		vs_debug("agent", "mounting share `%s` (9p%s)", tag, cached ? ", cached" : "");
		if (mount(tag, target, "9p", flags,
			  cached ? AGENT_9P_OPTIONS_CACHED : AGENT_9P_OPTIONS) < 0)
			return vs_error_set(err, errno, "cannot mount share `%s`", tag);
		return 0;
	}
	source = vs_xasprintf("%s/%s", s->share_dir, tag);
	if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vs_error_set(err, errno, "cannot mount share `%s` from `%s`", tag, source);
	if (flags != 0)
		return agent_mountopt_remount(target, flags, tag, err);
	return 0;
}

char *agent_shares_stage(const struct agent_shares *s, const char *tag, struct vs_error **err)
{
	cleanup_free char *dir = vs_xasprintf("%s/%s", s->stage_dir, tag);

	if (vs_mkdir_p(dir, 0700, err) < 0 || agent_shares_mount(s, tag, dir, 0, err) < 0)
		return NULL;
	return steal_pointer(&dir);
}
