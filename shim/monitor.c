/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's top level.  monitor_run() brings the container up
 * (monitor_create.c), starts it for run, turns the loop (monitor_loop.c)
 * until the init exits or the container is destroyed, and tears everything
 * down.  It owns the container's record (state.json) and the hooks' view of
 * it, and the set-up that create, run and the exec proxy share with it:
 * the signalfd and the console pty.
 */
#include "shim/monitor.h"

#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/sock.h"
#include "common/util.h"
#include "hooks/hooks.h"
#include "shim/monitor_priv.h"

/* The record clients read, and the hooks. */

int monitor_save(struct monitor *m, enum shim_status status)
{
	cleanup_error struct vs_error *e = NULL;

	m->rec.status = status;
	if (shim_container_save(&m->rec, &e) < 0) {
		vs_warn("monitor", "%s", e->msg);
		return -1;
	}
	return 0;
}

int monitor_run_hooks(struct monitor *m, enum oci_hook_kind kind, const char *status,
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

/* The monitor. */

static void cleanup(struct monitor *m)
{
	if (m->notify_fd >= 0)
		close(m->notify_fd);
	monitor_ctl_close(m);
	while (m->procs != NULL)
		monitor_proc_free(m, m->procs);
	shim_vm_teardown(&m->vm);
	shim_network_teardown(&m->net);
	proto_buf_clear(&m->out);
	proto_host_free(m->host);
	vs_error_free(m->fatal);
	vs_error_free(m->vm_died);
}

int monitor_run(const struct monitor_opts *o, struct vs_error **err)
{
	struct monitor m = {
		.o = o,
		.rec = { .id = (char *)o->id,
			 .dir = (char *)o->dir,
			 .bundle = (char *)o->bundle,
			 .rootfs = (char *)o->rootfs,
			 .exit_status = -1 },
		.vm = { .agent_fd = -1 },
		.net = { .runtime_ns = -1 },
		.handle = { .pid = -1, .pidfd = -1, .control = -1 },
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
	if (monitor_create(&m, err) < 0) {
		monitor_create_notify(&m, (*err)->msg);
		goto out;
	}
	if (o->start) {
		if (monitor_ctl_start(&m, NULL, err) < 0)
			goto out;
		while (!m.start_done && m.init_status < 0 && m.fatal == NULL && !m.destroy) {
			if (monitor_loop_step(&m, 0, err) < 0)
				goto out;
		}
		if (m.fatal != NULL) {
			monitor_create_notify(&m, m.fatal->msg);
			*err = steal_pointer(&m.fatal);
			goto out;
		}
	}
	monitor_create_notify(&m, NULL);
	notified = true;
	while (m.init_status < 0 && !m.destroy && m.fatal == NULL) {
		if (monitor_loop_step(&m, 0, err) < 0)
			goto out;
	}
	if (m.fatal != NULL) {
		*err = steal_pointer(&m.fatal);
		goto out;
	}
	status = m.destroy && m.init_status < 0 ? 128 + SIGKILL : m.init_status;
	/* Killed with its VM: 137, and the caller hears why. */
	if (m.vm_died != NULL)
		*err = steal_pointer(&m.vm_died);
out:
	/* Nobody but the log hears of a failure once create has returned. */
	if ((status < 0 || *err != NULL) && notified && o->notify_fd >= 0)
		vs_log(VS_LOG_ERROR, NULL, "%s", (*err)->msg);
	/* stopped once the VM is gone: delete then finds nothing running. */
	cleanup(&m);
	m.rec.exit_status = status;
	monitor_save(&m, SHIM_STOPPED);
	/* Then the clients' pid ends, with the container's status. */
	shim_handle_exit(&m.handle, status >= 0 ? status : 255);
	return status;
}

/* What create, run and the exec proxy set up. */

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
