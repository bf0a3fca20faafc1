/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI hooks runner: config.md "POSIX-platform Hooks" of the runtime spec.
 *
 * Each hook runs as a child of the caller, in the caller's namespaces (but
 * the network namespace hooks_set_netns() names) and working directory:
 *   - execve(path, args, env): args[0] as given (path when args is empty),
 *     exactly the given environment (empty when there is none);
 *   - stdin is a pipe carrying the container's state JSON, closed once it is
 *     written; a hook that does not read it is fine (EPIPE is ignored and
 *     SIGPIPE never reaches the caller);
 *   - stdout and stderr are pipes; their last HOOKS_OUTPUT_TAIL bytes are
 *     kept for the error message (stderr) and the debug log (both);
 *   - no descriptor of the caller other than those three reaches the hook;
 *   - the hook leads its own process group, with every signal at its default
 *     disposition and an empty signal mask;
 *   - with a timeout, the whole process group is killed with SIGKILL at the
 *     deadline and the hook is reaped (a descendant that moved to another
 *     process group or session is out of reach).
 * The hook's exit is waited for with a pidfd and waitpid() on its own pid,
 * so SIGCHLD handlers and signalfds of the caller are not disturbed (as long
 * as SIGCHLD is not ignored: then the kernel reaps the hook and its status
 * is lost, which is an error).  A hook that exits while a background child
 * of it still holds its stdout or stderr does not keep the caller waiting.
 *
 * Errors, exactly (": EXCERPT", the hook's stderr with trailing white space
 * trimmed, is appended when the hook wrote to stderr):
 *   "hook `PATH` exited with status N"
 *   "hook `PATH` was killed by signal N"
 *   "hook `PATH` timed out after N seconds"
 *   "cannot execute hook `PATH`: STRERROR"      (missing, not executable, ...)
 *   "hook path `PATH` is not absolute"
 * and, for failures of our own, "cannot fork for hook `PATH`: ...",
 * "cannot create a pipe for hook `PATH`: ...", "cannot wait for hook ...".
 * Only "cannot ..." errors carry an errnum.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/spec.h"

/*
 * The network namespace every hook started from now on enters before it
 * execs: the runtime's own, for a caller (the monitor) that moved into a
 * container's (hooks run on the host, in the runtime's namespace).  fd
 * stays the caller's and must stay open; -1 (the default): the caller's
 * namespace.  A hook that cannot enter it fails ("cannot prepare the
 * process of hook ...").
 */
void hooks_set_netns(int fd);

/* How much of a hook's stdout and of its stderr is kept (the last bytes). */
#define HOOKS_OUTPUT_TAIL 4096

/*
 * Runs hooks[0..n) in order, each with state_json (may be NULL: empty stdin)
 * on its stdin.  The first hook that fails stops the chain: returns -1 with
 * err set to one of the messages above.  n == 0 succeeds.
 */
int hooks_run(const struct oci_hook *hooks, size_t n, const char *state_json,
	      struct vs_error **err);

/*
 * Runs the hooks of one kind from config.json, with the policy of
 * hooks_kind_is_fatal():
 *   - fatal kinds: the first failure stops the chain and returns -1, the
 *     error prefixed with "KIND hook failed" ("createRuntime hook failed:
 *     hook `/x` exited with status 1");
 *   - other kinds: every hook runs; each failure is logged as a warning and
 *     counted.  Returns the number of hooks that failed (0 when all
 *     succeeded); err is never set.
 * An out-of-range kind is an error.
 */
int hooks_run_kind(const struct oci_hooks *hooks, enum oci_hook_kind kind, const char *state_json,
		   struct vs_error **err);

/*
 * Whether a failing hook of this kind fails the operation.  The runtime spec
 * (runtime.md, "Lifecycle"):
 *
 *   prestart, createRuntime, createContainer, startContainer (fatal):
 *     "If any <kind> hook fails, the runtime MUST generate an error, stop the
 *     container, and continue the lifecycle at step 12." (step 12: the
 *     container is destroyed by undoing the steps of the create phase)
 *
 *   poststart, poststop (not fatal):
 *     "If any <kind> hook fails, the runtime MUST log a warning, but the
 *     remaining hooks and lifecycle continue as if the hook had succeeded."
 *
 * Out-of-range kinds are fatal.
 */
bool hooks_kind_is_fatal(enum oci_hook_kind kind);

/*
 * The container state of runtime.md ("State") as compact JSON, the document
 * a hook reads on its stdin, members in this order:
 *   {"ociVersion":..,"id":..,"status":..,"pid":N,"bundle":..,"annotations":{..}}
 * pid is left out when it is 0 (or negative); annotations are left out when
 * there are none ("MAY either be absent or an empty map"); a key repeated
 * in ann appears once, with its last value.  oci_version, id, status and
 * bundle must not be NULL; strings are expected to be UTF-8 (they come from
 * parsed JSON) and are written as given.  Returns a new string, never NULL.
 */
char *hooks_state_json(const char *oci_version, const char *id, const char *status, pid_t pid,
		       const char *bundle, const struct oci_annotation *ann, size_t n_ann);
