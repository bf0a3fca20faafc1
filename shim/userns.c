/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

static bool made;

bool shim_userns_made(void)
{
	return made;
}

bool shim_userns_nested(void)
{
	cleanup_free char *map = NULL;
	unsigned long inside, outside, count;

	/* The host's namespace maps every id to itself: "0 0 4294967295". */
	if (vs_read_file("/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
		return false;
	if (sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 ||
	    outside != 0 || count != 4294967295ul)
		return true;
	return strchr(map, '\n') != NULL && strchr(map, '\n')[1] != '\0';
}

bool shim_userns_rootless(void)
{
	return geteuid() != 0;
}

bool shim_userns_denied(const struct vs_error *err)
{
	return err != NULL && (err->errnum == EPERM || err->errnum == EACCES);
}

static int plan_one(const struct oci_id_mapping *maps, size_t n, unsigned host, const char *path,
		    const char *key, struct shim_userns_map *out, struct vs_error **err)
{
	if (n == 0) {
		*out = (struct shim_userns_map){ .inside = 0, .host = host };
		return 0;
	}
	if (n == 1 && maps[0].host_id == host && maps[0].size == 1) {
		*out = (struct shim_userns_map){ .inside = maps[0].container_id, .host = host };
		return 0;
	}
	return vs_error_set(err, EPERM,
			    "%s: linux.%s: without root vshim maps only your own id (%u) once, "
			    "size 1; more ids need newuidmap and newgidmap, which vshim does not "
			    "use yet (or run through rootless podman, which does)",
			    path, key, host);
}

int shim_userns_plan(const struct oci_spec *spec, const char *path, struct shim_userns *ns,
		     struct vs_error **err)
{
	const struct oci_linux *l = spec->linux_;

	if (plan_one(l ? l->uid_mappings : NULL, l ? l->n_uid_mappings : 0, geteuid(), path,
		     "uidMappings", &ns->uid, err) < 0 ||
	    plan_one(l ? l->gid_mappings : NULL, l ? l->n_gid_mappings : 0, getegid(), path,
		     "gidMappings", &ns->gid, err) < 0)
		return -1;
	return 0;
}

static int write_proc(const char *name, const char *text, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("/proc/self/%s", name);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || vs_write_all(fd, text, strlen(text)) < 0)
		return vs_error_set(err, errno, "cannot write `%s` of the new user namespace",
				    path);
	return 0;
}

int shim_userns_enter(const struct shim_userns *ns, struct vs_error **err)
{
	char map[64];

	vs_debug("userns", "making a user namespace: uid %u as %u, gid %u as %u",
		 (unsigned)ns->uid.host, (unsigned)ns->uid.inside, (unsigned)ns->gid.host,
		 (unsigned)ns->gid.inside);
	if (unshare(CLONE_NEWUSER) < 0)
		return vs_error_set(err, errno,
				    "cannot make a user namespace: without root vshim needs "
				    "unprivileged user namespaces (sysctl "
				    "user.max_user_namespaces, kernel.unprivileged_userns_clone)");
	if (write_proc("setgroups", "deny", err) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)ns->uid.inside, (unsigned)ns->uid.host);
	if (write_proc("uid_map", map, err) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)ns->gid.inside, (unsigned)ns->gid.host);
	if (write_proc("gid_map", map, err) < 0)
		return -1;
	made = true;
	return 0;
}
