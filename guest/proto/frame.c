/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void proto_frame_header_encode(uint8_t out[PROTO_HEADER_SIZE], uint16_t type, uint16_t flags,
			       uint32_t id, uint32_t tag, uint32_t len)
{
	put32(out, len);
	put16(out + 4, type);
	put16(out + 6, flags);
	put32(out + 8, id);
	put32(out + 12, tag);
}

void proto_frame_header_decode(const uint8_t in[PROTO_HEADER_SIZE], struct proto_frame *f)
{
	f->len = get32(in);
	f->type = get16(in + 4);
	f->flags = get16(in + 6);
	f->id = get32(in + 8);
	f->tag = get32(in + 12);
}

void proto_frame_clear(struct proto_frame *f)
{
	free(f->payload);
	memset(f, 0, sizeof(*f));
}

/* The checks every header passes, on both the sending and the receiving side. */
static int check_header(uint16_t type, uint16_t flags, size_t len, enum proto_dir dir,
			struct vs_error **err)
{
	const struct proto_type_info *info = proto_type_info(type);

	if (info == NULL)
		return vs_error_set(err, 0, "unknown agent message type 0x%04x", type);
	if (info->dir != dir)
		return vs_error_set(err, 0, "agent message %s travels the other way", info->name);
	if (flags != 0)
		return vs_error_set(err, 0, "agent message %s has undefined flags 0x%04x",
				    info->name, flags);
	if (info->payload == PROTO_PAYLOAD_EMPTY && len != 0)
		return vs_error_set(err, 0,
				    "agent message %s carries %zu payload bytes, none allowed",
				    info->name, len);
	if (info->payload != PROTO_PAYLOAD_EMPTY && len == 0)
		return vs_error_set(err, 0, "agent message %s has an empty payload", info->name);
	if (len > info->max_payload)
		return vs_error_set(err, 0,
				    "agent message %s has %zu payload bytes, over its limit of %u",
				    info->name, len, info->max_payload);
	return 0;
}

int proto_frame_append(struct proto_buf *b, uint16_t type, uint32_t id, uint32_t tag,
		       const void *payload, size_t len, struct vs_error **err)
{
	const struct proto_type_info *info = proto_type_info(type);
	uint8_t header[PROTO_HEADER_SIZE];

	if (check_header(type, 0, len, info ? info->dir : PROTO_TO_GUEST, err) < 0)
		return -1;
	proto_frame_header_encode(header, type, 0, id, tag, (uint32_t)len);
	proto_buf_append(b, header, sizeof(header));
	proto_buf_append(b, payload, len);
	return 0;
}

void proto_decoder_init(struct proto_decoder *d, enum proto_dir accept)
{
	memset(d, 0, sizeof(*d));
	d->accept = accept;
}

void proto_decoder_clear(struct proto_decoder *d)
{
	proto_frame_clear(&d->cur);
	d->header_len = 0;
	d->got = 0;
}

/* A header just completed: check it and make room for the payload. */
static int start_frame(struct proto_decoder *d, struct vs_error **err)
{
	proto_frame_header_decode(d->header, &d->cur);
	if (check_header(d->cur.type, d->cur.flags, d->cur.len, d->accept, err) < 0)
		return -1;
	/* Bounded by check_header(): at most PROTO_MAX_PAYLOAD + 1 bytes. */
	if (d->cur.len > 0)
		d->cur.payload = vs_xmalloc((size_t)d->cur.len + 1);
	d->got = 0;
	return 0;
}

ssize_t proto_decoder_feed(struct proto_decoder *d, const void *data, size_t len,
			   struct proto_frame *out, struct vs_error **err)
{
	const uint8_t *p = data;
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	if (d->failed)
		return vs_error_set(err, 0, "the agent channel is out of step after an error");
	while (used < len) {
		if (d->header_len < PROTO_HEADER_SIZE) {
			size_t n = PROTO_HEADER_SIZE - d->header_len;

			if (n > len - used)
				n = len - used;
			memcpy(d->header + d->header_len, p + used, n);
			d->header_len += n;
			used += n;
			if (d->header_len < PROTO_HEADER_SIZE)
				break;
			if (start_frame(d, err) < 0) {
				d->failed = true;
				proto_decoder_clear(d);
				return -1;
			}
		} else {
			size_t n = d->cur.len - d->got;

			if (n > len - used)
				n = len - used;
			memcpy(d->cur.payload + d->got, p + used, n);
			d->got += n;
			used += n;
		}
		if (d->got == d->cur.len) {
			if (d->cur.payload != NULL)
				d->cur.payload[d->cur.len] = '\0';
			*out = d->cur;
			memset(&d->cur, 0, sizeof(d->cur));
			d->header_len = 0;
			d->got = 0;
			break;
		}
	}
	return (ssize_t)used;
}
