/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/agent/container.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/mounts.h"
#include "guest/agent/process.h"
#include "guest/agent/shares.h"
#include "oci/translate.h"

static const struct {
	const char *proc_name; /* in /proc/PID/ns */
	int clone_flag;
} ns_info[AGENT_NS_COUNT] = {
	[AGENT_NS_IPC] = { "ipc", CLONE_NEWIPC }, [AGENT_NS_UTS] = { "uts", CLONE_NEWUTS },
	[AGENT_NS_NET] = { "net", CLONE_NEWNET }, [AGENT_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[AGENT_NS_PID] = { "pid", CLONE_NEWPID }, [AGENT_NS_MNT] = { "mnt", CLONE_NEWNS },
};

void agent_container_free(struct agent_container *c)
{
	if (c == NULL)
		return;
	for (int ns = 0; ns < AGENT_NS_COUNT; ns++) {
		if (c->ns_fds[ns] >= 0)
			close(c->ns_fds[ns]);
	}
	for (size_t i = 0; i < c->n_binds; i++) {
		free((char *)c->binds[i].tag);
		free((char *)c->binds[i].file);
	}
	free(c->binds);
	oci_spec_free(c->spec);
	free(c->rootfs);
	free(c->id);
	free(c);
}

/* Which namespaces the container gets, from linux.namespaces. */
static void plan_namespaces(struct agent_container *c)
{
	const struct oci_linux *lx = c->spec->linux_;

	c->new_ns[AGENT_NS_MNT] = true;
	for (size_t i = 0; lx != NULL && i < lx->n_namespaces; i++) {
		const struct oci_namespace *ns = &lx->namespaces[i];
		int kind = -1;

		switch (ns->type) {
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
			kind = AGENT_NS_NET;
			break;
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
		if (ns->path != NULL) {
			vs_warn("agent",
				"linux.namespaces[%zu]: namespace path `%s` means nothing in "
				"the VM; the container shares the VM's",
				i, ns->path);
			continue;
		}
		c->new_ns[kind] = true;
	}
}

static void reply_error(struct agent *a, const struct proto_request *req, int errnum,
			const char *msg)
{
	proto_guest_error(&a->ch.out, req->tag, req->id, errnum, 0, msg);
}

void agent_container_create(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_container *c;

	if (a->ctr != NULL) {
		reply_error(a, req, EEXIST, "a container was already created in this VM");
		return;
	}
	c = vs_xcalloc(1, sizeof(*c));
	for (int ns = 0; ns < AGENT_NS_COUNT; ns++)
		c->ns_fds[ns] = -1;
	c->spec = oci_spec_parse(req->create.config, req->create.config_len, "config.json", &err);
	if (c->spec != NULL && (c->spec->process == NULL || c->spec->process->n_args == 0))
		vs_error_set(&err, EINVAL, "config.json: process.args is required");
	if (err != NULL) {
		reply_error(a, req, err->errnum ? err->errnum : EINVAL, err->msg);
		agent_container_free(c);
		return;
	}
	c->id = vs_xstrdup(req->create.container_id);
	c->binds = vs_xcalloc(req->create.n_binds, sizeof(*c->binds));
	for (size_t i = 0; i < req->create.n_binds; i++) {
		const struct proto_bind *b = &req->create.binds[i];

		c->binds[i].index = b->index;
		c->binds[i].tag = vs_xstrdup(b->tag);
		c->binds[i].file = b->file != NULL ? vs_xstrdup(b->file) : NULL;
	}
	c->n_binds = req->create.n_binds;
	plan_namespaces(c);
	c->rootfs = vs_xasprintf("%s/rootfs", a->run_dir);
	a->ctr = c;
	vs_debug("agent", "creating container `%s`", c->id);
	if (vs_mkdir_p(c->rootfs, 0755, &err) < 0 ||
	    agent_process_spawn(a, PROTO_INIT_ID, c->spec->process, true, req->tag, PROTO_CREATE,
				&err) == NULL) {
		reply_error(a, req, err->errnum, err->msg);
		agent_container_free(c);
		a->ctr = NULL;
	}
}

void agent_container_start(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_process *p = agent_process_find(a, PROTO_INIT_ID);

	if (a->ctr == NULL || p == NULL || p->reaped || p->sync_fd < 0) {
		reply_error(a, req, ESRCH, "the container process is not running");
		return;
	}
	if (p->state != AGENT_PROC_CREATED) {
		reply_error(a, req, EBUSY, "the container process is not waiting to start");
		return;
	}
	vs_debug("agent", "starting container `%s`", a->ctr->id);
	if (agent_process_start(a, p, req->tag, &err) < 0)
		reply_error(a, req, err->errnum, err->msg);
}

void agent_container_exec(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct oci_process *proc;

	if (a->ctr == NULL || a->ctr->init_gone || a->ctr->ns_fds[AGENT_NS_MNT] < 0) {
		reply_error(a, req, ESRCH, "the container is not running");
		return;
	}
	if (agent_process_find(a, req->id) != NULL) {
		reply_error(a, req, EEXIST, "the process id is in use");
		return;
	}
	proc = oci_process_parse(req->exec.process, req->exec.len, "process.json", &err);
	if (proc != NULL && proc->n_args == 0)
		vs_error_set(&err, EINVAL, "process.json: args is required");
	if (err == NULL)
		agent_process_spawn(a, req->id, proc, false, req->tag, PROTO_EXEC, &err);
	if (err != NULL)
		reply_error(a, req, err->errnum ? err->errnum : EINVAL, err->msg);
	/* The child has its own copy from here. */
	oci_process_free(proc);
}

void agent_container_init_ready(struct agent *a, pid_t pid)
{
	struct agent_container *c = a->ctr;

	for (int ns = 0; ns < AGENT_NS_COUNT; ns++) {
		cleanup_free char *path = NULL;
		struct stat st;

		if (!c->new_ns[ns])
			continue;
		path = vs_xasprintf("/proc/%d/ns/%s", (int)pid, ns_info[ns].proc_name);
		c->ns_fds[ns] = open(path, O_RDONLY | O_CLOEXEC);
		if (c->ns_fds[ns] < 0)
			vs_warn("agent", "cannot open `%s`: %s", path, strerror(errno));
		else if (ns == AGENT_NS_PID && fstat(c->ns_fds[ns], &st) == 0)
			c->pidns_ino = st.st_ino;
	}
}

void agent_container_init_gone(struct agent *a, bool created)
{
	struct agent_container *c = a->ctr;

	if (c == NULL)
		return;
	if (!created) {
		agent_container_free(c);
		a->ctr = NULL;
		return;
	}
	c->init_gone = true;
	for (int ns = 0; ns < AGENT_NS_COUNT; ns++) {
		if (c->ns_fds[ns] >= 0)
			close(c->ns_fds[ns]);
		c->ns_fds[ns] = -1;
	}
}

/* Child side. */

bool agent_container_sysctl_allowed(const char *key, bool vm, const bool new_ns[])
{
	static const struct {
		const char *prefix;
		enum agent_ns ns;
	} namespaced[] = {
		{ "net.", AGENT_NS_NET },
		{ "kernel.shm", AGENT_NS_IPC },
		{ "kernel.msg", AGENT_NS_IPC },
		{ "kernel.sem", AGENT_NS_IPC },
		{ "fs.mqueue.", AGENT_NS_IPC },
		{ "kernel.hostname", AGENT_NS_UTS },
		{ "kernel.domainname", AGENT_NS_UTS },
	};

	if (key[0] == '\0' || key[0] == '.' || key[0] == '/' || strstr(key, "..") != NULL)
		return false;
	if (vm)
		return true;
	for (size_t i = 0; i < VS_ARRAY_SIZE(namespaced); i++) {
		if (strncmp(key, namespaced[i].prefix, strlen(namespaced[i].prefix)) == 0)
			return new_ns[namespaced[i].ns];
	}
	return false;
}

static int set_sysctls(const struct agent *a, const struct agent_container *c,
		       struct vs_error **err)
{
	const struct oci_linux *lx = c->spec->linux_;

	for (size_t i = 0; lx != NULL && i < lx->n_sysctl; i++) {
		const struct oci_sysctl *s = &lx->sysctl[i];
		cleanup_free char *path = NULL;
		cleanup_close int fd = -1;

		if (!agent_container_sysctl_allowed(s->key, a->vm, c->new_ns))
			return vs_error_set(err, EPERM, "linux.sysctl: \"%s\" cannot be set here",
					    s->key);
		path = vs_xasprintf("/proc/sys/%s", s->key);
		for (char *p = path + strlen("/proc/sys/"); *p; p++) {
			if (*p == '.')
				*p = '/';
		}
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || vs_write_all(fd, s->value, strlen(s->value)) < 0)
			return vs_error_set(err, errno, "linux.sysctl: cannot set \"%s\"", s->key);
	}
	return 0;
}

static int set_names(const struct agent_container *c, struct vs_error **err)
{
	const struct oci_spec *spec = c->spec;

	if ((spec->hostname != NULL || spec->domainname != NULL) && !c->new_ns[AGENT_NS_UTS])
		return vs_error_set(err, EINVAL,
				    "a hostname or domainname needs a uts namespace of its own");
	if (spec->hostname != NULL && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return vs_error_set(err, errno, "cannot set hostname \"%s\"", spec->hostname);
	if (spec->domainname != NULL &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return vs_error_set(err, errno, "cannot set domainname \"%s\"", spec->domainname);
	return 0;
}

/* A new network namespace has its loopback down; containers expect it up. */
static void loopback_up(void)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		vs_warn("agent", "cannot bring up the loopback interface: %s", strerror(errno));
}

int agent_container_setup(struct agent *a, struct vs_error **err)
{
	const struct agent_container *c = a->ctr;
	const struct oci_spec *spec = c->spec;
	const struct oci_linux *lx = spec->linux_;
	cleanup_free char *stage = vs_xasprintf("%s/shares", a->run_dir);
	struct agent_shares shares = {
		.vm = a->vm,
		.share_dir = a->share_dir,
		.stage_dir = stage,
		/* The host shares a read-only root read-only (oci/translate.c). */
		.cached_tag = spec->root_readonly ? OCI_ROOTFS_TAG : NULL,
	};
	struct agent_mounts_ctx ctx = { .shares = &shares,
					.binds = c->binds,
					.n_binds = c->n_binds };
	cleanup_close int rootfd = -1;
	int flags = 0;

	for (int ns = 0; ns < AGENT_NS_COUNT; ns++) {
		if (c->new_ns[ns] && ns != AGENT_NS_PID)
			flags |= ns_info[ns].clone_flag;
	}
	if (unshare(flags) < 0)
		return vs_error_set(err, errno, "cannot create the container's namespaces");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vs_error_set(err, errno, "cannot make the mounts private");
	if (c->new_ns[AGENT_NS_NET])
		loopback_up();
	if (agent_shares_mount(&shares, OCI_ROOTFS_TAG, c->rootfs, 0, err) < 0)
		return -1;
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vs_error_set(err, errno, "cannot open `%s`", c->rootfs);
	if (agent_mounts_apply(&ctx, rootfd, spec, err) < 0)
		return -1;
	for (size_t i = 0; lx != NULL && i < lx->n_masked_paths; i++) {
		if (agent_mounts_mask(rootfd, lx->masked_paths[i], err) < 0)
			return -1;
	}
	for (size_t i = 0; lx != NULL && i < lx->n_readonly_paths; i++) {
		if (agent_mounts_readonly(rootfd, lx->readonly_paths[i], err) < 0)
			return -1;
	}
	if (set_sysctls(a, c, err) < 0 || set_names(c, err) < 0 ||
	    agent_mounts_pivot(c->rootfs, err) < 0 || agent_mounts_finish_root(spec, err) < 0)
		return -1;
	return 0;
}
