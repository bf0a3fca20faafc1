/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The environment of the tests that run vshim: each check fails the test
 * (Criterion) with what is missing and how to get it; the processes and
 * mounts a test leaves behind; a clean child to exec vshim in.
 */
#pragma once

#include <stdbool.h>
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

/* pid's command line with spaces for its NULs, cut to size: its length, or -1 (a zombie, a
 * kernel thread, no such process). */
ssize_t ts_read_cmdline(pid_t pid, char *buf, size_t size);

/* Up to max processes (not this one) whose command line contains needle. */
size_t ts_find_processes(const char *needle, pid_t *pids, size_t max);

/* How many mounts are at or under prefix; unmount detaches them as well. */
size_t ts_mounts_under(const char *prefix, bool unmount);

/* In a child before exec: what Criterion's worker set up (mask, handlers) must not reach vshim. */
void ts_reset_signals(void);
