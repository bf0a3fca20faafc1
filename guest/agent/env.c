/* SPDX-License-Identifier: Apache-2.0 */
/* A process's environment as runc prepares it (env.h). */
#include "guest/agent/env.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

/* The uid field of a passwd entry, when it is a number. */
static bool uid_is(const char *field, uid_t uid)
{
	char *end;
	unsigned long n;

	if (field[0] < '0' || field[0] > '9')
		return false;
	n = strtoul(field, &end, 10);
	return *end == '\0' && n == (unsigned long)uid;
}

char *agent_env_home(const char *passwd_path, uid_t uid)
{
	cleanup_file FILE *f = fopen(passwd_path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (f != NULL && getline(&line, &cap, f) > 0) {
		char *field[7] = { 0 };
		char *s = line;
		size_t n = 0;

		line[strcspn(line, "\r\n")] = '\0';
		while (n < 7 && (field[n] = strsep(&s, ":")) != NULL)
			n++;
		if (n >= 6 && uid_is(field[2], uid))
			return vs_xstrdup(field[5]);
	}
	return vs_xstrdup("/");
}

/* One entry of process.env: its name's length and where it stands. */
struct env_entry {
	const char *text;
	size_t name_len;
	size_t index;
};

/* By name, then by position: each name's last occurrence ends its run. */
static int compare_entries(const void *a, const void *b)
{
	const struct env_entry *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->text, y->text, n);

	if (c != 0)
		return c;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

char **agent_env_make(const struct oci_process *p, const char *passwd_path)
{
	cleanup_free struct env_entry *sorted = vs_xcalloc(p->n_env + 1, sizeof(*sorted));
	cleanup_free bool *keep = vs_xcalloc(p->n_env + 1, sizeof(*keep));
	char **env = vs_xcalloc(p->n_env + 2, sizeof(*env));
	bool has_home = false;
	size_t n = 0;

	if (p->env == NULL)
		return env;
	/* Sorting, not a scan per entry: process.env may hold 65536 entries. */
	for (size_t i = 0; i < p->n_env; i++)
		sorted[i] = (struct env_entry){ .text = p->env[i],
						.name_len = strcspn(p->env[i], "="),
						.index = i };
	qsort(sorted, p->n_env, sizeof(*sorted), compare_entries);
	for (size_t i = 0; i < p->n_env; i++) {
		const struct env_entry *e = &sorted[i];
		bool last = i + 1 == p->n_env || e->name_len != sorted[i + 1].name_len ||
			    memcmp(e->text, sorted[i + 1].text, e->name_len) != 0;

		/* An empty HOME is replaced, as a missing one. */
		if (last && e->name_len == 4 && strcmp(e->text, "HOME=") == 0)
			continue;
		if (last && e->name_len == 4 && strncmp(e->text, "HOME", 4) == 0)
			has_home = true;
		keep[e->index] = last;
	}
	for (size_t i = 0; i < p->n_env; i++)
		if (keep[i])
			env[n++] = vs_xstrdup(p->env[i]);
	if (!has_home) {
		cleanup_free char *home = agent_env_home(passwd_path, p->user.uid);

		env[n] = vs_xasprintf("HOME=%s", home);
	}
	return env;
}

void agent_env_free(char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
