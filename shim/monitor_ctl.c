/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's control socket, STATE/ctl.sock (the protocol is in
 * shim/ctl.h).  It owns the socket and its clients, serves their requests
 * (start, kill and an exec's signal and resize, pause, resume, ps, exec,
 * destroy), and sends each client the agent's reply to what it asked: the
 * started init (run starts it as a start without a client), an exec's pid
 * and exit, the ps list, an error.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/sock.h"
#include "common/util.h"
#include "shim/ctl.h"
#include "shim/monitor_priv.h"

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

int monitor_ctl_listen(struct monitor *m, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", m->o->dir, CTL_SOCKET);

	m->ctl = vs_unix_listen_seqpacket(path, 64, err);
	return m->ctl < 0 ? -1 : 0;
}

void monitor_ctl_vm_died(struct monitor *m, const char *why)
{
	for (struct client *c = m->clients, *next; c != NULL; c = next) {
		next = c->next;
		if (c->proc == NULL)
			continue;
		yajl_gen g = proto_json_begin();

		proto_json_put_int(g, "exit", 128 + SIGKILL);
		ctl_put_str(g, "error", why);
		ctl_send(c->fd, g, NULL, 0, NULL);
		c->proc->client = NULL;
		c->proc = NULL;
		client_free(m, c);
	}
}

void monitor_ctl_close(struct monitor *m)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", m->o->dir, CTL_SOCKET);

	if (m->ctl >= 0) {
		close(m->ctl);
		unlink(path);
	}
	m->ctl = -1;
	while (m->clients != NULL)
		client_free(m, m->clients);
}

/* The start of the init. */

/*
 * Before START: an interface that appeared in the namespace since create
 * (CNI ADD between create and start) is wired, and the guest configures it
 * (NETWORK); START follows its OK.  Returns 1 when NETWORK went.
 */
static int late_network(struct monitor *m, struct vs_error **err)
{
	struct proto_network late;
	int r = shim_network_late(&m->net, &late, err);

	if (r > 0 && proto_host_network(m->host, &m->out, &late, &m->net_tag, err) < 0)
		r = -1;
	proto_network_clear(&late);
	return r;
}

int monitor_ctl_start(struct monitor *m, struct client *c, struct vs_error **err)
{
	int r;

	if (m->rec.status != SHIM_CREATED)
		return vs_error_code(err, EINVAL,
				     "cannot start container `%s`: it is %s, not created", m->o->id,
				     shim_status_name(m->rec.status));
	if (m->start_tag != 0 || m->net_tag != 0)
		return vs_error_code(err, EBUSY, "cannot start container `%s`: it is being started",
				     m->o->id);
	if (monitor_run_hooks(m, OCI_HOOK_START_CONTAINER, "created", err) < 0) {
		m->destroy = true;
		return -1;
	}
	/* What the caller set on its console since create, before the process writes. */
	if (monitor_proc_sync_onlcr(m, monitor_proc_find(m, PROTO_INIT_ID), err) < 0)
		return -1;
	r = late_network(m, err);
	if (r < 0)
		m->destroy = true;
	else if (r == 0 && proto_host_start(m->host, &m->out, &m->start_tag, err) < 0)
		r = -1;
	if (r < 0)
		return -1;
	m->start_client = c;
	return 0;
}

static void started(struct monitor *m)
{
	cleanup_error struct vs_error *e = NULL;

	vs_debug("monitor", "container `%s` started", m->o->id);
	m->start_done = true;
	monitor_save(m, SHIM_RUNNING);
	/* poststart failures are warnings (hooks_run_kind logs them). */
	monitor_run_hooks(m, OCI_HOOK_POSTSTART, "running", &e);
	if (m->start_client != NULL)
		reply_ok(m->start_client);
	m->start_client = NULL;
}

/* The start failed with text; status 126 or 127 (the exec's), or 0. */
static void start_failed(struct monitor *m, const char *text, int status)
{
	m->start_done = true;
	if (m->start_client != NULL)
		ctl_send_error(m->start_client->fd, text);
	m->start_client = NULL;
	if (m->fatal == NULL) {
		vs_error_set(&m->fatal, 0, "%s", text);
		m->fatal->errnum = status; /* 126/127: run exits with it */
	}
	m->init_status = status ? status : 127;
}

/* Requests. */

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
	c->proc = monitor_proc_add(m, id, fds[0], fds[1], fds[2], true);
	c->proc->client = c;
	if (ctl_get_bool(req, "tty"))
		c->proc->tty = fds[0];
	c->proc->console = c->proc->tty >= 0 && ctl_get_bool(req, "console");
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
	if (monitor_save(m, SHIM_PAUSED) == 0)
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
		if (monitor_ctl_start(m, c, &e) < 0)
			ctl_send_error(c->fd, e->msg);
	} else if (strcmp(op, "kill") == 0 || strcmp(op, "signal") == 0) {
		/* signal: on an exec's own connection, for its process. */
		uint32_t id = strcmp(op, "signal") == 0 && c->proc ? c->proc->id
			      : ctl_get_bool(req, "all")	   ? 0
								   : PROTO_INIT_ID;
		int signo = (int)ctl_get_int(req, "signal", SIGTERM);

		if (signo == 0 && strcmp(op, "kill") == 0) {
			/* Signal 0 asks whether the init is there, as kill(2) does. */
			if (m->init_status < 0)
				reply_ok(c);
			else
				ctl_send_error(c->fd, "container not running");
		} else if (proto_host_signal(m->host, &m->out, id, signo, NULL, &e) < 0)
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
		else if (monitor_agent_clock(m, &e) < 0)
			ctl_send_error(c->fd, e->msg);
		else if (monitor_save(m, m->paused_from) == 0)
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

void monitor_ctl_watch(struct monitor *m, struct monitor_poll *set)
{
	if (m->ctl >= 0)
		monitor_loop_watch(set, m->ctl, POLLIN, accept_client, NULL);
	for (struct client *c = m->clients; c != NULL; c = c->next)
		monitor_loop_watch(set, c->fd, POLLIN, read_client, c);
}

/* The agent's replies. */

void monitor_ctl_on_pid(struct monitor *m, const struct proto_host_msg *msg)
{
	cleanup_error struct vs_error *e = NULL;
	struct client *c = client_by_tag(m, msg->tag);

	if (c != NULL && monitor_proc_sync_onlcr(m, c->proc, &e) < 0)
		vs_warn("monitor", "%s", e->msg);
	if (c != NULL) {
		yajl_gen g = proto_json_begin();

		proto_json_put_bool(g, "ok", true);
		proto_json_put_int(g, "pid", msg->pid);
		ctl_send(c->fd, g, NULL, 0, NULL);
		c->tag = 0;
	}
}

void monitor_ctl_on_ok(struct monitor *m, const struct proto_host_msg *msg)
{
	cleanup_error struct vs_error *e = NULL;

	if (msg->tag == m->start_tag) {
		started(m);
	} else if (msg->tag == m->net_tag) {
		m->net_tag = 0;
		if (proto_host_start(m->host, &m->out, &m->start_tag, &e) < 0)
			start_failed(m, e->msg, 0);
	}
}

void monitor_ctl_on_ps(struct monitor *m, const struct proto_host_msg *msg)
{
	struct client *c = client_by_tag(m, msg->tag);

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
}

void monitor_ctl_on_error(struct monitor *m, const struct proto_host_msg *msg)
{
	struct client *c = client_by_tag(m, msg->tag);

	if (msg->tag != 0 && msg->tag == m->start_tag) {
		cleanup_free char *text =
		    vs_xasprintf("the container's process could not start: %s", msg->error.message);

		start_failed(m, text, msg->error.status);
		return;
	}
	if (msg->tag != 0 && msg->tag == m->net_tag) {
		cleanup_free char *text =
		    vs_xasprintf("the container's network could not be configured in the VM: %s",
				 msg->error.message);

		m->net_tag = 0;
		start_failed(m, text, 0);
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
		monitor_proc_free(m, c->proc);
		client_free(m, c);
	}
}

void monitor_ctl_on_exit(struct monitor *m, const struct proto_host_msg *msg)
{
	struct proc *p = monitor_proc_find(m, msg->id);
	struct client *c = p != NULL ? p->client : NULL;

	if (c == NULL)
		return;
	yajl_gen g = proto_json_begin();

	proto_json_put_int(g, "exit", msg->exit.status);
	ctl_send(c->fd, g, NULL, 0, NULL);
	p->client = NULL;
	c->proc = NULL;
	client_free(m, c);
}
