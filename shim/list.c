/* SPDX-License-Identifier: Apache-2.0 */
/* vshim list: every container under the root, as a table, IDs only (-q) or JSON. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "common/cleanup.h"
#include "shim/verb.h"

int cmd_list(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, quiet = false, first = true;
	struct dirent *de;
	DIR *d;
	int opt;

	while ((opt = getopt_long(argc, argv, "+f:q", options, NULL)) != -1) {
		if (opt == 'q')
			quiet = true;
		else if (opt != 'f' || shim_verb_format("list", optarg, &json, err) < 0)
			return opt != 'f' ? shim_usage_error(err, "list") : -1;
	}
	if (optind != argc)
		return shim_usage_error(err, "list");
	if (shim_root_prepare(ctx, err) < 0)
		return -1;
	d = opendir(ctx->root);
	if (d == NULL)
		return vs_error_set(err, errno, "cannot read `%s`", ctx->root);
	if (json)
		printf("[");
	else if (!quiet)
		printf("%-20s %-8s %-8s %-40s %-25s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	while ((de = readdir(d)) != NULL) {
		cleanup_error struct vs_error *e = NULL;
		cleanup_container struct shim_container *c = NULL;

		if (de->d_name[0] == '.' || shim_id_validate(de->d_name, &e) < 0)
			continue;
		c = shim_container_load(ctx, de->d_name, &e);
		if (c == NULL)
			continue; /* being created or deleted right now */
		if (quiet && !json) {
			printf("%s\n", c->id);
		} else if (json) {
			cleanup_free char *state = shim_container_state_json(c, false);

			printf("%s%s", first ? "" : ",", state);
		} else {
			printf("%-20s %-8d %-8s %-40s %-25s %s\n", c->id,
			       c->status == SHIM_STOPPED ? 0 : (int)c->pid,
			       shim_status_name(c->status), c->bundle, c->created, "root");
		}
		first = false;
	}
	closedir(d);
	if (json)
		printf("]\n");
	return 0;
}
