/* SPDX-License-Identifier: Apache-2.0 */
/* vshim resume: a paused container runs again, in the state it was paused from. */
#include "shim/verb.h"

int cmd_resume(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = shim_verb_id("resume", argc, argv, err);

	return id == NULL ? -1 : shim_verb_request(ctx, id, "resume", err);
}
