/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scripted fake QMP peer (the idea of libvirt's qemumonitortestutils): a
 * forked child plays QEMU's side of a socketpair, step by step, and exits 0
 * only when every expectation held.  "$ID" in a SEND step is replaced by the
 * id of the command the last EXPECT step read.  When the script ends without
 * CLOSE, the peer waits for the client to close its end.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

enum peer_op {
	PEER_END,
	PEER_SEND,     /* text, written in one write() */
	PEER_SEND_RAW, /* n bytes of text as they are (NULs included), in one write() */
	PEER_EXPECT,   /* read one line; it must contain text */
	PEER_SLEEP,    /* n milliseconds */
	PEER_CLOSE,    /* close the socket and stop */
	PEER_FLOOD,    /* n bytes of 'x' and no newline; stops quietly when the client hangs up */
};

struct peer_step {
	enum peer_op op;
	const char *text;
	size_t n;
};

/* clang-format off */
#define SEND(s)        { PEER_SEND, (s), 0 }
#define SEND_RAW(s, n) { PEER_SEND_RAW, (s), (n) }
#define EXPECT(s)      { PEER_EXPECT, (s), 0 }
#define SLEEP(ms)      { PEER_SLEEP, NULL, (ms) }
#define PEER_HANGUP    { PEER_CLOSE, NULL, 0 }
#define FLOOD(n)       { PEER_FLOOD, NULL, (n) }
#define END            { PEER_END, NULL, 0 }
/* clang-format on */

#define GREETING_TEXT                                                                     \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, " \
	"\"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define GREETING SEND(GREETING_TEXT)
/* Greeting, qmp_capabilities and its reply: what drv_qmp_handshake() needs. */
#define HANDSHAKE                                                                  \
	GREETING, EXPECT("{\"execute\":\"qmp_capabilities\",\"id\":\"vshim-1\"}"), \
	    SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n")

struct fake_peer {
	pid_t pid;
	int fd; /* the client's end, for drv_qmp_new() */
};

/* Starts the peer; aborts the test on failure.  p->fd is the client's end. */
void fake_peer_start(struct fake_peer *p, const struct peer_step *script);
/* Waits for the peer; returns its exit status (0: the script passed). */
int fake_peer_finish(struct fake_peer *p);
