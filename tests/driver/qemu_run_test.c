/* SPDX-License-Identifier: Apache-2.0 */
/* vshim-qemu-run as a user runs it: exit status, lock, signals, no QEMU left. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "vmtest.h"

static const char *tool(void)
{
	return vmtest_require_file("VSHIM_QEMU_RUN");
}

static char *write_domain(const char *dir, const char *name, const char *mode)
{
	cleanup_free char *xml = vmtest_domain_xml(name, mode, NULL);
	char *path = vs_xasprintf("%s/%s.xml", dir, name);
	cleanup_error struct vs_error *err = NULL;

	cr_assert_eq(vs_write_file_atomic(path, xml, strlen(xml), 0600, &err), 0);
	return path;
}

/* Starts vshim-qemu-run with stderr to err_path; returns its pid. */
static pid_t start(const char *root, const char *xml, const char *err_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, STDERR_FILENO);
		if (root)
			execl(tool(), "vshim-qemu-run", "--verbose", "--root", root, xml, NULL);
		else
			execl(tool(), "vshim-qemu-run", "--verbose", xml, NULL);
		_exit(127);
	}
	return pid;
}

static int finish(pid_t pid)
{
	int status;

	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static char *slurp(const char *path)
{
	char *text = NULL;
	cleanup_error struct vs_error *err = NULL;

	cr_assert_eq(vs_read_file(path, 1 << 20, &text, NULL, &err), 0);
	return text;
}

/* The QEMU pid recorded in ROOT's status file, waiting until there is one. */
static pid_t qemu_pid_in(const char *root, const char *name)
{
	cleanup_free char *path = vs_xasprintf("%s/run/qemu/%s.xml", root, name);

	for (int i = 0; i < 600; i++) {
		cleanup_free char *text = NULL;
		struct vs_error *err = NULL;

		if (vs_read_file(path, 1 << 20, &text, NULL, &err) == 0) {
			char *p = strstr(text, "pid='");
			if (p)
				return (pid_t)atoi(p + 5);
		}
		vs_error_release(&err);
		usleep(50000);
	}
	cr_assert_fail("no status file at %s", path);
	return -1;
}

static void assert_gone(pid_t qemu)
{
	for (int i = 0; i < 100 && vs_proc_alive(qemu, 0); i++)
		usleep(50000);
	cr_assert(!vs_proc_alive(qemu, 0), "QEMU %d is still running", qemu);
}

Test(qemu_run, exits_zero_when_guest_reboots)
{
	cleanup_free char *dir = vmtest_tmpdir();
	cleanup_free char *xml = write_domain(dir, "ok", "reboot");
	cleanup_free char *log = vs_xasprintf("%s/stderr", dir);
	int status = finish(start(NULL, xml, log));
	cleanup_free char *text = slurp(log);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, text);
	cr_assert_not_null(strstr(text, "ms: QEMU started, guest running"), "%s", text);
	cr_assert_not_null(strstr(text, "ms: the guest rebooted"), "%s", text);
	/* The temporary root is gone. */
	cr_assert_null(strstr(text, "warning"), "%s", text);
	vs_rm_rf(dir, NULL);
}

Test(qemu_run, second_owner_refused_and_sigkill_leaves_no_qemu)
{
	cleanup_free char *dir = vmtest_tmpdir();
	cleanup_free char *root = vs_xasprintf("%s/root", dir);
	cleanup_free char *xml = write_domain(dir, "held", "hang");
	cleanup_free char *log1 = vs_xasprintf("%s/stderr1", dir);
	cleanup_free char *log2 = vs_xasprintf("%s/stderr2", dir);
	pid_t first = start(root, xml, log1);
	pid_t qemu = qemu_pid_in(root, "held");

	int status = finish(start(root, xml, log2));
	cleanup_free char *text = slurp(log2);
	cleanup_free char *want = vs_xasprintf(
	    "driver root `%s` is in use by another process (pid %d)", root, (int)first);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "a second owner ran");
	cr_assert_not_null(strstr(text, want), "got: %s", text);
	cr_assert(vs_proc_alive(qemu, 0), "the refused owner hurt the first one's QEMU");

	kill(first, SIGKILL);
	finish(first);
	assert_gone(qemu);
	vs_rm_rf(dir, NULL);
}

Test(qemu_run, sigterm_destroys_the_vm)
{
	cleanup_free char *dir = vmtest_tmpdir();
	cleanup_free char *root = vs_xasprintf("%s/root", dir);
	cleanup_free char *xml = write_domain(dir, "term", "hang");
	cleanup_free char *log = vs_xasprintf("%s/stderr", dir);
	pid_t run = start(root, xml, log);
	pid_t qemu = qemu_pid_in(root, "term");

	kill(run, SIGTERM);
	int status = finish(run);
	cleanup_free char *text = slurp(log);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "status %d", status);
	cr_assert_not_null(strstr(text, "stopped by signal 15"), "%s", text);
	assert_gone(qemu);
	vs_rm_rf(dir, NULL);
}

Test(qemu_run, bad_document_is_a_clear_error)
{
	cleanup_free char *dir = vmtest_tmpdir();
	cleanup_free char *xml = vs_xasprintf("%s/bad.xml", dir);
	cleanup_free char *log = vs_xasprintf("%s/stderr", dir);
	static const char doc[] = "<domain type='qemu'><name>x</name><devices><hostdev/></devices>"
				  "</domain>";

	cr_assert_eq(vs_write_file_atomic(xml, doc, sizeof(doc) - 1, 0600, NULL), 0);
	int status = finish(start(NULL, xml, log));
	cleanup_free char *text = slurp(log);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
	cr_assert_not_null(strstr(text, "vshim-qemu-run: error: "), "%s", text);
	cr_assert_not_null(strstr(text, xml), "the message does not name the file: %s", text);
	vs_rm_rf(dir, NULL);
}
