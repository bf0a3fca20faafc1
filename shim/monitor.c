/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/sock.h"
#include "common/util.h"
#include "guest/proto/host.h"
#include "hooks/hooks.h"
#include "oci/mounts.h"
#include "oci/translate.h"
#include "shim/ctl.h"
#include "shim/vm.h"

/*
 * A guest that boots but never answers must not hang create: the agent has
 * this long from QEMU's start to the container created (boot takes about
 * 0.6 s under TCG; generous for a loaded host).
 */
#define CREATE_TIMEOUT_MS 60000
/* How long a broken agent channel waits for the driver to report the VM's end. */
#define AGENT_LOST_GRACE_MS 3000

/* A process of the container: the init (id 1) or an exec. */
struct proc {
	struct proc *next;
	uint32_t id;
	int in, out, err; /* host ends of its stdio, -1 when none */
	bool owned;	  /* an exec's descriptors, closed with it */
	bool stdin_open;
	int tty; /* where its terminal size comes from, or -1 */
	struct client *client;
};

/* A connection on the control socket. */
struct client {
	struct client *next;
	int fd;
	uint32_t tag;	   /* the agent request it waits for, or 0 */
	uint16_t request;  /* that request's type */
	struct proc *proc; /* exec: its process */
};

struct monitor {
	const struct monitor_opts *o;
	struct shim_container rec;
	struct shim_vm vm;
	struct proto_host *host;
	struct proto_buf out;
	int ctl;
	struct client *clients;
	struct proc *procs;
	uint32_t create_tag, start_tag;
	struct client *start_client;
	bool start_done;
	bool destroy;
	int init_status; /* -1 until the init's EXIT */
	int notify_fd;
	enum shim_status paused_from; /* what resume returns to */
	struct vs_error *fatal;
};

/*
 * The loop.  Each round, every source adds the descriptors it watches to the
 * poll set, each with the handler its events go to; a handler returns -1
 * with err set to end the monitor.
 */

typedef int (*ready_fn)(struct monitor *m, void *what, short revents, struct vs_error **err);
struct poll_set;
/* A source: adds what it watches this round. */
typedef void (*source_fn)(struct monitor *m, struct poll_set *set);

struct watch {
	ready_fn ready;
	void *what;
};

struct poll_set {
	struct pollfd *fds;
	struct watch *watches; /* one per fds[i] */
	size_t n, cap;
};

static void watch(struct poll_set *set, int fd, short events, ready_fn ready, void *what)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 8;
		set->fds = vs_xrealloc(set->fds, set->cap * sizeof(*set->fds));
		set->watches = vs_xrealloc(set->watches, set->cap * sizeof(*set->watches));
	}
	set->fds[set->n] = (struct pollfd){ .fd = fd, .events = events };
	set->watches[set->n++] = (struct watch){ .ready = ready, .what = what };
}

static void poll_set_clear(struct poll_set *set)
{
	free(set->fds);
	free(set->watches);
}

/* The record clients read. */

static int save(struct monitor *m, enum shim_status status)
{
	cleanup_error struct vs_error *e = NULL;

	m->rec.status = status;
	if (shim_container_save(&m->rec, &e) < 0) {
		vs_warn("monitor", "%s", e->msg);
		return -1;
	}
	return 0;
}

static int run_hooks(struct monitor *m, enum oci_hook_kind kind, const char *status,
		     struct vs_error **err)
{
	const struct oci_spec *spec = m->o->spec;

	if (spec->hooks.n[kind] == 0)
		return 0;
	cleanup_free char *state =
	    hooks_state_json(spec->oci_version, m->o->id, status, m->rec.pid, m->o->bundle,
			     spec->annotations, spec->n_annotations);
	return hooks_run_kind(&spec->hooks, kind, state, err) < 0 ? -1 : 0;
}

/* Processes and clients. */

static struct proc *proc_add(struct monitor *m, uint32_t id, int in, int out, int err_fd,
			     bool owned)
{
	struct proc *p = vs_xcalloc(1, sizeof(*p));

	*p = (struct proc){ .next = m->procs,
			    .id = id,
			    .in = in,
			    .out = out,
			    .err = err_fd,
			    .owned = owned,
			    .stdin_open = in >= 0,
			    .tty = -1 };
	m->procs = p;
	return p;
}

static struct proc *proc_find(struct monitor *m, uint32_t id)
{
	for (struct proc *p = m->procs; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void proc_free(struct monitor *m, struct proc *dead)
{
	for (struct proc **pp = &m->procs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp != dead)
			continue;
		*pp = dead->next;
		if (dead->owned) {
			int fds[] = { dead->in, dead->out, dead->err };

			for (size_t i = 0; i < 3; i++)
				if (fds[i] >= 0 && (i == 0 || fds[i] != fds[i - 1]) &&
				    (i < 2 || fds[i] != fds[0]))
					close(fds[i]);
		}
		if (dead->client != NULL)
			dead->client->proc = NULL;
		free(dead);
		return;
	}
}

static struct client *client_by_tag(struct monitor *m, uint32_t tag)
{
	for (struct client *c = m->clients; c != NULL && tag != 0; c = c->next)
		if (c->tag == tag)
			return c;
	return NULL;
}

static void client_free(struct monitor *m, struct client *dead)
{
	for (struct client **pp = &m->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp != dead)
			continue;
		*pp = dead->next;
		if (dead->proc != NULL) {
			cleanup_error struct vs_error *e = NULL;

			/* An exec whose caller is gone is killed: nobody waits for it. */
			dead->proc->client = NULL;
			if (proto_host_process_known(m->host, dead->proc->id) &&
			    proto_host_signal(m->host, &m->out, dead->proc->id, SIGKILL, NULL, &e) <
				0)
				vs_warn("monitor", "%s", e->msg);
		}
		if (m->start_client == dead)
			m->start_client = NULL;
		close(dead->fd);
		free(dead);
		return;
	}
}

static void reply_ok(struct client *c)
{
	yajl_gen g = proto_json_begin();

	proto_json_put_bool(g, "ok", true);
	ctl_send(c->fd, g, NULL, 0, NULL);
}

/* Life cycle. */

static int start_init(struct monitor *m, struct client *c, struct vs_error **err)
{
	if (m->rec.status != SHIM_CREATED)
		return vs_error_set(err, EINVAL,
				    "cannot start container `%s`: it is %s, not created", m->o->id,
				    shim_status_name(m->rec.status));
	if (m->start_tag != 0)
		return vs_error_set(err, EBUSY, "cannot start container `%s`: it is being started",
				    m->o->id);
	if (run_hooks(m, OCI_HOOK_START_CONTAINER, "created", err) < 0) {
		m->destroy = true;
		return -1;
	}
	if (proto_host_start(m->host, &m->out, &m->start_tag, err) < 0)
		return -1;
	m->start_client = c;
	return 0;
}

static void started(struct monitor *m)
{
	cleanup_error struct vs_error *e = NULL;

	vs_debug("monitor", "container `%s` started", m->o->id);
	m->start_done = true;
	save(m, SHIM_RUNNING);
	/* poststart failures are warnings (hooks_run_kind logs them). */
	run_hooks(m, OCI_HOOK_POSTSTART, "running", &e);
	if (m->start_client != NULL)
		reply_ok(m->start_client);
	m->start_client = NULL;
}

static void start_failed(struct monitor *m, const struct proto_host_msg *msg)
{
	cleanup_free char *text =
	    vs_xasprintf("the container's process could not start: %s", msg->error.message);

	m->start_done = true;
	if (m->start_client != NULL)
		ctl_send_error(m->start_client->fd, text);
	m->start_client = NULL;
	if (m->fatal == NULL) {
		vs_error_set(&m->fatal, 0, "%s", text);
		m->fatal->errnum = msg->error.status; /* 126/127: run exits with it */
	}
	m->init_status = msg->error.status ? msg->error.status : 127;
}

/* The agent. */

static void write_output(int fd, const struct proto_host_msg *msg)
{
	if (fd >= 0 && vs_write_all(fd, msg->output.data, msg->output.len) < 0 && errno != EPIPE)
		vs_warn("monitor", "cannot write the output of process %u: %s", msg->id,
			strerror(errno));
}

static int send_window_size(struct monitor *m, struct proc *p, struct vs_error **err)
{
	struct winsize ws;

	if (p->tty < 0 || ioctl(p->tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return 0;
	return proto_host_resize(m->host, &m->out, p->id, ws.ws_row, ws.ws_col, NULL, err);
}

static int on_pid(struct monitor *m, const struct proto_host_msg *msg, struct vs_error **err)
{
	struct client *c = client_by_tag(m, msg->tag);

	if (msg->request == PROTO_CREATE) {
		vs_debug("monitor", "container `%s` created (guest pid %u)", m->o->id, msg->pid);
		m->rec.guest_pid = (pid_t)msg->pid;
		m->rec.status = SHIM_CREATED;
		return send_window_size(m, proc_find(m, PROTO_INIT_ID), err);
	}
	if (c != NULL) {
		yajl_gen g = proto_json_begin();

		proto_json_put_bool(g, "ok", true);
		proto_json_put_int(g, "pid", msg->pid);
		ctl_send(c->fd, g, NULL, 0, NULL);
		c->tag = 0;
	}
	return 0;
}

static void on_error(struct monitor *m, const struct proto_host_msg *msg)
{
	struct client *c = client_by_tag(m, msg->tag);

	if (msg->tag != 0 && msg->tag == m->create_tag) {
		vs_error_set(&m->fatal, 0, "the container could not be created: %s",
			     msg->error.message);
		m->fatal->errnum = msg->error.status;
		return;
	}
	if (msg->tag != 0 && msg->tag == m->start_tag) {
		start_failed(m, msg);
		return;
	}
	if (c == NULL) {
		vs_warn("monitor", "the agent: %s", msg->error.message);
		return;
	}
	yajl_gen g = proto_json_begin();

	ctl_put_str(g, "error", msg->error.message);
	proto_json_put_int(g, "status", msg->error.status);
	ctl_send(c->fd, g, NULL, 0, NULL);
	c->tag = 0;
	if (c->request == PROTO_EXEC && c->proc != NULL) {
		proc_free(m, c->proc);
		client_free(m, c);
	}
}

static void on_exit_msg(struct monitor *m, const struct proto_host_msg *msg)
{
	struct proc *p = proc_find(m, msg->id);

	if (msg->id == PROTO_INIT_ID) {
		vs_debug("monitor", "container `%s` exited with status %d", m->o->id,
			 msg->exit.status);
		m->init_status = msg->exit.status;
		return;
	}
	if (p == NULL)
		return;
	if (p->client != NULL) {
		yajl_gen g = proto_json_begin();
		struct client *c = p->client;

		proto_json_put_int(g, "exit", msg->exit.status);
		ctl_send(c->fd, g, NULL, 0, NULL);
		p->client = NULL;
		c->proc = NULL;
		client_free(m, c);
	}
	proc_free(m, p);
}

static int on_agent_msg(struct monitor *m, const struct proto_host_msg *msg, struct vs_error **err)
{
	struct proc *p = proc_find(m, msg->id);
	struct client *c;

	switch (msg->type) {
	case PROTO_HELLO:
		vs_debug("monitor", "agent %s said hello: guest up %.1f ms, agent %.1f ms",
			 msg->hello.agent, msg->hello.uptime_ms, msg->hello.agent_ms);
		return 0;
	case PROTO_STDOUT:
		write_output(p ? p->out : -1, msg);
		return 0;
	case PROTO_STDERR:
		write_output(p ? p->err : -1, msg);
		return 0;
	case PROTO_PID:
		return on_pid(m, msg, err);
	case PROTO_OK:
		if (msg->tag == m->start_tag)
			started(m);
		return 0;
	case PROTO_PS_REPLY:
		c = client_by_tag(m, msg->tag);
		if (c != NULL) {
			yajl_gen g = proto_json_begin();

			proto_json_put_bool(g, "ok", true);
			yajl_gen_string(g, (const unsigned char *)"pids", 4);
			yajl_gen_array_open(g);
			for (size_t i = 0; i < msg->ps.n; i++)
				yajl_gen_integer(g, msg->ps.pids[i]);
			yajl_gen_array_close(g);
			ctl_send(c->fd, g, NULL, 0, NULL);
			c->tag = 0;
		}
		return 0;
	case PROTO_ERROR:
		on_error(m, msg);
		return 0;
	case PROTO_EXIT:
		on_exit_msg(m, msg);
		return 0;
	default:
		return 0;
	}
}

static int read_agent(struct monitor *m, struct vs_error **err)
{
	uint8_t buf[64 << 10];
	ssize_t n = read(m->vm.agent_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return vs_error_set(err, errno, "cannot read from the guest agent");
	if (n == 0)
		return vs_error_set(err, 0, "the guest agent closed its channel");
	for (size_t off = 0; off < (size_t)n;) {
		struct proto_host_msg msg = { 0 };
		ssize_t used = proto_host_feed(m->host, buf + off, (size_t)n - off, &msg, err);

		if (used < 0)
			return vs_error_prefix(err, "the guest agent broke the protocol");
		off += (size_t)used;
		int r = msg.type ? on_agent_msg(m, &msg, err) : 0;
		proto_host_msg_clear(&msg);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int read_stdin(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	uint8_t buf[PROTO_MAX_STDIO];
	struct proc *p = NULL;
	size_t room;
	ssize_t n;

	/* Processes handled earlier in this round may be gone. */
	for (struct proc *q = m->procs; q != NULL && p == NULL; q = q->next)
		if (q == what)
			p = q;
	if (p == NULL)
		return 0;
	room = proto_host_stdin_room(m->host, p->id);
	if (room == 0)
		return 0;
	n = read(p->in, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		p->stdin_open = false;
		return proto_host_stdin_close(m->host, &m->out, p->id, err);
	}
	return proto_host_stdin(m->host, &m->out, p->id, buf, (size_t)n, err);
}

/* The stdin of every process that the agent has room for. */
static void watch_stdin(struct monitor *m, struct poll_set *set)
{
	for (struct proc *q = m->procs; q != NULL; q = q->next)
		if (q->stdin_open && proto_host_stdin_room(m->host, q->id) > 0 &&
		    proto_host_process_known(m->host, q->id))
			watch(set, q->in, POLLIN, read_stdin, q);
}

/* The control socket. */

static void serve_exec(struct monitor *m, struct client *c, yajl_val req, int *fds, size_t n_fds)
{
	cleanup_error struct vs_error *e = NULL;
	const char *process = ctl_get_str(req, "process");
	uint32_t id;

	if (process == NULL || n_fds != 3) {
		ctl_send_error(c->fd, "exec needs a process and three descriptors");
		goto close_fds;
	}
	/* As runc: a created container takes execs; a paused VM could not start one. */
	if (m->rec.status != SHIM_RUNNING && m->rec.status != SHIM_CREATED) {
		ctl_send_error(c->fd, "container not running: cannot exec in it");
		goto close_fds;
	}
	if (proto_host_exec(m->host, &m->out, process, strlen(process), &id, &c->tag, &e) < 0) {
		ctl_send_error(c->fd, e->msg);
		goto close_fds;
	}
	c->request = PROTO_EXEC;
	c->proc = proc_add(m, id, fds[0], fds[1], fds[2], true);
	c->proc->client = c;
	if (ctl_get_bool(req, "tty"))
		c->proc->tty = fds[0];
	return;
close_fds:
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
}

static void serve_pause(struct monitor *m, struct client *c)
{
	cleanup_error struct vs_error *e = NULL;
	enum shim_status before = m->rec.status;

	/* As runc: a created container pauses too, and resumes to created. */
	if (before != SHIM_RUNNING && before != SHIM_CREATED) {
		ctl_send_error(c->fd, "container not running");
		return;
	}
	if (drv_domain_pause(m->vm.dom, &e) < 0) {
		ctl_send_error(c->fd, e->msg);
		return;
	}
	m->paused_from = before;
	if (save(m, SHIM_PAUSED) == 0)
		reply_ok(c);
}

static void serve_request(struct monitor *m, struct client *c, yajl_val req, int *fds, size_t n_fds)
{
	cleanup_error struct vs_error *e = NULL;
	const char *op = ctl_get_str(req, "op");
	struct shim_container *r = &m->rec;

	if (op != NULL && strcmp(op, "exec") == 0) {
		serve_exec(m, c, req, fds, n_fds);
		return;
	}
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
	if (op == NULL) {
		ctl_send_error(c->fd, "a request without \"op\"");
	} else if (strcmp(op, "start") == 0) {
		if (start_init(m, c, &e) < 0)
			ctl_send_error(c->fd, e->msg);
	} else if (strcmp(op, "kill") == 0 || strcmp(op, "signal") == 0) {
		/* signal: on an exec's own connection, for its process. */
		uint32_t id = strcmp(op, "signal") == 0 && c->proc ? c->proc->id
			      : ctl_get_bool(req, "all")	   ? 0
								   : PROTO_INIT_ID;
		int signo = (int)ctl_get_int(req, "signal", SIGTERM);

		if (proto_host_signal(m->host, &m->out, id, signo, NULL, &e) < 0)
			ctl_send_error(c->fd, e->msg);
		else if (strcmp(op, "kill") == 0)
			reply_ok(c);
	} else if (strcmp(op, "resize") == 0 && c->proc != NULL) {
		long long rows = ctl_get_int(req, "rows", 0), cols = ctl_get_int(req, "cols", 0);

		if (rows > 0 && cols > 0 && rows < 65536 && cols < 65536 &&
		    proto_host_resize(m->host, &m->out, c->proc->id, (unsigned int)rows,
				      (unsigned int)cols, NULL, &e) < 0)
			vs_warn("monitor", "%s", e->msg);
	} else if (strcmp(op, "pause") == 0) {
		serve_pause(m, c);
	} else if (strcmp(op, "resume") == 0) {
		if (r->status != SHIM_PAUSED)
			ctl_send_error(c->fd, "container not paused");
		else if (drv_domain_resume(m->vm.dom, &e) < 0)
			ctl_send_error(c->fd, e->msg);
		else if (save(m, m->paused_from) == 0)
			reply_ok(c);
	} else if (strcmp(op, "ps") == 0) {
		/* The agent cannot answer while the vCPUs are stopped. */
		if (r->status == SHIM_PAUSED)
			ctl_send_error(c->fd, "cannot list the processes of a paused container");
		else if (proto_host_ps(m->host, &m->out, &c->tag, &e) < 0)
			ctl_send_error(c->fd, e->msg);
		c->request = PROTO_PS;
	} else if (strcmp(op, "destroy") == 0) {
		m->destroy = true;
		reply_ok(c);
	} else {
		ctl_send_error(c->fd, "unknown request");
	}
}

static int read_client(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	cleanup_error struct vs_error *e = NULL;
	int fds[VS_MAX_PASSED_FDS];
	size_t n_fds = VS_ARRAY_SIZE(fds);
	struct client *c = NULL;
	yajl_val req;

	/* Clients handled earlier in this round may be gone. */
	for (struct client *d = m->clients; d != NULL && c == NULL; d = d->next)
		if (d == what)
			c = d;
	if (c == NULL)
		return 0;
	req = ctl_recv(c->fd, fds, &n_fds, &e);
	if (req == NULL) {
		/* End of file or garbage: the caller is gone. */
		client_free(m, c);
		return 0;
	}
	serve_request(m, c, req, fds, n_fds);
	yajl_tree_free(req);
	return 0;
}

static int accept_client(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	int fd = accept4(m->ctl, NULL, NULL, SOCK_CLOEXEC);
	struct client *c;

	if (fd < 0)
		return 0;
	c = vs_xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->next = m->clients;
	m->clients = c;
	return 0;
}

/* The control socket, once it listens, and every client's connection. */
static void watch_ctl(struct monitor *m, struct poll_set *set)
{
	if (m->ctl >= 0)
		watch(set, m->ctl, POLLIN, accept_client, NULL);
	for (struct client *c = m->clients; c != NULL; c = c->next)
		watch(set, c->fd, POLLIN, read_client, c);
}

/* Signals for the init: forwarded, and SIGWINCH resizes its terminal. */
static int read_signal(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	struct signalfd_siginfo si;
	struct proc *init = proc_find(m, PROTO_INIT_ID);

	if (read(m->o->sigfd, &si, sizeof(si)) != sizeof(si) || init == NULL ||
	    !proto_host_process_known(m->host, PROTO_INIT_ID))
		return 0;
	if (si.ssi_signo == SIGWINCH)
		return send_window_size(m, init, err);
	vs_debug("monitor", "forwarding signal %u", si.ssi_signo);
	return proto_host_signal(m->host, &m->out, PROTO_INIT_ID, (int)si.ssi_signo, NULL, err);
}

static void watch_signals(struct monitor *m, struct poll_set *set)
{
	if (m->o->sigfd >= 0)
		watch(set, m->o->sigfd, POLLIN, read_signal, NULL);
}

/* The VM and the agent channel. */

static int flush_out(struct monitor *m, struct vs_error **err)
{
	if (proto_buf_pending(&m->out) == 0)
		return 0;
	return proto_buf_write(&m->out, m->vm.agent_fd, err) < 0 ? -1 : 0;
}

/* The VM ended under the container: its reason, and what the guest said last. */
static int vm_ended(struct monitor *m, const struct drv_end *end, struct vs_error **err)
{
	cleanup_free char *console = shim_vm_console_tail(&m->vm);

	vs_error_free(steal_pointer(err));
	return vs_error_set(err, 0, "the VM ended before the container exited: %s%s%s%s",
			    end->detail, console ? " (the guest's console: \"" : "",
			    console ? console : "", console ? "\")" : "");
}

/*
 * The agent's channel broke.  The VM is most likely ending (a panic, a
 * reboot): give the driver a moment to say so, as that says more.
 */
static int agent_lost(struct monitor *m, struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + AGENT_LOST_GRACE_MS * 1000000ull;

	for (uint64_t now = vs_now_ns(); now < deadline; now = vs_now_ns()) {
		cleanup_error struct vs_error *e = NULL;
		struct pollfd p[2];
		int dfds[2], n = 0;
		struct drv_end end;

		drv_domain_poll_fds(m->vm.dom, dfds);
		for (int i = 0; i < 2; i++)
			if (dfds[i] >= 0)
				p[n++] = (struct pollfd){ .fd = dfds[i], .events = POLLIN };
		if (poll(p, (nfds_t)n, (int)((deadline - now) / 1000000) + 1) < 0 && errno != EINTR)
			break;
		int r = drv_domain_dispatch(m->vm.dom, &end, &e);
		if (r > 0)
			return vm_ended(m, &end, err);
		if (r < 0)
			break;
	}
	return -1;
}

static int agent_ready(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	if ((revents & POLLOUT) && flush_out(m, err) < 0)
		return -1;
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && read_agent(m, err) < 0)
		return agent_lost(m, err);
	return 0;
}

/* The channel: readable, and writable while requests wait in m->out. */
static void watch_agent(struct monitor *m, struct poll_set *set)
{
	watch(set, m->vm.agent_fd, POLLIN | (proto_buf_pending(&m->out) ? POLLOUT : 0), agent_ready,
	      NULL);
}

static int driver_ready(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	struct drv_end end;
	int r = drv_domain_dispatch(m->vm.dom, &end, err);

	if (r < 0)
		return -1;
	if (r > 0 && m->init_status < 0)
		return vm_ended(m, &end, err);
	return 0;
}

/* The driver's descriptors (QMP, QEMU's end). */
static void watch_driver(struct monitor *m, struct poll_set *set)
{
	int dfds[2];

	drv_domain_poll_fds(m->vm.dom, dfds);
	for (int i = 0; i < 2; i++)
		if (dfds[i] >= 0)
			watch(set, dfds[i], POLLIN, driver_ready, NULL);
}

/* Every source of events, in the order a round handles them. */
static const source_fn event_sources[] = {
	watch_agent, watch_driver, watch_signals, watch_ctl, watch_stdin,
};

/* One round: waits for something to happen (until deadline_ns, unless 0) and handles it. */
static int step(struct monitor *m, uint64_t deadline_ns, struct vs_error **err)
{
	__attribute__((cleanup(poll_set_clear))) struct poll_set set = { 0 };
	int timeout = -1;

	for (size_t i = 0; i < VS_ARRAY_SIZE(event_sources); i++)
		event_sources[i](m, &set);
	if (deadline_ns != 0) {
		uint64_t now = vs_now_ns();

		timeout = now >= deadline_ns ? 0 : (int)((deadline_ns - now) / 1000000) + 1;
	}
	if (poll(set.fds, set.n, timeout) < 0)
		return errno == EINTR ? 0
				      : vs_error_set(err, errno, "cannot wait for the container");
	for (size_t i = 0; i < set.n; i++) {
		if (set.fds[i].revents == 0)
			continue;
		if (set.watches[i].ready(m, set.watches[i].what, set.fds[i].revents, err) < 0)
			return -1;
		if (m->fatal != NULL || m->init_status >= 0)
			break;
	}
	return flush_out(m, err);
}

/* Until the init is created (PID), or the container failed. */
static int wait_created(struct monitor *m, struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + CREATE_TIMEOUT_MS * 1000000ull;

	while (m->rec.status == SHIM_CREATING && m->fatal == NULL) {
		if (vs_now_ns() >= deadline)
			return vs_error_set(
			    err, ETIMEDOUT,
			    "the guest agent did not create the container within %d s",
			    CREATE_TIMEOUT_MS / 1000);
		if (step(m, deadline, err) < 0)
			return -1;
	}
	if (m->fatal != NULL) {
		*err = steal_pointer(&m->fatal);
		return -1;
	}
	return 0;
}

int monitor_console_pty(const char *socket_path, struct vs_error **err)
{
	cleanup_close int master = -1, slave = -1, sock = -1;
	char name[64];
	struct termios t;

	if (openpty(&master, &slave, name, NULL, NULL) < 0)
		return vs_error_set(err, errno, "cannot allocate a pty for the console");
	/* The guest's pty does the line discipline; this one passes bytes through. */
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	sock = vs_unix_connect(socket_path, err);
	if (sock < 0)
		return vs_error_prefix(err, "--console-socket");
	if (vs_send_with_fds(sock, name, strlen(name), &master, 1) < 0)
		return vs_error_set(err, errno, "cannot send the console to `%s`", socket_path);
	/* Its own session with the pty as controlling terminal: size changes raise SIGWINCH. */
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		vs_warn("console", "the console will not follow size changes: %s", strerror(errno));
	return steal_fd(&slave);
}

static int write_pid_file(const char *path, struct vs_error **err)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());

	return vs_write_file_atomic(path, pid, (size_t)n, 0644, err);
}

/* Tells create (or run --detach) how it went: "K", or "E" and the message. Once. */
static void notify(struct monitor *m, const char *error)
{
	cleanup_free char *msg = vs_xasprintf("%s%s", error ? "E" : "K", error ? error : "");

	if (m->notify_fd < 0)
		return;
	if (vs_write_all(m->notify_fd, msg, strlen(msg)) < 0)
		vs_warn("monitor", "cannot tell the caller: %s", strerror(errno));
	close(m->notify_fd);
	m->notify_fd = -1;
}

static int create(struct monitor *m, struct vs_error **err)
{
	const struct monitor_opts *o = m->o;
	cleanup_free char *ctl_path = vs_xasprintf("%s/%s", o->dir, CTL_SOCKET);
	int in = o->in, out = o->out, err_fd = o->err, console = -1;
	struct proc *init;

	m->rec.pid = getpid();
	m->rec.pid_start = vs_proc_start_time(m->rec.pid);
	if (save(m, SHIM_CREATING) < 0)
		return vs_error_set(err, 0, "cannot write the state of `%s`", o->id);
	if (o->console_socket != NULL) {
		console = monitor_console_pty(o->console_socket, err);
		if (console < 0)
			return -1;
		in = out = err_fd = console;
	}
	init = proc_add(m, PROTO_INIT_ID, in, out, err_fd, console >= 0);
	init->tty = console >= 0 ? console : o->tty;

	if (shim_vm_boot(&m->vm, o->dir, o->id, o->bundle, o->spec, err) < 0)
		return -1;

	cleanup_free struct proto_bind *binds = NULL;
	cleanup_free char *tags = NULL;
	char **sources = NULL;
	size_t n_binds = 0;
	int r = shim_vm_binds(&m->vm, o->bundle, &binds, &tags, &sources, &n_binds, err);

	if (r == 0) {
		vs_debug("monitor", "sending CREATE for `%s`", o->id);
		r = proto_host_create(m->host, &m->out, o->id, o->config, o->config_len, binds,
				      n_binds, &m->create_tag, err);
	}
	shim_vm_binds_free(sources, n_binds);
	if (r < 0 || flush_out(m, err) < 0 || wait_created(m, err) < 0)
		return -1;
	/* The container exists, its process waits: the create-time hooks, in spec order. */
	if (run_hooks(m, OCI_HOOK_PRESTART, "creating", err) < 0 ||
	    run_hooks(m, OCI_HOOK_CREATE_RUNTIME, "creating", err) < 0 ||
	    run_hooks(m, OCI_HOOK_CREATE_CONTAINER, "creating", err) < 0)
		return -1;
	m->ctl = vs_unix_listen_seqpacket(ctl_path, 64, err);
	if (m->ctl < 0)
		return -1;
	if (save(m, SHIM_CREATED) < 0)
		return vs_error_set(err, 0, "cannot write the state of `%s`", o->id);
	if (o->pid_file != NULL && write_pid_file(o->pid_file, err) < 0)
		return -1;
	return 0;
}

static void cleanup(struct monitor *m)
{
	cleanup_free char *ctl_path = vs_xasprintf("%s/%s", m->o->dir, CTL_SOCKET);

	if (m->notify_fd >= 0)
		close(m->notify_fd);
	if (m->ctl >= 0) {
		close(m->ctl);
		unlink(ctl_path);
	}
	m->ctl = -1;
	while (m->clients != NULL)
		client_free(m, m->clients);
	while (m->procs != NULL)
		proc_free(m, m->procs);
	shim_vm_teardown(&m->vm);
	proto_buf_clear(&m->out);
	proto_host_free(m->host);
	vs_error_free(m->fatal);
}

int monitor_run(const struct monitor_opts *o, struct vs_error **err)
{
	struct monitor m = {
		.o = o,
		.rec = { .id = (char *)o->id,
			 .dir = (char *)o->dir,
			 .bundle = (char *)o->bundle,
			 .exit_status = -1 },
		.vm = { .agent_fd = -1 },
		.host = proto_host_new(),
		.out = PROTO_BUF_INIT,
		.ctl = -1,
		.init_status = -1,
		.notify_fd = o->notify_fd,
	};
	time_t now = time(NULL);
	struct tm tm;
	int status = -1;
	bool notified = false;

	strftime(m.rec.created, sizeof(m.rec.created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (create(&m, err) < 0) {
		notify(&m, (*err)->msg);
		goto out;
	}
	if (o->start) {
		if (start_init(&m, NULL, err) < 0)
			goto out;
		while (!m.start_done && m.init_status < 0 && m.fatal == NULL && !m.destroy) {
			if (step(&m, 0, err) < 0)
				goto out;
		}
		if (m.fatal != NULL) {
			notify(&m, m.fatal->msg);
			*err = steal_pointer(&m.fatal);
			goto out;
		}
	}
	notify(&m, NULL);
	notified = true;
	while (m.init_status < 0 && !m.destroy && m.fatal == NULL) {
		if (step(&m, 0, err) < 0)
			goto out;
	}
	if (m.fatal != NULL) {
		*err = steal_pointer(&m.fatal);
		goto out;
	}
	status = m.destroy && m.init_status < 0 ? 128 + SIGKILL : m.init_status;
out:
	/* Nobody but the log hears of a failure once create has returned. */
	if (status < 0 && notified && o->notify_fd >= 0)
		vs_log(VS_LOG_ERROR, NULL, "%s", (*err)->msg);
	/* stopped once the VM is gone: delete then finds nothing running. */
	cleanup(&m);
	m.rec.exit_status = status;
	save(&m, SHIM_STOPPED);
	return status;
}

int monitor_signalfd(bool tty)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < VS_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	if (tty)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
