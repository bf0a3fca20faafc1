/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table of the agent's processes (a->procs): the container's init
 * (id 1) and EXEC'd ones.  It forks them (their child is child.c's), follows
 * them over their sync sockets, relays their stdio, answers the requests
 * about one process and reports their end.
 *
 * Life of a process, and the messages it causes, in this order:
 *
 *   SETUP     forked; the child prepares itself.  READY: init -> CREATED
 *             and PID goes out; an EXEC'd process -> STARTING (it execs at
 *             once).  FAILED or death: ERROR answers CREATE / EXEC and the
 *             process is forgotten without an EXIT.
 *   CREATED   init only, blocked until START -> STARTING.
 *   STARTING  end-of-file on the sync socket: execve worked -> RUNNING, and
 *             PID (EXEC) goes out; OK (START) once the init has settled
 *             (AGENT_SETTLE_MS).  FAILED: ERROR with 127/126; init then
 *             still gets its EXIT, an EXEC'd process does not.
 *   RUNNING   output is read and sent as STDOUT / STDERR.
 *
 * EXIT goes out once the child is reaped, its sync socket is closed and its
 * output is drained (pipes read until empty after the reap, a terminal until
 * EIO or AGENT_PTY_GRACE_MS), so it follows every byte the process wrote and
 * every reply about it.  Nothing about a process is sent after its EXIT.
 *
 * An init process moves its container on (enum agent_container_state):
 * READY at READY, with its namespaces opened for EXEC (ns.c); at its end
 * STOPPED, or FAILED when CREATE failed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "guest/agent/agent.h"
#include "guest/proto/buf.h"
#include "guest/proto/guest.h"
#include "oci/spec.h"

enum agent_proc_state {
	AGENT_PROC_SETUP,
	AGENT_PROC_CREATED,
	AGENT_PROC_STARTING,
	AGENT_PROC_RUNNING,
	AGENT_PROC_FAILED,
};

/* STDIN bytes consumed before a STDIN_WINDOW goes back even though more are queued. */
#define AGENT_WINDOW_BATCH (32u << 10)
/*
 * A terminal hands the slave's writes to the master asynchronously: after
 * the reap its output is complete at EIO (slave closed everywhere), or
 * after this long when a background process keeps the slave open.
 */
#define AGENT_PTY_GRACE_MS 200
/*
 * START is answered once the init has set itself up (it handles SIGTERM,
 * or waits), so that a signal sent right after start is not
 * dropped by the kernel for a pid namespace's init without a handler; at
 * the latest this long after execve.  The process is looked at this often.
 */
#define AGENT_SETTLE_MS	     1000
#define AGENT_SETTLE_POLL_MS 5
struct agent_process {
	struct agent_process *next;
	uint32_t id;
	struct agent_container *ctr; /* the container it runs in */
	pid_t pid;
	enum agent_proc_state state;
	bool is_init;
	bool terminal;
	uint32_t tag;	  /* the request whose reply waits on this process, 0 when none */
	uint16_t request; /* its type */
	int sync_fd;
	int in_fd;  /* stdin pipe, or a duplicate of the pty master */
	int out_fd; /* stdout pipe, or the pty master */
	int err_fd; /* stderr pipe; -1 with a terminal */
	struct proto_buf in_q;
	bool in_close;	    /* STDIN_CLOSE seen: close once in_q is written */
	uint32_t in_credit; /* STDIN bytes handed over, not yet returned to the host */
	uint64_t settle_ns; /* after execve, START waits for the init until then; 0: not waiting */
	bool reaped;
	uint64_t reaped_ns; /* vs_now_ns() at the reap */
	int wstatus;
	bool report_exit; /* send EXIT at the end */
};

/*
 * Forks process id of container ctr running proc; for init (is_init) the
 * container's namespaces and file systems are made in the child, otherwise
 * it joins those of the init process.  tag / request: the request answered
 * once the child is ready (or failed).
 */
struct agent_process *agent_process_spawn(struct agent *a, struct agent_container *ctr, uint32_t id,
					  const struct oci_process *proc, bool is_init,
					  uint32_t tag, uint16_t request, struct vs_error **err);

struct agent_process *agent_process_find(struct agent *a, uint32_t id);
/* The process with guest pid pid that is not reaped yet, or NULL. */
struct agent_process *agent_process_find_pid(struct agent *a, pid_t pid);
/* Tells the init process to execve (START). */
int agent_process_start(struct agent *a, struct agent_process *p, uint32_t tag,
			struct vs_error **err);

/* Requests about one process: SIGNAL (id > 0), RESIZE, TERMIOS, STDIN, STDIN_CLOSE. */
void agent_process_signal(struct agent *a, const struct proto_request *req);
void agent_process_resize(struct agent *a, const struct proto_request *req);
void agent_process_termios(struct agent *a, const struct proto_request *req);
void agent_process_stdin(struct agent *a, const struct proto_request *req);

/* A child ended (from waitpid); children the agent did not start are ignored. */
void agent_process_reaped(struct agent *a, pid_t pid, int wstatus);

/* poll() plumbing of the main loop. */
struct pollfd;
enum agent_fd_role {
	AGENT_FD_SYNC,
	AGENT_FD_IN,
	AGENT_FD_OUT,
	AGENT_FD_ERR,
};
/*
 * Adds the descriptors of every process to fds (room for 4 per process)
 * and records who owns each in procs / roles.  Output is polled only while
 * reading it is allowed (running, channel not congested).
 */
size_t agent_process_poll_fds(struct agent *a, struct pollfd *fds, struct agent_process **procs,
			      enum agent_fd_role *roles);
void agent_process_event(struct agent *a, struct agent_process *p, enum agent_fd_role role,
			 short revents);
/*
 * Work that needs no event: draining the output of reaped processes,
 * STDIN_WINDOW credit, EXIT and freeing of finished processes.
 */
void agent_process_service(struct agent *a);
size_t agent_process_count(const struct agent *a);
/* The poll() timeout the processes need: ms to the next pty grace deadline, or -1. */
int agent_process_timeout(const struct agent *a);
