/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain XML -> struct domain_def: the document, <domain> and its head
 * elements (name, metadata, memory, os, features, lifecycle actions);
 * <devices> is domain_parse_devices.c's.
 *
 * The parser walks the document once, element by element.  Every element
 * and attribute it meets must be one of the subset described in domain.h:
 * anything else is an error naming the node (domain_xml.c), never silently
 * dropped.
 *
 * The only exception is <metadata>: elements in foreign namespaces are
 * ignored there, as libvirt ignores them; vshim's own namespace
 * (DRV_METADATA_NS) is checked like the rest.
 */
#include "driver/domain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/domain_xml.h"

#define DOMAIN_XML_MAX_SIZE (1u << 20)
#define CMDLINE_MAX_LEN	    2048 /* COMMAND_LINE_SIZE of x86 Linux */
#define VCPUS_MAX	    255
#define TSC_HZ_MIN	    1000000ull	    /* 1 MHz */
#define TSC_HZ_MAX	    100000000000ull /* 100 GHz */
#define MEMORY_MAX_KIB	    (1ull << 30)    /* 1 TiB */

/* ---- <domain> children ---- */

static int parse_name(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *name = NULL;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &name) < 0)
		return -1;
	if (!drv_domain_xml_name_valid(name))
		return drv_domain_xml_fail_node(
		    p, node,
		    "must be 1 to 128 characters from [A-Za-z0-9_.+-], not starting "
		    "with '.' or '-', not '%s'",
		    name);
	p->def->name = steal_pointer(&name);
	return 0;
}

static int parse_uuid_element(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (!drv_domain_xml_parse_uuid(text, p->def->uuid))
		return drv_domain_xml_fail_node(p, node, "invalid UUID '%s'", text);
	p->def->has_uuid = true;
	return 0;
}

static int parse_vshim_accel(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;
	int accel;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	accel = drv_domain_xml_lookup(text, drv_domain_xml_accels,
				      VS_ARRAY_SIZE(drv_domain_xml_accels));
	if (accel < 0)
		return drv_domain_xml_fail_node(p, node, "must be auto, kvm or tcg, not '%s'",
						text);
	p->def->accel = (enum drv_accel)accel;
	p->meta_accel = true;
	return 0;
}

static int parse_vshim_hugepages(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (strcmp(text, "on") != 0 && strcmp(text, "off") != 0)
		return drv_domain_xml_fail_node(p, node, "must be on or off, not '%s'", text);
	p->def->hugepages = strcmp(text, "off") == 0 ? DRV_HUGEPAGES_OFF : DRV_HUGEPAGES_ON;
	return 0;
}

static int parse_vshim_vm(struct drv_domain_xml *p, xmlNodePtr node)
{
	static const struct drv_domain_xml_rule rules[] = {
		{ "accel", parse_vshim_accel, RULE_ONCE },
		{ "hugepages", parse_vshim_hugepages, RULE_ONCE },
	};

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0)
		return -1;
	return drv_domain_xml_children_ns(p, node, DRV_METADATA_NS, rules, VS_ARRAY_SIZE(rules),
					  NULL, NULL);
}

/* Foreign namespaces are ignored as libvirt ignores them; ours is checked. */
static int parse_metadata(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	bool seen_vm = false;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0)
		return -1;
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (drv_domain_xml_check_other_content(p, node, c) < 0)
				return -1;
			continue;
		}
		if (c->ns == NULL)
			return drv_domain_xml_fail_node(p, c,
							"metadata must be in an XML namespace");
		if (!drv_domain_xml_in_ns(c, DRV_METADATA_NS))
			continue;
		if (!xmlStrEqual(c->name, BAD_CAST "vm"))
			return drv_domain_xml_fail_element(p, c);
		if (seen_vm)
			return drv_domain_xml_fail_duplicate(p, c);
		seen_vm = true;
		if (parse_vshim_vm(p, c) < 0)
			return -1;
	}
	return 0;
}

static int parse_size_kib(struct drv_domain_xml *p, xmlNodePtr node, uint64_t *kib)
{
	static const char *const attrs[] = { "unit", NULL };
	cleanup_free char *unit = drv_domain_xml_attr(node, "unit");
	cleanup_free char *text = NULL;
	uint64_t value, scale;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (!drv_domain_xml_unit_scale(unit, &scale))
		return drv_domain_xml_fail_attr_value(p, node, "unit", "unknown unit");
	if (!drv_domain_xml_parse_u64(text, &value))
		return drv_domain_xml_fail_node(p, node, "must be a whole number, not '%s'", text);
	if (value > UINT64_MAX / scale || value * scale == 0 ||
	    (value * scale + 1023) / 1024 > MEMORY_MAX_KIB)
		return drv_domain_xml_fail_node(
		    p, node, "must be more than 0 and at most 1 TiB, not '%s'", text);
	*kib = (value * scale + 1023) / 1024;
	return 0;
}

static int parse_memory(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	p->memory_node = node;
	return parse_size_kib(p, node, &p->def->memory_kib);
}

static int parse_current_memory(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	p->current_node = node;
	return parse_size_kib(p, node, &p->current_kib);
}

static int parse_vcpu(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "placement", NULL };
	cleanup_free char *placement = drv_domain_xml_attr(node, "placement");
	cleanup_free char *text = NULL;
	uint64_t n;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (placement != NULL && strcmp(placement, "static") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "placement",
						      "only static placement is supported");
	if (!drv_domain_xml_parse_u64(text, &n) || n < 1 || n > VCPUS_MAX)
		return drv_domain_xml_fail_node(p, node, "must be a number from 1 to 255, not '%s'",
						text);
	p->def->vcpus = (unsigned int)n;
	return 0;
}

static int parse_os_type(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "arch", "machine", NULL };
	cleanup_free char *arch = drv_domain_xml_attr(node, "arch");
	cleanup_free char *machine = drv_domain_xml_attr(node, "machine");
	cleanup_free char *text = NULL;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (arch != NULL && strcmp(arch, "x86_64") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "arch", "only x86_64 is supported");
	if (machine == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "machine");
	if (strcmp(machine, "microvm") == 0)
		p->def->machine = DRV_MACHINE_MICROVM;
	else if (strcmp(machine, "q35") == 0 ||
		 (strncmp(machine, "pc-q35-", 7) == 0 &&
		  drv_domain_xml_is_word(machine + 7, "0123456789.", 16)))
		p->def->machine = DRV_MACHINE_Q35;
	else
		return drv_domain_xml_fail_attr_value(p, node, "machine",
						      "must be microvm, q35 or pc-q35-*");
	if (strcmp(text, "hvm") != 0)
		return drv_domain_xml_fail_node(p, node, "must be hvm, not '%s'", text);
	return 0;
}

static int parse_kernel(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return drv_domain_xml_path_text(p, node, &p->def->kernel);
}

static int parse_initrd(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return drv_domain_xml_path_text(p, node, &p->def->initrd);
}

static int parse_cmdline(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (strlen(text) > CMDLINE_MAX_LEN)
		return drv_domain_xml_fail_node(p, node, "is longer than %d bytes",
						CMDLINE_MAX_LEN);
	if (drv_domain_xml_has_control_char(text))
		return drv_domain_xml_fail_node(p, node, "contains a control character");
	p->def->cmdline = steal_pointer(&text);
	return 0;
}

static int parse_os(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const struct drv_domain_xml_rule rules[] = {
		{ "type", parse_os_type, RULE_ONCE | RULE_REQUIRED },
		{ "kernel", parse_kernel, RULE_ONCE | RULE_REQUIRED },
		{ "initrd", parse_initrd, RULE_ONCE },
		{ "cmdline", parse_cmdline, RULE_ONCE },
	};

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL) < 0)
		return -1;
	return 0;
}

static int parse_acpi(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	p->def->acpi = true;
	return 0;
}

static int parse_tb_cache(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	if (parse_size_kib(p, node, &p->def->tb_cache_kib) < 0)
		return -1;
	if (p->def->tb_cache_kib < 1024)
		return drv_domain_xml_fail_node(p, node, "must be at least 1 MiB");
	return 0;
}

static int parse_tcg(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const struct drv_domain_xml_rule rules[] = { { "tb-cache", parse_tb_cache,
							      RULE_ONCE } };

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0)
		return -1;
	return drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

static int parse_features(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const struct drv_domain_xml_rule rules[] = { { "acpi", parse_acpi, RULE_ONCE },
							    { "tcg", parse_tcg, RULE_ONCE } };

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0)
		return -1;
	return drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

static int parse_timer(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "name", "frequency", NULL };
	cleanup_free char *name = drv_domain_xml_attr(node, "name");
	cleanup_free char *frequency = drv_domain_xml_attr(node, "frequency");
	uint64_t hz;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (name == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "name");
	if (strcmp(name, "tsc") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "name",
						      "only the tsc timer is supported");
	if (frequency == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "frequency");
	if (!drv_domain_xml_parse_u64(frequency, &hz) || hz < TSC_HZ_MIN || hz > TSC_HZ_MAX)
		return drv_domain_xml_fail_attr_value(
		    p, node, "frequency", "must be a number of Hz from 1 MHz to 100 GHz");
	p->def->tsc_hz = hz;
	return 0;
}

static int parse_clock(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "offset", NULL };
	static const struct drv_domain_xml_rule rules[] = { { "timer", parse_timer, RULE_ONCE } };
	cleanup_free char *offset = drv_domain_xml_attr(node, "offset");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0)
		return -1;
	if (offset != NULL && strcmp(offset, "utc") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "offset", "only utc is supported");
	return drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

static int parse_lifecycle(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	enum drv_action *out = obj;
	cleanup_free char *text = NULL;
	int action;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	action = drv_domain_xml_lookup(text, drv_domain_xml_actions,
				       VS_ARRAY_SIZE(drv_domain_xml_actions));
	if (action < 0)
		return drv_domain_xml_fail_node(
		    p, node, "must be destroy, restart or preserve, not '%s'", text);
	*out = (enum drv_action)action;
	return 0;
}

static int parse_on_poweroff(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return parse_lifecycle(p, node, &p->def->on_poweroff);
}

static int parse_on_reboot(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return parse_lifecycle(p, node, &p->def->on_reboot);
}

static int parse_on_crash(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return parse_lifecycle(p, node, &p->def->on_crash);
}

/* ---- the document ---- */

static bool same_string(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What can only be checked once the whole document has been read. */
static int check_whole(struct drv_domain_xml *p, xmlNodePtr root)
{
	const struct domain_def *def = p->def;

	if (def->name == NULL)
		return drv_domain_xml_fail_missing_child(p, root, "name");
	if (p->memory_node == NULL)
		return drv_domain_xml_fail_missing_child(p, root, "memory");
	if (def->kernel == NULL)
		return drv_domain_xml_fail_missing_child(p, root, "os");
	if (p->current_node != NULL && p->current_kib != def->memory_kib)
		return drv_domain_xml_fail_node(
		    p, p->current_node,
		    "must be the same as <memory> (ballooning is not supported)");
	/* libvirt's serial console is the first serial port under another name. */
	if (def->console.type != DRV_CHR_NULL && !def->console.virtio &&
	    def->serial.type != DRV_CHR_NULL &&
	    (def->console.type != def->serial.type ||
	     !same_string(def->console.path, def->serial.path) ||
	     def->console.append != def->serial.append))
		return drv_domain_xml_fail_node(
		    p, p->console_node,
		    "a serial console must have the same type and source as <serial>");
	return 0;
}

static int parse_root(struct drv_domain_xml *p, xmlNodePtr root)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct drv_domain_xml_rule rules[] = {
		{ "name", parse_name, RULE_ONCE },
		{ "uuid", parse_uuid_element, RULE_ONCE },
		{ "metadata", parse_metadata, RULE_ONCE },
		{ "memory", parse_memory, RULE_ONCE },
		{ "currentMemory", parse_current_memory, RULE_ONCE },
		{ "vcpu", parse_vcpu, RULE_ONCE },
		{ "os", parse_os, RULE_ONCE },
		{ "features", parse_features, RULE_ONCE },
		{ "clock", parse_clock, RULE_ONCE },
		{ "on_poweroff", parse_on_poweroff, RULE_ONCE },
		{ "on_reboot", parse_on_reboot, RULE_ONCE },
		{ "on_crash", parse_on_crash, RULE_ONCE },
		{ "devices", drv_domain_parse_devices, RULE_ONCE },
	};
	cleanup_free char *type = drv_domain_xml_attr(root, "type");
	enum drv_accel type_accel;

	if (!xmlStrEqual(root->name, BAD_CAST "domain"))
		return vs_error_set(p->err, 0, "%s: the root element must be <domain>, not <%s>",
				    p->source, (const char *)root->name);
	if (root->ns != NULL)
		return vs_error_set(p->err, 0, "%s: <domain> must not be in an XML namespace",
				    p->source);
	if (drv_domain_xml_check_attrs(p, root, attrs) < 0)
		return -1;
	if (type == NULL)
		return drv_domain_xml_fail_missing_attr(p, root, "type");
	if (strcmp(type, "kvm") == 0)
		type_accel = DRV_ACCEL_KVM;
	else if (strcmp(type, "qemu") == 0)
		type_accel = DRV_ACCEL_TCG;
	else
		return drv_domain_xml_fail_attr_value(p, root, "type", "must be kvm or qemu");

	p->def->vcpus = 1;
	p->def->on_poweroff = DRV_ACTION_DESTROY;
	p->def->on_reboot = DRV_ACTION_RESTART;
	p->def->on_crash = DRV_ACTION_DESTROY;
	if (drv_domain_xml_children(p, root, rules, VS_ARRAY_SIZE(rules), NULL, NULL) < 0 ||
	    check_whole(p, root) < 0)
		return -1;
	if (!p->meta_accel)
		p->def->accel = type_accel;
	return 0;
}

struct domain_def *drv_domain_parse_document(const char *xml, const char *source,
					     struct vs_error **err)
{
	cleanup_domain_def struct domain_def *def = vs_xcalloc(1, sizeof(*def));
	struct drv_domain_xml p = { .source = source, .err = err, .def = def };
	size_t len = strlen(xml);
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	int r;

	if (len > DOMAIN_XML_MAX_SIZE) {
		vs_error_set(err, 0, "%s: the document is larger than 1 MiB", source);
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		vs_error_code(err, ENOMEM, "%s: cannot create an XML parser", source);
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		cleanup_free char *msg = vs_xstrdup(e && e->message ? e->message : "unknown error");
		size_t n = strlen(msg);

		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		vs_error_set(err, 0, "%s: not well-formed XML: line %d: %s", source,
			     e ? e->line : 0, msg);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	xmlFreeParserCtxt(ctxt);
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		r = vs_error_set(err, 0, "%s: a document type declaration is not allowed", source);
	} else if (xmlDocGetRootElement(doc) == NULL) {
		r = vs_error_set(err, 0, "%s: the document has no root element", source);
	} else {
		r = parse_root(&p, xmlDocGetRootElement(doc));
	}
	xmlFreeDoc(doc);
	if (r < 0)
		return NULL;
	return steal_pointer(&def);
}

struct domain_def *drv_domain_parse_string(const char *xml, const char *source,
					   struct vs_error **err)
{
	struct domain_def *def = drv_domain_parse_document(xml, source, err);

	if (def != NULL)
		vs_debug(
		    "driver",
		    "%s: domain `%s`, %" PRIu64 " KiB, %u vCPUs, %zu filesystems, %zu channels",
		    source, def->name, def->memory_kib, def->vcpus, def->n_fs, def->n_channels);
	return def;
}

struct domain_def *drv_domain_parse_file(const char *path, struct vs_error **err)
{
	cleanup_free char *text = NULL;

	if (vs_read_file(path, DOMAIN_XML_MAX_SIZE, &text, NULL, err) < 0)
		return NULL;
	return drv_domain_parse_string(text, path, err);
}
