/* SPDX-License-Identifier: Apache-2.0 */
/* What a process is allowed to do, applied before execve (security.h). */
#include "guest/agent/security.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

const char *agent_security_cap_name(int cap, char *buf, size_t size)
{
	char *name = cap_to_name((cap_value_t)cap);

	snprintf(buf, size, "%s", name != NULL ? name : "?");
	cap_free(name);
	return buf;
}

int agent_security_rlimits(const struct oci_process *p, struct vs_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft,
				     .rlim_max = p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return vs_error_set(err, errno, "cannot set process.rlimits[%zu]", i);
	}
	return 0;
}

int agent_security_oom_score(const struct oci_process *p, struct vs_error **err)
{
	char buf[16];
	cleanup_close int fd = -1;
	int len;

	if (!p->has_oom_score_adj)
		return 0;
	len = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || vs_write_all(fd, buf, (size_t)len) < 0)
		return vs_error_set(err, errno, "cannot set oomScoreAdj to %d", p->oom_score_adj);
	return 0;
}

static bool has_cap(const int *set, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++) {
		if (set[i] == cap)
			return true;
	}
	return false;
}

int agent_security_bounding(const struct oci_caps *caps, struct vs_error **err)
{
	if (!caps->present)
		return 0;
	/* Every capability the running kernel knows. */
	for (int cap = 0; CAP_IS_SUPPORTED(cap); cap++) {
		char name[64];

		if (has_cap(caps->bounding, caps->n_bounding, cap))
			continue;
		if (cap_drop_bound((cap_value_t)cap) < 0)
			return vs_error_set(err, errno, "cannot drop %s from the bounding set",
					    agent_security_cap_name(cap, name, sizeof(name)));
	}
	return 0;
}

int agent_security_user(const struct oci_user *user, const struct oci_caps *caps,
			struct vs_error **err)
{
	if (caps->present && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return vs_error_set(err, errno, "cannot keep capabilities across setuid");
	if (setgroups(user->n_additional_gids, user->additional_gids) < 0)
		return vs_error_set(err, errno, "cannot set additional groups of user %u",
				    (unsigned int)user->uid);
	if (setresgid(user->gid, user->gid, user->gid) < 0)
		return vs_error_set(err, errno, "cannot set group %u", (unsigned int)user->gid);
	if (setresuid(user->uid, user->uid, user->uid) < 0)
		return vs_error_set(err, errno, "cannot set user %u", (unsigned int)user->uid);
	if (caps->present && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return vs_error_set(err, errno, "cannot reset the keep-capabilities flag");
	return 0;
}

static int set_flag(cap_t c, cap_flag_t flag, const int *set, size_t n, const char *what,
		    struct vs_error **err)
{
	for (size_t i = 0; i < n; i++) {
		cap_value_t v = (cap_value_t)set[i];
		char name[64];

		if (!CAP_IS_SUPPORTED(v))
			return vs_error_code(err, EINVAL,
					     "capability %s of the %s set is unknown to the guest "
					     "kernel",
					     agent_security_cap_name(set[i], name, sizeof(name)),
					     what);
		if (cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return vs_error_set(err, errno, "cannot add a capability to the %s set",
					    what);
	}
	return 0;
}

int agent_security_caps(const struct oci_caps *caps, struct vs_error **err)
{
	cap_t c;
	int r = 0;

	if (!caps->present)
		return 0;
	c = cap_init();
	if (c == NULL)
		return vs_error_set(err, errno, "cannot allocate a capability set");
	if (set_flag(c, CAP_EFFECTIVE, caps->effective, caps->n_effective, "effective", err) < 0 ||
	    set_flag(c, CAP_PERMITTED, caps->permitted, caps->n_permitted, "permitted", err) < 0 ||
	    set_flag(c, CAP_INHERITABLE, caps->inheritable, caps->n_inheritable, "inheritable",
		     err) < 0)
		r = -1;
	else if (cap_set_proc(c) < 0)
		r = vs_error_set(err, errno, "cannot set the process's capabilities");
	cap_free(c);
	if (r < 0)
		return -1;
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return vs_error_set(err, errno, "cannot clear the ambient capabilities");
	/*
	 * As runc and crun: an ambient capability the kernel will not raise
	 * (EPERM: not in both the permitted and inheritable sets; EINVAL:
	 * unknown) is left out, not an error.  buildah's specs list ambient
	 * capabilities that are not inheritable.
	 */
	for (size_t i = 0; i < caps->n_ambient; i++) {
		char name[64];

		if (cap_set_ambient((cap_value_t)caps->ambient[i], CAP_SET) < 0 && errno != EPERM &&
		    errno != EINVAL)
			return vs_error_set(
			    err, errno, "cannot raise ambient capability %s",
			    agent_security_cap_name(caps->ambient[i], name, sizeof(name)));
	}
	return 0;
}

static int seccomp_flags(scmp_filter_ctx ctx, const struct oci_seccomp *s, struct vs_error **err)
{
	static const struct {
		const char *name;
		enum scmp_filter_attr attr;
	} map[] = {
		{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
		{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
		{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
	};

	for (size_t i = 0; i < s->n_flags; i++) {
		size_t f;
		int r;

		for (f = 0; f < VS_ARRAY_SIZE(map); f++) {
			if (strcmp(map[f].name, s->flags[i]) == 0)
				break;
		}
		if (f == VS_ARRAY_SIZE(map))
			return vs_error_code(err, EINVAL, "unsupported seccomp flag \"%s\"",
					     s->flags[i]);
		r = seccomp_attr_set(ctx, map[f].attr, 1);
		if (r < 0)
			return vs_error_set(err, -r, "cannot set seccomp flag \"%s\"", s->flags[i]);
	}
	return 0;
}

/* True when two conditions test the same argument: libseccomp then needs a rule each. */
static bool repeated_index(const struct oci_seccomp_syscall *sc)
{
	for (size_t i = 0; i < sc->n_args; i++) {
		for (size_t j = i + 1; j < sc->n_args; j++) {
			if (sc->args[i].index == sc->args[j].index)
				return true;
		}
	}
	return false;
}

static struct scmp_arg_cmp arg_cmp(const struct oci_seccomp_arg *a)
{
	return (struct scmp_arg_cmp){ .arg = a->index,
				      .op = (enum scmp_compare)a->op,
				      .datum_a = a->value,
				      .datum_b = a->value_two };
}

static int add_rule(scmp_filter_ctx ctx, const struct oci_seccomp_syscall *sc, int nr,
		    const char *name, struct vs_error **err)
{
	struct scmp_arg_cmp cmps[6];
	int r;

	if (sc->n_args > VS_ARRAY_SIZE(cmps))
		return vs_error_code(err, EINVAL, "seccomp rule for %s has too many arguments",
				     name);
	if (repeated_index(sc)) {
		for (size_t i = 0; i < sc->n_args; i++) {
			cmps[0] = arg_cmp(&sc->args[i]);
			r = seccomp_rule_add_array(ctx, sc->action, nr, 1, cmps);
			if (r < 0)
				return vs_error_set(err, -r, "cannot add seccomp rule for %s",
						    name);
		}
		return 0;
	}
	for (size_t i = 0; i < sc->n_args; i++)
		cmps[i] = arg_cmp(&sc->args[i]);
	r = seccomp_rule_add_array(ctx, sc->action, nr, (unsigned int)sc->n_args, cmps);
	if (r < 0)
		return vs_error_set(err, -r, "cannot add seccomp rule for %s", name);
	return 0;
}

int agent_security_seccomp_build(const struct oci_seccomp *s, bool nnp, scmp_filter_ctx *out,
				 struct vs_error **err)
{
	scmp_filter_ctx ctx;
	int r;

	*out = NULL;
	if (s == NULL)
		return 0;
	ctx = seccomp_init(s->default_action);
	if (ctx == NULL)
		return vs_error_code(err, EINVAL, "cannot create the seccomp filter");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, nnp ? 1 : 0);
	for (size_t i = 0; r == 0 && i < s->n_architectures; i++) {
		r = seccomp_arch_add(ctx, s->architectures[i]);
		if (r == -EEXIST)
			r = 0;
	}
	if (r < 0) {
		seccomp_release(ctx);
		return vs_error_set(err, -r, "cannot set up the seccomp filter's architectures");
	}
	if (seccomp_flags(ctx, s, err) < 0)
		goto error;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_syscall *sc = &s->syscalls[i];

		/* libseccomp refuses rules that do what the default does. */
		if (sc->action == s->default_action)
			continue;
		for (size_t j = 0; j < sc->n_names; j++) {
			int nr = seccomp_syscall_resolve_name(sc->names[j]);

			if (nr == __NR_SCMP_ERROR)
				continue;
			if (add_rule(ctx, sc, nr, sc->names[j], err) < 0)
				goto error;
		}
	}
	*out = ctx;
	return 0;
error:
	seccomp_release(ctx);
	return vs_error_prefix(err, "linux.seccomp");
}

int agent_security_seccomp_load(scmp_filter_ctx ctx, struct vs_error **err)
{
	int r;

	if (ctx == NULL)
		return 0;
	r = seccomp_load(ctx);
	if (r < 0)
		return vs_error_set(err, -r, "cannot load the seccomp filter");
	return 0;
}
