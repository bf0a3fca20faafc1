/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's network on the host, as the monitor makes it (what it is
 * is decided by oci/network.h; the plumbing is net/'s):
 *
 *   1. shim_network_enter(), first thing in the monitor: the monitor moves
 *      into the network namespace config.json names (or a new one), so that
 *      the pid clients hold, and QEMU, live there; hooks go back to the
 *      runtime's namespace.  It reads the namespace and wires each
 *      interface to a tap (vstap0, vstap1, ...); a namespace that is still
 *      empty gets one spare tap, wired at start if CNI filled it meanwhile.
 *      What was wired is recorded in STATE/network.json.
 *   2. The VM boots with a NIC per tap (shim_network_nics(),
 *      shim_network_files()) or QEMU's user-mode network; the agent hears
 *      what its NICs become in CREATE (shim_network_guest()).
 *   3. shim_network_late(), at start: the spare tap's namespace read again.
 *   4. shim_network_teardown(): the redirects off the caller's interfaces,
 *      the taps closed (they go with QEMU), back to the runtime's namespace.
 *      shim_network_cleanup() does the same from the record for delete,
 *      after a monitor that was killed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/netcfg.h"
#include "driver/driver.h"
#include "guest/proto/network.h"
#include "oci/hostconf.h"
#include "oci/network.h"
#include "oci/spec.h"
#include "oci/translate.h"

/* The tap of a NIC of the VM. */
struct shim_tap {
	char name[IFNAMSIZ];
	int fd;		   /* until QEMU has its copy, then -1 */
	int ifindex;	   /* in the container's namespace */
	uint8_t device[6]; /* the MAC of the VM's NIC */
	bool wired;	   /* iface holds the interface it is wired to */
	struct net_iface iface;
};

struct shim_network {
	struct oci_network_plan plan;
	int runtime_ns; /* the namespace the monitor started in, once it left it; else -1 */
	char *state_dir;
	size_t n_taps;
	struct shim_tap taps[NET_MAX_IFACES];
	bool spare; /* taps[0] was made before any interface: wired at start, or never */
	struct oci_nic nics[NET_MAX_IFACES]; /* for the translator */
	struct drv_file files[NET_MAX_IFACES];
};

/*
 * Step 1 above, for spec, under the host's configuration conf (its
 * [network] mode).  On failure nothing is left: no tap, no redirect, and
 * the monitor is back in the runtime's namespace.
 */
int shim_network_enter(struct shim_network *n, const struct oci_spec *spec, const char *state_dir,
		       const struct oci_hostconf *conf, struct vs_error **err);

/* The taps as the translator and the driver take them. */
void shim_network_vm(const struct shim_network *n, struct oci_translate_ctx *tctx,
		     const struct drv_file **files, size_t *n_files);
/* QEMU holds the taps now: the monitor's descriptors go, and the taps go with QEMU. */
void shim_network_release_taps(struct shim_network *n);

/*
 * What CREATE tells the agent: the NICs wired at create, or the user-mode
 * NIC; false (and *out empty) when the container gets no network of the
 * VM's.  Free *out with proto_network_clear().
 */
bool shim_network_guest(const struct shim_network *n, struct proto_network *out);

/*
 * Step 3: with a spare tap, reads the namespace again and wires the first
 * interface found to it.  Returns 1 with *out filled (the NETWORK request),
 * 0 when there is nothing to wire, -1 with err set.
 */
int shim_network_late(struct shim_network *n, struct proto_network *out, struct vs_error **err);

/* Step 4; failures are warnings. */
void shim_network_teardown(struct shim_network *n);

/*
 * For delete: what STATE/network.json says was wired, unwired (the
 * namespace entered by its path, and left again).  Nothing recorded is
 * fine.  Failures are warnings.
 */
void shim_network_cleanup(const char *state_dir);
