/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "guest/proto/host.h"

/* The host's side of the conversation: requests that make guest replies meaningful. */
static void requests(struct proto_host *h, struct proto_buf *out)
{
	static const char config[] = "{\"ociVersion\":\"1.0.2\"}";
	static const char process[] = "{\"args\":[\"sh\"]}";
	struct proto_bind bind = { 3 };
	uint32_t id;

	proto_host_create(h, out, "fuzz", config, sizeof(config) - 1, &bind, 1, NULL, NULL, NULL);
	proto_host_exec(h, out, process, sizeof(process) - 1, &id, NULL, NULL);
	proto_host_exec(h, out, process, sizeof(process) - 1, &id, NULL, NULL);
	proto_host_ps(h, out, NULL, NULL);
	proto_host_signal(h, out, 0, 9, NULL, NULL);
	proto_host_shutdown(h, out, NULL, NULL);
}

/* What a monitor does with a message: act on it, and keep the conversation going. */
static void react(struct proto_host *h, struct proto_buf *out, const struct proto_host_msg *m)
{
	static const uint8_t bytes[100];
	volatile size_t sink = 0;

	if (m->type == PROTO_PID && m->request == PROTO_CREATE)
		proto_host_start(h, out, NULL, NULL);
	if (m->type == PROTO_STDOUT || m->type == PROTO_STDERR)
		for (size_t i = 0; i < m->output.len; i++)
			sink += m->output.data[i];
	if (m->type == PROTO_ERROR)
		sink += strlen(m->error.message);
	if (m->type == PROTO_PS_REPLY)
		for (size_t i = 0; i < m->ps.n; i++)
			sink += m->ps.pids[i];
	for (uint32_t id = 1; id <= 3; id++)
		proto_host_stdin(h, out, id, bytes, sizeof(bytes), NULL);
	(void)sink;
	/* The monitor writes its queue out; here it is dropped. */
	proto_buf_consume(out, proto_buf_pending(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_host *h = proto_host_new();
	struct proto_buf out = PROTO_BUF_INIT;
	size_t chunk, off = 1;

	if (size == 0) {
		proto_host_free(h);
		return 0;
	}
	chunk = (size_t)data[0] + 1;
	requests(h, &out);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t used = 0;

		while (used < n) {
			struct proto_host_msg m;
			struct vs_error *err = NULL;
			ssize_t r = proto_host_feed(h, data + off + used, n - used, &m, &err);

			if (r < 0) {
				/* A refusal must say why, and the channel stays dead. */
				if (err == NULL || err->msg == NULL)
					abort();
				vs_error_free(err);
				err = NULL;
				if (proto_host_feed(h, data, 1, &m, &err) != -1)
					abort();
				vs_error_free(err);
				goto out;
			}
			used += (size_t)r;
			if (m.type != 0) {
				react(h, &out, &m);
				proto_host_msg_clear(&m);
			} else if (r == 0) {
				abort(); /* no progress and no message */
			}
		}
		off += n;
	}
out:
	proto_buf_clear(&out);
	proto_host_free(h);
	return 0;
}
