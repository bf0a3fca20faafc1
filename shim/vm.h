/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's VM: config.json -> domain XML -> embedded driver rooted at
 * STATE/vm, with the agent channel connected.
 */
#pragma once

#include "common/error.h"
#include "driver/driver.h"
#include "guest/proto/host.h"
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
 * Translates spec (of bundle, whose root.path create resolved to rootfs)
 * into STATE/domain.xml, opens the driver at STATE/vm, starts the VM and
 * connects the agent channel.  On failure nothing is left running and
 * STATE holds no VM files.
 */
int shim_vm_boot(struct shim_vm *vm, const char *state_dir, const char *id, const char *bundle,
		 const char *rootfs, const struct oci_spec *spec, struct vs_error **err);
/* Destroys the VM (if running), closes the driver, undoes the staging. */
void shim_vm_teardown(struct shim_vm *vm);

/*
 * The agent's bind entries: one per mount backed by a share.  binds, tags
 * and sources are new arrays (binds point into tags and sources); free them
 * with free(binds), free(tags) and shim_vm_binds_free(sources, n), also
 * after a failure.
 */
int shim_vm_binds(const struct shim_vm *vm, const char *bundle, struct proto_bind **binds,
		  char **tags, char ***sources, size_t *n, struct vs_error **err);
void shim_vm_binds_free(char **sources, size_t n);

/* The guest's last word from its console log (a panic line, else the last line), or NULL. */
char *shim_vm_console_tail(const struct shim_vm *vm);
