/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status files: ROOT/run/qemu/NAME.xml holds the live definition wrapped in
 * <domstatus state= pid= starttime= accel=>, as libvirt keeps it, so that
 * a driver opened again on the root finds its running domains.
 *
 * This file only stores: it writes, reads and removes status files (and
 * the sockets named in them) and knows nothing of QEMU or QMP.  What a
 * status file means for a domain is lifecycle.c's and conn.c's business.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "driver/priv.h"

#define STATUS_MAX_SIZE (1u << 20)

static const char *const state_names[] = { "running", "paused", "shutoff" };

int drv_status_save(const struct drv_domain *dom, struct vs_error **err)
{
	cleanup_free char *xml = drv_domain_format(dom->def, err);
	cleanup_free char *doc = NULL;
	const char *body;

	if (xml == NULL)
		return -1;
	body = xml;
	if (strncmp(body, "<?xml", 5) == 0 && (body = strchr(body, '\n')) != NULL)
		body++;
	doc = vs_xasprintf("<domstatus state='%s' pid='%d' starttime='%llu' accel='%s'>\n%s"
			   "</domstatus>\n",
			   state_names[dom->state], (int)dom->pid, dom->start_time,
			   drv_accel_name(dom->accel), body ? body : xml);
	if (vs_write_file_atomic(dom->status_path, doc, strlen(doc), 0600, err) < 0)
		return vs_error_prefix(err, "cannot save the status of domain `%s`",
				       dom->def->name);
	return 0;
}

void drv_status_remove(const struct drv_domain *dom)
{
	unlink(dom->status_path);
	unlink(dom->qmp_path);
	unlink(dom->pid_path);
	for (size_t i = 0; i < dom->def->n_channels; i++)
		if (dom->def->channels[i].path != NULL &&
		    strncmp(dom->def->channels[i].path, dom->conn->run_dir,
			    strlen(dom->conn->run_dir)) == 0)
			unlink(dom->def->channels[i].path);
}

static char *attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *s = v ? vs_xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

int drv_status_load(const char *path, struct drv_status *status, struct vs_error **err)
{
	cleanup_free char *text = NULL, *state = NULL, *pid = NULL, *start = NULL, *accel = NULL;
	cleanup_free char *inner = NULL;
	xmlDocPtr doc;
	xmlNodePtr root, child;
	xmlBufferPtr buf;

	if (vs_read_file(path, STATUS_MAX_SIZE, &text, NULL, err) < 0)
		return -1;
	doc = xmlReadMemory(text, (int)strlen(text), path, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return vs_error_set(err, 0, "`%s` is not well-formed XML", path);
	root = xmlDocGetRootElement(doc);
	for (child = root ? root->children : NULL; child; child = child->next)
		if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST "domain"))
			break;
	if (root == NULL || !xmlStrEqual(root->name, BAD_CAST "domstatus") || child == NULL) {
		xmlFreeDoc(doc);
		return vs_error_set(err, 0, "`%s` is not a domain status file", path);
	}
	state = attr(root, "state");
	pid = attr(root, "pid");
	start = attr(root, "starttime");
	accel = attr(root, "accel");
	buf = xmlBufferCreate();
	xmlNodeDump(buf, doc, child, 0, 0);
	inner = vs_xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeDoc(doc);

	status->def = drv_domain_parse_string(inner, path, err);
	if (status->def == NULL)
		return -1;
	status->pid = pid ? (pid_t)strtol(pid, NULL, 10) : 0;
	status->start_time = start ? strtoull(start, NULL, 10) : 0;
	status->state =
	    state && strcmp(state, "paused") == 0 ? DRV_STATE_PAUSED : DRV_STATE_RUNNING;
	status->accel = accel && strcmp(accel, "kvm") == 0 ? DRV_ACCEL_KVM : DRV_ACCEL_TCG;
	return 0;
}
