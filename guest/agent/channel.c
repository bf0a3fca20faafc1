/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's end of the channel to the host (channel.h). */
#include "guest/agent/channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define PORTS_DIR "/sys/class/virtio-ports"
/* vport0p1 .. vport(N-1)p1 are looked at before the whole directory. */
#define PORT_GUESSES 8
/* Between two looks while the port has no name yet. */
#define PORT_POLL_NS 200000

/* Whether the port whose sysfs directory is PORTS_DIR/port is called name. */
static bool port_has_name(const char *port, const char *name)
{
	cleanup_free char *path = vs_xasprintf(PORTS_DIR "/%s/name", port);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[256];
	ssize_t n;

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, name) == 0;
}

/*
 * The /dev path of the port called name, or NULL when none is (yet).  The
 * agent's port is port 1 (port 0 is the console's) of a device whose index
 * is that of its place among the virtio devices, so vportNp1 for a small N
 * is tried first: under TCG a directory scan of sysfs costs milliseconds.
 */
static char *find_port(const char *name)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *de;

	for (int i = 0; i < PORT_GUESSES; i++) {
		char port[32];

		snprintf(port, sizeof(port), "vport%dp1", i);
		if (port_has_name(port, name))
			return vs_xasprintf("/dev/%s", port);
	}
	d = opendir(PORTS_DIR);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && port_has_name(de->d_name, name))
			return vs_xasprintf("/dev/%s", de->d_name);
	}
	return NULL;
}

int agent_channel_open_port(struct agent_channel *ch, const char *name, int timeout_ms,
			    struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;
	cleanup_free char *dev = NULL;
	int fd;

	/* The host names the port with a control message that may come after init starts. */
	while ((dev = find_port(name)) == NULL) {
		struct timespec ts = { 0, PORT_POLL_NS };

		if (vs_now_ns() > deadline)
			return vs_error_code(err, ENOENT, "no virtio-serial port is called `%s`",
					     name);
		nanosleep(&ts, NULL);
	}
	fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot open `%s`", dev);
	vs_debug("agent", "channel `%s` is `%s`", name, dev);
	agent_channel_init(ch, fd);
	return 0;
}

void agent_channel_init(struct agent_channel *ch, int fd)
{
	memset(ch, 0, sizeof(*ch));
	ch->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	proto_decoder_init(&ch->dec, PROTO_TO_GUEST);
}

static void dispatch(struct agent_channel *ch, struct proto_frame *f, agent_channel_handler handle,
		     void *opaque)
{
	cleanup_error struct vs_error *err = NULL;
	struct proto_request req;
	uint32_t tag = f->tag, id = f->id;
	uint16_t type = f->type;

	vs_debug("agent", "<- %s id %u tag %u (%u bytes)", proto_type_name(type), id, tag, f->len);
	if (proto_guest_decode(f, &req, &err) < 0) {
		vs_warn("agent", "%s", err->msg);
		proto_guest_error(&ch->out, proto_type_info(type)->request ? tag : 0, id, EINVAL, 0,
				  err->msg);
		proto_request_clear(&req);
		return;
	}
	handle(opaque, &req);
}

int agent_channel_read(struct agent_channel *ch, agent_channel_handler handle, void *opaque,
		       struct vs_error **err)
{
	static uint8_t buf[64 << 10];
	ssize_t n;

	do
		n = read(ch->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		return vs_error_set(err, errno, "cannot read the agent channel");
	if (n == 0) {
		ch->closed = true;
		return 0;
	}
	for (size_t off = 0; off < (size_t)n;) {
		struct proto_frame f;
		ssize_t used = proto_decoder_feed(&ch->dec, buf + off, (size_t)n - off, &f, err);

		if (used < 0)
			return -1;
		off += (size_t)used;
		if (f.type != 0)
			dispatch(ch, &f, handle, opaque);
	}
	return 0;
}

int agent_channel_flush(struct agent_channel *ch, struct vs_error **err)
{
	if (proto_buf_write(&ch->out, ch->fd, err) < 0) {
		if (err && *err && ((*err)->errnum == EPIPE || (*err)->errnum == ECONNRESET))
			ch->closed = true;
		return -1;
	}
	return 0;
}

int agent_channel_say_hello(struct agent_channel *ch, struct vs_error **err)
{
	int flags = fcntl(ch->fd, F_GETFL);
	ssize_t left;

	if (flags < 0 || fcntl(ch->fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return vs_error_set(err, errno, "cannot make the agent channel blocking");
	left = proto_buf_write(&ch->out, ch->fd, err);
	if (fcntl(ch->fd, F_SETFL, flags) < 0 && left >= 0)
		return vs_error_set(err, errno, "cannot make the agent channel non-blocking");
	if (left < 0 && err && *err && ((*err)->errnum == EPIPE || (*err)->errnum == ECONNRESET))
		ch->closed = true;
	return left < 0 ? -1 : 0;
}

int agent_channel_drain(struct agent_channel *ch, int timeout_ms, struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (proto_buf_pending(&ch->out) > 0) {
		struct pollfd p = { .fd = ch->fd, .events = POLLOUT };
		int64_t left = (int64_t)(deadline - vs_now_ns()) / 1000000;

		if ((int64_t)(deadline - vs_now_ns()) <= 0)
			return vs_error_code(err, ETIMEDOUT,
					     "the host does not read the agent channel");
		if (poll(&p, 1, (int)(left > 0 ? left : 1)) < 0 && errno != EINTR)
			return vs_error_set(err, errno, "cannot wait for the agent channel");
		if (agent_channel_flush(ch, err) < 0)
			return -1;
	}
	return 0;
}
