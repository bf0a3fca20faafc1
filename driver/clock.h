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
 */
uint64_t drv_clock_host_tsc_hz(void);

#define DRV_CLOCK_PROBE_MS 10
