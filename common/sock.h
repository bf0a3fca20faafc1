/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unix sockets by path, and descriptors passed over them.  Paths longer than sun_path (108 bytes: a
 * containerd state directory with a 64-character ID is longer) are reached
 * through /proc/self/fd/N/NAME, N being an O_PATH descriptor of the directory.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Descriptors one message carries, at most. */
#define VS_MAX_PASSED_FDS 4

/* A listening socket bound at path (an existing socket file there is replaced). */
int vs_unix_listen(const char *path, int backlog, struct vs_error **err);
/* A connected socket; close-on-exec. */
int vs_unix_connect(const char *path, struct vs_error **err);
/* The same for SOCK_SEQPACKET sockets: messages keep their boundaries. */
int vs_unix_listen_seqpacket(const char *path, int backlog, struct vs_error **err);
int vs_unix_connect_seqpacket(const char *path, struct vs_error **err);

/* One message with n_fds (at most VS_MAX_PASSED_FDS) descriptors; -1 with errno. */
ssize_t vs_send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds);
/*
 * One message; *n_fds is the room of fds on entry and the count received on
 * return (close-on-exec).  A truncated message or descriptor list is -1 with
 * EMSGSIZE, and nothing received stays open.
 */
ssize_t vs_recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t *n_fds);
