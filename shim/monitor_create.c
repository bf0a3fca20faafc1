/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's bring-up, from nothing to a created container: the record
 * says creating, the init gets its stdio (or the host pty behind
 * --console-socket), the VM boots, the agent gets CREATE and the loop runs
 * until it answers (the agent's PID or ERROR for CREATE are handled here);
 * then the create-time hooks, the control socket, the record says created,
 * the pid file.  It also tells the caller (create, run --detach) how it
 * went, once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "shim/monitor_priv.h"
#include "shim/userns.h"

/*
 * A guest that boots but never answers must not hang create: the agent has
 * this long from QEMU's start to the container created (boot takes about
 * 0.6 s under TCG; generous for a loaded host).
 */
#define CREATE_TIMEOUT_MS 60000

int monitor_create_on_pid(struct monitor *m, const struct proto_host_msg *msg,
			  struct vs_error **err)
{
	vs_debug("monitor", "container `%s` created (guest pid %u)", m->o->id, msg->pid);
	m->rec.guest_pid = (pid_t)msg->pid;
	m->rec.status = SHIM_CREATED;
	return monitor_proc_send_window_size(m, monitor_proc_find(m, PROTO_INIT_ID), err);
}

void monitor_create_on_error(struct monitor *m, const struct proto_host_msg *msg)
{
	vs_error_set(&m->fatal, 0, "the container could not be created: %s", msg->error.message);
	m->fatal->errnum = msg->error.status;
}

/*
 * Until the agent has said HELLO (created false) or answered CREATE (true).
 * CLOCK waits for HELLO: a request the booting guest reads later would set
 * its clock to a time already past.
 */
static int wait_agent(struct monitor *m, bool created, struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + CREATE_TIMEOUT_MS * 1000000ull;

	while ((created ? m->rec.status == SHIM_CREATING : !m->hello) && m->fatal == NULL) {
		if (vs_now_ns() >= deadline)
			return vs_error_code(
			    err, ETIMEDOUT, "the guest agent did not %s within %d s",
			    created ? "create the container" : "start", CREATE_TIMEOUT_MS / 1000);
		if (monitor_loop_step(m, deadline, err) < 0)
			return -1;
	}
	if (m->fatal != NULL) {
		*err = steal_pointer(&m->fatal);
		return -1;
	}
	return 0;
}

/*
 * The container's process on the host (shim/handle.h), whose pid the
 * clients get: a sibling of this monitor for create (its caller's
 * subreaper waits on it), its child for run in the foreground.
 */
static int start_handle(struct monitor *m, struct vs_error **err)
{
	const struct monitor_opts *o = m->o;
	cleanup_free char *work = vs_xasprintf("%s/root", o->dir);
	struct shim_handle_view view = {
		.rootfs = o->rootfs,
		.readonly = o->spec->root_readonly,
		.volumes = m->vm.volumes,
		.spec = o->spec,
		.bundle = o->bundle,
		.work = work,
		.cwd = o->spec->process->cwd,
		.sibling = o->notify_fd >= 0,
	};

	if (shim_handle_start(&m->handle, &view, err) < 0)
		return vs_error_prefix(err, "container `%s`", o->id);
	m->rec.pid = m->handle.pid;
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct vs_error **err)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);

	return vs_write_file_atomic(path, text, (size_t)n, 0644, err);
}

void monitor_create_notify(struct monitor *m, const char *error)
{
	cleanup_free char *msg = vs_xasprintf("%s%s", error ? "E" : "K", error ? error : "");

	if (m->notify_fd < 0)
		return;
	if (vs_write_all(m->notify_fd, msg, strlen(msg)) < 0)
		vs_warn("monitor", "cannot tell the caller: %s", strerror(errno));
	close(m->notify_fd);
	m->notify_fd = -1;
}

int monitor_create(struct monitor *m, struct vs_error **err)
{
	const struct monitor_opts *o = m->o;
	int in = o->in, out = o->out, err_fd = o->err, console = -1;
	cleanup_free struct proto_bind *binds = NULL;
	struct proto_network guest_net;
	struct proc *init;
	size_t n_binds = 0;
	int r;

	/*
	 * Without root, a user namespace of the monitor's own first: the
	 * network, mount and pid namespaces below are made in it, and owned
	 * by it.
	 */
	if (o->userns != NULL && shim_userns_enter(o->userns, err) < 0)
		return -1;
	/* Then: QEMU, and the pid clients get, live in the container's network namespace. */
	if (shim_network_enter(&m->net, o->spec, o->dir, o->conf, err) < 0)
		return -1;
	m->rec.monitor = getpid();
	m->rec.monitor_start = vs_proc_start_time(m->rec.monitor);
	if (monitor_save(m, SHIM_CREATING) < 0)
		return vs_error_set(err, 0, "cannot write the state of `%s`", o->id);
	if (o->console_socket != NULL) {
		console = monitor_console_pty(o->console_socket, err);
		if (console < 0)
			return -1;
		in = out = err_fd = console;
	}
	init = monitor_proc_add(m, PROTO_INIT_ID, in, out, err_fd, console >= 0);
	init->tty = console >= 0 ? console : o->tty;
	init->console = console >= 0;

	if (shim_vm_boot(&m->vm, o->dir, o->id, o->bundle, o->rootfs, o->spec, o->conf, &m->net,
			 o->systemd_cgroup, err) < 0)
		return -1;
	shim_network_release_taps(&m->net);

	r = shim_vm_binds(&m->vm, o->bundle, &binds, &n_binds, err);
	if (r == 0 && wait_agent(m, false, err) < 0)
		r = -1;
	if (r == 0) {
		vs_debug("monitor", "sending CLOCK and CREATE for `%s`", o->id);
		r = monitor_agent_clock(m, err);
	}
	if (r == 0) {
		bool has_net = shim_network_guest(&m->net, &guest_net);

		r = proto_host_create(m->host, &m->out, o->id, o->config, o->config_len, binds,
				      n_binds, has_net ? &guest_net : NULL, &m->create_tag, err);
		proto_network_clear(&guest_net);
	}
	if (r < 0 || monitor_agent_flush(m, err) < 0 || wait_agent(m, true, err) < 0 ||
	    start_handle(m, err) < 0)
		return -1;
	/* The container exists, its process waits: the create-time hooks, in spec order. */
	if (monitor_run_hooks(m, OCI_HOOK_PRESTART, "creating", err) < 0 ||
	    monitor_run_hooks(m, OCI_HOOK_CREATE_RUNTIME, "creating", err) < 0 ||
	    monitor_run_hooks(m, OCI_HOOK_CREATE_CONTAINER, "creating", err) < 0)
		return -1;
	if (monitor_ctl_listen(m, err) < 0)
		return -1;
	if (monitor_save(m, SHIM_CREATED) < 0)
		return vs_error_set(err, 0, "cannot write the state of `%s`", o->id);
	if (o->pid_file != NULL && write_pid_file(o->pid_file, m->rec.pid, err) < 0)
		return -1;
	return 0;
}
