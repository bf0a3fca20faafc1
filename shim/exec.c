/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim exec: a new process in a running container.  This process (or,
 * with --detach, a child of it) is the exec proxy: it hands its stdio (or a
 * pty whose master went to --console-socket) to the monitor, forwards the
 * signals it gets, and exits with the process's status.  The monitor kills
 * the process when its proxy goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sock.h"
#include "common/util.h"
#include "shim/container.h"
#include "shim/ctl.h"
#include "shim/monitor.h"
#include "shim/shim.h"

#define MAX_ENV 256

struct exec_args {
	const char *process_file, *pid_file, *console_socket, *cwd, *user;
	const char *env[MAX_ENV];
	size_t n_env;
	bool detach, tty;
	const char *id;
	char **args;
	int n_args;
};

/* JSON output of a parsed tree, as it was. */
static void gen_value(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i],
					strlen(v->u.object.keys[i]));
			gen_value(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_value(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(g);
	}
}

static void gen_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

/* The container's process with the command line's args, env, cwd, user and tty. */
static char *process_from_args(const struct exec_args *a, const char *bundle, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/config.json", bundle), *text = NULL;
	const char *proc_path[] = { "process", NULL };
	char parse_err[256];
	yajl_val tree, base;
	yajl_gen g;
	const unsigned char *buf;
	size_t len;
	char *out;

	if (vs_read_file(path, OCI_SPEC_MAX_SIZE, &text, NULL, err) < 0)
		return NULL;
	tree = yajl_tree_parse(text, parse_err, sizeof(parse_err));
	base = tree ? yajl_tree_get(tree, proc_path, yajl_t_object) : NULL;
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	for (size_t i = 0; base != NULL && i < base->u.object.len; i++) {
		const char *key = base->u.object.keys[i];
		yajl_val v = base->u.object.values[i];

		if (strcmp(key, "args") == 0 || strcmp(key, "terminal") == 0 ||
		    strcmp(key, "consoleSize") == 0 || (strcmp(key, "cwd") == 0 && a->cwd) ||
		    (strcmp(key, "user") == 0 && a->user))
			continue;
		gen_key(g, key);
		if (strcmp(key, "env") == 0 && YAJL_IS_ARRAY(v)) {
			yajl_gen_array_open(g);
			for (size_t j = 0; j < v->u.array.len; j++)
				gen_value(g, v->u.array.values[j]);
			for (size_t j = 0; j < a->n_env; j++)
				yajl_gen_string(g, (const unsigned char *)a->env[j],
						strlen(a->env[j]));
			yajl_gen_array_close(g);
		} else {
			gen_value(g, v);
		}
	}
	gen_key(g, "args");
	yajl_gen_array_open(g);
	for (int i = 0; i < a->n_args; i++)
		yajl_gen_string(g, (const unsigned char *)a->args[i], strlen(a->args[i]));
	yajl_gen_array_close(g);
	gen_key(g, "terminal");
	yajl_gen_bool(g, a->tty);
	if (a->cwd != NULL) {
		gen_key(g, "cwd");
		yajl_gen_string(g, (const unsigned char *)a->cwd, strlen(a->cwd));
	}
	if (a->user != NULL) {
		unsigned int uid, gid = 0;
		int n = sscanf(a->user, "%u:%u", &uid, &gid);

		if (n < 1) {
			yajl_gen_free(g);
			yajl_tree_free(tree);
			vs_error_set(err, EINVAL, "--user `%s`: must be UID or UID:GID", a->user);
			return NULL;
		}
		gen_key(g, "user");
		yajl_gen_map_open(g);
		gen_key(g, "uid");
		yajl_gen_integer(g, uid);
		gen_key(g, "gid");
		yajl_gen_integer(g, gid);
		yajl_gen_map_close(g);
	}
	if (base == NULL ||
	    yajl_tree_get(base, (const char *[]){ "env", NULL }, yajl_t_array) == NULL) {
		gen_key(g, "env");
		yajl_gen_array_open(g);
		for (size_t j = 0; j < a->n_env; j++)
			yajl_gen_string(g, (const unsigned char *)a->env[j], strlen(a->env[j]));
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	out = vs_xstrndup((const char *)buf, len);
	yajl_gen_free(g);
	yajl_tree_free(tree);
	return out;
}

/* The process JSON to send, checked the way the agent will read it. */
static char *process_json(const struct exec_args *a, const char *bundle, bool *terminal,
			  struct vs_error **err)
{
	cleanup_free char *text = NULL;
	const char *source = a->process_file;
	size_t len;

	if (a->process_file != NULL) {
		if (vs_read_file(a->process_file, OCI_SPEC_MAX_SIZE, &text, &len, err) < 0)
			return NULL;
	} else {
		if (a->n_args == 0) {
			vs_error_set(err, EINVAL,
				     "exec: give --process FILE or the command to run");
			return NULL;
		}
		text = process_from_args(a, bundle, err);
		if (text == NULL)
			return NULL;
		len = strlen(text);
		source = "the exec process";
	}
	struct oci_process *p = oci_process_parse(text, len, source, err);
	if (p == NULL)
		return NULL;
	*terminal = p->terminal;
	oci_process_free(p);
	return steal_pointer(&text);
}

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

/*
 * The proxy: starts the process, reports to notify_fd ("K" or "E" and the
 * error) when detached, relays signals, returns the process's status.
 */
static int proxy(const struct shim_container *c, const struct exec_args *a, const char *process,
		 bool terminal, int notify_fd, struct vs_error **err)
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
		}
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return status;
}

static int parse(int argc, char **argv, struct exec_args *a, struct vs_error **err)
{
	enum {
		OPT_CONSOLE = 256,
		OPT_NO_NEW_PRIVS,
		OPT_CAP,
		OPT_PRESERVE,
		OPT_LABEL
	};
	static const struct option options[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "apparmor", required_argument, NULL, OPT_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+p:dtw:e:u:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->process_file = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'P':
			a->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			a->console_socket = optarg;
			break;
		case 't':
			a->tty = true;
			break;
		case 'w':
			a->cwd = optarg;
			break;
		case 'e':
			if (a->n_env == MAX_ENV)
				return vs_error_set(err, E2BIG, "exec: more than %d --env",
						    MAX_ENV);
			a->env[a->n_env++] = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case OPT_NO_NEW_PRIVS:
		case OPT_CAP:
		case OPT_PRESERVE:
		case OPT_LABEL:
			break;
		default:
			return shim_usage_error(err, "exec");
		}
	}
	if (optind >= argc)
		return shim_usage_error(err, "exec");
	a->id = argv[optind];
	a->args = argv + optind + 1;
	a->n_args = argc - optind - 1;
	return 0;
}

int cmd_exec(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	struct exec_args a = { 0 };
	cleanup_container struct shim_container *c = NULL;
	cleanup_free char *process = NULL;
	bool terminal = false;

	if (parse(argc, argv, &a, err) < 0 || shim_root_prepare(ctx, err) < 0)
		return -1;
	c = shim_container_load(ctx, a.id, err);
	if (c == NULL)
		return -1;
	if (c->status != SHIM_RUNNING && c->status != SHIM_CREATED)
		return vs_error_set(err, ESRCH, "container not running: `%s` is %s", a.id,
				    shim_status_name(c->status));
	process = process_json(&a, c->bundle, &terminal, err);
	if (process == NULL)
		return -1;
	if (terminal && a.detach && a.console_socket == NULL)
		return vs_error_set(
		    err, EINVAL, "exec: a detached process with a terminal needs --console-socket");
	if (!a.detach) {
		int status = proxy(c, &a, process, terminal, -1, err);

		/* Like run: 127 when the program is missing, 126 when it cannot run, and why. */
		if (status < 0 && *err != NULL &&
		    ((*err)->errnum == 126 || (*err)->errnum == 127)) {
			fprintf(stderr, "vshim: %s\n", (*err)->msg);
			return (*err)->errnum;
		}
		return status;
	}

	/* Detached: the proxy is a child; its pid goes to --pid-file once the process runs. */
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
		if (terminal && a.console_socket != NULL)
			vs_stdio_to_devnull();
		status = proxy(c, &a, process, terminal, pipefd[1], &e);
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
		return a.pid_file != NULL && write_pid(a.pid_file, pid, err) < 0 ? -1 : 0;
	return vs_error_set(err, 0, "%s", len > 1 ? msg + 1 : "the exec proxy died");
}
