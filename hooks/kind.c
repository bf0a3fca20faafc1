/* SPDX-License-Identifier: Apache-2.0 */
/* Which hook failures fail the operation: the policy of runtime.md, quoted in hooks.h. */
#include "hooks.h"

bool hooks_kind_is_fatal(enum oci_hook_kind kind)
{
	switch (kind) {
	case OCI_HOOK_POSTSTART:
	case OCI_HOOK_POSTSTOP:
		return false; /* "log a warning, but the remaining hooks and lifecycle continue" */
	default:
		return true; /* "generate an error, stop the container" */
	}
}
