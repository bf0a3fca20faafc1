/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of the monitor share, and no one else includes: struct
 * monitor, its processes and clients, and each file's entry points.  The
 * data flows through them in this order:
 *
 *   monitor.c         the top level: monitor_run(), the record, the hooks, teardown
 *   monitor_create.c  bring-up: the VM, CREATE, create-time hooks, pid file, the caller's word
 *   monitor_loop.c    the event loop: every source registers its descriptors each round
 *   monitor_agent.c   the agent channel: reads, hands each message on, writes requests
 *   monitor_proc.c    the processes (init and execs): stdio relay, terminal size, exit
 *   monitor_ctl.c     the control socket: its clients, their requests, the agent's replies
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "driver/driver.h"
#include "guest/proto/host.h"
#include "oci/spec.h"
#include "shim/container.h"
#include "shim/handle.h"
#include "shim/monitor.h"
#include "shim/network.h"
#include "shim/vm.h"

/* A process of the container: the init (id 1) or an exec. */
struct proc {
	struct proc *next;
	uint32_t id;
	int in, out, err; /* host ends of its stdio, -1 when none */
	bool owned;	  /* an exec's descriptors, closed with it */
	bool stdin_open;
	int tty; /* where its terminal size comes from, or -1 */
	/*
	 * tty is a host pty whose master went to --console-socket: the caller's
	 * changes of its ONLCR go to the guest's pty, whose setting was last
	 * onlcr (runc's console is the container's own pty: one setting).
	 */
	bool console, onlcr;
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
	struct shim_network net;
	struct shim_handle handle; /* the container's process on the host, once created */
	struct proto_host *host;
	struct proto_buf out; /* requests for the agent, written by the loop */
	int ctl;
	struct client *clients;
	struct proc *procs;
	uint32_t create_tag, start_tag;
	bool hello;	  /* the agent said HELLO: it reads requests as they come */
	uint32_t net_tag; /* NETWORK before START, when the namespace filled after create */
	struct client *start_client;
	bool start_done;
	bool destroy;
	int init_status; /* -1 until the init's EXIT */
	int notify_fd;
	enum shim_status paused_from; /* what resume returns to */
	struct vs_error *fatal;
	struct vs_error *vm_died; /* the VM ended under a created container: why */
};

/* monitor.c */

/* Writes the record with status; a failure is a warning (returns -1). */
int monitor_save(struct monitor *m, enum shim_status status);
/* The spec's hooks of kind, with the state JSON saying status. */
int monitor_run_hooks(struct monitor *m, enum oci_hook_kind kind, const char *status,
		      struct vs_error **err);

/* monitor_create.c */

/* Brings the container up to created: the record, stdio, VM, CREATE, hooks, socket, pid file. */
int monitor_create(struct monitor *m, struct vs_error **err);
/* Tells create (or run --detach) how it went: "K", or "E" and the error.  Once. */
void monitor_create_notify(struct monitor *m, const char *error);
/* The agent's PID for CREATE: the container is created. */
int monitor_create_on_pid(struct monitor *m, const struct proto_host_msg *msg,
			  struct vs_error **err);
/* The agent's ERROR for CREATE: the monitor fails with it. */
void monitor_create_on_error(struct monitor *m, const struct proto_host_msg *msg);

/* monitor_loop.c */

/* The descriptors one round of the loop polls. */
struct monitor_poll;
/* What a ready descriptor's events go to; -1 with err set ends the monitor. */
typedef int (*monitor_ready_fn)(struct monitor *m, void *what, short revents,
				struct vs_error **err);
/* A source of events: adds what it watches this round (a new source goes in the loop's list). */
typedef void (*monitor_source_fn)(struct monitor *m, struct monitor_poll *set);

/* Adds fd to this round: ready(m, what, revents, err) is called when it has events. */
void monitor_loop_watch(struct monitor_poll *set, int fd, short events, monitor_ready_fn ready,
			void *what);
/* One round: waits for something to happen (until deadline_ns, unless 0) and handles it. */
int monitor_loop_step(struct monitor *m, uint64_t deadline_ns, struct vs_error **err);
/*
 * The VM ended under the container.  While it is being created, that is
 * create's failure: err says why, and what the guest said last (-1).  Once
 * it is created, the container was killed: its status is 137, m->vm_died
 * says why, execs in flight hear it, and the loop ends (0).
 */
int monitor_loop_vm_ended(struct monitor *m, const struct drv_end *end, struct vs_error **err);

/* monitor_agent.c */

/* Source: the channel, readable, and writable while requests wait in m->out. */
void monitor_agent_watch(struct monitor *m, struct monitor_poll *set);
/* Writes what m->out holds, as far as the channel takes it. */
int monitor_agent_flush(struct monitor *m, struct vs_error **err);
/*
 * Queues CLOCK: the guest's wall clock set to the host's.  Before CREATE,
 * and after every resume (a paused guest's clock stands still).  Its OK
 * needs no one; an ERROR is a warning.
 */
int monitor_agent_clock(struct monitor *m, struct vs_error **err);

/* monitor_proc.c */

/* A new process; with owned its descriptors are closed with it. */
struct proc *monitor_proc_add(struct monitor *m, uint32_t id, int in, int out, int err_fd,
			      bool owned);
struct proc *monitor_proc_find(struct monitor *m, uint32_t id);
void monitor_proc_free(struct monitor *m, struct proc *dead);
/* Sends the size of p's terminal, when it has one, to its pty in the guest. */
int monitor_proc_send_window_size(struct monitor *m, struct proc *p, struct vs_error **err);
/* Gives p's guest terminal the ONLCR setting its console has now, if it changed. */
int monitor_proc_sync_onlcr(struct monitor *m, struct proc *p, struct vs_error **err);
/* Source: the stdin of every process that the agent has room for. */
void monitor_proc_watch(struct monitor *m, struct monitor_poll *set);
/* The agent's STDOUT and STDERR: written to the process's descriptor. */
void monitor_proc_on_output(struct monitor *m, const struct proto_host_msg *msg);
/* The agent's EXIT: the init's status is the monitor's; an exec's process goes. */
void monitor_proc_on_exit(struct monitor *m, const struct proto_host_msg *msg);

/* monitor_ctl.c */

/* STATE/ctl.sock listens: other verbs reach the container from now on. */
int monitor_ctl_listen(struct monitor *m, struct vs_error **err);
/* Closes the socket and every client (an exec's process is killed), removes the socket. */
void monitor_ctl_close(struct monitor *m);
/* Source: the control socket, once it listens, and every client's connection. */
void monitor_ctl_watch(struct monitor *m, struct monitor_poll *set);
/* Starts the init: the startContainer hooks, then START; c (or NULL) hears the result. */
int monitor_ctl_start(struct monitor *m, struct client *c, struct vs_error **err);
/* The agent's replies to what clients asked: PID (of an exec), OK, PS_REPLY, ERROR. */
void monitor_ctl_on_pid(struct monitor *m, const struct proto_host_msg *msg);
void monitor_ctl_on_ok(struct monitor *m, const struct proto_host_msg *msg);
void monitor_ctl_on_ps(struct monitor *m, const struct proto_host_msg *msg);
void monitor_ctl_on_error(struct monitor *m, const struct proto_host_msg *msg);
/* The agent's EXIT: an exec's caller hears its status and is let go. */
void monitor_ctl_on_exit(struct monitor *m, const struct proto_host_msg *msg);
/* The VM is gone: every exec's caller hears 137 and why, and is let go. */
void monitor_ctl_vm_died(struct monitor *m, const char *why);
