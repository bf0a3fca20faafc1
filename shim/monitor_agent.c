/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's end of the agent channel, a source of the loop.  It reads
 * and decodes what the guest sends (untrusted: proto_host_feed() checks
 * every frame), hands each message to the part of the monitor it concerns
 * (bring-up, the control requests, the processes), and writes the requests
 * the others queued in m->out.  A broken channel waits a moment for the
 * driver to report the VM's end, which says more.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "shim/monitor_priv.h"

/* How long a broken agent channel waits for the driver to report the VM's end. */
#define AGENT_LOST_GRACE_MS 3000

/* Each message to the part of the monitor that asked for it or owns its process. */
static int on_message(struct monitor *m, const struct proto_host_msg *msg, struct vs_error **err)
{
	switch (msg->type) {
	case PROTO_HELLO:
		vs_debug("monitor", "agent %s said hello: guest up %.1f ms, agent %.1f ms",
			 msg->hello.agent, msg->hello.uptime_ms, msg->hello.agent_ms);
		m->hello = true;
		return 0;
	case PROTO_STDOUT:
	case PROTO_STDERR:
		monitor_proc_on_output(m, msg);
		return 0;
	case PROTO_PID:
		if (msg->request == PROTO_CREATE)
			return monitor_create_on_pid(m, msg, err);
		monitor_ctl_on_pid(m, msg);
		return 0;
	case PROTO_OK:
		monitor_ctl_on_ok(m, msg);
		return 0;
	case PROTO_PS_REPLY:
		monitor_ctl_on_ps(m, msg);
		return 0;
	case PROTO_ERROR:
		if (msg->tag != 0 && msg->tag == m->create_tag)
			monitor_create_on_error(m, msg);
		else
			monitor_ctl_on_error(m, msg);
		return 0;
	case PROTO_EXIT:
		/* An exec's caller hears of its end first, then the process goes. */
		monitor_ctl_on_exit(m, msg);
		monitor_proc_on_exit(m, msg);
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
		int r = msg.type ? on_message(m, &msg, err) : 0;
		proto_host_msg_clear(&msg);
		if (r < 0)
			return -1;
	}
	return 0;
}

int monitor_agent_flush(struct monitor *m, struct vs_error **err)
{
	if (proto_buf_pending(&m->out) == 0)
		return 0;
	return proto_buf_write(&m->out, m->vm.agent_fd, err) < 0 ? -1 : 0;
}

int monitor_agent_clock(struct monitor *m, struct vs_error **err)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return proto_host_clock(m->host, &m->out, &now, NULL, err);
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
		struct pollfd p[DRV_POLL_FDS];
		int dfds[DRV_POLL_FDS], n = 0;
		struct drv_end end;

		drv_domain_poll_fds(m->vm.dom, dfds);
		for (int i = 0; i < DRV_POLL_FDS; i++)
			if (dfds[i] >= 0)
				p[n++] = (struct pollfd){ .fd = dfds[i], .events = POLLIN };
		if (poll(p, (nfds_t)n, (int)((deadline - now) / 1000000) + 1) < 0 && errno != EINTR)
			break;
		int r = drv_domain_dispatch(m->vm.dom, &end, &e);
		if (r > 0)
			return monitor_loop_vm_ended(m, &end, err);
		if (r < 0)
			break;
	}
	return -1;
}

static int agent_ready(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	if ((revents & POLLOUT) && monitor_agent_flush(m, err) < 0)
		return -1;
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && read_agent(m, err) < 0)
		return agent_lost(m, err);
	return 0;
}

void monitor_agent_watch(struct monitor *m, struct monitor_poll *set)
{
	monitor_loop_watch(set, m->vm.agent_fd, POLLIN | (proto_buf_pending(&m->out) ? POLLOUT : 0),
			   agent_ready, NULL);
}
