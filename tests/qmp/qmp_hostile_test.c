/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client against a hostile peer: malformed, oversized and deeply
 * nested replies fail the command and kill the connection, with bounded
 * memory.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "harness.h"

TestSuite(qmp_hostile, .init = verbose);

/* Handshake, then `query-status` gets the reply step; the command must fail with want. */
static void hostile_step(struct peer_step reply, const char *want)
{
	struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"query-status\""),
		reply,
		END,
	};
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	cleanup_error struct vs_error *err = NULL;

	handshake(q);
	command_fails(q, "query-status", T_MS, want);
	/* Every protocol error kills the connection. */
	cr_assert_eq(drv_qmp_read(q, &err), -1);
	cr_assert(strstr(err->msg, "the QMP connection is unusable: ") == err->msg, "%s", err->msg);
	finish(&p, q);
}

static void hostile_reply(const char *reply, const char *want)
{
	hostile_step((struct peer_step)SEND(reply), want);
}

Test(qmp_hostile, malformed_json)
{
	hostile_reply("{\"return\": {\"status\": }, \"id\": \"$ID\"}\r\n",
		      "cannot run QMP command `query-status`: QEMU sent malformed JSON on the "
		      "monitor: parse error");
}

Test(qmp_hostile, truncated_json_line)
{
	hostile_reply("{\"return\": {\r\n", "QEMU sent malformed JSON on the monitor");
}

Test(qmp_hostile, trailing_garbage)
{
	hostile_reply("{\"return\": {}, \"id\": \"$ID\"} {}\r\n",
		      "QEMU sent malformed JSON on the monitor");
}

Test(qmp_hostile, comment_is_refused)
{
	hostile_reply("{\"return\": {} /* [[[ */, \"id\": \"$ID\"}\r\n",
		      "QEMU sent malformed JSON on the monitor: a `/` outside a string");
}

Test(qmp_hostile, invalid_utf8)
{
	hostile_reply("{\"return\": \"\xff\xfe\", \"id\": \"$ID\"}\r\n",
		      "QEMU sent malformed JSON on the monitor");
}

Test(qmp_hostile, reply_not_an_object)
{
	hostile_reply("[{\"return\": {}, \"id\": \"$ID\"}]\r\n",
		      "QEMU sent a QMP message that is not a JSON object");
}

Test(qmp_hostile, string_not_an_object)
{
	hostile_reply("\"hello\"\r\n", "QEMU sent a QMP message that is not a JSON object");
}

Test(qmp_hostile, id_not_a_string)
{
	hostile_reply("{\"return\": {}, \"id\": 2}\r\n",
		      "QEMU sent a QMP reply whose id is not a string");
}

Test(qmp_hostile, neither_reply_nor_event)
{
	hostile_reply("{\"hello\": 1}\r\n",
		      "QEMU sent a QMP message that is neither a reply nor an event");
}

Test(qmp_hostile, event_without_name)
{
	hostile_reply("{\"event\": 5}\r\n", "QEMU sent a QMP event without a name");
}

Test(qmp_hostile, second_greeting)
{
	hostile_reply(GREETING_TEXT, "QEMU sent a second QMP greeting");
}

Test(qmp_hostile, nul_byte)
{
	static const char reply[] = "{\"return\": {}, \"id\": \"vshim-2\"\0}\r\n";

	hostile_step((struct peer_step)SEND_RAW(reply, sizeof(reply) - 1),
		     "QEMU sent a QMP message containing a NUL byte");
}

Test(qmp_hostile, deep_nesting)
{
	static char reply[64 * 1024];
	size_t n = 0;

	n += (size_t)snprintf(reply, sizeof(reply), "{\"id\": \"$ID\", \"return\": ");
	for (int i = 0; i < 20000; i++)
		reply[n++] = '[';
	memcpy(reply + n, "\r\n", 3);
	hostile_reply(reply, "QEMU sent a QMP message nested deeper than 128 levels");
}

Test(qmp_hostile, nesting_within_limit_is_fine)
{
	static char reply[4096];
	struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"query-status\""),
		SEND(reply),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q;
	yajl_val ret = NULL;
	size_t n = (size_t)snprintf(reply, sizeof(reply), "{\"id\": \"$ID\", \"return\": ");

	/* The reply object is level 1: 127 arrays make 128 levels. */
	for (int i = 0; i < DRV_QMP_MAX_DEPTH - 1; i++)
		reply[n++] = '[';
	for (int i = 0; i < DRV_QMP_MAX_DEPTH - 1; i++)
		reply[n++] = ']';
	memcpy(reply + n, "}\r\n", 4);
	q = start(&p, script);
	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "query-status", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert(YAJL_IS_ARRAY(ret));
	yajl_tree_free(ret);
	finish(&p, q);
}

/* Address space in use now, from /proc/self/status, in bytes. */
static size_t vm_size(void)
{
	char line[256];
	size_t kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	cr_assert_gt(kb, 0);
	return kb * 1024;
}

Test(qmp_hostile, oversized_line_is_an_error_with_bounded_memory)
{
	/* 256 MiB without a newline; the client may hold about 1 MiB of it. */
	static const struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"query-status\""),
		SEND("{\"return\": \""),
		FLOOD(256u << 20),
	};
	struct fake_peer p;
	struct drv_qmp *q = start(&p, script);
	struct rlimit lim;
	uint64_t t0;

	handshake(q);
	/*
	 * Any allocation near the flood's size aborts the test process: the
	 * address space may grow by 24 MiB at most (the limit is 1 MiB).
	 */
	lim.rlim_cur = lim.rlim_max = vm_size() + (24u << 20);
	cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);
	t0 = vs_now_ns();
	command_fails(q, "query-status", 20000,
		      "cannot run QMP command `query-status`: QEMU sent a QMP message longer "
		      "than 1048576 bytes");
	cr_assert_lt(vs_now_ns() - t0, 10000000000u, "the limit was noticed late");
	finish(&p, q);
}

Test(qmp_hostile, oversized_complete_line)
{
	/* The newline arrives in the same read as the bytes over the limit. */
	static char reply[DRV_QMP_MAX_MESSAGE + 100];
	size_t n = (size_t)snprintf(reply, sizeof(reply), "{\"id\": \"$ID\", \"return\": \"");

	memset(reply + n, 'y', sizeof(reply) - n - 5);
	memcpy(reply + sizeof(reply) - 5, "\"}\r\n", 5);
	hostile_reply(reply, "QEMU sent a QMP message longer than 1048576 bytes");
}

Test(qmp_hostile, line_at_the_limit_is_fine)
{
	static char reply[DRV_QMP_MAX_MESSAGE + 3];
	struct peer_step script[] = {
		HANDSHAKE,
		EXPECT("\"execute\":\"query-status\""),
		SEND(reply),
		END,
	};
	cleanup_error struct vs_error *err = NULL;
	struct fake_peer p;
	struct drv_qmp *q;
	yajl_val ret = NULL;
	size_t n = (size_t)snprintf(reply, sizeof(reply), "{\"id\": \"vshim-2\", \"return\": \"");

	/* Exactly DRV_QMP_MAX_MESSAGE bytes before the "\n" ("\r" included). */
	memset(reply + n, 'z', DRV_QMP_MAX_MESSAGE - n - 3);
	memcpy(reply + DRV_QMP_MAX_MESSAGE - 3, "\"}\r\n", 5);
	cr_assert_eq(strlen(reply), DRV_QMP_MAX_MESSAGE + 1);
	q = start(&p, script);
	handshake(q);
	cr_assert_eq(drv_qmp_command(q, "query-status", NULL, T_MS, &ret, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert(YAJL_IS_STRING(ret));
	cr_assert_eq(strlen(ret->u.string), DRV_QMP_MAX_MESSAGE - n - 3);
	yajl_tree_free(ret);
	finish(&p, q);
}
