/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "guest/proto/json.h"

/* What the host knows of one process. */
enum hproc_state {
	HP_CREATING, /* CREATE or EXEC sent, no PID yet */
	HP_CREATED,  /* init: created, not started */
	HP_STARTING, /* init: START sent, no reply yet */
	HP_RUNNING,
};

struct hproc {
	uint32_t id;
	enum hproc_state state;
	size_t in_flight; /* STDIN bytes sent and not yet returned by STDIN_WINDOW */
	bool stdin_closed;
};

struct pending {
	uint32_t tag;
	uint16_t type;
	uint32_t id;
};

struct proto_host {
	struct proto_decoder dec;
	bool failed;
	bool have_hello;
	struct proto_hello hello;
	uint32_t next_tag;
	uint32_t next_id; /* the next EXEC process id */
	struct pending *pending;
	size_t n_pending;
	struct hproc *procs;
	size_t n_procs;
};

struct proto_host *proto_host_new(void)
{
	struct proto_host *h = vs_xcalloc(1, sizeof(*h));

	proto_decoder_init(&h->dec, PROTO_TO_HOST);
	h->next_tag = 1;
	h->next_id = PROTO_INIT_ID + 1;
	return h;
}

void proto_host_free(struct proto_host *h)
{
	if (h == NULL)
		return;
	proto_decoder_clear(&h->dec);
	free(h->pending);
	free(h->procs);
	free(h);
}

void proto_host_msg_clear(struct proto_host_msg *m)
{
	if (m->type == PROTO_PS_REPLY)
		free(m->ps.pids);
	else if (m->type == PROTO_ERROR)
		free(m->error.message);
	proto_frame_clear(&m->frame);
	memset(m, 0, sizeof(*m));
}

const struct proto_hello *proto_host_hello(const struct proto_host *h)
{
	return h->have_hello ? &h->hello : NULL;
}

/* Bookkeeping of processes and waiting requests. */

static struct hproc *find_proc(const struct proto_host *h, uint32_t id)
{
	for (size_t i = 0; i < h->n_procs; i++) {
		if (h->procs[i].id == id)
			return &h->procs[i];
	}
	return NULL;
}

static void add_proc(struct proto_host *h, uint32_t id)
{
	h->procs = vs_xrealloc(h->procs, (h->n_procs + 1) * sizeof(*h->procs));
	h->procs[h->n_procs++] = (struct hproc){ .id = id, .state = HP_CREATING };
}

static void remove_proc(struct proto_host *h, struct hproc *p)
{
	*p = h->procs[--h->n_procs];
}

static struct pending *find_pending(const struct proto_host *h, uint32_t tag)
{
	for (size_t i = 0; i < h->n_pending; i++) {
		if (h->pending[i].tag == tag)
			return &h->pending[i];
	}
	return NULL;
}

/* A tag for a new request: non-zero and not waiting already. */
static int next_tag(struct proto_host *h, uint32_t *tag, struct vs_error **err)
{
	if (h->n_pending >= PROTO_HOST_MAX_PENDING)
		return vs_error_code(err, EAGAIN, "too many requests are waiting for the agent");
	while (h->next_tag == 0 || find_pending(h, h->next_tag) != NULL)
		h->next_tag++;
	*tag = h->next_tag++;
	return 0;
}

static void add_pending(struct proto_host *h, uint32_t tag, uint16_t type, uint32_t id,
			uint32_t *tag_out)
{
	h->pending = vs_xrealloc(h->pending, (h->n_pending + 1) * sizeof(*h->pending));
	h->pending[h->n_pending++] = (struct pending){ .tag = tag, .type = type, .id = id };
	if (tag_out != NULL)
		*tag_out = tag;
}

/* Requests. */

int proto_host_create(struct proto_host *h, struct proto_buf *out, const char *container_id,
		      const char *config, size_t config_len, const struct proto_bind *binds,
		      size_t n_binds, const struct proto_network *net, uint32_t *tag,
		      struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	uint32_t t;

	if (find_proc(h, PROTO_INIT_ID) != NULL)
		return vs_error_code(err, EEXIST, "the container was already created in the VM");
	if (container_id[0] == '\0' || strlen(container_id) > PROTO_MAX_STRING)
		return vs_error_code(err, EINVAL, "invalid container id for the agent");
	if (net != NULL && proto_network_check(net, err) < 0)
		return vs_error_prefix(err, "cannot send the network to the agent");
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_json_put_string(g, "container_id", container_id, strlen(container_id));
	proto_json_put_string(g, "config", config, config_len);
	proto_json_key(g, "binds");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n_binds; i++) {
		yajl_gen_map_open(g);
		proto_json_put_int(g, "index", binds[i].index);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	if (net != NULL) {
		proto_json_key(g, "network");
		yajl_gen_map_open(g);
		proto_network_put(g, net);
		yajl_gen_map_close(g);
	}
	if (proto_json_finish(steal_pointer(&g), out, PROTO_CREATE, PROTO_INIT_ID, t, err) < 0)
		return vs_error_prefix(err, "cannot send config.json to the agent");
	add_proc(h, PROTO_INIT_ID);
	add_pending(h, t, PROTO_CREATE, PROTO_INIT_ID, tag);
	return 0;
}

int proto_host_start(struct proto_host *h, struct proto_buf *out, uint32_t *tag,
		     struct vs_error **err)
{
	struct hproc *p = find_proc(h, PROTO_INIT_ID);
	uint32_t t;

	if (p == NULL || p->state != HP_CREATED)
		return vs_error_code(err, EINVAL,
				     "the container's process is not waiting to start");
	if (next_tag(h, &t, err) < 0 ||
	    proto_frame_append(out, PROTO_START, PROTO_INIT_ID, t, NULL, 0, err) < 0)
		return -1;
	p->state = HP_STARTING;
	add_pending(h, t, PROTO_START, PROTO_INIT_ID, tag);
	return 0;
}

int proto_host_network(struct proto_host *h, struct proto_buf *out, const struct proto_network *net,
		       uint32_t *tag, struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	struct hproc *p = find_proc(h, PROTO_INIT_ID);
	uint32_t t;

	if (p == NULL || p->state != HP_CREATED)
		return vs_error_code(err, EINVAL,
				     "the container's process is not waiting to start");
	if (proto_network_check(net, err) < 0)
		return vs_error_prefix(err, "cannot send the network to the agent");
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_network_put(g, net);
	if (proto_json_finish(steal_pointer(&g), out, PROTO_NETWORK, PROTO_INIT_ID, t, err) < 0)
		return -1;
	add_pending(h, t, PROTO_NETWORK, PROTO_INIT_ID, tag);
	return 0;
}

int proto_host_exec(struct proto_host *h, struct proto_buf *out, const char *process,
		    size_t process_len, uint32_t *id, uint32_t *tag, struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	uint32_t t;

	if (h->next_id == 0)
		return vs_error_code(err, EAGAIN, "no process ids are left on the agent channel");
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_json_put_string(g, "process", process, process_len);
	if (proto_json_finish(steal_pointer(&g), out, PROTO_EXEC, h->next_id, t, err) < 0)
		return vs_error_prefix(err, "cannot send the process to the agent");
	add_proc(h, h->next_id);
	add_pending(h, t, PROTO_EXEC, h->next_id, tag);
	*id = h->next_id++;
	return 0;
}

int proto_host_signal(struct proto_host *h, struct proto_buf *out, uint32_t id, int signo,
		      uint32_t *tag, struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	uint32_t t;

	if (id != 0 && find_proc(h, id) == NULL)
		return vs_error_code(err, ESRCH, "process %u is not running in the VM", id);
	if (signo < 1 || signo > 64)
		return vs_error_code(err, EINVAL, "invalid signal %d", signo);
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_json_put_int(g, "signal", signo);
	if (proto_json_finish(steal_pointer(&g), out, PROTO_SIGNAL, id, t, err) < 0)
		return -1;
	add_pending(h, t, PROTO_SIGNAL, id, tag);
	return 0;
}

int proto_host_resize(struct proto_host *h, struct proto_buf *out, uint32_t id, unsigned int rows,
		      unsigned int cols, uint32_t *tag, struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	uint32_t t;

	if (find_proc(h, id) == NULL)
		return vs_error_code(err, ESRCH, "process %u is not running in the VM", id);
	if (rows > 65535 || cols > 65535)
		return vs_error_code(err, EINVAL, "invalid terminal size %ux%u", cols, rows);
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_json_put_int(g, "rows", rows);
	proto_json_put_int(g, "cols", cols);
	if (proto_json_finish(steal_pointer(&g), out, PROTO_RESIZE, id, t, err) < 0)
		return -1;
	add_pending(h, t, PROTO_RESIZE, id, tag);
	return 0;
}

int proto_host_termios(struct proto_host *h, struct proto_buf *out, uint32_t id, bool onlcr,
		       uint32_t *tag, struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	uint32_t t;

	if (find_proc(h, id) == NULL)
		return vs_error_code(err, ESRCH, "process %u is not running in the VM", id);
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_json_put_bool(g, "onlcr", onlcr);
	if (proto_json_finish(steal_pointer(&g), out, PROTO_TERMIOS, id, t, err) < 0)
		return -1;
	add_pending(h, t, PROTO_TERMIOS, id, tag);
	return 0;
}

int proto_host_clock(struct proto_host *h, struct proto_buf *out, const struct timespec *now,
		     uint32_t *tag, struct vs_error **err)
{
	cleanup_yajl_gen yajl_gen g = NULL;
	uint32_t t;

	if (now->tv_sec < 0 || now->tv_sec > PROTO_CLOCK_MAX_SEC || now->tv_nsec < 0 ||
	    now->tv_nsec > 999999999)
		return vs_error_code(err, EINVAL, "the host's clock is out of range");
	if (next_tag(h, &t, err) < 0)
		return -1;
	g = proto_json_begin();
	proto_json_put_int(g, "sec", (long long)now->tv_sec);
	proto_json_put_int(g, "nsec", (long long)now->tv_nsec);
	if (proto_json_finish(steal_pointer(&g), out, PROTO_CLOCK, 0, t, err) < 0)
		return -1;
	add_pending(h, t, PROTO_CLOCK, 0, tag);
	return 0;
}

static int simple_request(struct proto_host *h, struct proto_buf *out, uint16_t type, uint32_t *tag,
			  struct vs_error **err)
{
	uint32_t t;

	if (next_tag(h, &t, err) < 0 || proto_frame_append(out, type, 0, t, NULL, 0, err) < 0)
		return -1;
	add_pending(h, t, type, 0, tag);
	return 0;
}

int proto_host_ps(struct proto_host *h, struct proto_buf *out, uint32_t *tag, struct vs_error **err)
{
	return simple_request(h, out, PROTO_PS, tag, err);
}

int proto_host_shutdown(struct proto_host *h, struct proto_buf *out, uint32_t *tag,
			struct vs_error **err)
{
	return simple_request(h, out, PROTO_SHUTDOWN, tag, err);
}

size_t proto_host_stdin_room(const struct proto_host *h, uint32_t id)
{
	const struct hproc *p = find_proc(h, id);

	if (p == NULL || p->stdin_closed)
		return 0;
	return PROTO_STDIN_WINDOW_SIZE - p->in_flight;
}

bool proto_host_process_known(const struct proto_host *h, uint32_t id)
{
	return find_proc(h, id) != NULL;
}

int proto_host_stdin(struct proto_host *h, struct proto_buf *out, uint32_t id, const void *data,
		     size_t len, struct vs_error **err)
{
	struct hproc *p = find_proc(h, id);
	const uint8_t *bytes = data;

	if (p == NULL || p->stdin_closed)
		return vs_error_code(err, EPIPE, "the standard input of process %u is closed", id);
	if (len > PROTO_STDIN_WINDOW_SIZE - p->in_flight)
		return vs_error_code(err, EAGAIN,
				     "%zu bytes exceed the %zu bytes process %u can take now", len,
				     PROTO_STDIN_WINDOW_SIZE - p->in_flight, id);
	for (size_t off = 0; off < len;) {
		size_t n = len - off < PROTO_MAX_STDIO ? len - off : PROTO_MAX_STDIO;

		if (proto_frame_append(out, PROTO_STDIN, id, 0, bytes + off, n, err) < 0)
			return -1;
		off += n;
		p->in_flight += n;
	}
	return 0;
}

int proto_host_stdin_close(struct proto_host *h, struct proto_buf *out, uint32_t id,
			   struct vs_error **err)
{
	struct hproc *p = find_proc(h, id);

	if (p == NULL || p->stdin_closed)
		return vs_error_code(err, EPIPE, "the standard input of process %u is closed", id);
	if (proto_frame_append(out, PROTO_STDIN_CLOSE, id, 0, NULL, 0, err) < 0)
		return -1;
	p->stdin_closed = true;
	return 0;
}

/* Decoding of guest messages. */

static int bad(struct vs_error **err, const char *fmt, ...) VS_PRINTF(2, 3);

static int bad(struct vs_error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vs_error_setv(err, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* Which replies each request allows (ERROR answers any). */
static bool reply_allowed(uint16_t request, uint16_t reply)
{
	switch (request) {
	case PROTO_CREATE:
	case PROTO_EXEC:
		return reply == PROTO_PID;
	case PROTO_PS:
		return reply == PROTO_PS_REPLY;
	default:
		return reply == PROTO_OK;
	}
}

/* A reply: it answers a waiting request of a kind that allows it; the request is done. */
static int take_reply(struct proto_host *h, struct proto_host_msg *m, struct vs_error **err)
{
	const char *name = proto_type_name(m->type);
	struct pending *p = find_pending(h, m->tag);

	if (m->tag == 0 || p == NULL)
		return bad(err, "agent message %s answers no request (tag %u)", name, m->tag);
	if (m->type != PROTO_ERROR && !reply_allowed(p->type, m->type))
		return bad(err, "agent message %s cannot answer a %s request", name,
			   proto_type_name(p->type));
	if (m->id != p->id)
		return bad(err, "agent message %s names process %u, its request process %u", name,
			   m->id, p->id);
	m->request = p->type;
	*p = h->pending[--h->n_pending];
	return 0;
}

static int decode_hello(struct proto_host *h, struct proto_host_msg *m, yajl_val v,
			struct vs_error **err)
{
	const char *agent = NULL;
	long long protocol;

	if (h->have_hello)
		return bad(err, "the agent sent HELLO twice");
	if (m->tag != 0 || m->id != 0)
		return bad(err, "agent message HELLO has a tag or a process id");
	if (proto_json_get_int(v, "HELLO", "protocol", true, 1, 65535, &protocol, err) < 0 ||
	    proto_json_get_string(v, "HELLO", "agent", true, sizeof(m->hello.agent) - 1, &agent,
				  err) < 0 ||
	    proto_json_get_number(v, "HELLO", "agent_ms", false, 0, 1e9, &m->hello.agent_ms, err) <
		0 ||
	    proto_json_get_number(v, "HELLO", "uptime_ms", false, 0, 1e12, &m->hello.uptime_ms,
				  err) < 0)
		return -1;
	if (protocol != PROTO_VERSION)
		return bad(err, "the agent speaks protocol version %lld, the host version %d",
			   protocol, PROTO_VERSION);
	if (agent[0] == '\0' ||
	    strspn(agent, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_~") !=
		strlen(agent))
		return bad(err, "agent message HELLO: \"agent\" is not a version string");
	m->hello.protocol = (uint32_t)protocol;
	strcpy(m->hello.agent, agent);
	h->hello = m->hello;
	h->have_hello = true;
	return 0;
}

static int decode_pid(struct proto_host *h, struct proto_host_msg *m, yajl_val v,
		      struct vs_error **err)
{
	struct hproc *p;
	long long pid;

	if (take_reply(h, m, err) < 0 ||
	    proto_json_get_int(v, "PID", "pid", true, 1, PROTO_PID_MAX, &pid, err) < 0)
		return -1;
	p = find_proc(h, m->id);
	if (p == NULL || p->state != HP_CREATING)
		return bad(err, "agent message PID for process %u, which is not being created",
			   m->id);
	p->state = m->request == PROTO_CREATE ? HP_CREATED : HP_RUNNING;
	m->pid = (uint32_t)pid;
	return 0;
}

static int decode_ok(struct proto_host *h, struct proto_host_msg *m, struct vs_error **err)
{
	struct hproc *p;

	if (take_reply(h, m, err) < 0)
		return -1;
	if (m->request == PROTO_START) {
		p = find_proc(h, m->id);
		if (p == NULL || p->state != HP_STARTING)
			return bad(err, "agent message OK starts process %u, which is not starting",
				   m->id);
		p->state = HP_RUNNING;
	}
	return 0;
}

static int decode_ps(struct proto_host *h, struct proto_host_msg *m, yajl_val v,
		     struct vs_error **err)
{
	yajl_val pids;

	if (take_reply(h, m, err) < 0 ||
	    proto_json_get_array(v, "PS_REPLY", "pids", true, PROTO_MAX_PIDS, &pids, err) < 0)
		return -1;
	m->ps.pids = vs_xcalloc(pids->u.array.len, sizeof(*m->ps.pids));
	for (size_t i = 0; i < pids->u.array.len; i++) {
		yajl_val pid = pids->u.array.values[i];

		if (!YAJL_IS_INTEGER(pid) || YAJL_GET_INTEGER(pid) < 1 ||
		    YAJL_GET_INTEGER(pid) > PROTO_PID_MAX)
			return bad(err,
				   "agent message PS_REPLY: \"pids\" must hold pids between 1 "
				   "and %u",
				   PROTO_PID_MAX);
		m->ps.pids[m->ps.n++] = (uint32_t)YAJL_GET_INTEGER(pid);
	}
	return 0;
}

static int decode_error(struct proto_host *h, struct proto_host_msg *m, yajl_val v,
			struct vs_error **err)
{
	const char *message = NULL;
	long long errnum = 0, status = 0;
	struct hproc *p;

	if (proto_json_get_string(v, "ERROR", "message", true, PROTO_MAX_STRING, &message, err) <
		0 ||
	    proto_json_get_int(v, "ERROR", "errno", false, 0, 4095, &errnum, err) < 0 ||
	    proto_json_get_int(v, "ERROR", "status", false, 0, 255, &status, err) < 0)
		return -1;
	if (m->tag == 0) {
		if (m->id != 0)
			return bad(err, "unsolicited agent message ERROR names process %u", m->id);
	} else if (take_reply(h, m, err) < 0) {
		return -1;
	}
	p = find_proc(h, m->id);
	if ((m->request == PROTO_CREATE || m->request == PROTO_EXEC) && p != NULL)
		remove_proc(h, p);
	else if (m->request == PROTO_START && p != NULL && p->state == HP_STARTING)
		p->state = HP_CREATED;
	m->error.errnum = (int)errnum;
	m->error.status = (int)status;
	m->error.message = vs_xstrdup(message);
	for (char *c = m->error.message; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	return 0;
}

static int decode_exit(struct proto_host *h, struct proto_host_msg *m, yajl_val v,
		       struct vs_error **err)
{
	struct hproc *p = find_proc(h, m->id);
	long long status, signo = 0;

	if (proto_json_get_int(v, "EXIT", "status", true, 0, 255, &status, err) < 0 ||
	    proto_json_get_int(v, "EXIT", "signal", false, 0, 64, &signo, err) < 0)
		return -1;
	if (signo != 0 && status != 128 + signo)
		return bad(err, "agent message EXIT: status %lld does not match signal %lld",
			   status, signo);
	if (p == NULL || p->state == HP_CREATING)
		return bad(err, "agent message EXIT for process %u, which is not running", m->id);
	remove_proc(h, p);
	m->exit.status = (int)status;
	m->exit.signal = (int)signo;
	return 0;
}

static int decode_window(struct proto_host *h, struct proto_host_msg *m, yajl_val v,
			 struct vs_error **err)
{
	struct hproc *p = find_proc(h, m->id);
	long long bytes;

	if (p == NULL)
		return bad(err, "agent message STDIN_WINDOW for unknown process %u", m->id);
	if (proto_json_get_int(v, "STDIN_WINDOW", "bytes", true, 1, (long long)p->in_flight, &bytes,
			       err) < 0)
		return -1;
	p->in_flight -= (size_t)bytes;
	m->window = (uint32_t)bytes;
	return 0;
}

static int decode_output(struct proto_host *h, struct proto_host_msg *m, struct vs_error **err)
{
	struct hproc *p = find_proc(h, m->id);

	/* A started init writes from its execve on; START is answered once it has settled. */
	if (p == NULL || (p->state != HP_RUNNING && p->state != HP_STARTING))
		return bad(err, "agent message %s for process %u, which is not running",
			   proto_type_name(m->type), m->id);
	m->output.data = m->frame.payload;
	m->output.len = m->frame.len;
	return 0;
}

/* Checks one frame in the light of the conversation so far; m owns the frame. */
static int decode(struct proto_host *h, struct proto_host_msg *m, struct vs_error **err)
{
	cleanup_yajl_val yajl_val v = NULL;
	const struct proto_type_info *info = proto_type_info(m->frame.type);

	m->type = m->frame.type;
	m->id = m->frame.id;
	m->tag = m->frame.tag;
	if (!h->have_hello && m->type != PROTO_HELLO)
		return bad(err, "the agent sent %s before HELLO", info->name);
	if (m->tag != 0 && m->type != PROTO_OK && m->type != PROTO_PID &&
	    m->type != PROTO_PS_REPLY && m->type != PROTO_ERROR)
		return bad(err, "agent message %s has a tag", info->name);
	if (info->payload == PROTO_PAYLOAD_JSON) {
		v = proto_json_parse(&m->frame, err);
		if (v == NULL)
			return -1;
	}
	switch (m->type) {
	case PROTO_HELLO:
		return decode_hello(h, m, v, err);
	case PROTO_OK:
		return decode_ok(h, m, err);
	case PROTO_PID:
		return decode_pid(h, m, v, err);
	case PROTO_PS_REPLY:
		return decode_ps(h, m, v, err);
	case PROTO_ERROR:
		return decode_error(h, m, v, err);
	case PROTO_STDOUT:
	case PROTO_STDERR:
		return decode_output(h, m, err);
	case PROTO_EXIT:
		return decode_exit(h, m, v, err);
	case PROTO_STDIN_WINDOW:
		return decode_window(h, m, v, err);
	}
	return bad(err, "agent message %s is not expected by the host", info->name);
}

ssize_t proto_host_feed(struct proto_host *h, const void *data, size_t len,
			struct proto_host_msg *msg, struct vs_error **err)
{
	ssize_t used;

	memset(msg, 0, sizeof(*msg));
	if (h->failed)
		return vs_error_set(err, 0, "the agent channel is closed after a protocol error");
	used = proto_decoder_feed(&h->dec, data, len, &msg->frame, err);
	if (used < 0) {
		h->failed = true;
		return -1;
	}
	if (msg->frame.type != 0 && decode(h, msg, err) < 0) {
		h->failed = true;
		proto_host_msg_clear(msg);
		return -1;
	}
	return used;
}
