/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/proto/host.h"
#include "oci/translate.h"

struct session {
	struct shim_vm *vm;
	struct proto_host *host;
	struct proto_buf out; /* to the agent */
	const struct shim_session_io *io;
	uint32_t create_tag;
	bool stdin_open;
	int status; /* -1 until the init's EXIT */
};

/* A bind entry for every mount backed by a share, as the agent needs them. */
static int make_binds(const struct oci_spec *spec, const char *bundle, struct proto_bind *binds,
		      char (*tags)[OCI_MOUNT_TAG_MAX], char **sources, size_t *n,
		      struct vs_error **err)
{
	*n = 0;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		enum oci_mount_kind kind;
		char *source = NULL;

		if (oci_mounts_classify(spec, i, bundle, &kind, &source, err) < 0)
			return -1;
		if (kind == OCI_MOUNT_GUEST) {
			free(source);
			continue;
		}
		oci_mount_tag(tags[*n], OCI_MOUNT_TAG_MAX, i);
		sources[*n] = source;
		binds[*n] = (struct proto_bind){
			.index = (uint32_t)i,
			.tag = tags[*n],
			.file = kind == OCI_MOUNT_FILE ? oci_mounts_file_name(source) : NULL,
		};
		(*n)++;
	}
	return 0;
}

static int flush_out(struct session *s, struct vs_error **err)
{
	if (proto_buf_pending(&s->out) == 0)
		return 0;
	return proto_buf_write(&s->out, s->vm->agent_fd, err) < 0 ? -1 : 0;
}

/* The container's pty takes the size of the host terminal. */
static int send_window_size(struct session *s, struct vs_error **err)
{
	struct winsize ws;

	if (s->io->tty < 0 || ioctl(s->io->tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return 0;
	return proto_host_resize(s->host, &s->out, PROTO_INIT_ID, ws.ws_row, ws.ws_col, NULL, err);
}

static int handle(struct session *s, struct proto_host_msg *m, struct vs_error **err)
{
	switch (m->type) {
	case PROTO_STDOUT:
	case PROTO_STDERR: {
		int fd = m->type == PROTO_STDOUT ? s->io->out : s->io->err;

		if (fd >= 0 && vs_write_all(fd, m->output.data, m->output.len) < 0 &&
		    errno != EPIPE)
			return vs_error_set(err, errno, "cannot write the container's output");
		return 0;
	}
	case PROTO_ERROR:
		if (m->request == PROTO_CREATE || m->request == PROTO_START ||
		    m->tag == s->create_tag || m->tag == 0) {
			vs_error_set(err, 0, "the container could not start: %s",
				     m->error.message ? m->error.message : "no reason given");
			(*err)->errnum = m->error.status; /* 126/127 carry the exit status */
			return -1;
		}
		return 0;
	case PROTO_PID:
		/* The init is created and waits: size its terminal, start it. */
		if (m->request == PROTO_CREATE &&
		    (send_window_size(s, err) < 0 ||
		     proto_host_start(s->host, &s->out, NULL, err) < 0))
			return -1;
		return 0;
	case PROTO_EXIT:
		if (m->id == PROTO_INIT_ID)
			s->status = m->exit.status;
		return 0;
	default:
		return 0;
	}
}

static int read_agent(struct session *s, struct vs_error **err)
{
	uint8_t buf[64 << 10];
	ssize_t n = read(s->vm->agent_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return vs_error_set(err, errno, "cannot read from the guest agent");
	if (n == 0)
		return vs_error_set(err, 0, "the guest agent closed its channel");
	for (size_t off = 0; off < (size_t)n;) {
		struct proto_host_msg m = { 0 };
		ssize_t used = proto_host_feed(s->host, buf + off, (size_t)n - off, &m, err);

		if (used < 0)
			return vs_error_prefix(err, "the guest agent broke the protocol");
		off += (size_t)used;
		int r = m.type ? handle(s, &m, err) : 0;
		proto_host_msg_clear(&m);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int read_stdin(struct session *s, struct vs_error **err)
{
	uint8_t buf[PROTO_MAX_STDIO];
	size_t room = proto_host_stdin_room(s->host, PROTO_INIT_ID);
	ssize_t n;

	if (room == 0)
		return 0;
	n = read(s->io->in, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		s->stdin_open = false;
		return proto_host_stdin_close(s->host, &s->out, PROTO_INIT_ID, err);
	}
	return proto_host_stdin(s->host, &s->out, PROTO_INIT_ID, buf, (size_t)n, err);
}

static int forward_signal(struct session *s, struct vs_error **err)
{
	struct signalfd_siginfo si;
	uint32_t tag;

	if (read(s->io->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGWINCH)
		return send_window_size(s, err);
	vs_debug("shim", "forwarding signal %u", si.ssi_signo);
	return proto_host_signal(s->host, &s->out, PROTO_INIT_ID, (int)si.ssi_signo, &tag, err);
}

static int loop(struct session *s, struct vs_error **err)
{
	while (s->status < 0) {
		struct pollfd p[5];
		int dfds[2];
		nfds_t n = 0;
		int agent = -1, in = -1, sig = -1;

		p[agent = (int)n++] = (struct pollfd){
			.fd = s->vm->agent_fd,
			.events = POLLIN | (proto_buf_pending(&s->out) ? POLLOUT : 0),
		};
		if (s->stdin_open && proto_host_stdin_room(s->host, PROTO_INIT_ID) > 0 &&
		    proto_host_process_known(s->host, PROTO_INIT_ID))
			p[in = (int)n++] = (struct pollfd){ .fd = s->io->in, .events = POLLIN };
		if (s->io->sigfd >= 0)
			p[sig = (int)n++] = (struct pollfd){ .fd = s->io->sigfd, .events = POLLIN };
		drv_domain_poll_fds(s->vm->dom, dfds);
		for (int i = 0; i < 2; i++)
			if (dfds[i] >= 0)
				p[n++] = (struct pollfd){ .fd = dfds[i], .events = POLLIN };

		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return vs_error_set(err, errno, "cannot wait for the container");
		}
		if ((p[agent].revents & POLLOUT) && flush_out(s, err) < 0)
			return -1;
		if ((p[agent].revents & (POLLIN | POLLHUP)) && read_agent(s, err) < 0)
			return -1;
		if (s->status >= 0)
			break;
		if (in >= 0 && (p[in].revents & (POLLIN | POLLHUP)) && read_stdin(s, err) < 0)
			return -1;
		if (sig >= 0 && (p[sig].revents & POLLIN) && forward_signal(s, err) < 0)
			return -1;
		struct drv_end end;
		int r = drv_domain_dispatch(s->vm->dom, &end, err);
		if (r < 0)
			return -1;
		if (r > 0)
			return vs_error_set(err, 0, "the VM ended before the container exited: %s",
					    end.detail);
		if (flush_out(s, err) < 0)
			return -1;
	}
	return s->status;
}

int shim_session_run(struct shim_vm *vm, const char *id, const char *bundle, const char *config,
		     size_t config_len, const struct shim_session_io *io, struct vs_error **err)
{
	const struct oci_spec *spec = vm->spec;
	size_t n_binds = 0, n = spec->n_mounts ? spec->n_mounts : 1;
	cleanup_free struct proto_bind *binds = vs_xcalloc(n, sizeof(*binds));
	cleanup_free char(*tags)[OCI_MOUNT_TAG_MAX] = vs_xcalloc(n, OCI_MOUNT_TAG_MAX);
	cleanup_free char **sources = vs_xcalloc(n, sizeof(char *));
	struct session s = {
		.vm = vm,
		.host = proto_host_new(),
		.out = PROTO_BUF_INIT,
		.io = io,
		.stdin_open = io->in >= 0,
		.status = -1,
	};
	int r = -1;

	if (make_binds(spec, bundle, binds, tags, sources, &n_binds, err) < 0)
		goto out;
	/* CREATE goes out at once: its bytes wait in the channel while the guest boots. */
	vs_debug("shim", "sending CREATE for `%s`", id);
	if (proto_host_create(s.host, &s.out, id, config, config_len, binds, n_binds, &s.create_tag,
			      err) < 0)
		goto out;
	fcntl(vm->agent_fd, F_SETFL, fcntl(vm->agent_fd, F_GETFL) | O_NONBLOCK);
	if (flush_out(&s, err) < 0)
		goto out;
	r = loop(&s, err);
	vs_debug("shim", "container `%s` ended with status %d", id, r);
out:
	for (size_t i = 0; i < n_binds; i++)
		free(sources[i]);
	proto_buf_clear(&s.out);
	proto_host_free(s.host);
	return r;
}
