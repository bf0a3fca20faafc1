/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim create: a container's state directory, then its monitor, forked;
 * returns once the VM is up and the container created (its process waits
 * for start).
 */
#include "shim/launch.h"

int cmd_create(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	struct shim_launch a = { 0 };
	int r = shim_launch_parse("create", argc, argv, &a, err);

	if (r == 0)
		r = shim_launch_detached(ctx, &a, err);
	shim_launch_clear(&a);
	return r;
}
