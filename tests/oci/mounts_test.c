/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Staging of file bind mounts.  Staging mounts, so each check runs in a
 * forked child alone in a new mount namespace (and a user namespace when
 * not root: that needs a single-threaded process, which the Criterion
 * worker is not).  Nothing leaks to the host.  The child reports the first
 * failed check as a message over a pipe; the test asserts there is none.
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

struct stage_case {
	char *dir, *bundle, *state, *hosts;
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

static char *check_stage_and_unstage(void *arg)
{
	struct stage_case *c = arg;
	cleanup_free char *staged = vs_xasprintf("%s/files/m1/hosts", c->state);
	cleanup_free char *files = vs_xasprintf("%s/files", c->state);
	cleanup_free char *m0 = vs_xasprintf("%s/files/m0", c->state);
	cleanup_free char *m2 = vs_xasprintf("%s/files/m2", c->state);
	cleanup_free char *content = NULL, *after = NULL;
	struct vs_error *err = NULL;
	struct oci_spec *spec;
	struct stat st;
	char *msg;
	int fd;
	static const char doc[] =
	    BASE "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},"
		 "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"hosts\","
		 "\"options\":[\"rbind\",\"ro\"]},"
		 "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/usr/share\"}]}";

	spec = oci_spec_parse(doc, strlen(doc), "doc", &err);
	if (spec == NULL)
		return fail("%s", err->msg);
	if (oci_mounts_stage(spec, c->bundle, c->state, &err) < 0)
		return fail("staging failed: %s", err->msg);
	msg = read_text(staged, &content);
	if (msg != NULL)
		return msg;
	if (strcmp(content, "127.0.0.1 localhost\n") != 0)
		return fail("the staged file holds \"%s\"", content);
	fd = open(staged, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 || errno != EROFS)
		return fail("the staged file of a read-only mount is writable (%s)",
			    fd >= 0 ? "opened" : strerror(errno));
	if (stat(m2, &st) == 0)
		return fail("a directory bind mount was staged");
	if (stat(m0, &st) == 0)
		return fail("proc was staged");
	if (oci_mounts_unstage(spec, c->state, &err) < 0)
		return fail("unstaging failed: %s", err->msg);
	if (stat(files, &st) == 0)
		return fail("STATE/files survived unstaging");
	msg = read_text(c->hosts, &after);
	if (msg != NULL)
		return msg;
	if (strcmp(after, "127.0.0.1 localhost\n") != 0)
		return fail("the host file changed to \"%s\"", after);
	/* Unstaging again, with nothing staged and no spec, is fine. */
	if (oci_mounts_unstage(NULL, c->state, &err) < 0)
		return fail("second unstaging failed: %s", err->msg);
	oci_spec_free(spec);
	return NULL;
}

Test(mounts, stage_and_unstage)
{
	struct stage_case c = { .dir = test_tmpdir() };
	cleanup_free char *msg = NULL;

	c.bundle = vs_xasprintf("%s/bundle", c.dir);
	c.state = vs_xasprintf("%s/state", c.dir);
	c.hosts = vs_xasprintf("%s/hosts", c.bundle);
	cr_assert_eq(mkdir(c.bundle, 0755), 0);
	cr_assert_eq(mkdir(c.state, 0700), 0);
	test_write(c.hosts, "127.0.0.1 localhost\n");
	msg = in_child(check_stage_and_unstage, &c);
	cr_assert_null(msg, "%s", msg);
	test_rm(c.dir);
	free(c.dir);
	free(c.bundle);
	free(c.state);
	free(c.hosts);
}

static char *check_failed_staging(void *arg)
{
	struct stage_case *c = arg;
	cleanup_free char *file = vs_xasprintf("%s/file", c->dir);
	cleanup_free char *files = vs_xasprintf("%s/files", c->state);
	cleanup_free char *want = NULL;
	cleanup_free char *doc = NULL;
	struct vs_error *err = NULL;
	struct oci_spec *spec;
	struct stat st;

	doc = vs_xasprintf(BASE "\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\","
				"\"source\":\"%s\"},{\"destination\":\"/b\",\"type\":\"bind\","
				"\"source\":\"%s/missing\"}]}",
			   file, c->dir);
	spec = oci_spec_parse(doc, strlen(doc), "doc", &err);
	if (spec == NULL)
		return fail("%s", err->msg);
	if (oci_mounts_stage(spec, c->dir, c->state, &err) == 0)
		return fail("staging a missing source succeeded");
	want = vs_xasprintf("mounts[1].source: cannot access `%s/missing`: No such file or "
			    "directory",
			    c->dir);
	if (strcmp(err->msg, want) != 0)
		return fail("error \"%s\", want \"%s\"", err->msg, want);
	if (stat(files, &st) == 0)
		return fail("STATE/files left behind by a failed staging");
	if (stat(file, &st) < 0)
		return fail("the host file is gone");
	vs_error_free(err);
	oci_spec_free(spec);
	return NULL;
}

Test(mounts, failed_staging_leaves_nothing)
{
	struct stage_case c = { .dir = test_tmpdir() };
	cleanup_free char *file = vs_xasprintf("%s/file", c.dir);
	cleanup_free char *msg = NULL;

	c.state = vs_xasprintf("%s/state", c.dir);
	cr_assert_eq(mkdir(c.state, 0700), 0);
	test_write(file, "x");
	msg = in_child(check_failed_staging, &c);
	cr_assert_null(msg, "%s", msg);
	test_rm(c.dir);
	free(c.dir);
	free(c.state);
}
