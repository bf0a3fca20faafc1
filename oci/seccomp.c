/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json's `linux.seccomp`: names become libseccomp's values here, so
 * the guest agent only calls seccomp_rule_add().  Syscall names are kept as
 * strings: a name unknown to the guest's architecture is skipped there, as
 * runc does.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/parse.h"

#define MAX_ERRNO_RET 65535 /* SCMP_ACT_ERRNO() keeps 16 bits */
#define MAX_ARGS      6	    /* a syscall has six argument registers */

enum action_errno {
	ERRNO_NONE,  /* takes no errnoRet */
	ERRNO_ERRNO, /* SCMP_ACT_ERRNO(errnoRet) */
	ERRNO_TRACE, /* SCMP_ACT_TRACE(errnoRet) */
};

static const struct {
	const char *name;
	uint32_t action;
	enum action_errno errno_kind;
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, ERRNO_NONE },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ERRNO_NONE },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ERRNO_NONE },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, ERRNO_NONE },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ERRNO_ERRNO },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ERRNO_TRACE },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ERRNO_NONE },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, ERRNO_NONE },
};

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

static const struct {
	const char *name;
	int op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const char *const flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/*
 * Reads PARENT.<action_key> and PARENT.<errno_key> into one SCMP_ACT_*
 * value; errnoRet defaults to EPERM, as the spec says.
 */
static int parse_action(yajl_val obj, const char *parent, const char *action_key,
			const char *errno_key, uint32_t *out, struct vs_error **err)
{
	cleanup_free char *name = NULL;
	cleanup_free char *path = oci_json_path(parent, action_key);
	uint64_t errno_ret = EPERM;
	int r;

	if (oci_json_get_string(obj, parent, action_key, true, &name, err) < 0)
		return -1;
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return vs_error_set(err, 0, "%s: action \"%s\" is not supported", path, name);
	for (size_t i = 0; i < VS_ARRAY_SIZE(actions); i++) {
		if (strcmp(actions[i].name, name) != 0)
			continue;
		r = oci_json_get_uint(obj, parent, errno_key, false, MAX_ERRNO_RET, &errno_ret,
				      err);
		if (r < 0)
			return -1;
		if (r > 0 && actions[i].errno_kind == ERRNO_NONE) {
			cleanup_free char *epath = oci_json_path(parent, errno_key);
			return vs_error_set(err, 0, "%s: not allowed with action \"%s\"", epath,
					    name);
		}
		switch (actions[i].errno_kind) {
		case ERRNO_NONE:
			*out = actions[i].action;
			break;
		case ERRNO_ERRNO:
			*out = SCMP_ACT_ERRNO((uint32_t)errno_ret);
			break;
		case ERRNO_TRACE:
			*out = SCMP_ACT_TRACE((uint32_t)errno_ret);
			break;
		}
		return 0;
	}
	return vs_error_set(err, 0, "%s: unknown action \"%s\"", path, name);
}

static int parse_architectures(yajl_val obj, const char *parent, struct oci_seccomp *s,
			       struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "architectures");
	char **names = NULL;
	size_t n = 0;
	int ret = 0;

	if (oci_json_get_strv(obj, parent, "architectures", false, &names, &n, err) < 0)
		return -1;
	s->architectures = vs_xcalloc(n + 1, sizeof(*s->architectures));
	for (size_t i = 0; i < n && ret == 0; i++) {
		size_t a;

		for (a = 0; a < VS_ARRAY_SIZE(arches); a++) {
			if (strcmp(arches[a].name, names[i]) == 0)
				break;
		}
		if (a == VS_ARRAY_SIZE(arches))
			ret = vs_error_set(err, 0, "%s[%zu]: unknown architecture \"%s\"", path, i,
					   names[i]);
		else
			s->architectures[s->n_architectures++] = arches[a].arch;
	}
	oci_json_strv_free(names, n);
	return ret;
}

static int parse_flags(yajl_val obj, const char *parent, struct oci_seccomp *s,
		       struct vs_error **err)
{
	cleanup_free char *path = oci_json_path(parent, "flags");

	if (oci_json_get_strv(obj, parent, "flags", false, &s->flags, &s->n_flags, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_flags; i++) {
		size_t f;

		for (f = 0; f < VS_ARRAY_SIZE(flags); f++) {
			if (strcmp(flags[f], s->flags[i]) == 0)
				break;
		}
		if (f == VS_ARRAY_SIZE(flags))
			return vs_error_set(err, 0, "%s[%zu]: unknown flag \"%s\"", path, i,
					    s->flags[i]);
	}
	return 0;
}

static int parse_arg(yajl_val e, const char *epath, struct oci_seccomp_arg *a,
		     struct vs_error **err)
{
	cleanup_free char *op = NULL;
	uint64_t index;

	if (!YAJL_IS_OBJECT(e))
		return vs_error_set(err, 0, "%s: must be an object", epath);
	if (oci_json_get_uint(e, epath, "index", true, MAX_ARGS - 1, &index, err) < 0 ||
	    oci_json_get_uint(e, epath, "value", true, UINT64_MAX, &a->value, err) < 0 ||
	    oci_json_get_uint(e, epath, "valueTwo", false, UINT64_MAX, &a->value_two, err) < 0 ||
	    oci_json_get_string(e, epath, "op", true, &op, err) < 0)
		return -1;
	a->index = (unsigned int)index;
	for (size_t i = 0; i < VS_ARRAY_SIZE(ops); i++) {
		if (strcmp(ops[i].name, op) == 0) {
			a->op = ops[i].op;
			return 0;
		}
	}
	return vs_error_set(err, 0, "%s.op: unknown operator \"%s\"", epath, op);
}

static int parse_syscall(yajl_val e, const char *epath, struct oci_seccomp_syscall *sc,
			 struct vs_error **err)
{
	cleanup_free char *names_path = oci_json_path(epath, "names");
	cleanup_free char *args_path = oci_json_path(epath, "args");
	yajl_val names = oci_json_get(e, "names"), args;
	int r;

	if (!YAJL_IS_OBJECT(e))
		return vs_error_set(err, 0, "%s: must be an object", epath);
	if (!YAJL_IS_ARRAY(names) || names->u.array.len == 0)
		return vs_error_set(err, 0, "%s: must be a non-empty array of strings", names_path);
	if (oci_json_get_strv(e, epath, "names", true, &sc->names, &sc->n_names, err) < 0)
		return -1;
	for (size_t i = 0; i < sc->n_names; i++) {
		if (sc->names[i][0] == '\0')
			return vs_error_set(err, 0, "%s[%zu]: must not be empty", names_path, i);
	}
	if (parse_action(e, epath, "action", "errnoRet", &sc->action, err) < 0)
		return -1;
	r = oci_json_get_array(e, epath, "args", false, &args, err);
	if (r <= 0)
		return r;
	if (args->u.array.len > MAX_ARGS)
		return vs_error_set(err, 0, "%s: has more than %u entries", args_path, MAX_ARGS);
	sc->args = vs_xcalloc(args->u.array.len + 1, sizeof(*sc->args));
	sc->n_args = args->u.array.len;
	for (size_t i = 0; i < args->u.array.len; i++) {
		cleanup_free char *apath = oci_json_path_index(args_path, i);

		if (parse_arg(args->u.array.values[i], apath, &sc->args[i], err) < 0)
			return -1;
	}
	return 0;
}

int oci_seccomp_from_json(yajl_val obj, const char *path, struct oci_seccomp *s,
			  struct vs_error **err)
{
	cleanup_free char *sc_path = oci_json_path(path, "syscalls");
	yajl_val arr;
	int r;

	r = parse_action(obj, path, "defaultAction", "defaultErrnoRet", &s->default_action, err);
	if (r < 0)
		return -1;
	if (parse_architectures(obj, path, s, err) < 0 || parse_flags(obj, path, s, err) < 0)
		return -1;
	r = oci_json_get_array(obj, path, "syscalls", false, &arr, err);
	if (r <= 0)
		return r;
	s->syscalls = vs_xcalloc(arr->u.array.len + 1, sizeof(*s->syscalls));
	s->n_syscalls = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		cleanup_free char *epath = oci_json_path_index(sc_path, i);

		if (parse_syscall(arr->u.array.values[i], epath, &s->syscalls[i], err) < 0)
			return -1;
	}
	return 0;
}

void oci_seccomp_free(struct oci_seccomp *s)
{
	if (s == NULL)
		return;
	free(s->architectures);
	oci_json_strv_free(s->flags, s->n_flags);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		oci_json_strv_free(s->syscalls[i].names, s->syscalls[i].n_names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}
