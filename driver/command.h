/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain definition -> QEMU command line.  Pure: it opens nothing, so the
 * golden tests can pin its output.  Everything that depends on the host
 * (which accelerator auto chose, the sockets the driver already bound)
 * comes in through struct drv_command_ctx.
 */
#pragma once

#include "common/util.h"
#include "driver/domain.h"

/*
 * Kernel parameters the driver adds to the guest's command line under TCG.
 * An emulated guest spends half its boot on work that is cheap on hardware
 * and slow in an emulator: calibrating the local APIC timer, patching SMP
 * alternatives into its own text (every patch throws translated code away)
 * and checking that the IO-APIC timer interrupt arrives.  With these the
 * guest takes its timer events from the PIT (broadcast to other vCPUs),
 * keeps its lock prefixes, and trusts the timer.  Nothing the guest
 * enforces depends on them.  Measured with the vshim kernel on microvm:
 * boot to init 0.52 s -> 0.24 s.  Words the domain's command line already
 * has are not added twice.
 */
#define DRV_TCG_CMDLINE "noapictimer noreplace-smp no_timer_check"

/*
 * What a TCG guest is told when the domain gives the TSC's rate (<clock>
 * <timer name='tsc' frequency=>): TCG hands the host's TSC to the guest's
 * RDTSC, a clock that runs at the host's rate whatever the load and stops
 * while the VM is paused.  The guest kernel cannot calibrate it (its PIT
 * calibration fails under emulation and microvm has no HPET or ACPI PM
 * timer), marks it unstable and keeps time on jiffies, which lose ticks
 * under load.  tsc_early_khz= gives it the rate, tsc=reliable skips the
 * stability checks (there is no second clock to watch it with), and the
 * guest's clocksource is the TSC; the delay loop's calibration is skipped
 * too.  %llu is the rate in kHz.
 */
#define DRV_TCG_TSC_CMDLINE "tsc_early_khz=%llu tsc=reliable"

struct drv_command_ctx {
	const char *emulator;	/* resolved binary path */
	enum drv_accel accel;	/* KVM or TCG, never AUTO */
	int qmp_fd;		/* listening QMP socket QEMU inherits */
	const int *channel_fds; /* listening socket per def->channels[i], same order */
	const char *pidfile;	/* QEMU writes its pid there (-pidfile); NULL: none */
	/*
	 * The listening socket of a unix <serial> (or the <console> that
	 * stands for it); 0: QEMU binds the path itself.
	 */
	int serial_fd;
	const int *net_fds; /* per def->nets[i]: the tap of an ethernet one, else -1 */
	bool paused;	    /* -S: the vCPUs wait for QMP `cont` */
};

/*
 * Appends the whole argv, emulator first (ctx->emulator, else def->emulator,
 * else qemu-system-x86_64 from PATH), to argv.  Under TCG the kernel command
 * line gets DRV_TCG_CMDLINE, and DRV_TCG_TSC_CMDLINE when the domain gives
 * the TSC's rate.  Refuses, appending nothing,
 * what QEMU 7.2 here cannot do: virtiofs shares, on_poweroff='restart',
 * on_reboot='preserve', more than 24 virtio devices on a microvm with ACPI
 * (8 without); and an
 * ethernet interface without a descriptor in ctx->net_fds.
 */
int drv_command_build(const struct domain_def *def, const struct drv_command_ctx *ctx,
		      struct vs_strv *argv, struct vs_error **err);
