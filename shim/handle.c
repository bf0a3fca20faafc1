/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/handle.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/mounts.h"

/* The signals a caller may send the container's pid to reach its init. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/*
 * path inside the view (O_PATH, never leaving it: symbolic links resolve as
 * if the view were /), or -1 with errno.
 */
static int in_view(int view, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	if (*path == '\0')
		return fcntl(view, F_DUPFD_CLOEXEC, 0);
	return (int)syscall(SYS_openat2, view, path, &how, sizeof(how));
}

/* Mounts fstype (proc or an empty read-only tmpfs) on target, an O_PATH descriptor. */
static int mount_on(int target, const char *fstype, unsigned long flags, const char *data)
{
	char at[64];

	snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
	return mount(fstype, at, fstype, flags, data);
}

/*
 * mounts[i] in the view: a volume is its entry of STATE/vol (the same mount,
 * with the same flags, QEMU shares); /proc is this pid namespace's own; what
 * only the guest has is an empty read-only tmpfs.  A destination the root
 * file system lacks (a read-only root has it in guest memory only) is left
 * out.
 */
static int view_mount(const struct shim_handle_view *v, size_t i, int view, struct vs_error **err)
{
	const struct oci_mount *m = &v->spec->mounts[i];
	cleanup_free char *source = NULL;
	cleanup_close int target = -1, tree = -1;
	enum oci_mount_kind kind;

	if (oci_mounts_classify(v->spec, i, v->bundle, &kind, &source, err) < 0)
		return -1;
	target = in_view(view, m->destination);
	if (target < 0) {
		vs_debug("handle", "mounts[%zu]: `%s` is not in the root file system: left out", i,
			 m->destination);
		return 0;
	}
	if (kind == OCI_MOUNT_VOLUME) {
		char name[OCI_VOLUME_ENTRY_MAX];
		cleanup_free char *entry = NULL;

		oci_volume_entry(name, sizeof(name), i);
		entry = vs_xasprintf("%s/%s", v->volumes, name);
		tree =
		    open_tree(AT_FDCWD, entry, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (tree < 0 || move_mount(tree, "", target, "",
					   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return vs_error_set(err, errno,
					    "cannot mount the volume of mounts[%zu] on %s", i,
					    m->destination);
		return 0;
	}
	/* /proc is mounted once the view is the root, by the first process of a pid namespace. */
	if (strcmp(m->destination, "/proc") == 0 && m->type != NULL && strcmp(m->type, "proc") == 0)
		return 0;
	if (mount_on(target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     "size=4k,nr_inodes=1,mode=0555") < 0)
		return vs_error_set(err, errno, "cannot cover %s, which only the guest has",
				    m->destination);
	return 0;
}

/*
 * The view's /proc: a proc of a pid namespace of its own, whose only
 * process is a child that does nothing (the handle, a sibling of the
 * monitor, cannot itself be a pid namespace's first process: the kernel
 * refuses CLONE_NEWPID with CLONE_PARENT).  Whoever reads /proc there
 * (`podman top`) finds it alone.  It dies with the handle.  Mounted before
 * the view becomes the root: in a user namespace (without root) the kernel
 * lets a proc be mounted only where another one is fully visible.
 */
static int mount_proc(int view, struct vs_error **err)
{
	cleanup_close int target = in_view(view, "/proc");
	struct clone_args args = { .flags = CLONE_NEWPID, .exit_signal = SIGCHLD };
	int ready[2], e = 0;
	pid_t pid;

	if (target < 0)
		return 0;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return vs_error_set(err, errno, "cannot create a pipe");
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		close(ready[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (mount_on(target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			e = errno;
		(void)!write(ready[1], &e, sizeof(e));
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &e, sizeof(e)) != sizeof(e) || e != 0) {
		int r = vs_error_set(err, pid < 0 ? errno : e,
				     "cannot mount /proc in the container's view");

		close(ready[0]);
		return r;
	}
	close(ready[0]);
	return 0;
}

/* In the child: the view mounted at v->work, then made this mount namespace's root. */
static int build_view(const struct shim_handle_view *v, struct vs_error **err)
{
	cleanup_close int tree = -1, work = -1, view = -1;

	/* What the monitor's namespace mounts later still reaches the view; nothing leaves it. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return vs_error_set(err, errno,
				    "cannot make the view's mounts a slave of the host's");
	tree = open_tree(AT_FDCWD, v->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	work = open(v->work, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tree < 0 || work < 0 ||
	    move_mount(tree, "", work, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return vs_error_set(err, errno, "cannot mount the root file system `%s` at `%s`",
				    v->rootfs, v->work);
	view = open(v->work, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (view < 0)
		return vs_error_set(err, errno, "cannot open `%s`", v->work);
	for (size_t i = 0; i < v->spec->n_mounts; i++)
		if (view_mount(v, i, view, err) < 0)
			return -1;
	if (mount_proc(view, err) < 0)
		return -1;
	if (v->readonly && mount(NULL, v->work, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return vs_error_set(err, errno, "cannot make the container's view read-only");
	/* The view becomes /, and the monitor's tree goes away under it. */
	if (fchdir(view) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return vs_error_set(err, errno, "cannot make the container's view the root");
	if (v->cwd != NULL && chdir(v->cwd) < 0)
		vs_debug("handle", "the container's cwd %s is not in its view", v->cwd);
	return 0;
}

/* A no-op: signals are read from a signalfd, the handler only keeps them from being ignored. */
static void caught(int sig)
{
	(void)sig;
}

/* The handle's life once its view is in place: signals to the monitor, until it says the status. */
static __attribute__((noreturn)) void serve(int control)
{
	struct sigaction sa = { .sa_handler = caught };
	sigset_t set;
	int sigfd;

	sigemptyset(&set);
	for (size_t i = 0; i < VS_ARRAY_SIZE(forwarded); i++) {
		sigaction(forwarded[i], &sa, NULL);
		sigaddset(&set, forwarded[i]);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	for (;;) {
		struct pollfd p[2] = { { .fd = control, .events = POLLIN },
				       { .fd = sigfd, .events = POLLIN } };
		struct signalfd_siginfo si;
		int status;

		if (poll(p, sigfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			_exit(128 + SIGKILL);
		if (p[0].revents != 0) {
			/* The status, or the monitor is gone: the container with it. */
			ssize_t n = recv(control, &status, sizeof(status), 0);

			_exit(n == (ssize_t)sizeof(status) ? status & 0xff : 128 + SIGKILL);
		}
		if ((p[1].revents & POLLIN) && read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;

			(void)!send(control, &sig, sizeof(sig), MSG_NOSIGNAL);
		}
	}
}

static __attribute__((noreturn)) void child(const struct shim_handle_view *v, int control)
{
	struct vs_error *err = NULL;

	/* Nothing of the monitor's but the control socket: not the container's stdio either. */
	vs_stdio_to_devnull();
	if (dup2(control, 3) < 0)
		_exit(127);
	control = 3;
	if (syscall(SYS_close_range, 4, ~0U, 0) < 0 && errno != ENOSYS)
		_exit(127);
	if (build_view(v, &err) < 0) {
		cleanup_free char *msg = vs_xasprintf("E%s", err->msg);

		(void)!send(control, msg, strlen(msg), MSG_NOSIGNAL);
		_exit(127);
	}
	(void)!send(control, "K", 1, MSG_NOSIGNAL);
	serve(control);
}

int shim_handle_start(struct shim_handle *h, const struct shim_handle_view *v,
		      struct vs_error **err)
{
	int sp[2], pidfd = -1;
	struct clone_args args = {
		.flags = CLONE_NEWNS | CLONE_PIDFD | (v->sibling ? CLONE_PARENT : 0),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		/* A sibling's parent hears of its end by this process's own exit signal. */
		.exit_signal = v->sibling ? 0 : SIGCHLD,
	};
	char reply[4096];
	ssize_t n;
	pid_t pid;

	*h = (struct shim_handle){ .pid = -1, .pidfd = -1, .control = -1 };
	if (mkdir(v->work, 0700) < 0 && errno != EEXIST)
		return vs_error_set(err, errno, "cannot create `%s`", v->work);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return vs_error_set(err, errno, "cannot create a socket pair");
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return vs_error_set(err, errno, "cannot make the container's process on the host");
	}
	if (pid == 0) {
		close(sp[0]);
		child(v, sp[1]);
	}
	close(sp[1]);
	*h = (struct shim_handle){
		.pid = pid, .pidfd = pidfd, .control = sp[0], .is_child = !v->sibling
	};
	do
		n = recv(h->control, reply, sizeof(reply) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n == 1 && reply[0] == 'K') {
		vs_debug("handle", "the container's pid on the host is %d", (int)pid);
		return 0;
	}
	reply[n > 0 ? n : 0] = '\0';
	vs_error_set(err, 0, "%s",
		     n > 1 && reply[0] == 'E' ? reply + 1
					      : "the container's process on the host died");
	shim_handle_exit(h, 127);
	return -1;
}

int shim_handle_read_signal(struct shim_handle *h)
{
	int sig = 0;

	if (h->control < 0 || recv(h->control, &sig, sizeof(sig), MSG_DONTWAIT) != sizeof(sig))
		return 0;
	return sig > 0 && sig < NSIG ? sig : 0;
}

void shim_handle_exit(struct shim_handle *h, int status)
{
	if (h->control >= 0) {
		(void)!send(h->control, &status, sizeof(status), MSG_NOSIGNAL);
		close(h->control);
	}
	if (h->is_child && h->pid > 0)
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (h->pidfd >= 0)
		close(h->pidfd);
	*h = (struct shim_handle){ .pid = -1, .pidfd = -1, .control = -1 };
}
