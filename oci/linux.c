/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json's `linux` object, but for seccomp (seccomp.c).
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/ns.h"
#include "common/util.h"
#include "oci/parse.h"

#define MAX_ID_MAPPINGS 340 /* the kernel's limit per map since 4.15 */

static const char *const ns_names[] = {
	[OCI_NS_PID] = "pid",	    [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
	[OCI_NS_IPC] = "ipc",	    [OCI_NS_UTS] = "uts",	  [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_linux_ns_name(enum oci_ns_type type)
{
	if ((size_t)type >= VS_ARRAY_SIZE(ns_names))
		return NULL;
	return ns_names[type];
}

int oci_linux_check_namespaces(const struct oci_spec *spec, const char *source,
			       struct vs_error **err)
{
	static const int clone_flags[] = {
		[OCI_NS_PID] = CLONE_NEWPID,	   [OCI_NS_NETWORK] = CLONE_NEWNET,
		[OCI_NS_MOUNT] = CLONE_NEWNS,	   [OCI_NS_IPC] = CLONE_NEWIPC,
		[OCI_NS_UTS] = CLONE_NEWUTS,	   [OCI_NS_USER] = CLONE_NEWUSER,
		[OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = CLONE_NEWTIME,
	};
	const struct oci_linux *l = spec->linux_;

	for (size_t i = 0; l != NULL && i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		int fd;

		if (ns->path == NULL)
			continue;
		fd = vs_ns_open(ns->path, clone_flags[ns->type], err);
		if (fd < 0)
			return vs_error_prefix(err, "%s: linux.namespaces[%zu].path", source, i);
		close(fd);
	}
	return 0;
}

static int ns_from_name(const char *name)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(ns_names); i++) {
		if (strcmp(ns_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

static int parse_namespaces(yajl_val obj, const char *parent, struct oci_linux *l,
			    struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "namespaces");
	yajl_val arr;
	int r = oci_json_get_array(obj, parent, "namespaces", false, &arr, err);

	if (r <= 0)
		return r;
	l->namespaces = vs_xcalloc(arr->u.array.len + 1, sizeof(*l->namespaces));
	l->n_namespaces = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		cleanup_free char *epath = oci_json_path_index(path, i);
		cleanup_free char *type = NULL;
		yajl_val e = arr->u.array.values[i];
		struct oci_namespace *ns = &l->namespaces[i];
		int t;

		if (!YAJL_IS_OBJECT(e))
			return vs_error_set(err, 0, "%s: must be an object", epath);
		if (oci_json_get_string(e, epath, "type", true, &type, err) < 0)
			return -1;
		t = ns_from_name(type);
		if (t < 0)
			return vs_error_set(err, 0, "%s.type: unknown namespace \"%s\"", epath,
					    type);
		ns->type = (enum oci_ns_type)t;
		for (size_t j = 0; j < i; j++) {
			if (l->namespaces[j].type == ns->type)
				return vs_error_set(err, 0, "%s.type: duplicate namespace \"%s\"",
						    epath, type);
		}
		if (oci_json_get_abspath(e, epath, "path", false, &ns->path, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_id_mappings(yajl_val obj, const char *parent, const char *key,
			     struct oci_id_mapping **out, size_t *n, struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, key);
	yajl_val arr;
	uint64_t x;
	int r = oci_json_get_array(obj, parent, key, false, &arr, err);

	if (r <= 0)
		return r;
	if (arr->u.array.len > MAX_ID_MAPPINGS)
		return vs_error_set(err, 0, "%s: has more than %u entries", path, MAX_ID_MAPPINGS);
	*out = vs_xcalloc(arr->u.array.len + 1, sizeof(**out));
	*n = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		cleanup_free char *epath = oci_json_path_index(path, i);
		yajl_val e = arr->u.array.values[i];
		struct oci_id_mapping *m = &(*out)[i];

		if (!YAJL_IS_OBJECT(e))
			return vs_error_set(err, 0, "%s: must be an object", epath);
		if (oci_json_get_uint(e, epath, "containerID", true, UINT32_MAX, &x, err) < 0)
			return -1;
		m->container_id = (uint32_t)x;
		if (oci_json_get_uint(e, epath, "hostID", true, UINT32_MAX, &x, err) < 0)
			return -1;
		m->host_id = (uint32_t)x;
		if (oci_json_get_uint(e, epath, "size", true, UINT32_MAX, &x, err) < 0)
			return -1;
		m->size = (uint32_t)x;
	}
	return 0;
}

static int parse_device(yajl_val e, const char *epath, struct oci_device *d, struct vs_error **err)
{
	cleanup_free char *type = NULL;
	uint64_t x;
	int r;

	if (!YAJL_IS_OBJECT(e))
		return vs_error_set(err, 0, "%s: must be an object", epath);
	if (oci_json_get_string(e, epath, "type", true, &type, err) < 0)
		return -1;
	if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
		return vs_error_set(err, 0, "%s.type: unknown device type \"%s\"", epath, type);
	d->type = type[0];
	if (oci_json_get_abspath(e, epath, "path", true, &d->path, err) < 0)
		return -1;
	/* Required for all but FIFOs. */
	if (oci_json_get_int(e, epath, "major", d->type != 'p', 0, INT64_MAX, &d->major, err) < 0 ||
	    oci_json_get_int(e, epath, "minor", d->type != 'p', 0, INT64_MAX, &d->minor, err) < 0)
		return -1;
	/* A mode as stat() gives it (podman sends the file type bits too); the permission bits
	 * count. */
	r = oci_json_get_uint(e, epath, "fileMode", false, UINT32_MAX, &x, err);
	if (r < 0)
		return -1;
	d->has_mode = r > 0;
	d->file_mode = (mode_t)x & 07777;
	r = oci_json_get_uint(e, epath, "uid", false, UINT32_MAX - 1, &x, err);
	if (r < 0)
		return -1;
	d->has_uid = r > 0;
	d->uid = (uid_t)x;
	r = oci_json_get_uint(e, epath, "gid", false, UINT32_MAX - 1, &x, err);
	if (r < 0)
		return -1;
	d->has_gid = r > 0;
	d->gid = (gid_t)x;
	return 0;
}

static int parse_devices(yajl_val obj, const char *parent, struct oci_linux *l,
			 struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "devices");
	yajl_val arr;
	int r = oci_json_get_array(obj, parent, "devices", false, &arr, err);

	if (r <= 0)
		return r;
	l->devices = vs_xcalloc(arr->u.array.len + 1, sizeof(*l->devices));
	l->n_devices = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		cleanup_free char *epath = oci_json_path_index(path, i);

		if (parse_device(arr->u.array.values[i], epath, &l->devices[i], err) < 0)
			return -1;
	}
	return 0;
}

/* memory.limit, cpu.quota/period and pids.limit; the other controllers are the VM's business. */
static int parse_resources(yajl_val obj, const char *parent, struct oci_resources *res,
			   struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "resources");
	cleanup_free char *mem_path = oci_json_path(path, "memory");
	cleanup_free char *cpu_path = oci_json_path(path, "cpu");
	cleanup_free char *pids_path = oci_json_path(path, "pids");
	yajl_val r_obj, mem, cpu, pids;
	int r = oci_json_get_object(obj, parent, "resources", false, &r_obj, err);

	if (r <= 0)
		return r;
	r = oci_json_get_object(r_obj, path, "memory", false, &mem, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		r = oci_json_get_int(mem, mem_path, "limit", false, -1, INT64_MAX,
				     &res->memory_limit, err);
		if (r < 0)
			return -1;
		res->has_memory_limit = r > 0;
	}
	r = oci_json_get_object(r_obj, path, "cpu", false, &cpu, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		r = oci_json_get_int(cpu, cpu_path, "quota", false, -1, INT64_MAX, &res->cpu_quota,
				     err);
		if (r < 0)
			return -1;
		res->has_cpu_quota = r > 0;
		r = oci_json_get_uint(cpu, cpu_path, "period", false, UINT64_MAX, &res->cpu_period,
				      err);
		if (r < 0)
			return -1;
		res->has_cpu_period = r > 0;
	}
	r = oci_json_get_object(r_obj, path, "pids", false, &pids, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		r = oci_json_get_int(pids, pids_path, "limit", false, -1, INT64_MAX,
				     &res->pids_limit, err);
		if (r < 0)
			return -1;
		res->has_pids_limit = r > 0;
	}
	return 0;
}

static int parse_sysctl(yajl_val obj, const char *parent, struct oci_linux *l,
			struct vs_error **err)
{
	yajl_val map;
	int r = oci_json_get_map(obj, parent, "sysctl", &map, err);

	if (r <= 0)
		return r;
	l->sysctl = vs_xcalloc(map->u.object.len + 1, sizeof(*l->sysctl));
	l->n_sysctl = map->u.object.len;
	for (size_t i = 0; i < map->u.object.len; i++) {
		l->sysctl[i].key = vs_xstrdup(map->u.object.keys[i]);
		l->sysctl[i].value = vs_xstrdup(map->u.object.values[i]->u.string);
	}
	return 0;
}

static int parse_paths(yajl_val obj, const char *parent, const char *key, char ***out, size_t *n,
		       struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, key);
	int r = oci_json_get_strv(obj, parent, key, false, out, n, err);

	if (r <= 0)
		return r;
	for (size_t i = 0; i < *n; i++) {
		cleanup_free char *epath = oci_json_path_index(path, i);

		if (oci_json_check_absolute((*out)[i], epath, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_propagation(yajl_val obj, const char *parent, struct oci_linux *l,
			     struct vs_error **err)
{
	static const char *const known[] = { "shared",	"slave",  "private",  "unbindable",
					     "rshared", "rslave", "rprivate", "runbindable" };
	int r = oci_json_get_string(obj, parent, "rootfsPropagation", false, &l->rootfs_propagation,
				    err);

	if (r <= 0)
		return r;
	for (size_t i = 0; i < VS_ARRAY_SIZE(known); i++) {
		if (strcmp(known[i], l->rootfs_propagation) == 0)
			return 0;
	}
	cleanup_free char *path = oci_json_path(parent, "rootfsPropagation");
	return vs_error_set(err, 0, "%s: unknown propagation \"%s\"", path, l->rootfs_propagation);
}

/* linux.personality: the execution domain; its flags are accepted and left, as runc does. */
static int parse_personality(yajl_val obj, const char *parent, struct oci_linux *l,
			     struct vs_error **err)
{
	static const struct {
		const char *name;
		unsigned long persona;
	} domains[] = { { "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 } };
	cleanup_free char *path = oci_json_path(parent, "personality");
	cleanup_free char *domain = NULL;
	char **flags = NULL;
	size_t n_flags = 0;
	yajl_val p;
	int r = oci_json_get_object(obj, parent, "personality", false, &p, err);

	if (r <= 0)
		return r;
	if (oci_json_get_string(p, path, "domain", true, &domain, err) < 0 ||
	    oci_json_get_strv(p, path, "flags", false, &flags, &n_flags, err) < 0)
		return -1;
	oci_json_strv_free(flags, n_flags);
	for (size_t i = 0; i < VS_ARRAY_SIZE(domains); i++) {
		if (strcmp(domains[i].name, domain) == 0) {
			l->has_personality = true;
			l->personality = domains[i].persona;
			return 0;
		}
	}
	return vs_error_set(err, 0, "%s.domain: unknown personality domain \"%s\"", path, domain);
}

static int parse_seccomp(yajl_val obj, const char *parent, struct oci_linux *l,
			 struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "seccomp");
	yajl_val sc;
	int r = oci_json_get_object(obj, parent, "seccomp", false, &sc, err);

	if (r <= 0)
		return r;
	l->seccomp = vs_xcalloc(1, sizeof(*l->seccomp));
	return oci_seccomp_from_json(sc, path, l->seccomp, err);
}

int oci_linux_from_json(yajl_val obj, const char *path, struct oci_linux *l, struct vs_error **err)
{
	int r;

	if (parse_namespaces(obj, path, l, err) < 0)
		return -1;
	r = parse_id_mappings(obj, path, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err);
	if (r < 0)
		return -1;
	r = parse_id_mappings(obj, path, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err);
	if (r < 0)
		return -1;
	if (parse_devices(obj, path, l, err) < 0 ||
	    parse_resources(obj, path, &l->resources, err) < 0 ||
	    oci_json_get_string(obj, path, "cgroupsPath", false, &l->cgroups_path, err) < 0 ||
	    parse_sysctl(obj, path, l, err) < 0 || parse_seccomp(obj, path, l, err) < 0)
		return -1;
	if (parse_paths(obj, path, "maskedPaths", &l->masked_paths, &l->n_masked_paths, err) < 0)
		return -1;
	r = parse_paths(obj, path, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths, err);
	if (r < 0)
		return -1;
	if (parse_propagation(obj, path, l, err) < 0 || parse_personality(obj, path, l, err) < 0 ||
	    oci_json_get_string(obj, path, "mountLabel", false, &l->mount_label, err) < 0)
		return -1;
	return 0;
}

void oci_linux_free(struct oci_linux *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	for (size_t i = 0; i < l->n_sysctl; i++) {
		free(l->sysctl[i].key);
		free(l->sysctl[i].value);
	}
	free(l->sysctl);
	oci_seccomp_free(l->seccomp);
	oci_json_strv_free(l->masked_paths, l->n_masked_paths);
	oci_json_strv_free(l->readonly_paths, l->n_readonly_paths);
	free(l->rootfs_propagation);
	free(l->mount_label);
	free(l);
}
