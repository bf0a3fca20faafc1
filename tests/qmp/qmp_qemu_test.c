/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client against real QEMU: a listening socket made here is handed
 * to qemu-system-x86_64 as fd 3 (the way the driver passes its QMP socket),
 * the test connects, shakes hands, checks `query-status`, then `quit`s and
 * sees the SHUTDOWN event and the EOF.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sock.h"
#include "driver/qmp.h"

#define QEMU "qemu-system-x86_64"

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p != '\0';) {
		size_t len = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		p += len + (p[len] == ':');
	}
	return false;
}

/* Starts QEMU with listen_fd as its QMP socket (fd 3 in QEMU). */
static pid_t start_qemu(int listen_fd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
		if (dup2(listen_fd, 3) < 0)
			_exit(126);
		execlp(QEMU, QEMU, "-machine", "microvm,accel=tcg", "-nodefaults", "-display",
		       "none", "-S", "-chardev", "socket,id=mon,fd=3,server=on,wait=off", "-mon",
		       "chardev=mon,mode=control", (char *)NULL);
		_exit(127);
	}
	return pid;
}

Test(qmp_qemu, handshake_query_status_quit)
{
	char dir[] = "/tmp/vshim-qmp-test-XXXXXX", path[64];
	cleanup_error struct vs_error *err = NULL;
	cleanup_qmp struct drv_qmp *q = NULL;
	struct drv_qmp_event ev;
	bool shutdown_seen = false;
	yajl_val ret = NULL;
	const char *status_path[] = { "status", NULL };
	int listen_fd, fd, status, r = 0;
	pid_t pid;

	vs_log_set_level(VS_LOG_DEBUG);
	cr_assert(in_path(QEMU), QEMU " is not installed (Debian package qemu-system-x86); "
				      "this test needs the real QEMU");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qmp.sock", dir);
	listen_fd = vs_unix_listen(path, 1, &err);
	cr_assert_geq(listen_fd, 0, "%s", err ? err->msg : "");
	pid = start_qemu(listen_fd);
	close(listen_fd); /* QEMU holds the listener now */

	fd = vs_unix_connect(path, &err);
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	q = drv_qmp_new(fd); /* the client owns fd from here */
	cr_assert_eq(drv_qmp_handshake(q, 10000, &err), 0, "handshake with QEMU: %s",
		     err ? err->msg : "");

	cr_assert_eq(drv_qmp_command(q, "query-status", NULL, 10000, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	yajl_val s = yajl_tree_get(ret, status_path, yajl_t_string);
	cr_assert_not_null(s, "query-status returned no status");
	cr_assert_str_eq(s->u.string, "prelaunch");
	yajl_tree_free(ret);

	/* An error reply from the real thing. */
	cr_assert_eq(drv_qmp_command(q, "no-such-command", NULL, 10000, NULL, &err), -1);
	cr_assert_str_eq(err->msg, "QMP command `no-such-command` failed: CommandNotFound: "
				   "The command no-such-command has not been found");
	vs_error_release(&err);

	cr_assert_eq(drv_qmp_command(q, "quit", NULL, 10000, NULL, &err), 0, "quit: %s",
		     err ? err->msg : "");
	for (int i = 0; i < 100 && r == 0; i++) {
		struct pollfd p = { .fd = drv_qmp_fd(q), .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			r = drv_qmp_read(q, &err);
	}
	cr_assert_eq(r, -1, "QEMU did not close the monitor after quit");
	cr_assert_str_eq(err->msg, "QEMU closed the monitor connection");
	while (drv_qmp_next_event(q, &ev))
		if (ev.type == DRV_QMP_EVENT_SHUTDOWN) {
			cr_assert_str_eq(ev.reason, "host-qmp-quit");
			cr_assert_not(ev.guest);
			cr_assert_gt(ev.ts_sec, 0);
			shutdown_seen = true;
		}
	cr_assert(shutdown_seen, "no SHUTDOWN event after quit");

	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "QEMU ended with status 0x%x",
		  status);
	unlink(path);
	rmdir(dir);
}
