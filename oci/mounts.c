/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/mounts.h"

#include <dirent.h>
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
#include "oci/translate.h"

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
	if (S_ISDIR(st.st_mode))
		*kind = OCI_MOUNT_DIR;
	else if (S_ISREG(st.st_mode))
		*kind = OCI_MOUNT_FILE;
	else
		return vs_error_set(err, 0,
				    "mounts[%zu].source: `%s` is neither a directory nor a regular "
				    "file",
				    i, path);
	*source = steal_pointer(&path);
	return 0;
}

char *oci_mounts_staging_dir(const char *state_dir, size_t i)
{
	char tag[OCI_MOUNT_TAG_MAX];

	oci_mount_tag(tag, sizeof(tag), i);
	return vs_xasprintf("%s/files/%s", state_dir, tag);
}

const char *oci_mounts_file_name(const char *source)
{
	const char *slash = strrchr(source, '/');

	return slash != NULL ? slash + 1 : source;
}

/* Stages mounts[i], a file bind mount whose host file is source. */
static int stage_one(const struct oci_spec *spec, size_t i, const char *source,
		     const char *state_dir, struct vs_error **err)
{
	const struct oci_mount *m = &spec->mounts[i];
	cleanup_free char *dir = oci_mounts_staging_dir(state_dir, i);
	cleanup_free char *target = NULL;
	cleanup_close int fd = -1;
	unsigned long flags = MS_BIND;

	if (vs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	target = vs_xasprintf("%s/%s", dir, oci_mounts_file_name(source));
	fd = open(target, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot create `%s`", target);
	if (has_option(m, "rbind"))
		flags |= MS_REC;
	vs_debug("oci", "staging `%s` at `%s`", source, target);
	if (mount(source, target, NULL, flags, NULL) < 0)
		return vs_error_set(err, errno, "cannot bind-mount `%s` on `%s`", source, target);
	if (oci_mounts_is_readonly(m) &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return vs_error_set(err, errno, "cannot make `%s` read-only", target);
	return 0;
}

int oci_mounts_stage(const struct oci_spec *spec, const char *bundle, const char *state_dir,
		     struct vs_error **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		cleanup_free char *source = NULL;
		enum oci_mount_kind kind;

		if (oci_mounts_classify(spec, i, bundle, &kind, &source, err) < 0 ||
		    (kind == OCI_MOUNT_FILE && stage_one(spec, i, source, state_dir, err) < 0)) {
			cleanup_error struct vs_error *undo = NULL;

			if (oci_mounts_unstage(spec, state_dir, &undo) < 0)
				vs_warn("oci", "%s", undo->msg);
			return -1;
		}
	}
	return 0;
}

/* Unmounts every entry of one staging directory; 0 when all are gone. */
static int unmount_entries(const char *dir, struct vs_error **err)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : vs_error_set(err, errno, "cannot open `%s`", dir);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = vs_xasprintf("%s/%s", dir, de->d_name);
		/* Repeat for files bind-mounted more than once; EINVAL: no longer a mount point. */
		while (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			;
		if (errno != EINVAL && errno != ENOENT)
			ret = vs_error_set(err, errno, "cannot unmount `%s`", path);
	}
	return ret;
}

int oci_mounts_unstage(const struct oci_spec *spec, const char *state_dir, struct vs_error **err)
{
	cleanup_free char *files = vs_xasprintf("%s/files", state_dir);
	cleanup_dir DIR *d = opendir(files);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : vs_error_set(err, errno, "cannot open `%s`", files);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *dir = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		dir = vs_xasprintf("%s/%s", files, de->d_name);
		if (unmount_entries(dir, err) < 0)
			ret = -1;
	}
	/* Never removes a host file: unlink() of a mount point fails with EBUSY. */
	if (ret == 0 && vs_rm_rf(files, err) < 0)
		ret = -1;
	return ret;
}
