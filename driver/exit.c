/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A running domain's events and its end: the descriptors a caller polls,
 * what QMP, the seccomp supervisor and QEMU's output have to say, QEMU
 * reaped and how the domain ended told (struct drv_end), and the ways to
 * end it (destroy, shutdown).  Part of the lifecycle layer (priv.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/priv.h"
#include "driver/qmp.h"
#include "driver/sandbox.h"

#define DESTROY_STEP_MS 2000

static void describe_exit(struct drv_domain *dom, int wait_status)
{
	struct drv_end *end = &dom->end;
	char tail[400];
	const char *reason = dom->shutdown_reason;

	end->wait_status = wait_status;
	if (dom->panicked || strcmp(reason, "guest-panic") == 0) {
		end->reason = DRV_END_CRASHED;
		snprintf(end->detail, sizeof(end->detail), "the guest panicked");
	} else if (strcmp(reason, "guest-shutdown") == 0) {
		end->reason = DRV_END_SHUTDOWN;
		snprintf(end->detail, sizeof(end->detail), "the guest powered off");
	} else if (strcmp(reason, "guest-reset") == 0) {
		end->reason = DRV_END_REBOOT;
		snprintf(end->detail, sizeof(end->detail), "the guest rebooted");
	} else if (dom->destroying) {
		end->reason = DRV_END_DESTROYED;
		snprintf(end->detail, sizeof(end->detail), "destroyed");
	} else {
		end->reason = DRV_END_FAILED;
		drv_domain_log_tail(dom, tail, sizeof(tail));
		/* Killed, QEMU said nothing worth repeating: its log ends with its command line. */
		if (wait_status >= 0 && WIFSIGNALED(wait_status))
			snprintf(end->detail, sizeof(end->detail), "the VM was killed by signal %d",
				 WTERMSIG(wait_status));
		else if (wait_status >= 0)
			snprintf(end->detail, sizeof(end->detail), "QEMU exited with status %d%s%s",
				 WEXITSTATUS(wait_status), tail[0] ? ": " : "", tail);
		else
			snprintf(end->detail, sizeof(end->detail), "QEMU ended unexpectedly%s%s",
				 tail[0] ? ": " : "", tail);
	}
}

/* Takes in whatever QMP has to say; closes the monitor at EOF. */
static void drain_monitor(struct drv_domain *dom)
{
	struct drv_qmp_event ev;
	cleanup_error struct vs_error *e = NULL;

	if (dom->qmp == NULL)
		return;
	if (drv_qmp_read(dom->qmp, &e) < 0) {
		vs_debug("driver", "%s: monitor closed: %s", dom->def->name, e->msg);
		/* Events queued before the EOF are still popped below. */
	}
	while (drv_qmp_next_event(dom->qmp, &ev)) {
		switch (ev.type) {
		case DRV_QMP_EVENT_SHUTDOWN:
			snprintf(dom->shutdown_reason, sizeof(dom->shutdown_reason), "%s",
				 ev.reason);
			break;
		case DRV_QMP_EVENT_GUEST_PANICKED:
			dom->panicked = true;
			break;
		case DRV_QMP_EVENT_STOP:
			dom->state = DRV_STATE_PAUSED;
			break;
		case DRV_QMP_EVENT_RESUME:
			dom->state = DRV_STATE_RUNNING;
			break;
		default:
			break;
		}
	}
	if (e != NULL) {
		drv_qmp_free(dom->qmp);
		dom->qmp = NULL;
	}
}

/* QEMU has exited: reap it and record how the domain ended. */
static void reap(struct drv_domain *dom)
{
	int status = -1;

	drain_monitor(dom);
	if (dom->is_child)
		while (waitpid(dom->pid, &status, 0) < 0 && errno == EINTR)
			;
	drv_domain_read_output(dom);
	describe_exit(dom, dom->is_child ? status : -1);
	dom->ended = true;
	dom->state = DRV_STATE_SHUTOFF;
	drv_qmp_free(dom->qmp);
	dom->qmp = NULL;
	if (dom->seccomp_fd >= 0)
		close(steal_fd(&dom->seccomp_fd));
	drv_status_remove(dom);
	vs_debug("driver", "domain `%s` ended: %s", dom->def->name, dom->end.detail);
}

int drv_domain_poll_fds(const struct drv_domain *dom, int fds[DRV_POLL_FDS])
{
	fds[0] = dom->pidfd;
	fds[1] = dom->qmp ? drv_qmp_fd(dom->qmp) : -1;
	fds[2] = dom->seccomp_fd;
	fds[3] = dom->output_fd;
	return dom->ended ? 0 : DRV_POLL_FDS;
}

/* Answers the seccomp calls QEMU is waiting on; a broken supervisor is closed (QEMU's calls then
 * fail). */
void drv_domain_serve_sandbox(struct drv_domain *dom)
{
	struct pollfd p = { .fd = dom->seccomp_fd, .events = POLLIN };

	while (dom->seccomp_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
		cleanup_error struct vs_error *e = NULL;

		if (drv_sandbox_serve(dom->seccomp_fd, dom->pidfd, dom->pid, &e) < 0) {
			vs_warn("driver", "domain `%s`: %s", dom->def->name, e->msg);
			close(steal_fd(&dom->seccomp_fd));
		}
	}
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		close(steal_fd(&dom->seccomp_fd)); /* QEMU is gone */
}

/*
 * Whether QEMU exits within timeout_ms (-1: for ever), answering its
 * seccomp calls and reading its output meanwhile: a QEMU thread waiting on
 * either could hold up its exit.
 */
static bool exits_within(struct drv_domain *dom, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;

	for (;;) {
		struct pollfd p[3] = { { .fd = dom->pidfd, .events = POLLIN },
				       { .fd = dom->seccomp_fd, .events = POLLIN },
				       { .fd = dom->output_fd, .events = POLLIN } };
		int wait_ms = -1;

		if (timeout_ms >= 0) {
			uint64_t now = vs_now_ns();

			if (now >= deadline)
				return false;
			wait_ms = (int)((deadline - now + 999999) / 1000000);
		}
		/* poll() skips the negative descriptors of what is already closed. */
		if (poll(p, 3, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[0].revents & (POLLIN | POLLHUP))
			return true;
		if (p[1].revents != 0)
			drv_domain_serve_sandbox(dom);
		if (p[2].revents != 0)
			drv_domain_read_output(dom);
	}
}

int drv_domain_dispatch(struct drv_domain *dom, struct drv_end *end, struct vs_error **err)
{
	if (dom->ended)
		goto ended;
	drv_domain_serve_sandbox(dom);
	drv_domain_read_output(dom);
	drain_monitor(dom);
	/* After the monitor's EOF, QEMU is on its way out: wait for it. */
	if (!exits_within(dom, dom->qmp == NULL ? 5000 : 0))
		return 0;
	reap(dom);
ended:
	if (end != NULL)
		*end = dom->end;
	return 1;
}

int drv_domain_wait(struct drv_domain *dom, int timeout_ms, struct drv_end *end,
		    struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;

	while (!dom->ended) {
		struct pollfd p[DRV_POLL_FDS];
		int fds[DRV_POLL_FDS], wait_ms = -1;
		nfds_t n = 0;

		drv_domain_poll_fds(dom, fds);
		for (int i = 0; i < DRV_POLL_FDS; i++)
			if (fds[i] >= 0)
				p[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (timeout_ms >= 0) {
			uint64_t now = vs_now_ns();

			if (now >= deadline)
				return 0;
			wait_ms = (int)((deadline - now + 999999) / 1000000);
		}
		if (poll(p, n, wait_ms) < 0 && errno != EINTR)
			return vs_error_set(err, errno, "cannot wait for domain `%s`",
					    dom->def->name);
		if (drv_domain_dispatch(dom, NULL, err) < 0)
			return -1;
	}
	if (end != NULL)
		*end = dom->end;
	return 1;
}

static int send_signal(struct drv_domain *dom, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, dom->pidfd, sig, NULL, 0);
}

/*
 * Whether QEMU must exit in order when destroyed: it may hold a writable
 * disk's data (its own caches, an image's metadata).  Everything else it
 * serves (9p, sockets, taps) writes through to the host as the guest asks,
 * so SIGKILL loses nothing the guest wrote and spares QEMU's clean-up.
 */
static bool needs_orderly_exit(const struct drv_domain *dom)
{
	for (size_t i = 0; i < dom->def->n_disks; i++)
		if (!dom->def->disks[i].readonly)
			return true;
	return false;
}

/* QMP quit, then SIGTERM: whether QEMU exited on its own within two steps. */
static bool exits_in_order(struct drv_domain *dom)
{
	cleanup_error struct vs_error *quit_err = NULL;

	if (dom->qmp != NULL && drv_qmp_command(dom->qmp, "quit", NULL, 1000, NULL, &quit_err) < 0)
		vs_debug("driver", "quit failed: %s", quit_err->msg);
	if (exits_within(dom, DESTROY_STEP_MS))
		return true;
	vs_debug("driver", "sending SIGTERM to QEMU %d", (int)dom->pid);
	send_signal(dom, SIGTERM);
	return exits_within(dom, DESTROY_STEP_MS);
}

int drv_domain_destroy(struct drv_domain *dom, struct vs_error **err)
{
	if (dom->ended)
		return 0;
	vs_debug("driver", "destroying domain `%s`", dom->def->name);
	dom->destroying = true;
	if (!needs_orderly_exit(dom) || !exits_in_order(dom)) {
		vs_debug("driver", "sending SIGKILL to QEMU %d", (int)dom->pid);
		if (send_signal(dom, SIGKILL) < 0 && errno != ESRCH)
			return vs_error_set(err, errno, "cannot kill QEMU (pid %d)", (int)dom->pid);
		if (!exits_within(dom, -1))
			return vs_error_set(err, errno, "cannot wait for QEMU (pid %d)",
					    (int)dom->pid);
	}
	reap(dom);
	return 0;
}

int drv_domain_shutdown(struct drv_domain *dom, int timeout_ms, struct vs_error **err)
{
	struct drv_end end;
	int r;

	if (drv_domain_simple_command(dom, "system_powerdown", err) < 0)
		return -1;
	r = drv_domain_wait(dom, timeout_ms, &end, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		vs_debug("driver", "domain `%s` did not power off within %d ms", dom->def->name,
			 timeout_ms);
		return drv_domain_destroy(dom, err);
	}
	return 0;
}
