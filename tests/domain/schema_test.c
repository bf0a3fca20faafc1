/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The XML the driver writes is valid for libvirt: every golden input, and
 * what drv_domain_format() makes of it, pass `virt-xml-validate FILE domain`
 * (libvirt-clients, with the schemas of libvirt0).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"

extern char **environ;

static char *validator(void)
{
	char *path = dt_which("virt-xml-validate");

	if (path == NULL)
		cr_assert_fail("virt-xml-validate is not in PATH: install libvirt-clients "
			       "(contrib/install-deps.sh)");
	return path;
}

/* Runs virt-xml-validate on path; returns its exit status, with its output in *out. */
static int validate(const char *tool, const char *path, char **out)
{
	char *const argv[] = { (char *)tool, (char *)path, (char *)"domain", NULL };
	cleanup_free char *log = vs_xasprintf("%s.out", path);
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	r = posix_spawn(&pid, tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(r, 0, "cannot run %s: %s", tool, strerror(r));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	*out = dt_read(log);
	unlink(log);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void expect_valid(const char *tool, const char *file, const char *what)
{
	cleanup_free char *out = NULL;
	int status = validate(tool, file, &out);

	cr_expect_eq(status, 0, "%s is not valid libvirt domain XML:\n%s", what, out);
}

Test(schema, golden_inputs)
{
	cleanup_free char *tool = validator();
	size_t n = 0;
	char **names = dt_list("golden", ".xml", &n);

	cr_assert_geq(n, 12);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = dt_path("golden", names[i], ".xml");

		expect_valid(tool, path, path);
	}
	dt_list_free(names);
}

Test(schema, formatted_golden_inputs)
{
	cleanup_free char *tool = validator();
	char dir[] = "/tmp/vshim-domain-schema.XXXXXX";
	size_t n = 0;
	char **names = dt_list("golden", ".xml", &n);

	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = dt_path("golden", names[i], ".xml");
		cleanup_free char *out = vs_xasprintf("%s/%s.xml", dir, names[i]);
		cleanup_domain_def struct domain_def *def = dt_parse_ok(path);
		cleanup_error struct vs_error *err = NULL;
		cleanup_free char *xml = drv_domain_format(def, &err);
		cleanup_free char *what = vs_xasprintf("the formatted %s.xml", names[i]);

		cr_assert_not_null(xml, "%s: %s", names[i], err ? err->msg : "");
		cr_assert_eq(vs_write_file_atomic(out, xml, strlen(xml), 0600, &err), 0);
		expect_valid(tool, out, what);
		unlink(out);
	}
	rmdir(dir);
	dt_list_free(names);
}

/* The validator really validates: a document libvirt refuses fails. */
Test(schema, validator_rejects_invalid_xml)
{
	cleanup_free char *tool = validator();
	char path[] = "/tmp/vshim-domain-schema.XXXXXX";
	cleanup_close int fd = mkstemp(path);
	static const char bad[] = "<domain type='qemu'><name>x</name><memory>1</memory>"
				  "<os><type>hvm</type></os><bogus/></domain>\n";
	cleanup_free char *out = NULL;

	cr_assert_geq(fd, 0);
	cr_assert_eq(vs_write_all(fd, bad, sizeof(bad) - 1), 0);
	cr_assert_neq(validate(tool, path, &out), 0, "virt-xml-validate accepted <bogus/>");
	unlink(path);
}
