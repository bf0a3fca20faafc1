/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nodes and links of the container's /dev: null, zero, full, random,
 * urandom, tty; fd, stdin, stdout, stderr, ptmx; then linux.devices, each
 * refused (ENODEV) when the guest kernel has no such device.
 */
#pragma once

#include <stddef.h>

#include "common/error.h"
#include "oci/spec.h"

/* devfd: an O_PATH descriptor of the container's /dev; rootfd its root (for linux.devices). */
int agent_devices_populate(int rootfd, int devfd, const struct oci_device *devices, size_t n,
			   struct vs_error **err);
