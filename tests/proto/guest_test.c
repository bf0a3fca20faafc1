/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's decoding of host requests, and the guest encoders' clamping. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "guest/proto/guest.h"
#include "guest/proto/host.h"
#include "decode.h"

static char *refused(uint16_t type, uint32_t id, uint32_t tag, const char *json)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_request r;
	char *msg = NULL;

	cr_assert_eq(proto_frame_append(&b, type, id, tag, json, json ? strlen(json) : 0, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), -1, "accepted %s", json ? json : "");
	return msg;
}

Test(guest, requests_from_the_host_encoders)
{
	struct proto_host *h = proto_host_new();
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_request r;
	uint32_t tag, id;
	char *msg = NULL;

	cr_assert_eq(proto_host_exec(h, &b, "{\"args\":[\"sh\"]}", 15, &id, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.type, PROTO_EXEC);
	cr_assert_eq(r.id, 2);
	cr_assert_eq(r.exec.len, 15);
	cr_assert_str_eq(r.exec.process, "{\"args\":[\"sh\"]}");
	proto_request_clear(&r);

	cr_assert_eq(proto_host_resize(h, &b, 2, 40, 132, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.resize.rows, 40);
	cr_assert_eq(r.resize.cols, 132);
	cr_assert_eq(r.tag, tag);
	proto_request_clear(&r);

	cr_assert_eq(proto_host_termios(h, &b, 2, false, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.type, PROTO_TERMIOS);
	cr_assert_eq(r.id, 2);
	cr_assert_not(r.onlcr);
	proto_request_clear(&r);
	cr_assert_eq(proto_host_termios(h, &b, 2, true, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert(r.onlcr);
	proto_request_clear(&r);

	struct timespec now = { .tv_sec = 1764790000, .tv_nsec = 999999999 };

	cr_assert_eq(proto_host_clock(h, &b, &now, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.type, PROTO_CLOCK);
	cr_assert_eq(r.id, 0);
	cr_assert_eq(r.tag, tag);
	cr_assert_eq(r.clock.sec, 1764790000);
	cr_assert_eq(r.clock.nsec, 999999999);
	proto_request_clear(&r);
	now.tv_nsec = 1000000000;
	cr_assert_eq(proto_host_clock(h, &b, &now, &tag, NULL), -1);
	now = (struct timespec){ .tv_sec = -1 };
	cr_assert_eq(proto_host_clock(h, &b, &now, &tag, NULL), -1);
	cr_assert_eq(proto_buf_pending(&b), 0, "a refused CLOCK queued nothing");

	cr_assert_eq(proto_host_signal(h, &b, 0, 15, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.signo, 15);
	cr_assert_eq(r.id, 0);
	proto_request_clear(&r);

	cr_assert_eq(proto_host_stdin(h, &b, 2, "in", 2, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.stdin_data.len, 2);
	cr_assert_eq(memcmp(r.stdin_data.data, "in", 2), 0);
	proto_request_clear(&r);

	cr_assert_eq(proto_host_shutdown(h, &b, &tag, NULL), 0);
	cr_assert_eq(test_guest_decode(&b, &r, &msg), 0);
	cr_assert_eq(r.type, PROTO_SHUTDOWN);
	proto_request_clear(&r);
	proto_host_free(h);
}

Test(guest, refuses_malformed_requests)
{
	char *m;

	m = refused(PROTO_START, 1, 0, NULL);
	cr_assert_str_eq(m, "agent request START has no tag");
	free(m);
	m = refused(PROTO_START, 2, 1, NULL);
	cr_assert_str_eq(m, "agent message START must name process 1");
	free(m);
	m = refused(PROTO_EXEC, 1, 1, "{\"process\":\"{}\"}");
	cr_assert_str_eq(m, "agent message EXEC has process id 1");
	free(m);
	m = refused(PROTO_EXEC, 2, 1, "{\"process\":{}}");
	cr_assert_str_eq(m, "agent message EXEC: \"process\" must be a string");
	free(m);
	m = refused(PROTO_SIGNAL, 0, 1, "{\"signal\":0}");
	cr_assert(strstr(m, "\"signal\" must be an integer between 1 and 64"), "%s", m);
	free(m);
	m = refused(PROTO_SIGNAL, 0, 1, "{\"signal\":65}");
	cr_assert(strstr(m, "between 1 and 64"), "%s", m);
	free(m);
	m = refused(PROTO_RESIZE, 1, 1, "{\"rows\":-1,\"cols\":2}");
	cr_assert(strstr(m, "\"rows\" must be an integer between 0 and 65535"), "%s", m);
	free(m);
	m = refused(PROTO_TERMIOS, 1, 1, "{}");
	cr_assert_str_eq(m, "agent message TERMIOS lacks \"onlcr\"");
	free(m);
	m = refused(PROTO_TERMIOS, 1, 1, "{\"onlcr\":1}");
	cr_assert_str_eq(m, "agent message TERMIOS: \"onlcr\" must be a boolean");
	free(m);
	m = refused(PROTO_CLOCK, 1, 1, "{\"sec\":1,\"nsec\":0}");
	cr_assert_str_eq(m, "agent message CLOCK must name process 0");
	free(m);
	m = refused(PROTO_CLOCK, 0, 1, "{\"sec\":1}");
	cr_assert(strstr(m, "\"nsec\""), "%s", m);
	free(m);
	m = refused(PROTO_CLOCK, 0, 1, "{\"sec\":-1,\"nsec\":0}");
	cr_assert(strstr(m, "\"sec\" must be an integer between 0 and 253402300800"), "%s", m);
	free(m);
	m = refused(PROTO_CLOCK, 0, 1, "{\"sec\":1,\"nsec\":1000000000}");
	cr_assert(strstr(m, "\"nsec\" must be an integer between 0 and 999999999"), "%s", m);
	free(m);
	m = refused(PROTO_STDIN, 1, 4, "x");
	cr_assert_str_eq(m, "agent message STDIN needs a process id and no tag");
	free(m);
	m = refused(PROTO_STDIN_CLOSE, 0, 0, NULL);
	cr_assert_str_eq(m, "agent message STDIN_CLOSE needs a process id and no tag");
	free(m);
	m = refused(PROTO_CREATE, 1, 1, "{\"container_id\":\"c\"}");
	cr_assert_str_eq(m, "agent message CREATE: \"config\" is required");
	free(m);
	m = refused(PROTO_CREATE, 1, 1,
		    "{\"container_id\":\"c\",\"config\":\"{}\",\"binds\":[{\"index\":65536}]}");
	cr_assert_str_eq(m,
			 "agent message CREATE: \"index\" must be an integer between 0 and 65535");
	free(m);
	m = refused(PROTO_CREATE, 1, 1,
		    "{\"container_id\":\"c\",\"config\":\"{}\",\"binds\":[{}]}");
	cr_assert_str_eq(m, "agent message CREATE: \"index\" is required");
	free(m);
	m = refused(PROTO_CREATE, 1, 1, "{\"container_id\":\"c\",\"config\":\"{}\",\"binds\":[7]}");
	cr_assert_str_eq(m, "agent message CREATE: \"binds\" must hold objects");
	free(m);
}

/* Decodes what a guest encoder queued, as the host would see the frame. */
static struct proto_frame host_frame(struct proto_buf *b)
{
	struct proto_decoder d;
	struct proto_frame f;

	proto_decoder_init(&d, PROTO_TO_HOST);
	cr_assert_eq(proto_decoder_feed(&d, proto_buf_peek(b), proto_buf_pending(b), &f, NULL),
		     (ssize_t)proto_buf_pending(b));
	proto_decoder_clear(&d);
	proto_buf_clear(b);
	return f;
}

Test(guest, error_messages_are_cut_and_kept_valid_utf8)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_frame f;
	char *msg = malloc(PROTO_MAX_STRING + 100);

	memset(msg, 'a', PROTO_MAX_STRING + 99);
	msg[PROTO_MAX_STRING + 99] = '\0';
	msg[0] = (char)0xff; /* invalid UTF-8 */
	proto_guest_error(&b, 3, 2, ENOENT, 127, msg);
	f = host_frame(&b);
	cr_assert_eq(f.type, PROTO_ERROR);
	cr_assert(strstr((char *)f.payload, "\"message\":\"?aaa") != NULL, "%s", f.payload);
	cr_assert(strstr((char *)f.payload, "\"errno\":2") != NULL);
	cr_assert(strstr((char *)f.payload, "\"status\":127") != NULL);
	cr_assert_lt(f.len, PROTO_MAX_STRING + 100);
	proto_frame_clear(&f);
	free(msg);
}

Test(guest, output_is_chunked)
{
	struct proto_buf b = PROTO_BUF_INIT;
	static uint8_t data[PROTO_MAX_STDIO + 1];

	proto_guest_output(&b, PROTO_STDERR, 1, data, sizeof(data));
	cr_assert_eq(proto_buf_pending(&b), sizeof(data) + 2 * PROTO_HEADER_SIZE);
	proto_buf_clear(&b);
}

Test(guest, exit_by_signal_and_by_code)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_frame f;

	proto_guest_exit(&b, 1, 0, 15);
	f = host_frame(&b);
	cr_assert_str_eq((char *)f.payload, "{\"status\":143,\"signal\":15}");
	proto_frame_clear(&f);
	proto_guest_exit(&b, 1, 3, 0);
	f = host_frame(&b);
	cr_assert_str_eq((char *)f.payload, "{\"status\":3}");
	proto_frame_clear(&f);
}

Test(guest, strings_are_made_valid_utf8_and_valid_text_is_kept)
{
	struct proto_buf b = PROTO_BUF_INIT;
	struct proto_frame f;

	/* é and 😀 are kept; overlong, surrogate, cut and stray bytes become '?'. */
	proto_guest_error(&b, 0, 0, 0, 0,
			  "\xc3\xa9 \xf0\x9f\x98\x80 \xc0\x80 \xed\xa0\x80 \xe2\x82 \x80");
	f = host_frame(&b);
	cr_assert_str_eq((char *)f.payload,
			 "{\"message\":\"\xc3\xa9 \xf0\x9f\x98\x80 ?? ??? ?? ?\"}");
	proto_frame_clear(&f);
}
