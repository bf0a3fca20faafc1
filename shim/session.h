/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One container session with the guest agent: CREATE, then START, stdio
 * relayed between host descriptors and the agent's streams, signals
 * forwarded, until the container's init exits or the VM ends.
 */
#pragma once

#include "common/error.h"
#include "oci/spec.h"
#include "shim/vm.h"

struct shim_session_io {
	int in, out, err; /* host side of the container's stdio; in may be -1 */
	int sigfd;	  /* signals to forward to the container, or -1 */
	int tty; /* a host terminal the container's pty follows in size (SIGWINCH on sigfd), or -1
		  */
};

/*
 * Runs the container to its end.  Returns its exit status (code, or
 * 128+signal), or -1 with err set when it could not run.
 */
int shim_session_run(struct shim_vm *vm, const char *id, const char *bundle, const char *config,
		     size_t config_len, const struct shim_session_io *io, struct vs_error **err);
