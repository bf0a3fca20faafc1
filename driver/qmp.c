/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client.  Everything QEMU sends is read into one buffer, cut at
 * newlines, and each line is checked (length, nesting, JSON, object) before
 * it is looked at: a greeting, a reply (matched by our "vshim-N" id, others
 * skipped), or an event (queued).  A protocol error or EOF kills the
 * connection for good; q->dead keeps the reason for the calls that follow.
 */
#include "driver/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define READ_CHUNK     65536
#define READS_PER_CALL 16 /* drv_qmp_read() returns to the poll loop after this many */
#define BUF_MAX	       (DRV_QMP_MAX_MESSAGE + READ_CHUNK + 1)

struct drv_qmp {
	int fd;
	char *buf; /* bytes read that do not form a whole line yet */
	size_t len, cap;
	unsigned long long last_id;
	bool greeted, ready;
	char caps_id[32]; /* the id of a qmp_capabilities sent early; "" when none is awaited */
	char *dead;	  /* why the connection is unusable; NULL while it works */
	struct drv_qmp_event events[DRV_QMP_MAX_EVENTS];
	size_t n_events;
};

/* What a wait is for; handle_line() fills it in. */
struct qmp_wait {
	const char *id; /* the reply awaited, or NULL for none */
	bool done;
	yajl_val reply; /* the whole reply object, owned */
};

struct drv_qmp *drv_qmp_new(int fd)
{
	struct drv_qmp *q = vs_xcalloc(1, sizeof(*q));
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	q->fd = fd;
	return q;
}

void drv_qmp_free(struct drv_qmp *q)
{
	if (q == NULL)
		return;
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	free(q->dead);
	free(q);
}

int drv_qmp_fd(const struct drv_qmp *q)
{
	return q->fd;
}

/*
 * Sets err and marks the connection dead with the same sentence.  Used for
 * every failure after which the stream cannot be trusted to be in step.
 */
VS_PRINTF(4, 5)
static int qmp_die(struct drv_qmp *q, struct vs_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		msg = vs_xstrdup("the QMP connection failed");
	vs_error_set(err, errnum, "%s", msg);
	if (q->dead == NULL)
		q->dead = errnum ? vs_xasprintf("%s: %s", msg, strerror(errnum)) : vs_xstrdup(msg);
	free(msg);
	return -1;
}

static int check_alive(const struct drv_qmp *q, struct vs_error **err)
{
	if (q->dead != NULL)
		return vs_error_set(err, 0, "the QMP connection is unusable: %s", q->dead);
	return 0;
}

static int ms_until(uint64_t deadline_ns)
{
	uint64_t now = vs_now_ns();

	if (now >= deadline_ns)
		return 0;
	return (int)((deadline_ns - now + 999999) / 1000000);
}

static uint64_t deadline_after(int timeout_ms)
{
	return vs_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
}

/* The value of key in object v, or NULL; *index gets its position. */
static yajl_val obj_get(yajl_val v, const char *key, size_t *index)
{
	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (size_t i = 0; i < v->u.object.len; i++)
		if (strcmp(v->u.object.keys[i], key) == 0) {
			if (index != NULL)
				*index = i;
			return v->u.object.values[i];
		}
	return NULL;
}

static const char *obj_get_str(yajl_val v, const char *key)
{
	yajl_val s = obj_get(v, key, NULL);

	return YAJL_IS_STRING(s) ? s->u.string : NULL;
}

static long long obj_get_int(yajl_val v, const char *key)
{
	yajl_val n = obj_get(v, key, NULL);

	return YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : -1;
}

enum scan_result {
	SCAN_OK,
	SCAN_NUL,
	SCAN_COMMENT,
	SCAN_DEEP
};

/*
 * Checks what yajl would accept but vshim must not: NUL bytes (yajl stops at
 * the first), comments (yajl allows them; they would hide brackets from the
 * nesting count), and nesting deeper than DRV_QMP_MAX_DEPTH (yajl_tree_free()
 * recurses once per level).
 */
static enum scan_result scan_json(const char *s, size_t len)
{
	bool in_string = false, escaped = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\0')
			return SCAN_NUL;
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"')
			in_string = true;
		else if (c == '/')
			return SCAN_COMMENT;
		else if ((c == '[' || c == '{') && ++depth > DRV_QMP_MAX_DEPTH)
			return SCAN_DEEP;
		else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return SCAN_OK;
}

/* Parses one line (NUL-terminated at len) into a JSON object. */
static yajl_val parse_object(struct drv_qmp *q, const char *line, size_t len, struct vs_error **err)
{
	char errbuf[256];
	yajl_val v;

	switch (scan_json(line, len)) {
	case SCAN_NUL:
		qmp_die(q, err, 0, "QEMU sent a QMP message containing a NUL byte");
		return NULL;
	case SCAN_COMMENT:
		qmp_die(q, err, 0,
			"QEMU sent malformed JSON on the monitor: a `/` outside a string");
		return NULL;
	case SCAN_DEEP:
		qmp_die(q, err, 0, "QEMU sent a QMP message nested deeper than %d levels",
			DRV_QMP_MAX_DEPTH);
		return NULL;
	case SCAN_OK:
		break;
	}
	errbuf[0] = '\0';
	v = yajl_tree_parse(line, errbuf, sizeof(errbuf));
	if (v == NULL) {
		/* yajl's verbose message quotes the input on further lines: keep the first. */
		errbuf[strcspn(errbuf, "\r\n")] = '\0';
		qmp_die(q, err, 0, "QEMU sent malformed JSON on the monitor: %s",
			errbuf[0] ? errbuf : "parse error");
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		qmp_die(q, err, 0, "QEMU sent a QMP message that is not a JSON object");
		return NULL;
	}
	return v;
}

static enum drv_qmp_event_type event_type(const char *name)
{
	static const struct {
		const char *name;
		enum drv_qmp_event_type type;
	} types[] = {
		{ "SHUTDOWN", DRV_QMP_EVENT_SHUTDOWN },
		{ "STOP", DRV_QMP_EVENT_STOP },
		{ "RESUME", DRV_QMP_EVENT_RESUME },
		{ "RESET", DRV_QMP_EVENT_RESET },
		{ "GUEST_PANICKED", DRV_QMP_EVENT_GUEST_PANICKED },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(types); i++)
		if (strcmp(name, types[i].name) == 0)
			return types[i].type;
	return DRV_QMP_EVENT_OTHER;
}

static void queue_remove(struct drv_qmp *q, size_t i)
{
	memmove(&q->events[i], &q->events[i + 1], (q->n_events - i - 1) * sizeof(q->events[0]));
	q->n_events--;
}

/* Appends ev; a full queue loses its oldest OTHER event first. */
static void queue_push(struct drv_qmp *q, const struct drv_qmp_event *ev)
{
	if (q->n_events == DRV_QMP_MAX_EVENTS) {
		size_t victim = 0;
		bool found = false;

		for (size_t i = 0; i < q->n_events && !found; i++)
			if (q->events[i].type == DRV_QMP_EVENT_OTHER) {
				victim = i;
				found = true;
			}
		if (!found && ev->type == DRV_QMP_EVENT_OTHER) {
			vs_debug("qmp", "event queue full (%d): dropping the new event %s",
				 DRV_QMP_MAX_EVENTS, ev->name);
			return;
		}
		vs_debug("qmp", "event queue full (%d): dropping the oldest %s event %s",
			 DRV_QMP_MAX_EVENTS, found ? "OTHER" : "queued", q->events[victim].name);
		queue_remove(q, victim);
	}
	q->events[q->n_events++] = *ev;
}

static int handle_event(struct drv_qmp *q, yajl_val msg, const char *line, struct vs_error **err)
{
	const char *name = obj_get_str(msg, "event");
	yajl_val data = obj_get(msg, "data", NULL);
	yajl_val ts = obj_get(msg, "timestamp", NULL);
	struct drv_qmp_event ev = { 0 };
	const char *reason = NULL;

	if (name == NULL)
		return qmp_die(q, err, 0, "QEMU sent a QMP event without a name");
	vs_debug("qmp", "event %s", line);
	ev.type = event_type(name);
	snprintf(ev.name, sizeof(ev.name), "%s", name);
	if (ev.type == DRV_QMP_EVENT_SHUTDOWN || ev.type == DRV_QMP_EVENT_RESET) {
		reason = obj_get_str(data, "reason");
		ev.guest = YAJL_IS_TRUE(obj_get(data, "guest", NULL));
	} else if (ev.type == DRV_QMP_EVENT_GUEST_PANICKED) {
		reason = obj_get_str(data, "action");
	}
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason ? reason : "");
	ev.ts_sec = obj_get_int(ts, "seconds");
	ev.ts_usec = obj_get_int(ts, "microseconds");
	queue_push(q, &ev);
	return 0;
}

static int handle_greeting(struct drv_qmp *q, yajl_val msg, struct vs_error **err)
{
	yajl_val qmp = obj_get(msg, "QMP", NULL);
	yajl_val qemu = obj_get(obj_get(qmp, "version", NULL), "qemu", NULL);

	if (q->greeted)
		return qmp_die(q, err, 0, "QEMU sent a second QMP greeting");
	if (!YAJL_IS_OBJECT(qmp))
		return qmp_die(q, err, 0, "QEMU sent a malformed QMP greeting");
	vs_debug("qmp", "greeting from QEMU %lld.%lld.%lld", obj_get_int(qemu, "major"),
		 obj_get_int(qemu, "minor"), obj_get_int(qemu, "micro"));
	q->greeted = true;
	return 0;
}

/* The reply to a qmp_capabilities sent by drv_qmp_handshake_begin(). */
static int handle_caps_reply(struct drv_qmp *q, yajl_val msg, struct vs_error **err)
{
	yajl_val error = obj_get(msg, "error", NULL);

	q->caps_id[0] = '\0';
	if (error != NULL) {
		const char *cls = obj_get_str(error, "class"), *desc = obj_get_str(error, "desc");

		return qmp_die(q, err, 0, "QEMU refused qmp_capabilities: %.64s: %.512s",
			       cls ? cls : "(no class)", desc ? desc : "(no description)");
	}
	vs_debug("qmp", "capabilities negotiated");
	q->ready = true;
	return 0;
}

/* A reply: ours when its id is the one awaited, skipped otherwise. */
static int handle_reply(struct drv_qmp *q, yajl_val *msg, struct qmp_wait *w, struct vs_error **err)
{
	yajl_val id = obj_get(*msg, "id", NULL);

	if (id == NULL) {
		vs_debug("qmp", "skipping a QMP reply without an id");
		return 0;
	}
	if (!YAJL_IS_STRING(id))
		return qmp_die(q, err, 0, "QEMU sent a QMP reply whose id is not a string");
	if (q->caps_id[0] != '\0' && strcmp(q->caps_id, id->u.string) == 0)
		return handle_caps_reply(q, *msg, err);
	if (w == NULL || w->id == NULL || w->done || strcmp(w->id, id->u.string) != 0) {
		vs_debug("qmp", "skipping a QMP reply with unknown id `%.64s`", id->u.string);
		return 0;
	}
	w->reply = steal_pointer(msg);
	w->done = true;
	return 0;
}

/* One line without its newline, NUL-terminated at len. */
static int handle_line(struct drv_qmp *q, char *line, size_t len, struct qmp_wait *w,
		       struct vs_error **err)
{
	yajl_val msg;
	int r;

	if (len > DRV_QMP_MAX_MESSAGE)
		return qmp_die(q, err, 0, "QEMU sent a QMP message longer than %d bytes",
			       DRV_QMP_MAX_MESSAGE);
	/* QEMU ends its lines with "\r\n". */
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	if (len == 0)
		return 0;
	msg = parse_object(q, line, len, err);
	if (msg == NULL)
		return -1;
	if (obj_get(msg, "QMP", NULL) != NULL)
		r = handle_greeting(q, msg, err);
	else if (!q->greeted)
		r = qmp_die(q, err, 0, "QEMU's monitor did not start with a QMP greeting");
	else if (obj_get(msg, "event", NULL) != NULL)
		r = handle_event(q, msg, line, err);
	else if (obj_get(msg, "return", NULL) != NULL || obj_get(msg, "error", NULL) != NULL)
		r = handle_reply(q, &msg, w, err);
	else
		r = qmp_die(q, err, 0,
			    "QEMU sent a QMP message that is neither a reply nor an event");
	yajl_tree_free(msg);
	return r;
}

/* Handles every whole line in the buffer; keeps the partial one. */
static int process_buffer(struct drv_qmp *q, struct qmp_wait *w, struct vs_error **err)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(q->buf + start, '\n', q->len - start)) != NULL) {
		char *line = q->buf + start;

		*nl = '\0';
		start = (size_t)(nl - q->buf) + 1;
		if (handle_line(q, line, (size_t)(nl - line), w, err) < 0)
			return -1;
	}
	memmove(q->buf, q->buf + start, q->len - start);
	q->len -= start;
	if (q->len > DRV_QMP_MAX_MESSAGE)
		return qmp_die(q, err, 0, "QEMU sent a QMP message longer than %d bytes",
			       DRV_QMP_MAX_MESSAGE);
	return 0;
}

/* One read(): 1 when bytes came, 0 when none are ready, -1 on EOF or error. */
static int read_some(struct drv_qmp *q, struct vs_error **err)
{
	size_t need = q->len + READ_CHUNK + 1; /* never above BUF_MAX: see process_buffer() */
	ssize_t n;

	if (q->cap < need) {
		size_t cap = q->cap ? q->cap : READ_CHUNK + 1;

		while (cap < need)
			cap *= 2;
		q->cap = cap < BUF_MAX ? cap : BUF_MAX;
		q->buf = vs_xrealloc(q->buf, q->cap);
	}
	do
		n = read(q->fd, q->buf + q->len, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	/* An exiting QEMU may reset the connection rather than close it: the same end. */
	if (n < 0 && errno == ECONNRESET)
		n = 0;
	if (n < 0)
		return qmp_die(q, err, errno, "cannot read from the QEMU monitor");
	if (n == 0 && q->len > 0)
		return qmp_die(q, err, 0,
			       "QEMU closed the monitor connection in the middle of a message");
	if (n == 0)
		return qmp_die(q, err, 0, "QEMU closed the monitor connection");
	q->len += (size_t)n;
	return 1;
}

/* Reads until w is done: 1, timeout: 0, error: -1. */
static int pump(struct drv_qmp *q, struct qmp_wait *w,
		bool (*done)(struct drv_qmp *q, struct qmp_wait *w), uint64_t deadline_ns,
		struct vs_error **err)
{
	while (!done(q, w)) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int ms = ms_until(deadline_ns), r;

		if (ms == 0)
			return 0;
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vs_error_set(err, errno, "cannot wait for the QEMU monitor");
		if (r == 0)
			continue;
		r = read_some(q, err);
		if (r < 0)
			return -1;
		if (r > 0 && process_buffer(q, w, err) < 0)
			return -1;
	}
	return 1;
}

static bool reply_done(struct drv_qmp *q, struct qmp_wait *w)
{
	return w->done;
}

static bool greeting_done(struct drv_qmp *q, struct qmp_wait *w)
{
	return q->greeted;
}

static bool caps_done(struct drv_qmp *q, struct qmp_wait *w)
{
	return q->ready;
}

int drv_qmp_read(struct drv_qmp *q, struct vs_error **err)
{
	if (check_alive(q, err) < 0)
		return -1;
	for (int i = 0; i < READS_PER_CALL; i++) {
		int r = read_some(q, err);

		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (process_buffer(q, NULL, err) < 0)
			return -1;
	}
	return 0;
}

bool drv_qmp_next_event(struct drv_qmp *q, struct drv_qmp_event *ev)
{
	if (q->n_events == 0)
		return false;
	*ev = q->events[0];
	queue_remove(q, 0);
	return true;
}

/* Copies a parsed value into g; fails on yajl_gen's own limits (depth, UTF-8). */
static yajl_gen_status gen_value(yajl_gen g, yajl_val v)
{
	yajl_gen_status s = yajl_gen_status_ok;

	if (YAJL_IS_OBJECT(v)) {
		s = yajl_gen_map_open(g);
		for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];

			s = yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			if (s == yajl_gen_status_ok)
				s = gen_value(g, v->u.object.values[i]);
		}
		return s == yajl_gen_status_ok ? yajl_gen_map_close(g) : s;
	}
	if (YAJL_IS_ARRAY(v)) {
		s = yajl_gen_array_open(g);
		for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.array.len; i++)
			s = gen_value(g, v->u.array.values[i]);
		return s == yajl_gen_status_ok ? yajl_gen_array_close(g) : s;
	}
	if (YAJL_IS_STRING(v))
		return yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	if (YAJL_IS_NUMBER(v))
		return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return yajl_gen_bool(g, YAJL_IS_TRUE(v));
	return yajl_gen_null(g);
}

static void gen_cleanup(yajl_gen *g)
{
	if (*g != NULL)
		yajl_gen_free(*g);
}

/* {"execute":command,"arguments":...,"id":id} and a newline, in a new string. */
static char *format_command(const char *command, const char *arguments_json, const char *id,
			    struct vs_error **err)
{
	__attribute__((cleanup(gen_cleanup))) yajl_gen g = yajl_gen_alloc(NULL);
	yajl_val args = NULL;
	const unsigned char *out;
	size_t len;
	yajl_gen_status s;

	if (arguments_json != NULL) {
		char errbuf[256] = "";

		if (scan_json(arguments_json, strlen(arguments_json)) == SCAN_OK)
			args = yajl_tree_parse(arguments_json, errbuf, sizeof(errbuf));
		if (!YAJL_IS_OBJECT(args)) {
			yajl_tree_free(args);
			errbuf[strcspn(errbuf, "\r\n")] = '\0';
			vs_error_code(err, EINVAL,
				      "the arguments of QMP command `%s` are not a JSON object%s%s",
				      command, errbuf[0] ? ": " : "", errbuf);
			return NULL;
		}
	}
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	s = yajl_gen_map_open(g);
	if (s == yajl_gen_status_ok)
		s = yajl_gen_string(g, (const unsigned char *)"execute", 7);
	if (s == yajl_gen_status_ok)
		s = yajl_gen_string(g, (const unsigned char *)command, strlen(command));
	if (s == yajl_gen_status_ok && args != NULL) {
		s = yajl_gen_string(g, (const unsigned char *)"arguments", 9);
		if (s == yajl_gen_status_ok)
			s = gen_value(g, args);
	}
	yajl_tree_free(args);
	if (s == yajl_gen_status_ok)
		s = yajl_gen_string(g, (const unsigned char *)"id", 2);
	if (s == yajl_gen_status_ok)
		s = yajl_gen_string(g, (const unsigned char *)id, strlen(id));
	if (s == yajl_gen_status_ok)
		s = yajl_gen_map_close(g);
	if (s != yajl_gen_status_ok || yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok) {
		vs_error_code(err, EINVAL, "cannot encode QMP command `%s` (yajl_gen status %d)",
			      command, (int)s);
		return NULL;
	}
	return vs_xasprintf("%.*s\n", (int)len, (const char *)out);
}

/* Writes the whole line by the deadline; any failure leaves the stream unusable. */
static int send_line(struct drv_qmp *q, const char *command, const char *line, int timeout_ms,
		     uint64_t deadline_ns, struct vs_error **err)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = send(q->fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p = { .fd = q->fd, .events = POLLOUT };
		int ms;

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return qmp_die(q, err, errno, "cannot send QMP command `%s`", command);
		ms = ms_until(deadline_ns);
		if (ms == 0 || (poll(&p, 1, ms) < 0 && errno != EINTR))
			return qmp_die(q, err, 0, "QEMU did not take QMP command `%s` within %d ms",
				       command, timeout_ms);
	}
	return 0;
}

/* Marks a timeout (errnum ETIMEDOUT) without ": Connection timed out" in the message. */
static int timed_out(struct vs_error **err)
{
	if (err != NULL && *err != NULL && (*err)->errnum == 0)
		(*err)->errnum = ETIMEDOUT;
	return -1;
}

/* Turns an error reply into err; returns -1. */
static int reply_error(const char *command, yajl_val error, struct vs_error **err)
{
	const char *cls = obj_get_str(error, "class"), *desc = obj_get_str(error, "desc");

	return vs_error_set(err, 0, "QMP command `%s` failed: %.64s: %.512s", command,
			    cls ? cls : "(no class)", desc ? desc : "(no description)");
}

int drv_qmp_command(struct drv_qmp *q, const char *command, const char *arguments_json,
		    int timeout_ms, yajl_val *ret, struct vs_error **err)
{
	uint64_t deadline = deadline_after(timeout_ms);
	char id[32];
	cleanup_free char *line = NULL;
	struct qmp_wait w = { .id = id };
	yajl_val error;
	size_t index;
	int r;

	if (ret != NULL)
		*ret = NULL;
	if (check_alive(q, err) < 0)
		return vs_error_prefix(err, "cannot run QMP command `%s`", command);
	snprintf(id, sizeof(id), "vshim-%llu", ++q->last_id);
	line = format_command(command, arguments_json, id, err);
	if (line == NULL)
		return -1;
	vs_debug("qmp", "send %.*s", (int)strlen(line) - 1, line);
	if (send_line(q, command, line, timeout_ms, deadline, err) < 0)
		return -1;
	r = pump(q, &w, reply_done, deadline, err);
	if (r < 0) {
		yajl_tree_free(w.reply);
		return vs_error_prefix(err, "cannot run QMP command `%s`", command);
	}
	if (r == 0) {
		vs_error_set(err, 0, "QMP command `%s` got no reply within %d ms", command,
			     timeout_ms);
		return timed_out(err);
	}
	error = obj_get(w.reply, "error", NULL);
	if (error != NULL) {
		reply_error(command, error, err);
		yajl_tree_free(w.reply);
		return -1;
	}
	if (ret != NULL && obj_get(w.reply, "return", &index) != NULL) {
		/* Detach the value: yajl_tree_free() skips NULL members. */
		*ret = w.reply->u.object.values[index];
		w.reply->u.object.values[index] = NULL;
	}
	yajl_tree_free(w.reply);
	return 0;
}

int drv_qmp_handshake_begin(struct drv_qmp *q, struct vs_error **err)
{
	cleanup_free char *line = NULL;

	if (q->ready || q->caps_id[0] != '\0')
		return 0;
	if (check_alive(q, err) < 0)
		return vs_error_prefix(err, "QMP handshake failed");
	snprintf(q->caps_id, sizeof(q->caps_id), "vshim-%llu", ++q->last_id);
	line = format_command("qmp_capabilities", NULL, q->caps_id, err);
	if (line == NULL)
		return -1;
	vs_debug("qmp", "send %.*s (before the greeting)", (int)strlen(line) - 1, line);
	/* A few dozen bytes into an empty socket buffer: never waits. */
	if (send_line(q, "qmp_capabilities", line, 0, 0, err) < 0)
		return vs_error_prefix(err, "QMP handshake failed");
	return 0;
}

bool drv_qmp_ready(const struct drv_qmp *q)
{
	return q->ready;
}

int drv_qmp_handshake(struct drv_qmp *q, int timeout_ms, struct vs_error **err)
{
	uint64_t deadline = deadline_after(timeout_ms);
	int r;

	if (q->ready)
		return 0;
	if (check_alive(q, err) < 0)
		return -1;
	r = pump(q, NULL, greeting_done, deadline, err);
	if (r < 0)
		return vs_error_prefix(err, "QMP handshake failed");
	if (r == 0) {
		vs_error_set(err, 0, "QEMU sent no QMP greeting within %d ms", timeout_ms);
		return timed_out(err);
	}
	if (q->caps_id[0] == '\0') {
		if (drv_qmp_command(q, "qmp_capabilities", NULL, ms_until(deadline), NULL, err) < 0)
			return vs_error_prefix(err, "QMP handshake failed");
		q->ready = true;
		return 0;
	}
	r = pump(q, NULL, caps_done, deadline, err);
	if (r < 0)
		return vs_error_prefix(err, "QMP handshake failed");
	if (r == 0) {
		vs_error_set(err, 0, "QEMU did not answer qmp_capabilities within %d ms",
			     timeout_ms);
		return timed_out(err);
	}
	return 0;
}

struct drv_qmp_args {
	yajl_gen g;
	char *bad_key; /* the first key whose pair yajl_gen refused */
	char *json;    /* set once finished */
};

struct drv_qmp_args *drv_qmp_args_new(void)
{
	struct drv_qmp_args *a = vs_xcalloc(1, sizeof(*a));

	a->g = yajl_gen_alloc(NULL);
	if (a->g == NULL)
		abort(); /* out of memory, as vs_xmalloc() */
	yajl_gen_config(a->g, yajl_gen_validate_utf8, 1);
	yajl_gen_map_open(a->g);
	return a;
}

void drv_qmp_args_free(struct drv_qmp_args *a)
{
	if (a == NULL)
		return;
	yajl_gen_free(a->g);
	free(a->bad_key);
	free(a->json);
	free(a);
}

static void args_check(struct drv_qmp_args *a, const char *key, yajl_gen_status s)
{
	if (s != yajl_gen_status_ok && a->bad_key == NULL)
		a->bad_key = vs_xstrdup(key);
}

static bool args_key(struct drv_qmp_args *a, const char *key)
{
	if (a->bad_key != NULL || a->json != NULL)
		return false;
	args_check(a, key, yajl_gen_string(a->g, (const unsigned char *)key, strlen(key)));
	return a->bad_key == NULL;
}

void drv_qmp_args_str(struct drv_qmp_args *a, const char *key, const char *value)
{
	if (args_key(a, key))
		args_check(a, key,
			   yajl_gen_string(a->g, (const unsigned char *)value, strlen(value)));
}

void drv_qmp_args_int(struct drv_qmp_args *a, const char *key, long long value)
{
	if (args_key(a, key))
		args_check(a, key, yajl_gen_integer(a->g, value));
}

void drv_qmp_args_bool(struct drv_qmp_args *a, const char *key, bool value)
{
	if (args_key(a, key))
		args_check(a, key, yajl_gen_bool(a->g, value));
}

const char *drv_qmp_args_json(struct drv_qmp_args *a, struct vs_error **err)
{
	const unsigned char *out;
	size_t len;

	if (a->bad_key != NULL) {
		vs_error_code(err, EINVAL, "QMP argument `%s` is not valid UTF-8", a->bad_key);
		return NULL;
	}
	if (a->json == NULL) {
		if (yajl_gen_map_close(a->g) != yajl_gen_status_ok ||
		    yajl_gen_get_buf(a->g, &out, &len) != yajl_gen_status_ok) {
			vs_error_code(err, EINVAL, "cannot encode QMP arguments");
			return NULL;
		}
		a->json = vs_xstrndup((const char *)out, len);
	}
	return a->json;
}
