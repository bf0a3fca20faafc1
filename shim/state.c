/* SPDX-License-Identifier: Apache-2.0 */
/* vshim state: the runtime spec's state of a container, as JSON (nothing else on stdout). */
#include <stdio.h>

#include "common/cleanup.h"
#include "shim/verb.h"

int cmd_state(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const char *id = shim_verb_id("state", argc, argv, err);
	cleanup_container struct shim_container *c = NULL;

	if (id == NULL || (c = shim_verb_load(ctx, id, err)) == NULL)
		return -1;
	cleanup_free char *json = shim_container_state_json(c, true);
	printf("%s", json);
	return 0;
}
