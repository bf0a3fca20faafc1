/* SPDX-License-Identifier: Apache-2.0 */
/* The container's file system tree (mounts.h). */
#include "guest/agent/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/devices.h"
#include "guest/agent/mountopt.h"
#include "guest/agent/resolve.h"
#include "guest/agent/shares.h"
#include "oci/mounts.h"
#include "oci/translate.h"

/* A place to mount on: the magic link of an O_PATH descriptor. */
struct fd_path {
	char s[32];
};

static struct fd_path fd_path(int fd)
{
	struct fd_path p;

	snprintf(p.s, sizeof(p.s), "/proc/self/fd/%d", fd);
	return p;
}

/*
 * Sets the flags of the mount just made on dest.  A descriptor opened before
 * the mount names what is under it: dest is resolved again.
 */
static int remount_dest(int rootfd, const char *dest, unsigned long flags, struct vs_error **err)
{
	cleanup_close int fd = -1;

	if (flags == 0)
		return 0;
	fd = agent_resolve_open(rootfd, dest, AGENT_RESOLVE_EXISTING, err);
	if (fd < 0)
		return -1;
	return agent_mountopt_remount(fd_path(fd).s, flags, dest, err);
}

static const struct proto_bind *find_bind(const struct agent_mounts_ctx *ctx, size_t index)
{
	for (size_t i = 0; i < ctx->n_binds; i++) {
		if (ctx->binds[i].index == index)
			return &ctx->binds[i];
	}
	return NULL;
}

/* A bind mount: of a volume (its entry in the share mounted at volumes), or of a guest path. */
static int mount_bind(const struct agent_mounts_ctx *ctx, const char *volumes, int rootfd,
		      const struct oci_mount *m, size_t index, const struct agent_mountopt *o,
		      struct vs_error **err)
{
	unsigned long flags = agent_mountopt_bind_flags(o->flags);
	cleanup_free char *source = NULL;
	cleanup_close int target = -1;
	struct stat st;

	if (find_bind(ctx, index) != NULL) {
		char entry[OCI_VOLUME_ENTRY_MAX];

		oci_volume_entry(entry, sizeof(entry), index);
		source = vs_xasprintf("%s/%s", volumes, entry);
	} else if (m->source == NULL || m->source[0] != '/') {
		return vs_error_code(err, EINVAL,
				     "the source of bind mount `%s` is neither a volume nor an "
				     "absolute path of the guest",
				     m->destination);
	} else {
		source = vs_xstrdup(m->source);
	}
	if (stat(source, &st) < 0)
		return vs_error_set(err, errno, "cannot access bind mount source `%s`", source);
	target =
	    agent_resolve_open(rootfd, m->destination,
			       S_ISDIR(st.st_mode) ? AGENT_RESOLVE_DIR : AGENT_RESOLVE_FILE, err);
	if (target < 0)
		return -1;
	if (mount(source, fd_path(target).s, NULL, MS_BIND | (o->recursive ? MS_REC : 0), NULL) < 0)
		return vs_error_set(err, errno, "cannot bind-mount `%s` on `%s`", source,
				    m->destination);
	return remount_dest(rootfd, m->destination, flags, err);
}

/* Kinds the guest kernel may lack: a failure is logged, not fatal. */
static bool best_effort(const char *type)
{
	return strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0 ||
	       strcmp(type, "mqueue") == 0;
}

static int mount_fs(int rootfd, const struct oci_mount *m, const struct agent_mountopt *o,
		    struct vs_error **err)
{
	cleanup_close int target =
	    agent_resolve_open(rootfd, m->destination, AGENT_RESOLVE_DIR, err);
	const char *type = m->type;
	const char *source = m->source != NULL ? m->source : m->type;
	const char *data = o->data;

	if (target < 0)
		return -1;
	if (strcmp(type, "cgroup") == 0) {
		/* The guest has the unified hierarchy only. */
		type = "cgroup2";
		source = "cgroup2";
		data = NULL;
	}
	if (mount(source, fd_path(target).s, type, o->flags, data) == 0)
		return 0;
	if (best_effort(type)) {
		vs_warn("agent", "cannot mount %s on `%s`: %s; going on without it", type,
			m->destination, strerror(errno));
		return 0;
	}
	return vs_error_set(err, errno, "cannot mount %s on `%s`", type, m->destination);
}

/* What can be told of mounts[i] before anything is made: a refusal comes first. */
static int check_mount(const struct oci_spec *spec, size_t i, struct agent_mountopt *o,
		       struct vs_error **err)
{
	const struct oci_mount *m = &spec->mounts[i];

	if (m->destination == NULL || m->destination[0] != '/')
		return vs_error_code(err, EINVAL, "mounts[%zu]: the destination is not absolute",
				     i);
	if (agent_mountopt_parse(m->options, m->n_options, o, err) < 0)
		return vs_error_prefix(err, "mounts[%zu]", i);
	if (!o->bind && m->type == NULL) {
		agent_mountopt_clear(o);
		return vs_error_code(err, EINVAL, "mounts[%zu]: no type", i);
	}
	return 0;
}

static int mount_one(const struct agent_mounts_ctx *ctx, const char *volumes, int rootfd,
		     const struct oci_spec *spec, size_t i, struct vs_error **err)
{
	const struct oci_mount *m = &spec->mounts[i];
	struct agent_mountopt o;
	cleanup_close int target = -1;
	int r;

	if (check_mount(spec, i, &o, err) < 0)
		return -1;
	vs_debug("agent", "mount %s on `%s`", m->type ? m->type : "bind", m->destination);
	if (o.bind || strcmp(m->type, "bind") == 0)
		r = mount_bind(ctx, volumes, rootfd, m, i, &o, err);
	else
		r = mount_fs(rootfd, m, &o, err);
	if (r == 0 && o.propagation != 0) {
		target = agent_resolve_open(rootfd, m->destination, AGENT_RESOLVE_EXISTING, err);
		if (target < 0 || mount(NULL, fd_path(target).s, NULL, o.propagation, NULL) < 0)
			r = vs_error_set(err, errno, "cannot set the propagation of `%s`",
					 m->destination);
	}
	agent_mountopt_clear(&o);
	return r;
}

static const struct oci_mount *find_mount(const struct oci_spec *spec, const char *dest)
{
	const struct oci_mount *found = NULL;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (spec->mounts[i].destination != NULL &&
		    agent_resolve_same_path(spec->mounts[i].destination, dest))
			found = &spec->mounts[i];
	}
	return found;
}

/* A mount of our own, for /dev and what goes under it when the config has none. */
static int mount_default(int rootfd, const char *dest, const char *type, unsigned long flags,
			 const char *data, struct vs_error **err)
{
	cleanup_close int target = agent_resolve_open(rootfd, dest, AGENT_RESOLVE_DIR, err);

	if (target < 0)
		return -1;
	if (mount(type, fd_path(target).s, type, flags, data) < 0)
		return vs_error_set(err, errno, "cannot mount %s on `%s`", type, dest);
	return 0;
}

int agent_mounts_apply(const struct agent_mounts_ctx *ctx, int rootfd, const struct oci_spec *spec,
		       struct vs_error **err)
{
	const struct oci_mount *dev = find_mount(spec, "/dev");
	const struct oci_linux *lx = spec->linux_;
	cleanup_free char *volumes = NULL;
	cleanup_close int devfd = -1;

	/* Every refusal before the first mount point is made in a root the host may share. */
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct agent_mountopt o;

		if (check_mount(spec, i, &o, err) < 0)
			return -1;
		agent_mountopt_clear(&o);
	}
	if (ctx->n_binds > 0) {
		volumes = agent_shares_stage(ctx->shares, OCI_VOLUMES_TAG, err);
		if (volumes == NULL)
			return -1;
	}
	if (dev == NULL && mount_default(rootfd, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
					 "mode=755,size=65536k", err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (mount_one(ctx, volumes, rootfd, spec, i, err) < 0)
			return -1;
	}
	if (dev == NULL) {
		if (find_mount(spec, "/dev/pts") == NULL &&
		    mount_default(rootfd, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
				  "newinstance,ptmxmode=0666,mode=0620,gid=5", err) < 0)
			return -1;
		if (find_mount(spec, "/dev/shm") == NULL &&
		    mount_default(rootfd, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  "mode=1777,size=65536k", err) < 0)
			return -1;
	}
	/* A bind-mounted /dev is what it is; a fresh one gets its nodes. */
	if (dev != NULL && (dev->type == NULL || strcmp(dev->type, "bind") == 0))
		return 0;
	devfd = agent_resolve_open(rootfd, "/dev", AGENT_RESOLVE_EXISTING, err);
	if (devfd < 0)
		return -1;
	return agent_devices_populate(rootfd, devfd, lx ? lx->devices : NULL,
				      lx ? lx->n_devices : 0, err);
}

int agent_mounts_mask(int rootfd, const char *path, struct vs_error **err)
{
	cleanup_close int fd = agent_resolve_openat(rootfd, path, O_PATH);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return vs_error_set(err, errno, "cannot resolve masked path `%s`", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fd_path(fd).s, "tmpfs", MS_RDONLY, "mode=0555") < 0)
			return vs_error_set(err, errno, "cannot mask `%s`", path);
	} else if (mount("/dev/null", fd_path(fd).s, NULL, MS_BIND, NULL) < 0) {
		return vs_error_set(err, errno, "cannot mask `%s`", path);
	}
	return 0;
}

/* The MS_* flags statvfs reports for the mount under fd, to keep them on remount. */
static unsigned long mount_flags(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },	  { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },	  { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	for (size_t i = 0; i < VS_ARRAY_SIZE(map); i++) {
		if (sv.f_flag & map[i].st)
			flags |= map[i].ms;
	}
	return flags;
}

int agent_mounts_readonly(int rootfd, const char *path, struct vs_error **err)
{
	cleanup_close int fd = agent_resolve_openat(rootfd, path, O_PATH);
	cleanup_close int top = -1;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return vs_error_set(err, errno, "cannot resolve read-only path `%s`", path);
	if (mount(fd_path(fd).s, fd_path(fd).s, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vs_error_set(err, errno, "cannot bind-mount read-only path `%s`", path);
	/* fd still names what is under the new mount; the remount needs the mount itself. */
	top = agent_resolve_open(rootfd, path, AGENT_RESOLVE_EXISTING, err);
	if (top < 0)
		return -1;
	return agent_mountopt_remount(fd_path(top).s, MS_RDONLY | mount_flags(fd_path(top).s), path,
				      err);
}

int agent_mounts_pivot(const char *rootfs, struct vs_error **err)
{
	if (chdir(rootfs) < 0)
		return vs_error_set(err, errno, "cannot enter `%s`", rootfs);
	/* The old root is stacked on the new one, then detached from it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return vs_error_set(err, errno, "cannot pivot_root to `%s`", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return vs_error_set(err, errno, "cannot detach the agent's root");
	if (chdir("/") < 0)
		return vs_error_set(err, errno, "cannot enter the container's root");
	return 0;
}

int agent_mounts_finish_root(const struct oci_spec *spec, struct vs_error **err)
{
	const char *prop = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;

	if (spec->root_readonly &&
	    agent_mountopt_remount("/", MS_RDONLY | mount_flags("/"), "/", err) < 0)
		return -1;
	if (prop != NULL && prop[0] != '\0') {
		char *opts[] = { (char *)prop };
		struct agent_mountopt o;

		if (agent_mountopt_parse(opts, 1, &o, err) < 0)
			return -1;
		if (o.propagation == 0 || o.data != NULL || o.flags != 0) {
			agent_mountopt_clear(&o);
			return vs_error_code(err, EINVAL, "invalid rootfsPropagation \"%s\"", prop);
		}
		if (mount(NULL, "/", NULL, o.propagation | MS_REC, NULL) < 0)
			return vs_error_set(err, errno, "cannot set rootfsPropagation \"%s\"",
					    prop);
	}
	return 0;
}
