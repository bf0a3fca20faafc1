/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's processes: the container's init (id 1) and every exec, and
 * their stdio on the host.  It owns the process table: what a process's
 * stdin has goes to the agent (a source of the loop), what the agent sends
 * of its stdout and stderr is written out, its terminal's size goes to its
 * pty in the guest, and its EXIT ends it (the init's ends the monitor).
 * Who asked for an exec, and hears of its end, is monitor_ctl.c's.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "shim/monitor_priv.h"

struct proc *monitor_proc_add(struct monitor *m, uint32_t id, int in, int out, int err_fd,
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
			    .tty = -1,
			    .onlcr = true };
	m->procs = p;
	return p;
}

struct proc *monitor_proc_find(struct monitor *m, uint32_t id)
{
	for (struct proc *p = m->procs; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

void monitor_proc_free(struct monitor *m, struct proc *dead)
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

int monitor_proc_send_window_size(struct monitor *m, struct proc *p, struct vs_error **err)
{
	struct winsize ws;

	if (p->tty < 0 || ioctl(p->tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return 0;
	return proto_host_resize(m->host, &m->out, p->id, ws.ws_row, ws.ws_col, NULL, err);
}

int monitor_proc_sync_onlcr(struct monitor *m, struct proc *p, struct vs_error **err)
{
	struct termios t;
	bool onlcr;

	if (p == NULL || !p->console || tcgetattr(p->tty, &t) < 0 ||
	    !proto_host_process_known(m->host, p->id))
		return 0;
	onlcr = (t.c_oflag & ONLCR) != 0;
	if (onlcr == p->onlcr)
		return 0;
	vs_debug("monitor", "process %u: the console's ONLCR is now %s", p->id,
		 onlcr ? "on" : "off");
	p->onlcr = onlcr;
	return proto_host_termios(m->host, &m->out, p->id, onlcr, NULL, err);
}

static int read_stdin(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	uint8_t buf[PROTO_MAX_STDIO];
	/* Processes handled earlier in this round may be gone: what is an id, never reused. */
	struct proc *p = monitor_proc_find(m, (uint32_t)(uintptr_t)what);
	size_t room;
	ssize_t n;

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

void monitor_proc_watch(struct monitor *m, struct monitor_poll *set)
{
	for (struct proc *q = m->procs; q != NULL; q = q->next)
		if (q->stdin_open && proto_host_stdin_room(m->host, q->id) > 0 &&
		    proto_host_process_known(m->host, q->id))
			monitor_loop_watch(set, q->in, POLLIN, read_stdin,
					   (void *)(uintptr_t)q->id);
}

void monitor_proc_on_output(struct monitor *m, const struct proto_host_msg *msg)
{
	cleanup_error struct vs_error *e = NULL;
	struct proc *p = monitor_proc_find(m, msg->id);
	int fd = p == NULL ? -1 : msg->type == PROTO_STDOUT ? p->out : p->err;

	/* A change the caller made meanwhile applies to what the process writes next. */
	if (monitor_proc_sync_onlcr(m, p, &e) < 0)
		vs_warn("monitor", "%s", e->msg);
	if (fd >= 0 && vs_write_all(fd, msg->output.data, msg->output.len) < 0 && errno != EPIPE)
		vs_warn("monitor", "cannot write the output of process %u: %s", msg->id,
			strerror(errno));
}

void monitor_proc_on_exit(struct monitor *m, const struct proto_host_msg *msg)
{
	struct proc *p = monitor_proc_find(m, msg->id);

	if (msg->id == PROTO_INIT_ID) {
		vs_debug("monitor", "container `%s` exited with status %d", m->o->id,
			 msg->exit.status);
		m->init_status = msg->exit.status;
		return;
	}
	if (p != NULL)
		monitor_proc_free(m, p);
}
