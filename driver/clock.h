/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/*
 * The rate of the host's TSC in Hz, for <clock><timer name='tsc'
 * frequency=>: what a TCG guest reads as its own TSC.  0 when the host's
 * TSC does not tick at a constant rate (CPUID's invariant TSC bit is
 * clear) or the machine is not x86_64; the guest then keeps time on
 * jiffies.  Measured once per process against CLOCK_MONOTONIC_RAW over
 * DRV_CLOCK_PROBE_MS (no CPUID leaf gives it on AMD hosts or under most
 * hypervisors), to a few parts per million.
 *
 * The rate does not change until the host reboots, and the probe's sleep
 * would be on every VM's start-up: with cache (a file in a directory only
 * the caller writes; NULL: none), the first measurement after a boot is
 * kept there with the host's boot id, and later calls read it back.
 */
uint64_t drv_clock_host_tsc_hz(const char *cache);

#define DRV_CLOCK_PROBE_MS 10
