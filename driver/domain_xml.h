/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the domain XML files (driver/domain_*.c); never included
 * elsewhere.
 *
 * domain_xml.c holds what the parse rules are made of: the state of one
 * document being read, errors that name a node by its path below <domain>,
 * checks of attribute values and text, and the walk that dispatches child
 * elements to rules.  The parse rules live in domain_parse.c (<domain> and
 * its head elements) and domain_parse_devices.c (<devices>); the words the
 * XML uses for enum values are shared with domain_format.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "common/error.h"
#include "common/util.h"
#include "driver/domain.h"

/* Characters of names and tags: [A-Za-z0-9_.-]. */
#define DRV_DOMAIN_XML_WORD_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

/* The words of the XML for enum values, indexed by the enum. */
extern const char *const drv_domain_xml_accels[3];	/* enum drv_accel */
extern const char *const drv_domain_xml_actions[3];	/* enum drv_action */
extern const char *const drv_domain_xml_fs_accesses[3]; /* enum drv_fs_access */
extern const char *const drv_domain_xml_chr_types[4];	/* enum drv_chr_type */
extern const char *const drv_domain_xml_net_types[2];	/* enum drv_net_type */

/* One document being read. */
struct drv_domain_xml {
	const char *source; /* names the document in errors */
	struct vs_error **err;
	struct domain_def *def;
	/* What can only be checked once the whole document has been read: */
	xmlNodePtr memory_node, current_node;
	uint64_t current_kib;
	xmlNodePtr console_node;
	bool meta_accel; /* <vshim:accel> given: it overrides <domain type> */
};

/* ---- errors: each sets p->err once, names the node, and returns -1 ---- */

/* "SOURCE: unsupported element <PATH>" */
int drv_domain_xml_fail_element(struct drv_domain_xml *p, xmlNodePtr node);
/* "SOURCE: <PATH>: missing attribute 'NAME'" */
int drv_domain_xml_fail_missing_attr(struct drv_domain_xml *p, xmlNodePtr node, const char *name);
/* "SOURCE: missing element <PATH/NAME>" */
int drv_domain_xml_fail_missing_child(struct drv_domain_xml *p, xmlNodePtr parent,
				      const char *name);
/* "SOURCE: duplicate element <PATH>" */
int drv_domain_xml_fail_duplicate(struct drv_domain_xml *p, xmlNodePtr node);
/* "SOURCE: <PATH ATTR='VALUE'>: REASON" */
VS_PRINTF(4, 5)
int drv_domain_xml_fail_attr_value(struct drv_domain_xml *p, xmlNodePtr node, const char *attr,
				   const char *fmt, ...);
/* "SOURCE: <PATH>: REASON" */
VS_PRINTF(3, 4)
int drv_domain_xml_fail_node(struct drv_domain_xml *p, xmlNodePtr node, const char *fmt, ...);

/* ---- values ---- */

/* The value of attribute name (without namespace, a new string), or NULL. */
char *drv_domain_xml_attr(xmlNodePtr node, const char *name);
bool drv_domain_xml_has_control_char(const char *s);
/* NULL when s is an absolute path the driver accepts, else the reason. */
const char *drv_domain_xml_path_problem(const char *s);
/* Characters from set, 1..max of them. */
bool drv_domain_xml_is_word(const char *s, const char *set, size_t max);
/* A domain name: 1 to 128 of [A-Za-z0-9_.+-], not starting with '.' or '-'. */
bool drv_domain_xml_name_valid(const char *s);
/* Decimal digits only; false on overflow. */
bool drv_domain_xml_parse_u64(const char *s, uint64_t *out);
/* 8-4-4-4-12 hex digits, or 32 hex digits without dashes. */
bool drv_domain_xml_parse_uuid(const char *s, unsigned char uuid[16]);
/* A unicast MAC address "xx:xx:xx:xx:xx:xx", written out in lower case. */
bool drv_domain_xml_parse_mac(const char *s, char out[18]);
/*
 * libvirt's memory units: b and bytes; k, m, g, t, p, e alone or with "iB"
 * are powers of 1024, with "B" powers of 1000; case is not significant.
 * NULL is KiB.
 */
bool drv_domain_xml_unit_scale(const char *unit, uint64_t *scale);
/* Index of value in names, or -1. */
int drv_domain_xml_lookup(const char *value, const char *const *names, size_t n);

/* ---- elements ---- */

/* Non-element content of node: comments are fine, text must be blank. */
int drv_domain_xml_check_other_content(struct drv_domain_xml *p, xmlNodePtr node, xmlNodePtr child);
/* An element without children and without text. */
int drv_domain_xml_expect_empty(struct drv_domain_xml *p, xmlNodePtr node);
/* The text of an element that has no child elements (a new string). */
int drv_domain_xml_expect_text(struct drv_domain_xml *p, xmlNodePtr node, char **out);
/* The text of an element without attributes, which must pass drv_domain_xml_path_problem(). */
int drv_domain_xml_path_text(struct drv_domain_xml *p, xmlNodePtr node, char **out);
/*
 * Fails on the first attribute of node that is not in allowed, a
 * NULL-terminated list; NULL allows none.
 */
int drv_domain_xml_check_attrs(struct drv_domain_xml *p, xmlNodePtr node,
			       const char *const *allowed);
/* Attribute name of node, whose value is value, must be wanted; why says so otherwise. */
int drv_domain_xml_expect_attr_value(struct drv_domain_xml *p, xmlNodePtr node, const char *name,
				     const char *value, const char *wanted, const char *why);

enum {
	RULE_ONCE = 1,	   /* the element may appear at most once */
	RULE_REQUIRED = 2, /* it must appear */
};

/* How to read the child elements of one name; obj is what the parent passes down. */
struct drv_domain_xml_rule {
	const char *name;
	int (*parse)(struct drv_domain_xml *p, xmlNodePtr node, void *obj);
	unsigned int flags; /* RULE_* */
};

/* Whether node is in the namespace ns (NULL: in none). */
bool drv_domain_xml_in_ns(xmlNodePtr node, const char *ns);
/*
 * Dispatches every child element of node in the namespace ns (NULL: none)
 * to the rule of its name.  Unknown elements, elements of another namespace,
 * repeated once-only ones and missing required ones are errors.  Bit i of
 * *seen (when not NULL) tells whether rules[i] matched.
 */
int drv_domain_xml_children_ns(struct drv_domain_xml *p, xmlNodePtr node, const char *ns,
			       const struct drv_domain_xml_rule *rules, size_t n_rules, void *obj,
			       unsigned int *seen);
/* drv_domain_xml_children_ns() for children in no namespace. */
int drv_domain_xml_children(struct drv_domain_xml *p, xmlNodePtr node,
			    const struct drv_domain_xml_rule *rules, size_t n_rules, void *obj,
			    unsigned int *seen);

/* ---- the parse rules ---- */

/* domain_parse_devices.c: <devices> and everything below it. */
int drv_domain_parse_devices(struct drv_domain_xml *p, xmlNodePtr node, void *obj);

/* domain_parse.c: drv_domain_parse_string() without its debug line (the formatter's check). */
struct domain_def *drv_domain_parse_document(const char *xml, const char *source,
					     struct vs_error **err);
