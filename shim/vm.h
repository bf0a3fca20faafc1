/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's VM: config.json -> domain XML -> embedded driver rooted at
 * STATE/vm, with the agent channel connected, and the guest's serial
 * console written to STATE/console.log within the host configuration's
 * caps (common/caplog.h).
 */
#pragma once

#include "common/caplog.h"
#include "common/cgroup.h"
#include "common/error.h"
#include "driver/driver.h"
#include "guest/proto/host.h"
#include "oci/hostconf.h"
#include "oci/spec.h"
#include "shim/network.h"

struct shim_vm {
	struct drv_conn *conn;
	struct drv_domain *dom;
	int agent_fd;		  /* connected to the guest agent's virtio-serial port */
	int console_fd;		  /* connected to the guest's serial console; -1 once closed */
	struct vs_caplog console; /* STATE/console.log */
	char *state_dir;
	const struct oci_spec *spec;
	char *volumes;		 /* STATE/vol once the volumes are mounted there, else NULL */
	struct vs_cgroup cgroup; /* linux.cgroupsPath, joined; n_dirs 0: none */
};

/*
 * What the host cgroup of a VM allows beyond its guest memory and TCG's
 * translation cache: QEMU's own heap, threads and device state, the
 * monitor and the container's process on the host.  Measured: a 320 MiB
 * guest that touched all its memory, with a 40 MiB translation cache, had
 * QEMU at 36 MiB of anonymous memory beyond both, and 37 MiB of file pages
 * (its binary and libraries, shared with every QEMU).
 */
#define SHIM_VM_HOST_OVERHEAD (96ull << 20)

/*
 * Translates spec (of bundle, whose root.path create resolved to rootfs)
 * into STATE/domain.xml under the host configuration conf, with the NICs
 * of net, moves this process (the monitor) into a mount namespace of its
 * own with the volumes at STATE/vol (oci/mounts.h), opens the driver at
 * STATE/vm, starts the VM (handing it net's taps) and connects the agent
 * channel and the console.  Before QEMU starts, this process joins
 * linux.cgroupsPath (made, with limits that bound the VM: its memory plus
 * SHIM_VM_HOST_OVERHEAD, the CPU quota), so that QEMU and the container's
 * process on the host are in it too; systemd_cgroup: --systemd-cgroup was
 * given.  On failure nothing is left running or mounted and STATE holds no
 * VM files.
 */
int shim_vm_boot(struct shim_vm *vm, const char *state_dir, const char *id, const char *bundle,
		 const char *rootfs, const struct oci_spec *spec, const struct oci_hostconf *conf,
		 const struct shim_network *net, bool systemd_cgroup, struct vs_error **err);
/* Destroys the VM (if running), closes the driver, unmounts the volumes. */
void shim_vm_teardown(struct shim_vm *vm);

/*
 * The agent's bind entries: one per volume (mount of bundle's config that
 * comes through the volume share).  *binds is a new array, also after a
 * failure.
 */
int shim_vm_binds(const struct shim_vm *vm, const char *bundle, struct proto_bind **binds,
		  size_t *n, struct vs_error **err);

/*
 * Moves what the guest has written to its console into the log, without
 * waiting; the console's end closes console_fd.
 */
void shim_vm_console_read(struct shim_vm *vm);
/* The guest's last word from its console log (a panic line, else the last line), or NULL. */
char *shim_vm_console_tail(struct shim_vm *vm);
