/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The strict reading of domain XML that the parse rules are made of (see
 * domain_xml.h): errors that name a node by its path below <domain>, with
 * a [n] index when siblings share a name,
 *
 *   domain.xml: unsupported element <devices/hostdev>
 *   domain.xml: <devices/filesystem[2]/source dir='x'>: must be an absolute path
 *
 * the checks of values, the walk over child elements, and the words the
 * XML uses for enum values.
 */
#include "driver/domain_xml.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define NAME_MAX_LEN 128
#define PATH_MAX_LEN 4095

const char *const drv_domain_xml_accels[3] = { "auto", "kvm", "tcg" };
const char *const drv_domain_xml_actions[3] = { "destroy", "restart", "preserve" };
const char *const drv_domain_xml_fs_accesses[3] = { "passthrough", "mapped", "squash" };
const char *const drv_domain_xml_chr_types[4] = { "null", "file", "pty", "unix" };
const char *const drv_domain_xml_net_types[2] = { "user", "ethernet" };

const char *drv_accel_name(enum drv_accel accel)
{
	if ((size_t)accel < VS_ARRAY_SIZE(drv_domain_xml_accels))
		return drv_domain_xml_accels[accel];
	return "unknown";
}

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

char *drv_domain_xml_attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
	char *s = v != NULL ? vs_xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

int drv_domain_xml_fail_element(struct drv_domain_xml *p, xmlNodePtr node)
{
	cleanup_free char *path = node_path(node);

	return vs_error_set(p->err, 0, "%s: unsupported element <%s>", p->source, path);
}

static int fail_attr(struct drv_domain_xml *p, xmlNodePtr node, xmlAttrPtr a)
{
	cleanup_free char *path = node_path(node);
	cleanup_free char *name = attr_name(a);
	xmlChar *raw = xmlNodeListGetString(node->doc, a->children, 1);
	cleanup_free char *value = vs_xstrdup(raw != NULL ? (const char *)raw : "");

	xmlFree(raw);

	return vs_error_set(p->err, 0, "%s: unsupported attribute <%s %s='%s'>", p->source, path,
			    name, value);
}

int drv_domain_xml_fail_missing_attr(struct drv_domain_xml *p, xmlNodePtr node, const char *name)
{
	cleanup_free char *path = node_path(node);

	return vs_error_set(p->err, 0, "%s: <%s>: missing attribute '%s'", p->source, path, name);
}

int drv_domain_xml_fail_missing_child(struct drv_domain_xml *p, xmlNodePtr parent, const char *name)
{
	cleanup_free char *path = node_path(parent);

	if (parent->parent == NULL || parent->parent->type != XML_ELEMENT_NODE)
		return vs_error_set(p->err, 0, "%s: missing element <%s>", p->source, name);
	return vs_error_set(p->err, 0, "%s: missing element <%s/%s>", p->source, path, name);
}

int drv_domain_xml_fail_duplicate(struct drv_domain_xml *p, xmlNodePtr node)
{
	cleanup_free char *path = node_path(node);

	return vs_error_set(p->err, 0, "%s: duplicate element <%s>", p->source, path);
}

/* The reason part of a message (a new string). */
VS_PRINTF(1, 0)
static char *format_reason(const char *fmt, va_list ap)
{
	char *reason;

	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	return reason;
}

int drv_domain_xml_fail_attr_value(struct drv_domain_xml *p, xmlNodePtr node, const char *attr,
				   const char *fmt, ...)
{
	cleanup_free char *path = node_path(node);
	cleanup_free char *value = drv_domain_xml_attr(node, attr);
	cleanup_free char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	reason = format_reason(fmt, ap);
	va_end(ap);
	return vs_error_set(p->err, 0, "%s: <%s %s='%s'>: %s", p->source, path, attr,
			    value ? value : "", reason);
}

int drv_domain_xml_fail_node(struct drv_domain_xml *p, xmlNodePtr node, const char *fmt, ...)
{
	cleanup_free char *path = node_path(node);
	cleanup_free char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	reason = format_reason(fmt, ap);
	va_end(ap);
	return vs_error_set(p->err, 0, "%s: <%s>: %s", p->source, path, reason);
}

/* ---- value checks: each returns NULL when fine, else the reason ---- */

bool drv_domain_xml_has_control_char(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return true;
	return false;
}

const char *drv_domain_xml_path_problem(const char *s)
{
	if (s[0] != '/')
		return "must be an absolute path";
	if (strlen(s) > PATH_MAX_LEN)
		return "is longer than 4095 bytes";
	if (drv_domain_xml_has_control_char(s))
		return "contains a control character";
	return NULL;
}

bool drv_domain_xml_is_word(const char *s, const char *set, size_t max)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, set) == n;
}

bool drv_domain_xml_name_valid(const char *s)
{
	return drv_domain_xml_is_word(s, DRV_DOMAIN_XML_WORD_CHARS "+", NAME_MAX_LEN) &&
	       s[0] != '.' && s[0] != '-';
}

bool drv_domain_xml_parse_u64(const char *s, uint64_t *out)
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

bool drv_domain_xml_parse_uuid(const char *s, unsigned char uuid[16])
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

bool drv_domain_xml_parse_mac(const char *s, char out[18])
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

bool drv_domain_xml_unit_scale(const char *unit, uint64_t *scale)
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

int drv_domain_xml_check_other_content(struct drv_domain_xml *p, xmlNodePtr node, xmlNodePtr child)
{
	switch (child->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (!is_blank(child->content))
			return drv_domain_xml_fail_node(p, node, "unexpected text '%s'",
							(const char *)child->content);
		return 0;
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return 0;
	default:
		return drv_domain_xml_fail_node(p, node, "unexpected content");
	}
}

int drv_domain_xml_expect_empty(struct drv_domain_xml *p, xmlNodePtr node)
{
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return drv_domain_xml_fail_element(p, c);
		if (drv_domain_xml_check_other_content(p, node, c) < 0)
			return -1;
	}
	return 0;
}

int drv_domain_xml_expect_text(struct drv_domain_xml *p, xmlNodePtr node, char **out)
{
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return drv_domain_xml_fail_element(p, c);
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE &&
		    c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE)
			return drv_domain_xml_fail_node(p, node, "unexpected content");
	}
	xmlChar *text = xmlNodeGetContent(node);

	*out = vs_xstrdup(text != NULL ? (const char *)text : "");
	xmlFree(text);
	return 0;
}

int drv_domain_xml_path_text(struct drv_domain_xml *p, xmlNodePtr node, char **out)
{
	cleanup_free char *text = NULL;
	const char *problem;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if ((problem = drv_domain_xml_path_problem(text)) != NULL)
		return drv_domain_xml_fail_node(p, node, "%s, not '%s'", problem, text);
	*out = steal_pointer(&text);
	return 0;
}

int drv_domain_xml_check_attrs(struct drv_domain_xml *p, xmlNodePtr node,
			       const char *const *allowed)
{
	for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) {
		bool known = false;

		for (const char *const *n = allowed; n != NULL && a->ns == NULL && *n != NULL; n++)
			known = known || xmlStrEqual(a->name, BAD_CAST * n);
		if (!known)
			return fail_attr(p, node, a);
	}
	return 0;
}

int drv_domain_xml_expect_attr_value(struct drv_domain_xml *p, xmlNodePtr node, const char *name,
				     const char *value, const char *wanted, const char *why)
{
	if (value == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, name);
	if (strcmp(value, wanted) != 0)
		return drv_domain_xml_fail_attr_value(p, node, name, "%s", why);
	return 0;
}

bool drv_domain_xml_in_ns(xmlNodePtr node, const char *ns)
{
	if (ns == NULL)
		return node->ns == NULL;
	return node->ns != NULL && xmlStrEqual(node->ns->href, BAD_CAST ns);
}

int drv_domain_xml_children_ns(struct drv_domain_xml *p, xmlNodePtr node, const char *ns,
			       const struct drv_domain_xml_rule *rules, size_t n_rules, void *obj,
			       unsigned int *seen)
{
	unsigned int mask = 0;

	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		size_t i;

		if (c->type != XML_ELEMENT_NODE) {
			if (drv_domain_xml_check_other_content(p, node, c) < 0)
				return -1;
			continue;
		}
		for (i = 0; i < n_rules; i++)
			if (drv_domain_xml_in_ns(c, ns) &&
			    xmlStrEqual(c->name, BAD_CAST rules[i].name))
				break;
		if (i == n_rules)
			return drv_domain_xml_fail_element(p, c);
		if ((rules[i].flags & RULE_ONCE) && (mask & (1u << i)))
			return drv_domain_xml_fail_duplicate(p, c);
		mask |= 1u << i;
		if (rules[i].parse(p, c, obj) < 0)
			return -1;
	}
	for (size_t i = 0; i < n_rules; i++)
		if ((rules[i].flags & RULE_REQUIRED) && !(mask & (1u << i)))
			return drv_domain_xml_fail_missing_child(p, node, rules[i].name);
	if (seen != NULL)
		*seen = mask;
	return 0;
}

int drv_domain_xml_children(struct drv_domain_xml *p, xmlNodePtr node,
			    const struct drv_domain_xml_rule *rules, size_t n_rules, void *obj,
			    unsigned int *seen)
{
	return drv_domain_xml_children_ns(p, node, NULL, rules, n_rules, obj, seen);
}

int drv_domain_xml_lookup(const char *value, const char *const *names, size_t n)
{
	for (size_t i = 0; value != NULL && i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	return -1;
}
