/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What QEMU may do to the host's files: the seccomp filter it runs under and
 * the supervisor that answers the calls the filter hands over.
 *
 * QEMU serves the container's files over 9p with the host's ownership
 * (security_model=passthrough), as root when vshim runs as root.  A guest
 * that is root with every capability, or runs a kernel of its own, must
 * still never leave a privileged file on the host:
 *
 *  - set-user-ID and set-group-ID bits: a chmod that asks for them on
 *    anything but a directory (where set-group-ID only means "inherit the
 *    group") is carried out without them: the filter hands such calls to
 *    the supervisor, which does the chmod itself on QEMU's own descriptor,
 *    so nothing can be swapped between the check and the change.  A file
 *    created with either bit in its mode is refused with EPERM.
 *  - device nodes and file capabilities: QEMU runs without CAP_MKNOD and
 *    CAP_SETFCAP, and without CAP_FSETID, so that writing to an existing
 *    set-user-ID file clears the bit as it would for any other user.
 *  - io_uring and openat2, whose arguments a filter cannot see, fail with
 *    ENOSYS; QEMU and glibc fall back to the plain calls.
 *
 * The supervisor runs in QEMU's owner (the monitor, vshim-qemu-run), which
 * shares QEMU's mount namespace and root.
 */
#pragma once

#include <sys/types.h>

#include "common/error.h"

/*
 * Loads the filter into the calling process (a child about to exec QEMU;
 * it sets no_new_privs) and returns the supervisor's descriptor, which the
 * child must hand to its parent and close before it execs.
 */
int drv_sandbox_load(struct vs_error **err);

/*
 * Answers one call that the filter handed over, for QEMU's pidfd.  Called
 * when listener is readable.  Returns 1 when a call was answered, 0 when
 * there was none (the call was abandoned, or QEMU is gone), -1 when the
 * listener itself failed.
 */
int drv_sandbox_serve(int listener, int pidfd, pid_t pid, struct vs_error **err);
