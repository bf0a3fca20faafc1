/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel settings a container makes in its init process's child, in the
 * namespaces it has of its own (ns.c): linux.sysctl through /proc/sys, and
 * its hostname and domainname.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"
#include "guest/agent/agent.h"
#include "oci/spec.h"

/*
 * Whether sysctl key may be set: in the VM any (the VM is the container's),
 * on a shared kernel (test mode) only those of a namespace the container
 * has of its own (own_ns, indexed by enum agent_ns).
 */
bool agent_sysctl_allowed(const char *key, bool vm, const bool own_ns[]);
/*
 * What agent_sysctl_apply() and agent_sysctl_hostname() would refuse in
 * spec, told before anything of the container is made.
 */
int agent_sysctl_check(const struct oci_spec *spec, bool vm, const bool own_ns[],
		       struct vs_error **err);
/* linux.sysctl of lx (may be NULL), in order. */
int agent_sysctl_apply(const struct oci_linux *lx, bool vm, const bool own_ns[],
		       struct vs_error **err);
/* spec's hostname and domainname; they need a uts namespace of the container's own. */
int agent_sysctl_hostname(const struct oci_spec *spec, const bool own_ns[], struct vs_error **err);
