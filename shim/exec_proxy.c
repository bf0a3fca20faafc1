/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exec proxy: it hands its stdio (or a pty whose master went to
 * --console-socket) to the monitor with the process, forwards the signals it
 * gets and its terminal's size, and exits with the process's status.  The
 * monitor kills the process when its proxy goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/ctl.h"
#include "shim/exec.h"
#include "shim/monitor.h"

static void send_size(int sock, int tty)
{
	struct winsize ws;

	if (tty < 0 || ioctl(tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	yajl_gen g = proto_json_begin();
	ctl_put_str(g, "op", "resize");
	proto_json_put_int(g, "rows", ws.ws_row);
	proto_json_put_int(g, "cols", ws.ws_col);
	ctl_send(sock, g, NULL, 0, NULL);
}

static int write_pid(const char *path, pid_t pid, struct vs_error **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	return vs_write_file_atomic(path, buf, (size_t)n, 0644, err);
}

int shim_exec_proxy(const struct shim_container *c, const struct shim_exec_args *a,
		    const char *process, bool terminal, int notify_fd, struct vs_error **err)
{
	int fds[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };
	cleanup_close int console = -1, sock = -1, sigfd = -1;
	bool raw = false;
	struct termios saved;
	int tty = -1, status = -1;

	if (terminal && a->console_socket != NULL) {
		console = monitor_console_pty(a->console_socket, err);
		if (console < 0)
			return -1;
		fds[0] = fds[1] = fds[2] = tty = console;
	} else if (terminal && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		tty = STDIN_FILENO;
		raw = true;
	}
	sigfd = monitor_signalfd(tty >= 0);

	yajl_gen req = proto_json_begin();
	ctl_put_str(req, "op", "exec");
	ctl_put_str(req, "process", process);
	proto_json_put_bool(req, "tty", tty >= 0);
	proto_json_put_bool(req, "console", console >= 0);
	yajl_val reply = ctl_call(c->dir, c->id, req, fds, 3, &sock, err);
	if (reply == NULL)
		return -1;
	yajl_tree_free(reply);
	if (notify_fd >= 0) {
		vs_write_all(notify_fd, "K", 1);
		close(notify_fd);
	} else if (a->pid_file != NULL && write_pid(a->pid_file, getpid(), err) < 0) {
		return -1;
	}
	if (raw) {
		struct termios t = saved;

		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	send_size(sock, tty);
	while (status < 0) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = sigfd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH) {
					send_size(sock, tty);
				} else {
					yajl_gen g = proto_json_begin();

					ctl_put_str(g, "op", "signal");
					proto_json_put_int(g, "signal", si.ssi_signo);
					ctl_send(sock, g, NULL, 0, NULL);
				}
			}
		}
		if (p[0].revents) {
			cleanup_error struct vs_error *e = NULL;
			cleanup_yajl_val yajl_val msg = ctl_recv(sock, NULL, NULL, &e);

			/* The monitor went away with the container: the process was killed. */
			if (msg == NULL)
				status = 128 + SIGKILL;
			else
				status = (int)ctl_get_int(msg, "exit", -1);
			/* Killed with the VM: the caller hears why, besides the status. */
			if (msg != NULL && ctl_get_str(msg, "error") != NULL)
				vs_error_set(err, 0, "%s", ctl_get_str(msg, "error"));
		}
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return status;
}

/* Detached: the proxy is a child; its pid goes to --pid-file once the process runs. */
int shim_exec_proxy_detached(const struct shim_container *c, const struct shim_exec_args *a,
			     const char *process, bool terminal, struct vs_error **err)
{
	int pipefd[2];
	char msg[4096];
	ssize_t n, len = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vs_error_set(err, errno, "cannot create a pipe");
	pid_t pid = fork();
	if (pid < 0)
		return vs_error_set(err, errno, "cannot fork the exec proxy");
	if (pid == 0) {
		struct vs_error *e = NULL;
		int status;

		close(pipefd[0]);
		/* The process's terminal is the console: the caller's stdio is let go. */
		if (terminal && a->console_socket != NULL)
			vs_stdio_to_devnull();
		status = shim_exec_proxy(c, a, process, terminal, pipefd[1], &e);
		if (status < 0) {
			cleanup_free char *text = vs_xasprintf("E%s", e ? e->msg : "exec failed");

			vs_write_all(pipefd[1], text, strlen(text));
			_exit(e && (e->errnum == 126 || e->errnum == 127) ? e->errnum : 255);
		}
		_exit(status);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], msg + len, sizeof(msg) - 1 - (size_t)len)) > 0 ||
	       (n < 0 && errno == EINTR))
		len += n > 0 ? n : 0;
	close(pipefd[0]);
	msg[len] = '\0';
	if (len > 0 && msg[0] == 'K')
		return a->pid_file != NULL && write_pid(a->pid_file, pid, err) < 0 ? -1 : 0;
	return vs_error_set(err, 0, "%s", len > 1 ? msg + 1 : "the exec proxy died");
}
