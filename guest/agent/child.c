/* SPDX-License-Identifier: Apache-2.0 */
/* What a forked child does until execve (child.h). */
#include "guest/agent/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "guest/agent/env.h"
#include "guest/agent/mounts.h"
#include "guest/agent/net.h"
#include "guest/agent/ns.h"
#include "guest/agent/path.h"
#include "guest/agent/pty.h"
#include "guest/agent/rootfs.h"
#include "guest/agent/security.h"
#include "guest/agent/shares.h"
#include "guest/agent/sync.h"
#include "guest/agent/sysctl.h"
#include "oci/translate.h"

/* Reports err to the agent and exits with status (1 when it stands for no exec failure). */
static _Noreturn void fail(const struct agent_child *c, int status, const struct vs_error *err)
{
	struct agent_sync_msg m = {
		.kind = AGENT_SYNC_FAILED,
		.errnum = err != NULL ? err->errnum : 0,
		.status = status,
	};

	snprintf(m.message, sizeof(m.message), "%s", err != NULL ? err->msg : "unknown failure");
	agent_sync_send(c->sync_fd, &m, -1, NULL);
	_exit(status != 0 ? status : 1);
}

static _Noreturn void fail_errno(const struct agent_child *c, const char *what)
{
	struct vs_error *err = NULL;

	vs_error_set(&err, errno, "%s", what);
	fail(c, 0, err);
}

/* The agent blocks every signal and ignores none; the process starts with nothing blocked. */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL); /* fails harmlessly for SIGKILL, SIGSTOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * The init process's child: the container's namespaces, its root file system
 * on the root share, /dev, masked and read-only paths, sysctls, hostname,
 * pivot_root and the working directory.
 */
static int setup_container(const struct agent *a, const struct agent_container *ctr,
			   struct vs_error **err)
{
	const struct oci_spec *spec = ctr->spec;
	const struct oci_linux *lx = spec->linux_;
	cleanup_free char *stage = vs_xasprintf("%s/shares", a->run_dir);
	cleanup_free char *overlay = vs_xasprintf("%s/overlay", a->run_dir);
	struct agent_shares shares = {
		.vm = a->vm,
		.share_dir = a->share_dir,
		.stage_dir = stage,
		/* The host shares a read-only root read-only (oci/translate.c). */
		.cached_tag = spec->root_readonly ? OCI_ROOTFS_TAG : NULL,
	};
	struct agent_mounts_ctx ctx = { .shares = &shares,
					.binds = ctr->binds,
					.n_binds = ctr->n_binds };
	cleanup_close int rootfd = -1;

	/* Refusals first: a mount point made in a writable root is made on the host. */
	if (agent_sysctl_check(spec, a->vm, ctr->ns.own, err) < 0 ||
	    agent_ns_unshare(&ctr->ns, err) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vs_error_set(err, errno, "cannot make the mounts private");
	if (ctr->ns.own[AGENT_NS_NET])
		agent_net_loopback_up();
	if (agent_rootfs_mount(&shares, spec, ctr->rootfs, overlay, err) < 0)
		return -1;
	rootfd = open(ctr->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vs_error_set(err, errno, "cannot open `%s`", ctr->rootfs);
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
	if (agent_sysctl_apply(lx, a->vm, ctr->ns.own, err) < 0 ||
	    agent_sysctl_hostname(spec, ctr->ns.own, err) < 0 ||
	    agent_mounts_pivot(ctr->rootfs, err) < 0)
		return -1;
	/* As runc: a missing cwd is made by root, inside the root, before it goes read-only. */
	if (vs_mkdir_p(spec->process->cwd, 0755, err) < 0)
		return vs_error_prefix(err, "process.cwd");
	return agent_mounts_finish_root(spec, err);
}

static int attach_pipes(const struct agent_child *c, struct vs_error **err)
{
	for (int fd = 0; fd < 3; fd++) {
		if (c->stdio[fd] == fd) {
			if (fcntl(fd, F_SETFD, 0) < 0)
				return vs_error_set(err, errno, "cannot keep fd %d open", fd);
		} else if (dup2(c->stdio[fd], fd) < 0) {
			return vs_error_set(err, errno, "cannot attach pipe to fd %d", fd);
		}
	}
	return 0;
}

/*
 * Enters cwd as runc does: as root, before the switch to the process's
 * user, so that a directory only root may enter works; after a permission
 * error, again once switched (a directory only that user may enter).
 * Returns 1 when it must be tried again after the switch.
 */
static int enter_cwd(const char *cwd, bool first, struct vs_error **err)
{
	if (cwd == NULL || chdir(cwd) == 0)
		return 0;
	if (first && (errno == EACCES || errno == EPERM))
		return 1;
	return vs_error_set(err, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
}

static void wait_for_start(const struct agent_child *c)
{
	struct agent_sync_msg m;
	int fd;

	if (agent_sync_recv(c->sync_fd, &m, &fd, NULL) <= 0 || m.kind != AGENT_SYNC_START)
		_exit(1); /* the agent gave up on us */
	if (fd >= 0)
		close(fd);
}

_Noreturn void agent_child_run(const struct agent_child *c)
{
	struct vs_error *err = NULL; /* the child ends in _exit: nothing to free */
	const struct oci_process *p = c->proc;
	const struct oci_spec *spec = c->ctr->spec;
	struct agent_sync_msg ready = { .kind = AGENT_SYNC_READY };
	scmp_filter_ctx filter = NULL;
	int master = -1, slave = -1, cwd_later;
	char **env, *file;

	reset_signals();
	umask(0022);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || setsid() < 0)
		fail_errno(c, "cannot start a new session");
	/* Through the agent's /proc, before any namespace change hides it. */
	if (agent_security_oom_score(p, &err) < 0)
		fail(c, 0, err);
	if (c->is_init && setup_container(c->a, c->ctr, &err) < 0)
		fail(c, 0, err);
	if (!c->is_init && agent_ns_join(&c->ctr->ns, &err) < 0)
		fail(c, 0, err);
	/* linux.personality, as runc sets it for the init and for every exec. */
	if (spec->linux_ != NULL && spec->linux_->has_personality &&
	    personality(spec->linux_->personality) < 0)
		fail_errno(c, "cannot set linux.personality");
	if (p->terminal) {
		if (agent_pty_open(p->user.uid, p->console_height, p->console_width, &master,
				   &slave, &err) < 0 ||
		    agent_pty_attach(slave, &err) < 0)
			fail(c, 0, err);
	} else if (attach_pipes(c, &err) < 0) {
		fail(c, 0, err);
	}
	if (agent_security_rlimits(p, &err) < 0 ||
	    agent_security_seccomp_build(spec->linux_ ? spec->linux_->seccomp : NULL,
					 p->no_new_privileges, &filter, &err) < 0 ||
	    agent_security_bounding(&p->caps, &err) < 0)
		fail(c, 0, err);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_errno(c, "cannot set no_new_privs");
	if (!p->no_new_privileges && agent_security_seccomp_load(filter, &err) < 0)
		fail(c, 0, err);
	cwd_later = enter_cwd(p->cwd, true, &err);
	if (cwd_later < 0 || agent_security_user(&p->user, &p->caps, &err) < 0 ||
	    (cwd_later && enter_cwd(p->cwd, false, &err) < 0) ||
	    agent_security_caps(&p->caps, &err) < 0)
		fail(c, 0, err);
	env = agent_env_make(p, "/etc/passwd");
	file = agent_path_lookup(p->n_args > 0 ? p->args[0] : NULL, agent_path_getenv(env, "PATH"),
				 &err);
	if (file == NULL)
		fail(c, agent_path_exec_status(err->errnum), err);

	if (agent_sync_send(c->sync_fd, &ready, master, &err) < 0)
		_exit(1);
	if (master >= 0)
		close(master);
	if (c->is_init)
		wait_for_start(c);
	if (p->no_new_privileges && agent_security_seccomp_load(filter, &err) < 0)
		fail(c, 0, err);
	umask(p->user.has_umask ? p->user.umask : 0022);
	execve(file, p->args, env);
	vs_error_set(&err, errno, "exec: \"%s\"", p->args[0]);
	fail(c, agent_path_exec_status(err->errnum), err);
}
