/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim run: create and start a container, and wait for it.  This process
 * is its monitor, in the foreground (a terminal goes raw while it runs),
 * and the container is deleted when it ends (kept, stopped, with --keep).
 * run --detach is create and start, returning once started.
 */
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "shim/container.h"
#include "shim/launch.h"

/* run in the foreground: this process is the monitor. */
static int run_foreground(struct shim_ctx *ctx, struct shim_launch *a, struct vs_error **err)
{
	/* Interactive: the host terminal goes raw and the guest pty does the line discipline. */
	bool tty = a->tty >= 0;
	struct termios saved, raw;
	cleanup_close int sigfd = -1;
	int status;

	if (tty && tcgetattr(a->tty, &saved) < 0)
		tty = false;
	sigfd = monitor_signalfd(tty || a->console_socket != NULL);
	struct monitor_opts o = shim_launch_monitor_opts(ctx, a);

	o.tty = tty ? a->tty : -1;
	o.start = true;
	o.sigfd = sigfd;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(a->tty, TCSANOW, &raw);
	}
	status = monitor_run(&o, err);
	if (tty)
		tcsetattr(a->tty, TCSANOW, &saved);
	/* The container is deleted with its run (poststop hooks, then its directory), or kept. */
	if (!a->keep)
		shim_container_remove(a->dir, a->id, a->bundle, a->spec);
	return status;
}

int cmd_run(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	struct shim_launch a = { 0 };
	int status = shim_launch_parse("run", argc, argv, &a, err);

	if (status == 0 && a.detach)
		status = shim_launch_detached(ctx, &a, err);
	else if (status == 0 && shim_launch_prepare(ctx, &a, true, err) == 0)
		status = run_foreground(ctx, &a, err);
	else
		status = -1;
	shim_launch_clear(&a);
	return status;
}
