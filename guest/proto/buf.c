/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

void proto_buf_append(struct proto_buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (b->head > 0 && b->head == b->len) {
		b->head = 0;
		b->len = 0;
	}
	if (b->cap - b->len < n && b->head > 0) {
		/* Reuse the consumed front before growing. */
		memmove(b->data, b->data + b->head, b->len - b->head);
		b->len -= b->head;
		b->head = 0;
	}
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap - b->len < n)
			cap *= 2;
		b->data = vs_xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

void proto_buf_consume(struct proto_buf *b, size_t n)
{
	if (n > b->len - b->head)
		n = b->len - b->head;
	b->head += n;
	if (b->head == b->len) {
		b->head = 0;
		b->len = 0;
	}
}

void proto_buf_clear(struct proto_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->head = b->len = b->cap = 0;
}

ssize_t proto_buf_write(struct proto_buf *b, int fd, struct vs_error **err)
{
	while (proto_buf_pending(b) > 0) {
		ssize_t n = write(fd, proto_buf_peek(b), proto_buf_pending(b));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return vs_error_set(err, errno, "cannot write to the agent channel");
		proto_buf_consume(b, (size_t)n);
	}
	return (ssize_t)proto_buf_pending(b);
}
