/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process an exec runs, as JSON for the agent: the --process file, or
 * config.json's process with the command line's args, env, cwd, user and
 * tty; checked the way the agent will read it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/spec.h"
#include "shim/exec.h"

/* JSON output of a parsed tree, as it was. */
static void gen_value(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i],
					strlen(v->u.object.keys[i]));
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

static void gen_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

/* The container's process with the command line's args, env, cwd, user and tty. */
static char *process_from_args(const struct shim_exec_args *a, const char *bundle,
			       struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/config.json", bundle), *text = NULL;
	const char *proc_path[] = { "process", NULL };
	char parse_err[256];
	yajl_val tree, base;
	yajl_gen g;
	const unsigned char *buf;
	size_t len;
	char *out;

	if (vs_read_file(path, OCI_SPEC_MAX_SIZE, &text, NULL, err) < 0)
		return NULL;
	tree = yajl_tree_parse(text, parse_err, sizeof(parse_err));
	base = tree ? yajl_tree_get(tree, proc_path, yajl_t_object) : NULL;
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	for (size_t i = 0; base != NULL && i < base->u.object.len; i++) {
		const char *key = base->u.object.keys[i];
		yajl_val v = base->u.object.values[i];

		if (strcmp(key, "args") == 0 || strcmp(key, "terminal") == 0 ||
		    strcmp(key, "consoleSize") == 0 || (strcmp(key, "cwd") == 0 && a->cwd) ||
		    (strcmp(key, "user") == 0 && a->user))
			continue;
		gen_key(g, key);
		if (strcmp(key, "env") == 0 && YAJL_IS_ARRAY(v)) {
			yajl_gen_array_open(g);
			for (size_t j = 0; j < v->u.array.len; j++)
				gen_value(g, v->u.array.values[j]);
			for (size_t j = 0; j < a->n_env; j++)
				yajl_gen_string(g, (const unsigned char *)a->env[j],
						strlen(a->env[j]));
			yajl_gen_array_close(g);
		} else {
			gen_value(g, v);
		}
	}
	gen_key(g, "args");
	yajl_gen_array_open(g);
	for (int i = 0; i < a->n_args; i++)
		yajl_gen_string(g, (const unsigned char *)a->args[i], strlen(a->args[i]));
	yajl_gen_array_close(g);
	gen_key(g, "terminal");
	yajl_gen_bool(g, a->tty);
	if (a->cwd != NULL) {
		gen_key(g, "cwd");
		yajl_gen_string(g, (const unsigned char *)a->cwd, strlen(a->cwd));
	}
	if (a->user != NULL) {
		unsigned int uid, gid = 0;
		int n = sscanf(a->user, "%u:%u", &uid, &gid);

		if (n < 1) {
			yajl_gen_free(g);
			yajl_tree_free(tree);
			vs_error_set(err, EINVAL, "--user `%s`: must be UID or UID:GID", a->user);
			return NULL;
		}
		gen_key(g, "user");
		yajl_gen_map_open(g);
		gen_key(g, "uid");
		yajl_gen_integer(g, uid);
		gen_key(g, "gid");
		yajl_gen_integer(g, gid);
		yajl_gen_map_close(g);
	}
	if (base == NULL ||
	    yajl_tree_get(base, (const char *[]){ "env", NULL }, yajl_t_array) == NULL) {
		gen_key(g, "env");
		yajl_gen_array_open(g);
		for (size_t j = 0; j < a->n_env; j++)
			yajl_gen_string(g, (const unsigned char *)a->env[j], strlen(a->env[j]));
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	out = vs_xstrndup((const char *)buf, len);
	yajl_gen_free(g);
	yajl_tree_free(tree);
	return out;
}

char *shim_exec_process_json(const struct shim_exec_args *a, const char *bundle, bool *terminal,
			     struct vs_error **err)
{
	cleanup_free char *text = NULL;
	const char *source = a->process_file;
	size_t len;

	if (a->process_file != NULL) {
		/* As runc: any file, also a pipe or a memfd passed as /dev/fd/N. */
		if (vs_read_stream(a->process_file, OCI_SPEC_MAX_SIZE, &text, &len, err) < 0)
			return NULL;
	} else {
		if (a->n_args == 0) {
			vs_error_set(err, EINVAL,
				     "exec: give --process FILE or the command to run");
			return NULL;
		}
		text = process_from_args(a, bundle, err);
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
