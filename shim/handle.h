/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's process on the host: the pid `create` writes to
 * --pid-file, that containerd and conmon wait on, and through whose /proc
 * entries and cgroup they reach the container, as they reach runc's init.
 *
 * It is a small process of its own (the monitor cannot be it: it owns QEMU
 * and the host's files), made by the monitor once the container is created:
 *  - in the container's network namespace and cgroup (the monitor's, which
 *    it inherits);
 *  - with a /proc of a pid namespace of its own, whose only process is an
 *    idle child of the handle: `podman top`, which reads /proc there, never
 *    finds the host's processes;
 *  - in a new mount namespace whose root is the container's view: its root
 *    file system (the 9p share, live: what is written there the guest sees
 *    at once) with its volumes at their destinations; /proc/PID/root and
 *    /proc/PID/cwd are the container's, so `podman cp` lands in the
 *    container.  What exists only in the guest (its tmpfs, devpts, sysfs...)
 *    is an empty read-only directory there: writing into it fails with
 *    "Read-only file system" instead of going where the guest cannot see it.
 *
 * It exits with the container's status when the monitor says so; a signal
 * sent to it goes to the container's init; if it is killed (SIGKILL), the
 * container is killed, as runc's is with its init.  For create it is a
 * child of create (CLONE_PARENT), which exits at once: the caller's
 * subreaper (containerd's shim, conmon) waits on it.  For run it is the
 * monitor's child.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/spec.h"

struct shim_handle {
	pid_t pid;
	int pidfd;     /* POLLIN when the handle is gone */
	int control;   /* the monitor's end: the status goes in, signals come out */
	bool is_child; /* the monitor's own child (run), to reap */
};

/* The container's view for the handle's root. */
struct shim_handle_view {
	const char *rootfs; /* root.path, resolved */
	bool readonly;
	const char *volumes; /* STATE/vol: the entry of each volume (oci/mounts.h) */
	const struct oci_spec *spec;
	const char *bundle;
	const char *work; /* an empty directory to build the view on: STATE/root */
	const char *cwd;  /* process.cwd */
	bool sibling;	  /* a child of this process's parent (create), else this process's (run) */
};

/* Makes the handle; returns once its view is in place (or with why not). */
int shim_handle_start(struct shim_handle *h, const struct shim_handle_view *v,
		      struct vs_error **err);
/* A signal the handle received, for the init: its number, or 0 for none. */
int shim_handle_read_signal(struct shim_handle *h);
/* The handle exits with status (the container's: code, or 128+signal); a child is reaped. */
void shim_handle_exit(struct shim_handle *h, int status);
