/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "guest/proto/guest.h"

/* Tags and ids as requests() in proto_host_fuzz.c makes them. */
enum {
	CREATE_TAG = 1,
	EXEC1_TAG,
	EXEC2_TAG,
	PS_TAG,
	SIGNAL_TAG,
	SHUTDOWN_TAG,
	START_TAG
};

static void conversation(struct proto_buf *b, unsigned int variant)
{
	static const uint32_t pids[] = { 1, 7, 42, 4194304 };

	proto_guest_hello(b, "0.1.0", 3.5, 640.25);
	proto_guest_pid(b, CREATE_TAG, 1, 200);
	proto_guest_pid(b, EXEC1_TAG, 2, 201);
	proto_guest_output(b, PROTO_STDOUT, 2, "hello\n", 6);
	proto_guest_output(b, PROTO_STDERR, 2, "oops\n", 5);
	proto_guest_window(b, 2, 100);
	if (variant == 1) {
		proto_guest_error(b, EXEC2_TAG, 3, ENOENT, 127, "exec: \"x\": not found");
		proto_guest_ok(b, START_TAG, 1);
		proto_guest_output(b, PROTO_STDOUT, 1, "init\n", 5);
	}
	proto_guest_exit(b, 2, 0, 9);
	proto_guest_ps(b, PS_TAG, pids, 4);
	proto_guest_ok(b, SIGNAL_TAG, 0);
	proto_guest_error(b, 0, 0, EIO, 0, "notice");
	if (variant == 1)
		proto_guest_exit(b, 1, 3, 0);
	proto_guest_ok(b, SHUTDOWN_TAG, 0);
}

size_t fuzz_seed(unsigned int i, uint8_t **out)
{
	static const uint8_t chunks[] = { 255, 0, 15, 63 };
	struct proto_buf b = PROTO_BUF_INIT;
	size_t len;

	if (i >= 2 * sizeof(chunks))
		return 0;
	proto_buf_append(&b, &chunks[i % sizeof(chunks)], 1);
	conversation(&b, i / sizeof(chunks));
	len = proto_buf_pending(&b);
	*out = malloc(len);
	memcpy(*out, proto_buf_peek(&b), len);
	proto_buf_clear(&b);
	return len;
}
