/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

static const char *const guest_types[] = {
	"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2",
};

/* Host trees a VM cannot share: the guest has its own. */
static const char *const guest_trees[] = { "/proc", "/sys", "/dev" };

static bool has_option(const struct oci_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->n_options; i++) {
		if (strcmp(m->options[i], opt) == 0)
			return true;
	}
	return false;
}

bool oci_mounts_is_bind(const struct oci_mount *m)
{
	return (m->type != NULL && strcmp(m->type, "bind") == 0) || has_option(m, "bind") ||
	       has_option(m, "rbind");
}

bool oci_mounts_is_readonly(const struct oci_mount *m)
{
	bool ro = false;

	for (size_t i = 0; i < m->n_options; i++) {
		if (strcmp(m->options[i], "ro") == 0)
			ro = true;
		else if (strcmp(m->options[i], "rw") == 0)
			ro = false;
	}
	return ro;
}

static bool in_guest_tree(const char *path)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(guest_trees); i++) {
		size_t n = strlen(guest_trees[i]);

		if (strncmp(path, guest_trees[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static int not_shareable(size_t i, const char *path, struct vs_error **err)
{
	return vs_error_set(
	    err, 0, "mounts[%zu].source: `%s` is neither a directory nor a regular file", i, path);
}

int oci_mounts_classify(const struct oci_spec *spec, size_t i, const char *bundle,
			enum oci_mount_kind *kind, char **source, struct vs_error **err)
{
	const struct oci_mount *m = &spec->mounts[i];
	cleanup_free char *path = NULL;
	struct stat st;

	*source = NULL;
	*kind = OCI_MOUNT_GUEST;
	if (!oci_mounts_is_bind(m)) {
		if (m->type == NULL)
			return vs_error_set(err, 0,
					    "mounts[%zu].type: is required unless options contain "
					    "\"bind\" or \"rbind\"",
					    i);
		for (size_t t = 0; t < VS_ARRAY_SIZE(guest_types); t++) {
			if (strcmp(guest_types[t], m->type) == 0)
				return 0;
		}
		return vs_error_set(err, 0, "mounts[%zu].type: unsupported mount type \"%s\"", i,
				    m->type);
	}
	if (m->source == NULL || m->source[0] == '\0')
		return vs_error_set(err, 0, "mounts[%zu].source: is required for a bind mount", i);
	path = oci_spec_path_in_bundle(bundle, m->source);
	if (in_guest_tree(path))
		return 0;
	if (stat(path, &st) < 0)
		return vs_error_set(err, errno, "mounts[%zu].source: cannot access `%s`", i, path);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return not_shareable(i, path, err);
	*kind = OCI_MOUNT_VOLUME;
	*source = steal_pointer(&path);
	return 0;
}

int oci_mounts_check(const struct oci_spec *spec, const char *bundle, struct vs_error **err)
{
	size_t volumes = 0;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		cleanup_free char *source = NULL;
		enum oci_mount_kind kind;

		if (oci_mounts_classify(spec, i, bundle, &kind, &source, err) < 0)
			return -1;
		volumes += kind == OCI_MOUNT_VOLUME;
	}
	if (volumes > OCI_MAX_VOLUMES)
		return vs_error_set(err, 0,
				    "mounts: %zu bind mounts of host files and directories; a "
				    "container may have at most %u",
				    volumes, OCI_MAX_VOLUMES);
	return 0;
}

/* The volume's entry at dirfd: a directory or an empty file, like the tree's root. */
static int make_entry(int dirfd, const char *name, int tree, size_t i, const char *source,
		      struct vs_error **err)
{
	struct stat st;
	int fd;

	if (fstat(tree, &st) < 0)
		return vs_error_set(err, errno, "mounts[%zu].source: cannot access `%s`", i,
				    source);
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dirfd, name, 0700) < 0)
			return vs_error_set(err, errno, "cannot make the volume of mounts[%zu]", i);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return not_shareable(i, source, err);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot make the volume of mounts[%zu]", i);
	close(fd);
	return 0;
}

/*
 * mounts[i] (a volume whose host path is source) into its entry at dirfd:
 * a copy of the source's mount (with what is mounted below it for rbind),
 * nosuid and nodev, read-only when the mount is, then put in place.
 */
static int add_volume(const struct oci_spec *spec, size_t i, const char *source, int dirfd,
		      struct vs_error **err)
{
	const struct oci_mount *m = &spec->mounts[i];
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    (oci_mounts_is_readonly(m) ? MOUNT_ATTR_RDONLY : 0),
	};
	char name[OCI_VOLUME_ENTRY_MAX];
	cleanup_close int tree = -1;

	oci_volume_entry(name, sizeof(name), i);
	vs_debug("oci", "volume %s: `%s`%s", name, source,
		 oci_mounts_is_readonly(m) ? ", read-only" : "");
	tree = open_tree(AT_FDCWD, source,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			     (has_option(m, "rbind") ? AT_RECURSIVE : 0));
	if (tree < 0)
		return vs_error_set(err, errno, "mounts[%zu].source: cannot bind-mount `%s`", i,
				    source);
	if (make_entry(dirfd, name, tree, i, source, err) < 0)
		return -1;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return vs_error_set(err, errno,
				    "mounts[%zu]: cannot set the host's flags on the volume of "
				    "`%s`",
				    i, source);
	if (move_mount(tree, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return vs_error_set(err, errno, "mounts[%zu]: cannot mount the volume of `%s`", i,
				    source);
	return 0;
}

int oci_mounts_volumes_build(const struct oci_spec *spec, const char *bundle, const char *dir,
			     struct vs_error **err)
{
	cleanup_free char *data =
	    vs_xasprintf("mode=0700,size=64k,nr_inodes=%u", OCI_MAX_VOLUMES + 16);
	cleanup_close int dirfd = -1;
	int r = 0;

	if (mkdir(dir, 0700) < 0)
		return vs_error_set(err, errno, "cannot create `%s`", dir);
	if (mount("vshim-volumes", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0) {
		vs_error_set(err, errno, "cannot mount a tmpfs on `%s`", dir);
		rmdir(dir);
		return -1;
	}
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		r = vs_error_set(err, errno, "cannot open `%s`", dir);
	for (size_t i = 0; r == 0 && i < spec->n_mounts; i++) {
		cleanup_free char *source = NULL;
		enum oci_mount_kind kind;

		if (oci_mounts_classify(spec, i, bundle, &kind, &source, err) < 0 ||
		    (kind == OCI_MOUNT_VOLUME && add_volume(spec, i, source, dirfd, err) < 0))
			r = -1;
	}
	if (r < 0) {
		cleanup_error struct vs_error *undo = NULL;

		if (oci_mounts_volumes_release(dir, &undo) < 0)
			vs_warn("oci", "%s", undo->msg);
		return -1;
	}
	return 0;
}

int oci_mounts_volumes_release(const char *dir, struct vs_error **err)
{
	/* Detached: QEMU may still hold the share open while it dies. */
	if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return vs_error_set(err, errno, "cannot unmount `%s`", dir);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return vs_error_set(err, errno, "cannot remove `%s`", dir);
	return 0;
}
