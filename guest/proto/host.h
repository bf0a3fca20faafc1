/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host end of the agent channel: encoders for every request and a
 * decoder that turns guest frames into checked, typed messages.
 *
 * Everything from the guest is untrusted.  proto_host_feed() checks each
 * frame against the wire limits, then each field of its payload (types,
 * ranges, lengths), then the conversation so far: HELLO comes first and
 * once, a reply answers a request that is still waiting and has the type
 * that request allows, output and exit statuses name processes the host
 * started, STDIN_WINDOW returns no more than was sent.  The first violation
 * is an error after which the channel is dead (every later call fails): the
 * caller drops the channel and ends the VM.  Memory held per channel is
 * bounded by one frame plus the host's own requests and processes.
 *
 * Process ids are the host's: 1 is the container's init (CREATE), EXEC
 * allocates the next one.  Tags pair replies with requests: every request
 * gets a fresh non-zero tag, returned to the caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "guest/proto/buf.h"
#include "guest/proto/frame.h"
#include "guest/proto/network.h"
#include "guest/proto/wire.h"

/* Requests waiting for their reply, at most. */
#define PROTO_HOST_MAX_PENDING 4096u

/* A bind mount of config.json that reaches the VM through the volume share (oci/mounts.h). */
struct proto_bind {
	uint32_t index; /* its position in config.json's mounts, and its entry in the share */
};

struct proto_hello {
	uint32_t protocol; /* PROTO_VERSION */
	char agent[64];	   /* the agent's version */
	double agent_ms;   /* from the agent's first instruction to HELLO */
	double uptime_ms;  /* the guest kernel's uptime at HELLO */
};

struct proto_host_msg {
	uint16_t type; /* enum proto_type; 0 when feed produced nothing */
	uint32_t id;
	uint32_t tag;
	uint16_t request; /* replies (OK, PID, PS_REPLY, ERROR with tag != 0): what they answer */
	union {
		struct proto_hello hello;
		uint32_t pid; /* PID: the guest pid of a created or executed process */
		struct {
			uint32_t *pids; /* owned */
			size_t n;
		} ps;
		struct {
			int errnum;    /* errno in the guest, 0..4095 (0: none) */
			int status;    /* exit status the failure stands for: 127, 126, or 0 */
			char *message; /* owned; control characters replaced by '?' */
		} error;
		struct {
			const uint8_t *data; /* into frame.payload */
			size_t len;
		} output; /* STDOUT, STDERR */
		struct {
			int status; /* 0..255: the exit code, or 128 + signal */
			int signal; /* the signal that killed it, 0 when it exited */
		} exit;
		uint32_t window; /* STDIN_WINDOW: bytes returned to the process's window */
	};
	struct proto_frame frame;
};

void proto_host_msg_clear(struct proto_host_msg *m);

struct proto_host;

struct proto_host *proto_host_new(void);
void proto_host_free(struct proto_host *h);

/*
 * Consumes bytes read from the channel, stopping after the first complete
 * message: *msg then has a non-zero type (the caller clears it with
 * proto_host_msg_clear()).  Returns the bytes consumed; call again with the
 * rest.  -1 with err set when the guest broke the protocol.
 */
ssize_t proto_host_feed(struct proto_host *h, const void *data, size_t len,
			struct proto_host_msg *msg, struct vs_error **err);

/* The guest's HELLO, or NULL before it arrived. */
const struct proto_hello *proto_host_hello(const struct proto_host *h);

/*
 * Requests.  Each appends one frame to out and stores its tag in *tag (tag
 * may be NULL).  They fail, appending nothing, on arguments the agent would
 * refuse and on requests about processes the host does not know.
 */

/*
 * CREATE: container id, the whole config.json text, the shared bind mounts,
 * and the VM's network (NULL: none; else the container shares the VM's
 * network namespace, where the agent configures these NICs first).
 */
int proto_host_create(struct proto_host *h, struct proto_buf *out, const char *container_id,
		      const char *config, size_t config_len, const struct proto_bind *binds,
		      size_t n_binds, const struct proto_network *net, uint32_t *tag,
		      struct vs_error **err);
/*
 * NETWORK: NICs that the agent moves into the created (not yet started)
 * container's network namespace and configures there.
 */
int proto_host_network(struct proto_host *h, struct proto_buf *out, const struct proto_network *net,
		       uint32_t *tag, struct vs_error **err);
/* START the created init process. */
int proto_host_start(struct proto_host *h, struct proto_buf *out, uint32_t *tag,
		     struct vs_error **err);
/* EXEC a process (the JSON `exec --process` reads); *id receives its new process id. */
int proto_host_exec(struct proto_host *h, struct proto_buf *out, const char *process,
		    size_t process_len, uint32_t *id, uint32_t *tag, struct vs_error **err);
/* SIGNAL process id, or every process of the container when id is 0 (`kill --all`). */
int proto_host_signal(struct proto_host *h, struct proto_buf *out, uint32_t id, int signo,
		      uint32_t *tag, struct vs_error **err);
/* RESIZE the terminal of process id. */
int proto_host_resize(struct proto_host *h, struct proto_buf *out, uint32_t id, unsigned int rows,
		      unsigned int cols, uint32_t *tag, struct vs_error **err);
/*
 * TERMIOS: whether the terminal of process id turns output newlines into
 * CR-NL (ONLCR), as the host's end of the console now says.
 */
int proto_host_termios(struct proto_host *h, struct proto_buf *out, uint32_t id, bool onlcr,
		       uint32_t *tag, struct vs_error **err);
/*
 * CLOCK: the guest's wall clock set to now (the host's CLOCK_REALTIME).
 * The monitor sends it before CREATE and after every resume: a paused
 * guest's clock stops with its vCPUs.
 */
int proto_host_clock(struct proto_host *h, struct proto_buf *out, const struct timespec *now,
		     uint32_t *tag, struct vs_error **err);
/* PS: the guest pids of the container's processes. */
int proto_host_ps(struct proto_host *h, struct proto_buf *out, uint32_t *tag,
		  struct vs_error **err);
/* SHUTDOWN: the agent kills everything, replies, and ends the VM. */
int proto_host_shutdown(struct proto_host *h, struct proto_buf *out, uint32_t *tag,
			struct vs_error **err);

/*
 * STDIN for process id: at most proto_host_stdin_room() bytes (split into
 * frames as needed).  Each process has PROTO_STDIN_WINDOW_SIZE bytes of room;
 * room comes back with STDIN_WINDOW messages as the agent hands the bytes
 * to the process.
 */
int proto_host_stdin(struct proto_host *h, struct proto_buf *out, uint32_t id, const void *data,
		     size_t len, struct vs_error **err);
/* STDIN_CLOSE: the process reads EOF once what was sent is consumed. */
int proto_host_stdin_close(struct proto_host *h, struct proto_buf *out, uint32_t id,
			   struct vs_error **err);
/* STDIN bytes process id can take now; 0 for unknown, exited or closed processes. */
size_t proto_host_stdin_room(const struct proto_host *h, uint32_t id);
/* True while process id exists: created or executed, no EXIT received yet. */
bool proto_host_process_known(const struct proto_host *h, uint32_t id);
