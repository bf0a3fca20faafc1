/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mounts' checks on the host, and the volumes.  Building volumes
 * mounts, so each such check runs in a forked child alone in a new mount
 * namespace (and a user namespace when not root: that needs a
 * single-threaded process, which the Criterion worker is not).  Nothing
 * leaks to the host.  The child reports the first failed check as a
 * message over a pipe; the test asserts there is none.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"
#include "oci/mounts.h"

#define BASE "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"

/* The failure message of a check (a new string). */
static char *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fail(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return msg != NULL ? msg : strdup("out of memory");
}

static int write_proc(const char *path, const char *text)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	return fd >= 0 && vs_write_all(fd, text, strlen(text)) == 0 ? 0 : -1;
}

static char *enter_namespaces(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return fail("unshare(CLONE_NEWUSER | CLONE_NEWNS): %s", strerror(errno));
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		if (write_proc("/proc/self/setgroups", "deny") < 0 ||
		    write_proc("/proc/self/uid_map", map) < 0)
			return fail("cannot write the uid map: %s", strerror(errno));
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		if (write_proc("/proc/self/gid_map", map) < 0)
			return fail("cannot write the gid map: %s", strerror(errno));
	} else if (unshare(CLONE_NEWNS) < 0) {
		return fail("unshare(CLONE_NEWNS): %s", strerror(errno));
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("cannot make / private: %s", strerror(errno));
	return NULL;
}

/* Runs check(arg) in a child in its own mount namespace; returns its failure message or NULL. */
static char *in_child(char *(*check)(void *), void *arg)
{
	int fds[2];
	pid_t pid;
	char buf[4096];
	ssize_t n;
	int status;

	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *msg = enter_namespaces();

		if (msg == NULL)
			msg = check(arg);
		if (msg != NULL)
			vs_write_all(fds[1], msg, strlen(msg));
		_exit(msg != NULL);
	}
	close(fds[1]);
	n = vs_read_all(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	buf[n > 0 ? n : 0] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	return vs_xasprintf("child status %d: %s", status, buf);
}

/* The message of oci_mounts_check() for doc (bundle dir), which must fail. */
static char *check_error(const char *doc, const char *bundle)
{
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(doc);
	struct vs_error *err = NULL;
	char *msg;

	cr_assert_eq(oci_mounts_check(spec, bundle, &err), -1, "mounts accepted: %s", doc);
	msg = vs_xstrdup(err->msg);
	vs_error_free(err);
	return msg;
}

Test(mounts, check_errors)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ BASE "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},"
		       "{\"destination\":\"/sys\",\"type\":\"sysfs\"},"
		       "{\"destination\":\"/tmp\",\"type\":\"tmpfs\"},"
		       "{\"destination\":\"/mnt\",\"type\":\"nfs\",\"source\":\"srv:/x\"}]}",
		  "mounts[3].type: unsupported mount type \"nfs\"" },
		{ BASE
		  "\"mounts\":[{\"destination\":\"/mnt\",\"type\":\"none\",\"source\":\"/x\"}]}",
		  "mounts[0].type: unsupported mount type \"none\"" },
		{ BASE "\"mounts\":[{\"destination\":\"/mnt\",\"source\":\"/usr\"}]}",
		  "mounts[0].type: is required unless options contain \"bind\" or \"rbind\"" },
		{ BASE "\"mounts\":[{\"destination\":\"/mnt\",\"type\":\"bind\"}]}",
		  "mounts[0].source: is required for a bind mount" },
		{ BASE "\"mounts\":[{\"destination\":\"/mnt\",\"type\":\"bind\","
		       "\"source\":\"/nonexistent/vshim\"}]}",
		  "mounts[0].source: cannot access `/nonexistent/vshim`: No such file or "
		  "directory" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		cleanup_free char *msg = check_error(cases[i].doc, "/bundle");

		cr_expect_str_eq(msg, cases[i].want, "case %zu:\n  got  %s\n  want %s", i, msg,
				 cases[i].want);
	}
}

Test(mounts, source_neither_dir_nor_file)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *fifo = vs_xasprintf("%s/fifo", dir);
	cleanup_free char *doc = NULL, *msg = NULL, *want = NULL;

	cr_assert_eq(mkfifo(fifo, 0600), 0);
	doc = vs_xasprintf(BASE "\"mounts\":[{\"destination\":\"/f\",\"type\":\"bind\","
				"\"source\":\"fifo\"}]}");
	msg = check_error(doc, dir);
	want =
	    vs_xasprintf("mounts[0].source: `%s` is neither a directory nor a regular file", fifo);
	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

/* At most OCI_MAX_VOLUMES volumes; bind mounts of the host's /proc, /sys, /dev are none. */
Test(mounts, volume_cap)
{
	cleanup_strv struct vs_strv parts = { 0 };
	cleanup_free char *list = NULL, *doc = NULL, *msg = NULL;
	struct vs_error *err = NULL;

	for (unsigned int i = 0; i < OCI_MAX_VOLUMES; i++)
		vs_strv_pushf(
		    &parts, "{\"destination\":\"/v%u\",\"type\":\"bind\",\"source\":\"/usr\"}", i);
	vs_strv_push(&parts, "{\"destination\":\"/p\",\"type\":\"bind\",\"source\":\"/proc\"}");
	list = vs_strv_join(&parts, ",");
	doc = vs_xasprintf(BASE "\"mounts\":[%s]}", list);
	cleanup_oci_spec struct oci_spec *full = test_parse_ok(doc);
	cr_assert_eq(oci_mounts_check(full, "/bundle", &err), 0, "%s", err ? err->msg : "");

	free(doc);
	free(list);
	vs_strv_push(&parts, "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/usr\"}");
	list = vs_strv_join(&parts, ",");
	doc = vs_xasprintf(BASE "\"mounts\":[%s]}", list);
	msg = check_error(doc, "/bundle");
	cr_assert_str_eq(msg, "mounts: 1025 bind mounts of host files and directories; a "
			      "container may have at most 1024");
}

/* Relative sources are taken from the bundle; the host's /proc, /sys and /dev are the guest's. */
Test(mounts, classify)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *data = vs_xasprintf("%s/data", dir);
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(
	    BASE "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"./data\"},"
		 "{\"destination\":\"/proc\",\"type\":\"proc\"},"
		 "{\"destination\":\"/dev\",\"source\":\"/dev\",\"options\":[\"rbind\"]}]}");
	enum oci_mount_kind kinds[3];
	char *sources[3];

	cr_assert_eq(mkdir(data, 0755), 0);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(oci_mounts_classify(spec, i, dir, &kinds[i], &sources[i], NULL), 0);
	cr_assert_eq(kinds[0], OCI_MOUNT_VOLUME);
	cr_assert_str_eq(sources[0], data);
	cr_assert_eq(kinds[1], OCI_MOUNT_GUEST);
	cr_assert_null(sources[1]);
	cr_assert_eq(kinds[2], OCI_MOUNT_GUEST);
	cr_assert_null(sources[2]);
	free(sources[0]);
	test_rm(dir);
}

Test(mounts, predicates)
{
	struct oci_mount m = { 0 };
	char *bind_ro[] = { "rbind", "ro", NULL };
	char *ro_rw[] = { "ro", "nosuid", "rw", NULL };

	m.type = "bind";
	cr_assert(oci_mounts_is_bind(&m));
	cr_assert_not(oci_mounts_is_readonly(&m));
	m.type = NULL;
	m.options = bind_ro;
	m.n_options = 2;
	cr_assert(oci_mounts_is_bind(&m));
	cr_assert(oci_mounts_is_readonly(&m));
	m.type = "tmpfs";
	m.options = ro_rw;
	m.n_options = 3;
	cr_assert_not(oci_mounts_is_bind(&m));
	cr_assert_not(oci_mounts_is_readonly(&m));
}

/* The volumes: DIR/{data,ro,hosts,ro-file} shared, DIR/state/vol built from them. */
struct volume_case {
	char *dir, *vol;
};

static char *read_text(const char *path, char **out)
{
	struct vs_error *err = NULL;

	if (vs_read_file(path, 4096, out, NULL, &err) < 0) {
		char *msg = fail("%s", err->msg);

		vs_error_free(err);
		return msg;
	}
	return NULL;
}

/* Opening (or creating) path for writing fails with want (0: succeeds). */
static char *check_write(const char *path, int want)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	int got = fd < 0 ? errno : 0;

	if (fd >= 0)
		close(fd);
	if (got != want)
		return fail("writing `%s`: %s, want %s", path, got ? strerror(got) : "success",
			    want ? strerror(want) : "success");
	return NULL;
}

/* How many mounts of this namespace are at or below path. */
static size_t mounts_under(const char *path)
{
	cleanup_file FILE *f = fopen("/proc/self/mounts", "re");
	char line[4096], dir[4096];
	size_t n = 0, len = strlen(path);

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %4095s", dir) == 1 && strncmp(dir, path, len) == 0 &&
		    (dir[len] == '\0' || dir[len] == '/'))
			n++;
	}
	return n;
}

static char *check_volumes(void *arg)
{
	struct volume_case *c = arg;
	cleanup_free char *sub = vs_xasprintf("%s/ro/sub", c->dir);
	cleanup_free char *doc = NULL, *text = NULL, *msg = NULL;
	cleanup_free char *p = NULL;
	struct vs_error *err = NULL;
	struct statvfs sv;
	struct stat top, below;
	struct oci_spec *spec;

	/* A mount below a source: rbind takes it (read-only too), bind does not. */
	if (mount("tmpfs", sub, "tmpfs", 0, "size=64k") < 0)
		return fail("cannot mount a tmpfs on `%s`: %s", sub, strerror(errno));
	doc = vs_xasprintf(
	    BASE "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},"
		 "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"data\","
		 "\"options\":[\"rbind\",\"rw\"]},"
		 "{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"%s/ro\","
		 "\"options\":[\"rbind\",\"ro\"]},"
		 "{\"destination\":\"/etc/hosts\",\"source\":\"hosts\",\"options\":[\"bind\"]},"
		 "{\"destination\":\"/f\",\"source\":\"ro-file\",\"options\":[\"bind\",\"ro\"]},"
		 "{\"destination\":\"/dev\",\"source\":\"/dev\",\"options\":[\"rbind\"]},"
		 "{\"destination\":\"/flat\",\"source\":\"ro\",\"options\":[\"bind\"]}]}",
	    c->dir);
	spec = oci_spec_parse(doc, strlen(doc), "doc", &err);
	if (spec == NULL)
		return fail("%s", err->msg);
	if (oci_mounts_volumes_build(spec, c->dir, c->vol, &err) < 0)
		return fail("%s", err->msg);
	oci_spec_free(spec);

	free(p), p = vs_xasprintf("%s/1/in", c->vol);
	if ((msg = read_text(p, &text)) != NULL || (msg = check_write(p, 0)) != NULL)
		return steal_pointer(&msg);
	if (strcmp(text, "data\n") != 0)
		return fail("`%s` holds \"%s\"", p, text);
	if (statvfs(p, &sv) < 0 || !(sv.f_flag & ST_NOSUID) || !(sv.f_flag & ST_NODEV))
		return fail("the volume of a read-write directory is not nosuid and nodev");
	free(p), p = vs_xasprintf("%s/2/in", c->vol);
	if ((msg = check_write(p, EROFS)) != NULL)
		return steal_pointer(&msg);
	free(p), p = vs_xasprintf("%s/2/sub/in", c->vol);
	if ((msg = check_write(p, EROFS)) != NULL)
		return fail("rbind, ro: the mount below is not read-only: %s", msg);
	free(p), p = vs_xasprintf("%s/3", c->vol);
	if ((msg = check_write(p, 0)) != NULL)
		return steal_pointer(&msg);
	free(p), p = vs_xasprintf("%s/4", c->vol);
	if ((msg = check_write(p, EROFS)) != NULL)
		return steal_pointer(&msg);
	free(p), p = vs_xasprintf("%s/0", c->vol);
	if (access(p, F_OK) == 0)
		return fail("proc has a volume");
	free(p), p = vs_xasprintf("%s/5", c->vol);
	if (access(p, F_OK) == 0)
		return fail("the host's /dev has a volume");
	free(p), p = vs_xasprintf("%s/6", c->vol);
	free(sub), sub = vs_xasprintf("%s/6/sub", c->vol);
	if (stat(p, &top) < 0 || stat(sub, &below) < 0 || top.st_dev != below.st_dev)
		return fail("bind (not rbind) took the mount below its source");

	if (oci_mounts_volumes_release(c->vol, &err) < 0)
		return fail("%s", err->msg);
	if (mounts_under(c->vol) != 0 || access(c->vol, F_OK) == 0)
		return fail("the volumes are still there after their release");
	if (oci_mounts_volumes_release(c->vol, &err) < 0)
		return fail("releasing again: %s", err->msg);
	return NULL;
}

/* DIR/data/in, DIR/ro/{in,sub/}, DIR/hosts, DIR/ro-file (each holding "NAME\n"), DIR/state. */
static void make_sources(struct volume_case *c)
{
	static const char *const dirs[] = { "data", "ro", "ro/sub", "state" };
	static const char *const files[] = { "data/in", "ro/in", "hosts", "ro-file" };

	c->dir = test_tmpdir();
	c->vol = vs_xasprintf("%s/state/vol", c->dir);
	for (size_t i = 0; i < VS_ARRAY_SIZE(dirs); i++) {
		cleanup_free char *path = vs_xasprintf("%s/%s", c->dir, dirs[i]);

		cr_assert_eq(mkdir(path, 0755), 0);
	}
	for (size_t i = 0; i < VS_ARRAY_SIZE(files); i++) {
		cleanup_free char *path = vs_xasprintf("%s/%s", c->dir, files[i]);
		cleanup_free char *text =
		    vs_xasprintf("%.*s\n", (int)strcspn(files[i], "/"), files[i]);

		test_write(path, text);
	}
}

Test(mounts, volumes_build_and_release)
{
	struct volume_case c;
	cleanup_free char *msg = NULL;

	make_sources(&c);
	msg = in_child(check_volumes, &c);
	cr_assert_null(msg, "%s", msg);
	test_rm(c.dir);
	free(c.dir);
	free(c.vol);
}

static char *check_failed_build(void *arg)
{
	struct volume_case *c = arg;
	cleanup_free char *want = NULL, *doc = NULL;
	struct vs_error *err = NULL;
	struct oci_spec *spec;

	doc = vs_xasprintf(BASE "\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\","
				"\"source\":\"data\"},{\"destination\":\"/b\",\"type\":\"bind\","
				"\"source\":\"hosts\"},{\"destination\":\"/c\",\"type\":\"bind\","
				"\"source\":\"missing\"}]}");
	spec = oci_spec_parse(doc, strlen(doc), "doc", &err);
	if (spec == NULL)
		return fail("%s", err->msg);
	if (oci_mounts_volumes_build(spec, c->dir, c->vol, &err) == 0)
		return fail("building a volume of a missing source succeeded");
	want = vs_xasprintf("mounts[2].source: cannot access `%s/missing`: No such file or "
			    "directory",
			    c->dir);
	if (strcmp(err->msg, want) != 0)
		return fail("error \"%s\", want \"%s\"", err->msg, want);
	if (mounts_under(c->vol) != 0 || access(c->vol, F_OK) == 0)
		return fail("a failed build left `%s` behind", c->vol);
	vs_error_free(err);
	oci_spec_free(spec);
	return NULL;
}

Test(mounts, failed_build_leaves_nothing)
{
	struct volume_case c;
	cleanup_free char *msg = NULL, *data = NULL;

	make_sources(&c);
	msg = in_child(check_failed_build, &c);
	cr_assert_null(msg, "%s", msg);
	data = vs_xasprintf("%s/data/in", c.dir);
	cr_assert_eq(access(data, F_OK), 0, "a source is gone");
	test_rm(c.dir);
	free(c.dir);
	free(c.vol);
}
