/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json: the top-level object, root, mounts, hooks, annotations, and
 * reading a bundle.  process.c, linux.c and seccomp.c parse the rest.
 */
#include "oci/spec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/mounts.h"
#include "oci/parse.h"

#define MAX_NAME_LEN 64 /* hostname and domainname: the kernel's __NEW_UTS_LEN */

static const char *const hook_names[OCI_HOOK_KIND_COUNT] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_spec_hook_name(enum oci_hook_kind kind)
{
	if ((size_t)kind >= OCI_HOOK_KIND_COUNT)
		return NULL;
	return hook_names[kind];
}

/* Reads a decimal number of at most 9 digits; NULL when there is none. */
static const char *version_number(const char *s, unsigned int *out)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return NULL;
	*out = (unsigned int)strtoul(s, NULL, 10);
	return s + n;
}

/*
 * ociVersion: semantic versions 1.0.x to 1.2.x, with an optional
 * pre-release or build suffix ("1.0.2-dev", as containerd writes it).  A
 * later minor version may carry fields that change behaviour and that
 * vshim would ignore without a word, so it is refused.
 */
static int parse_version(yajl_val root, struct oci_spec *spec, struct vs_error **err)
{
	unsigned int major, minor, patch;
	const char *p;

	if (oci_json_get_string(root, "", "ociVersion", true, &spec->oci_version, err) < 0)
		return -1;
	p = version_number(spec->oci_version, &major);
	if (p != NULL && *p++ == '.')
		p = version_number(p, &minor);
	else
		p = NULL;
	if (p != NULL && *p++ == '.')
		p = version_number(p, &patch);
	else
		p = NULL;
	if (p == NULL || (*p != '\0' && *p != '-' && *p != '+'))
		return vs_error_set(err, 0, "ociVersion: \"%s\" is not a version such as \"1.0.2\"",
				    spec->oci_version);
	if (major != 1 || minor > 2)
		return vs_error_set(err, 0,
				    "ociVersion: unsupported version \"%s\" (vshim supports 1.0.0 "
				    "to 1.2.x)",
				    spec->oci_version);
	return 0;
}

static int parse_root(yajl_val root, struct oci_spec *spec, struct vs_error **err)
{
	yajl_val obj;

	if (oci_json_get_object(root, "", "root", true, &obj, err) < 0 ||
	    oci_json_get_string(obj, "root", "path", true, &spec->root_path, err) < 0 ||
	    oci_json_get_bool(obj, "root", "readonly", &spec->root_readonly, err) < 0)
		return -1;
	if (spec->root_path[0] == '\0')
		return vs_error_set(err, 0, "root.path: must not be empty");
	return 0;
}

static int parse_mounts(yajl_val root, struct oci_spec *spec, struct vs_error **err)
{
	yajl_val arr;
	int r = oci_json_get_array(root, "", "mounts", false, &arr, err);

	if (r <= 0)
		return r;
	spec->mounts = vs_xcalloc(arr->u.array.len + 1, sizeof(*spec->mounts));
	spec->n_mounts = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		cleanup_free char *epath = oci_json_path_index("mounts", i);
		yajl_val e = arr->u.array.values[i];
		struct oci_mount *m = &spec->mounts[i];

		if (!YAJL_IS_OBJECT(e))
			return vs_error_set(err, 0, "%s: must be an object", epath);
		if (oci_json_get_abspath(e, epath, "destination", true, &m->destination, err) < 0 ||
		    oci_json_get_string(e, epath, "type", false, &m->type, err) < 0 ||
		    oci_json_get_string(e, epath, "source", false, &m->source, err) < 0)
			return -1;
		r = oci_json_get_strv(e, epath, "options", false, &m->options, &m->n_options, err);
		if (r < 0)
			return -1;
		if (m->type != NULL && m->type[0] == '\0')
			return vs_error_set(err, 0, "%s.type: must not be empty", epath);
	}
	return 0;
}

static int parse_hook(yajl_val e, const char *epath, struct oci_hook *h, struct vs_error **err)
{
	int64_t timeout;
	int r;

	if (!YAJL_IS_OBJECT(e))
		return vs_error_set(err, 0, "%s: must be an object", epath);
	if (oci_json_get_abspath(e, epath, "path", true, &h->path, err) < 0 ||
	    oci_json_get_strv(e, epath, "args", false, &h->args, &h->n_args, err) < 0 ||
	    oci_json_get_strv(e, epath, "env", false, &h->env, &h->n_env, err) < 0)
		return -1;
	r = oci_json_get_int(e, epath, "timeout", false, 1, INT_MAX, &timeout, err);
	if (r < 0)
		return -1;
	h->timeout = r > 0 ? (int)timeout : 0;
	return 0;
}

static int parse_hooks(yajl_val root, struct oci_spec *spec, struct vs_error **err)
{
	yajl_val obj;
	int r = oci_json_get_object(root, "", "hooks", false, &obj, err);

	if (r <= 0)
		return r;
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
		cleanup_free char *path = oci_json_path("hooks", hook_names[k]);
		yajl_val arr;

		r = oci_json_get_array(obj, "hooks", hook_names[k], false, &arr, err);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		spec->hooks.list[k] = vs_xcalloc(arr->u.array.len + 1, sizeof(struct oci_hook));
		spec->hooks.n[k] = arr->u.array.len;
		for (size_t i = 0; i < arr->u.array.len; i++) {
			cleanup_free char *epath = oci_json_path_index(path, i);

			if (parse_hook(arr->u.array.values[i], epath, &spec->hooks.list[k][i],
				       err) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_annotations(yajl_val root, struct oci_spec *spec, struct vs_error **err)
{
	yajl_val map;
	int r = oci_json_get_map(root, "", "annotations", &map, err);

	if (r <= 0)
		return r;
	spec->annotations = vs_xcalloc(map->u.object.len + 1, sizeof(*spec->annotations));
	spec->n_annotations = map->u.object.len;
	for (size_t i = 0; i < map->u.object.len; i++) {
		spec->annotations[i].key = vs_xstrdup(map->u.object.keys[i]);
		spec->annotations[i].value = vs_xstrdup(map->u.object.values[i]->u.string);
	}
	return 0;
}

static int parse_name(yajl_val root, const char *key, char **out, struct vs_error **err)
{
	int r = oci_json_get_string(root, "", key, false, out, err);

	if (r <= 0)
		return r;
	if (strlen(*out) > MAX_NAME_LEN)
		return vs_error_set(err, 0, "%s: longer than %u characters", key, MAX_NAME_LEN);
	return 0;
}

static int parse_document(yajl_val root, struct oci_spec *spec, struct vs_error **err)
{
	yajl_val obj;
	int r;

	if (parse_version(root, spec, err) < 0 || parse_root(root, spec, err) < 0)
		return -1;
	r = oci_json_get_object(root, "", "process", false, &obj, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		spec->process = vs_xcalloc(1, sizeof(*spec->process));
		if (oci_process_from_json(obj, "process", spec->process, err) < 0)
			return -1;
	}
	if (parse_name(root, "hostname", &spec->hostname, err) < 0 ||
	    parse_name(root, "domainname", &spec->domainname, err) < 0 ||
	    parse_mounts(root, spec, err) < 0 || parse_hooks(root, spec, err) < 0 ||
	    parse_annotations(root, spec, err) < 0)
		return -1;
	r = oci_json_get_object(root, "", "linux", false, &obj, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		spec->linux_ = vs_xcalloc(1, sizeof(*spec->linux_));
		if (oci_linux_from_json(obj, "linux", spec->linux_, err) < 0)
			return -1;
	}
	return 0;
}

struct oci_spec *oci_spec_parse(const char *json, size_t len, const char *source,
				struct vs_error **err)
{
	yajl_val root = oci_json_parse_object(json, len, OCI_SPEC_MAX_SIZE, source, err);
	struct oci_spec *spec;
	int r = 0;

	if (root == NULL)
		return NULL;
	spec = vs_xcalloc(1, sizeof(*spec));
	if (parse_document(root, spec, err) < 0)
		r = vs_error_prefix(err, "%s", source);
	yajl_tree_free(root);
	if (r < 0) {
		oci_spec_free(spec);
		return NULL;
	}
	return spec;
}

char *oci_spec_path_in_bundle(const char *bundle, const char *path)
{
	cleanup_free char *joined = NULL;
	char *out, *o;
	const char *p;

	if (path[0] == '/') {
		joined = vs_xstrdup(path);
	} else if (bundle[0] == '/') {
		joined = vs_xasprintf("%s/%s", bundle, path);
	} else {
		cleanup_free char *cwd = getcwd(NULL, 0);

		joined = vs_xasprintf("%s/%s/%s", cwd != NULL ? cwd : "", bundle, path);
	}
	/* Lexically: no "//", no "/./", no trailing "/" or "/.". ".." stays. */
	out = vs_xmalloc(strlen(joined) + 2);
	o = out;
	p = joined;
	while (*p != '\0') {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		*o++ = '/';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

struct oci_spec *oci_spec_load(const char *bundle, char **text, size_t *len, char **rootfs,
			       struct vs_error **err)
{
	cleanup_free char *path = oci_spec_path_in_bundle(bundle, "config.json");
	cleanup_free char *json = NULL;
	cleanup_free char *root = NULL, *resolved = NULL;
	struct oci_spec *spec;
	struct stat st;
	size_t n;

	if (stat(bundle, &st) < 0) {
		vs_error_set(err, errno, "cannot open bundle `%s`", bundle);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		vs_error_set(err, 0, "bundle `%s` is not a directory", bundle);
		return NULL;
	}
	vs_debug("oci", "reading `%s`", path);
	if (vs_read_file(path, OCI_SPEC_MAX_SIZE, &json, &n, err) < 0)
		return NULL;
	spec = oci_spec_parse(json, n, path, err);
	if (spec == NULL)
		return NULL;
	/* Resolved once, as runc's EvalSymlinks: what the VM gets is this directory. */
	root = oci_spec_path_in_bundle(bundle, spec->root_path);
	resolved = realpath(root, NULL);
	if (resolved == NULL || stat(resolved, &st) < 0)
		vs_error_set(err, errno, "%s: root.path: cannot access `%s`", path, root);
	else if (!S_ISDIR(st.st_mode))
		vs_error_set(err, 0, "%s: root.path: `%s` is not a directory", path, root);
	else if (oci_mounts_check(spec, bundle, err) < 0)
		vs_error_prefix(err, "%s", path);
	else {
		*text = steal_pointer(&json);
		*len = n;
		*rootfs = steal_pointer(&resolved);
		return spec;
	}
	oci_spec_free(spec);
	return NULL;
}

const char *oci_spec_annotation(const struct oci_spec *spec, const char *key)
{
	/* JSON objects may repeat a key; the last one wins, as with every other member. */
	for (size_t i = spec->n_annotations; i > 0; i--) {
		if (strcmp(spec->annotations[i - 1].key, key) == 0)
			return spec->annotations[i - 1].value;
	}
	return NULL;
}

static void hook_clear(struct oci_hook *h)
{
	free(h->path);
	oci_json_strv_free(h->args, h->n_args);
	oci_json_strv_free(h->env, h->n_env);
}

void oci_spec_free(struct oci_spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->oci_version);
	oci_process_free(spec->process);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].destination);
		free(spec->mounts[i].type);
		free(spec->mounts[i].source);
		oci_json_strv_free(spec->mounts[i].options, spec->mounts[i].n_options);
	}
	free(spec->mounts);
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < spec->hooks.n[k]; i++)
			hook_clear(&spec->hooks.list[k][i]);
		free(spec->hooks.list[k]);
	}
	for (size_t i = 0; i < spec->n_annotations; i++) {
		free(spec->annotations[i].key);
		free(spec->annotations[i].value);
	}
	free(spec->annotations);
	oci_linux_free(spec->linux_);
	free(spec);
}
