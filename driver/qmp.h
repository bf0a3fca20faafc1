/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client: one connection to a QEMU monitor in control mode.
 *
 * QMP is newline-delimited JSON (QEMU's default `pretty=off`): a greeting,
 * then replies matched to commands by "id", and asynchronous events.  QEMU,
 * and through it the guest, is untrusted: a message longer than
 * DRV_QMP_MAX_MESSAGE, nested deeper than DRV_QMP_MAX_DEPTH, not JSON, not an
 * object, or with a malformed "id" is an error, and every wait has a timeout.
 * After EOF or a protocol error the connection is dead: every later call
 * fails (events queued before that can still be popped).
 *
 * One command is in flight at a time; events read meanwhile are queued (at
 * most DRV_QMP_MAX_EVENTS; the oldest OTHER event is dropped first).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "common/error.h"

#define DRV_QMP_MAX_MESSAGE (1024 * 1024) /* bytes in one line, newline excluded */
#define DRV_QMP_MAX_DEPTH   128		  /* nesting of arrays and objects */
#define DRV_QMP_MAX_EVENTS  64		  /* queued, not yet popped */

struct drv_qmp;

enum drv_qmp_event_type {
	DRV_QMP_EVENT_OTHER,
	DRV_QMP_EVENT_SHUTDOWN,
	DRV_QMP_EVENT_STOP,
	DRV_QMP_EVENT_RESUME,
	DRV_QMP_EVENT_RESET,
	DRV_QMP_EVENT_GUEST_PANICKED,
};

struct drv_qmp_event {
	enum drv_qmp_event_type type;
	char name[64]; /* "SHUTDOWN", ... (truncated if longer) */
	/*
	 * SHUTDOWN and RESET: data.reason ("guest-shutdown", "guest-reset",
	 * "host-qmp-quit", ...); GUEST_PANICKED: data.action ("pause",
	 * "poweroff", "run"); "" otherwise or when absent.
	 */
	char reason[64];
	bool guest;		   /* data.guest of SHUTDOWN and RESET */
	long long ts_sec, ts_usec; /* QEMU's timestamp, -1 when absent */
};

/* Takes ownership of fd, a connected stream socket; makes it non-blocking. */
struct drv_qmp *drv_qmp_new(int fd);
/* Closes the connection; NULL is allowed. */
void drv_qmp_free(struct drv_qmp *q);

static inline void drv_qmp_freep(struct drv_qmp **q)
{
	drv_qmp_free(*q);
}
#define cleanup_qmp __attribute__((cleanup(drv_qmp_freep)))

/* The descriptor to poll for POLLIN; call drv_qmp_read() when it is readable. */
int drv_qmp_fd(const struct drv_qmp *q);

/*
 * Reads the greeting, sends qmp_capabilities and waits for its reply, all
 * within timeout_ms.  After drv_qmp_handshake_begin() it only waits for
 * what is still missing.  Calling it again after success does nothing.
 */
int drv_qmp_handshake(struct drv_qmp *q, int timeout_ms, struct vs_error **err);

/*
 * Sends qmp_capabilities at once, before the greeting has come (QEMU reads
 * a monitor's input only after it has sent its greeting), so that the
 * handshake needs no round trip of ours: a QEMU that is still starting
 * answers it as soon as its main loop runs.  The greeting and the reply are
 * taken in by drv_qmp_read() (a poll loop's) or drv_qmp_handshake() (a
 * wait), whichever comes first; an error reply kills the connection.
 */
int drv_qmp_handshake_begin(struct drv_qmp *q, struct vs_error **err);
/* Whether the handshake is complete: commands may be sent. */
bool drv_qmp_ready(const struct drv_qmp *q);

/*
 * Runs command with arguments_json (NULL, or the text of a JSON object) and
 * waits up to timeout_ms for its reply.  On success *ret (when ret is not
 * NULL) is the reply's "return" value, which the caller frees with
 * yajl_tree_free().  An error reply fails with
 * "QMP command `NAME` failed: CLASS: DESC".  No reply in time fails with
 * errnum ETIMEDOUT; the connection stays usable (a late reply is skipped).
 * A negative timeout_ms counts as 0.
 */
int drv_qmp_command(struct drv_qmp *q, const char *command, const char *arguments_json,
		    int timeout_ms, yajl_val *ret, struct vs_error **err);

/*
 * Consumes what is readable now without blocking and queues the events.
 * Returns 0, or -1 at EOF ("QEMU closed the monitor connection") or on a
 * protocol error.
 */
int drv_qmp_read(struct drv_qmp *q, struct vs_error **err);

/* Pops the oldest queued event into *ev; false when there is none. */
bool drv_qmp_next_event(struct drv_qmp *q, struct drv_qmp_event *ev);

/*
 * Builds the arguments object of a command, escaping every string:
 *
 *	cleanup_qmp_args struct drv_qmp_args *a = drv_qmp_args_new();
 *	drv_qmp_args_str(a, "device", "vport0");
 *	drv_qmp_args_bool(a, "force", true);
 *	json = drv_qmp_args_json(a, err); // owned by a
 */
struct drv_qmp_args;

struct drv_qmp_args *drv_qmp_args_new(void);
void drv_qmp_args_free(struct drv_qmp_args *a);
void drv_qmp_args_str(struct drv_qmp_args *a, const char *key, const char *value);
void drv_qmp_args_int(struct drv_qmp_args *a, const char *key, long long value);
void drv_qmp_args_bool(struct drv_qmp_args *a, const char *key, bool value);
/*
 * Closes the object and returns its text, valid until drv_qmp_args_free();
 * NULL with err set when a key or value was not valid UTF-8.  Adding after
 * this call is not allowed.
 */
const char *drv_qmp_args_json(struct drv_qmp_args *a, struct vs_error **err);

static inline void drv_qmp_args_freep(struct drv_qmp_args **a)
{
	drv_qmp_args_free(*a);
}
#define cleanup_qmp_args __attribute__((cleanup(drv_qmp_args_freep)))
