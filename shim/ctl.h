/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's control socket, STATE/ctl.sock: how the short-lived CLI
 * calls talk to the monitor of a container.
 *
 * SOCK_SEQPACKET: one message is one JSON object of at most CTL_MAX_MSG
 * bytes, possibly with descriptors (SCM_RIGHTS).  A call connects, sends one
 * request {"op": ..., ...} and reads one reply: {"ok": true, ...} or
 * {"error": MESSAGE}.  `exec` keeps its connection: after the reply
 * ({"ok": true, "pid": N}) the monitor sends {"exit": STATUS} when the
 * process ends, and the caller may send {"op": "signal", "signal": N} and
 * {"op": "resize", "rows": R, "cols": C} meanwhile; the caller closing the
 * connection kills the process.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/error.h"
#include "guest/proto/json.h"

#define CTL_MAX_MSG (192u << 10)
#define CTL_SOCKET  "ctl.sock"

/*
 * A message is built with the agent protocol's JSON writer: proto_json_begin()
 * opens the object, proto_json_put_int/bool() and ctl_put_str() add members.
 */
void ctl_put_str(yajl_gen g, const char *key, const char *value);
/* Closes the object, sends it with fds, frees g. */
int ctl_send(int sock, yajl_gen g, const int *fds, size_t n_fds, struct vs_error **err);
/* {"error": message} */
int ctl_send_error(int sock, const char *message);

/*
 * Receives one message.  Returns the parsed object, or NULL: with err set on
 * a failure or a message that is not a JSON object, without on end of file.
 * fds/n_fds as vs_recv_with_fds() (fds may be NULL when none are expected).
 */
yajl_val ctl_recv(int sock, int *fds, size_t *n_fds, struct vs_error **err);

/* Members of a received object, or the fallback when absent or of another type. */
const char *ctl_get_str(yajl_val msg, const char *key);
long long ctl_get_int(yajl_val msg, const char *key, long long fallback);
bool ctl_get_bool(yajl_val msg, const char *key);

/*
 * Connects to the monitor of the container in dir.  A monitor that is gone
 * is "container `ID` is not running" (the phrase clients match is
 * "container not running": see shim_not_running()).
 */
int ctl_connect(const char *dir, const char *id, struct vs_error **err);
/*
 * One request and its reply on a new connection (closed afterwards unless
 * sock is not NULL, where it is returned open).  A reply {"error": M} is an
 * error with message M.  Returns the reply (the caller frees it).
 */
yajl_val ctl_call(const char *dir, const char *id, yajl_gen request, const int *fds, size_t n_fds,
		  int *sock, struct vs_error **err);
