/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs the real vshim-agent on the host in its test mode and talks to it
 * through the host end of guest/proto, as the monitor will.
 *
 * The container's root is a temporary directory holding busybox and
 * vshim-testhelper; shares are directories under DIR/shares.  Needs root
 * (the agent makes namespaces and mounts, in a mount namespace of its own).
 * The binaries are the build's, or $VSHIM_AGENT and $VSHIM_TESTHELPER.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "guest/proto/host.h"

#define HARNESS_MAX_PROCS 16

struct harness_proc {
	uint32_t id;
	struct proto_buf out, err;
	bool exited;
	int status, signal;
};

struct harness {
	char dir[256];	  /* everything lives under it */
	char shares[512]; /* DIR/shares: one directory per share tag */
	char rootfs[768]; /* DIR/shares/rootfs */
	pid_t agent;
	int fd;
	struct proto_host *host;
	struct proto_buf to_agent;
	struct proto_host_msg replies[64];
	size_t n_replies;
	struct harness_proc procs[HARNESS_MAX_PROCS];
	bool hello;
};

/* Makes the root file system, starts the agent and waits for its HELLO. */
void harness_start(struct harness *t);
/* Kills the agent (if it still runs) and removes everything. */
void harness_stop(struct harness *t);

/*
 * A config.json: process fields (JSON members without braces, args
 * included), extra top-level members and extra members of "linux" (both may
 * be empty).  Mounts, namespaces, capabilities and env have runc's defaults
 * unless the extras replace them.  A new string.
 */
char *harness_config(const char *process, const char *top, const char *linux_extra);

/* Sends what is queued and handles what arrives for at most timeout_ms. */
void harness_pump(struct harness *t, int timeout_ms);
/* Waits for the reply to tag; the caller clears it. */
struct proto_host_msg harness_reply(struct harness *t, uint32_t tag);
/* Waits for process id's EXIT; returns it. */
struct harness_proc *harness_wait_exit(struct harness *t, uint32_t id);
struct harness_proc *harness_proc(struct harness *t, uint32_t id);
/* The output so far as a NUL-terminated string (binary output: use the buffers). */
const char *harness_stdout(struct harness *t, uint32_t id);
const char *harness_stderr(struct harness *t, uint32_t id);

/* CREATE with config; returns the reply (PID or ERROR). */
struct proto_host_msg harness_create(struct harness *t, const char *config);
/* CREATE with config and the VM's network (may be NULL). */
struct proto_host_msg harness_create_network(struct harness *t, const char *config,
					     const struct proto_network *net);
/* CREATE and START that must both succeed. */
void harness_run(struct harness *t, const char *config);
/* EXEC of a process JSON object; *id gets its id; returns the reply. */
struct proto_host_msg harness_exec(struct harness *t, const char *process, uint32_t *id);
/* Sends all of data to process id's stdin, window permitting, then optionally closes it. */
void harness_stdin(struct harness *t, uint32_t id, const void *data, size_t len, bool close);
/* Writes a file under the root (parents must exist). */
void harness_write(struct harness *t, const char *path, const char *text, mode_t mode);
