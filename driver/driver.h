/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded QEMU driver: libvirt's qemu:///embed?root=DIR idea in a
 * library.  A connection owns a private root directory, locked for its life;
 * domains started through it are QEMU children of the calling process and
 * never outlive it.
 *
 *   ROOT/driver.lock          flock()ed by the owner, holds its pid
 *   ROOT/run/qemu/NAME.xml    status: live definition plus pid, start time, state
 *   ROOT/run/qemu/NAME.*.sock QMP and channel sockets
 *   ROOT/log/qemu/NAME.log    QEMU's command line and stderr
 *
 * Every call logs its stage with vs_debug("driver", ...).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "driver/domain.h"

struct drv_conn;
struct drv_domain;

/*
 * Opens (creating it 0700 if needed) and locks the root.  A second owner fails
 * at once with a message naming the root and the holder's pid.  Domains whose
 * QEMU still runs are reconnected (pid and start time checked, QMP
 * re-attached); the leftovers of dead ones are removed.
 */
struct drv_conn *drv_open(const char *root, struct vs_error **err);
/* Destroys every domain still running, then releases the root. */
void drv_close(struct drv_conn *conn);
/*
 * Releases the root but leaves the domains running, for an owner that is
 * about to execve() itself and reconnect (QEMU stays its child).
 */
void drv_close_keep_running(struct drv_conn *conn);
const char *drv_conn_root(const struct drv_conn *conn);

enum drv_create_flags {
	DRV_CREATE_PAUSED = 1 << 0, /* QEMU starts with its vCPUs stopped (-S) */
	/*
	 * The host's end of every channel and of a unix serial port is
	 * connected before QEMU starts; drv_domain_open_channel() and
	 * drv_domain_open_serial() hand those ends over (the rest are closed
	 * with the domain).  Nothing the guest writes at boot is then lost
	 * or held up waiting for the owner.
	 */
	DRV_CREATE_CONNECTED = 1 << 1,
};

/*
 * Starts QEMU with its vCPUs running (stopped with PAUSED) and the QMP
 * handshake begun before it runs, writes the status file, and returns
 * once QMP is ready: the guest boots while QEMU and the driver negotiate.
 * QEMU failing before its greeting, dying during the handshake or never
 * answering fails, with QEMU's last words, and leaves nothing behind.
 */
struct drv_domain *drv_domain_create(struct drv_conn *conn, const struct domain_def *def,
				     unsigned int flags, struct vs_error **err);

/* A descriptor handed to QEMU for a device of the definition (libvirt's CreateXMLWithFiles). */
struct drv_file {
	const char *name; /* what it is for: the <target dev> of an ethernet <interface> */
	int fd;		  /* the caller's; QEMU gets a copy, the caller closes it when it likes */
};

/*
 * drv_domain_create() for a definition whose devices need descriptors
 * only the caller can open: the tap of each <interface type='ethernet'>
 * (made in the caller's network namespace), found by its target's name.
 * An ethernet interface without its file is an error naming the target.
 */
struct drv_domain *drv_domain_create_with_files(struct drv_conn *conn, const struct domain_def *def,
						const struct drv_file *files, size_t n_files,
						unsigned int flags, struct vs_error **err);
/* A domain of this connection (started or reconnected), or NULL. */
struct drv_domain *drv_domain_lookup(struct drv_conn *conn, const char *name);

enum drv_state {
	DRV_STATE_RUNNING,
	DRV_STATE_PAUSED,
	DRV_STATE_SHUTOFF,
};

enum drv_end_reason {
	DRV_END_SHUTDOWN,  /* the guest powered off */
	DRV_END_REBOOT,	   /* the guest reset with on_reboot=destroy */
	DRV_END_CRASHED,   /* the guest panicked */
	DRV_END_DESTROYED, /* destroyed through this driver */
	DRV_END_FAILED,	   /* QEMU failed or was killed from outside */
};

struct drv_end {
	enum drv_end_reason reason;
	int wait_status;  /* QEMU's, as waitpid() gives it; -1 when not its parent */
	char detail[512]; /* why, in words, with the log's last line when QEMU failed */
};

int drv_domain_pause(struct drv_domain *dom, struct vs_error **err);
int drv_domain_resume(struct drv_domain *dom, struct vs_error **err);
/* Asks the guest to power off; destroys it when it has not within timeout_ms. */
int drv_domain_shutdown(struct drv_domain *dom, int timeout_ms, struct vs_error **err);
/*
 * QMP quit, then SIGTERM, then SIGKILL; returns once QEMU is gone.  A
 * domain without a writable disk (nothing of the guest's in QEMU's hands)
 * gets SIGKILL at once: QEMU's orderly exit would only cost time.
 */
int drv_domain_destroy(struct drv_domain *dom, struct vs_error **err);
enum drv_state drv_domain_state(const struct drv_domain *dom);

/*
 * Waits up to timeout_ms (-1: for ever) for QEMU to end.  Returns 1 with
 * *end filled when it has, 0 on timeout.
 */
int drv_domain_wait(struct drv_domain *dom, int timeout_ms, struct drv_end *end,
		    struct vs_error **err);

/*
 * For an owner's own poll loop: the descriptors to watch for POLLIN (QEMU's
 * pidfd, the QMP socket, the supervisor of QEMU's seccomp filter, QEMU's
 * output; -1 for none), and the call that handles whatever is ready.  An owner must call
 * drv_domain_dispatch() soon when one is ready: QEMU waits for the
 * supervisor's answer.  drv_domain_dispatch() returns 1 when the domain has
 * ended (and fills end).
 */
#define DRV_POLL_FDS 4
int drv_domain_poll_fds(const struct drv_domain *dom, int fds[DRV_POLL_FDS]);
int drv_domain_dispatch(struct drv_domain *dom, struct drv_end *end, struct vs_error **err);

/*
 * Connects to the unix socket behind <channel> target `name` (hands over the
 * end connected before QEMU started, the first time, with
 * DRV_CREATE_CONNECTED).
 */
int drv_domain_open_channel(struct drv_domain *dom, const char *name, struct vs_error **err);
/* The same for a unix <serial> (or the <console> standing for it). */
int drv_domain_open_serial(struct drv_domain *dom, struct vs_error **err);

const char *drv_domain_name(const struct drv_domain *dom);
pid_t drv_domain_pid(const struct drv_domain *dom);
enum drv_accel drv_domain_accel(const struct drv_domain *dom);
/* The pty QEMU allocated for <serial type='pty'>, or NULL. */
const char *drv_domain_serial_pty(const struct drv_domain *dom);
const char *drv_end_reason_name(enum drv_end_reason reason);
/* The QEMU a domain without <emulator> runs. */
const char *drv_default_emulator(void);
