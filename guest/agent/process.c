/* SPDX-License-Identifier: Apache-2.0 */
/* The table of the agent's processes (process.h). */
#include "guest/agent/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/channel.h"
#include "guest/agent/child.h"
#include "guest/agent/ns.h"
#include "guest/agent/pty.h"
#include "guest/agent/sync.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void process_free(struct agent_process *p)
{
	close_fd(&p->sync_fd);
	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	proto_buf_clear(&p->in_q);
	free(p);
}

struct agent_process *agent_process_find(struct agent *a, uint32_t id)
{
	for (struct agent_process *p = a->procs; p != NULL; p = p->next) {
		if (p->id == id)
			return p;
	}
	return NULL;
}

struct agent_process *agent_process_find_pid(struct agent *a, pid_t pid)
{
	for (struct agent_process *p = a->procs; p != NULL; p = p->next) {
		if (p->pid == pid && !p->reaped)
			return p;
	}
	return NULL;
}

size_t agent_process_count(const struct agent *a)
{
	size_t n = 0;

	for (const struct agent_process *p = a->procs; p != NULL; p = p->next)
		n++;
	return n;
}

struct agent_process *agent_process_spawn(struct agent *a, struct agent_container *ctr, uint32_t id,
					  const struct oci_process *proc, bool is_init,
					  uint32_t tag, uint16_t request, struct vs_error **err)
{
	int sync[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct agent_process *p = NULL;
	bool moved = false;
	pid_t pid = -1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
		vs_error_set(err, errno, "cannot create a socket pair");
		goto out;
	}
	if (!proc->terminal &&
	    (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)) {
		vs_error_set(err, errno, "cannot create the process's stdio pipes");
		goto out;
	}
	if (agent_ns_enter_pid(&ctr->ns, is_init, &moved, err) < 0)
		goto out;
	pid = fork();
	if (pid == 0) {
		struct agent_child c = {
			.a = a,
			.ctr = ctr,
			.proc = proc,
			.is_init = is_init,
			.sync_fd = sync[1],
			.stdio = { in[0], out[1], errp[1] },
		};

		agent_child_run(&c);
	}
	if (pid < 0)
		vs_error_set(err, errno, "cannot fork process %u", id);
	/* The agent's own children must stay in its namespace. */
	if (moved)
		agent_ns_leave_pid(a->self_pidns_fd);
	if (pid < 0)
		goto out;

	p = vs_xcalloc(1, sizeof(*p));
	p->id = id;
	p->ctr = ctr;
	p->pid = pid;
	p->state = AGENT_PROC_SETUP;
	p->is_init = is_init;
	p->terminal = proc->terminal;
	p->tag = tag;
	p->request = request;
	p->report_exit = true;
	p->sync_fd = steal_fd(&sync[0]);
	p->in_fd = steal_fd(&in[1]);
	p->out_fd = steal_fd(&out[0]);
	p->err_fd = steal_fd(&errp[0]);
	set_nonblock(p->sync_fd);
	if (p->in_fd >= 0) {
		set_nonblock(p->in_fd);
		set_nonblock(p->out_fd);
		set_nonblock(p->err_fd);
	}
	p->next = a->procs;
	a->procs = p;
	vs_debug("agent", "process %u is pid %d", id, (int)pid);
out:
	for (int i = 0; i < 2; i++) {
		close_fd(&sync[i]);
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&errp[i]);
	}
	return p;
}

/* The reply waiting on p, an ERROR; the host forgets a process whose CREATE or EXEC failed. */
static void reply_error(struct agent *a, struct agent_process *p, int errnum, int status,
			const char *msg)
{
	if (p->tag == 0)
		return;
	proto_guest_error(&a->ch->out, p->tag, p->id, errnum, status, msg);
	if (p->request == PROTO_CREATE || p->request == PROTO_EXEC)
		p->report_exit = false;
	p->tag = 0;
}

int agent_process_start(struct agent *a, struct agent_process *p, uint32_t tag,
			struct vs_error **err)
{
	struct agent_sync_msg m = { .kind = AGENT_SYNC_START };

	if (agent_sync_send(p->sync_fd, &m, -1, err) < 0)
		return -1;
	p->state = AGENT_PROC_STARTING;
	p->tag = tag;
	p->request = PROTO_START;
	return 0;
}

static void on_ready(struct agent *a, struct agent_process *p, int fd)
{
	if (fd >= 0 && p->terminal && p->out_fd < 0) {
		p->out_fd = fd;
		p->in_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		set_nonblock(p->out_fd);
		set_nonblock(p->in_fd);
	} else if (fd >= 0) {
		close(fd);
	}
	if (!p->is_init) {
		p->state = AGENT_PROC_STARTING; /* it execs right away */
		return;
	}
	p->state = AGENT_PROC_CREATED;
	agent_ns_open(&p->ctr->ns, p->pid);
	p->ctr->state = AGENT_CTR_READY;
	proto_guest_pid(&a->ch->out, p->tag, p->id, (uint32_t)p->pid);
	p->tag = 0;
}

/* End-of-file on the sync socket: what it means depends on how far the child got. */
static void on_sync_eof(struct agent *a, struct agent_process *p)
{
	close_fd(&p->sync_fd);
	switch (p->state) {
	case AGENT_PROC_SETUP:
		reply_error(a, p, ECHILD, 0, "the process died while being set up");
		p->state = AGENT_PROC_FAILED;
		break;
	case AGENT_PROC_STARTING:
		p->state = AGENT_PROC_RUNNING;
		if (p->request == PROTO_EXEC) {
			proto_guest_pid(&a->ch->out, p->tag, p->id, (uint32_t)p->pid);
			p->tag = 0;
		} else {
			/* START is answered once the program has set itself up (service). */
			p->settle_ns = vs_now_ns() + AGENT_SETTLE_MS * 1000000ull;
		}
		break;
	default:
		break;
	}
}

static void on_sync(struct agent *a, struct agent_process *p)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_sync_msg m;
	int fd = -1;
	int r = agent_sync_recv(p->sync_fd, &m, &fd, &err);

	if (r < 0 && err->errnum == EAGAIN)
		return;
	if (r < 0)
		vs_warn("agent", "process %u: %s", p->id, err->msg);
	if (r <= 0) {
		on_sync_eof(a, p);
		return;
	}
	if (m.kind == AGENT_SYNC_READY && p->state == AGENT_PROC_SETUP) {
		on_ready(a, p, fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	if (m.kind != AGENT_SYNC_FAILED) {
		vs_warn("agent", "process %u sent an unexpected message %d", p->id, m.kind);
		return;
	}
	vs_debug("agent", "process %u failed: %s", p->id, m.message);
	reply_error(a, p, m.errnum, m.status, m.message);
	p->state = AGENT_PROC_FAILED;
	close_fd(&p->sync_fd);
}

/* Whether a reaped process's output may still be on its way through its terminal. */
static bool pty_grace(const struct agent_process *p)
{
	return p->terminal && vs_now_ns() - p->reaped_ns < AGENT_PTY_GRACE_MS * 1000000ull;
}

/*
 * Reads one chunk of output; closes the descriptor at its end.  Returns
 * false when nothing happened (no data yet).
 */
static bool read_output(struct agent *a, struct agent_process *p, enum agent_fd_role role)
{
	static uint8_t buf[PROTO_MAX_STDIO];
	int *fd = role == AGENT_FD_OUT ? &p->out_fd : &p->err_fd;
	ssize_t n;

	do
		n = read(*fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		proto_guest_output(&a->ch->out, role == AGENT_FD_OUT ? PROTO_STDOUT : PROTO_STDERR,
				   p->id, buf, (size_t)n);
		return true;
	}
	/* After the reap an empty pipe means the process's output is all out. */
	if (n < 0 && errno == EAGAIN && (!p->reaped || pty_grace(p)))
		return false;
	/* EIO: a terminal whose slave side is closed everywhere. */
	if (n < 0 && errno != EAGAIN && errno != EIO)
		vs_warn("agent", "cannot read the output of process %u: %s", p->id,
			strerror(errno));
	close_fd(fd);
	return true;
}

static void flush_stdin(struct agent *a, struct agent_process *p)
{
	while (p->in_fd >= 0 && proto_buf_pending(&p->in_q) > 0) {
		ssize_t n = write(p->in_fd, proto_buf_peek(&p->in_q), proto_buf_pending(&p->in_q));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			/* The process closed its stdin: what it did not take is dropped. */
			p->in_credit += (uint32_t)proto_buf_pending(&p->in_q);
			proto_buf_consume(&p->in_q, proto_buf_pending(&p->in_q));
			if (!p->terminal)
				close_fd(&p->in_fd);
			break;
		}
		proto_buf_consume(&p->in_q, (size_t)n);
		p->in_credit += (uint32_t)n;
	}
	if (p->in_close && proto_buf_pending(&p->in_q) == 0 && p->in_fd >= 0) {
		cleanup_error struct vs_error *err = NULL;

		p->in_close = false;
		if (!p->terminal)
			close_fd(&p->in_fd);
		else if (agent_pty_send_eof(p->in_fd, &err) < 0)
			vs_warn("agent", "process %u: %s", p->id, err->msg);
	}
}

void agent_process_stdin(struct agent *a, const struct proto_request *req)
{
	struct agent_process *p = agent_process_find(a, req->id);

	/* Data for a process that is gone crossed its EXIT: nothing to do. */
	if (p == NULL || !p->report_exit)
		return;
	if (req->type == PROTO_STDIN_CLOSE) {
		p->in_close = true;
	} else if (p->in_fd < 0) {
		p->in_credit += (uint32_t)req->stdin_data.len;
	} else if (proto_buf_pending(&p->in_q) + req->stdin_data.len > PROTO_STDIN_WINDOW_SIZE) {
		vs_warn("agent", "the host overran the stdin window of process %u", p->id);
	} else {
		proto_buf_append(&p->in_q, req->stdin_data.data, req->stdin_data.len);
	}
	flush_stdin(a, p);
}

void agent_process_signal(struct agent *a, const struct proto_request *req)
{
	struct agent_process *p = agent_process_find(a, req->id);

	if (p == NULL || p->reaped || !p->report_exit) {
		proto_guest_error(&a->ch->out, req->tag, req->id, ESRCH, 0,
				  "the process is not running");
		return;
	}
	if (kill(p->pid, req->signo) < 0) {
		proto_guest_error(&a->ch->out, req->tag, req->id, errno, 0,
				  "cannot signal the process");
		return;
	}
	proto_guest_ok(&a->ch->out, req->tag, req->id);
}

/* The process of req when it has a terminal; otherwise the reply is ERROR ENOTTY. */
static struct agent_process *with_terminal(struct agent *a, const struct proto_request *req)
{
	struct agent_process *p = agent_process_find(a, req->id);

	if (p == NULL || !p->terminal || p->in_fd < 0) {
		proto_guest_error(&a->ch->out, req->tag, req->id, ENOTTY, 0,
				  "the process has no terminal");
		return NULL;
	}
	return p;
}

/* OK, or ERROR with err when r < 0. */
static void reply_done(struct agent *a, const struct proto_request *req, int r,
		       const struct vs_error *err)
{
	if (r < 0)
		proto_guest_error(&a->ch->out, req->tag, req->id, err->errnum, 0, err->msg);
	else
		proto_guest_ok(&a->ch->out, req->tag, req->id);
}

void agent_process_resize(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_process *p = with_terminal(a, req);

	if (p != NULL)
		reply_done(a, req,
			   agent_pty_resize(p->in_fd, req->resize.rows, req->resize.cols, &err),
			   err);
}

void agent_process_termios(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_process *p = with_terminal(a, req);

	if (p != NULL)
		reply_done(a, req, agent_pty_set_onlcr(p->in_fd, req->onlcr, &err), err);
}

void agent_process_reaped(struct agent *a, pid_t pid, int wstatus)
{
	struct agent_process *p = agent_process_find_pid(a, pid);

	if (p == NULL)
		return;
	vs_debug("agent", "process %u (pid %d) ended, wait status 0x%x", p->id, (int)pid, wstatus);
	p->reaped = true;
	p->reaped_ns = vs_now_ns();
	p->wstatus = wstatus;
}

size_t agent_process_poll_fds(struct agent *a, struct pollfd *fds, struct agent_process **procs,
			      enum agent_fd_role *roles)
{
	bool reading = !agent_channel_congested(a->ch);
	size_t n = 0;

	for (struct agent_process *p = a->procs; p != NULL; p = p->next) {
		struct {
			int fd;
			short events;
			enum agent_fd_role role;
			bool wanted;
		} want[] = {
			{ p->sync_fd, POLLIN, AGENT_FD_SYNC, true },
			{ p->in_fd, POLLOUT, AGENT_FD_IN, proto_buf_pending(&p->in_q) > 0 },
			{ p->out_fd, POLLIN, AGENT_FD_OUT,
			  reading && p->state == AGENT_PROC_RUNNING },
			{ p->err_fd, POLLIN, AGENT_FD_ERR,
			  reading && p->state == AGENT_PROC_RUNNING },
		};

		for (size_t i = 0; i < VS_ARRAY_SIZE(want); i++) {
			if (want[i].fd < 0 || !want[i].wanted)
				continue;
			fds[n] = (struct pollfd){ .fd = want[i].fd, .events = want[i].events };
			procs[n] = p;
			roles[n++] = want[i].role;
		}
	}
	return n;
}

void agent_process_event(struct agent *a, struct agent_process *p, enum agent_fd_role role,
			 short revents)
{
	if (revents == 0)
		return;
	switch (role) {
	case AGENT_FD_SYNC:
		if (p->sync_fd >= 0)
			on_sync(a, p);
		break;
	case AGENT_FD_IN:
		flush_stdin(a, p);
		break;
	case AGENT_FD_OUT:
	case AGENT_FD_ERR:
		if ((role == AGENT_FD_OUT ? p->out_fd : p->err_fd) >= 0)
			read_output(a, p, role);
		break;
	}
}

/* Reads whatever a reaped process left in its pipes, as far as the channel allows. */
static void drain(struct agent *a, struct agent_process *p)
{
	if (p->state != AGENT_PROC_RUNNING) {
		close_fd(&p->out_fd);
		close_fd(&p->err_fd);
		return;
	}
	while (!agent_channel_congested(a->ch) && p->out_fd >= 0 && read_output(a, p, AGENT_FD_OUT))
		;
	while (!agent_channel_congested(a->ch) && p->err_fd >= 0 && read_output(a, p, AGENT_FD_ERR))
		;
}

int agent_process_timeout(const struct agent *a)
{
	int64_t best = -1;

	for (const struct agent_process *p = a->procs; p != NULL; p = p->next) {
		int64_t left;

		/* A settling init is looked at again every AGENT_SETTLE_POLL_MS. */
		if (p->settle_ns != 0 && (best < 0 || best > AGENT_SETTLE_POLL_MS))
			best = AGENT_SETTLE_POLL_MS;
		if (!p->reaped || !p->terminal || p->out_fd < 0)
			continue;
		left = (int64_t)(p->reaped_ns + AGENT_PTY_GRACE_MS * 1000000ull - vs_now_ns());
		left = left > 0 ? left / 1000000 + 1 : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return (int)best;
}

static void send_credit(struct agent *a, struct agent_process *p, bool all)
{
	if (!p->report_exit || p->in_credit == 0)
		return;
	if (all || p->in_credit >= AGENT_WINDOW_BATCH || proto_buf_pending(&p->in_q) == 0) {
		proto_guest_window(&a->ch->out, p->id, p->in_credit);
		p->in_credit = 0;
	}
}

/*
 * Whether a program that execve'd has set itself up: it handles (or
 * ignores) SIGTERM, what stops a container, or it waits (interruptible
 * sleep: it runs its own code, past the loader, whose reads through 9p
 * sleep uninterruptibly), or it has ended.  (Other signals say nothing: a
 * shell catches SIGINT and SIGCHLD as it starts, before a script's traps.)
 */
static bool settled(const struct agent_process *p)
{
	const unsigned long long term = 1ull << (SIGTERM - 1);
	char path[64];
	cleanup_file FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;

	if (p->reaped)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)p->pid);
	f = fopen(path, "re");
	while (f != NULL && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "State:\tS", 8) == 0)
			return true;
		if ((strncmp(line, "SigIgn:\t", 8) == 0 || strncmp(line, "SigCgt:\t", 8) == 0) &&
		    (strtoull(line + 8, NULL, 16) & term) != 0)
			return true;
	}
	return f == NULL;
}

/* The reply to START, once the init has settled or AGENT_SETTLE_MS have passed. */
static void answer_start(struct agent *a, struct agent_process *p)
{
	if (p->settle_ns == 0 || (vs_now_ns() < p->settle_ns && !settled(p)))
		return;
	proto_guest_ok(&a->ch->out, p->tag, p->id);
	p->tag = 0;
	p->settle_ns = 0;
}

static void finish(struct agent *a, struct agent_process **link)
{
	struct agent_process *p = *link;
	int status = WIFEXITED(p->wstatus) ? WEXITSTATUS(p->wstatus) : 0;
	int signo = WIFSIGNALED(p->wstatus) ? WTERMSIG(p->wstatus) : 0;

	if (p->report_exit) {
		send_credit(a, p, true);
		vs_debug("agent", "-> EXIT of process %u: status %d signal %d", p->id, status,
			 signo);
		proto_guest_exit(&a->ch->out, p->id, status, signo);
	}
	if (p->is_init) {
		/* Its container follows it; one whose CREATE failed is dropped (container.c). */
		agent_ns_close(&p->ctr->ns);
		p->ctr->state = p->report_exit ? AGENT_CTR_STOPPED : AGENT_CTR_FAILED;
	}
	*link = p->next;
	process_free(p);
}

void agent_process_service(struct agent *a)
{
	struct agent_process **link = &a->procs;

	while (*link != NULL) {
		struct agent_process *p = *link;

		answer_start(a, p);
		send_credit(a, p, false);
		if (p->reaped && p->sync_fd < 0) {
			drain(a, p);
			if (p->out_fd < 0 && p->err_fd < 0) {
				finish(a, link);
				continue;
			}
		}
		link = &p->next;
	}
}
