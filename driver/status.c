/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status files: ROOT/run/qemu/NAME.xml holds the live definition wrapped in
 * <domstatus state= pid= starttime= accel=>, as libvirt keeps it, so that
 * a driver opened again on the root finds its running domains.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/priv.h"
#include "driver/process.h"

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

/* Parses one status file into a domain of conn; the caller decides what to do with it. */
static struct drv_domain *status_load(struct drv_conn *conn, const char *path,
				      struct vs_error **err)
{
	cleanup_free char *text = NULL, *state = NULL, *pid = NULL, *start = NULL, *accel = NULL;
	cleanup_free char *inner = NULL;
	struct domain_def *def;
	struct drv_domain *dom;
	xmlDocPtr doc;
	xmlNodePtr root, child;
	xmlBufferPtr buf;

	if (vs_read_file(path, STATUS_MAX_SIZE, &text, NULL, err) < 0)
		return NULL;
	doc = xmlReadMemory(text, (int)strlen(text), path, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		vs_error_set(err, 0, "`%s` is not well-formed XML", path);
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	for (child = root ? root->children : NULL; child; child = child->next)
		if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST "domain"))
			break;
	if (root == NULL || !xmlStrEqual(root->name, BAD_CAST "domstatus") || child == NULL) {
		xmlFreeDoc(doc);
		vs_error_set(err, 0, "`%s` is not a domain status file", path);
		return NULL;
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

	def = drv_domain_parse_string(inner, path, err);
	if (def == NULL)
		return NULL;
	dom = drv_domain_new(conn, def);
	dom->pid = pid ? (pid_t)strtol(pid, NULL, 10) : 0;
	dom->start_time = start ? strtoull(start, NULL, 10) : 0;
	dom->state = state && strcmp(state, "paused") == 0 ? DRV_STATE_PAUSED : DRV_STATE_RUNNING;
	dom->accel = accel && strcmp(accel, "kvm") == 0 ? DRV_ACCEL_KVM : DRV_ACCEL_TCG;
	return dom;
}

/* Re-attaches to a running QEMU: pidfd, QMP, and its real run state. */
static int reconnect(struct drv_domain *dom, struct vs_error **err)
{
	yajl_val ret = NULL;
	const char *path[] = { "running", NULL };

	dom->pidfd = drv_process_pidfd(dom->pid, err);
	if (dom->pidfd < 0)
		return -1;
	/* Still our child when we are the same process after execve(). */
	siginfo_t info;
	dom->is_child = waitid(P_PID, (id_t)dom->pid, &info, WNOHANG | WEXITED | WNOWAIT) == 0;
	if (drv_domain_attach_monitor(dom, 5000, err) < 0)
		return -1;
	if (drv_qmp_command(dom->qmp, "query-status", NULL, 5000, &ret, err) < 0)
		return -1;
	yajl_val running = yajl_tree_get(ret, path, yajl_t_any);
	dom->state = YAJL_IS_TRUE(running) ? DRV_STATE_RUNNING : DRV_STATE_PAUSED;
	yajl_tree_free(ret);
	return drv_status_save(dom, err);
}

int drv_status_reconnect_all(struct drv_conn *conn, struct vs_error **err)
{
	cleanup_dir DIR *dir = opendir(conn->run_dir);
	struct dirent *de;

	if (dir == NULL)
		return vs_error_set(err, errno, "cannot read `%s`", conn->run_dir);
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name);
		cleanup_free char *path = NULL;
		cleanup_error struct vs_error *e = NULL;
		struct drv_domain *dom;

		if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		path = vs_xasprintf("%s/%s", conn->run_dir, de->d_name);
		dom = status_load(conn, path, &e);
		if (dom == NULL) {
			vs_warn("driver", "ignoring status file: %s", e->msg);
			unlink(path);
			continue;
		}
		if (!vs_proc_alive(dom->pid, dom->start_time)) {
			vs_debug("driver", "domain `%s` died with its owner; cleaning up",
				 dom->def->name);
			drv_status_remove(dom);
			conn->domains = dom->next;
			drv_domain_release(dom);
			continue;
		}
		vs_debug("driver", "reconnecting to domain `%s` (pid %d)", dom->def->name,
			 (int)dom->pid);
		if (reconnect(dom, &e) < 0) {
			/* A QEMU we cannot control must not run on unowned. */
			vs_warn("driver", "killing domain `%s` after a failed reconnect: %s",
				dom->def->name, e->msg);
			if (dom->pidfd >= 0)
				syscall(SYS_pidfd_send_signal, dom->pidfd, SIGKILL, NULL, 0);
			else
				kill(dom->pid, SIGKILL);
			drv_status_remove(dom);
			conn->domains = dom->next;
			drv_domain_release(dom);
		}
	}
	return 0;
}
