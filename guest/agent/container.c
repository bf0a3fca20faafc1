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
#include "guest/agent/ns.h"
#include "guest/agent/process.h"
#include "guest/agent/shares.h"
#include "oci/translate.h"

void agent_container_free(struct agent_container *c)
{
	if (c == NULL)
		return;
	agent_ns_close(&c->ns);
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

static void reply_error(struct agent *a, const struct proto_request *req, int errnum,
			const char *msg)
{
	proto_guest_error(&a->ch.out, req->tag, req->id, errnum, 0, msg);
}

void agent_container_create(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_container *c;
	struct oci_spec *spec;

	if (a->ctr != NULL) {
		reply_error(a, req, EEXIST, "a container was already created in this VM");
		return;
	}
	spec = oci_spec_parse(req->create.config, req->create.config_len, "config.json", &err);
	if (spec != NULL && (spec->process == NULL || spec->process->n_args == 0))
		vs_error_set(&err, EINVAL, "config.json: process.args is required");
	if (err != NULL) {
		reply_error(a, req, err->errnum ? err->errnum : EINVAL, err->msg);
		oci_spec_free(spec);
		return;
	}
	c = vs_xcalloc(1, sizeof(*c));
	c->spec = spec;
	agent_ns_plan(&c->ns, spec->linux_);
	c->id = vs_xstrdup(req->create.container_id);
	c->binds = vs_xcalloc(req->create.n_binds, sizeof(*c->binds));
	for (size_t i = 0; i < req->create.n_binds; i++) {
		const struct proto_bind *b = &req->create.binds[i];

		c->binds[i].index = b->index;
		c->binds[i].tag = vs_xstrdup(b->tag);
		c->binds[i].file = b->file != NULL ? vs_xstrdup(b->file) : NULL;
	}
	c->n_binds = req->create.n_binds;
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

	if (a->ctr == NULL || a->ctr->init_gone || a->ctr->ns.fds[AGENT_NS_MNT] < 0) {
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
	agent_ns_open(&a->ctr->ns, pid);
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
	agent_ns_close(&c->ns);
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

		if (!agent_container_sysctl_allowed(s->key, a->vm, c->ns.own))
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

	if ((spec->hostname != NULL || spec->domainname != NULL) && !c->ns.own[AGENT_NS_UTS])
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

	if (agent_ns_unshare(&c->ns, err) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vs_error_set(err, errno, "cannot make the mounts private");
	if (c->ns.own[AGENT_NS_NET])
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
