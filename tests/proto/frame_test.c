/* SPDX-License-Identifier: Apache-2.0 */
/* The frame encoder and the incremental decoder. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "guest/proto/frame.h"

struct frames {
	struct proto_frame f[64];
	size_t n;
};

/* Feeds len bytes in chunks of `step` (0: all at once); returns -1 at the first error. */
static int feed(struct proto_decoder *d, const uint8_t *p, size_t len, size_t step,
		struct frames *out, struct vs_error **err)
{
	size_t off = 0;

	while (off < len) {
		size_t n = step == 0 || len - off < step ? len - off : step;
		size_t used = 0;

		while (used < n) {
			struct proto_frame f;
			ssize_t r = proto_decoder_feed(d, p + off + used, n - used, &f, err);

			if (r < 0)
				return -1;
			cr_assert(r > 0 || f.type != 0, "the decoder made no progress");
			used += (size_t)r;
			if (f.type != 0) {
				cr_assert_lt(out->n, 64);
				out->f[out->n++] = f;
			}
		}
		off += n;
	}
	return 0;
}

static void clear_frames(struct frames *fr)
{
	for (size_t i = 0; i < fr->n; i++)
		proto_frame_clear(&fr->f[i]);
	fr->n = 0;
}

/* A guest-bound stream with one frame of every host message type. */
static void host_stream(struct proto_buf *b)
{
	static const char json[] = "{\"signal\":9}";
	uint8_t bytes[300];

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)i; /* NULs and high bytes: stdio is binary */
	cr_assert_eq(proto_frame_append(b, PROTO_START, 1, 7, NULL, 0, NULL), 0);
	cr_assert_eq(proto_frame_append(b, PROTO_STDIN, 2, 0, bytes, sizeof(bytes), NULL), 0);
	cr_assert_eq(proto_frame_append(b, PROTO_SIGNAL, 0, 0xffffffffu, json, strlen(json), NULL),
		     0);
	cr_assert_eq(proto_frame_append(b, PROTO_STDIN_CLOSE, 0xfffffffeu, 0, NULL, 0, NULL), 0);
}

static void check_host_stream(const struct frames *fr)
{
	cr_assert_eq(fr->n, 4);
	cr_assert_eq(fr->f[0].type, PROTO_START);
	cr_assert_eq(fr->f[0].id, 1);
	cr_assert_eq(fr->f[0].tag, 7);
	cr_assert_eq(fr->f[0].len, 0);
	cr_assert_null(fr->f[0].payload);
	cr_assert_eq(fr->f[1].type, PROTO_STDIN);
	cr_assert_eq(fr->f[1].len, 300);
	for (size_t i = 0; i < 300; i++)
		cr_assert_eq(fr->f[1].payload[i], (uint8_t)i);
	cr_assert_eq(fr->f[2].type, PROTO_SIGNAL);
	cr_assert_eq(fr->f[2].tag, 0xffffffffu);
	cr_assert_str_eq((char *)fr->f[2].payload, "{\"signal\":9}");
	cr_assert_eq(fr->f[3].type, PROTO_STDIN_CLOSE);
	cr_assert_eq(fr->f[3].id, 0xfffffffeu);
}

Test(frame, header_is_little_endian)
{
	uint8_t h[PROTO_HEADER_SIZE];
	struct proto_frame f;
	static const uint8_t want[PROTO_HEADER_SIZE] = { 0x04, 0x03, 0x02, 0x01, 0x20, 0x02,
							 0,    0,    0x78, 0x56, 0x34, 0x12,
							 0xef, 0xbe, 0xad, 0xde };

	proto_frame_header_encode(h, PROTO_STDOUT, 0, 0x12345678u, 0xdeadbeefu, 0x01020304u);
	cr_assert_arr_eq(h, want, sizeof(want));
	proto_frame_header_decode(h, &f);
	cr_assert_eq(f.len, 0x01020304u);
	cr_assert_eq(f.type, PROTO_STDOUT);
	cr_assert_eq(f.id, 0x12345678u);
	cr_assert_eq(f.tag, 0xdeadbeefu);
}

Test(frame, round_trip_all_at_once)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_decoder d;
	struct frames fr = { 0 };

	host_stream(&b);
	proto_decoder_init(&d, PROTO_TO_GUEST);
	cr_assert_eq(feed(&d, proto_buf_peek(&b), proto_buf_pending(&b), 0, &fr, NULL), 0);
	check_host_stream(&fr);
	clear_frames(&fr);
	proto_decoder_clear(&d);
	proto_buf_clear(&b);
}

Test(frame, round_trip_byte_by_byte_and_odd_chunks)
{
	static const size_t steps[] = { 1, 2, 3, 5, 15, 16, 17, 100, 333 };

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct proto_buf b = PROTO_BUF_INIT;
		struct proto_decoder d;
		struct frames fr = { 0 };

		host_stream(&b);
		proto_decoder_init(&d, PROTO_TO_GUEST);
		cr_assert_eq(
		    feed(&d, proto_buf_peek(&b), proto_buf_pending(&b), steps[s], &fr, NULL), 0,
		    "step %zu", steps[s]);
		check_host_stream(&fr);
		clear_frames(&fr);
		proto_decoder_clear(&d);
		proto_buf_clear(&b);
	}
}

Test(frame, many_frames_in_one_buffer)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_decoder d;
	struct frames fr = { 0 };

	for (uint32_t i = 0; i < 64; i++) {
		char c = (char)('a' + i % 26);

		cr_assert_eq(proto_frame_append(&b, PROTO_STDOUT, i + 1, 0, &c, 1, NULL), 0);
	}
	proto_decoder_init(&d, PROTO_TO_HOST);
	cr_assert_eq(feed(&d, proto_buf_peek(&b), proto_buf_pending(&b), 0, &fr, NULL), 0);
	cr_assert_eq(fr.n, 64);
	for (uint32_t i = 0; i < 64; i++) {
		cr_assert_eq(fr.f[i].id, i + 1);
		cr_assert_eq(fr.f[i].payload[0], 'a' + i % 26);
	}
	clear_frames(&fr);
	proto_decoder_clear(&d);
	proto_buf_clear(&b);
}

/* Feeds one raw header (and no payload) to a fresh decoder; returns the error message. */
static char *header_error(enum proto_dir dir, uint16_t type, uint16_t flags, uint32_t len)
{
	uint8_t h[PROTO_HEADER_SIZE];
	struct proto_decoder d;
	struct proto_frame f;
	struct vs_error *err = NULL;
	char *msg;

	proto_frame_header_encode(h, type, flags, 1, 0, len);
	proto_decoder_init(&d, dir);
	cr_assert_eq(proto_decoder_feed(&d, h, sizeof(h), &f, &err), -1);
	cr_assert_not_null(err);
	cr_assert_eq(err->errnum, 0, "protocol errors carry no errno");
	msg = strdup(err->msg);
	vs_error_free(err);
	/* Out of step from now on: even a valid frame is refused. */
	proto_frame_header_encode(h, PROTO_STDIN_CLOSE, 0, 1, 0, 0);
	err = NULL;
	cr_assert_eq(proto_decoder_feed(&d, h, sizeof(h), &f, &err), -1);
	vs_error_free(err);
	proto_decoder_clear(&d);
	return msg;
}

Test(frame, rejects_bad_headers)
{
	char *m;

	m = header_error(PROTO_TO_HOST, PROTO_STDOUT, 0, PROTO_MAX_STDIO + 1);
	cr_assert(strstr(m, "STDOUT has 65537 payload bytes, over its limit of 65536"), "%s", m);
	free(m);
	m = header_error(PROTO_TO_GUEST, PROTO_CREATE, 0, PROTO_MAX_PAYLOAD + 1);
	cr_assert(strstr(m, "over its limit of 1048576"), "%s", m);
	free(m);
	m = header_error(PROTO_TO_HOST, PROTO_ERROR, 0, 0xffffffffu);
	cr_assert(strstr(m, "over its limit"), "%s", m);
	free(m);
	m = header_error(PROTO_TO_HOST, 0x0299, 0, 0);
	cr_assert_str_eq(m, "unknown agent message type 0x0299");
	free(m);
	m = header_error(PROTO_TO_HOST, 0, 0, 0);
	cr_assert_str_eq(m, "unknown agent message type 0x0000");
	free(m);
	m = header_error(PROTO_TO_HOST, PROTO_CREATE, 0, 10);
	cr_assert_str_eq(m, "agent message CREATE travels the other way");
	free(m);
	m = header_error(PROTO_TO_GUEST, PROTO_EXIT, 0, 10);
	cr_assert_str_eq(m, "agent message EXIT travels the other way");
	free(m);
	m = header_error(PROTO_TO_HOST, PROTO_STDOUT, 1, 10);
	cr_assert_str_eq(m, "agent message STDOUT has undefined flags 0x0001");
	free(m);
	m = header_error(PROTO_TO_HOST, PROTO_OK, 0, 2);
	cr_assert_str_eq(m, "agent message OK carries 2 payload bytes, none allowed");
	free(m);
	m = header_error(PROTO_TO_HOST, PROTO_STDERR, 0, 0);
	cr_assert_str_eq(m, "agent message STDERR has an empty payload");
	free(m);
	m = header_error(PROTO_TO_HOST, PROTO_EXIT, 0, 0);
	cr_assert_str_eq(m, "agent message EXIT has an empty payload");
	free(m);
}

Test(frame, partial_frame_is_held_not_returned)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_decoder d;
	struct proto_frame f;

	cr_assert_eq(proto_frame_append(&b, PROTO_STDERR, 3, 0, "hello", 5, NULL), 0);
	proto_decoder_init(&d, PROTO_TO_HOST);
	cr_assert_eq(proto_decoder_feed(&d, proto_buf_peek(&b), 20, &f, NULL), 20);
	cr_assert_eq(f.type, 0);
	cr_assert_eq(proto_decoder_feed(&d, proto_buf_peek(&b) + 20, 1, &f, NULL), 1);
	cr_assert_eq(f.type, PROTO_STDERR);
	cr_assert_eq(memcmp(f.payload, "hello", 6), 0, "payload is NUL-terminated");
	proto_frame_clear(&f);
	proto_decoder_clear(&d);
	proto_buf_clear(&b);
}

Test(frame, encoder_refuses_what_the_decoder_would)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct vs_error *err = NULL;
	static uint8_t big[PROTO_MAX_STDIO + 1];

	cr_assert_eq(proto_frame_append(&b, PROTO_STDOUT, 1, 0, big, sizeof(big), &err), -1);
	cr_assert(strstr(err->msg, "over its limit"));
	vs_error_release(&err);
	cr_assert_eq(proto_frame_append(&b, 0x7777, 1, 0, NULL, 0, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_frame_append(&b, PROTO_START, 1, 1, "x", 1, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_buf_pending(&b), 0, "nothing was queued");
	proto_buf_clear(&b);
}

/* xorshift: deterministic garbage. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

Test(frame, garbage_never_crashes_and_stays_bounded)
{
	uint32_t seed = 12345;

	for (int round = 0; round < 2000; round++) {
		uint8_t buf[256];
		size_t len = rnd(&seed) % sizeof(buf);
		struct proto_decoder d;
		size_t off = 0;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd(&seed);
		/* Half the rounds get a plausible header so payload paths run too. */
		if (round % 2 && len >= PROTO_HEADER_SIZE)
			proto_frame_header_encode(buf, PROTO_STDOUT, 0, 1, 0,
						  rnd(&seed) % (len - PROTO_HEADER_SIZE + 1));
		proto_decoder_init(&d, PROTO_TO_HOST);
		while (off < len) {
			struct proto_frame f;
			struct vs_error *err = NULL;
			ssize_t r = proto_decoder_feed(&d, buf + off, len - off, &f, &err);

			if (r < 0) {
				cr_assert_not_null(err);
				vs_error_free(err);
				break;
			}
			if (f.type != 0) {
				cr_assert_leq(f.len, PROTO_MAX_PAYLOAD);
				proto_frame_clear(&f);
			}
			off += (size_t)r;
		}
		proto_decoder_clear(&d);
	}
}

Test(buf, queue_consume_and_reuse)
{
	struct proto_buf b = PROTO_BUF_INIT;
	uint8_t chunk[1000];

	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 100; i++) {
		proto_buf_append(&b, chunk, sizeof(chunk));
		proto_buf_consume(&b, 900);
	}
	cr_assert_eq(proto_buf_pending(&b), 100 * 100);
	cr_assert_leq(b.cap, 32768, "consumed space is reused, cap %zu", b.cap);
	proto_buf_consume(&b, 1 << 20);
	cr_assert_eq(proto_buf_pending(&b), 0);
	proto_buf_clear(&b);
}
