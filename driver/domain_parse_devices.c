/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain XML -> struct domain_def: <devices> and everything below it
 * (emulator, disks, filesystems, interfaces, serial and console, channels,
 * rng, memballoon).  The same strict rules as domain_parse.c: anything
 * outside the subset is an error naming the node.
 */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "driver/domain_xml.h"

#define TAG_MAX_LEN	     31 /* QEMU refuses longer 9p mount tags */
#define CHANNEL_NAME_MAX_LEN 127
#define CHANNELS_MAX	     30 /* virtio-serial ports 1..30; port 0 is the console's */
#define DEVICES_MAX	     DRV_DOMAIN_DEVICES_MAX
#define IFNAME_MAX_LEN	     15 /* IFNAMSIZ - 1 */

/* A required path attribute; *out is left alone when it fails. */
static int path_attr(struct drv_domain_xml *p, xmlNodePtr node, const char *name, bool required,
		     char **out)
{
	cleanup_free char *value = drv_domain_xml_attr(node, name);
	const char *problem;

	if (value == NULL)
		return required ? drv_domain_xml_fail_missing_attr(p, node, name) : 0;
	if ((problem = drv_domain_xml_path_problem(value)) != NULL)
		return drv_domain_xml_fail_attr_value(p, node, name, "%s", problem);
	free(*out);
	*out = steal_pointer(&value);
	return 0;
}

static int parse_emulator(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return drv_domain_xml_path_text(p, node, &p->def->emulator);
}

static int parse_readonly(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	bool *readonly = obj;

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	*readonly = true;
	return 0;
}

static int parse_disk_readonly(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return parse_readonly(p, node, &((struct drv_disk *)obj)->readonly);
}

static int parse_disk_driver(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "name", "type", NULL };
	static const char *const formats[] = { "raw", "qcow2" };
	struct drv_disk *disk = obj;
	cleanup_free char *name = drv_domain_xml_attr(node, "name");
	cleanup_free char *type = drv_domain_xml_attr(node, "type");
	int format;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (name != NULL && strcmp(name, "qemu") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "name",
						      "only the qemu driver is supported");
	if (type == NULL)
		return 0;
	format = drv_domain_xml_lookup(type, formats, VS_ARRAY_SIZE(formats));
	if (format < 0)
		return drv_domain_xml_fail_attr_value(p, node, "type", "must be raw or qcow2");
	disk->format = (enum drv_disk_format)format;
	return 0;
}

static int parse_disk_source(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "file", NULL };
	struct drv_disk *disk = obj;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	return path_attr(p, node, "file", true, &disk->source);
}

static int parse_disk_target(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dev", "bus", NULL };
	struct drv_disk *disk = obj;
	cleanup_free char *dev = drv_domain_xml_attr(node, "dev");
	cleanup_free char *bus = drv_domain_xml_attr(node, "bus");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (dev == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "dev");
	if (strncmp(dev, "vd", 2) != 0 ||
	    !drv_domain_xml_is_word(dev + 2, "abcdefghijklmnopqrstuvwxyz", 3))
		return drv_domain_xml_fail_attr_value(p, node, "dev",
						      "must be vd followed by 1 to 3 letters");
	if (bus != NULL && strcmp(bus, "virtio") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "bus",
						      "only the virtio bus is supported");
	for (size_t i = 0; i + 1 < p->def->n_disks; i++)
		if (strcmp(p->def->disks[i].target, dev) == 0)
			return drv_domain_xml_fail_attr_value(p, node, "dev",
							      "duplicate disk target");
	disk->target = steal_pointer(&dev);
	return 0;
}

static int parse_disk(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "device", NULL };
	static const struct drv_domain_xml_rule rules[] = {
		{ "driver", parse_disk_driver, RULE_ONCE },
		{ "source", parse_disk_source, RULE_ONCE | RULE_REQUIRED },
		{ "target", parse_disk_target, RULE_ONCE | RULE_REQUIRED },
		{ "readonly", parse_disk_readonly, RULE_ONCE },
	};
	cleanup_free char *type = drv_domain_xml_attr(node, "type");
	cleanup_free char *device = drv_domain_xml_attr(node, "device");
	struct drv_disk *disk;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_attr_value(p, node, "type", type, "file",
					     "only file disks are supported") < 0)
		return -1;
	if (device != NULL && strcmp(device, "disk") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "device",
						      "only disk devices are supported");
	if (p->def->n_disks == DEVICES_MAX)
		return drv_domain_xml_fail_node(p, node, "more than %d disks", DEVICES_MAX);
	disk = drv_domain_def_add_disk(p->def);
	return drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), disk, NULL);
}

static int parse_fs_driver(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	struct drv_fs *fs = obj;
	cleanup_free char *type = drv_domain_xml_attr(node, "type");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (type == NULL || strcmp(type, "path") == 0)
		fs->driver = DRV_FS_9P;
	else if (strcmp(type, "virtiofs") == 0)
		fs->driver = DRV_FS_VIRTIOFS;
	else
		return drv_domain_xml_fail_attr_value(p, node, "type", "must be path or virtiofs");
	return 0;
}

static int parse_fs_source(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dir", NULL };
	struct drv_fs *fs = obj;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	return path_attr(p, node, "dir", true, &fs->source);
}

static int parse_fs_target(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dir", NULL };
	struct drv_fs *fs = obj;
	cleanup_free char *tag = drv_domain_xml_attr(node, "dir");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (tag == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "dir");
	if (!drv_domain_xml_is_word(tag, DRV_DOMAIN_XML_WORD_CHARS, TAG_MAX_LEN))
		return drv_domain_xml_fail_attr_value(p, node, "dir",
						      "a mount tag must be 1 to 31 characters from "
						      "[A-Za-z0-9_.-]");
	for (size_t i = 0; i + 1 < p->def->n_fs; i++)
		if (strcmp(p->def->fs[i].target, tag) == 0)
			return drv_domain_xml_fail_attr_value(p, node, "dir",
							      "duplicate mount tag");
	fs->target = steal_pointer(&tag);
	return 0;
}

static int parse_fs_readonly(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return parse_readonly(p, node, &((struct drv_fs *)obj)->readonly);
}

static int parse_filesystem(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "accessmode", NULL };
	static const struct drv_domain_xml_rule rules[] = {
		{ "driver", parse_fs_driver, RULE_ONCE },
		{ "source", parse_fs_source, RULE_ONCE | RULE_REQUIRED },
		{ "target", parse_fs_target, RULE_ONCE | RULE_REQUIRED },
		{ "readonly", parse_fs_readonly, RULE_ONCE },
	};
	cleanup_free char *type = drv_domain_xml_attr(node, "type");
	cleanup_free char *mode = drv_domain_xml_attr(node, "accessmode");
	struct drv_fs *fs;
	int access = DRV_FS_ACCESS_PASSTHROUGH;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0)
		return -1;
	if (type != NULL && strcmp(type, "mount") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "type",
						      "only mount filesystems are supported");
	if (mode != NULL &&
	    (access = drv_domain_xml_lookup(mode, drv_domain_xml_fs_accesses,
					    VS_ARRAY_SIZE(drv_domain_xml_fs_accesses))) < 0)
		return drv_domain_xml_fail_attr_value(p, node, "accessmode",
						      "must be passthrough, mapped or squash");
	if (p->def->n_fs == DEVICES_MAX)
		return drv_domain_xml_fail_node(p, node, "more than %d filesystems", DEVICES_MAX);
	fs = drv_domain_def_add_fs(p->def);
	fs->access = (enum drv_fs_access)access;
	if (drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), fs, NULL) < 0)
		return -1;
	if (fs->driver == DRV_FS_VIRTIOFS && fs->access != DRV_FS_ACCESS_PASSTHROUGH)
		return drv_domain_xml_fail_attr_value(
		    p, node, "accessmode", "virtiofs supports only accessmode='passthrough'");
	return 0;
}

static int parse_net_mac(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "address", NULL };
	struct drv_net *net = obj;
	cleanup_free char *address = drv_domain_xml_attr(node, "address");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (address == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "address");
	if (!drv_domain_xml_parse_mac(address, net->mac))
		return drv_domain_xml_fail_attr_value(
		    p, node, "address", "must be a unicast MAC address like 52:54:00:12:34:56");
	return 0;
}

static int parse_net_model(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	cleanup_free char *type = drv_domain_xml_attr(node, "type");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	return drv_domain_xml_expect_attr_value(p, node, "type", type, "virtio",
						"only virtio is supported");
}

/* <target dev='vstap0' managed='no'/>: the tap the caller hands over. */
static int parse_net_target(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "dev", "managed", NULL };
	struct drv_net *net = obj;
	cleanup_free char *dev = drv_domain_xml_attr(node, "dev");
	cleanup_free char *managed = drv_domain_xml_attr(node, "managed");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (dev == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "dev");
	if (!drv_domain_xml_is_word(dev, DRV_DOMAIN_XML_WORD_CHARS, IFNAME_MAX_LEN))
		return drv_domain_xml_fail_attr_value(
		    p, node, "dev",
		    "must be an interface name: 1 to %d characters of [A-Za-z0-9_.-]",
		    IFNAME_MAX_LEN);
	if (drv_domain_xml_expect_attr_value(p, node, "managed", managed, "no",
					     "the driver never creates a tap: it must be no") < 0)
		return -1;
	net->target = steal_pointer(&dev);
	return 0;
}

static int parse_net_mtu(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "size", NULL };
	struct drv_net *net = obj;
	cleanup_free char *size = drv_domain_xml_attr(node, "size");
	uint64_t mtu;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (size == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "size");
	if (!drv_domain_xml_parse_u64(size, &mtu) || mtu < 68 || mtu > 65535)
		return drv_domain_xml_fail_attr_value(p, node, "size",
						      "must be a number between 68 and 65535");
	net->mtu = (unsigned int)mtu;
	return 0;
}

static int parse_interface(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct drv_domain_xml_rule rules[] = {
		{ "mac", parse_net_mac, RULE_ONCE },
		{ "model", parse_net_model, RULE_ONCE | RULE_REQUIRED },
		{ "target", parse_net_target, RULE_ONCE },
		{ "mtu", parse_net_mtu, RULE_ONCE },
	};
	cleanup_free char *type = drv_domain_xml_attr(node, "type");
	struct drv_net *net;
	int kind;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0)
		return -1;
	if (type == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "type");
	kind = drv_domain_xml_lookup(type, drv_domain_xml_net_types,
				     VS_ARRAY_SIZE(drv_domain_xml_net_types));
	if (kind < 0)
		return drv_domain_xml_fail_attr_value(
		    p, node, "type", "only user and ethernet interfaces are supported");
	if (p->def->n_nets == DEVICES_MAX)
		return drv_domain_xml_fail_node(p, node, "more than %d interfaces", DEVICES_MAX);
	net = drv_domain_def_add_net(p->def);
	net->type = (enum drv_net_type)kind;
	if (drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), net, NULL) < 0)
		return -1;
	if (net->type == DRV_NET_ETHERNET && net->target == NULL)
		return drv_domain_xml_fail_missing_child(p, node, "target");
	if (net->type == DRV_NET_USER && net->target != NULL)
		return drv_domain_xml_fail_node(p, node,
						"a user interface has no <target>: QEMU makes it");
	for (size_t i = 0; net->target != NULL && i + 1 < p->def->n_nets; i++)
		if (p->def->nets[i].target != NULL &&
		    strcmp(p->def->nets[i].target, net->target) == 0)
			return drv_domain_xml_fail_node(p, node, "target `%s` is used twice",
							net->target);
	return 0;
}

/* <source> of a <serial> or <console>: its attributes depend on the type. */
static int parse_chr_source(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const file_attrs[] = { "path", "append", NULL };
	static const char *const pty_attrs[] = { "path", NULL };
	static const char *const unix_attrs[] = { "mode", "path", NULL };
	struct drv_chr *chr = obj;
	cleanup_free char *append = drv_domain_xml_attr(node, "append");
	cleanup_free char *mode = drv_domain_xml_attr(node, "mode");

	if (drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	switch (chr->type) {
	case DRV_CHR_FILE:
		if (drv_domain_xml_check_attrs(p, node, file_attrs) < 0)
			return -1;
		if (append != NULL && strcmp(append, "on") != 0 && strcmp(append, "off") != 0)
			return drv_domain_xml_fail_attr_value(p, node, "append",
							      "must be on or off");
		chr->append = append != NULL && strcmp(append, "on") == 0;
		return path_attr(p, node, "path", true, &chr->path);
	case DRV_CHR_PTY:
		if (drv_domain_xml_check_attrs(p, node, pty_attrs) < 0)
			return -1;
		return path_attr(p, node, "path", false, &chr->path);
	case DRV_CHR_UNIX:
		if (drv_domain_xml_check_attrs(p, node, unix_attrs) < 0)
			return -1;
		if (mode == NULL)
			return drv_domain_xml_fail_missing_attr(p, node, "mode");
		if (strcmp(mode, "bind") != 0)
			return drv_domain_xml_fail_attr_value(p, node, "mode",
							      "only bind is supported");
		return path_attr(p, node, "path", true, &chr->path);
	case DRV_CHR_NULL:
		break;
	}
	return drv_domain_xml_fail_element(p, node);
}

static int check_port_zero(struct drv_domain_xml *p, xmlNodePtr node)
{
	cleanup_free char *port = drv_domain_xml_attr(node, "port");

	if (port != NULL && strcmp(port, "0") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "port", "only port 0 is supported");
	return 0;
}

static int parse_serial_target(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "port", NULL };
	cleanup_free char *type = drv_domain_xml_attr(node, "type");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0 || check_port_zero(p, node) < 0)
		return -1;
	if (type != NULL && strcmp(type, "isa-serial") != 0)
		return drv_domain_xml_fail_attr_value(p, node, "type",
						      "only isa-serial is supported");
	return 0;
}

static int parse_console_target(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "port", NULL };
	struct drv_chr *chr = obj;
	cleanup_free char *type = drv_domain_xml_attr(node, "type");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0 || check_port_zero(p, node) < 0)
		return -1;
	if (type == NULL || strcmp(type, "serial") == 0)
		chr->virtio = false;
	else if (strcmp(type, "virtio") == 0)
		chr->virtio = true;
	else
		return drv_domain_xml_fail_attr_value(p, node, "type", "must be serial or virtio");
	return 0;
}

static int parse_chr(struct drv_domain_xml *p, xmlNodePtr node, struct drv_chr *chr, bool console)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct drv_domain_xml_rule serial_rules[] = {
		{ "source", parse_chr_source, RULE_ONCE },
		{ "target", parse_serial_target, RULE_ONCE },
	};
	static const struct drv_domain_xml_rule console_rules[] = {
		{ "source", parse_chr_source, RULE_ONCE },
		{ "target", parse_console_target, RULE_ONCE },
	};
	cleanup_free char *type = drv_domain_xml_attr(node, "type");
	unsigned int seen;
	int t;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0)
		return -1;
	if (type == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "type");
	t = drv_domain_xml_lookup(type, drv_domain_xml_chr_types,
				  VS_ARRAY_SIZE(drv_domain_xml_chr_types));
	if (t <= DRV_CHR_NULL)
		return drv_domain_xml_fail_attr_value(p, node, "type", "must be file, pty or unix");
	chr->type = (enum drv_chr_type)t;
	if (drv_domain_xml_children(p, node, console ? console_rules : serial_rules, 2, chr,
				    &seen) < 0)
		return -1;
	if (!(seen & 1u) && chr->type != DRV_CHR_PTY)
		return drv_domain_xml_fail_missing_child(p, node, "source");
	return 0;
}

static int parse_serial(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	return parse_chr(p, node, &p->def->serial, false);
}

static int parse_console(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	p->console_node = node;
	return parse_chr(p, node, &p->def->console, true);
}

static int parse_channel_source(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "mode", "path", NULL };
	struct drv_channel *ch = obj;
	cleanup_free char *mode = drv_domain_xml_attr(node, "mode");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (drv_domain_xml_expect_attr_value(p, node, "mode", mode, "bind",
					     "only bind is supported") < 0)
		return -1;
	return path_attr(p, node, "path", false, &ch->path);
}

static int parse_channel_target(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", "name", NULL };
	struct drv_channel *ch = obj;
	cleanup_free char *type = drv_domain_xml_attr(node, "type");
	cleanup_free char *name = drv_domain_xml_attr(node, "name");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (drv_domain_xml_expect_attr_value(p, node, "type", type, "virtio",
					     "only virtio channels are supported") < 0)
		return -1;
	if (name == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "name");
	if (!drv_domain_xml_is_word(name, DRV_DOMAIN_XML_WORD_CHARS, CHANNEL_NAME_MAX_LEN))
		return drv_domain_xml_fail_attr_value(
		    p, node, "name", "must be 1 to 127 characters from [A-Za-z0-9_.-]");
	for (size_t i = 0; i + 1 < p->def->n_channels; i++)
		if (strcmp(p->def->channels[i].target_name, name) == 0)
			return drv_domain_xml_fail_attr_value(p, node, "name",
							      "duplicate channel name");
	ch->target_name = steal_pointer(&name);
	return 0;
}

static int parse_channel(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct drv_domain_xml_rule rules[] = {
		{ "source", parse_channel_source, RULE_ONCE },
		{ "target", parse_channel_target, RULE_ONCE | RULE_REQUIRED },
	};
	cleanup_free char *type = drv_domain_xml_attr(node, "type");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0)
		return -1;
	if (drv_domain_xml_expect_attr_value(p, node, "type", type, "unix",
					     "only unix channels are supported") < 0)
		return -1;
	if (p->def->n_channels == CHANNELS_MAX)
		return drv_domain_xml_fail_node(p, node, "more than %d channels", CHANNELS_MAX);
	return drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules),
				       drv_domain_def_add_channel(p->def), NULL);
}

static int parse_rng_backend(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "model", NULL };
	cleanup_free char *model = drv_domain_xml_attr(node, "model");
	cleanup_free char *text = NULL;

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_text(p, node, &text) < 0)
		return -1;
	if (drv_domain_xml_expect_attr_value(p, node, "model", model, "random",
					     "only the random backend is supported") < 0)
		return -1;
	if (text[0] != '\0' && strcmp(text, "/dev/urandom") != 0)
		return drv_domain_xml_fail_node(p, node, "only /dev/urandom is supported, not '%s'",
						text);
	return 0;
}

static int parse_rng(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "model", NULL };
	static const struct drv_domain_xml_rule rules[] = { { "backend", parse_rng_backend,
							      RULE_ONCE | RULE_REQUIRED } };
	cleanup_free char *model = drv_domain_xml_attr(node, "model");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_attr_value(p, node, "model", model, "virtio",
					     "only virtio is supported") < 0)
		return -1;
	if (drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL) < 0)
		return -1;
	p->def->rng = true;
	return 0;
}

static int parse_memballoon(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const char *const attrs[] = { "model", NULL };
	cleanup_free char *model = drv_domain_xml_attr(node, "model");

	if (drv_domain_xml_check_attrs(p, node, attrs) < 0 ||
	    drv_domain_xml_expect_empty(p, node) < 0)
		return -1;
	if (model == NULL)
		return drv_domain_xml_fail_missing_attr(p, node, "model");
	if (strcmp(model, "virtio") == 0)
		p->def->memballoon = true;
	else if (strcmp(model, "none") == 0)
		p->def->memballoon = false;
	else
		return drv_domain_xml_fail_attr_value(p, node, "model", "must be virtio or none");
	return 0;
}

int drv_domain_parse_devices(struct drv_domain_xml *p, xmlNodePtr node, void *obj)
{
	static const struct drv_domain_xml_rule rules[] = {
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

	if (drv_domain_xml_check_attrs(p, node, NULL) < 0)
		return -1;
	return drv_domain_xml_children(p, node, rules, VS_ARRAY_SIZE(rules), NULL, NULL);
}
