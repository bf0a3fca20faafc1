/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim-agent: the guest's PID 1.  It boots the guest's file systems,
 * talks to the host over the virtio-serial port OCI_AGENT_CHANNEL (the
 * protocol of guest/proto), builds the container from config.json and runs
 * its processes.  Everything runs in one thread, in the loop of main.c.
 *
 * The agent's files call one way, from the request to the syscalls:
 *
 *   main.c         the loop, signals and reaping, the dispatch of requests
 *   container.c    CREATE, START, EXEC            ps.c  PS, signals to all
 *   process.c      the table of processes: fork, stdio, exit
 *   child.c        what a forked child does until execve
 *   ns.c sysctl.c net.c shares.c mounts.c devices.c resolve.c mountopt.c
 *   security.c pty.c path.c env.c sync.c
 *                  helpers that know nothing of requests, each its concern
 *   vm.c channel.c   for main.c: the VM as a machine (boot, end), and the
 *                    channel to the host
 *
 * This header holds the types that several of them share: the agent's
 * state, the container and its namespaces.  It includes nothing of the
 * agent's, so that any of them may include it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guest/proto/host.h"
#include "oci/spec.h"

/* Namespaces a container may have of its own, and that EXEC joins. */
enum agent_ns {
	AGENT_NS_IPC,
	AGENT_NS_UTS,
	AGENT_NS_NET,
	AGENT_NS_CGROUP,
	AGENT_NS_PID,
	AGENT_NS_MNT, /* last: joining it changes the root */
	AGENT_NS_COUNT,
};

/* A container's namespaces (ns.c). */
struct agent_ns_set {
	bool own[AGENT_NS_COUNT]; /* the container has its own namespace of this kind */
	int fds[AGENT_NS_COUNT];  /* the init process's namespaces, once it is ready */
	ino_t pid_ino;		  /* its pid namespace, 0 when it shares the agent's */
};

/* Where a container is.  Its init process moves it on (process.c). */
enum agent_container_state {
	AGENT_CTR_CREATING, /* its init process is being set up */
	AGENT_CTR_READY,    /* its init process is set up: EXEC joins its namespaces */
	AGENT_CTR_STOPPED,  /* its init process ended: no more EXEC */
	AGENT_CTR_FAILED,   /* CREATE failed and its init process is gone: container.c drops it */
};

struct agent_container {
	char *id;
	struct oci_spec *spec;
	struct proto_bind *binds; /* owned */
	size_t n_binds;
	char *rootfs; /* RUN/rootfs: where the root share is mounted */
	struct agent_ns_set ns;
	enum agent_container_state state;
};

struct agent_channel;
struct agent_process;

/* The agent's state: main.c owns it and the channel, process.c the table of processes. */
struct agent {
	bool vm;	 /* PID 1 in the VM; false in the host test mode */
	char *run_dir;	 /* the agent's scratch directory: "/run/vshim" in the VM */
	char *share_dir; /* test mode: share TAG is the directory SHARE_DIR/TAG */
	int sig_fd;	 /* signalfd of every blocked signal */
	int self_pidns_fd;
	struct agent_channel *ch;
	struct agent_container *ctr; /* NULL until CREATE */
	struct agent_process *procs;
	bool shutting_down; /* SHUTDOWN answered: end once the reply is out */
};
