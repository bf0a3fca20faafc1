/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/guest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "guest/proto/json.h"

/* Mount shares in one CREATE, at most. */
#define MAX_BINDS 4096u

void proto_request_clear(struct proto_request *req)
{
	if (req->type == PROTO_CREATE) {
		free(req->create.binds);
		proto_network_clear(&req->create.network);
	}
	if (req->type == PROTO_NETWORK)
		proto_network_clear(&req->network);
	if (req->json != NULL)
		yajl_tree_free(req->json);
	proto_frame_clear(&req->frame);
	memset(req, 0, sizeof(*req));
}

static int decode_create(struct proto_request *req, struct vs_error **err)
{
	yajl_val binds = NULL;
	int has_network;

	if (proto_json_get_string(req->json, "CREATE", "container_id", true, PROTO_MAX_STRING,
				  &req->create.container_id, err) < 0 ||
	    proto_json_get_string(req->json, "CREATE", "config", true, PROTO_MAX_PAYLOAD,
				  &req->create.config, err) < 0 ||
	    proto_json_get_array(req->json, "CREATE", "binds", false, MAX_BINDS, &binds, err) < 0)
		return -1;
	has_network = proto_network_get(req->json, "CREATE", "network", &req->create.network, err);
	if (has_network < 0)
		return -1;
	req->create.has_network = has_network > 0;
	req->create.config_len = strlen(req->create.config);
	if (req->create.container_id[0] == '\0' || req->create.config_len == 0)
		return vs_error_set(err, 0, "agent message CREATE has an empty field");
	if (binds == NULL)
		return 0;
	req->create.binds = vs_xcalloc(binds->u.array.len, sizeof(*req->create.binds));
	for (size_t i = 0; i < binds->u.array.len; i++) {
		struct proto_bind *b = &req->create.binds[req->create.n_binds++];
		yajl_val v = binds->u.array.values[i];
		long long index;

		if (!YAJL_IS_OBJECT(v))
			return vs_error_set(err, 0,
					    "agent message CREATE: \"binds\" must hold objects");
		if (proto_json_get_int(v, "CREATE", "index", true, 0, 65535, &index, err) < 0)
			return -1;
		b->index = (uint32_t)index;
	}
	return 0;
}

static int decode_payload(struct proto_request *req, struct vs_error **err)
{
	long long n, rows, cols;
	int r;

	switch (req->type) {
	case PROTO_CREATE:
		if (req->id != PROTO_INIT_ID)
			return vs_error_set(err, 0, "agent message CREATE must name process 1");
		return decode_create(req, err);
	case PROTO_START:
		if (req->id != PROTO_INIT_ID)
			return vs_error_set(err, 0, "agent message START must name process 1");
		return 0;
	case PROTO_NETWORK:
		if (req->id != PROTO_INIT_ID)
			return vs_error_set(err, 0, "agent message NETWORK must name process 1");
		return proto_network_decode(req->json, "NETWORK", &req->network, err) < 0 ? -1 : 0;
	case PROTO_EXEC:
		if (req->id <= PROTO_INIT_ID)
			return vs_error_set(err, 0, "agent message EXEC has process id %u",
					    req->id);
		if (proto_json_get_string(req->json, "EXEC", "process", true, PROTO_MAX_PAYLOAD,
					  &req->exec.process, err) < 0)
			return -1;
		req->exec.len = strlen(req->exec.process);
		return 0;
	case PROTO_SIGNAL:
		if (proto_json_get_int(req->json, "SIGNAL", "signal", true, 1, 64, &n, err) < 0)
			return -1;
		req->signo = (int)n;
		return 0;
	case PROTO_RESIZE:
		if (proto_json_get_int(req->json, "RESIZE", "rows", true, 0, 65535, &rows, err) <
			0 ||
		    proto_json_get_int(req->json, "RESIZE", "cols", true, 0, 65535, &cols, err) < 0)
			return -1;
		req->resize.rows = (unsigned int)rows;
		req->resize.cols = (unsigned int)cols;
		return 0;
	case PROTO_TERMIOS:
		r = proto_json_get_bool(req->json, "TERMIOS", "onlcr", &req->onlcr, err);
		if (r == 0)
			return vs_error_set(err, 0, "agent message TERMIOS lacks \"onlcr\"");
		return r < 0 ? -1 : 0;
	case PROTO_CLOCK:
		if (req->id != 0)
			return vs_error_set(err, 0, "agent message CLOCK must name process 0");
		if (proto_json_get_int(req->json, "CLOCK", "sec", true, 0, PROTO_CLOCK_MAX_SEC,
				       &req->clock.sec, err) < 0 ||
		    proto_json_get_int(req->json, "CLOCK", "nsec", true, 0, 999999999,
				       &req->clock.nsec, err) < 0)
			return -1;
		return 0;
	case PROTO_STDIN:
		req->stdin_data.data = req->frame.payload;
		req->stdin_data.len = req->frame.len;
		return 0;
	default:
		return 0;
	}
}

int proto_guest_decode(struct proto_frame *f, struct proto_request *req, struct vs_error **err)
{
	const struct proto_type_info *info = proto_type_info(f->type);

	memset(req, 0, sizeof(*req));
	req->frame = *f;
	memset(f, 0, sizeof(*f));
	req->type = req->frame.type;
	req->id = req->frame.id;
	req->tag = req->frame.tag;
	if (info == NULL || info->dir != PROTO_TO_GUEST)
		return vs_error_set(err, 0, "agent message %s is not a host message",
				    proto_type_name(req->type));
	if (info->request && req->tag == 0)
		return vs_error_set(err, 0, "agent request %s has no tag", info->name);
	if (!info->request && (req->tag != 0 || req->id == 0))
		return vs_error_set(err, 0, "agent message %s needs a process id and no tag",
				    info->name);
	if (info->payload == PROTO_PAYLOAD_JSON) {
		req->json = proto_json_parse(&req->frame, err);
		if (req->json == NULL)
			return -1;
	}
	return decode_payload(req, err);
}

/* Encoders: what they append is valid by construction. */

static void append(struct proto_buf *b, uint16_t type, uint32_t id, uint32_t tag,
		   const void *payload, size_t len)
{
	if (proto_frame_append(b, type, id, tag, payload, len, NULL) < 0)
		abort(); /* a bug in this file */
}

static void finish(yajl_gen g, struct proto_buf *b, uint16_t type, uint32_t id, uint32_t tag)
{
	if (proto_json_finish(g, b, type, id, tag, NULL) < 0)
		abort(); /* a bug in this file */
}

void proto_guest_hello(struct proto_buf *b, const char *agent_version, double agent_ms,
		       double uptime_ms)
{
	yajl_gen g = proto_json_begin();

	proto_json_put_int(g, "protocol", PROTO_VERSION);
	proto_json_put_string(g, "agent", agent_version, strlen(agent_version));
	proto_json_put_double(g, "agent_ms", agent_ms);
	proto_json_put_double(g, "uptime_ms", uptime_ms);
	finish(g, b, PROTO_HELLO, 0, 0);
}

void proto_guest_ok(struct proto_buf *b, uint32_t tag, uint32_t id)
{
	append(b, PROTO_OK, id, tag, NULL, 0);
}

void proto_guest_pid(struct proto_buf *b, uint32_t tag, uint32_t id, uint32_t pid)
{
	yajl_gen g = proto_json_begin();

	proto_json_put_int(g, "pid", pid);
	finish(g, b, PROTO_PID, id, tag);
}

void proto_guest_ps(struct proto_buf *b, uint32_t tag, const uint32_t *pids, size_t n)
{
	yajl_gen g = proto_json_begin();

	proto_json_key(g, "pids");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n && i < PROTO_MAX_PIDS; i++)
		yajl_gen_integer(g, pids[i]);
	yajl_gen_array_close(g);
	finish(g, b, PROTO_PS_REPLY, 0, tag);
}

void proto_guest_error(struct proto_buf *b, uint32_t tag, uint32_t id, int errnum, int status,
		       const char *message)
{
	yajl_gen g = proto_json_begin();
	size_t len = strlen(message);

	proto_json_put_string(g, "message", message,
			      len < PROTO_MAX_STRING ? len : PROTO_MAX_STRING);
	if (errnum > 0 && errnum < 4096)
		proto_json_put_int(g, "errno", errnum);
	if (status > 0 && status < 256)
		proto_json_put_int(g, "status", status);
	finish(g, b, PROTO_ERROR, tag != 0 ? id : 0, tag);
}

void proto_guest_output(struct proto_buf *b, uint16_t type, uint32_t id, const void *data,
			size_t len)
{
	const uint8_t *p = data;

	for (size_t off = 0; off < len;) {
		size_t n = len - off < PROTO_MAX_STDIO ? len - off : PROTO_MAX_STDIO;

		append(b, type, id, 0, p + off, n);
		off += n;
	}
}

void proto_guest_exit(struct proto_buf *b, uint32_t id, int status, int signo)
{
	yajl_gen g = proto_json_begin();

	if (signo > 0 && signo <= 64) {
		proto_json_put_int(g, "status", 128 + signo);
		proto_json_put_int(g, "signal", signo);
	} else {
		proto_json_put_int(g, "status", status & 0xff);
	}
	finish(g, b, PROTO_EXIT, id, 0);
}

void proto_guest_window(struct proto_buf *b, uint32_t id, uint32_t bytes)
{
	yajl_gen g = proto_json_begin();

	proto_json_put_int(g, "bytes", bytes);
	finish(g, b, PROTO_STDIN_WINDOW, id, 0);
}
