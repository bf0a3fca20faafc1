/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model of an OCI runtime bundle's config.json (runtime spec 1.0-1.2),
 * as far as vshim honours it.  spec.c parses it with yajl and validates it;
 * errors name the JSON path ("process.rlimits[2].type: unknown rlimit
 * \"RLIMIT_FOO\"").  Unknown fields are ignored, as the spec requires; wrong
 * types are errors.
 *
 * The guest agent links this too: it receives the same config.json.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* config.json larger than this is refused before parsing. */
#define OCI_SPEC_MAX_SIZE (4u << 20)

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t hard;
	uint64_t soft;
};

/* Capability sets as lists of CAP_* numbers (libcap's cap_value_t values). */
struct oci_caps {
	int *bounding, *effective, *inheritable, *permitted, *ambient;
	size_t n_bounding, n_effective, n_inheritable, n_permitted, n_ambient;
	bool present; /* process.capabilities was given */
};

struct oci_user {
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows-only field, kept for completeness */
};

struct oci_process {
	bool terminal;
	unsigned int console_height, console_width; /* 0 when not given */
	struct oci_user user;
	char **args; /* NULL-terminated */
	size_t n_args;
	char **env; /* NULL-terminated, "K=V" */
	size_t n_env;
	char *cwd;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	struct oci_caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile; /* accepted, not applied in the guest */
	char *selinux_label;	/* accepted, not applied in the guest */
};

struct oci_mount {
	char *destination;
	char *type; /* NULL: bind when options say so */
	char *source;
	char **options; /* NULL-terminated */
	size_t n_options;
};

struct oci_hook {
	char *path;
	char **args; /* NULL-terminated, may be NULL */
	size_t n_args;
	char **env; /* NULL-terminated, may be NULL */
	size_t n_env;
	int timeout; /* seconds, 0 = none */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KIND_COUNT,
};

struct oci_hooks {
	struct oci_hook *list[OCI_HOOK_KIND_COUNT];
	size_t n[OCI_HOOK_KIND_COUNT];
};

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
};

struct oci_namespace {
	enum oci_ns_type type;
	char *path; /* NULL: a new namespace */
};

struct oci_id_mapping {
	uint32_t container_id, host_id, size;
};

struct oci_device {
	char type; /* 'c', 'b', 'u', 'p' */
	char *path;
	int64_t major, minor;
	bool has_mode;
	mode_t file_mode;
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct oci_seccomp_arg {
	unsigned int index;
	uint64_t value, value_two;
	int op; /* SCMP_CMP_* from <seccomp.h> */
};

struct oci_seccomp_syscall {
	char **names; /* NULL-terminated */
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* value, errno folded in for SCMP_ACT_ERRNO */
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	uint32_t default_action; /* SCMP_ACT_* value */
	uint32_t *architectures; /* SCMP_ARCH_* values */
	size_t n_architectures;
	char **flags;
	size_t n_flags;
	struct oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct oci_sysctl {
	char *key, *value;
};

struct oci_resources {
	bool has_memory_limit;
	int64_t memory_limit; /* bytes; -1 = unlimited */
	bool has_cpu_quota;
	int64_t cpu_quota;
	bool has_cpu_period;
	uint64_t cpu_period;
	bool has_pids_limit;
	int64_t pids_limit;
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	struct oci_resources resources;
	char *cgroups_path;
	struct oci_sysctl *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp; /* NULL when absent */
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *rootfs_propagation;
	char *mount_label;
	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 */
};

struct oci_annotation {
	char *key, *value;
};

struct oci_spec {
	char *oci_version;
	struct oci_process *process; /* NULL when absent (allowed for create, not for start) */
	char *root_path;	     /* as written: relative to the bundle or absolute */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks hooks;
	struct oci_annotation *annotations;
	size_t n_annotations;
	struct oci_linux *linux_; /* NULL when absent */
};

/*
 * Parses and validates a config.json document.  source names the document
 * in errors ("/path/config.json").
 */
struct oci_spec *oci_spec_parse(const char *json, size_t len, const char *source,
				struct vs_error **err);
/*
 * Reads BUNDLE/config.json (a regular file, bounded by OCI_SPEC_MAX_SIZE)
 * and parses it; also checks on the host that root.path is a directory and
 * that every mount has a type vshim can mount and, for a bind mount, a
 * source it can share, at most OCI_MAX_VOLUMES of them (oci_mounts_check()).
 * Errors start with the file's path.  Returns the
 * text it parsed in *text (NUL-terminated, *len bytes), so that what is
 * stored and passed on is what was checked, and root.path resolved in
 * *rootfs (realpath(3): symbolic links followed once, as runc does), which
 * is the directory the container gets from then on.  The caller frees both.
 */
struct oci_spec *oci_spec_load(const char *bundle, char **text, size_t *len, char **rootfs,
			       struct vs_error **err);
/* Parses a lone `process` object (as `exec --process FILE` gives it). */
struct oci_process *oci_process_parse(const char *json, size_t len, const char *source,
				      struct vs_error **err);

void oci_spec_free(struct oci_spec *spec);
void oci_process_free(struct oci_process *p);

static inline void oci_spec_freep(struct oci_spec **p)
{
	oci_spec_free(*p);
}
#define cleanup_oci_spec __attribute__((cleanup(oci_spec_freep)))

/* The annotation's value (the last one when the key is repeated), or NULL. */
const char *oci_spec_annotation(const struct oci_spec *spec, const char *key);

/*
 * path when absolute, else BUNDLE/path (a relative bundle is taken from the
 * current directory), cleaned lexically: no "//", no "." components, no
 * trailing slash; ".." is kept.  A new string.
 */
char *oci_spec_path_in_bundle(const char *bundle, const char *path);

/*
 * On the host, at create: every linux.namespaces[].path opens as a namespace
 * of its entry's type (runc and crun fail at create on `/proc/X/ns/ipc` as a
 * network namespace: their setns() names the type).  Errors start with
 * source, the file.
 */
int oci_linux_check_namespaces(const struct oci_spec *spec, const char *source,
			       struct vs_error **err);

/* Names as config.json spells them: "createRuntime", "network"; NULL when out of range. */
const char *oci_spec_hook_name(enum oci_hook_kind kind);
const char *oci_linux_ns_name(enum oci_ns_type type);

/* "RLIMIT_NOFILE" <-> RLIMIT_NOFILE; -1 or NULL when unknown. */
int oci_process_rlimit_from_name(const char *name);
const char *oci_process_rlimit_name(int resource);
/* "CAP_SYS_ADMIN" -> CAP_SYS_ADMIN (libcap's number); -1 when unknown or not spelt so. */
int oci_process_cap_from_name(const char *name);
