/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a process is allowed to do, applied in its child before execve:
 * rlimits, oomScoreAdj, the user and groups, capabilities (libcap),
 * noNewPrivileges and the seccomp filter (libseccomp).
 *
 * The order is runc's: rlimits and the OOM score while still root; the
 * bounding set; seccomp when noNewPrivileges is off (loading it then needs
 * CAP_SYS_ADMIN); the user, with capabilities kept across setuid; the
 * other capability sets; and, with noNewPrivileges, seccomp as the very
 * last step before execve so as few syscalls as possible run under it.
 */
#pragma once

#include <seccomp.h>
#include <stdbool.h>

#include "common/error.h"
#include "oci/spec.h"

int agent_security_rlimits(const struct oci_process *p, struct vs_error **err);
int agent_security_oom_score(const struct oci_process *p, struct vs_error **err);

/* Drops every capability outside process.capabilities.bounding (when given). */
int agent_security_bounding(const struct oci_caps *caps, struct vs_error **err);
/* setgroups(additionalGids), setresgid, setresuid; capabilities survive when caps->present. */
int agent_security_user(const struct oci_user *user, const struct oci_caps *caps,
			struct vs_error **err);
/* Effective, permitted, inheritable, then ambient (when given). */
int agent_security_caps(const struct oci_caps *caps, struct vs_error **err);

/*
 * Builds the filter of linux.seccomp (syscall names unknown to this
 * architecture are skipped, as runc does); it sets no_new_privs itself
 * only when nnp is true.  *out is NULL when s is NULL.
 */
int agent_security_seccomp_build(const struct oci_seccomp *s, bool nnp, scmp_filter_ctx *out,
				 struct vs_error **err);
int agent_security_seccomp_load(scmp_filter_ctx ctx, struct vs_error **err);

/* A capability's name for messages ("cap_sys_admin"), or its number. */
const char *agent_security_cap_name(int cap, char *buf, size_t size);
