/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM as a machine, which the agent keeps as its PID 1 and which is not
 * the container's: the guest's own file systems at boot, and the end of the
 * VM.  Only in the VM; the host test mode has neither.
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
int agent_vm_boot(struct vs_error **err);

/*
 * Sets the guest's wall clock (CLOCK_REALTIME) to the host's, as CLOCK
 * gives it.  Its rate is the clocksource's (the TSC under TCG, kvm-clock
 * under KVM); what the host sets is where it stands, at create and after a
 * resume, when the guest's clock stood still with its vCPUs.
 */
int agent_vm_set_clock(long long sec, long long nsec, struct vs_error **err);

/* Kills every process, syncs and reboots; with reboot=t and QEMU -no-reboot the VM ends. */
_Noreturn void agent_vm_reboot(void);
