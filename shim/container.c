/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/driver.h"
#include "hooks/hooks.h"
#include "shim/network.h"
#include "shim/userns.h"

#define STATE_MAX_SIZE (64u << 10)

static const char *const status_names[] = { "creating", "created", "running", "paused", "stopped" };

const char *shim_status_name(enum shim_status s)
{
	return status_names[s];
}

int shim_id_validate(const char *id, struct vs_error **err)
{
	size_t len = strlen(id);

	if (len == 0)
		return vs_error_code(err, EINVAL, "invalid container ID: it is empty");
	if (len > SHIM_ID_MAX)
		return vs_error_code(err, EINVAL, "invalid container ID: longer than %d bytes",
				     SHIM_ID_MAX);
	if (id[0] == '.' || id[0] == '-')
		return vs_error_code(err, EINVAL, "invalid container ID `%s`: it starts with '%c'",
				     id, id[0]);
	for (const char *p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_.+-", *p))
			return vs_error_code(err, EINVAL,
					     "invalid container ID `%s`: only letters, digits and "
					     "_.+- are allowed",
					     id);
	return 0;
}

/*
 * $XDG_RUNTIME_DIR is the user's, not root's, as runc decides it: anyone
 * but root, and uid 0 of a user namespace (rootless podman's) unless $USER
 * says root (sudo keeps XDG_RUNTIME_DIR of the user who called it).
 */
static bool use_xdg_runtime_dir(void)
{
	const char *user = getenv("USER");

	if (shim_userns_rootless())
		return true;
	return shim_userns_nested() && (user == NULL || strcmp(user, "root") != 0);
}

int shim_root_prepare(struct shim_ctx *ctx, struct vs_error **err)
{
	static char *default_root, *absolute_root;

	if (ctx->root == NULL) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		if (xdg != NULL && *xdg != '\0' && use_xdg_runtime_dir())
			default_root = vs_xasprintf("%s/vshim", xdg);
		else
			default_root = vs_xstrdup("/run/vshim");
		ctx->root = default_root;
	}
	if (vs_mkdir_p(ctx->root, 0700, err) < 0)
		return -1;
	/* Paths under the root reach QEMU and the domain XML: absolute, as runc makes them. */
	if (ctx->root[0] != '/' && absolute_root == NULL) {
		absolute_root = realpath(ctx->root, NULL);
		if (absolute_root == NULL)
			return vs_error_set(err, errno, "cannot resolve the root `%s`", ctx->root);
		ctx->root = absolute_root;
	}
	return 0;
}

static const char *get_string(yajl_val tree, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(tree, path, yajl_t_string);

	return v ? YAJL_GET_STRING(v) : NULL;
}

static long long get_int(yajl_val tree, const char *key, long long fallback)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(tree, path, yajl_t_number);

	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : fallback;
}

/* The monitor runs: a dead one that its parent has not reaped yet (a zombie) does not. */
static bool monitor_alive(pid_t pid, unsigned long long start)
{
	cleanup_free char *path = vs_xasprintf("/proc/%d/stat", (int)pid);
	cleanup_free char *text = NULL;
	const char *p;

	if (!vs_proc_alive(pid, start) || vs_read_file(path, 4096, &text, NULL, NULL) < 0)
		return false;
	/* comm may hold ") ": the state follows the last one. */
	p = strrchr(text, ')');
	return p == NULL || (p[1] == ' ' && p[2] != 'Z' && p[2] != 'X');
}

struct shim_container *shim_container_load(const struct shim_ctx *ctx, const char *id,
					   struct vs_error **err)
{
	cleanup_free char *dir = NULL, *path = NULL, *text = NULL;
	cleanup_error struct vs_error *e = NULL;
	struct shim_container *c;
	char parse_err[256];
	yajl_val tree;
	const char *s;

	if (shim_id_validate(id, err) < 0)
		return NULL;
	dir = vs_xasprintf("%s/%s", ctx->root, id);
	path = vs_xasprintf("%s/state.json", dir);
	if (access(dir, F_OK) < 0) {
		vs_error_code(err, ENOENT, "container `%s` does not exist", id);
		return NULL;
	}
	if (vs_read_file(path, STATE_MAX_SIZE, &text, NULL, &e) < 0) {
		/* Half made or half deleted: as good as gone to a client. */
		if (e->errnum == ENOENT)
			vs_error_code(err, ENOENT, "container `%s` does not exist", id);
		else
			*err = steal_pointer(&e);
		return NULL;
	}
	tree = yajl_tree_parse(text, parse_err, sizeof(parse_err));
	if (tree == NULL || !YAJL_IS_OBJECT(tree)) {
		yajl_tree_free(tree);
		vs_error_set(err, 0, "`%s` is corrupt", path);
		return NULL;
	}
	c = vs_xcalloc(1, sizeof(*c));
	c->id = vs_xstrdup(id);
	c->dir = steal_pointer(&dir);
	c->bundle = vs_xstrdup((s = get_string(tree, "bundle")) ? s : "");
	c->rootfs = vs_xstrdup((s = get_string(tree, "rootfs")) ? s : "");
	snprintf(c->created, sizeof(c->created), "%s", (s = get_string(tree, "created")) ? s : "");
	c->pid = (pid_t)get_int(tree, "pid", 0);
	c->monitor = (pid_t)get_int(tree, "monitor", 0);
	c->monitor_start = (unsigned long long)get_int(tree, "monitor_start", 0);
	/* Written by a vshim whose monitor was the container's pid. */
	if (c->monitor == 0) {
		c->monitor = c->pid;
		c->monitor_start = (unsigned long long)get_int(tree, "pid_start", 0);
	}
	c->guest_pid = (pid_t)get_int(tree, "guest_pid", 0);
	c->exit_status = (int)get_int(tree, "exit_status", -1);
	c->status = SHIM_STOPPED;
	s = get_string(tree, "status");
	for (size_t i = 0; s && i < VS_ARRAY_SIZE(status_names); i++)
		if (strcmp(s, status_names[i]) == 0)
			c->status = (enum shim_status)i;
	yajl_tree_free(tree);

	/* The monitor owns the VM: when it is gone, so is the container. */
	if (c->status != SHIM_STOPPED && c->monitor > 0 &&
	    !monitor_alive(c->monitor, c->monitor_start))
		c->status = SHIM_STOPPED;
	return c;
}

#define gen_str(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

int shim_container_save(const struct shim_container *c, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/state.json", c->dir);
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	int r;

	yajl_gen_map_open(g);
	gen_str(g, "id");
	gen_str(g, c->id);
	gen_str(g, "bundle");
	gen_str(g, c->bundle);
	gen_str(g, "rootfs");
	gen_str(g, c->rootfs);
	gen_str(g, "status");
	gen_str(g, status_names[c->status]);
	gen_str(g, "pid");
	yajl_gen_integer(g, c->pid);
	gen_str(g, "monitor");
	yajl_gen_integer(g, c->monitor);
	gen_str(g, "monitor_start");
	yajl_gen_integer(g, (long long)c->monitor_start);
	gen_str(g, "guest_pid");
	yajl_gen_integer(g, c->guest_pid);
	gen_str(g, "created");
	gen_str(g, c->created);
	gen_str(g, "exit_status");
	yajl_gen_integer(g, c->exit_status);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	r = vs_write_file_atomic(path, buf, len, 0600, err);
	yajl_gen_free(g);
	return r;
}

void shim_container_free(struct shim_container *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->dir);
	free(c->bundle);
	free(c->rootfs);
	free(c);
}

char *shim_container_config_path(const char *dir)
{
	return vs_xasprintf("%s/config.json", dir);
}

int shim_container_store_config(const char *dir, const char *text, size_t len,
				struct vs_error **err)
{
	cleanup_free char *path = shim_container_config_path(dir);

	return vs_write_file_atomic(path, text, len, 0600, err);
}

struct oci_spec *shim_container_config(const char *dir, struct vs_error **err)
{
	cleanup_free char *path = shim_container_config_path(dir);
	cleanup_free char *text = NULL;
	size_t len;

	if (vs_read_file(path, OCI_SPEC_MAX_SIZE, &text, &len, err) < 0)
		return NULL;
	return oci_spec_parse(text, len, path, err);
}

/*
 * The container's host cgroup, once its processes are gone: `run`, which
 * was the monitor, is still in it and leaves first.
 */
static void remove_cgroup(const struct oci_spec *spec)
{
	const char *path = spec && spec->linux_ ? spec->linux_->cgroups_path : NULL;
	cleanup_error struct vs_error *e = NULL;
	struct vs_cgroup cg;

	if (path == NULL || path[0] == '\0' || strchr(path, ':') != NULL ||
	    vs_cgroup_open(path, &cg, &e) < 0)
		return;
	if (vs_cgroup_leave(&cg, &e) < 0 || vs_cgroup_remove(&cg, 5000, &e) < 0)
		vs_warn("shim", "%s", e->msg);
	vs_cgroup_clear(&cg);
}

void shim_container_remove(const char *dir, const char *id, const char *bundle,
			   const struct oci_spec *spec)
{
	cleanup_oci_spec struct oci_spec *stored = NULL;
	cleanup_free char *vm_root = vs_xasprintf("%s/vm", dir);
	cleanup_error struct vs_error *e = NULL;
	struct stat st;

	/* A monitor killed with SIGKILL took QEMU with it; the driver cleans its root. */
	if (stat(vm_root, &st) == 0) {
		struct drv_conn *conn = drv_open(vm_root, &e);

		if (conn == NULL)
			vs_warn("shim", "%s", e->msg);
		drv_close(conn);
		vs_error_free(steal_pointer(&e));
	}
	/* A monitor killed with SIGKILL left its redirects on the caller's interfaces. */
	shim_network_cleanup(dir);
	if (spec == NULL) {
		stored = shim_container_config(dir, &e);
		if (stored == NULL && bundle != NULL && bundle[0] != '\0')
			vs_warn("shim", "no poststop hooks: %s", e->msg);
		vs_error_free(steal_pointer(&e));
		spec = stored;
	}
	remove_cgroup(spec);
	/* A container that never got its config stored never ran a hook either. */
	if (spec != NULL && bundle != NULL && spec->hooks.n[OCI_HOOK_POSTSTOP] > 0) {
		cleanup_free char *state =
		    hooks_state_json(spec->oci_version, id, "stopped", 0, bundle, spec->annotations,
				     spec->n_annotations);

		hooks_run_kind(&spec->hooks, OCI_HOOK_POSTSTOP, state, &e);
	}
	if (vs_rm_rf(dir, &e) < 0)
		vs_warn("shim", "%s", e->msg);
}

char *shim_container_state_json(const struct shim_container *c, bool pretty)
{
	cleanup_oci_spec struct oci_spec *spec = NULL;
	cleanup_error struct vs_error *e = NULL;
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *out;
	bool live = c->status != SHIM_STOPPED;

	yajl_gen_config(g, yajl_gen_beautify, pretty ? 1 : 0);
	spec = shim_container_config(c->dir, &e);
	yajl_gen_map_open(g);
	gen_str(g, "ociVersion");
	gen_str(g, spec && spec->oci_version ? spec->oci_version : "1.2.0");
	gen_str(g, "id");
	gen_str(g, c->id);
	gen_str(g, "status");
	gen_str(g, status_names[c->status]);
	gen_str(g, "pid");
	yajl_gen_integer(g, live ? c->pid : 0);
	gen_str(g, "bundle");
	gen_str(g, c->bundle);
	if (c->rootfs[0] != '\0') {
		gen_str(g, "rootfs");
		gen_str(g, c->rootfs);
	}
	gen_str(g, "created");
	gen_str(g, c->created);
	gen_str(g, "owner");
	gen_str(g, "");
	if (spec != NULL && spec->n_annotations > 0) {
		gen_str(g, "annotations");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < spec->n_annotations; i++) {
			gen_str(g, spec->annotations[i].key);
			gen_str(g, spec->annotations[i].value);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	out = vs_xstrndup((const char *)buf, len);
	yajl_gen_free(g);
	return out;
}
