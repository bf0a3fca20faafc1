/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's VM: config.json -> domain XML -> embedded driver rooted at
 * STATE/vm, with the agent channel connected, and the guest's serial
 * console written to STATE/console.log within the host configuration's
 * caps (common/caplog.h).
 */
#pragma once

#include "common/caplog.h"
#include "common/error.h"
#include "driver/driver.h"
#include "guest/proto/host.h"
#include "oci/hostconf.h"
#include "oci/spec.h"

struct shim_vm {
	struct drv_conn *conn;
	struct drv_domain *dom;
	int agent_fd;		  /* connected to the guest agent's virtio-serial port */
	int console_fd;		  /* connected to the guest's serial console; -1 once closed */
	struct vs_caplog console; /* STATE/console.log */
	char *state_dir;
	const struct oci_spec *spec;
	bool staged; /* file bind mounts are staged under STATE/files */
};

/*
 * Translates spec (of bundle) into STATE/domain.xml under the host
 * configuration conf, opens the driver at STATE/vm, starts the VM and
 * connects the agent channel and the console.  On failure nothing is left
 * running and STATE holds no VM files.
 */
int shim_vm_boot(struct shim_vm *vm, const char *state_dir, const char *id, const char *bundle,
		 const struct oci_spec *spec, const struct oci_hostconf *conf,
		 struct vs_error **err);
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

/*
 * Moves what the guest has written to its console into the log, without
 * waiting; the console's end closes console_fd.
 */
void shim_vm_console_read(struct shim_vm *vm);
/* The guest's last word from its console log (a panic line, else the last line), or NULL. */
char *shim_vm_console_tail(struct shim_vm *vm);
