/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A connection: what drv_open() and drv_close() do with a root.
 *
 * Opening locks the root (root.c), then finds the domains a previous owner
 * left behind through their status files (status.c): a QEMU that still runs
 * is re-attached (pidfd, QMP, its real run state), the leftovers of a dead
 * one are removed, and one that cannot be re-attached is killed.  Closing
 * destroys every domain still running (lifecycle.c), or leaves them for an
 * owner that is about to execve() itself, then releases the root.
 *
 * This file sits above lifecycle.c, status.c and root.c; none of them
 * calls into it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
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

/* A domain of conn from one status file, not yet re-attached. */
static struct drv_domain *load(struct drv_conn *conn, const char *path, struct vs_error **err)
{
	struct drv_status status;
	struct drv_domain *dom;

	if (drv_status_load(path, &status, err) < 0)
		return NULL;
	dom = drv_domain_new(conn, status.def);
	dom->pid = status.pid;
	dom->start_time = status.start_time;
	dom->state = status.state;
	dom->accel = status.accel;
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

/* Reads every status file in run_dir; reconnects live domains, removes dead ones' files. */
static int reconnect_all(struct drv_conn *conn, struct vs_error **err)
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
		dom = load(conn, path, &e);
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

struct drv_conn *drv_open(const char *root, struct vs_error **err)
{
	struct drv_conn *conn;

	if (root == NULL || root[0] != '/') {
		vs_error_set(err, 0, "driver root `%s` must be an absolute path", root ? root : "");
		return NULL;
	}
	vs_debug("driver", "opening root `%s`", root);
	conn = vs_xcalloc(1, sizeof(*conn));
	conn->lock_fd = -1;
	if (drv_root_open(conn, root, err) < 0 || reconnect_all(conn, err) < 0) {
		vs_error_prefix(err, "cannot open driver root `%s`", root);
		drv_close(conn);
		return NULL;
	}
	return conn;
}

static void release(struct drv_conn *conn, bool destroy)
{
	struct drv_domain *dom, *next;

	for (dom = conn->domains; dom != NULL; dom = next) {
		next = dom->next;
		if (destroy && !dom->ended) {
			cleanup_error struct vs_error *e = NULL;

			if (drv_domain_destroy(dom, &e) < 0)
				vs_warn("driver", "%s", e->msg);
		}
		drv_domain_release(dom);
	}
	drv_root_close(conn);
	free(conn);
}

void drv_close(struct drv_conn *conn)
{
	if (conn != NULL)
		release(conn, true);
}

void drv_close_keep_running(struct drv_conn *conn)
{
	if (conn != NULL)
		release(conn, false);
}

const char *drv_conn_root(const struct drv_conn *conn)
{
	return conn->root;
}
