/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unix stream sockets by path.  Paths longer than sun_path (108 bytes: a
 * containerd state directory with a 64-character ID is longer) are reached
 * through /proc/self/fd/N/NAME, N being an O_PATH descriptor of the directory.
 */
#pragma once

#include "common/error.h"

/* A listening socket bound at path (an existing socket file there is replaced). */
int vs_unix_listen(const char *path, int backlog, struct vs_error **err);
/* A connected socket; close-on-exec. */
int vs_unix_connect(const char *path, struct vs_error **err);
