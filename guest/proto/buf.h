/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A byte queue: frames are appended at the end and written out from the
 * front.  Both ends of the channel keep their outbound frames in one.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

struct proto_buf {
	uint8_t *data;
	size_t head; /* first byte not yet written out */
	size_t len;  /* end of the queued bytes */
	size_t cap;
};

#define PROTO_BUF_INIT        \
	{                     \
		NULL, 0, 0, 0 \
	}

void proto_buf_append(struct proto_buf *b, const void *data, size_t n);
/* Bytes queued and not yet consumed. */
static inline size_t proto_buf_pending(const struct proto_buf *b)
{
	return b->len - b->head;
}
static inline const uint8_t *proto_buf_peek(const struct proto_buf *b)
{
	return b->data + b->head;
}
/* Drops n bytes from the front (n <= pending). */
void proto_buf_consume(struct proto_buf *b, size_t n);
void proto_buf_clear(struct proto_buf *b);

/*
 * Writes as much of the queue to fd as it takes; for non-blocking fds
 * EAGAIN stops the loop without an error.  Returns the bytes still
 * pending, or -1 (the peer is gone: EPIPE, ECONNRESET, ...).
 */
ssize_t proto_buf_write(struct proto_buf *b, int fd, struct vs_error **err);
