/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frames: the encoder, and an incremental decoder that takes bytes as they
 * arrive and hands out complete frames.
 *
 * The decoder holds at most one frame (header plus payload, bounded by the
 * type's limit from wire.h) and checks each header as soon as its 16 bytes
 * are in: an unknown type, a type travelling the wrong way, non-zero flags,
 * a payload over the type's limit, a payload where none belongs or a
 * missing one are errors.  After an error the stream is out of step and the
 * decoder refuses everything; the channel must be dropped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "guest/proto/buf.h"
#include "guest/proto/wire.h"

struct proto_frame {
	uint16_t type; /* 0 when no frame */
	uint16_t flags;
	uint32_t id;
	uint32_t tag;
	uint32_t len;
	uint8_t *payload; /* owned, len bytes plus a NUL; NULL when len == 0 */
};

void proto_frame_clear(struct proto_frame *f);

/*
 * Appends one frame to b.  The type must be known and len within its
 * limit, else b is left alone and an error is returned (a programming
 * error on the sending side, reported rather than sent).
 */
int proto_frame_append(struct proto_buf *b, uint16_t type, uint32_t id, uint32_t tag,
		       const void *payload, size_t len, struct vs_error **err);

/* The 16 header bytes of a frame, and back. */
void proto_frame_header_encode(uint8_t out[PROTO_HEADER_SIZE], uint16_t type, uint16_t flags,
			       uint32_t id, uint32_t tag, uint32_t len);
void proto_frame_header_decode(const uint8_t in[PROTO_HEADER_SIZE], struct proto_frame *f);

struct proto_decoder {
	enum proto_dir accept; /* the direction of the frames this end receives */
	uint8_t header[PROTO_HEADER_SIZE];
	size_t header_len;
	struct proto_frame cur;
	size_t got; /* payload bytes of cur received so far */
	bool failed;
};

void proto_decoder_init(struct proto_decoder *d, enum proto_dir accept);
void proto_decoder_clear(struct proto_decoder *d);

/*
 * Consumes bytes of data, stopping right after the first frame that
 * completes: *out then holds it (the caller owns it and clears it) and
 * out->type is non-zero; otherwise out->type is 0.  Returns the number of
 * bytes consumed (call again with the rest), or -1 with err set.
 */
ssize_t proto_decoder_feed(struct proto_decoder *d, const void *data, size_t len,
			   struct proto_frame *out, struct vs_error **err);
