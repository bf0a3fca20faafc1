/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminals of processes with process.terminal: the pair is allocated
 * inside the container (its own devpts instance, so ttyname() and `tty`
 * work there), the slave becomes the controlling terminal and stdio of
 * the process, and the master goes to the agent over the sync socket.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/*
 * Opens a new pair from the container's /dev/pts/ptmx (or /dev/ptmx); the
 * slave is given to uid and sized rows x cols when both are non-zero.
 */
int agent_pty_open(uid_t uid, unsigned int rows, unsigned int cols, int *master, int *slave,
		   struct vs_error **err);
/* In the child, after setsid(): slave becomes the controlling terminal and fds 0, 1, 2. */
int agent_pty_attach(int slave, struct vs_error **err);
int agent_pty_resize(int fd, unsigned int rows, unsigned int cols, struct vs_error **err);
/* Output newlines become CR-NL (ONLCR) or stay as written, as the host's end says. */
int agent_pty_set_onlcr(int fd, bool on, struct vs_error **err);
/* Writes the end-of-file character when the terminal is in canonical mode; else nothing. */
int agent_pty_send_eof(int master, struct vs_error **err);
