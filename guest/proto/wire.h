/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent protocol on the wire: the frame header, the message types and
 * every limit.  docs/agent-protocol.md describes the same thing for people;
 * keep the two in step.
 *
 * A frame is a 16-byte little-endian header followed by `length` payload
 * bytes:
 *
 *   offset  size  field
 *        0     4  length   payload bytes, at most the type's limit
 *        4     2  type     enum proto_type
 *        6     2  flags    reserved, must be 0
 *        8     4  id       process id (1 = the container's init, 0 = none/all)
 *       12     4  tag      request tag chosen by the host; replies echo it,
 *                          0 on everything else
 *
 * Control payloads are UTF-8 JSON objects; STDIN, STDOUT and STDERR payloads
 * are raw bytes.  Types 0x01xx travel host -> guest, 0x02xx guest -> host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bumped on every incompatible change; HELLO carries it. */
#define PROTO_VERSION 3

#define PROTO_HEADER_SIZE 16u
/* No payload is ever larger, whatever its type. */
#define PROTO_MAX_PAYLOAD (1u << 20)
/* STDIN, STDOUT and STDERR chunks. */
#define PROTO_MAX_STDIO (64u << 10)
/* JSON payloads other than CREATE, EXEC, NETWORK and PS_REPLY. */
#define PROTO_MAX_CONTROL (64u << 10)
/* Nesting of any JSON payload. */
#define PROTO_MAX_JSON_DEPTH 8
/* Strings inside control messages: error messages, container ids, tags, file names. */
#define PROTO_MAX_STRING 4096u
/* Pids in one PS_REPLY. */
#define PROTO_MAX_PIDS 65536u
/* The kernel's PID_MAX_LIMIT: no guest pid is larger. */
#define PROTO_PID_MAX 4194304u
/* STDIN bytes the host may have in flight per process before a STDIN_WINDOW credit. */
#define PROTO_STDIN_WINDOW_SIZE (256u << 10)
/* The latest wall-clock second CLOCK may set: the year 10000. */
#define PROTO_CLOCK_MAX_SEC 253402300800LL
/* The process id of the container's init process. */
#define PROTO_INIT_ID 1u

enum proto_type {
	/* host -> guest: requests (tag != 0, one reply each) */
	PROTO_CREATE = 0x0101,
	PROTO_START = 0x0102,
	PROTO_EXEC = 0x0103,
	PROTO_SIGNAL = 0x0104,
	PROTO_RESIZE = 0x0105,
	PROTO_PS = 0x0106,
	PROTO_SHUTDOWN = 0x0107,
	PROTO_TERMIOS = 0x0108,
	PROTO_NETWORK = 0x0109,
	PROTO_CLOCK = 0x010A,
	/* host -> guest: stream data (tag 0, no reply) */
	PROTO_STDIN = 0x0120,
	PROTO_STDIN_CLOSE = 0x0121,

	/* guest -> host: replies (tag of the request) */
	PROTO_HELLO = 0x0201, /* unsolicited, always the first guest frame */
	PROTO_OK = 0x0202,
	PROTO_PID = 0x0203,
	PROTO_PS_REPLY = 0x0204,
	PROTO_ERROR = 0x0205, /* a reply, or unsolicited with tag 0 */
	/* guest -> host: per-process events (tag 0) */
	PROTO_STDOUT = 0x0220,
	PROTO_STDERR = 0x0221,
	PROTO_EXIT = 0x0222,
	PROTO_STDIN_WINDOW = 0x0223,
};

enum proto_dir {
	PROTO_TO_GUEST = 1,
	PROTO_TO_HOST = 2,
};

enum proto_payload {
	PROTO_PAYLOAD_EMPTY, /* length must be 0 */
	PROTO_PAYLOAD_JSON,  /* a JSON object */
	PROTO_PAYLOAD_RAW,   /* bytes, at least one */
};

struct proto_type_info {
	uint16_t type;
	const char *name; /* "CREATE" */
	enum proto_dir dir;
	enum proto_payload payload;
	uint32_t max_payload;
	bool request; /* host request expecting one reply */
};

/* The description of type, or NULL when no such type exists. */
const struct proto_type_info *proto_type_info(uint16_t type);
/* "CREATE", or "0x1234" in a static buffer for unknown types (for logs). */
const char *proto_type_name(uint16_t type);
