/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the driver's files; never included outside driver/. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/caplog.h"
#include "driver/driver.h"
#include "driver/qmp.h"

/* Channels of one domain: each is a listening socket QEMU inherits. */
#define DRV_MAX_CHANNELS 16

struct drv_domain {
	struct drv_conn *conn;
	struct domain_def *def; /* the live definition (channel paths filled in) */
	enum drv_accel accel;	/* resolved: KVM or TCG */
	enum drv_state state;
	pid_t pid;
	unsigned long long start_time;
	int pidfd;
	int seccomp_fd; /* supervisor of QEMU's seccomp filter (sandbox.h); -1 after a reconnect */
	int output_fd;	/* QEMU's stdout and stderr; -1 after a reconnect */
	struct vs_caplog output_log; /* where they go: the domain log, capped */
	bool is_child;		     /* ours to waitpid(); false after reconnecting to a stranger */
	struct drv_qmp *qmp;
	/*
	 * With DRV_CREATE_CONNECTED: the host's end of each channel (in the
	 * order of def->channels) and of a unix serial port, connected before
	 * QEMU started, until the owner takes them; -1 otherwise.
	 */
	int channel_ends[DRV_MAX_CHANNELS];
	int serial_end;
	bool destroying;
	bool ended;
	struct drv_end end;
	char shutdown_reason[64]; /* from QMP's SHUTDOWN event, "" until one came */
	bool panicked;
	char *serial_pty;
	char *status_path, *qmp_path, *pid_path, *log_path;
	off_t log_start; /* where QEMU's own output begins in the log, after the command line */
	struct drv_domain *next;
};

struct drv_conn {
	char *root;
	char *run_dir; /* ROOT/run/qemu */
	char *log_dir; /* ROOT/log/qemu */
	int lock_fd;
	struct drv_domain *domains;
};

/*
 * The layers, each calling only those below it:
 *
 *   conn.c       drv_open(), drv_close(): the root, reconnecting, destroying on close
 *   lifecycle.c  a domain's life: the struct drv_domain, QEMU started, paused, resumed
 *   exit.c       ... and its end: events, QEMU reaped, destroy, shutdown (same layer)
 *   status.c     status files, stored and read back; no QEMU, no QMP
 *   root.c       the root's layout and lock; no domains
 */

/*
 * The domain log's caps for what QEMU prints (its own messages, a line or
 * two in a domain's life; a guest can make it print more).
 */
#define DRV_QEMU_LOG_SIZE (1u << 20)
#define DRV_QEMU_LOG_RATE (16u << 10)

/* root.c */
/* Sets conn's root, run and log directories, creates them (0700) and locks the root. */
int drv_root_open(struct drv_conn *conn, const char *root, struct vs_error **err);
/* Unlocks the root and frees what drv_root_open() set (not conn itself). */
void drv_root_close(struct drv_conn *conn);
char *drv_root_path(const struct drv_conn *conn, const char *dir, const char *name,
		    const char *suffix);

/* status.c */
/* What one status file says about a domain. */
struct drv_status {
	struct domain_def *def; /* the live definition, owned by the caller */
	enum drv_state state;
	pid_t pid;
	unsigned long long start_time;
	enum drv_accel accel;
};

int drv_status_save(const struct drv_domain *dom, struct vs_error **err);
int drv_status_load(const char *path, struct drv_status *status, struct vs_error **err);
/* Removes the status file and the sockets the driver made under run_dir. */
void drv_status_remove(const struct drv_domain *dom);

/* lifecycle.c */
void drv_domain_release(struct drv_domain *dom);
struct drv_domain *drv_domain_new(struct drv_conn *conn, struct domain_def *def);
/* Connects QMP and negotiates capabilities. */
int drv_domain_attach_monitor(struct drv_domain *dom, int timeout_ms, struct vs_error **err);
/* The last lines of the domain's QEMU log, for an error message. */
void drv_domain_log_tail(const struct drv_domain *dom, char *out, size_t size);
/* Takes in what QEMU printed (into its capped log). */
void drv_domain_read_output(struct drv_domain *dom);
/* A QMP command without arguments or reply. */
int drv_domain_simple_command(struct drv_domain *dom, const char *cmd, struct vs_error **err);

/* exit.c */
/* Answers the seccomp calls QEMU is waiting on. */
void drv_domain_serve_sandbox(struct drv_domain *dom);
