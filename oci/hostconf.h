/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's configuration of vshim: /etc/vshim/vshim.conf (or the file
 * named by $VSHIM_CONFIG), what the machine's administrator decides and a
 * container's config.json may not: VM defaults and limits, which io.vshim.*
 * annotations a container may use and where guest kernels may come from,
 * the VM's network by default, and the console log's cap.
 *
 * The format is INI (libinih), a subset of the TOML that Kata Containers'
 * configuration.toml uses: `[section]` lines and `key = value` lines,
 * `#` or `;` comments.  Every key and section is known; anything else is an
 * error naming the file, the line and the key.  A missing file at the
 * default path means the built-in defaults; a missing $VSHIM_CONFIG is an
 * error.  contrib/vshim.conf is the documented default file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define OCI_HOSTCONF_PATH "/etc/vshim/vshim.conf"
#define OCI_HOSTCONF_ENV  "VSHIM_CONFIG"

/* The VM's built-in defaults and bounds, which the file may narrow. */
#define OCI_VM_DEFAULT_MEMORY_MIB  256u
#define OCI_VM_MEMORY_OVERHEAD_MIB 64u
#define OCI_VM_MIN_MEMORY_MIB	   64u
#define OCI_VM_MAX_MEMORY_MIB	   (1024u * 1024u) /* 1 TiB */
#define OCI_VM_MAX_VCPUS	   64u
#define OCI_VM_MIN_TB_CACHE_MIB	   16u
#define OCI_VM_MAX_TB_CACHE_MIB	   2048u
#define OCI_CPU_DEFAULT_PERIOD	   100000u /* the kernel's CFS default, in microseconds */

/* The io.vshim.* annotations, as bits of oci_hostconf.allowed. */
enum oci_vm_annotation {
	OCI_ANN_MEMORY = 1u << 0,
	OCI_ANN_VCPUS = 1u << 1,
	OCI_ANN_KERNEL = 1u << 2,
	OCI_ANN_ACCEL = 1u << 3,
	OCI_ANN_MACHINE = 1u << 4,
	OCI_ANN_TB_CACHE = 1u << 5,
	OCI_ANN_HUGEPAGES = 1u << 6,
	OCI_ANN_NETWORK = 1u << 7,
};

/* The short names used in [annotations] allow, in bit order: "memory", ... */
extern const char *const oci_annotation_names[];
extern const size_t oci_annotation_count;
/* What each takes, in the same order (`vshim features`). */
extern const char *const oci_annotation_help[];

struct oci_hostconf {
	char *path; /* the file read; NULL: the built-in defaults */

	/* [vm] */
	unsigned int memory_mib; /* when config.json sets no memory limit */
	unsigned int vcpus;	 /* when config.json sets no CPU quota */
	char *kernel;		 /* NULL: the installed guest kernel */
	char *initrd;		 /* NULL: the installed initramfs */
	char *accel;		 /* auto | kvm | tcg */
	char *machine;		 /* microvm | q35 */
	unsigned int max_memory_mib;
	unsigned int max_vcpus;

	/* [annotations] */
	unsigned int allowed; /* enum oci_vm_annotation bits */
	char **kernel_dirs;   /* io.vshim.kernel must be a file under one of these */
	size_t n_kernel_dirs;

	/* [network] */
	char *network_mode; /* auto | none | user: when io.vshim.network is not set */

	/* [console] */
	uint64_t console_log_size; /* bytes per console log file; one previous file is kept */
	uint64_t console_log_rate; /* bytes per second, with a burst of four seconds */
};

/* The built-in defaults (what an absent file means). */
void oci_hostconf_defaults(struct oci_hostconf *conf);

/*
 * Reads path, or $VSHIM_CONFIG, or OCI_HOSTCONF_PATH (absent: defaults),
 * over the defaults.  Errors name the file and line:
 * "/etc/vshim/vshim.conf:12: [vm] memory: must be a number of MiB between 64 and 1048576, not
 * \"lots\"".
 */
int oci_hostconf_load(const char *path, struct oci_hostconf *conf, struct vs_error **err);
/* Parses text as the file source (for tests and for the default file's check). */
int oci_hostconf_parse(const char *text, const char *source, struct oci_hostconf *conf,
		       struct vs_error **err);

void oci_hostconf_clear(struct oci_hostconf *conf);

/* The short name of one annotation bit ("kernel"), or NULL. */
const char *oci_annotation_name(enum oci_vm_annotation a);
