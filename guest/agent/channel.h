/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's end of the channel: the virtio-serial port (or, in the host
 * test mode, a socket), a decoder for host requests and the outbound queue.
 *
 * Flow control: the queue is bounded by the agent's own behaviour.  Above
 * AGENT_CHANNEL_HIGH pending bytes the loop stops reading children's output
 * (their pipes fill and they block); above AGENT_CHANNEL_FULL it also stops
 * reading requests, whose replies would add to it.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"
#include "guest/proto/buf.h"
#include "guest/proto/frame.h"
#include "guest/proto/guest.h"

#define AGENT_CHANNEL_HIGH (1u << 20)
#define AGENT_CHANNEL_FULL (4u << 20)

struct agent_channel {
	int fd;
	struct proto_decoder dec;
	struct proto_buf out;
	bool closed; /* end-of-file: the host is gone */
};

/*
 * Finds the virtio-serial port called name in /sys/class/virtio-ports and
 * opens it, waiting up to timeout_ms for the port to get its name.
 */
int agent_channel_open_port(struct agent_channel *ch, const char *name, int timeout_ms,
			    struct vs_error **err);
/* Takes fd (made non-blocking). */
void agent_channel_init(struct agent_channel *ch, int fd);

typedef void (*agent_channel_handler)(void *opaque, struct proto_request *req);

/*
 * Reads what the host sent and calls handle for each request (which owns
 * it).  A request with bad fields gets an ERROR reply here; a frame that
 * breaks the framing is an error: the stream cannot be followed any more.
 */
int agent_channel_read(struct agent_channel *ch, agent_channel_handler handle, void *opaque,
		       struct vs_error **err);
/* Writes what the port takes now. */
int agent_channel_flush(struct agent_channel *ch, struct vs_error **err);
/*
 * Writes what is queued (HELLO) with a blocking write, before the agent
 * reads anything.  A virtio-serial port holds a write until the host's end
 * is connected (QEMU tells the guest so), and until then a read returns 0
 * as if the host had gone: so the agent reads only once the host is there,
 * and 0 means a host that left.  The host connects before QEMU starts, so
 * this waits only when it did not.
 */
int agent_channel_say_hello(struct agent_channel *ch, struct vs_error **err);
/* Writes everything, waiting at most timeout_ms (for the last words before a reboot). */
int agent_channel_drain(struct agent_channel *ch, int timeout_ms, struct vs_error **err);

static inline bool agent_channel_congested(const struct agent_channel *ch)
{
	return proto_buf_pending(&ch->out) >= AGENT_CHANNEL_HIGH;
}
