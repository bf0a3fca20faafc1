/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The domain definition: the subset of libvirt's domain XML that vshim
 * needs, parsed into plain structs.  domain_parse.c and
 * domain_parse_devices.c parse the XML (with domain_xml.c's strict-reading
 * helpers), domain_format.c writes it, domain.c adds devices to a
 * definition and frees it; command.c turns a definition into a QEMU
 * command line.
 *
 * Anything outside the subset is an error naming the element or attribute;
 * nothing is silently dropped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Devices of one kind (disks, filesystems, interfaces) a definition has at most. */
#define DRV_DOMAIN_DEVICES_MAX 64

/* Namespace of vshim's own <metadata> child, for what libvirt has no element for. */
#define DRV_METADATA_NS "http://vshim.dev/xmlns/domain/1.0"

enum drv_accel {
	DRV_ACCEL_AUTO, /* KVM when it can really run a guest, otherwise TCG */
	DRV_ACCEL_KVM,
	DRV_ACCEL_TCG,
};

enum drv_machine {
	DRV_MACHINE_MICROVM,
	DRV_MACHINE_Q35, /* also read from pc-q35-X.Y; the version is not kept */
};

enum drv_action {
	DRV_ACTION_DESTROY,
	DRV_ACTION_RESTART,
	DRV_ACTION_PRESERVE,
};

enum drv_fs_driver {
	DRV_FS_9P,
	DRV_FS_VIRTIOFS, /* reserved: parsed, refused by command.c until a virtiofsd exists */
};

enum drv_fs_access {
	DRV_FS_ACCESS_PASSTHROUGH,
	DRV_FS_ACCESS_MAPPED,
	DRV_FS_ACCESS_SQUASH,
};

struct drv_fs {
	enum drv_fs_driver driver;
	enum drv_fs_access access;
	char *source; /* host directory */
	char *target; /* mount tag */
	bool readonly;
};

/* <channel type='unix'><source mode='bind' path=.../><target type='virtio' name=.../> */
struct drv_channel {
	char *path; /* unix socket; NULL in the XML means the driver picks one under its root */
	char *target_name;
};

enum drv_chr_type {
	DRV_CHR_NULL, /* no <serial>: nothing */
	DRV_CHR_FILE,
	DRV_CHR_PTY,
	DRV_CHR_UNIX, /* <source mode='bind'>: QEMU listens on path */
};

/*
 * <serial> or <console>; at most one of each.  A console with a serial
 * target is libvirt's alias of the first serial port: alone it is that
 * port; next to a <serial> it must have the same type and source.
 */
struct drv_chr {
	enum drv_chr_type type;
	char *path;  /* file or unix socket; for pty, filled in once QEMU runs */
	bool append; /* file: <source append='on'> */
	bool virtio; /* <console><target type='virtio'>: hvc0 instead of ttyS0 */
};

enum drv_disk_format {
	DRV_DISK_RAW,
	DRV_DISK_QCOW2,
};

struct drv_disk {
	char *source;
	char *target; /* vda, vdb, ... */
	enum drv_disk_format format;
	bool readonly;
};

enum drv_net_type {
	DRV_NET_USER,	  /* <interface type='user'>: QEMU's user-mode network (slirp) */
	DRV_NET_ETHERNET, /* <interface type='ethernet'>: a tap the caller hands over */
};

/*
 * <interface type='user|ethernet'><mac/><target dev= managed='no'/>
 * <model type='virtio'/><mtu size=/>.  An ethernet interface's tap is made
 * by the caller (in its network namespace) and handed to
 * drv_domain_create_with_files() as a descriptor under the name of its
 * target; the driver never creates or configures a device itself
 * (managed='no').  No vhost: this host has no /dev/vhost-net.
 */
struct drv_net {
	enum drv_net_type type;
	char mac[18];	  /* "52:54:00:xx:xx:xx", empty when not given */
	char *target;	  /* ethernet: the tap's name; NULL for user */
	unsigned int mtu; /* <mtu size=>: the NIC's (virtio host_mtu); 0 when not given */
};

enum drv_hugepages {
	DRV_HUGEPAGES_AUTO,
	DRV_HUGEPAGES_ON,
	DRV_HUGEPAGES_OFF,
};

struct domain_def {
	char *name;
	unsigned char uuid[16];
	bool has_uuid;
	uint64_t memory_kib;
	unsigned int vcpus;

	enum drv_machine machine;
	enum drv_accel accel; /* from <domain type=...>, overridden by metadata */
	bool acpi;	      /* <features><acpi/></features> */
	/*
	 * <features><tcg><tb-cache unit=...>: the size of TCG's translation
	 * cache (QEMU's -accel tcg,tb-size=, in MiB); 0: QEMU's default (1 GiB,
	 * filled as the guest runs new code and never given back).  Ignored
	 * under KVM.
	 */
	uint64_t tb_cache_kib;
	/*
	 * <metadata><vshim:vm><vshim:hugepages>on|off: whether QEMU may use
	 * transparent huge pages.  Off, its guest memory and translation cache
	 * are held in 4 KiB pages as they are touched, not in 2 MiB ones: less
	 * memory per VM (about 5 MiB for an idle 128 MiB TCG guest) for 512
	 * times more page faults.  Absent (auto): on, under TCG as under KVM,
	 * as QEMU has it: where a page fault is dear (a host that is itself a
	 * nested guest, as here) the faults cost more start-up time than the
	 * memory is worth (vshim run 1673 -> 1277 ms median, A/B under TCG).
	 * libvirt has no element for it.
	 */
	enum drv_hugepages hugepages;
	/*
	 * <clock offset='utc'><timer name='tsc' frequency='HZ'/></clock>: the
	 * rate of the host's TSC, which a TCG guest reads as its own (QEMU
	 * 7.2's TCG returns the host's TSC to RDTSC, stopped while the VM is
	 * paused).  Under TCG the guest kernel is told the rate
	 * (DRV_TCG_TSC_CMDLINE) and keeps time on the TSC instead of
	 * calibrating it against an emulated PIT, which fails, and falling
	 * back to jiffies, which drift.  0: not given (the guest keeps time
	 * on jiffies under TCG).  Under KVM the guest uses kvm-clock and the
	 * value is unused.
	 */
	uint64_t tsc_hz;

	char *kernel;
	char *initrd;
	char *cmdline;

	enum drv_action on_poweroff;
	enum drv_action on_reboot;
	enum drv_action on_crash;

	char *emulator; /* NULL: qemu-system-x86_64 from PATH */

	struct drv_fs *fs;
	size_t n_fs;
	struct drv_channel *channels;
	size_t n_channels;
	struct drv_chr serial;
	struct drv_chr console;
	struct drv_disk *disks;
	size_t n_disks;
	struct drv_net *nets;
	size_t n_nets;
	bool rng;
	bool memballoon; /* false for <memballoon model='none'/> or none given */
};

/* Parses a document.  source names it in errors (a file name, or "<string>"). */
struct domain_def *drv_domain_parse_string(const char *xml, const char *source,
					   struct vs_error **err);
struct domain_def *drv_domain_parse_file(const char *path, struct vs_error **err);

/*
 * Formats a definition as libvirt-valid domain XML (a new string).  The
 * output is parsed again before it is returned: a definition the parser
 * would refuse (a relative path, a control character) is an error here.
 */
char *drv_domain_format(const struct domain_def *def, struct vs_error **err);

/*
 * Appends a zeroed device to def and returns it; the pointer is valid until
 * the next device of its kind is added.  The strings put in it belong to
 * def from then on.
 */
struct drv_disk *drv_domain_def_add_disk(struct domain_def *def);
struct drv_fs *drv_domain_def_add_fs(struct domain_def *def);
struct drv_net *drv_domain_def_add_net(struct domain_def *def);
struct drv_channel *drv_domain_def_add_channel(struct domain_def *def);

void drv_domain_def_free(struct domain_def *def);

static inline void drv_domain_def_freep(struct domain_def **p)
{
	drv_domain_def_free(*p);
}
#define cleanup_domain_def __attribute__((cleanup(drv_domain_def_freep)))

const char *drv_accel_name(enum drv_accel accel);
