/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's state directory ROOT/ID and its state.json, the record that
 * every verb reads.  The monitor is the only writer once `create` returns.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/spec.h"
#include "shim/shim.h"

/*
 * The VM and its sockets are named after the container: the driver's agent
 * socket ROOT/ID/vm/run/qemu/ID.org.vshim.agent.0.sock is reached as
 * /proc/self/fd/N/ID.org.vshim.agent.0.sock, which must fit in sun_path.
 */
#define SHIM_ID_MAX 64

enum shim_status {
	SHIM_CREATING,
	SHIM_CREATED,
	SHIM_RUNNING,
	SHIM_PAUSED,
	SHIM_STOPPED,
};

struct shim_container {
	char *id;
	char *dir;    /* ROOT/ID */
	char *bundle; /* absolute */
	char *rootfs; /* root.path as create resolved it */
	enum shim_status status;
	pid_t pid;     /* the container's process on the host (shim/handle.h): what clients hold */
	pid_t monitor; /* the monitor: when it is gone, so is the container */
	unsigned long long monitor_start;
	pid_t guest_pid;  /* the container's init inside the VM */
	char created[40]; /* RFC 3339 */
	int exit_status;  /* once stopped; -1 before */
};

/* The characters runc allows, no leading '.' or '-', at most SHIM_ID_MAX bytes. */
int shim_id_validate(const char *id, struct vs_error **err);
/* --root, else /run/vshim as root, else $XDG_RUNTIME_DIR/vshim; created 0700. */
int shim_root_prepare(struct shim_ctx *ctx, struct vs_error **err);

/*
 * Reads ROOT/ID/state.json.  A missing container is "container `ID` does not
 * exist" (the phrase clients match).  The status is corrected to stopped when
 * the monitor is gone (its pid and start time checked).
 */
struct shim_container *shim_container_load(const struct shim_ctx *ctx, const char *id,
					   struct vs_error **err);
int shim_container_save(const struct shim_container *c, struct vs_error **err);
void shim_container_free(struct shim_container *c);
const char *shim_status_name(enum shim_status s);

/*
 * config.json as create checked it, stored in the state directory dir
 * (STATE/config.json, written tmp-then-rename): what state, delete, exec
 * and the hooks read from then on, never the bundle again.
 */
int shim_container_store_config(const char *dir, const char *text, size_t len,
				struct vs_error **err);
/* The path of that stored config.json (a new string). */
char *shim_container_config_path(const char *dir);
/* The stored config.json, parsed. */
struct oci_spec *shim_container_config(const char *dir, struct vs_error **err);

/*
 * Deletes a container whose monitor is gone: any VM left in its driver
 * root is cleaned, the poststop hooks run (spec, or the config.json stored
 * at create when spec is NULL and the bundle is known), and dir is removed.
 * Problems are warnings: the container is gone afterwards either way.
 */
void shim_container_remove(const char *dir, const char *id, const char *bundle,
			   const struct oci_spec *spec);
/* The state JSON of the runtime spec, as `state` prints it (a new string). */
char *shim_container_state_json(const struct shim_container *c, bool pretty);

static inline void shim_container_freep(struct shim_container **c)
{
	shim_container_free(*c);
}
#define cleanup_container __attribute__((cleanup(shim_container_freep)))
