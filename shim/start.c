/* SPDX-License-Identifier: Apache-2.0 */
/* vshim start: the process of a created container starts (its monitor runs the hooks). */
#include <errno.h>

#include "common/cleanup.h"
#include "shim/verb.h"

int cmd_start(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = shim_verb_id("start", argc, argv, err);
	cleanup_container struct shim_container *c = NULL;

	if (id == NULL || (c = shim_verb_load(ctx, id, err)) == NULL)
		return -1;
	if (c->status == SHIM_STOPPED)
		return vs_error_code(err, EINVAL, "cannot start a container that has stopped");
	if (c->status != SHIM_CREATED)
		return vs_error_code(err, EINVAL, "cannot start container `%s`: it is %s", id,
				     shim_status_name(c->status));
	return shim_verb_request(ctx, id, "start", err);
}
