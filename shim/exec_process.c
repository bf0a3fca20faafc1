/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process an exec runs, as JSON for the agent: the --process file, or
 * the process of the config.json stored at create with the command line's
 * args, env, cwd, user,
 * additional gids, capabilities, no_new_privs and tty, as runc's exec makes
 * it; checked the way the agent will read it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/spec.h"
#include "shim/exec.h"

static void gen_string(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* JSON output of a parsed tree, as it was. */
static void gen_value(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		gen_string(g, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			gen_string(g, v->u.object.keys[i]);
			gen_value(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_value(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(g);
	}
}

/* The members of obj but those named in except (entries may be NULL). */
static void gen_members_but(yajl_gen g, yajl_val obj, const char *const *except, size_t n)
{
	for (size_t i = 0; YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++) {
		const char *key = obj->u.object.keys[i];
		bool skip = false;

		for (size_t k = 0; k < n; k++)
			skip |= except[k] != NULL && strcmp(key, except[k]) == 0;
		if (!skip) {
			gen_string(g, key);
			gen_value(g, obj->u.object.values[i]);
		}
	}
}

/* An array: the one config.json has (if any), then more. */
static void gen_appended(yajl_gen g, yajl_val had, const char *const *more, size_t n_more)
{
	yajl_gen_array_open(g);
	for (size_t i = 0; YAJL_IS_ARRAY(had) && i < had->u.array.len; i++)
		gen_value(g, had->u.array.values[i]);
	for (size_t i = 0; i < n_more; i++)
		gen_string(g, more[i]);
	yajl_gen_array_close(g);
}

static yajl_val member(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };

	return YAJL_IS_OBJECT(obj) ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

/*
 * process.capabilities with --cap added as runc's exec adds them: to the
 * bounding, effective and permitted sets, and to the ambient one when the
 * config has an inheritable set (ambient needs inheritable).
 */
static void gen_caps(yajl_gen g, yajl_val caps, const struct shim_exec_args *a)
{
	static const char *const added[] = { "bounding", "effective", "permitted", "ambient" };
	bool ambient = member(caps, "inheritable") != NULL;

	yajl_gen_map_open(g);
	gen_members_but(g, caps, added, VS_ARRAY_SIZE(added));
	for (size_t k = 0; k < VS_ARRAY_SIZE(added); k++) {
		bool add = k < 3 || ambient;

		if (!add && member(caps, added[k]) == NULL)
			continue;
		gen_string(g, added[k]);
		gen_appended(g, member(caps, added[k]), a->caps, add ? a->n_caps : 0);
	}
	yajl_gen_map_close(g);
}

/* process.user with --user's uid (and gid, when given) and --additional-gids added. */
static void gen_user(yajl_gen g, yajl_val user, const struct shim_exec_args *a,
		     const unsigned long long ids[2], int n_ids)
{
	const char *const replaced[] = { "additionalGids", n_ids > 0 ? "uid" : NULL,
					 n_ids > 1 ? "gid" : NULL };
	yajl_val gids = member(user, "additionalGids");

	yajl_gen_map_open(g);
	gen_members_but(g, user, replaced, VS_ARRAY_SIZE(replaced));
	if (n_ids > 0) {
		gen_string(g, "uid");
		yajl_gen_integer(g, (long long)ids[0]);
	}
	if (n_ids > 1) {
		gen_string(g, "gid");
		yajl_gen_integer(g, (long long)ids[1]);
	}
	if (gids != NULL || a->n_gids > 0) {
		gen_string(g, "additionalGids");
		yajl_gen_array_open(g);
		for (size_t i = 0; YAJL_IS_ARRAY(gids) && i < gids->u.array.len; i++)
			gen_value(g, gids->u.array.values[i]);
		for (size_t i = 0; i < a->n_gids; i++)
			yajl_gen_integer(g, (long long)a->gids[i]);
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

/* n digits, a number an id may be. */
static bool is_id(const char *s, size_t n)
{
	return n > 0 && n <= 10 && strspn(s, "0123456789") >= n;
}

/* --user as runc reads it: UID, or UID:GID; returns how many ids it holds, -1 when bad. */
static int parse_user(const char *s, unsigned long long ids[2])
{
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (!is_id(s, n) || (colon != NULL && !is_id(colon + 1, strlen(colon + 1))))
		return -1;
	ids[0] = strtoull(s, NULL, 10);
	if (colon == NULL)
		return 1;
	ids[1] = strtoull(colon + 1, NULL, 10);
	return 2;
}

/*
 * The container's process with the command line's changes, as runc's exec
 * makes them: args, env appended, cwd, user, additional gids, capabilities,
 * no_new_privs, and a terminal only with --tty.
 */
static char *process_from_args(const struct shim_exec_args *a, const char *state_dir,
			       struct vs_error **err)
{
	static const char *const replaced[] = { "args", "terminal",	  "consoleSize",
						"env",	"capabilities",	  "user",
						"cwd",	"noNewPrivileges" };
	cleanup_free char *path = shim_container_config_path(state_dir), *text = NULL;
	const char *proc_path[] = { "process", NULL };
	unsigned long long ids[2] = { 0, 0 };
	int n_ids = 0;
	char parse_err[256];
	yajl_val tree, base;
	yajl_gen g;
	const unsigned char *buf;
	size_t len;
	char *out;

	if (a->user != NULL && (n_ids = parse_user(a->user, ids)) < 0) {
		vs_error_set(err, EINVAL, "--user `%s`: must be UID or UID:GID", a->user);
		return NULL;
	}
	if (vs_read_file(path, OCI_SPEC_MAX_SIZE, &text, NULL, err) < 0)
		return NULL;
	tree = yajl_tree_parse(text, parse_err, sizeof(parse_err));
	base = tree ? yajl_tree_get(tree, proc_path, yajl_t_object) : NULL;
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	gen_members_but(g, base, replaced, VS_ARRAY_SIZE(replaced));
	gen_string(g, "args");
	gen_appended(g, NULL, (const char *const *)a->args, (size_t)a->n_args);
	gen_string(g, "terminal");
	yajl_gen_bool(g, a->tty);
	/* As runc: without env in config.json or --env, no env at all. */
	if (member(base, "env") != NULL || a->n_env > 0) {
		gen_string(g, "env");
		gen_appended(g, member(base, "env"), a->env, a->n_env);
	}
	gen_string(g, "cwd");
	if (a->cwd != NULL)
		gen_string(g, a->cwd);
	else
		gen_value(g, member(base, "cwd"));
	gen_string(g, "user");
	gen_user(g, member(base, "user"), a, ids, n_ids);
	if (a->n_caps > 0 || member(base, "capabilities") != NULL) {
		gen_string(g, "capabilities");
		gen_caps(g, member(base, "capabilities"), a);
	}
	if (a->no_new_privs || member(base, "noNewPrivileges") != NULL) {
		gen_string(g, "noNewPrivileges");
		yajl_gen_bool(g, a->no_new_privs || YAJL_IS_TRUE(member(base, "noNewPrivileges")));
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	out = vs_xstrndup((const char *)buf, len);
	yajl_gen_free(g);
	yajl_tree_free(tree);
	return out;
}

char *shim_exec_process_json(const struct shim_exec_args *a, const char *state_dir, bool *terminal,
			     struct vs_error **err)
{
	cleanup_free char *text = NULL;
	const char *source = a->process_file;
	size_t len;

	if (a->process_file != NULL) {
		/* As runc: any file, also a pipe or a memfd passed as /dev/fd/N. */
		if (vs_read_file_or_pipe(a->process_file, OCI_SPEC_MAX_SIZE, &text, &len, err) < 0)
			return NULL;
	} else {
		if (a->n_args == 0) {
			vs_error_set(err, EINVAL,
				     "exec: give --process FILE or the command to run");
			return NULL;
		}
		text = process_from_args(a, state_dir, err);
		if (text == NULL)
			return NULL;
		len = strlen(text);
		source = "the exec process";
	}
	struct oci_process *p = oci_process_parse(text, len, source, err);
	if (p == NULL)
		return NULL;
	*terminal = p->terminal;
	oci_process_free(p);
	return steal_pointer(&text);
}
