/* SPDX-License-Identifier: Apache-2.0 */
/* vshim list: every container under the root, by ID, as a table, IDs only (-q) or JSON. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/verb.h"

/* Byte order, as Go's sort of the names runc reads (not the locale's). */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The owner of a container's state directory, as runc names it: a user name, else the uid. */
static void owner_of(const struct shim_ctx *ctx, const char *id, char *out, size_t size)
{
	cleanup_free char *dir = vs_xasprintf("%s/%s", ctx->root, id);
	struct passwd *pw;
	struct stat st;

	if (stat(dir, &st) < 0) {
		snprintf(out, size, "?");
		return;
	}
	pw = getpwuid(st.st_uid);
	if (pw != NULL)
		snprintf(out, size, "%s", pw->pw_name);
	else
		snprintf(out, size, "%u", (unsigned)st.st_uid);
}

int cmd_list(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, quiet = false, first = true;
	struct dirent **names = NULL;
	int opt, n;

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
	/* In the order of their IDs, as runc lists them. */
	n = scandir(ctx->root, &names, NULL, by_name);
	if (n < 0)
		return vs_error_set(err, errno, "cannot read `%s`", ctx->root);
	if (json)
		printf("[");
	else if (!quiet)
		printf("%-20s %-8s %-8s %-40s %-25s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (int i = 0; i < n; i++) {
		cleanup_free struct dirent *de = names[i];
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
			char owner[64];

			owner_of(ctx, c->id, owner, sizeof(owner));
			printf("%-20s %-8d %-8s %-40s %-25s %s\n", c->id,
			       c->status == SHIM_STOPPED ? 0 : (int)c->pid,
			       shim_status_name(c->status), c->bundle, c->created, owner);
		}
		first = false;
	}
	free(names);
	if (json)
		printf("]\n");
	return 0;
}
