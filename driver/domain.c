/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain XML <-> struct domain_def.
 *
 * The parser walks the document once, element by element.  Every element
 * and attribute it meets must be one of the subset described in domain.h:
 * anything else is an error, never silently dropped.  Errors name the node
 * by its path below <domain>, with a [n] index when siblings share a name:
 *
 *   domain.xml: unsupported element <devices/hostdev>
 *   domain.xml: <devices/filesystem[2]/source dir='x'>: must be an absolute path
 *
 * The only exception is <metadata>: elements in foreign namespaces are
 * ignored there, as libvirt ignores them; vshim's own namespace
 * (DRV_METADATA_NS) is checked like the rest.
 */
#include "driver/domain.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmlw.h"

#define DOMAIN_XML_MAX_SIZE  (1u << 20)
#define NAME_MAX_LEN	     128
#define TAG_MAX_LEN	     31 /* QEMU refuses longer 9p mount tags */
#define CHANNEL_NAME_MAX_LEN 127
#define PATH_MAX_LEN	     4095
#define CMDLINE_MAX_LEN	     2048 /* COMMAND_LINE_SIZE of x86 Linux */
#define VCPUS_MAX	     255
#define MEMORY_MAX_KIB	     (1ull << 30) /* 1 TiB */
#define CHANNELS_MAX	     30		  /* virtio-serial ports 1..30; port 0 is the console's */
#define DEVICES_MAX	     64		  /* per kind: disks, filesystems, interfaces */

struct parser {
	const char *source;
	struct vs_error **err;
	struct domain_def *def;
	xmlNodePtr memory_node, current_node;
	uint64_t current_kib;
	xmlNodePtr console_node;
	bool meta_accel; /* <vshim:accel> given: it overrides <domain type> */
};

/* ---- paths and errors ---- */

static bool same_name(xmlNodePtr a, xmlNodePtr b)
{
	if (!xmlStrEqual(a->name, b->name))
		return false;
	if (a->ns == NULL || b->ns == NULL)
		return a->ns == b->ns;
	return xmlStrEqual(a->ns->href, b->ns->href);
}

static void append_step(char **path, xmlNodePtr node)
{
	size_t index = 0, count = 0;
	char *step, *joined;

	if (node->parent != NULL) {
		for (xmlNodePtr s = node->parent->children; s != NULL; s = s->next) {
			if (s->type != XML_ELEMENT_NODE || !same_name(s, node))
				continue;
			count++;
			if (s == node)
				index = count;
		}
	}
	if (node->ns != NULL && node->ns->prefix != NULL)
		step = vs_xasprintf("%s:%s", node->ns->prefix, node->name);
	else
		step = vs_xstrdup((const char *)node->name);
	if (count > 1) {
		char *indexed = vs_xasprintf("%s[%zu]", step, index);

		free(step);
		step = indexed;
	}
	joined = *path ? vs_xasprintf("%s/%s", step, *path) : vs_xstrdup(step);
	free(step);
	free(*path);
	*path = joined;
}

/* "devices/filesystem[2]/source"; "domain" for the root element itself. */
static char *node_path(xmlNodePtr node)
{
	char *path = NULL;

	if (node->parent == NULL || node->parent->type != XML_ELEMENT_NODE)
		return vs_xstrdup((const char *)node->name);
	for (; node->parent != NULL && node->parent->type == XML_ELEMENT_NODE; node = node->parent)
		append_step(&path, node);
	return path;
}

static char *attr_name(xmlAttrPtr a)
{
	if (a->ns != NULL && a->ns->prefix != NULL)
		return vs_xasprintf("%s:%s", a->ns->prefix, a->name);
	return vs_xstrdup((const char *)a->name);
}

/* The value of attribute name (without namespace), or NULL. */
static char *get_attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
	char *s = v != NULL ? vs_xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static int fail_element(struct parser *p, xmlNodePtr node)
{
	cleanup_free char *path = node_path(node);

	return vs_error_set(p->err, 0, "%s: unsupported element <%s>", p->source, path);
}

static int fail_attr(struct parser *p, xmlNodePtr node, xmlAttrPtr a)
{
	cleanup_free char *path = node_path(node);
	cleanup_free char *name = attr_name(a);
	xmlChar *raw = xmlNodeListGetString(node->doc, a->children, 1);
	cleanup_free char *value = vs_xstrdup(raw != NULL ? (const char *)raw : "");

	xmlFree(raw);

	return vs_error_set(p->err, 0, "%s: unsupported attribute <%s %s='%s'>", p->source, path,
			    name, value);
}

static int fail_missing_attr(struct parser *p, xmlNodePtr node, const char *name)
{
	cleanup_free char *path = node_path(node);

	return vs_error_set(p->err, 0, "%s: <%s>: missing attribute '%s'", p->source, path, name);
}

static int fail_missing_child(struct parser *p, xmlNodePtr parent, const char *name)
{
	cleanup_free char *path = node_path(parent);

	if (parent->parent == NULL || parent->parent->type != XML_ELEMENT_NODE)
		return vs_error_set(p->err, 0, "%s: missing element <%s>", p->source, name);
	return vs_error_set(p->err, 0, "%s: missing element <%s/%s>", p->source, path, name);
}

static int fail_duplicate(struct parser *p, xmlNodePtr node)
{
	cleanup_free char *path = node_path(node);

	return vs_error_set(p->err, 0, "%s: duplicate element <%s>", p->source, path);
}

/* "SOURCE: <PATH ATTR='VALUE'>: REASON" */
VS_PRINTF(4, 5)
static int fail_attr_value(struct parser *p, xmlNodePtr node, const char *attr, const char *fmt,
			   ...)
{
	cleanup_free char *path = node_path(node);
	cleanup_free char *value = get_attr(node, attr);
	cleanup_free char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	return vs_error_set(p->err, 0, "%s: <%s %s='%s'>: %s", p->source, path, attr,
			    value ? value : "", reason);
}

/* "SOURCE: <PATH>: REASON" */
VS_PRINTF(3, 4)
static int fail_node(struct parser *p, xmlNodePtr node, const char *fmt, ...)
{
	cleanup_free char *path = node_path(node);
	cleanup_free char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	return vs_error_set(p->err, 0, "%s: <%s>: %s", p->source, path, reason);
}

/* ---- value checks: each returns NULL when fine, else the reason ---- */

static bool has_control_char(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return true;
	return false;
}

static const char *path_problem(const char *s)
{
	if (s[0] != '/')
		return "must be an absolute path";
	if (strlen(s) > PATH_MAX_LEN)
		return "is longer than 4095 bytes";
	if (has_control_char(s))
		return "contains a control character";
	return NULL;
}

/* Characters from set, 1..max of them. */
static bool is_word(const char *s, const char *set, size_t max)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, set) == n;
}

#define WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

static bool name_valid(const char *s)
{
	return is_word(s, WORD_CHARS "+", NAME_MAX_LEN) && s[0] != '.' && s[0] != '-';
}

/* Decimal digits only; false on overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 8-4-4-4-12 hex digits, or 32 hex digits without dashes. */
static bool parse_uuid(const char *s, unsigned char uuid[16])
{
	bool dashes = strlen(s) == 36;
	size_t i = 0;

	if (!dashes && strlen(s) != 32)
		return false;
	for (size_t b = 0; b < 16; b++) {
		if (dashes && (b == 4 || b == 6 || b == 8 || b == 10) && s[i++] != '-')
			return false;
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		uuid[b] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return true;
}

/* A unicast MAC address "xx:xx:xx:xx:xx:xx", written out in lower case. */
static bool parse_mac(const char *s, char out[18])
{
	if (strlen(s) != 17)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : hex_value(s[i]) < 0)
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[17] = '\0';
	return (hex_value(s[1]) & 1) == 0;
}

/*
 * libvirt's memory units: b and bytes; k, m, g, t, p, e alone or with "iB"
 * are powers of 1024, with "B" powers of 1000; case is not significant.
 */
static bool unit_scale(const char *unit, uint64_t *scale)
{
	static const char powers[] = "kmgtpe";
	const char *pos;
	uint64_t base;

	if (unit == NULL) {
		*scale = 1024;
		return true;
	}
	if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "bytes") == 0) {
		*scale = 1;
		return true;
	}
	if (unit[0] == '\0' || (pos = strchr(powers, tolower((unsigned char)unit[0]))) == NULL)
		return false;
	if (unit[1] == '\0' || strcasecmp(unit + 1, "iB") == 0)
		base = 1024;
	else if (strcasecmp(unit + 1, "B") == 0)
		base = 1000;
	else
		return false;
	*scale = 1;
	for (const char *c = powers; c <= pos; c++)
		*scale *= base;
	return true;
}

/* ---- generic walking ---- */

static bool is_blank(const xmlChar *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!isspace(*s))
			return false;
	return true;
}

/* Non-element content of node: comments are fine, text must be blank. */
static int check_other_content(struct parser *p, xmlNodePtr node, xmlNodePtr child)
{
	switch (child->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (!is_blank(child->content))
			return fail_node(p, node, "unexpected text '%s'",
					 (const char *)child->content);
		return 0;
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return 0;
	default:
		return fail_node(p, node, "unexpected content");
	}
}

/* An element without children and without text. */
static int expect_empty(struct parser *p, xmlNodePtr node)
{
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return fail_element(p, c);
		if (check_other_content(p, node, c) < 0)
			return -1;
	}
	return 0;
}

/* The text of an element that has no child elements (a new string). */
static int expect_text(struct parser *p, xmlNodePtr node, char **out)
{
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return fail_element(p, c);
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE &&
		    c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE)
			return fail_node(p, node, "unexpected content");
	}
	xmlChar *text = xmlNodeGetContent(node);

	*out = vs_xstrdup(text != NULL ? (const char *)text : "");
	xmlFree(text);
	return 0;
}

/* Fails on the first attribute of node that is not in the NULL-terminated allowed list. */
static int check_attrs(struct parser *p, xmlNodePtr node, const char *const *allowed)
{
	for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) {
		bool known = false;

		for (const char *const *n = allowed; a->ns == NULL && *n != NULL; n++)
			known = known || xmlStrEqual(a->name, BAD_CAST * n);
		if (!known)
			return fail_attr(p, node, a);
	}
	return 0;
}

static const char *const no_attrs[] = { NULL };

/* Attribute name of node, whose value is value, must be wanted; why says so otherwise. */
static int expect_attr_value(struct parser *p, xmlNodePtr node, const char *name, const char *value,
			     const char *wanted, const char *why)
{
	if (value == NULL)
		return fail_missing_attr(p, node, name);
	if (strcmp(value, wanted) != 0)
		return fail_attr_value(p, node, name, "%s", why);
	return 0;
}

enum {
	RULE_ONCE = 1,	   /* the element may appear at most once */
	RULE_REQUIRED = 2, /* it must appear */
};

struct child_rule {
	const char *name;
	int (*parse)(struct parser *p, xmlNodePtr node, void *obj);
	unsigned int flags; /* RULE_* */
};

/* Whether node is in the namespace ns (NULL: in none). */
static bool in_ns(xmlNodePtr node, const char *ns)
{
	if (ns == NULL)
		return node->ns == NULL;
	return node->ns != NULL && xmlStrEqual(node->ns->href, BAD_CAST ns);
}

/*
 * Dispatches every child element of node in the namespace ns (NULL: none)
 * to the rule of its name.  Unknown elements, elements of another namespace,
 * repeated once-only ones and missing required ones are errors.  Bit i of
 * *seen tells whether rules[i] matched.
 */
static int parse_children_ns(struct parser *p, xmlNodePtr node, const char *ns,
			     const struct child_rule *rules, size_t n_rules, void *obj,
			     unsigned int *seen)
{
	unsigned int mask = 0;

	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		size_t i;

		if (c->type != XML_ELEMENT_NODE) {
			if (check_other_content(p, node, c) < 0)
				return -1;
			continue;
		}
		for (i = 0; i < n_rules; i++)
			if (in_ns(c, ns) && xmlStrEqual(c->name, BAD_CAST rules[i].name))
				break;
		if (i == n_rules)
			return fail_element(p, c);
		if ((rules[i].flags & RULE_ONCE) && (mask & (1u << i)))
			return fail_duplicate(p, c);
		mask |= 1u << i;
		if (rules[i].parse(p, c, obj) < 0)
			return -1;
	}
	for (size_t i = 0; i < n_rules; i++)
		if ((rules[i].flags & RULE_REQUIRED) && !(mask & (1u << i)))
			return fail_missing_child(p, node, rules[i].name);
	if (seen != NULL)
		*seen = mask;
	return 0;
}

static int parse_children(struct parser *p, xmlNodePtr node, const struct child_rule *rules,
			  size_t n_rules, void *obj, unsigned int *seen)
{
	return parse_children_ns(p, node, NULL, rules, n_rules, obj, seen);
}

/* Index of value in names, or -1. */
static int lookup(const char *value, const char *const *names, size_t n)
{
	for (size_t i = 0; value != NULL && i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	return -1;
}

static void *grow(void *array, size_t *n, size_t size)
{
	char *a = vs_xrealloc(array, (*n + 1) * size);

	memset(a + *n * size, 0, size);
	(*n)++;
	return a;
}

/* ---- <domain> children ---- */

static int parse_name(struct parser *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *name = NULL;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &name) < 0)
		return -1;
	if (!name_valid(name))
		return fail_node(p, node,
				 "must be 1 to 128 characters from [A-Za-z0-9_.+-], not starting "
				 "with '.' or '-', not '%s'",
				 name);
	p->def->name = steal_pointer(&name);
	return 0;
}

static int parse_uuid_element(struct parser *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (!parse_uuid(text, p->def->uuid))
		return fail_node(p, node, "invalid UUID '%s'", text);
	p->def->has_uuid = true;
	return 0;
}

static const char *const accel_names[] = { "auto", "kvm", "tcg" };

static int parse_vshim_accel(struct parser *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;
	int accel;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	accel = lookup(text, accel_names, VS_ARRAY_SIZE(accel_names));
	if (accel < 0)
		return fail_node(p, node, "must be auto, kvm or tcg, not '%s'", text);
	p->def->accel = (enum drv_accel)accel;
	p->meta_accel = true;
	return 0;
}

static int parse_vshim_hugepages(struct parser *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (strcmp(text, "on") != 0 && strcmp(text, "off") != 0)
		return fail_node(p, node, "must be on or off, not '%s'", text);
	p->def->hugepages = strcmp(text, "off") == 0 ? DRV_HUGEPAGES_OFF : DRV_HUGEPAGES_ON;
	return 0;
}

static int parse_vshim_vm(struct parser *p, xmlNodePtr node)
{
	static const struct child_rule rules[] = {
		{ "accel", parse_vshim_accel, RULE_ONCE },
		{ "hugepages", parse_vshim_hugepages, RULE_ONCE },
	};

	if (check_attrs(p, node, no_attrs) < 0)
		return -1;
	return parse_children_ns(p, node, DRV_METADATA_NS, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

/* Foreign namespaces are ignored as libvirt ignores them; ours is checked. */
static int parse_metadata(struct parser *p, xmlNodePtr node, void *obj)
{
	bool seen_vm = false;

	if (check_attrs(p, node, no_attrs) < 0)
		return -1;
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (check_other_content(p, node, c) < 0)
				return -1;
			continue;
		}
		if (c->ns == NULL)
			return fail_node(p, c, "metadata must be in an XML namespace");
		if (!in_ns(c, DRV_METADATA_NS))
			continue;
		if (!xmlStrEqual(c->name, BAD_CAST "vm"))
			return fail_element(p, c);
		if (seen_vm)
			return fail_duplicate(p, c);
		seen_vm = true;
		if (parse_vshim_vm(p, c) < 0)
			return -1;
	}
	return 0;
}

static int parse_size_kib(struct parser *p, xmlNodePtr node, uint64_t *kib)
{
	static const char *const attrs[] = { "unit", NULL };
	cleanup_free char *unit = get_attr(node, "unit");
	cleanup_free char *text = NULL;
	uint64_t value, scale;

	if (check_attrs(p, node, attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (!unit_scale(unit, &scale))
		return fail_attr_value(p, node, "unit", "unknown unit");
	if (!parse_u64(text, &value))
		return fail_node(p, node, "must be a whole number, not '%s'", text);
	if (value > UINT64_MAX / scale || value * scale == 0 ||
	    (value * scale + 1023) / 1024 > MEMORY_MAX_KIB)
		return fail_node(p, node, "must be more than 0 and at most 1 TiB, not '%s'", text);
	*kib = (value * scale + 1023) / 1024;
	return 0;
}

static int parse_memory(struct parser *p, xmlNodePtr node, void *obj)
{
	p->memory_node = node;
	return parse_size_kib(p, node, &p->def->memory_kib);
}

static int parse_current_memory(struct parser *p, xmlNodePtr node, void *obj)
{
	p->current_node = node;
	return parse_size_kib(p, node, &p->current_kib);
}

static int parse_vcpu(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "placement", NULL };
	cleanup_free char *placement = get_attr(node, "placement");
	cleanup_free char *text = NULL;
	uint64_t n;

	if (check_attrs(p, node, attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (placement != NULL && strcmp(placement, "static") != 0)
		return fail_attr_value(p, node, "placement", "only static placement is supported");
	if (!parse_u64(text, &n) || n < 1 || n > VCPUS_MAX)
		return fail_node(p, node, "must be a number from 1 to 255, not '%s'", text);
	p->def->vcpus = (unsigned int)n;
	return 0;
}

static int parse_os_type(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "arch", "machine", NULL };
	cleanup_free char *arch = get_attr(node, "arch");
	cleanup_free char *machine = get_attr(node, "machine");
	cleanup_free char *text = NULL;

	if (check_attrs(p, node, attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (arch != NULL && strcmp(arch, "x86_64") != 0)
		return fail_attr_value(p, node, "arch", "only x86_64 is supported");
	if (machine == NULL)
		return fail_missing_attr(p, node, "machine");
	if (strcmp(machine, "microvm") == 0)
		p->def->machine = DRV_MACHINE_MICROVM;
	else if (strcmp(machine, "q35") == 0 ||
		 (strncmp(machine, "pc-q35-", 7) == 0 && is_word(machine + 7, "0123456789.", 16)))
		p->def->machine = DRV_MACHINE_Q35;
	else
		return fail_attr_value(p, node, "machine", "must be microvm, q35 or pc-q35-*");
	if (strcmp(text, "hvm") != 0)
		return fail_node(p, node, "must be hvm, not '%s'", text);
	return 0;
}

static int parse_path_text(struct parser *p, xmlNodePtr node, char **out)
{
	cleanup_free char *text = NULL;
	const char *problem;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if ((problem = path_problem(text)) != NULL)
		return fail_node(p, node, "%s, not '%s'", problem, text);
	*out = steal_pointer(&text);
	return 0;
}

static int parse_kernel(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_path_text(p, node, &p->def->kernel);
}

static int parse_initrd(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_path_text(p, node, &p->def->initrd);
}

static int parse_cmdline(struct parser *p, xmlNodePtr node, void *obj)
{
	cleanup_free char *text = NULL;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (strlen(text) > CMDLINE_MAX_LEN)
		return fail_node(p, node, "is longer than %d bytes", CMDLINE_MAX_LEN);
	if (has_control_char(text))
		return fail_node(p, node, "contains a control character");
	p->def->cmdline = steal_pointer(&text);
	return 0;
}

static int parse_os(struct parser *p, xmlNodePtr node, void *obj)
{
	static const struct child_rule rules[] = {
		{ "type", parse_os_type, RULE_ONCE | RULE_REQUIRED },
		{ "kernel", parse_kernel, RULE_ONCE | RULE_REQUIRED },
		{ "initrd", parse_initrd, RULE_ONCE },
		{ "cmdline", parse_cmdline, RULE_ONCE },
	};

	if (check_attrs(p, node, no_attrs) < 0 ||
	    parse_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL) < 0)
		return -1;
	return 0;
}

static int parse_acpi(struct parser *p, xmlNodePtr node, void *obj)
{
	if (check_attrs(p, node, no_attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	p->def->acpi = true;
	return 0;
}

static int parse_tb_cache(struct parser *p, xmlNodePtr node, void *obj)
{
	if (parse_size_kib(p, node, &p->def->tb_cache_kib) < 0)
		return -1;
	if (p->def->tb_cache_kib < 1024)
		return fail_node(p, node, "must be at least 1 MiB");
	return 0;
}

static int parse_tcg(struct parser *p, xmlNodePtr node, void *obj)
{
	static const struct child_rule rules[] = { { "tb-cache", parse_tb_cache, RULE_ONCE } };

	if (check_attrs(p, node, no_attrs) < 0)
		return -1;
	return parse_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

static int parse_features(struct parser *p, xmlNodePtr node, void *obj)
{
	static const struct child_rule rules[] = { { "acpi", parse_acpi, RULE_ONCE },
						   { "tcg", parse_tcg, RULE_ONCE } };

	if (check_attrs(p, node, no_attrs) < 0)
		return -1;
	return parse_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

static const char *const action_names[] = { "destroy", "restart", "preserve" };

static int parse_lifecycle(struct parser *p, xmlNodePtr node, void *obj)
{
	enum drv_action *out = obj;
	cleanup_free char *text = NULL;
	int action;

	if (check_attrs(p, node, no_attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	action = lookup(text, action_names, VS_ARRAY_SIZE(action_names));
	if (action < 0)
		return fail_node(p, node, "must be destroy, restart or preserve, not '%s'", text);
	*out = (enum drv_action)action;
	return 0;
}

static int parse_on_poweroff(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_lifecycle(p, node, &p->def->on_poweroff);
}

static int parse_on_reboot(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_lifecycle(p, node, &p->def->on_reboot);
}

static int parse_on_crash(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_lifecycle(p, node, &p->def->on_crash);
}

/* ---- <devices> ---- */

/* A required path attribute; *out is left alone when it fails. */
static int path_attr(struct parser *p, xmlNodePtr node, const char *name, bool required, char **out)
{
	cleanup_free char *value = get_attr(node, name);
	const char *problem;

	if (value == NULL)
		return required ? fail_missing_attr(p, node, name) : 0;
	if ((problem = path_problem(value)) != NULL)
		return fail_attr_value(p, node, name, "%s", problem);
	free(*out);
	*out = steal_pointer(&value);
	return 0;
}

static int parse_emulator(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_path_text(p, node, &p->def->emulator);
}

static int parse_readonly(struct parser *p, xmlNodePtr node, void *obj)
{
	bool *readonly = obj;

	if (check_attrs(p, node, no_attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	*readonly = true;
	return 0;
}

static int parse_disk_readonly(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_readonly(p, node, &((struct drv_disk *)obj)->readonly);
}

static int parse_disk_driver(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "name", "type", NULL };
	static const char *const formats[] = { "raw", "qcow2" };
	struct drv_disk *disk = obj;
	cleanup_free char *name = get_attr(node, "name");
	cleanup_free char *type = get_attr(node, "type");
	int format;

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (name != NULL && strcmp(name, "qemu") != 0)
		return fail_attr_value(p, node, "name", "only the qemu driver is supported");
	if (type == NULL)
		return 0;
	format = lookup(type, formats, VS_ARRAY_SIZE(formats));
	if (format < 0)
		return fail_attr_value(p, node, "type", "must be raw or qcow2");
	disk->format = (enum drv_disk_format)format;
	return 0;
}

static int parse_disk_source(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "file", NULL };
	struct drv_disk *disk = obj;

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	return path_attr(p, node, "file", true, &disk->source);
}

static int parse_disk_target(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dev", "bus", NULL };
	struct drv_disk *disk = obj;
	cleanup_free char *dev = get_attr(node, "dev");
	cleanup_free char *bus = get_attr(node, "bus");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (dev == NULL)
		return fail_missing_attr(p, node, "dev");
	if (strncmp(dev, "vd", 2) != 0 || !is_word(dev + 2, "abcdefghijklmnopqrstuvwxyz", 3))
		return fail_attr_value(p, node, "dev", "must be vd followed by 1 to 3 letters");
	if (bus != NULL && strcmp(bus, "virtio") != 0)
		return fail_attr_value(p, node, "bus", "only the virtio bus is supported");
	for (size_t i = 0; i + 1 < p->def->n_disks; i++)
		if (strcmp(p->def->disks[i].target, dev) == 0)
			return fail_attr_value(p, node, "dev", "duplicate disk target");
	disk->target = steal_pointer(&dev);
	return 0;
}

static int parse_disk(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "device", NULL };
	static const struct child_rule rules[] = {
		{ "driver", parse_disk_driver, RULE_ONCE },
		{ "source", parse_disk_source, RULE_ONCE | RULE_REQUIRED },
		{ "target", parse_disk_target, RULE_ONCE | RULE_REQUIRED },
		{ "readonly", parse_disk_readonly, RULE_ONCE },
	};
	cleanup_free char *type = get_attr(node, "type");
	cleanup_free char *device = get_attr(node, "device");
	struct drv_disk *disk;

	if (check_attrs(p, node, attrs) < 0 ||
	    expect_attr_value(p, node, "type", type, "file", "only file disks are supported") < 0)
		return -1;
	if (device != NULL && strcmp(device, "disk") != 0)
		return fail_attr_value(p, node, "device", "only disk devices are supported");
	if (p->def->n_disks == DEVICES_MAX)
		return fail_node(p, node, "more than %d disks", DEVICES_MAX);
	p->def->disks = grow(p->def->disks, &p->def->n_disks, sizeof(*p->def->disks));
	disk = &p->def->disks[p->def->n_disks - 1];
	return parse_children(p, node, rules, VS_ARRAY_SIZE(rules), disk, NULL);
}

static int parse_fs_driver(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	struct drv_fs *fs = obj;
	cleanup_free char *type = get_attr(node, "type");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (type == NULL || strcmp(type, "path") == 0)
		fs->driver = DRV_FS_9P;
	else if (strcmp(type, "virtiofs") == 0)
		fs->driver = DRV_FS_VIRTIOFS;
	else
		return fail_attr_value(p, node, "type", "must be path or virtiofs");
	return 0;
}

static int parse_fs_source(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dir", NULL };
	struct drv_fs *fs = obj;

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	return path_attr(p, node, "dir", true, &fs->source);
}

static int parse_fs_target(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dir", NULL };
	struct drv_fs *fs = obj;
	cleanup_free char *tag = get_attr(node, "dir");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (tag == NULL)
		return fail_missing_attr(p, node, "dir");
	if (!is_word(tag, WORD_CHARS, TAG_MAX_LEN))
		return fail_attr_value(p, node, "dir",
				       "a mount tag must be 1 to 31 characters from "
				       "[A-Za-z0-9_.-]");
	for (size_t i = 0; i + 1 < p->def->n_fs; i++)
		if (strcmp(p->def->fs[i].target, tag) == 0)
			return fail_attr_value(p, node, "dir", "duplicate mount tag");
	fs->target = steal_pointer(&tag);
	return 0;
}

static int parse_fs_readonly(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_readonly(p, node, &((struct drv_fs *)obj)->readonly);
}

static const char *const fs_access_names[] = { "passthrough", "mapped", "squash" };

static int parse_filesystem(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "accessmode", NULL };
	static const struct child_rule rules[] = {
		{ "driver", parse_fs_driver, RULE_ONCE },
		{ "source", parse_fs_source, RULE_ONCE | RULE_REQUIRED },
		{ "target", parse_fs_target, RULE_ONCE | RULE_REQUIRED },
		{ "readonly", parse_fs_readonly, RULE_ONCE },
	};
	cleanup_free char *type = get_attr(node, "type");
	cleanup_free char *mode = get_attr(node, "accessmode");
	struct drv_fs *fs;
	int access = DRV_FS_ACCESS_PASSTHROUGH;

	if (check_attrs(p, node, attrs) < 0)
		return -1;
	if (type != NULL && strcmp(type, "mount") != 0)
		return fail_attr_value(p, node, "type", "only mount filesystems are supported");
	if (mode != NULL &&
	    (access = lookup(mode, fs_access_names, VS_ARRAY_SIZE(fs_access_names))) < 0)
		return fail_attr_value(p, node, "accessmode",
				       "must be passthrough, mapped or squash");
	if (p->def->n_fs == DEVICES_MAX)
		return fail_node(p, node, "more than %d filesystems", DEVICES_MAX);
	p->def->fs = grow(p->def->fs, &p->def->n_fs, sizeof(*p->def->fs));
	fs = &p->def->fs[p->def->n_fs - 1];
	fs->access = (enum drv_fs_access)access;
	if (parse_children(p, node, rules, VS_ARRAY_SIZE(rules), fs, NULL) < 0)
		return -1;
	if (fs->driver == DRV_FS_VIRTIOFS && fs->access != DRV_FS_ACCESS_PASSTHROUGH)
		return fail_attr_value(p, node, "accessmode",
				       "virtiofs supports only accessmode='passthrough'");
	return 0;
}

static int parse_net_mac(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "address", NULL };
	struct drv_net *net = obj;
	cleanup_free char *address = get_attr(node, "address");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (address == NULL)
		return fail_missing_attr(p, node, "address");
	if (!parse_mac(address, net->mac))
		return fail_attr_value(p, node, "address",
				       "must be a unicast MAC address like 52:54:00:12:34:56");
	return 0;
}

static int parse_net_model(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	cleanup_free char *type = get_attr(node, "type");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	return expect_attr_value(p, node, "type", type, "virtio", "only virtio is supported");
}

static int parse_interface(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct child_rule rules[] = {
		{ "mac", parse_net_mac, RULE_ONCE },
		{ "model", parse_net_model, RULE_ONCE | RULE_REQUIRED },
	};
	cleanup_free char *type = get_attr(node, "type");

	if (check_attrs(p, node, attrs) < 0)
		return -1;
	if (expect_attr_value(p, node, "type", type, "user", "only user networking is supported") <
	    0)
		return -1;
	if (p->def->n_nets == DEVICES_MAX)
		return fail_node(p, node, "more than %d interfaces", DEVICES_MAX);
	p->def->nets = grow(p->def->nets, &p->def->n_nets, sizeof(*p->def->nets));
	return parse_children(p, node, rules, VS_ARRAY_SIZE(rules),
			      &p->def->nets[p->def->n_nets - 1], NULL);
}

/* <source> of a <serial> or <console>: its attributes depend on the type. */
static int parse_chr_source(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const file_attrs[] = { "path", "append", NULL };
	static const char *const pty_attrs[] = { "path", NULL };
	static const char *const unix_attrs[] = { "mode", "path", NULL };
	struct drv_chr *chr = obj;
	cleanup_free char *append = get_attr(node, "append");
	cleanup_free char *mode = get_attr(node, "mode");

	if (expect_empty(p, node) < 0)
		return -1;
	switch (chr->type) {
	case DRV_CHR_FILE:
		if (check_attrs(p, node, file_attrs) < 0)
			return -1;
		if (append != NULL && strcmp(append, "on") != 0 && strcmp(append, "off") != 0)
			return fail_attr_value(p, node, "append", "must be on or off");
		chr->append = append != NULL && strcmp(append, "on") == 0;
		return path_attr(p, node, "path", true, &chr->path);
	case DRV_CHR_PTY:
		if (check_attrs(p, node, pty_attrs) < 0)
			return -1;
		return path_attr(p, node, "path", false, &chr->path);
	case DRV_CHR_UNIX:
		if (check_attrs(p, node, unix_attrs) < 0)
			return -1;
		if (mode == NULL)
			return fail_missing_attr(p, node, "mode");
		if (strcmp(mode, "bind") != 0)
			return fail_attr_value(p, node, "mode", "only bind is supported");
		return path_attr(p, node, "path", true, &chr->path);
	case DRV_CHR_NULL:
		break;
	}
	return fail_element(p, node);
}

static int check_port_zero(struct parser *p, xmlNodePtr node)
{
	cleanup_free char *port = get_attr(node, "port");

	if (port != NULL && strcmp(port, "0") != 0)
		return fail_attr_value(p, node, "port", "only port 0 is supported");
	return 0;
}

static int parse_serial_target(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "port", NULL };
	cleanup_free char *type = get_attr(node, "type");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0 ||
	    check_port_zero(p, node) < 0)
		return -1;
	if (type != NULL && strcmp(type, "isa-serial") != 0)
		return fail_attr_value(p, node, "type", "only isa-serial is supported");
	return 0;
}

static int parse_console_target(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "port", NULL };
	struct drv_chr *chr = obj;
	cleanup_free char *type = get_attr(node, "type");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0 ||
	    check_port_zero(p, node) < 0)
		return -1;
	if (type == NULL || strcmp(type, "serial") == 0)
		chr->virtio = false;
	else if (strcmp(type, "virtio") == 0)
		chr->virtio = true;
	else
		return fail_attr_value(p, node, "type", "must be serial or virtio");
	return 0;
}

static const char *const chr_type_names[] = { "null", "file", "pty", "unix" };

static int parse_chr(struct parser *p, xmlNodePtr node, struct drv_chr *chr, bool console)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct child_rule serial_rules[] = {
		{ "source", parse_chr_source, RULE_ONCE },
		{ "target", parse_serial_target, RULE_ONCE },
	};
	static const struct child_rule console_rules[] = {
		{ "source", parse_chr_source, RULE_ONCE },
		{ "target", parse_console_target, RULE_ONCE },
	};
	cleanup_free char *type = get_attr(node, "type");
	unsigned int seen;
	int t;

	if (check_attrs(p, node, attrs) < 0)
		return -1;
	if (type == NULL)
		return fail_missing_attr(p, node, "type");
	t = lookup(type, chr_type_names, VS_ARRAY_SIZE(chr_type_names));
	if (t <= DRV_CHR_NULL)
		return fail_attr_value(p, node, "type", "must be file, pty or unix");
	chr->type = (enum drv_chr_type)t;
	if (parse_children(p, node, console ? console_rules : serial_rules, 2, chr, &seen) < 0)
		return -1;
	if (!(seen & 1u) && chr->type != DRV_CHR_PTY)
		return fail_missing_child(p, node, "source");
	return 0;
}

static int parse_serial(struct parser *p, xmlNodePtr node, void *obj)
{
	return parse_chr(p, node, &p->def->serial, false);
}

static int parse_console(struct parser *p, xmlNodePtr node, void *obj)
{
	p->console_node = node;
	return parse_chr(p, node, &p->def->console, true);
}

static int parse_channel_source(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "mode", "path", NULL };
	struct drv_channel *ch = obj;
	cleanup_free char *mode = get_attr(node, "mode");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (expect_attr_value(p, node, "mode", mode, "bind", "only bind is supported") < 0)
		return -1;
	return path_attr(p, node, "path", false, &ch->path);
}

static int parse_channel_target(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "name", NULL };
	struct drv_channel *ch = obj;
	cleanup_free char *type = get_attr(node, "type");
	cleanup_free char *name = get_attr(node, "name");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (expect_attr_value(p, node, "type", type, "virtio",
			      "only virtio channels are supported") < 0)
		return -1;
	if (name == NULL)
		return fail_missing_attr(p, node, "name");
	if (!is_word(name, WORD_CHARS, CHANNEL_NAME_MAX_LEN))
		return fail_attr_value(p, node, "name",
				       "must be 1 to 127 characters from [A-Za-z0-9_.-]");
	for (size_t i = 0; i + 1 < p->def->n_channels; i++)
		if (strcmp(p->def->channels[i].target_name, name) == 0)
			return fail_attr_value(p, node, "name", "duplicate channel name");
	ch->target_name = steal_pointer(&name);
	return 0;
}

static int parse_channel(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct child_rule rules[] = {
		{ "source", parse_channel_source, RULE_ONCE },
		{ "target", parse_channel_target, RULE_ONCE | RULE_REQUIRED },
	};
	cleanup_free char *type = get_attr(node, "type");

	if (check_attrs(p, node, attrs) < 0)
		return -1;
	if (expect_attr_value(p, node, "type", type, "unix", "only unix channels are supported") <
	    0)
		return -1;
	if (p->def->n_channels == CHANNELS_MAX)
		return fail_node(p, node, "more than %d channels", CHANNELS_MAX);
	p->def->channels = grow(p->def->channels, &p->def->n_channels, sizeof(*p->def->channels));
	return parse_children(p, node, rules, VS_ARRAY_SIZE(rules),
			      &p->def->channels[p->def->n_channels - 1], NULL);
}

static int parse_rng_backend(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "model", NULL };
	cleanup_free char *model = get_attr(node, "model");
	cleanup_free char *text = NULL;

	if (check_attrs(p, node, attrs) < 0 || expect_text(p, node, &text) < 0)
		return -1;
	if (expect_attr_value(p, node, "model", model, "random",
			      "only the random backend is supported") < 0)
		return -1;
	if (text[0] != '\0' && strcmp(text, "/dev/urandom") != 0)
		return fail_node(p, node, "only /dev/urandom is supported, not '%s'", text);
	return 0;
}

static int parse_rng(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "model", NULL };
	static const struct child_rule rules[] = { { "backend", parse_rng_backend,
						     RULE_ONCE | RULE_REQUIRED } };
	cleanup_free char *model = get_attr(node, "model");

	if (check_attrs(p, node, attrs) < 0 ||
	    expect_attr_value(p, node, "model", model, "virtio", "only virtio is supported") < 0)
		return -1;
	if (parse_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL) < 0)
		return -1;
	p->def->rng = true;
	return 0;
}

static int parse_memballoon(struct parser *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "model", NULL };
	cleanup_free char *model = get_attr(node, "model");

	if (check_attrs(p, node, attrs) < 0 || expect_empty(p, node) < 0)
		return -1;
	if (model == NULL)
		return fail_missing_attr(p, node, "model");
	if (strcmp(model, "virtio") == 0)
		p->def->memballoon = true;
	else if (strcmp(model, "none") == 0)
		p->def->memballoon = false;
	else
		return fail_attr_value(p, node, "model", "must be virtio or none");
	return 0;
}

static int parse_devices(struct parser *p, xmlNodePtr node, void *obj)
{
	static const struct child_rule rules[] = {
		{ "emulator", parse_emulator, RULE_ONCE },
		{ "disk", parse_disk, 0 },
		{ "filesystem", parse_filesystem, 0 },
		{ "interface", parse_interface, 0 },
		{ "serial", parse_serial, RULE_ONCE },
		{ "console", parse_console, RULE_ONCE },
		{ "channel", parse_channel, 0 },
		{ "rng", parse_rng, RULE_ONCE },
		{ "memballoon", parse_memballoon, RULE_ONCE },
	};

	if (check_attrs(p, node, no_attrs) < 0)
		return -1;
	return parse_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What can only be checked once the whole document has been read. */
static int check_whole(struct parser *p, xmlNodePtr root)
{
	const struct domain_def *def = p->def;

	if (def->name == NULL)
		return fail_missing_child(p, root, "name");
	if (p->memory_node == NULL)
		return fail_missing_child(p, root, "memory");
	if (def->kernel == NULL)
		return fail_missing_child(p, root, "os");
	if (p->current_node != NULL && p->current_kib != def->memory_kib)
		return fail_node(p, p->current_node,
				 "must be the same as <memory> (ballooning is not supported)");
	/* libvirt's serial console is the first serial port under another name. */
	if (def->console.type != DRV_CHR_NULL && !def->console.virtio &&
	    def->serial.type != DRV_CHR_NULL &&
	    (def->console.type != def->serial.type ||
	     !same_string(def->console.path, def->serial.path) ||
	     def->console.append != def->serial.append))
		return fail_node(p, p->console_node,
				 "a serial console must have the same type and source as <serial>");
	return 0;
}

static int parse_root(struct parser *p, xmlNodePtr root)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct child_rule rules[] = {
		{ "name", parse_name, RULE_ONCE },
		{ "uuid", parse_uuid_element, RULE_ONCE },
		{ "metadata", parse_metadata, RULE_ONCE },
		{ "memory", parse_memory, RULE_ONCE },
		{ "currentMemory", parse_current_memory, RULE_ONCE },
		{ "vcpu", parse_vcpu, RULE_ONCE },
		{ "os", parse_os, RULE_ONCE },
		{ "features", parse_features, RULE_ONCE },
		{ "on_poweroff", parse_on_poweroff, RULE_ONCE },
		{ "on_reboot", parse_on_reboot, RULE_ONCE },
		{ "on_crash", parse_on_crash, RULE_ONCE },
		{ "devices", parse_devices, RULE_ONCE },
	};
	cleanup_free char *type = get_attr(root, "type");
	enum drv_accel type_accel;

	if (!xmlStrEqual(root->name, BAD_CAST "domain"))
		return vs_error_set(p->err, 0, "%s: the root element must be <domain>, not <%s>",
				    p->source, (const char *)root->name);
	if (root->ns != NULL)
		return vs_error_set(p->err, 0, "%s: <domain> must not be in an XML namespace",
				    p->source);
	if (check_attrs(p, root, attrs) < 0)
		return -1;
	if (type == NULL)
		return fail_missing_attr(p, root, "type");
	if (strcmp(type, "kvm") == 0)
		type_accel = DRV_ACCEL_KVM;
	else if (strcmp(type, "qemu") == 0)
		type_accel = DRV_ACCEL_TCG;
	else
		return fail_attr_value(p, root, "type", "must be kvm or qemu");

	p->def->vcpus = 1;
	p->def->on_poweroff = DRV_ACTION_DESTROY;
	p->def->on_reboot = DRV_ACTION_RESTART;
	p->def->on_crash = DRV_ACTION_DESTROY;
	if (parse_children(p, root, rules, VS_ARRAY_SIZE(rules), NULL, NULL) < 0 ||
	    check_whole(p, root) < 0)
		return -1;
	if (!p->meta_accel)
		p->def->accel = type_accel;
	return 0;
}

static struct domain_def *parse_document(const char *xml, const char *source, struct vs_error **err)
{
	cleanup_domain_def struct domain_def *def = vs_xcalloc(1, sizeof(*def));
	struct parser p = { .source = source, .err = err, .def = def };
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
		vs_error_set(err, ENOMEM, "%s: cannot create an XML parser", source);
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
	struct domain_def *def = parse_document(xml, source, err);

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

/* ---- formatting ---- */

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
	vs_xmlw_text_element(x, "on_poweroff", action_names[def->on_poweroff]);
	vs_xmlw_text_element(x, "on_reboot", action_names[def->on_reboot]);
	vs_xmlw_text_element(x, "on_crash", action_names[def->on_crash]);
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
		vs_xmlw_start(x, "source");
		vs_xmlw_attr(x, "file", d->source);
		vs_xmlw_end(x);
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
		vs_xmlw_attr(x, "accessmode", fs_access_names[fs->access]);
		vs_xmlw_start(x, "driver");
		vs_xmlw_attr(x, "type", fs->driver == DRV_FS_VIRTIOFS ? "virtiofs" : "path");
		vs_xmlw_end(x);
		vs_xmlw_start(x, "source");
		vs_xmlw_attr(x, "dir", fs->source);
		vs_xmlw_end(x);
		vs_xmlw_start(x, "target");
		vs_xmlw_attr(x, "dir", fs->target);
		vs_xmlw_end(x);
		if (fs->readonly)
			vs_xmlw_empty(x, "readonly");
		vs_xmlw_end(x);
	}
}

static void w_interfaces(struct vs_xmlw *x, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_nets; i++) {
		vs_xmlw_start(x, "interface");
		vs_xmlw_attr(x, "type", "user");
		if (def->nets[i].mac[0] != '\0') {
			vs_xmlw_start(x, "mac");
			vs_xmlw_attr(x, "address", def->nets[i].mac);
			vs_xmlw_end(x);
		}
		vs_xmlw_start(x, "model");
		vs_xmlw_attr(x, "type", "virtio");
		vs_xmlw_end(x);
		vs_xmlw_end(x);
	}
}

static void w_chr(struct vs_xmlw *x, const char *element, const struct drv_chr *chr)
{
	if (chr->type == DRV_CHR_NULL)
		return;
	vs_xmlw_start(x, element);
	vs_xmlw_attr(x, "type", chr_type_names[chr->type]);
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
	vs_xmlw_start(x, "memballoon");
	vs_xmlw_attr(x, "model", def->memballoon ? "virtio" : "none");
	vs_xmlw_end(x);
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
	    parse_document(out, "<formatted>", &check_err);
	if (again == NULL) {
		vs_error_set(err, 0, "cannot format domain `%s`: %s", name, check_err->msg);
		return NULL;
	}
	return steal_pointer(&out);
}

static void chr_clear(struct drv_chr *chr)
{
	free(chr->path);
}

void drv_domain_def_free(struct domain_def *def)
{
	if (def == NULL)
		return;
	free(def->name);
	free(def->kernel);
	free(def->initrd);
	free(def->cmdline);
	free(def->emulator);
	for (size_t i = 0; i < def->n_fs; i++) {
		free(def->fs[i].source);
		free(def->fs[i].target);
	}
	free(def->fs);
	for (size_t i = 0; i < def->n_channels; i++) {
		free(def->channels[i].path);
		free(def->channels[i].target_name);
	}
	free(def->channels);
	chr_clear(&def->serial);
	chr_clear(&def->console);
	for (size_t i = 0; i < def->n_disks; i++) {
		free(def->disks[i].source);
		free(def->disks[i].target);
	}
	free(def->disks);
	free(def->nets);
	free(def);
}

const char *drv_accel_name(enum drv_accel accel)
{
	if ((size_t)accel < VS_ARRAY_SIZE(accel_names))
		return accel_names[accel];
	return "unknown";
}
