/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's typed decoder: well-formed conversations, and every kind of
 * hostile guest message it must refuse.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "guest/proto/guest.h"
#include "guest/proto/host.h"

static struct proto_host *h;
static struct proto_buf req; /* host -> guest */
static struct proto_buf in;  /* guest -> host */

/* Feeds everything queued in `in`; expects exactly one message. */
static void take(struct proto_host_msg *m)
{
	struct vs_error *err = NULL;
	size_t off = 0;
	int got = 0;

	while (off < proto_buf_pending(&in)) {
		struct proto_host_msg tmp;
		ssize_t r = proto_host_feed(h, proto_buf_peek(&in) + off,
					    proto_buf_pending(&in) - off, &tmp, &err);

		cr_assert_geq(r, 0, "unexpected error: %s", err ? err->msg : "");
		off += (size_t)r;
		if (tmp.type != 0) {
			cr_assert_eq(got++, 0, "more than one message");
			*m = tmp;
		}
	}
	cr_assert_eq(got, 1, "no message");
	proto_buf_consume(&in, off);
}

/* Feeds `in`; expects an error mentioning what, then a dead channel. */
static void refused(const char *what)
{
	struct vs_error *err = NULL;
	struct proto_host_msg m;
	size_t off = 0;
	ssize_t r = 0;

	while (off < proto_buf_pending(&in)) {
		r = proto_host_feed(h, proto_buf_peek(&in) + off, proto_buf_pending(&in) - off, &m,
				    &err);
		if (r < 0)
			break;
		off += (size_t)r;
		proto_host_msg_clear(&m);
	}
	cr_assert_eq(r, -1, "accepted; expected an error about \"%s\"", what);
	cr_assert_not_null(err);
	cr_assert(strstr(err->msg, what) != NULL, "error \"%s\" lacks \"%s\"", err->msg, what);
	vs_error_release(&err);
	proto_buf_consume(&in, proto_buf_pending(&in));
	/* Dead from now on, even for a valid frame. */
	proto_guest_window(&in, 1, 1);
	cr_assert_eq(proto_host_feed(h, proto_buf_peek(&in), proto_buf_pending(&in), &m, &err), -1);
	vs_error_release(&err);
	proto_buf_consume(&in, proto_buf_pending(&in));
}

static void raw(uint16_t type, uint32_t id, uint32_t tag, const char *json)
{
	cr_assert_eq(proto_frame_append(&in, type, id, tag, json, json ? strlen(json) : 0, NULL),
		     0);
}

static void hello(void)
{
	struct proto_host_msg m;

	proto_guest_hello(&in, "0.1.0", 12.5, 700);
	take(&m);
	cr_assert_eq(m.type, PROTO_HELLO);
	proto_host_msg_clear(&m);
}

static void setup(void)
{
	h = proto_host_new();
	memset(&req, 0, sizeof(req));
	memset(&in, 0, sizeof(in));
}

static void teardown(void)
{
	proto_host_free(h);
	proto_buf_clear(&req);
	proto_buf_clear(&in);
}

TestSuite(host, .init = setup, .fini = teardown);

/* CREATE sent and answered: returns the CREATE tag. */
static uint32_t created(void)
{
	struct proto_host_msg m;
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_create(h, &req, "c1", "{}", 2, NULL, 0, NULL, &tag, NULL), 0);
	proto_guest_pid(&in, tag, 1, 42);
	take(&m);
	cr_assert_eq(m.type, PROTO_PID);
	cr_assert_eq(m.request, PROTO_CREATE);
	cr_assert_eq(m.pid, 42);
	proto_host_msg_clear(&m);
	return tag;
}

static void running(void)
{
	struct proto_host_msg m;
	uint32_t tag;

	created();
	cr_assert_eq(proto_host_start(h, &req, &tag, NULL), 0);
	proto_guest_ok(&in, tag, 1);
	take(&m);
	cr_assert_eq(m.type, PROTO_OK);
	cr_assert_eq(m.request, PROTO_START);
	proto_host_msg_clear(&m);
}

Test(host, whole_life_of_a_container)
{
	struct proto_host_msg m;
	const struct proto_hello *hi;

	running();
	hi = proto_host_hello(h);
	cr_assert_not_null(hi);
	cr_assert_str_eq(hi->agent, "0.1.0");
	cr_assert_eq(hi->protocol, PROTO_VERSION);
	cr_assert_float_eq(hi->agent_ms, 12.5, 1e-9);

	proto_guest_output(&in, PROTO_STDOUT, 1, "out\0put", 7);
	take(&m);
	cr_assert_eq(m.type, PROTO_STDOUT);
	cr_assert_eq(m.output.len, 7);
	cr_assert_eq(memcmp(m.output.data, "out\0put", 7), 0);
	proto_host_msg_clear(&m);

	proto_guest_exit(&in, 1, 0, 9);
	take(&m);
	cr_assert_eq(m.type, PROTO_EXIT);
	cr_assert_eq(m.exit.status, 137);
	cr_assert_eq(m.exit.signal, 9);
	proto_host_msg_clear(&m);
	cr_assert_not(proto_host_process_known(h, 1));

	/* The process is gone: output for it now is a lie. */
	proto_guest_output(&in, PROTO_STDOUT, 1, "late", 4);
	refused("not running");
}

Test(host, create_request_round_trips_through_the_guest_decoder)
{
	struct proto_bind binds[] = { { 2 }, { 5 } };
	struct proto_decoder d;
	struct proto_frame f;
	struct proto_request r;
	uint32_t tag;

	cr_assert_eq(proto_host_create(h, &req, "ctr", "{\"a\":\"\\\"x\\\"\"}", 13, binds, 2, NULL,
				       &tag, NULL),
		     0);
	proto_decoder_init(&d, PROTO_TO_GUEST);
	cr_assert_eq(
	    proto_decoder_feed(&d, proto_buf_peek(&req), proto_buf_pending(&req), &f, NULL),
	    (ssize_t)proto_buf_pending(&req));
	cr_assert_eq(proto_guest_decode(&f, &r, NULL), 0);
	cr_assert_eq(r.type, PROTO_CREATE);
	cr_assert_eq(r.tag, tag);
	cr_assert_str_eq(r.create.container_id, "ctr");
	cr_assert_eq(r.create.config_len, 13);
	cr_assert_str_eq(r.create.config, "{\"a\":\"\\\"x\\\"\"}");
	cr_assert_eq(r.create.n_binds, 2);
	cr_assert_eq(r.create.binds[0].index, 2);
	cr_assert_eq(r.create.binds[1].index, 5);
	proto_request_clear(&r);
	proto_decoder_clear(&d);
}

Test(host, create_refuses_bad_arguments_and_oversize_config)
{
	struct vs_error *err = NULL;
	size_t big = PROTO_MAX_PAYLOAD;
	char *config = malloc(big);

	cr_assert_eq(proto_host_create(h, &req, "", "{}", 2, NULL, 0, NULL, NULL, &err), -1);
	cr_assert_str_eq(err->msg, "invalid container id for the agent");
	vs_error_release(&err);
	memset(config, 'a', big);
	cr_assert_eq(proto_host_create(h, &req, "c", config, big, NULL, 0, NULL, NULL, &err), -1);
	cr_assert(strstr(err->msg, "cannot send config.json to the agent"), "%s", err->msg);
	vs_error_release(&err);
	free(config);
	cr_assert_eq(proto_buf_pending(&req), 0);
	/* Still possible after the refusals. */
	cr_assert_eq(proto_host_create(h, &req, "c", "{}", 2, NULL, 0, NULL, NULL, NULL), 0);
	cr_assert_eq(proto_host_create(h, &req, "c", "{}", 2, NULL, 0, NULL, NULL, &err), -1);
	vs_error_release(&err);
}

Test(host, nothing_before_hello_and_hello_once)
{
	proto_guest_output(&in, PROTO_STDOUT, 1, "x", 1);
	refused("before HELLO");
}

Test(host, second_hello)
{
	hello();
	proto_guest_hello(&in, "0.1.0", 1, 1);
	refused("HELLO twice");
}

Test(host, hello_with_other_protocol_version)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":4,\"agent\":\"9\"}");
	refused("protocol version 4");
}

Test(host, hello_with_hostile_agent_string)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":3,\"agent\":\"\\u001b[31m\"}");
	refused("not a version string");
}

Test(host, hello_agent_too_long)
{
	raw(PROTO_HELLO, 0, 0,
	    "{\"protocol\":3,\"agent\":"
	    "\"0123456789012345678901234567890123456789012345678901234567890123\"}");
	refused("longer than 63 bytes");
}

Test(host, hello_wrong_types)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":\"1\",\"agent\":\"x\"}");
	refused("\"protocol\" must be an integer");
}

Test(host, hello_missing_field)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":3}");
	refused("\"agent\" is required");
}

Test(host, hello_negative_time)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":3,\"agent\":\"1\",\"agent_ms\":-1}");
	refused("\"agent_ms\" must be a number");
}

Test(host, json_not_an_object)
{
	raw(PROTO_HELLO, 0, 0, "[1,2]");
	refused("not a JSON object");
}

Test(host, json_invalid)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":3,");
	refused("not valid JSON");
}

Test(host, json_too_deep)
{
	raw(PROTO_HELLO, 0, 0, "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}");
	refused("nests deeper");
}

Test(host, json_with_nul)
{
	cr_assert_eq(proto_frame_append(&in, PROTO_HELLO, 0, 0, "{}\0{}", 5, NULL), 0);
	refused("NUL byte");
}

Test(host, json_invalid_utf8)
{
	raw(PROTO_HELLO, 0, 0, "{\"protocol\":3,\"agent\":\"\xff\xfe\"}");
	refused("not valid JSON");
}

Test(host, pid_negative)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_create(h, &req, "c", "{}", 2, NULL, 0, NULL, &tag, NULL), 0);
	raw(PROTO_PID, 1, tag, "{\"pid\":-5}");
	refused("\"pid\" must be an integer between 1 and 4194304");
}

Test(host, pid_huge)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_create(h, &req, "c", "{}", 2, NULL, 0, NULL, &tag, NULL), 0);
	raw(PROTO_PID, 1, tag, "{\"pid\":99999999999999999999999}");
	refused("\"pid\" must be an integer");
}

Test(host, pid_as_float)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_create(h, &req, "c", "{}", 2, NULL, 0, NULL, &tag, NULL), 0);
	raw(PROTO_PID, 1, tag, "{\"pid\":1.5}");
	refused("\"pid\" must be an integer");
}

Test(host, reply_to_unknown_tag)
{
	hello();
	proto_guest_ok(&in, 77, 0);
	refused("answers no request (tag 77)");
}

Test(host, reply_with_tag_zero)
{
	hello();
	proto_guest_pid(&in, 0, 1, 5);
	refused("answers no request (tag 0)");
}

Test(host, reply_of_the_wrong_kind)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_ps(h, &req, &tag, NULL), 0);
	proto_guest_ok(&in, tag, 0);
	refused("OK cannot answer a PS request");
}

Test(host, reply_names_another_process)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_create(h, &req, "c", "{}", 2, NULL, 0, NULL, &tag, NULL), 0);
	proto_guest_pid(&in, tag, 9, 5);
	refused("names process 9, its request process 1");
}

Test(host, reply_answers_only_once)
{
	struct proto_host_msg m;
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_signal(h, &req, 0, 15, &tag, NULL), 0);
	proto_guest_ok(&in, tag, 0);
	take(&m);
	cr_assert_eq(m.request, PROTO_SIGNAL);
	proto_host_msg_clear(&m);
	proto_guest_ok(&in, tag, 0);
	refused("answers no request");
}

Test(host, start_ok_without_start)
{
	uint32_t tag;

	created();
	cr_assert_eq(proto_host_signal(h, &req, 1, 15, &tag, NULL), 0);
	/* A correct reply to SIGNAL; but it cannot move the process to running. */
	proto_guest_ok(&in, tag, 1);
	{
		struct proto_host_msg m;

		take(&m);
		proto_host_msg_clear(&m);
	}
	proto_guest_output(&in, PROTO_STDOUT, 1, "x", 1);
	refused("not running");
}

Test(host, output_of_a_starting_init_comes_before_its_start_reply)
{
	struct proto_host_msg m;
	uint32_t tag;

	created();
	cr_assert_eq(proto_host_start(h, &req, &tag, NULL), 0);
	/* The agent answers START once the program has settled: it may write before. */
	proto_guest_output(&in, PROTO_STDOUT, 1, "early", 5);
	take(&m);
	cr_assert_eq(m.type, PROTO_STDOUT);
	cr_assert_eq(m.output.len, 5);
	proto_host_msg_clear(&m);
	proto_guest_ok(&in, tag, 1);
	take(&m);
	cr_assert_eq(m.type, PROTO_OK);
	proto_host_msg_clear(&m);
}

Test(host, exit_status_out_of_range)
{
	running();
	raw(PROTO_EXIT, 1, 0, "{\"status\":256}");
	refused("\"status\" must be an integer between 0 and 255");
}

Test(host, exit_status_negative)
{
	running();
	raw(PROTO_EXIT, 1, 0, "{\"status\":-1}");
	refused("between 0 and 255");
}

Test(host, exit_signal_does_not_match_status)
{
	running();
	raw(PROTO_EXIT, 1, 0, "{\"status\":1,\"signal\":9}");
	refused("does not match signal");
}

Test(host, exit_for_unknown_process)
{
	running();
	raw(PROTO_EXIT, 0xffffffffu, 0, "{\"status\":0}");
	refused("not running");
}

Test(host, exit_before_the_process_exists)
{
	uint32_t id, tag;

	running();
	cr_assert_eq(proto_host_exec(h, &req, "{}", 2, &id, &tag, NULL), 0);
	raw(PROTO_EXIT, id, 0, "{\"status\":0}");
	refused("not running");
}

Test(host, exit_with_a_tag)
{
	running();
	raw(PROTO_EXIT, 1, 5, "{\"status\":0}");
	refused("has a tag");
}

Test(host, exit_wrong_type)
{
	running();
	raw(PROTO_EXIT, 1, 0, "{\"status\":\"0\"}");
	refused("must be an integer");
}

Test(host, exit_while_starting_is_a_legal_race)
{
	struct proto_host_msg m;
	uint32_t tag;

	created();
	cr_assert_eq(proto_host_start(h, &req, &tag, NULL), 0);
	proto_guest_exit(&in, 1, 0, 9);
	take(&m);
	cr_assert_eq(m.exit.status, 137);
	proto_host_msg_clear(&m);
	proto_guest_error(&in, tag, 1, ESRCH, 0, "the container process is not running");
	take(&m);
	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.request, PROTO_START);
	proto_host_msg_clear(&m);
}

Test(host, exec_ids_and_output_order)
{
	struct proto_host_msg m;
	uint32_t id1, id2, t1, t2;

	running();
	cr_assert_eq(proto_host_exec(h, &req, "{}", 2, &id1, &t1, NULL), 0);
	cr_assert_eq(proto_host_exec(h, &req, "{}", 2, &id2, &t2, NULL), 0);
	cr_assert_eq(id1, 2);
	cr_assert_eq(id2, 3);
	cr_assert_neq(t1, t2);
	proto_guest_pid(&in, t2, id2, 100);
	take(&m);
	cr_assert_eq(m.request, PROTO_EXEC);
	cr_assert_eq(m.id, id2);
	proto_host_msg_clear(&m);
	proto_guest_error(&in, t1, id1, ENOENT, 127, "exec: \"nope\": not found");
	take(&m);
	cr_assert_eq(m.error.status, 127);
	cr_assert_eq(m.error.errnum, ENOENT);
	cr_assert_str_eq(m.error.message, "exec: \"nope\": not found");
	proto_host_msg_clear(&m);
	cr_assert_not(proto_host_process_known(h, id1), "a failed exec leaves no process");
	proto_guest_output(&in, PROTO_STDERR, id1, "x", 1);
	refused("not running");
}

Test(host, error_message_control_characters_are_replaced)
{
	struct proto_host_msg m;

	hello();
	raw(PROTO_ERROR, 0, 0, "{\"message\":\"a\\u001b[2Jb\\nc\"}");
	take(&m);
	cr_assert_str_eq(m.error.message, "a?[2Jb?c");
	cr_assert_eq(m.error.status, 0);
	proto_host_msg_clear(&m);
}

Test(host, error_hostile_fields)
{
	hello();
	raw(PROTO_ERROR, 0, 0, "{\"message\":\"x\",\"errno\":-3}");
	refused("\"errno\" must be an integer between 0 and 4095");
}

Test(host, error_message_wrong_type)
{
	hello();
	raw(PROTO_ERROR, 0, 0, "{\"message\":{\"a\":1}}");
	refused("\"message\" must be a string");
}

Test(host, error_message_missing)
{
	hello();
	raw(PROTO_ERROR, 0, 0, "{\"errno\":2}");
	refused("\"message\" is required");
}

Test(host, unsolicited_error_naming_a_process)
{
	hello();
	raw(PROTO_ERROR, 3, 0, "{\"message\":\"x\"}");
	refused("names process 3");
}

Test(host, ps_reply)
{
	struct proto_host_msg m;
	uint32_t tag;
	uint32_t pids[] = { 1, 2, 4194304 };

	hello();
	cr_assert_eq(proto_host_ps(h, &req, &tag, NULL), 0);
	proto_guest_ps(&in, tag, pids, 3);
	take(&m);
	cr_assert_eq(m.ps.n, 3);
	cr_assert_eq(m.ps.pids[2], 4194304);
	proto_host_msg_clear(&m);
}

Test(host, ps_reply_hostile_pids)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_ps(h, &req, &tag, NULL), 0);
	raw(PROTO_PS_REPLY, 0, tag, "{\"pids\":[1,\"2\"]}");
	refused("must hold pids");
}

Test(host, ps_reply_pid_zero)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_ps(h, &req, &tag, NULL), 0);
	raw(PROTO_PS_REPLY, 0, tag, "{\"pids\":[0]}");
	refused("must hold pids");
}

Test(host, ps_reply_not_an_array)
{
	uint32_t tag;

	hello();
	cr_assert_eq(proto_host_ps(h, &req, &tag, NULL), 0);
	raw(PROTO_PS_REPLY, 0, tag, "{\"pids\":7}");
	refused("must be an array");
}

Test(host, stdin_window_accounting)
{
	struct proto_host_msg m;
	struct vs_error *err = NULL;
	static uint8_t data[PROTO_STDIN_WINDOW_SIZE];

	size_t before;

	running();
	before = proto_buf_pending(&req);
	cr_assert_eq(proto_host_stdin_room(h, 1), PROTO_STDIN_WINDOW_SIZE);
	cr_assert_eq(proto_host_stdin(h, &req, 1, data, sizeof(data), NULL), 0);
	cr_assert_eq(proto_buf_pending(&req) - before,
		     PROTO_STDIN_WINDOW_SIZE + 4 * PROTO_HEADER_SIZE);
	cr_assert_eq(proto_host_stdin_room(h, 1), 0);
	cr_assert_eq(proto_host_stdin(h, &req, 1, "x", 1, &err), -1);
	cr_assert_eq(err->errnum, EAGAIN);
	vs_error_release(&err);
	proto_guest_window(&in, 1, 1000);
	take(&m);
	cr_assert_eq(m.window, 1000);
	proto_host_msg_clear(&m);
	cr_assert_eq(proto_host_stdin_room(h, 1), 1000);
	cr_assert_eq(proto_host_stdin_close(h, &req, 1, NULL), 0);
	cr_assert_eq(proto_host_stdin_room(h, 1), 0);
	cr_assert_eq(proto_host_stdin(h, &req, 1, "x", 1, &err), -1);
	cr_assert_eq(err->errnum, EPIPE);
	vs_error_release(&err);
	/* More credit than was ever sent. */
	proto_guest_window(&in, 1, PROTO_STDIN_WINDOW_SIZE);
	refused("\"bytes\" must be an integer between 1 and");
}

Test(host, stdin_frames_are_split)
{
	static uint8_t data[PROTO_MAX_STDIO * 2 + 10];
	size_t before;

	running();
	before = proto_buf_pending(&req);
	cr_assert_eq(proto_host_stdin(h, &req, 1, data, sizeof(data), NULL), 0);
	cr_assert_eq(proto_buf_pending(&req) - before, sizeof(data) + 3 * PROTO_HEADER_SIZE);
}

Test(host, window_for_unknown_process)
{
	hello();
	proto_guest_window(&in, 5, 1);
	refused("unknown process 5");
}

Test(host, requests_about_unknown_processes_are_refused_locally)
{
	struct vs_error *err = NULL;

	hello();
	cr_assert_eq(proto_host_signal(h, &req, 4, 9, NULL, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_host_resize(h, &req, 4, 24, 80, NULL, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_host_termios(h, &req, 4, false, NULL, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_host_signal(h, &req, 0, 65, NULL, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_host_start(h, &req, NULL, &err), -1);
	vs_error_release(&err);
	cr_assert_eq(proto_buf_pending(&req), 0);
}

Test(host, output_split_and_reassembled_across_feeds)
{
	struct proto_host_msg m;
	struct vs_error *err = NULL;
	size_t total = 0, len;

	running();
	proto_guest_output(&in, PROTO_STDOUT, 1, "abcdef", 6);
	len = proto_buf_pending(&in);
	for (size_t i = 0; i < len; i++) {
		cr_assert_eq(proto_host_feed(h, proto_buf_peek(&in) + i, 1, &m, &err), 1);
		if (m.type != 0) {
			cr_assert_eq(i, len - 1);
			total += m.output.len;
			proto_host_msg_clear(&m);
		}
	}
	cr_assert_eq(total, 6);
}

Test(host, frame_level_errors_kill_the_channel)
{
	uint8_t hdr[PROTO_HEADER_SIZE];

	hello();
	proto_frame_header_encode(hdr, PROTO_STDOUT, 0, 1, 0, PROTO_MAX_PAYLOAD);
	proto_buf_append(&in, hdr, sizeof(hdr));
	refused("over its limit");
}
