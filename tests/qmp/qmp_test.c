/* SPDX-License-Identifier: Apache-2.0 */
/* The QMP client against a scripted fake peer (hostile replies: qmp_hostile_test.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/log.h"
#include "driver/qmp.h"
#include "harness.h"

TestSuite(qmp, .init = verbose);

Test(qmp, handshake)
{
	static const struct peer_step script[] = { HANDSHAKE, END };
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_fd(q), p.fd);
	handshake(q);
	/* A second call is a no-op: nothing more goes to the peer. */
	handshake(q);
	finish(&p, q);
}

Test(qmp, command_with_return_value)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("{\"execute\":\"query-status\",\"id\":\"vshim-2\"}"),
		SEND("{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, "
		     "\"running\": false}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	yajl_val ret = NULL;

	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "query-status", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert(YAJL_IS_OBJECT(ret));
	cr_assert_str_eq(str_at(ret, "status"), "prelaunch");
	yajl_tree_free(ret);
	finish(&p, q);
}

Test(qmp, command_without_ret)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"cont\""),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "cont", NULL, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");
	finish(&p, q);
}

Test(qmp, arguments_are_escaped)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("{\"execute\":\"chardev-remove\",\"arguments\":{\"id\":\"a\\\"b\\\\c\\nd\","
		       "\"n\":-42,\"force\":true},\"id\":\"vshim-2\"}"),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		EXPECT("{\"execute\":\"x\",\"arguments\":{\"list\":[1,\"two\",{\"three\":null}]},"
		       "\"id\":\"vshim-3\"}"),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	cleanup_qmp_args struct drv_qmp_args *a = drv_qmp_args_new();
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	const char *json;

	drv_qmp_args_str(a, "id", "a\"b\\c\nd");
	drv_qmp_args_int(a, "n", -42);
	drv_qmp_args_bool(a, "force", true);
	json = drv_qmp_args_json(a, &err);
	cr_assert_not_null(json, "%s", err ? err->msg : "");
	cr_assert_str_eq(json, "{\"id\":\"a\\\"b\\\\c\\nd\",\"n\":-42,\"force\":true}");
	/* Finishing twice returns the same text. */
	cr_assert_eq(drv_qmp_args_json(a, &err), json);

	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "chardev-remove", json, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");
	/* Caller-written JSON is re-encoded on one line. */
	cr_assert_eq(drv_qmp_command(q, "x", "{ \"list\" :\n [1, \"two\", {\"three\": null}] }",
				     T_MS, NULL, &err),
		     0, "%s", err ? err->msg : "");
	finish(&p, q);
}

Test(qmp, bad_arguments_are_refused_before_sending)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"after\""),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	static const char *const bad[] = { "[1]", "{", "{\"a\":1} {\"b\":2}", "\"s\"", "" };
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	cleanup_error struct vs_error *err = NULL;
	cleanup_qmp_args struct drv_qmp_args *a = drv_qmp_args_new();

	handshake(q);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error struct vs_error *e = NULL;

		cr_assert_eq(drv_qmp_command(q, "bad", bad[i], T_MS, NULL, &e), -1,
			     "arguments `%s` were accepted", bad[i]);
		cr_assert(
		    strstr(e->msg, "the arguments of QMP command `bad` are not a JSON object"),
		    "%s", e->msg);
	}
	/* Invalid UTF-8 in the builder. */
	drv_qmp_args_str(a, "path", "\xff\xfe");
	cr_assert_null(drv_qmp_args_json(a, &err));
	cr_assert_str_eq(err->msg, "QMP argument `path` is not valid UTF-8");
	/* The connection is still fine: nothing was sent. */
	vs_error_release(&err);
	cr_assert_eq(drv_qmp_command(q, "after", NULL, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");
	finish(&p, q);
}

Test(qmp, error_reply)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"cont\""),
		SEND("{\"id\": \"$ID\", \"error\": {\"class\": \"GenericError\", "
		     "\"desc\": \"Resetting the Virtual Machine is required\"}}\r\n"),
		EXPECT("\"execute\":\"stop\""),
		SEND("{\"error\": {\"desc\": 42}, \"id\": \"$ID\"}\r\n"),
		EXPECT("\"execute\":\"query-status\""),
		SEND("{\"return\": {\"status\": \"paused\"}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	yajl_val ret = NULL;

	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "cont", NULL, T_MS, NULL, &err), -1);
	cr_assert_str_eq(err->msg, "QMP command `cont` failed: GenericError: Resetting the "
				   "Virtual Machine is required");
	vs_error_release(&err);
	/* A malformed error object still fails the command, without crashing. */
	command_fails(q, "stop", T_MS, "QMP command `stop` failed: (no class): (no description)");
	/* An error reply does not break the connection. */
	cr_assert_eq(drv_qmp_command(q, "query-status", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert_str_eq(str_at(ret, "status"), "paused");
	yajl_tree_free(ret);
	finish(&p, q);
}

Test(qmp, events_between_command_and_reply)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"system_reset\""),
		SEND("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 123456}, "
		     "\"event\": \"STOP\"}\r\n"),
		SEND("{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 5}, "
		     "\"event\": \"RESET\", \"data\": {\"guest\": false, \"reason\": "
		     "\"host-qmp-system-reset\"}}\r\n"),
		SEND("{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}"
		     "\r\n"),
		SEND("{\"event\": \"GUEST_PANICKED\", \"data\": {\"action\": \"pause\"}}\r\n"),
		SEND("{\"event\": \"NIC_RX_FILTER_CHANGED\", \"data\": {\"path\": \"/x\"}}\r\n"),
		SEND("{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": "
		     "\"guest-shutdown\"}, \"timestamp\": {\"seconds\": 7, \"microseconds\": 8}}"
		     "\r\n"),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	struct drv_qmp_event ev;

	handshake(q);
	cr_assert_not(drv_qmp_next_event(q, &ev), "an event before any was sent");
	cr_assert_eq(drv_qmp_command(q, "system_reset", NULL, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");

	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_STOP);
	cr_assert_str_eq(ev.name, "STOP");
	cr_assert_str_eq(ev.reason, "");
	cr_assert_eq(ev.ts_sec, 1700000000);
	cr_assert_eq(ev.ts_usec, 123456);

	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_RESET);
	cr_assert_str_eq(ev.reason, "host-qmp-system-reset");
	cr_assert_not(ev.guest);
	cr_assert_eq(ev.ts_usec, 5);

	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_RESUME);

	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_GUEST_PANICKED);
	cr_assert_str_eq(ev.reason, "pause");
	cr_assert_eq(ev.ts_sec, -1, "a missing timestamp is -1");

	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_OTHER);
	cr_assert_str_eq(ev.name, "NIC_RX_FILTER_CHANGED");

	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_SHUTDOWN);
	cr_assert_str_eq(ev.reason, "guest-shutdown");
	cr_assert(ev.guest);
	cr_assert_eq(ev.ts_sec, 7);

	cr_assert_not(drv_qmp_next_event(q, &ev));
	finish(&p, q);
}

Test(qmp, split_and_batched_messages)
{
	static const struct peer_step script[] = {
		/* The greeting in three writes, cut inside a string and before "\r\n". */
		SEND("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"maj"),
		SLEEP(30),
		SEND("or\": 7}}, \"capabilities\": []}}\r"),
		SLEEP(30),
		SEND("\n"),
		EXPECT("\"execute\":\"qmp_capabilities\""),
		/* The reply, an event and half of another event in one write. */
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n{\"event\": \"STOP\"}\r\n{\"event\": "
		     "\"RE"),
		SLEEP(30),
		SEND("SUME\"}\r\n\r\n"),
		EXPECT("\"execute\":\"query-name\""),
		/* Two events and the reply in one write, the reply split across two. */
		SEND("{\"event\": \"A\"}\r\n{\"event\": \"B\"}\r\n{\"return\": {\"na"),
		SLEEP(30),
		SEND("me\": \"vm\"}, \"id\": \"$ID\"}\r\n{\"event\": \"C\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	struct drv_qmp_event ev;
	const char *want[] = { "STOP", "RESUME", "A", "B", "C" };
	yajl_val ret = NULL;

	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "query-name", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert_str_eq(str_at(ret, "name"), "vm");
	yajl_tree_free(ret);
	/* C came in the same read as the reply: it is queued already. */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert(drv_qmp_next_event(q, &ev), "event %zu missing", i);
		cr_assert_str_eq(ev.name, want[i]);
	}
	cr_assert_not(drv_qmp_next_event(q, &ev));
	finish(&p, q);
}

/* Waits up to timeout_ms for the fd, then reads: 1 when nothing came, else drv_qmp_read(). */
static int read_until(struct drv_qmp *q, int timeout_ms, struct vs_error **err)
{
	struct pollfd pfd = { .fd = drv_qmp_fd(q), .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 1;
	return drv_qmp_read(q, err);
}

Test(qmp, read_events_without_command)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"cont\""),
		/* The reply to the command is read; the events after it come later. */
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		SLEEP(100),
		SEND("{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": "
		     "\"guest-reset\"}}\r\n{\"return\": {}, \"id\": \"vshim-77\"}\r\n"),
		SLEEP(100),
		SEND("{\"event\": \"STOP\"}\r\n"),
		PEER_HANGUP,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	struct drv_qmp_event ev;
	int r = 0;
	uint64_t t0;

	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "cont", NULL, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");
	/* Non-blocking: nothing is readable yet, and it returns at once. */
	t0 = vs_now_ns();
	cr_assert_eq(drv_qmp_read(q, &err), 0, "%s", err ? err->msg : "");
	cr_assert_lt(vs_now_ns() - t0, 50000000u, "drv_qmp_read() blocked");
	cr_assert_not(drv_qmp_next_event(q, &ev));
	/* Read until EOF; the stray reply is skipped. */
	for (int i = 0; i < 50 && r >= 0; i++)
		r = read_until(q, 100, &err);
	cr_assert_eq(r, -1, "no EOF seen");
	cr_assert_str_eq(err->msg, "QEMU closed the monitor connection");
	/* Events read before the EOF can still be popped. */
	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_SHUTDOWN);
	cr_assert_str_eq(ev.reason, "guest-reset");
	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_STOP);
	cr_assert_not(drv_qmp_next_event(q, &ev));
	/* The connection is dead from now on, with the reason. */
	vs_error_release(&err);
	cr_assert_eq(drv_qmp_read(q, &err), -1);
	cr_assert_str_eq(err->msg,
			 "the QMP connection is unusable: QEMU closed the monitor connection");
	command_fails(q, "cont", T_MS,
		      "cannot run QMP command `cont`: the QMP connection is "
		      "unusable: QEMU closed the monitor connection");
	finish(&p, q);
}

Test(qmp, event_queue_is_bounded)
{
	enum {
		N_OTHER = 100
	};
	static char events[N_OTHER * 40 + 200];
	static struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"cont\""),
		SEND(events),
		SEND("{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": \"guest-shutdown\"}}\r\n"
		     "{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q;
	struct drv_qmp_event ev;
	size_t len = 0;
	int n = 0;

	for (int i = 0; i < N_OTHER; i++)
		len += (size_t)snprintf(events + len, sizeof(events) - len,
					"{\"event\": \"X%d\"}\r\n", i);
	q = start(&p, script);
	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "cont", NULL, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");
	/* The oldest OTHER events made room: X37..X99 and the SHUTDOWN remain. */
	while (drv_qmp_next_event(q, &ev)) {
		char name[16];

		if (n < DRV_QMP_MAX_EVENTS - 1) {
			snprintf(name, sizeof(name), "X%d", N_OTHER - (DRV_QMP_MAX_EVENTS - 1) + n);
			cr_assert_str_eq(ev.name, name);
		} else {
			cr_assert_eq(ev.type, DRV_QMP_EVENT_SHUTDOWN);
		}
		n++;
	}
	cr_assert_eq(n, DRV_QMP_MAX_EVENTS);
	finish(&p, q);
}

Test(qmp, event_queue_keeps_lifecycle_events)
{
	static char events[DRV_QMP_MAX_EVENTS * 24 + 200];
	static struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"cont\""),
		SEND(events),
		SEND("{\"event\": \"OTHER_ONE\"}\r\n{\"event\": \"RESUME\"}\r\n"
		     "{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q;
	struct drv_qmp_event ev;
	enum drv_qmp_event_type last = DRV_QMP_EVENT_OTHER;
	size_t len = 0;
	int n = 0;

	for (int i = 0; i < DRV_QMP_MAX_EVENTS; i++)
		len += (size_t)snprintf(events + len, sizeof(events) - len,
					"{\"event\": \"STOP\"}\r\n");
	q = start(&p, script);
	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "cont", NULL, T_MS, NULL, &err), 0, "%s",
		     err ? err->msg : "");
	/* The OTHER event found a full queue of STOPs and was dropped; RESUME pushed out one STOP.
	 */
	while (drv_qmp_next_event(q, &ev)) {
		cr_assert_neq(ev.type, DRV_QMP_EVENT_OTHER);
		last = ev.type;
		n++;
	}
	cr_assert_eq(n, DRV_QMP_MAX_EVENTS);
	cr_assert_eq(last, DRV_QMP_EVENT_RESUME, "the newest event was lost");
	finish(&p, q);
}

Test(qmp, peer_closes_mid_reply)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"query-status\""),
		SEND("{\"return\": {\"status\": \"runn"),
		SLEEP(50),
		PEER_HANGUP,
	};
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	handshake(q);
	command_fails(q, "query-status", T_MS,
		      "cannot run QMP command `query-status`: QEMU closed the monitor connection "
		      "in the middle of a message");
	finish(&p, q);
}

Test(qmp, peer_closes_before_reply)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"quit\""),
		PEER_HANGUP,
	};
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	handshake(q);
	command_fails(q, "quit", T_MS,
		      "cannot run QMP command `quit`: QEMU closed the monitor connection");
	finish(&p, q);
}

Test(qmp, peer_resets_connection)
{
	/* Closing with the command unread makes the kernel report ECONNRESET. */
	static const struct peer_step script[] = {
		HANDSHAKE,
		SLEEP(200),
		PEER_HANGUP,
	};
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	handshake(q);
	command_fails(q, "query-status", T_MS,
		      "cannot run QMP command `query-status`: QEMU closed the monitor connection");
	finish(&p, q);
}

Test(qmp, timeout_then_late_reply_is_skipped)
{
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"query-status\""),
		SLEEP(500),
		/* Too late for vshim-2, and another stranger. */
		SEND("{\"return\": {\"status\": \"late\"}, \"id\": \"$ID\"}\r\n"),
		EXPECT("{\"execute\":\"query-name\",\"id\":\"vshim-3\"}"),
		SEND("{\"return\": {\"name\": \"stranger\"}, \"id\": \"vshim-99\"}\r\n"
		     "{\"return\": {\"name\": \"no-id\"}}\r\n"
		     "{\"return\": {\"name\": \"right\"}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	yajl_val ret = NULL;
	uint64_t t0;

	handshake(q);
	t0 = vs_now_ns();
	command_fails(q, "query-status", 200,
		      "QMP command `query-status` got no reply within 200 ms");
	cr_assert_geq(vs_now_ns() - t0, 190000000u, "gave up too early");
	cr_assert_lt(vs_now_ns() - t0, 2000000000u, "gave up too late");
	/* A timeout does not kill the connection; the late reply is skipped. */
	cr_assert_eq(drv_qmp_command(q, "query-name", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert_str_eq(str_at(ret, "name"), "right");
	yajl_tree_free(ret);
	finish(&p, q);
}

Test(qmp, events_flood_does_not_extend_timeout)
{
	static char events[200 * 24];
	static struct peer_step script[] = {
		HANDSHAKE,    EXPECT("\"execute\":\"query-status\""),
		SEND(events), SLEEP(50),
		SEND(events), SLEEP(50),
		SEND(events), SLEEP(50),
		SEND(events), SLEEP(50),
		SEND(events), SLEEP(50),
		SEND(events), SLEEP(50),
		END,
	};
	struct fake_peer p;
	struct drv_qmp *q;
	struct drv_qmp_event ev;
	size_t len = 0;
	int n = 0;
	uint64_t t0;

	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(events + len, sizeof(events) - len,
					"{\"event\": \"NOISE\"}\r\n");
	q = start(&p, script);
	handshake(q);
	t0 = vs_now_ns();
	/* The events keep coming for 300 ms; the wait still ends at 400 ms. */
	command_fails(q, "query-status", 400, "got no reply within 400 ms");
	cr_assert_lt(vs_now_ns() - t0, 1000000000u);
	while (drv_qmp_next_event(q, &ev))
		n++;
	cr_assert_leq(n, DRV_QMP_MAX_EVENTS);
	cr_assert_gt(n, 0);
	finish(&p, q);
}

Test(qmp, greeting_not_qmp_event)
{
	static const struct peer_step script[] = {
		SEND("{\"event\": \"STOP\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert_str_eq(err->msg, "QMP handshake failed: QEMU's monitor did not start with a "
				   "QMP greeting");
	finish(&p, q);
}

Test(qmp, greeting_not_json)
{
	static const struct peer_step script[] = {
		SEND("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert(strstr(err->msg, "QMP handshake failed: QEMU sent malformed JSON on the "
				   "monitor") == err->msg,
		  "%s", err->msg);
	finish(&p, q);
}

Test(qmp, greeting_malformed)
{
	static const struct peer_step script[] = {
		SEND("{\"QMP\": \"7.2\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert_str_eq(err->msg, "QMP handshake failed: QEMU sent a malformed QMP greeting");
	finish(&p, q);
}

Test(qmp, greeting_timeout)
{
	static const struct peer_step script[] = { END };
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake(q, 200, &err), -1);
	cr_assert_str_eq(err->msg, "QEMU sent no QMP greeting within 200 ms");
	finish(&p, q);
}

Test(qmp, capabilities_refused)
{
	static const struct peer_step script[] = {
		GREETING,
		EXPECT("\"execute\":\"qmp_capabilities\""),
		SEND("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no\"}, \"id\": "
		     "\"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert_str_eq(err->msg, "QMP handshake failed: QMP command `qmp_capabilities` failed: "
				   "CommandNotFound: no");
	finish(&p, q);
}

Test(qmp, eof_before_greeting)
{
	static const struct peer_step script[] = { PEER_HANGUP };
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert_str_eq(err->msg, "QMP handshake failed: QEMU closed the monitor connection");
	finish(&p, q);
}

Test(qmp, free_null)
{
	cleanup_qmp struct drv_qmp *q = NULL;

	drv_qmp_free(NULL);
	drv_qmp_args_free(NULL);
	cr_assert_null(q);
}

/*
 * The handshake begun before QEMU runs (the driver's start-up):
 * qmp_capabilities goes out before the greeting has come, and the rest is
 * taken in by a wait or by a poll loop's reads.
 */
Test(qmp, handshake_begun_before_the_greeting)
{
	static const struct peer_step script[] = {
		/* The command is read before the peer has greeted: it was sent first. */
		EXPECT("{\"execute\":\"qmp_capabilities\",\"id\":\"vshim-1\"}"),
		GREETING,
		SLEEP(50),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		EXPECT("{\"execute\":\"query-status\",\"id\":\"vshim-2\"}"),
		SEND("{\"return\": {\"status\": \"running\"}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	yajl_val ret = NULL;

	cr_assert_eq(drv_qmp_handshake_begin(q, &err), 0, "%s", err ? err->msg : "");
	cr_assert(!drv_qmp_ready(q), "ready before the peer answered");
	/* Begun twice is begun once: the script expects one command. */
	cr_assert_eq(drv_qmp_handshake_begin(q, &err), 0, "%s", err ? err->msg : "");
	handshake(q);
	cr_assert(drv_qmp_ready(q));
	cr_assert_eq(drv_qmp_command(q, "query-status", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert_str_eq(str_at(ret, "status"), "running");
	yajl_tree_free(ret);
	finish(&p, q);
}

Test(qmp, handshake_begun_completes_in_a_poll_loop)
{
	static const struct peer_step script[] = {
		EXPECT("\"execute\":\"qmp_capabilities\""),
		GREETING,
		SEND("{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": "
		     "2}}\r\n"),
		SLEEP(20),
		SEND("{\"return\": {}, \"id\": \"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	struct drv_qmp_event ev;
	int rounds = 0;

	cr_assert_eq(drv_qmp_handshake_begin(q, &err), 0, "%s", err ? err->msg : "");
	while (!drv_qmp_ready(q)) {
		struct pollfd pfd = { .fd = drv_qmp_fd(q), .events = POLLIN };

		cr_assert_lt(rounds++, 100, "the handshake never completed");
		cr_assert_eq(poll(&pfd, 1, T_MS), 1, "nothing came from the peer");
		cr_assert_eq(drv_qmp_read(q, &err), 0, "%s", err ? err->msg : "");
	}
	/* What came meanwhile is queued as usual. */
	cr_assert(drv_qmp_next_event(q, &ev));
	cr_assert_eq(ev.type, DRV_QMP_EVENT_RESUME);
	/* Nothing is left to wait for. */
	handshake(q);
	finish(&p, q);
}

Test(qmp, handshake_begun_refused)
{
	static const struct peer_step script[] = {
		EXPECT("\"execute\":\"qmp_capabilities\""),
		GREETING,
		SEND("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no caps\"}, \"id\": "
		     "\"$ID\"}\r\n"),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake_begin(q, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert_str_eq(err->msg, "QMP handshake failed: QEMU refused qmp_capabilities: "
				   "CommandNotFound: no caps");
	cr_assert(!drv_qmp_ready(q));
	command_fails(q, "query-status", T_MS, "the QMP connection is unusable");
	finish(&p, q);
}

/* QEMU dying between its greeting and its answer. */
Test(qmp, handshake_begun_peer_dies_midway)
{
	static const struct peer_step script[] = {
		EXPECT("\"execute\":\"qmp_capabilities\""),
		GREETING,
		SLEEP(50),
		PEER_HANGUP,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake_begin(q, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), -1);
	cr_assert_str_eq(err->msg, "QMP handshake failed: QEMU closed the monitor connection");
	finish(&p, q);
}

/* A monitor that greets and then never answers. */
Test(qmp, handshake_begun_never_answered)
{
	static const struct peer_step script[] = {
		EXPECT("\"execute\":\"qmp_capabilities\""),
		GREETING,
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);

	cr_assert_eq(drv_qmp_handshake_begin(q, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(drv_qmp_handshake(q, 300, &err), -1);
	cr_assert_str_eq(err->msg, "QEMU did not answer qmp_capabilities within 300 ms");
	cr_assert_eq(err->errnum, ETIMEDOUT);
	finish(&p, q);
}
