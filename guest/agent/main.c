/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim-agent: the entry point and the one loop.
 *
 * Run with no arguments it is the guest's PID 1: it mounts the guest's file
 * systems, opens the virtio-serial port, says HELLO and serves requests
 * until SHUTDOWN or until the host goes away, then reboots, which ends the
 * VM (kernel reboot=t, QEMU -no-reboot).
 *
 *   vshim-agent --test-channel FD --test-shares DIR --test-run-dir DIR
 *
 * runs the same loop on the host for tests, over a socket FD, in a mount
 * namespace of its own (no boot mounts), with share TAG taken from DIR/TAG
 * by bind mounts instead of 9p, as a child subreaper instead of PID 1.
 *
 * Signals are handled as catatonit does: all are blocked except the fault
 * signals and read from a signalfd in the loop, and every child is reaped
 * with waitpid(-1, WNOHANG), ours or orphaned.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/agent.h"
#include "guest/agent/channel.h"
#include "guest/agent/container.h"
#include "guest/agent/process.h"
#include "guest/agent/ps.h"
#include "guest/agent/vm.h"
#include "oci/translate.h"

/* How long the agent waits for the host to name the channel port. */
#define PORT_TIMEOUT_MS 10000
/* How long the last words (a SHUTDOWN reply, a fatal error) may take to leave. */
#define DRAIN_TIMEOUT_MS 2000

static bool terminate; /* test mode: SIGTERM or SIGINT */

/* CLOCK: the VM's clock is the host's; the host test mode leaves the host's clock alone. */
static void on_clock(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;

	if (a->vm && agent_vm_set_clock(req->clock.sec, req->clock.nsec, &err) < 0) {
		proto_guest_error(&a->ch->out, req->tag, req->id, err->errnum, 0, err->msg);
		return;
	}
	proto_guest_ok(&a->ch->out, req->tag, req->id);
}

static void handle_request(void *opaque, struct proto_request *req)
{
	struct agent *a = opaque;

	switch (req->type) {
	case PROTO_CREATE:
		agent_container_create(a, req);
		break;
	case PROTO_START:
		agent_container_start(a, req);
		break;
	case PROTO_NETWORK:
		agent_container_network(a, req);
		break;
	case PROTO_EXEC:
		agent_container_exec(a, req);
		break;
	case PROTO_SIGNAL:
		if (req->id != 0) {
			agent_process_signal(a, req);
			break;
		}
		/* Process 0 is every process of the container (`kill --all`). */
		agent_ps_signal_all(a, req->signo);
		proto_guest_ok(&a->ch->out, req->tag, req->id);
		break;
	case PROTO_RESIZE:
		agent_process_resize(a, req);
		break;
	case PROTO_TERMIOS:
		agent_process_termios(a, req);
		break;
	case PROTO_CLOCK:
		on_clock(a, req);
		break;
	case PROTO_PS:
		agent_ps_reply(a, req);
		break;
	case PROTO_SHUTDOWN:
		vs_debug("agent", "shutting down");
		agent_ps_signal_all(a, SIGKILL);
		proto_guest_ok(&a->ch->out, req->tag, req->id);
		a->shutting_down = true;
		break;
	case PROTO_STDIN:
	case PROTO_STDIN_CLOSE:
		agent_process_stdin(a, req);
		break;
	}
	proto_request_clear(req);
}

static void on_signals(struct agent *a)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		vs_debug("agent", "signal %u", si.ssi_signo);
		if (!a->vm && (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT))
			terminate = true;
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		agent_process_reaped(a, pid, status);
}

/* Runs until the host is gone or SHUTDOWN is answered; -1 on a broken channel. */
static int agent_loop(struct agent *a, struct vs_error **err)
{
	struct pollfd *fds = NULL;
	struct agent_process **procs = NULL;
	enum agent_fd_role *roles = NULL;
	size_t cap = 0;
	int ret = 0;

	while (!terminate) {
		size_t n = 2, want = 2 + 4 * agent_process_count(a);
		size_t pending;

		agent_process_service(a);
		/* A container whose init process just went may have to go too. */
		agent_container_service(a);
		if (agent_channel_flush(a->ch, err) < 0 && !a->ch->closed) {
			ret = -1;
			break;
		}
		vs_error_release(err);
		pending = proto_buf_pending(&a->ch->out);
		if (a->ch->closed || (a->shutting_down && pending == 0))
			break;
		if (want > cap) {
			cap = want * 2;
			fds = vs_xrealloc(fds, cap * sizeof(*fds));
			procs = vs_xrealloc(procs, cap * sizeof(*procs));
			roles = vs_xrealloc(roles, cap * sizeof(*roles));
		}
		fds[0] = (struct pollfd){ .fd = a->sig_fd, .events = POLLIN };
		fds[1] = (struct pollfd){
			.fd = a->ch->fd,
			.events = (short)((pending < AGENT_CHANNEL_FULL ? POLLIN : 0) |
					  (pending > 0 ? POLLOUT : 0)),
		};
		n += agent_process_poll_fds(a, fds + 2, procs + 2, roles + 2);
		if (poll(fds, n, agent_process_timeout(a)) < 0) {
			if (errno == EINTR)
				continue;
			ret = vs_error_set(err, errno, "cannot wait for events");
			break;
		}
		if (fds[0].revents)
			on_signals(a);
		for (size_t i = 2; i < n; i++)
			agent_process_event(a, procs[i], roles[i], fds[i].revents);
		/* Reading stops while the outbound queue is full, hang-up included. */
		if ((fds[1].events & POLLIN) && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    agent_channel_read(a->ch, handle_request, a, err) < 0) {
			ret = -1;
			break;
		}
	}
	free(fds);
	free(procs);
	free(roles);
	return ret;
}

/* Every signal blocked but the faults, which must still kill (and show) a bug. */
static int block_signals(struct agent *a, struct vs_error **err)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
	sigset_t mask;

	sigfillset(&mask);
	for (size_t i = 0; i < VS_ARRAY_SIZE(faults); i++)
		sigdelset(&mask, faults[i]);
	if (sigprocmask(SIG_SETMASK, &mask, NULL) < 0)
		return vs_error_set(err, errno, "cannot block signals");
	a->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sig_fd < 0)
		return vs_error_set(err, errno, "cannot create a signalfd");
	return 0;
}

/* Test mode: a private mount namespace with a tmpfs for the agent's scratch files. */
static int test_setup(struct agent *a, int channel_fd, struct vs_error **err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return vs_error_set(err, errno, "cannot become a subreaper");
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vs_error_set(err, errno, "cannot make a private mount namespace");
	if (vs_mkdir_p(a->run_dir, 0700, err) < 0)
		return -1;
	if (mount("tmpfs", a->run_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return vs_error_set(err, errno, "cannot mount a tmpfs on `%s`", a->run_dir);
	if (fcntl(channel_fd, F_SETFD, FD_CLOEXEC) < 0)
		return vs_error_set(err, errno, "invalid channel fd %d", channel_fd);
	agent_channel_init(a->ch, channel_fd);
	return 0;
}

/* Ends the agent: last words to the host, then reboot (VM) or exit (test mode). */
static _Noreturn void end(struct agent *a, struct vs_error *err)
{
	if (err != NULL) {
		vs_log(VS_LOG_ERROR, "agent", "%s", err->msg);
		if (a->ch->fd >= 0 && !a->ch->closed) {
			proto_guest_error(&a->ch->out, 0, 0, err->errnum, 0, err->msg);
			agent_channel_drain(a->ch, DRAIN_TIMEOUT_MS, NULL);
		}
	} else if (a->ch->fd >= 0 && !a->ch->closed) {
		agent_channel_drain(a->ch, DRAIN_TIMEOUT_MS, NULL);
	}
	if (a->vm)
		agent_vm_reboot();
	agent_ps_signal_all(a, SIGKILL);
	exit(err != NULL ? 1 : 0);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vshim-agent (as PID 1 of the VM)\n"
		"       vshim-agent --test-channel FD --test-shares DIR --test-run-dir DIR\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "test-channel", required_argument, NULL, 'c' },
		{ "test-shares", required_argument, NULL, 's' },
		{ "test-run-dir", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_channel ch = { .fd = -1 };
	struct agent a = { .sig_fd = -1, .self_pidns_fd = -1, .ch = &ch };
	struct vs_error *err = NULL;
	struct timespec boot;
	int channel_fd = -1, opt;

	if (getenv("vshim_debug") != NULL || getenv("VSHIM_AGENT_DEBUG") != NULL)
		vs_log_set_level(VS_LOG_DEBUG);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			channel_fd = atoi(optarg);
			break;
		case 's':
			a.share_dir = optarg;
			break;
		case 'r':
			a.run_dir = optarg;
			break;
		case 'v':
			printf("vshim-agent version %s\n", VSHIM_VERSION);
			return 0;
		default:
			usage();
			return 2;
		}
	}
	a.vm = channel_fd < 0;
	if (a.vm && getpid() != 1) {
		usage();
		return 2;
	}
	if (!a.vm && (a.share_dir == NULL || a.run_dir == NULL || optind != argc)) {
		usage();
		return 2;
	}

	if (a.vm) {
		/*
		 * From here on this process is the guest's init and must never exit:
		 * the kernel panics when PID 1 dies.  Every way out goes through end(),
		 * which reboots.
		 */
		a.run_dir = AGENT_RUN_DIR;
		if (agent_vm_boot(&err) < 0 ||
		    agent_channel_open_port(a.ch, OCI_AGENT_CHANNEL, PORT_TIMEOUT_MS, &err) < 0)
			end(&a, err);
	} else if (test_setup(&a, channel_fd, &err) < 0) {
		end(&a, err);
	}
	a.self_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (a.self_pidns_fd < 0)
		vs_error_set(&err, errno, "cannot open the agent's pid namespace");
	if (err != NULL || block_signals(&a, &err) < 0)
		end(&a, err);

	clock_gettime(CLOCK_BOOTTIME, &boot);
	vs_debug("agent", "ready, saying HELLO");
	proto_guest_hello(&a.ch->out, VSHIM_VERSION, vs_uptime_ms(),
			  (double)boot.tv_sec * 1e3 + (double)boot.tv_nsec / 1e6);
	if (agent_channel_say_hello(a.ch, &err) < 0 || agent_loop(&a, &err) < 0)
		end(&a, err);
	if (a.ch->closed)
		vs_debug("agent", "the host closed the channel");
	end(&a, NULL);
}
