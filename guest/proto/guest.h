/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest end of the agent channel: typed decoding of host requests and
 * the encoders of every guest message.
 *
 * The encoders cannot fail: they clamp what they are given to the wire
 * limits (long messages are cut, output is split into chunks).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "common/error.h"
#include "guest/proto/buf.h"
#include "guest/proto/frame.h"
#include "guest/proto/host.h"
#include "guest/proto/wire.h"

/* One host message, checked; strings point into the parsed payload. */
struct proto_request {
	uint16_t type;
	uint32_t id;
	uint32_t tag;
	union {
		struct {
			const char *container_id;
			const char *config; /* the config.json text */
			size_t config_len;
			struct proto_bind *binds; /* owned array */
			size_t n_binds;
			bool has_network;	      /* the container shares the VM's network */
			struct proto_network network; /* owned: its NICs */
		} create;
		struct proto_network network; /* NETWORK, owned */
		struct {
			const char *process; /* the process JSON text */
			size_t len;
		} exec;
		int signo;
		struct {
			unsigned int rows, cols;
		} resize;
		bool onlcr; /* TERMIOS */
		struct {
			long long sec, nsec; /* CLOCK: the host's wall clock */
		} clock;
		struct {
			const uint8_t *data; /* into frame.payload */
			size_t len;
		} stdin_data;
	};
	yajl_val json;
	struct proto_frame frame;
};

/*
 * Checks frame f (taken over, even on failure) and fills req.  Requests
 * must have a tag, stream messages must not; ids must fit the type.
 */
int proto_guest_decode(struct proto_frame *f, struct proto_request *req, struct vs_error **err);
void proto_request_clear(struct proto_request *req);

void proto_guest_hello(struct proto_buf *b, const char *agent_version, double agent_ms,
		       double uptime_ms);
void proto_guest_ok(struct proto_buf *b, uint32_t tag, uint32_t id);
void proto_guest_pid(struct proto_buf *b, uint32_t tag, uint32_t id, uint32_t pid);
/* At most PROTO_MAX_PIDS pids are sent. */
void proto_guest_ps(struct proto_buf *b, uint32_t tag, const uint32_t *pids, size_t n);
/*
 * An ERROR: a reply when tag != 0, a notice otherwise.  errnum is errno,
 * status the exit status the failure stands for (127, 126) or 0.
 */
void proto_guest_error(struct proto_buf *b, uint32_t tag, uint32_t id, int errnum, int status,
		       const char *message);
/* STDOUT or STDERR of process id, in chunks of at most PROTO_MAX_STDIO bytes. */
void proto_guest_output(struct proto_buf *b, uint16_t type, uint32_t id, const void *data,
			size_t len);
/* EXIT: status is the exit code, or 128 + signo when signo != 0. */
void proto_guest_exit(struct proto_buf *b, uint32_t id, int status, int signo);
void proto_guest_window(struct proto_buf *b, uint32_t id, uint32_t bytes);
