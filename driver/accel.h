/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "common/error.h"
#include "driver/domain.h"

/*
 * Resolves DRV_ACCEL_AUTO to KVM or TCG.  KVM is chosen only when it can
 * really run a standard guest: /dev/kvm opens read-write, speaks API 12,
 * and the host module is kvm_intel or kvm_amd (nested PVM, kvm_pvm, hangs
 * ordinary guest kernels).  An explicit KVM request fails when /dev/kvm
 * cannot be opened.  The choice and its reason go to the debug log.
 */
int drv_accel_resolve(enum drv_accel requested, enum drv_accel *out, struct vs_error **err);

/* For tests: the directory standing for /sys/module and the KVM device. */
void drv_accel_set_paths(const char *sys_module, const char *kvm_dev);
