/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The private line between the agent and a child it forked, until the
 * child's execve: a SOCK_SEQPACKET pair whose child end is close-on-exec,
 * so end-of-file after START (or after READY for EXEC) means the execve
 * succeeded.
 *
 *   child -> agent  READY   set up; carries the pty master when the process
 *                           has a terminal
 *   child -> agent  FAILED  set-up or execve failed (message, errno, status)
 *   agent -> child  START   execve now (the init process only)
 */
#pragma once

#include <stdint.h>

#include "common/error.h"

enum agent_sync_kind {
	AGENT_SYNC_READY = 1,
	AGENT_SYNC_FAILED,
	AGENT_SYNC_START,
};

struct agent_sync_msg {
	int32_t kind;
	int32_t errnum;
	int32_t status; /* FAILED: the exit status it stands for (127, 126, 1) */
	char message[1024];
};

/* Sends msg, with fd attached when fd >= 0. */
int agent_sync_send(int sock, const struct agent_sync_msg *msg, int fd, struct vs_error **err);
/*
 * Receives one message: 1 with *msg (and *fd, -1 when none came), 0 at
 * end-of-file, -1 with err set (EAGAIN when nothing is there yet).
 */
int agent_sync_recv(int sock, struct agent_sync_msg *msg, int *fd, struct vs_error **err);
