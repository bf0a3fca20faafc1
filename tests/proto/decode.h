/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's decoding of one host frame, for the protocol tests. */
#pragma once

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "guest/proto/guest.h"

/*
 * Decodes the single frame queued in b as the agent does and empties b;
 * returns 0, or -1 with *msg (malloc'd) and r cleared.
 */
static inline int test_guest_decode(struct proto_buf *b, struct proto_request *r, char **msg)
{
	struct proto_decoder d;
	struct proto_frame f;
	struct vs_error *err = NULL;
	int ret;

	proto_decoder_init(&d, PROTO_TO_GUEST);
	cr_assert_eq(proto_decoder_feed(&d, proto_buf_peek(b), proto_buf_pending(b), &f, NULL),
		     (ssize_t)proto_buf_pending(b));
	cr_assert_neq(f.type, 0);
	ret = proto_guest_decode(&f, r, &err);
	if (ret < 0) {
		*msg = strdup(err->msg);
		vs_error_free(err);
		proto_request_clear(r);
	}
	proto_decoder_clear(&d);
	proto_buf_clear(b);
	return ret;
}
