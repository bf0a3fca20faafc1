/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> libvirt domain XML (the subset driver/domain.h parses).
 * The translator decides what the VM is (memory, vCPUs, which shares, the
 * annotations' overrides) and fills the driver's struct domain_def with it;
 * the driver's formatter (drv_domain_format()) writes the XML.
 *
 * The mapping convention below is shared with the guest agent, which finds
 * the shares and the channel by these names:
 *   - the container's root is the 9p share OCI_ROOTFS_TAG, the directory the
 *     caller resolved root.path to;
 *   - every bind mount of a host directory or file (a volume) is in the 9p
 *     share OCI_VOLUMES_TAG, STATE/OCI_VOLUMES_DIR: mounts[i] is its entry
 *     oci_volume_entry(i) ("<i>", i the index in config.json's mounts), a
 *     directory or a file (see oci/mounts.h).  Every VM has these two shares
 *     and nothing more, however many volumes: the device layout is fixed;
 *   - the agent talks over the virtio-serial port OCI_AGENT_CHANNEL.
 *
 * VM sizing:
 *   - memory: linux.resources.memory.limit rounded up to MiB plus
 *     OCI_VM_MEMORY_OVERHEAD_MIB for the guest kernel, the agent and 9p
 *     buffers, at most the host configuration's [vm] max_memory; its [vm]
 *     memory (OCI_VM_DEFAULT_MEMORY_MIB by default) when there is no
 *     positive limit;
 *   - vCPUs: ceil(quota / period) (period 100000 when not given) when the
 *     quota is positive, else [vm] vcpus (1 by default); capped by the
 *     host's online CPUs and [vm] max_vcpus.
 * Annotations override, where the host configuration (oci/hostconf.h)
 * allows config.json to use them; an annotation it does not allow, or a bad
 * value, is an error naming the annotation:
 *   io.vshim.memory  VM memory in MiB, OCI_VM_MIN_MEMORY_MIB..[vm] max_memory
 *   io.vshim.vcpus   1..[vm] max_vcpus, not capped by the host's CPUs
 *   io.vshim.kernel  the guest kernel: a regular file inside one of
 *                    [annotations] kernel_dirs (not allowed by default)
 *   io.vshim.accel   auto | kvm | tcg
 *   io.vshim.machine microvm | q35
 *   io.vshim.tb-cache TCG's translation cache in MiB, 1..OCI_VM_MAX_TB_CACHE_MIB
 *                    (used only when the VM runs under TCG)
 *   io.vshim.hugepages auto | on | off: whether QEMU may use transparent huge
 *                    pages (<vshim:hugepages>); auto: on, off saves memory
 *                    for start-up time (driver/domain.h)
 *   io.vshim.network auto | none | user: the VM's NICs (oci/network.h):
 *                    <interface type='ethernet'> for each of ctx->nics, or
 *                    one <interface type='user'>, or none
 *
 * TCG's translation cache (<features><tcg><tb-cache>) is an eighth of the
 * VM's memory, at least OCI_VM_MIN_TB_CACHE_MIB: QEMU 7.2's own default is
 * 1 GiB whatever the guest, which a VM that keeps running new code fills
 * and never gives back.  Booting and starting a container fills about
 * 24 MiB; a full cache is flushed and filled again, which costs time: with
 * 16 MiB (a 128 MiB guest) `vshim run` takes about 40 ms longer than with
 * 24 or more, for 8 MiB less host memory per idle VM.
 */
#pragma once

#include <stddef.h>

#include "common/error.h"
#include "oci/hostconf.h"
#include "oci/spec.h"

#define OCI_ROOTFS_TAG	  "rootfs"
#define OCI_VOLUMES_TAG	  "vol"
#define OCI_VOLUMES_DIR	  "vol" /* under the state directory */
#define OCI_AGENT_CHANNEL "org.vshim.agent.0"

/* The guest kernel's command line (the guest has no ACPI: reboot=t ends the VM). */
#define OCI_GUEST_CMDLINE "console=ttyS0 reboot=t panic=-1 quiet"

#define OCI_ANNOTATION_MEMORY	 "io.vshim.memory"
#define OCI_ANNOTATION_VCPUS	 "io.vshim.vcpus"
#define OCI_ANNOTATION_KERNEL	 "io.vshim.kernel"
#define OCI_ANNOTATION_ACCEL	 "io.vshim.accel"
#define OCI_ANNOTATION_MACHINE	 "io.vshim.machine"
#define OCI_ANNOTATION_TB_CACHE	 "io.vshim.tb-cache"
#define OCI_ANNOTATION_HUGEPAGES "io.vshim.hugepages"

/* A NIC wired to a tap in the container's network namespace (made by the monitor). */
struct oci_nic {
	const char *tap;  /* the tap's name: <target dev> */
	char mac[18];	  /* "xx:xx:xx:xx:xx:xx" */
	unsigned int mtu; /* <mtu size>, the guest's largest MTU; 0: not given */
};

struct oci_translate_ctx {
	const char *name;      /* domain name (the container ID) */
	const char *rootfs;    /* root.path, resolved by the caller: the root share */
	const char *state_dir; /* the volumes are STATE/OCI_VOLUMES_DIR */
	const char *kernel;    /* guest kernel, unless io.vshim.kernel says otherwise */
	const char *initrd;    /* NULL: none */
	/*
	 * The guest's serial console: a unix socket the driver listens on and
	 * the monitor reads (it caps what reaches the log); NULL: no serial port.
	 */
	const char *console_socket;
	const char *agent_socket; /* NULL: the driver picks the path under its root */
	unsigned int host_cpus;	  /* vCPU cap; 0: the host's online CPUs (tests fix it) */
	/*
	 * The host's TSC rate (drv_clock_host_tsc_hz()), for the guest's clock
	 * under TCG: <clock><timer name='tsc' frequency=>; 0: no <clock>.
	 */
	uint64_t tsc_hz;
	/*
	 * The host's configuration: defaults (memory, vCPUs, kernel, initrd,
	 * accel, machine), limits, and which annotations config.json may set;
	 * NULL: the built-in defaults.  Its kernel and initrd, when set, win
	 * over the two above.
	 */
	const struct oci_hostconf *conf;
	const struct oci_nic *nics; /* when the network plan is a namespace's: its NICs */
	size_t n_nics;
};

/*
 * The domain XML for spec (a new string).  Looks at nothing on the host:
 * the caller checked the mounts (oci_spec_load()) and builds the volumes
 * (oci_mounts_volumes_build()).  Errors name the config.json path or
 * annotation at fault.
 */
char *oci_translate(const struct oci_spec *spec, const struct oci_translate_ctx *ctx,
		    struct vs_error **err);
