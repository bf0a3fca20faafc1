/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's VM: config.json -> domain XML -> embedded driver rooted at
 * STATE/vm, with the agent channel connected.
 */
#pragma once

#include "common/error.h"
#include "driver/driver.h"
#include "oci/spec.h"

struct shim_vm {
	struct drv_conn *conn;
	struct drv_domain *dom;
	int agent_fd; /* connected to the guest agent's virtio-serial port */
	char *state_dir;
	const struct oci_spec *spec;
	bool staged; /* file bind mounts are staged under STATE/files */
};

/*
 * Translates spec (of bundle) into STATE/domain.xml, opens the driver at
 * STATE/vm, starts the VM and connects the agent channel.  On failure
 * nothing is left running and STATE holds no VM files.
 */
int shim_vm_boot(struct shim_vm *vm, const char *state_dir, const char *id, const char *bundle,
		 const struct oci_spec *spec, struct vs_error **err);
/* Destroys the VM (if running), closes the driver, undoes the staging. */
void shim_vm_teardown(struct shim_vm *vm);
