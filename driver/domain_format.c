/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct domain_def -> domain XML, in the order libvirt's schema wants and
 * with the words the parser reads (domain_xml.h).  What it writes is parsed
 * again before it is returned, so the formatter cannot drift from the
 * parser.
 */
#include "driver/domain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "common/xmlw.h"
#include "driver/domain_xml.h"

/* <element attr='value'/> */
static void w_empty_attr(struct vs_xmlw *x, const char *element, const char *attr,
			 const char *value)
{
	vs_xmlw_start(x, element);
	vs_xmlw_attr(x, attr, value);
	vs_xmlw_end(x);
}

static void w_head(struct vs_xmlw *x, const struct domain_def *def)
{
	char num[64];

	vs_xmlw_text_element(x, "name", def->name);
	if (def->has_uuid) {
		const unsigned char *u = def->uuid;

		snprintf(num, sizeof(num),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
			 u[12], u[13], u[14], u[15]);
		vs_xmlw_text_element(x, "uuid", num);
	}
	vs_xmlw_start(x, "metadata");
	vs_xmlw_ok(x, xmlTextWriterStartElementNS(x->w, BAD_CAST "vshim", BAD_CAST "vm",
						  BAD_CAST DRV_METADATA_NS));
	vs_xmlw_ok(x, xmlTextWriterWriteElementNS(x->w, BAD_CAST "vshim", BAD_CAST "accel", NULL,
						  BAD_CAST drv_accel_name(def->accel)));
	if (def->hugepages != DRV_HUGEPAGES_AUTO)
		vs_xmlw_ok(x, xmlTextWriterWriteElementNS(
				  x->w, BAD_CAST "vshim", BAD_CAST "hugepages", NULL,
				  BAD_CAST(def->hugepages == DRV_HUGEPAGES_OFF ? "off" : "on")));
	vs_xmlw_end(x);
	vs_xmlw_end(x);
	snprintf(num, sizeof(num), "%" PRIu64, def->memory_kib);
	vs_xmlw_start(x, "memory");
	vs_xmlw_attr(x, "unit", "KiB");
	vs_xmlw_text(x, num);
	vs_xmlw_end(x);
	snprintf(num, sizeof(num), "%u", def->vcpus);
	vs_xmlw_text_element(x, "vcpu", num);

	vs_xmlw_start(x, "os");
	vs_xmlw_start(x, "type");
	vs_xmlw_attr(x, "arch", "x86_64");
	vs_xmlw_attr(x, "machine", def->machine == DRV_MACHINE_Q35 ? "q35" : "microvm");
	vs_xmlw_text(x, "hvm");
	vs_xmlw_end(x);
	vs_xmlw_text_element(x, "kernel", def->kernel);
	vs_xmlw_text_element(x, "initrd", def->initrd);
	vs_xmlw_text_element(x, "cmdline", def->cmdline);
	vs_xmlw_end(x);
	if (def->acpi || def->tb_cache_kib != 0) {
		vs_xmlw_start(x, "features");
		if (def->acpi)
			vs_xmlw_empty(x, "acpi");
		if (def->tb_cache_kib != 0) {
			snprintf(num, sizeof(num), "%" PRIu64, def->tb_cache_kib);
			vs_xmlw_start(x, "tcg");
			vs_xmlw_start(x, "tb-cache");
			vs_xmlw_attr(x, "unit", "KiB");
			vs_xmlw_text(x, num);
			vs_xmlw_end(x);
			vs_xmlw_end(x);
		}
		vs_xmlw_end(x);
	}
	if (def->tsc_hz != 0) {
		snprintf(num, sizeof(num), "%" PRIu64, def->tsc_hz);
		vs_xmlw_start(x, "clock");
		vs_xmlw_attr(x, "offset", "utc");
		vs_xmlw_start(x, "timer");
		vs_xmlw_attr(x, "name", "tsc");
		vs_xmlw_attr(x, "frequency", num);
		vs_xmlw_end(x);
		vs_xmlw_end(x);
	}
	vs_xmlw_text_element(x, "on_poweroff", drv_domain_xml_actions[def->on_poweroff]);
	vs_xmlw_text_element(x, "on_reboot", drv_domain_xml_actions[def->on_reboot]);
	vs_xmlw_text_element(x, "on_crash", drv_domain_xml_actions[def->on_crash]);
}

static void w_disks(struct vs_xmlw *x, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct drv_disk *d = &def->disks[i];

		vs_xmlw_start(x, "disk");
		vs_xmlw_attr(x, "type", "file");
		vs_xmlw_attr(x, "device", "disk");
		vs_xmlw_start(x, "driver");
		vs_xmlw_attr(x, "name", "qemu");
		vs_xmlw_attr(x, "type", d->format == DRV_DISK_QCOW2 ? "qcow2" : "raw");
		vs_xmlw_end(x);
		w_empty_attr(x, "source", "file", d->source);
		vs_xmlw_start(x, "target");
		vs_xmlw_attr(x, "dev", d->target);
		vs_xmlw_attr(x, "bus", "virtio");
		vs_xmlw_end(x);
		if (d->readonly)
			vs_xmlw_empty(x, "readonly");
		vs_xmlw_end(x);
	}
}

static void w_filesystems(struct vs_xmlw *x, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_fs; i++) {
		const struct drv_fs *fs = &def->fs[i];

		vs_xmlw_start(x, "filesystem");
		vs_xmlw_attr(x, "type", "mount");
		vs_xmlw_attr(x, "accessmode", drv_domain_xml_fs_accesses[fs->access]);
		w_empty_attr(x, "driver", "type",
			     fs->driver == DRV_FS_VIRTIOFS ? "virtiofs" : "path");
		w_empty_attr(x, "source", "dir", fs->source);
		w_empty_attr(x, "target", "dir", fs->target);
		if (fs->readonly)
			vs_xmlw_empty(x, "readonly");
		vs_xmlw_end(x);
	}
}

static void w_interfaces(struct vs_xmlw *x, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_nets; i++) {
		const struct drv_net *net = &def->nets[i];

		vs_xmlw_start(x, "interface");
		vs_xmlw_attr(x, "type", drv_domain_xml_net_types[net->type]);
		if (net->mac[0] != '\0')
			w_empty_attr(x, "mac", "address", net->mac);
		if (net->target != NULL) {
			vs_xmlw_start(x, "target");
			vs_xmlw_attr(x, "dev", net->target);
			vs_xmlw_attr(x, "managed", "no");
			vs_xmlw_end(x);
		}
		w_empty_attr(x, "model", "type", "virtio");
		if (net->mtu != 0) {
			char size[16];

			snprintf(size, sizeof(size), "%u", net->mtu);
			w_empty_attr(x, "mtu", "size", size);
		}
		vs_xmlw_end(x);
	}
}

static void w_chr(struct vs_xmlw *x, const char *element, const struct drv_chr *chr)
{
	if (chr->type == DRV_CHR_NULL)
		return;
	vs_xmlw_start(x, element);
	vs_xmlw_attr(x, "type", drv_domain_xml_chr_types[chr->type]);
	if (chr->type != DRV_CHR_PTY || chr->path != NULL) {
		vs_xmlw_start(x, "source");
		if (chr->type == DRV_CHR_UNIX)
			vs_xmlw_attr(x, "mode", "bind");
		vs_xmlw_attr(x, "path", chr->path);
		if (chr->type == DRV_CHR_FILE && chr->append)
			vs_xmlw_attr(x, "append", "on");
		vs_xmlw_end(x);
	}
	vs_xmlw_start(x, "target");
	if (strcmp(element, "console") == 0)
		vs_xmlw_attr(x, "type", chr->virtio ? "virtio" : "serial");
	vs_xmlw_attr(x, "port", "0");
	vs_xmlw_end(x);
	vs_xmlw_end(x);
}

static void w_channels(struct vs_xmlw *x, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_channels; i++) {
		vs_xmlw_start(x, "channel");
		vs_xmlw_attr(x, "type", "unix");
		vs_xmlw_start(x, "source");
		vs_xmlw_attr(x, "mode", "bind");
		vs_xmlw_attr(x, "path", def->channels[i].path);
		vs_xmlw_end(x);
		vs_xmlw_start(x, "target");
		vs_xmlw_attr(x, "type", "virtio");
		vs_xmlw_attr(x, "name", def->channels[i].target_name);
		vs_xmlw_end(x);
		vs_xmlw_end(x);
	}
}

static void w_devices(struct vs_xmlw *x, const struct domain_def *def)
{
	vs_xmlw_start(x, "devices");
	vs_xmlw_text_element(x, "emulator", def->emulator);
	w_disks(x, def);
	w_filesystems(x, def);
	w_interfaces(x, def);
	w_chr(x, "serial", &def->serial);
	w_chr(x, "console", &def->console);
	w_channels(x, def);
	w_empty_attr(x, "memballoon", "model", def->memballoon ? "virtio" : "none");
	if (def->rng) {
		vs_xmlw_start(x, "rng");
		vs_xmlw_attr(x, "model", "virtio");
		vs_xmlw_start(x, "backend");
		vs_xmlw_attr(x, "model", "random");
		vs_xmlw_text(x, "/dev/urandom");
		vs_xmlw_end(x);
		vs_xmlw_end(x);
	}
	vs_xmlw_end(x);
}

char *drv_domain_format(const struct domain_def *def, struct vs_error **err)
{
	const char *name = def->name != NULL ? def->name : "(unnamed)";
	cleanup_error struct vs_error *check_err = NULL;
	cleanup_free char *text = NULL;
	cleanup_free char *out = NULL;
	struct vs_xmlw x;

	if (vs_xmlw_init(&x, err) < 0)
		return NULL;
	vs_xmlw_start(&x, "domain");
	vs_xmlw_attr(&x, "type", def->accel == DRV_ACCEL_KVM ? "kvm" : "qemu");
	w_head(&x, def);
	w_devices(&x, def);
	vs_xmlw_end(&x);
	text = vs_xmlw_finish(&x);
	if (text != NULL) {
		size_t n = strlen(text);

		while (n > 0 && text[n - 1] == '\n')
			n--;
		out = vs_xasprintf("%.*s\n", (int)n, text);
	}
	if (out == NULL) {
		vs_error_set(err, 0, "cannot write the XML of domain `%s`", name);
		return NULL;
	}

	/* What we write must be what we read: check it the one way that cannot drift. */
	cleanup_domain_def struct domain_def *again =
	    drv_domain_parse_document(out, "<formatted>", &check_err);
	if (again == NULL) {
		vs_error_set(err, 0, "cannot format domain `%s`: %s", name, check_err->msg);
		return NULL;
	}
	return steal_pointer(&out);
}
