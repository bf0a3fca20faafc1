/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What network a container's VM gets: the annotation io.vshim.network, else
 * the host's [network] mode (oci/hostconf.h), read against config.json's
 * linux.namespaces:
 *
 *   auto  a network namespace in config.json: the monitor enters it (by its
 *         path: podman's netavark or CNI, containerd's CRI) or makes a new
 *         one (no path: podman --network none, ctr run, ctr run --cni), and
 *         each interface found there gets a NIC of the VM, wired to it
 *         through a tap; no network namespace (runc: the host's network):
 *         one NIC on QEMU's user-mode network (slirp), the monitor staying
 *         in the host's namespace;
 *   none  no NIC at all, only the guest's loopback;
 *   user  one NIC on QEMU's user-mode network, in whatever namespace the
 *         monitor is.
 * With none and user the monitor still enters (or makes) the namespace
 * config.json names: the pid a client holds never lives in the host's
 * network namespace when the config asks for one.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"
#include "oci/spec.h"

#define OCI_ANNOTATION_NETWORK "io.vshim.network"

/*
 * The user-mode network, as QEMU's slirp sets it up: the NIC's MAC (QEMU's
 * own default), the guest's address, the gateway (the host, seen from the
 * guest) and the DNS forwarder.
 */
#define OCI_NET_USER_MAC     "52:54:00:12:34:56"
#define OCI_NET_USER_ADDRESS "10.0.2.15"
#define OCI_NET_USER_PREFIX  24
#define OCI_NET_USER_GATEWAY "10.0.2.2"
#define OCI_NET_USER_DNS     "10.0.2.3"

enum oci_network_nics {
	OCI_NETWORK_NONE,      /* no NIC: only loopback */
	OCI_NETWORK_USER,      /* one NIC on QEMU's user-mode network */
	OCI_NETWORK_NAMESPACE, /* a NIC per interface of the container's network namespace */
};

struct oci_network_plan {
	bool has_ns;	     /* linux.namespaces has network: the monitor enters or makes it */
	const char *ns_path; /* its path (into the spec), NULL: a new namespace */
	enum oci_network_nics nics;
};

/*
 * Decides the plan of spec; mode is the host's [network] mode (auto, none
 * or user; NULL: auto).  A bad io.vshim.network is an error naming it.
 */
int oci_network_plan(const struct oci_spec *spec, const char *mode, struct oci_network_plan *plan,
		     struct vs_error **err);
