/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The environment of the tests that run vshim: each check fails the test
 * (Criterion) with what is missing and how to get it.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* $name when set and not empty, else fallback. */
const char *ts_env_or(const char *name, const char *fallback);

/* Where vshim finds its guest files: $VSHIM_DATADIR, else ../share/vshim next to vshim. */
const char *ts_datadir(const char *vshim);

/* The vshim binary, the test helper and a static /bin/busybox. */
void ts_require_host(const char *vshim, const char *helper);

/* ts_require_host(), QEMU where the driver looks for it, the guest kernel and initramfs. */
void ts_require_vm(const char *vshim, const char *helper);

/* Up to max processes (not this one) whose command line contains needle. */
size_t ts_find_processes(const char *needle, pid_t *pids, size_t max);
