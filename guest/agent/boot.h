/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PID 1 duties that are not the container's: the guest's own file systems
 * at boot, and the end of the VM.
 */
#pragma once

#include "common/error.h"

/* The agent's scratch directory in the VM. */
#define AGENT_RUN_DIR "/run/vshim"

/*
 * Moves the root from the initramfs onto a tmpfs (pivot_root cannot leave
 * the initramfs, containers need to), then mounts /proc, /sys, /dev
 * (devtmpfs), /dev/pts and makes AGENT_RUN_DIR; fds 0-2 are opened on
 * /dev/console when the kernel left them closed.
 */
int agent_boot_vm(struct vs_error **err);

/* Kills every process, syncs and reboots; with reboot=t and QEMU -no-reboot the VM ends. */
_Noreturn void agent_boot_reboot(void);
