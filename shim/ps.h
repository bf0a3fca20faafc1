/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps with ps arguments, as runc reads them: runc runs the host's `ps ARGS`
 * and keeps the header and the lines of the container's pids.  The
 * container's processes live in its VM: vshim runs `ps ARGS` in the
 * container (an exec of config.json's process with those args) and keeps
 * the same lines.
 */
#pragma once

#include <yajl/yajl_tree.h>

#include "common/error.h"
#include "shim/container.h"

/* Prints ps args' output for container c, whose pids are pids (a JSON array). */
int shim_ps_run(const struct shim_container *c, yajl_val pids, char **args, int n_args,
		struct vs_error **err);
