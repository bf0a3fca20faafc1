/* SPDX-License-Identifier: Apache-2.0 */
/* A container's namespaces (ns.h). */
#include "guest/agent/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

static const struct {
	const char *proc_name; /* in /proc/PID/ns */
	int clone_flag;
} ns_info[AGENT_NS_COUNT] = {
	[AGENT_NS_IPC] = { "ipc", CLONE_NEWIPC }, [AGENT_NS_UTS] = { "uts", CLONE_NEWUTS },
	[AGENT_NS_NET] = { "net", CLONE_NEWNET }, [AGENT_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[AGENT_NS_PID] = { "pid", CLONE_NEWPID }, [AGENT_NS_MNT] = { "mnt", CLONE_NEWNS },
};

void agent_ns_plan(struct agent_ns_set *ns, const struct oci_linux *lx, bool vm_network)
{
	memset(ns, 0, sizeof(*ns));
	for (int kind = 0; kind < AGENT_NS_COUNT; kind++)
		ns->fds[kind] = -1;
	ns->own[AGENT_NS_MNT] = true;
	for (size_t i = 0; lx != NULL && i < lx->n_namespaces; i++) {
		const struct oci_namespace *n = &lx->namespaces[i];
		int kind = -1;

		switch (n->type) {
		case OCI_NS_PID:
			kind = AGENT_NS_PID;
			break;
		case OCI_NS_IPC:
			kind = AGENT_NS_IPC;
			break;
		case OCI_NS_UTS:
			kind = AGENT_NS_UTS;
			break;
		case OCI_NS_NETWORK:
			/* The namespace of the path is the VM's, or a new one with only lo. */
			ns->own[AGENT_NS_NET] = !vm_network;
			continue;
		case OCI_NS_CGROUP:
			kind = AGENT_NS_CGROUP;
			break;
		case OCI_NS_MOUNT:
			break;
		default:
			vs_warn("agent",
				"linux.namespaces[%zu]: user and time namespaces are not made "
				"in the VM",
				i);
			break;
		}
		if (kind < 0)
			continue;
		if (n->path != NULL) {
			vs_warn("agent",
				"linux.namespaces[%zu]: namespace path `%s` means nothing in "
				"the VM; the container shares the VM's",
				i, n->path);
			continue;
		}
		ns->own[kind] = true;
	}
}

int agent_ns_unshare(const struct agent_ns_set *ns, struct vs_error **err)
{
	int flags = 0;

	for (int kind = 0; kind < AGENT_NS_COUNT; kind++) {
		if (ns->own[kind] && kind != AGENT_NS_PID)
			flags |= ns_info[kind].clone_flag;
	}
	if (unshare(flags) < 0)
		return vs_error_set(err, errno, "cannot create the container's namespaces");
	return 0;
}

int agent_ns_join(const struct agent_ns_set *ns, struct vs_error **err)
{
	for (int kind = 0; kind < AGENT_NS_COUNT; kind++) {
		/* The pid namespace was entered by the agent before the fork. */
		if (kind == AGENT_NS_PID || !ns->own[kind])
			continue;
		if (setns(ns->fds[kind], ns_info[kind].clone_flag) < 0)
			return vs_error_set(err, errno, "cannot join the container's namespaces");
	}
	return 0;
}

int agent_ns_enter_pid(const struct agent_ns_set *ns, bool create, bool *moved,
		       struct vs_error **err)
{
	*moved = false;
	if (!ns->own[AGENT_NS_PID])
		return 0;
	if (create && unshare(CLONE_NEWPID) < 0)
		return vs_error_set(err, errno, "cannot create a pid namespace");
	if (!create && setns(ns->fds[AGENT_NS_PID], CLONE_NEWPID) < 0)
		return vs_error_set(err, errno, "cannot enter the container's pid namespace");
	*moved = true;
	return 0;
}

void agent_ns_leave_pid(int self_fd)
{
	if (setns(self_fd, CLONE_NEWPID) < 0)
		vs_warn("agent", "cannot return to the agent's pid namespace: %s", strerror(errno));
}

void agent_ns_open(struct agent_ns_set *ns, pid_t pid)
{
	for (int kind = 0; kind < AGENT_NS_COUNT; kind++) {
		cleanup_free char *path = NULL;
		struct stat st;

		if (!ns->own[kind])
			continue;
		path = vs_xasprintf("/proc/%d/ns/%s", (int)pid, ns_info[kind].proc_name);
		ns->fds[kind] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns->fds[kind] < 0)
			vs_warn("agent", "cannot open `%s`: %s", path, strerror(errno));
		else if (kind == AGENT_NS_PID && fstat(ns->fds[kind], &st) == 0)
			ns->pid_ino = st.st_ino;
	}
}

void agent_ns_close(struct agent_ns_set *ns)
{
	for (int kind = 0; kind < AGENT_NS_COUNT; kind++) {
		if (ns->fds[kind] >= 0)
			close(ns->fds[kind]);
		ns->fds[kind] = -1;
	}
}
