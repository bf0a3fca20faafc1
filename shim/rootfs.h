/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's part in the container's root file system.
 *
 * A read-only root reaches the VM as a read-only share, so the guest cannot
 * create mount points in it.  As runc does (it creates them before it
 * remounts the root read-only), the host creates what is missing before the
 * VM boots: a directory for each mount, an empty file for a file bind
 * mount, every path resolved inside the rootfs (symlinks cannot lead out).
 */
#pragma once

#include "common/error.h"
#include "oci/spec.h"

int shim_rootfs_prepare(const struct oci_spec *spec, const char *bundle, struct vs_error **err);
