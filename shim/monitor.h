/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: one process per container that owns its VM (the embedded
 * driver), the agent channel, the container's stdio and the control socket
 * STATE/ctl.sock that every other verb talks to.  `create` forks it; `run`
 * is one in the foreground.  It ends when the container's init exits (or the
 * container is destroyed), with the init's status.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "oci/hostconf.h"
#include "oci/spec.h"
#include "shim/container.h"

struct shim_userns;

struct monitor_opts {
	const char *id;
	const char *dir;    /* ROOT/ID, created by the caller */
	const char *bundle; /* absolute */
	const char *rootfs; /* root.path resolved */
	const struct oci_spec *spec;
	const struct oci_hostconf *conf; /* the host's configuration */
	bool systemd_cgroup;		 /* --systemd-cgroup */
	const char *config;		 /* config.json as read, for the agent */
	size_t config_len;
	int in, out, err;	    /* the init's stdio on the host; in may be -1 */
	int tty;		    /* a terminal whose size the init's pty follows, or -1 */
	const char *console_socket; /* create --console-socket: a host pty goes there */
	const char *pid_file;	    /* written once the container is created */
	bool start;		    /* run: start the init at once */
	/*
	 * create: the write end of a pipe to the caller.  Once the container
	 * is created (started, with start) the monitor writes "K", or "E" and
	 * the error, and closes it.  -1 for run.
	 */
	int notify_fd;
	int sigfd; /* signals for the init (SIGWINCH: resize from tty), or -1 */
	/* Without root: the user namespace the monitor makes before anything else, or NULL. */
	const struct shim_userns *userns;
};

/*
 * Creates the container (and starts it with opts->start), serves the
 * control socket, and returns the init's exit status (code, or 128+signal)
 * once it ends.  When the VM ends under the created container (QEMU killed,
 * the guest's kernel panicked), the container was killed: 137, with err set
 * to say why.  Returns -1 with err set when the container could not be
 * created or started; everything it made is gone then, except opts->dir.
 */
int monitor_run(const struct monitor_opts *opts, struct vs_error **err);

/*
 * Blocks the signals the monitor forwards to the init (INT, TERM, HUP, QUIT,
 * USR1, USR2, and WINCH when tty) and returns a signalfd for them; SIGPIPE
 * is ignored.
 */
int monitor_signalfd(bool tty);

/*
 * A host pty whose master goes to the console socket at socket_path (a
 * --console-socket); returns the slave, which becomes the caller's
 * controlling terminal (its own session) so that size changes raise
 * SIGWINCH.  The guest's pty does the line discipline: this one is raw.
 */
int monitor_console_pty(const char *socket_path, struct vs_error **err);
