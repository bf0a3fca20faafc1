/* SPDX-License-Identifier: Apache-2.0 */
/* vshim pause: every vCPU of the container's VM stops (a created container pauses too). */
#include "shim/verb.h"

int cmd_pause(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = shim_verb_id("pause", argc, argv, err);

	return id == NULL ? -1 : shim_verb_request(ctx, id, "pause", err);
}
