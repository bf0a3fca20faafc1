/* SPDX-License-Identifier: Apache-2.0 */
/* The embedded driver against real QEMU (TCG) and the test init. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "driver/accel.h"
#include "driver/driver.h"
#include "vmtest.h"

static struct domain_def *parse(const char *xml)
{
	cleanup_error struct vs_error *err = NULL;
	struct domain_def *def = drv_domain_parse_string(xml, "<test>", &err);

	cr_assert_not_null(def, "domain XML rejected: %s", err ? err->msg : "?");
	return def;
}

static size_t count_entries(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	cr_assert_not_null(d, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	return n;
}

static void remove_tree(const char *dir)
{
	cleanup_error struct vs_error *err = NULL;

	cr_assert_eq(vs_rm_rf(dir, &err), 0, "%s", err ? err->msg : "");
}

Test(driver, guest_reboot_ends_domain)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml = vmtest_domain_xml("reboot", "reboot", NULL);
	cleanup_domain_def struct domain_def *def = parse(xml);
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	struct drv_end end;

	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	struct drv_domain *dom = drv_domain_create(conn, def, 0, &err);
	cr_assert_not_null(dom, "%s", err ? err->msg : "");
	cr_assert_eq(drv_domain_accel(dom), DRV_ACCEL_TCG);
	cr_assert_eq(drv_domain_wait(dom, 60000, &end, &err), 1, "the guest did not end in 60 s");
	cr_assert_eq(end.reason, DRV_END_REBOOT, "ended as %s: %s", drv_end_reason_name(end.reason),
		     end.detail);
	cr_assert(WIFEXITED(end.wait_status) && WEXITSTATUS(end.wait_status) == 0);
	cr_assert_eq(drv_domain_state(dom), DRV_STATE_SHUTOFF);
	drv_close(conn);

	/* QEMU's log holds its command line; the run directory is empty again. */
	cleanup_free char *log = vs_xasprintf("%s/log/qemu/reboot.log", root);
	cleanup_free char *text = NULL;
	cr_assert_eq(vs_read_file(log, 1 << 20, &text, NULL, &err), 0);
	cr_assert_not_null(strstr(text, "-machine microvm"), "log: %s", text);
	cleanup_free char *run = vs_xasprintf("%s/run/qemu", root);
	cr_assert_eq(count_entries(run), 0, "files left in %s", run);
	remove_tree(root);
}

Test(driver, pause_resume_destroy)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml = vmtest_domain_xml("hang", "hang", NULL);
	cleanup_domain_def struct domain_def *def = parse(xml);
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	struct drv_end end;

	cr_assert_not_null(conn);
	struct drv_domain *dom = drv_domain_create(conn, def, DRV_CREATE_PAUSED, &err);
	cr_assert_not_null(dom, "%s", err ? err->msg : "");
	cr_assert_eq(drv_domain_state(dom), DRV_STATE_PAUSED);
	cr_assert_eq(drv_domain_resume(dom, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(drv_domain_state(dom), DRV_STATE_RUNNING);
	cr_assert_eq(drv_domain_pause(dom, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(drv_domain_state(dom), DRV_STATE_PAUSED);
	cr_assert_eq(drv_domain_wait(dom, 200, &end, &err), 0, "a paused guest ended");
	pid_t pid = drv_domain_pid(dom);
	cr_assert_eq(drv_domain_destroy(dom, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(kill(pid, 0), -1, "QEMU %d still exists after destroy", pid);
	cr_assert_eq(drv_domain_wait(dom, 0, &end, &err), 1);
	cr_assert_eq(end.reason, DRV_END_DESTROYED, "ended as %s", drv_end_reason_name(end.reason));
	drv_close(conn);
	remove_tree(root);
}

/*
 * destroy kills a QEMU that holds nothing of the guest's at once, and lets
 * one with a writable disk exit in order (QMP quit: exit status 0).
 */
Test(driver, destroy_kills_at_once_unless_a_disk_is_writable)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *image = vs_xasprintf("%s/disk.img", root);
	cleanup_free char *disk = vs_xasprintf("    <disk type='file' device='disk'>\n"
					       "      <driver name='qemu' type='raw'/>\n"
					       "      <source file='%s'/>\n"
					       "      <target dev='vda' bus='virtio'/>\n"
					       "    </disk>\n",
					       image);
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	int fd = open(image, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	cr_assert(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
	close(fd);
	for (int with_disk = 0; with_disk < 2; with_disk++) {
		const char *name = with_disk ? "with-disk" : "without-disk";
		cleanup_free char *xml = vmtest_domain_xml(name, "hang", with_disk ? disk : NULL);
		cleanup_domain_def struct domain_def *def = parse(xml);
		struct drv_domain *dom = drv_domain_create(conn, def, 0, &err);
		struct drv_end end;

		cr_assert_not_null(dom, "%s: %s", name, err ? err->msg : "");
		cr_assert_eq(drv_domain_destroy(dom, &err), 0, "%s", err ? err->msg : "");
		cr_assert_eq(drv_domain_wait(dom, 0, &end, &err), 1);
		cr_assert_eq(end.reason, DRV_END_DESTROYED, "%s ended as %s", name,
			     drv_end_reason_name(end.reason));
		if (with_disk)
			cr_assert(WIFEXITED(end.wait_status) && WEXITSTATUS(end.wait_status) == 0,
				  "QEMU with a writable disk did not quit: status %#x",
				  end.wait_status);
		else
			cr_assert(
			    WIFSIGNALED(end.wait_status) && WTERMSIG(end.wait_status) == SIGKILL,
			    "QEMU without a disk was not killed: status %#x", end.wait_status);
	}
	drv_close(conn);
	remove_tree(root);
}

/* "THP_enabled:" of /proc/PID/status: 1, 0, or -1 when it is not there. */
static int thp_enabled(pid_t pid)
{
	cleanup_free char *path = vs_xasprintf("/proc/%d/status", (int)pid);
	cleanup_free char *text = NULL;
	cleanup_error struct vs_error *err = NULL;
	const char *line;

	cr_assert_eq(vs_read_file(path, 1 << 16, &text, NULL, &err), 0, "%s", err ? err->msg : "");
	line = strstr(text, "THP_enabled:");
	return line == NULL ? -1 : atoi(line + strlen("THP_enabled:"));
}

/*
 * <vshim:hugepages> reaches QEMU as PR_SET_THP_DISABLE: off disables THP, on
 * keeps it, and without the element QEMU keeps it too (these VMs run under
 * TCG, where it was off before: start-up paid for it in page faults).
 */
Test(driver, hugepages_reach_qemu)
{
	static const struct {
		const char *value; /* NULL: no element */
		int thp_enabled;
	} cases[] = { { "off", 0 }, { "on", 1 }, { NULL, 1 } };
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);

	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		cleanup_free char *name = vs_xasprintf("thp%zu", i);
		cleanup_free char *base = vmtest_domain_xml(name, "hang", NULL);
		char *at = strstr(base, "</name>") + strlen("</name>");
		cleanup_free char *metadata =
		    cases[i].value == NULL
			? vs_xasprintf("%s", "")
			: vs_xasprintf(
			      "<metadata><vshim:vm "
			      "xmlns:vshim='http://vshim.dev/xmlns/domain/1.0'>"
			      "<vshim:hugepages>%s</vshim:hugepages></vshim:vm></metadata>",
			      cases[i].value);
		cleanup_free char *xml =
		    vs_xasprintf("%.*s%s%s", (int)(at - base), base, metadata, at);
		cleanup_domain_def struct domain_def *def = parse(xml);
		struct drv_domain *dom = drv_domain_create(conn, def, DRV_CREATE_PAUSED, &err);
		int thp;

		cr_assert_not_null(dom, "%s", err ? err->msg : "");
		cr_assert_eq(drv_domain_accel(dom), DRV_ACCEL_TCG,
			     "the test VM %s is not under TCG", name);
		thp = thp_enabled(drv_domain_pid(dom));
		cr_assert_geq(thp, 0,
			      "/proc/%d/status has no THP_enabled (Linux 5.0 or later needed)",
			      (int)drv_domain_pid(dom));
		cr_assert_eq(thp, cases[i].thp_enabled,
			     "QEMU of %s (hugepages %s) has THP_enabled %d", name,
			     cases[i].value ? cases[i].value : "absent", thp);
		cr_assert_eq(drv_domain_destroy(dom, &err), 0, "%s", err ? err->msg : "");
	}
	drv_close(conn);
	remove_tree(root);
}

Test(driver, second_owner_is_refused)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	int fds[2];
	char msg[512] = "";

	cr_assert_not_null(conn);
	cr_assert_eq(pipe(fds), 0);
	pid_t child = fork();
	if (child == 0) {
		struct vs_error *e = NULL;
		struct drv_conn *other = drv_open(root, &e);

		if (other == NULL)
			(void)!write(fds[1], e->msg, strlen(e->msg));
		_exit(other == NULL ? 0 : 1);
	}
	close(fds[1]);
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	(void)!read(fds[0], msg, sizeof(msg) - 1);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second owner opened the root");
	cleanup_free char *want = vs_xasprintf(
	    "driver root `%s` is in use by another process (pid %d)", root, (int)getpid());
	cr_assert_not_null(strstr(msg, want), "got: %s", msg);
	drv_close(conn);

	/* Released on close: the next owner gets it. */
	conn = drv_open(root, &err);
	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	drv_close(conn);
	remove_tree(root);
}

Test(driver, relative_root_is_refused)
{
	cleanup_error struct vs_error *err = NULL;

	cr_assert_null(drv_open("relative/root", &err));
	cr_assert_str_eq(err->msg, "driver root `relative/root` must be an absolute path");
}

Test(driver, missing_emulator_fails_cleanly)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml = vmtest_domain_xml("noqemu", "reboot", NULL);
	cleanup_error struct vs_error *err = NULL;
	cleanup_domain_def struct domain_def *def = parse(xml);
	struct drv_conn *conn = drv_open(root, &err);

	free(def->emulator);
	def->emulator = vs_xstrdup("/nonexistent/qemu");
	cr_assert_null(drv_domain_create(conn, def, 0, &err));
	cr_assert_not_null(strstr(err->msg, "cannot execute `/nonexistent/qemu`"), "got: %s",
			   err->msg);
	cleanup_free char *run = vs_xasprintf("%s/run/qemu", root);
	cr_assert_eq(count_entries(run), 0, "files left in %s", run);
	drv_close(conn);
	remove_tree(root);
}

Test(driver, qemu_failure_is_reported_with_its_message)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml = vmtest_domain_xml("badkernel", "reboot", NULL);
	cleanup_error struct vs_error *err = NULL;
	cleanup_domain_def struct domain_def *def = parse(xml);
	struct drv_conn *conn = drv_open(root, &err);

	free(def->kernel);
	def->kernel = vs_xstrdup("/nonexistent/vmlinux");
	struct drv_domain *dom = drv_domain_create(conn, def, 0, &err);
	if (dom != NULL) {
		/* QEMU may only notice once it runs: then the domain fails. */
		struct drv_end end;

		cr_assert_eq(drv_domain_wait(dom, 30000, &end, &err), 1);
		cr_assert_eq(end.reason, DRV_END_FAILED);
		cr_assert_not_null(strstr(end.detail, "/nonexistent/vmlinux"), "%s", end.detail);
	} else {
		cr_assert_not_null(strstr(err->msg, "/nonexistent/vmlinux"), "got: %s", err->msg);
	}
	cleanup_free char *run = vs_xasprintf("%s/run/qemu", root);
	drv_close(conn);
	cr_assert_eq(count_entries(run), 0, "files left in %s", run);
	remove_tree(root);
}

/* How many processes have `text` in their command line (the root's path: QEMU's -pidfile). */
static size_t processes_mentioning(const char *text)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *path = NULL, *cmdline = NULL;
		cleanup_error struct vs_error *err = NULL;
		size_t len = 0;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		path = vs_xasprintf("/proc/%s/cmdline", de->d_name);
		if (vs_read_file(path, 1 << 16, &cmdline, &len, &err) < 0)
			continue;
		for (size_t i = 0; i < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		n += strstr(cmdline, text) != NULL;
	}
	return n;
}

/*
 * A domain whose emulator is tests/driver/fake-qemu.py, which fails the
 * start-up as the domain's name says; create must fail with want in its
 * message and leave neither a process nor a file behind.
 */
static void fake_qemu_fails(const char *name, const char *want, int errnum)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml = vmtest_domain_xml(name, "reboot", NULL);
	cleanup_free char *run = vs_xasprintf("%s/run/qemu", root);
	cleanup_error struct vs_error *err = NULL;
	cleanup_domain_def struct domain_def *def = parse(xml);
	const char *fake = getenv("VSHIM_TEST_FAKE_QEMU");
	struct drv_conn *conn = drv_open(root, &err);

	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	cr_assert(fake != NULL && access(fake, X_OK) == 0, "VSHIM_TEST_FAKE_QEMU is not set");
	free(def->emulator);
	def->emulator = vs_xstrdup(fake);
	cr_assert_null(drv_domain_create(conn, def, 0, &err), "the fake QEMU started a domain");
	cr_assert_not_null(strstr(err->msg, want), "got: %s", err->msg);
	cr_assert(strncmp(err->msg, "cannot start domain", 19) == 0, "got: %s", err->msg);
	if (errnum != 0)
		cr_assert_eq(err->errnum, errnum, "errno %d: %s", err->errnum, err->msg);
	cr_assert_null(drv_domain_lookup(conn, name));
	cr_assert_eq(processes_mentioning(root), 0, "the fake QEMU outlived the failed create");
	cr_assert_eq(count_entries(run), 0, "files left in %s", run);
	drv_close(conn);
	remove_tree(root);
}

Test(driver, qemu_failing_before_the_greeting_is_reported)
{
	fake_qemu_fails("early", "QEMU said `fake-qemu: cannot initialise the machine`", 0);
}

Test(driver, qemu_dying_mid_handshake_is_reported)
{
	fake_qemu_fails("midway", "QEMU said `fake-qemu: died in the middle of the handshake`", 0);
}

/* The driver waits QMP_CONNECT_TIMEOUT_MS (30 s) for a monitor that never answers. */
Test(driver, monitor_that_never_answers_fails_and_is_killed, .timeout = 120)
{
	fake_qemu_fails("silent", "QEMU did not complete the QMP handshake within", ETIMEDOUT);
}

/*
 * With DRV_CREATE_CONNECTED the vCPUs run from QEMU's start and the host's
 * ends are there before them: the guest's first console line is in the
 * serial port's end, and the channel answers without a resume.
 */
Test(driver, host_ends_are_connected_before_the_guest_runs)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *extra =
	    vs_xasprintf("    <serial type='unix'>\n"
			 "      <source mode='bind' path='%s/console.sock'/>\n"
			 "    </serial>\n"
			 "    <channel type='unix'>\n"
			 "      <source mode='bind'/>\n"
			 "      <target type='virtio' name='org.vshim.test.0'/>\n"
			 "    </channel>\n",
			 root);
	cleanup_free char *xml = vmtest_domain_xml("early-ends", "echo-port", extra);
	cleanup_domain_def struct domain_def *def = parse(xml);
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	struct drv_domain *dom = drv_domain_create(conn, def, DRV_CREATE_CONNECTED, &err);
	static const char ping[] = "ping before any resume\n";
	char buf[sizeof(ping)] = "", console[8192];
	size_t got = 0;

	cr_assert_not_null(dom, "%s", err ? err->msg : "");
	cr_assert_eq(drv_domain_state(dom), DRV_STATE_RUNNING);
	cleanup_close int serial = drv_domain_open_serial(dom, &err);
	cleanup_close int fd = drv_domain_open_channel(dom, "org.vshim.test.0", &err);
	cr_assert_geq(serial, 0, "%s", err ? err->msg : "");
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	alarm(60);
	cr_assert_eq(vs_write_all(fd, ping, sizeof(ping) - 1), 0);
	cr_assert_eq(vs_read_all(fd, buf, sizeof(ping) - 1), (ssize_t)sizeof(ping) - 1,
		     "the guest did not echo");
	cr_assert_str_eq(buf, ping);
	/* The init's first line was written before anyone read the console. */
	while (got < sizeof(console) - 1) {
		ssize_t n = read(serial, console + got, sizeof(console) - 1 - got);

		cr_assert_gt(n, 0, "the console ended before the init's line");
		got += (size_t)n;
		console[got] = '\0';
		if (strstr(console, "vshim-testinit: mode echo-port") != NULL)
			break;
	}
	alarm(0);
	cr_assert_not_null(strstr(console, "vshim-testinit: mode echo-port"), "console: %s",
			   console);
	/* Each end is handed over once; later calls connect anew. */
	cleanup_close int again = drv_domain_open_serial(dom, &err);
	cr_assert_geq(again, 0, "%s", err ? err->msg : "");
	cr_assert_neq(again, serial);
	drv_close(conn);
	remove_tree(root);
}

Test(driver, channel_reaches_the_guest)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml =
	    vmtest_domain_xml("echo", "echo-port",
			      "    <channel type='unix'>\n"
			      "      <source mode='bind'/>\n"
			      "      <target type='virtio' name='org.vshim.test.0'/>\n"
			      "    </channel>\n");
	cleanup_domain_def struct domain_def *def = parse(xml);
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	struct drv_domain *dom = drv_domain_create(conn, def, DRV_CREATE_PAUSED, &err);

	cr_assert_not_null(dom, "%s", err ? err->msg : "");
	cleanup_close int fd = drv_domain_open_channel(dom, "org.vshim.test.0", &err);
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	cr_assert_eq(drv_domain_resume(dom, &err), 0);
	static const char ping[] = "ping through virtio-serial\n";
	cr_assert_eq(vs_write_all(fd, ping, sizeof(ping) - 1), 0);
	char buf[sizeof(ping)] = "";
	alarm(60);
	cr_assert_eq(vs_read_all(fd, buf, sizeof(ping) - 1), (ssize_t)sizeof(ping) - 1,
		     "the guest did not echo");
	alarm(0);
	cr_assert_str_eq(buf, ping);
	drv_close(conn);
	remove_tree(root);
}

Test(driver, reopened_root_reconnects)
{
	cleanup_free char *root = vmtest_tmpdir();
	cleanup_free char *xml = vmtest_domain_xml("survivor", "hang", NULL);
	cleanup_domain_def struct domain_def *def = parse(xml);
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	struct drv_domain *dom = drv_domain_create(conn, def, 0, &err);

	cr_assert_not_null(dom, "%s", err ? err->msg : "");
	pid_t pid = drv_domain_pid(dom);
	/* Released without killing: QEMU is still our child, as after a re-exec. */
	drv_close_keep_running(conn);
	cr_assert_eq(kill(pid, 0), 0, "QEMU died with drv_close_keep_running");

	conn = drv_open(root, &err);
	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	dom = drv_domain_lookup(conn, "survivor");
	cr_assert_not_null(dom, "the running domain was not reconnected");
	cr_assert_eq(drv_domain_pid(dom), pid);
	cr_assert_eq(drv_domain_state(dom), DRV_STATE_RUNNING);
	cr_assert_eq(drv_domain_pause(dom, &err), 0, "QMP not re-attached: %s",
		     err ? err->msg : "");
	drv_close(conn);
	cr_assert_eq(kill(pid, 0), -1, "QEMU %d outlived drv_close", pid);
	remove_tree(root);
}

Test(driver, owner_killed_takes_qemu_along)
{
	cleanup_free char *root = vmtest_tmpdir();
	int fds[2];
	pid_t qemu = 0;

	cr_assert_eq(pipe(fds), 0);
	pid_t owner = fork();
	if (owner == 0) {
		cleanup_free char *xml = vmtest_domain_xml("orphan", "hang", NULL);
		struct vs_error *e = NULL;
		struct domain_def *def = drv_domain_parse_string(xml, "<test>", &e);
		struct drv_conn *conn = def ? drv_open(root, &e) : NULL;
		struct drv_domain *dom = conn ? drv_domain_create(conn, def, 0, &e) : NULL;
		pid_t p = dom ? drv_domain_pid(dom) : -1;

		(void)!write(fds[1], &p, sizeof(p));
		pause();
		_exit(0);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &qemu, sizeof(qemu)), (ssize_t)sizeof(qemu));
	cr_assert_gt(qemu, 0, "the owner could not start the domain");
	kill(owner, SIGKILL);
	waitpid(owner, NULL, 0);
	/* PDEATHSIG: QEMU is killed with its owner (and reaped by init). */
	for (int i = 0; i < 100 && vs_proc_alive(qemu, 0); i++)
		usleep(50000);
	cr_assert(!vs_proc_alive(qemu, 0), "QEMU %d outlived its SIGKILLed owner", qemu);

	/* The next owner cleans up what the dead one left. */
	cleanup_error struct vs_error *err = NULL;
	struct drv_conn *conn = drv_open(root, &err);
	cr_assert_not_null(conn, "%s", err ? err->msg : "");
	cr_assert_null(drv_domain_lookup(conn, "orphan"));
	cleanup_free char *run = vs_xasprintf("%s/run/qemu", root);
	cr_assert_eq(count_entries(run), 0, "stale files left in %s", run);
	drv_close(conn);
	remove_tree(root);
}

Test(accel, auto_picks_tcg_under_nested_pvm)
{
	cleanup_free char *dir = vmtest_tmpdir();
	cleanup_free char *pvm = vs_xasprintf("%s/kvm_pvm", dir);
	cleanup_free char *intel = vs_xasprintf("%s/kvm_intel", dir);
	cleanup_error struct vs_error *err = NULL;
	enum drv_accel got;

	/* /dev/null stands for a /dev/kvm that opens but does not speak KVM. */
	drv_accel_set_paths(dir, "/dev/null");
	cr_assert_eq(drv_accel_resolve(DRV_ACCEL_AUTO, &got, &err), 0);
	cr_assert_eq(got, DRV_ACCEL_TCG);
	cr_assert_eq(mkdir(intel, 0700), 0);
	cr_assert_eq(mkdir(pvm, 0700), 0);
	if (access("/dev/kvm", R_OK | W_OK) == 0) {
		drv_accel_set_paths(dir, "/dev/kvm");
		cr_assert_eq(drv_accel_resolve(DRV_ACCEL_AUTO, &got, &err), 0);
		cr_assert_eq(got, DRV_ACCEL_TCG, "auto chose KVM although kvm_pvm is loaded");
		rmdir(pvm);
		cr_assert_eq(drv_accel_resolve(DRV_ACCEL_AUTO, &got, &err), 0);
		cr_assert_eq(got, DRV_ACCEL_KVM, "auto refused a usable KVM");
	}
	drv_accel_set_paths(dir, "/nonexistent/kvm");
	cr_assert_eq(drv_accel_resolve(DRV_ACCEL_TCG, &got, &err), 0);
	cr_assert_eq(got, DRV_ACCEL_TCG);
	cr_assert_eq(drv_accel_resolve(DRV_ACCEL_KVM, &got, &err), -1);
	cr_assert_not_null(strstr(err->msg, "the domain asks for KVM but `/nonexistent/kvm`"), "%s",
			   err->msg);
	drv_accel_set_paths("/sys/module", "/dev/kvm");
	rmdir(intel);
	rmdir(dir);
}

Test(accel, this_machine_follows_the_rule)
{
	cleanup_error struct vs_error *err = NULL;
	enum drv_accel got;
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;

	cr_assert_eq(drv_accel_resolve(DRV_ACCEL_AUTO, &got, &err), 0);
	if (pvm || access("/dev/kvm", R_OK | W_OK) != 0)
		cr_assert_eq(got, DRV_ACCEL_TCG, "auto must pick TCG on this host");
}
