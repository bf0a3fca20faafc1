/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's event loop.  Each round asks every source in sources[] for
 * the descriptors it watches (monitor_loop_watch(), each with the handler
 * its events go to), polls them, and calls the handlers of the ready ones.
 * A new source is a function of its own file added to sources[].  The loop
 * owns four sources itself: the driver, whose events say when the VM ends,
 * the signals meant for the init, the guest's console, and the container's
 * process on the host.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "shim/monitor_priv.h"

struct watch {
	monitor_ready_fn ready;
	void *what;
};

struct monitor_poll {
	struct pollfd *fds;
	struct watch *watches; /* one per fds[i] */
	size_t n, cap;
};

void monitor_loop_watch(struct monitor_poll *set, int fd, short events, monitor_ready_fn ready,
			void *what)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 8;
		set->fds = vs_xrealloc(set->fds, set->cap * sizeof(*set->fds));
		set->watches = vs_xrealloc(set->watches, set->cap * sizeof(*set->watches));
	}
	set->fds[set->n] = (struct pollfd){ .fd = fd, .events = events };
	set->watches[set->n++] = (struct watch){ .ready = ready, .what = what };
}

static void poll_clear(struct monitor_poll *set)
{
	free(set->fds);
	free(set->watches);
}

int monitor_loop_vm_ended(struct monitor *m, const struct drv_end *end, struct vs_error **err)
{
	/* Killed from outside, the guest's console has nothing to say about it. */
	cleanup_free char *console =
	    end->reason == DRV_END_FAILED ? NULL : shim_vm_console_tail(&m->vm);
	struct vs_error **why = m->rec.status == SHIM_CREATING ? err : &m->vm_died;

	vs_error_free(steal_pointer(err));
	vs_error_set(why, 0, "the VM ended before the container exited: %s%s%s%s", end->detail,
		     console ? " (the guest's console: \"" : "", console ? console : "",
		     console ? "\")" : "");
	if (why == err)
		return -1;
	vs_debug("monitor", "container `%s`: %s", m->o->id, m->vm_died->msg);
	m->init_status = 128 + SIGKILL;
	monitor_ctl_vm_died(m, m->vm_died->msg);
	return 0;
}

static int driver_ready(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	struct drv_end end;
	int r = drv_domain_dispatch(m->vm.dom, &end, err);

	if (r < 0)
		return -1;
	if (r > 0 && m->init_status < 0)
		return monitor_loop_vm_ended(m, &end, err);
	return 0;
}

/* The driver's descriptors (QMP, QEMU's end). */
static void watch_driver(struct monitor *m, struct monitor_poll *set)
{
	int dfds[DRV_POLL_FDS];

	drv_domain_poll_fds(m->vm.dom, dfds);
	for (int i = 0; i < DRV_POLL_FDS; i++)
		if (dfds[i] >= 0)
			monitor_loop_watch(set, dfds[i], POLLIN, driver_ready, NULL);
}

/* Signals for the init: forwarded, and SIGWINCH resizes its terminal. */
static int read_signal(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	struct signalfd_siginfo si;
	struct proc *init = monitor_proc_find(m, PROTO_INIT_ID);

	if (read(m->o->sigfd, &si, sizeof(si)) != sizeof(si) || init == NULL ||
	    !proto_host_process_known(m->host, PROTO_INIT_ID))
		return 0;
	if (si.ssi_signo == SIGWINCH)
		return monitor_proc_send_window_size(m, init, err);
	vs_debug("monitor", "forwarding signal %u", si.ssi_signo);
	return proto_host_signal(m->host, &m->out, PROTO_INIT_ID, (int)si.ssi_signo, NULL, err);
}

/*
 * Only once the agent knows the init: a signal that comes earlier (while
 * the guest boots) stays pending until CREATE is queued, then goes to it.
 */
static void watch_signals(struct monitor *m, struct monitor_poll *set)
{
	if (m->o->sigfd >= 0 && proto_host_process_known(m->host, PROTO_INIT_ID))
		monitor_loop_watch(set, m->o->sigfd, POLLIN, read_signal, NULL);
}

/*
 * The container's process on the host: a signal it received goes to the
 * init; its death (killed: a client's SIGKILL to the container's pid) is
 * the container's.
 */
static int handle_ready(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	int sig;

	if (what == &m->handle.pidfd) {
		vs_debug("monitor",
			 "the container's process on the host died: killing the container");
		m->destroy = true;
		close(steal_fd(&m->handle.pidfd));
		return 0;
	}
	sig = shim_handle_read_signal(&m->handle);
	if (sig == 0 || !proto_host_process_known(m->host, PROTO_INIT_ID))
		return 0;
	vs_debug("monitor", "forwarding signal %d sent to the container's pid", sig);
	return proto_host_signal(m->host, &m->out, PROTO_INIT_ID, sig, NULL, err);
}

static void watch_handle(struct monitor *m, struct monitor_poll *set)
{
	if (m->handle.pidfd >= 0)
		monitor_loop_watch(set, m->handle.pidfd, POLLIN, handle_ready, &m->handle.pidfd);
	if (m->handle.control >= 0)
		monitor_loop_watch(set, m->handle.control, POLLIN, handle_ready, NULL);
}

static int read_console(struct monitor *m, void *what, short revents, struct vs_error **err)
{
	shim_vm_console_read(&m->vm);
	return 0;
}

/* The guest's serial console, into its capped log. */
static void watch_console(struct monitor *m, struct monitor_poll *set)
{
	if (m->vm.console_fd >= 0)
		monitor_loop_watch(set, m->vm.console_fd, POLLIN, read_console, NULL);
}

/* Every source of events, in the order a round handles them. */
static const monitor_source_fn sources[] = {
	monitor_agent_watch, watch_driver,  watch_signals, monitor_ctl_watch,
	monitor_proc_watch,  watch_console, watch_handle,
};

int monitor_loop_step(struct monitor *m, uint64_t deadline_ns, struct vs_error **err)
{
	__attribute__((cleanup(poll_clear))) struct monitor_poll set = { 0 };
	int timeout = -1;

	for (size_t i = 0; i < VS_ARRAY_SIZE(sources); i++)
		sources[i](m, &set);
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
	return monitor_agent_flush(m, err);
}
