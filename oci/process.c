/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json's `process` object, also parsed alone for `exec --process`.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/parse.h"

/* There are 16 kinds of rlimit; more entries can only be duplicates. */
#define MAX_RLIMITS 64
/* (uid_t)-1 means "unchanged" to the kernel: never a valid id. */
#define MAX_ID 4294967294u

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int oci_process_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(rlimit_names); i++) {
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	}
	return -1;
}

const char *oci_process_rlimit_name(int resource)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(rlimit_names); i++) {
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	}
	return NULL;
}

/* "CAP_SYS_ADMIN" -> 21; -1 for anything libcap does not know, or not spelt so. */
int oci_process_cap_from_name(const char *name)
{
	cap_value_t v;

	if (strncmp(name, "CAP_", 4) != 0 || name[4] == '\0' ||
	    name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")] != '\0')
		return -1;
	/* cap_from_name() also takes bare numbers; "CAP_" has ruled them out. */
	if (cap_from_name(name, &v) != 0)
		return -1;
	return v;
}

static int parse_user(yajl_val proc, const char *parent, struct oci_user *u, struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "user");
	yajl_val obj, gids;
	uint64_t x;
	int r;

	if (oci_json_get_object(proc, parent, "user", true, &obj, err) < 0)
		return -1;
	if (oci_json_get_uint(obj, path, "uid", true, MAX_ID, &x, err) < 0)
		return -1;
	u->uid = (uid_t)x;
	if (oci_json_get_uint(obj, path, "gid", true, MAX_ID, &x, err) < 0)
		return -1;
	u->gid = (gid_t)x;
	r = oci_json_get_uint(obj, path, "umask", false, 0777, &x, err);
	if (r < 0)
		return -1;
	u->has_umask = r > 0;
	u->umask = (mode_t)x;
	r = oci_json_get_array(obj, path, "additionalGids", false, &gids, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		cleanup_free char *gpath = oci_json_path(path, "additionalGids");

		u->additional_gids = vs_xcalloc(gids->u.array.len + 1, sizeof(gid_t));
		u->n_additional_gids = gids->u.array.len;
		for (size_t i = 0; i < gids->u.array.len; i++) {
			cleanup_free char *epath = oci_json_path_index(gpath, i);

			if (oci_json_uint(gids->u.array.values[i], epath, MAX_ID, &x, err) < 0)
				return -1;
			u->additional_gids[i] = (gid_t)x;
		}
	}
	return oci_json_get_string(obj, path, "username", false, &u->username, err) < 0 ? -1 : 0;
}

static int parse_args_env(yajl_val obj, const char *parent, struct oci_process *p,
			  struct vs_error **err)
{
	cleanup_free char *args_path = oci_json_path(parent, "args");
	cleanup_free char *env_path = oci_json_path(parent, "env");
	yajl_val args = oci_json_get(obj, "args");

	if (!YAJL_IS_ARRAY(args) || args->u.array.len == 0)
		return vs_error_set(err, 0, "%s: must be a non-empty array of strings", args_path);
	if (oci_json_get_strv(obj, parent, "args", true, &p->args, &p->n_args, err) < 0)
		return -1;
	if (oci_json_get_strv(obj, parent, "env", false, &p->env, &p->n_env, err) < 0)
		return -1;
	/* As runc checks it: NAME=VALUE with a non-empty NAME. */
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');

		if (eq == NULL || eq == p->env[i])
			return vs_error_set(err, 0, "%s[%zu]: must be of the form NAME=VALUE",
					    env_path, i);
	}
	return 0;
}

static int parse_rlimits(yajl_val obj, const char *parent, struct oci_process *p,
			 struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "rlimits");
	yajl_val arr;
	int r = oci_json_get_array(obj, parent, "rlimits", false, &arr, err);

	if (r <= 0)
		return r;
	if (arr->u.array.len > MAX_RLIMITS)
		return vs_error_set(err, 0, "%s: has more than %u entries", path, MAX_RLIMITS);
	p->rlimits = vs_xcalloc(arr->u.array.len + 1, sizeof(*p->rlimits));
	for (size_t i = 0; i < arr->u.array.len; i++) {
		cleanup_free char *epath = oci_json_path_index(path, i);
		cleanup_free char *type = NULL;
		yajl_val e = arr->u.array.values[i];
		struct oci_rlimit *rl = &p->rlimits[i];

		if (!YAJL_IS_OBJECT(e))
			return vs_error_set(err, 0, "%s: must be an object", epath);
		if (oci_json_get_string(e, epath, "type", true, &type, err) < 0)
			return -1;
		rl->resource = oci_process_rlimit_from_name(type);
		if (rl->resource < 0)
			return vs_error_set(err, 0, "%s.type: unknown rlimit \"%s\"", epath, type);
		for (size_t j = 0; j < i; j++) {
			if (p->rlimits[j].resource == rl->resource)
				return vs_error_set(err, 0, "%s.type: duplicate rlimit \"%s\"",
						    epath, type);
		}
		if (oci_json_get_uint(e, epath, "soft", true, UINT64_MAX, &rl->soft, err) < 0 ||
		    oci_json_get_uint(e, epath, "hard", true, UINT64_MAX, &rl->hard, err) < 0)
			return -1;
		if (rl->soft > rl->hard)
			return vs_error_set(err, 0, "%s: soft limit is above the hard limit",
					    epath);
		p->n_rlimits++;
	}
	return 0;
}

static int parse_cap_set(yajl_val caps, const char *parent, const char *key, int **out, size_t *n,
			 struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, key);
	char **names = NULL;
	size_t n_names = 0;
	int ret = 0;

	if (oci_json_get_strv(caps, parent, key, false, &names, &n_names, err) < 0)
		return -1;
	*out = vs_xcalloc(n_names + 1, sizeof(int));
	for (size_t i = 0; i < n_names; i++) {
		int cap = oci_process_cap_from_name(names[i]);

		if (cap < 0) {
			ret = vs_error_set(err, 0, "%s[%zu]: unknown capability \"%s\"", path, i,
					   names[i]);
			break;
		}
		(*out)[(*n)++] = cap;
	}
	oci_json_strv_free(names, n_names);
	return ret;
}

static int parse_caps(yajl_val obj, const char *parent, struct oci_caps *c, struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "capabilities");
	yajl_val caps;
	int r = oci_json_get_object(obj, parent, "capabilities", false, &caps, err);

	if (r <= 0)
		return r;
	c->present = true;
	if (parse_cap_set(caps, path, "bounding", &c->bounding, &c->n_bounding, err) < 0 ||
	    parse_cap_set(caps, path, "effective", &c->effective, &c->n_effective, err) < 0 ||
	    parse_cap_set(caps, path, "inheritable", &c->inheritable, &c->n_inheritable, err) < 0 ||
	    parse_cap_set(caps, path, "permitted", &c->permitted, &c->n_permitted, err) < 0 ||
	    parse_cap_set(caps, path, "ambient", &c->ambient, &c->n_ambient, err) < 0)
		return -1;
	return 0;
}

static int parse_console_size(yajl_val obj, const char *parent, struct oci_process *p,
			      struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "consoleSize");
	yajl_val cs;
	uint64_t h, w;
	int r = oci_json_get_object(obj, parent, "consoleSize", false, &cs, err);

	if (r <= 0)
		return r;
	if (oci_json_get_uint(cs, path, "height", true, UINT16_MAX, &h, err) < 0 ||
	    oci_json_get_uint(cs, path, "width", true, UINT16_MAX, &w, err) < 0)
		return -1;
	p->console_height = (unsigned int)h;
	p->console_width = (unsigned int)w;
	return 0;
}

int oci_process_from_json(yajl_val obj, const char *path, struct oci_process *p,
			  struct vs_error **err)
{
	int64_t oom;
	int r;

	if (oci_json_get_bool(obj, path, "terminal", &p->terminal, err) < 0 ||
	    parse_console_size(obj, path, p, err) < 0 || parse_user(obj, path, &p->user, err) < 0 ||
	    parse_args_env(obj, path, p, err) < 0 ||
	    oci_json_get_abspath(obj, path, "cwd", true, &p->cwd, err) < 0 ||
	    parse_rlimits(obj, path, p, err) < 0 || parse_caps(obj, path, &p->caps, err) < 0 ||
	    oci_json_get_bool(obj, path, "noNewPrivileges", &p->no_new_privileges, err) < 0)
		return -1;
	r = oci_json_get_int(obj, path, "oomScoreAdj", false, -1000, 1000, &oom, err);
	if (r < 0)
		return -1;
	p->has_oom_score_adj = r > 0;
	p->oom_score_adj = r > 0 ? (int)oom : 0;
	if (oci_json_get_string(obj, path, "apparmorProfile", false, &p->apparmor_profile, err) < 0)
		return -1;
	if (oci_json_get_string(obj, path, "selinuxLabel", false, &p->selinux_label, err) < 0)
		return -1;
	return 0;
}

void oci_process_clear(struct oci_process *p)
{
	struct oci_caps *c = &p->caps;

	free(p->user.additional_gids);
	free(p->user.username);
	oci_json_strv_free(p->args, p->n_args);
	oci_json_strv_free(p->env, p->n_env);
	free(p->cwd);
	free(p->rlimits);
	free(c->bounding);
	free(c->effective);
	free(c->inheritable);
	free(c->permitted);
	free(c->ambient);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof(*p));
}

void oci_process_free(struct oci_process *p)
{
	if (p == NULL)
		return;
	oci_process_clear(p);
	free(p);
}

struct oci_process *oci_process_parse(const char *json, size_t len, const char *source,
				      struct vs_error **err)
{
	yajl_val root = oci_json_parse_object(json, len, OCI_SPEC_MAX_SIZE, source, err);
	struct oci_process *p;
	int r = 0;

	if (root == NULL)
		return NULL;
	p = vs_xcalloc(1, sizeof(*p));
	if (oci_process_from_json(root, "", p, err) < 0)
		r = vs_error_prefix(err, "%s", source);
	yajl_tree_free(root);
	if (r < 0) {
		oci_process_free(p);
		return NULL;
	}
	return p;
}
