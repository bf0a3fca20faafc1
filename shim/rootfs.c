/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/mounts.h"

/* path resolved inside the tree of rootfd, symlinks included, never outside it. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Creates dest (a directory, or an empty file when file) and its parents inside rootfd. */
static int make_mountpoint(int rootfd, const char *dest, bool file, struct vs_error **err)
{
	cleanup_free char *path = vs_xstrdup(dest);
	size_t len = strlen(path);

	/* Each prefix in turn: "/a", "/a/b", ... */
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		bool last = path[i] == '\0' || path[i + 1] == '\0';
		char saved = path[i];

		path[i] = '\0';
		cleanup_close int fd = open_in_root(rootfd, path, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			char *slash = strrchr(path, '/');
			cleanup_close int parent = -1;

			*slash = '\0';
			parent = open_in_root(rootfd, path[0] ? path : "/", O_PATH | O_DIRECTORY);
			*slash = '/';
			if (parent < 0)
				return vs_error_set(err, errno,
						    "cannot open the parent of `%s` in the rootfs",
						    path);
			int r;

			if (last && file) {
				fd = openat(parent, slash + 1,
					    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					    0644);
				r = fd < 0 ? -1 : 0;
			} else {
				r = mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST ? -1
											    : 0;
			}
			if (r < 0)
				return vs_error_set(
				    err, errno, "cannot create the mount point `%s` in the rootfs",
				    path);
		} else if (fd < 0) {
			return vs_error_set(err, errno, "cannot open `%s` in the rootfs", path);
		}
		path[i] = saved;
		if (last)
			break;
	}
	return 0;
}

int shim_rootfs_prepare(const struct oci_spec *spec, const char *bundle, struct vs_error **err)
{
	if (!spec->root_readonly)
		return 0;
	cleanup_free char *root = oci_spec_path_in_bundle(bundle, spec->root_path);
	cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return vs_error_set(err, errno, "root.path: cannot open `%s`", root);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		enum oci_mount_kind kind;
		cleanup_free char *source = NULL;

		struct stat st;

		if (oci_mounts_classify(spec, i, bundle, &kind, &source, err) < 0 ||
		    make_mountpoint(rootfd, spec->mounts[i].destination,
				    kind == OCI_MOUNT_VOLUME && stat(source, &st) == 0 &&
					S_ISREG(st.st_mode),
				    err) < 0)
			return vs_error_prefix(err, "mounts[%zu]", i);
	}
	return 0;
}
