/* SPDX-License-Identifier: Apache-2.0 */
#include "runtest.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define DEFAULT_TIMEOUT_S 60

/* Where the emulator lives: driver/lifecycle.c looks in these places only. */
static const char *const qemu_dirs[] = { "/usr/bin", "/usr/local/bin" };

static const char *const applets[] = { "sh",	"cat",	 "echo",  "ls",	  "grep", "stat",
				       "sleep", "true",	 "false", "head", "wc",	  "tr",
				       "id",	"touch", "mkdir", "rm",	  "env",  NULL };

const char *rt_vshim_path(void)
{
	return ts_env_or("VSHIM_RUN_VSHIM", VSHIM_RUN_VSHIM_PATH);
}

static const char *helper_path(void)
{
	return ts_env_or("VSHIM_TESTHELPER", VSHIM_RUN_TESTHELPER_PATH);
}

const char *rt_kernel_path(void)
{
	static char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/vmlinux", ts_datadir(rt_vshim_path()));
	return path;
}

const char *rt_noagent_image(void)
{
	return ts_env_or("VSHIM_RUN_NOAGENT_IMG", VSHIM_RUN_NOAGENT_IMG_PATH);
}

const char *rt_testinit_image(void)
{
	return ts_env_or("VSHIM_RUN_TESTINIT_IMG", VSHIM_RUN_TESTINIT_IMG_PATH);
}

void rt_require_host(void)
{
	ts_require_host(rt_vshim_path(), helper_path());
}

void rt_require_vm(void)
{
	ts_require_vm(rt_vshim_path(), helper_path());
}

void rt_write_rootfs(struct rt *t, const char *path, const char *text, unsigned int mode)
{
	cleanup_free char *full = vs_xasprintf("%s%s", t->rootfs, path);

	ts_write_file(full, text, strlen(text));
	cr_assert_eq(chmod(full, (mode_t)mode), 0);
}

void rt_setup_novm(struct rt *t)
{
	static const char *const dirs[] = { "bin",  "etc",  "proc",	 "sys", "dev", "tmp",
					    "root", "home", "home/user", "mnt", NULL };
	char path[PATH_MAX];

	/* Before anything is made: a setup that fails is not torn down. */
	rt_require_host();
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/vshim-run.XXXXXX", ts_env_or("TMPDIR", "/tmp"));
	cr_assert_not_null(mkdtemp(t->dir), "cannot create a temporary directory");
	chmod(t->dir, 0755);
	snprintf(t->bundle, sizeof(t->bundle), "%s/bundle", t->dir);
	snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->bundle);
	snprintf(t->root, sizeof(t->root), "%s/root", t->dir);
	t->id = "ctr";

	ts_make_rootfs(t->rootfs, helper_path(), dirs, applets);
	snprintf(path, sizeof(path), "%s/home/user", t->rootfs);
	cr_assert_eq(chown(path, 1000, 1000), 0);
	rt_write_rootfs(t, "/etc/passwd",
			"root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n",
			0644);
	rt_write_rootfs(t, "/etc/group", "root:x:0:\nuser:x:1000:\n", 0644);
}

void rt_setup(struct rt *t)
{
	rt_require_vm();
	rt_setup_novm(t);
}

/* The head of pid's command line, for messages. */
static char *describe(pid_t pid)
{
	char buf[200];

	if (ts_read_cmdline(pid, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return vs_xasprintf("pid %d: %s...", (int)pid, buf);
}

static void kill_all(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	usleep(100000);
}

void rt_assert_clean(struct rt *t, const char *id)
{
	cleanup_free char *needle = vs_xasprintf("%s/", t->dir);
	cleanup_free char *state = vs_xasprintf("%s/%s", t->root, id);
	pid_t pids[16];
	size_t n = ts_find_processes(needle, pids, VS_ARRAY_SIZE(pids));
	struct stat st;

	if (n > 0) {
		cleanup_free char *what = describe(pids[0]);

		kill_all(pids, n);
		cr_assert_fail("%zu process(es) of the container are left after vshim exited, "
			       "such as %s",
			       n, what);
	}
	if (ts_mounts_under(state, true) > 0)
		cr_assert_fail("mounts under `%s` are left after vshim exited", state);
	if (lstat(state, &st) == 0)
		cr_assert_fail("the state directory `%s` is left after vshim exited", state);
}

void rt_teardown(struct rt *t)
{
	cleanup_free char *needle = NULL;
	pid_t pids[16];
	size_t n;

	if (t->dir[0] == '\0')
		return;
	needle = vs_xasprintf("%s/", t->dir);
	n = ts_find_processes(needle, pids, VS_ARRAY_SIZE(pids));
	kill_all(pids, n);
	ts_mounts_under(t->dir, true);
	vs_rm_rf(t->dir, NULL);
}

static const char default_caps[] = "[" TS_RUNC_CAPS "]";

void rt_config(struct rt *t, const struct rt_cfg *c)
{
	cleanup_free char *caps =
	    vs_xasprintf("{\"bounding\":%s,\"effective\":%s,\"permitted\":%s}", default_caps,
			 default_caps, default_caps);
	cleanup_free char *mounts =
	    c->mounts != NULL ? vs_xstrdup(c->mounts)
			      : vs_xasprintf("[%s%s%s]", TS_RUNC_MOUNTS, c->more_mounts ? "," : "",
					     c->more_mounts ? c->more_mounts : "");
	cleanup_free char *path = vs_xasprintf("%s/config.json", t->bundle);
	cleanup_free char *json = NULL;
	cleanup_free char *hostname = NULL;

	if (c->hostname == NULL)
		hostname = vs_xstrdup("\"hostname\":\"vshim-test\",");
	else
		hostname =
		    c->hostname[0] ? vs_xasprintf("\"hostname\":%s,", c->hostname) : vs_xstrdup("");
	cr_assert_not_null(c->args, "rt_config() needs args");
	json = vs_xasprintf(
	    "{\"ociVersion\":\"1.0.2\",\n"
	    "\"process\":{\"terminal\":false,\"args\":%s,\"user\":%s,\"env\":%s,\"cwd\":%s,"
	    "\"capabilities\":%s%s%s},\n"
	    "\"root\":%s,%s\n"
	    "\"mounts\":%s,\n"
	    "\"linux\":{\"namespaces\":%s,\n"
	    "\"maskedPaths\":%s,\n"
	    "\"readonlyPaths\":%s%s%s}%s%s}\n",
	    c->args, c->user ? c->user : "{\"uid\":0,\"gid\":0}",
	    c->env ? c->env : "[\"PATH=/bin:/usr/bin\",\"FOO=bar\"]", c->cwd ? c->cwd : "\"/\"",
	    c->caps ? c->caps : caps, c->process ? "," : "", c->process ? c->process : "",
	    c->root ? c->root : "{\"path\":\"rootfs\"}", hostname, mounts,
	    c->namespaces ? c->namespaces
			  : "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
			    "{\"type\":\"uts\"},{\"type\":\"mount\"}]",
	    c->masked ? c->masked
		      : "[\"/proc/kcore\",\"/proc/keys\",\"/proc/timer_list\",\"/sys/firmware\"]",
	    c->readonly ? c->readonly
			: "[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
			  "\"/proc/sysrq-trigger\"]",
	    c->linux_ ? "," : "", c->linux_ ? c->linux_ : "", c->top ? "," : "",
	    c->top ? c->top : "");
	ts_write_file(path, json, strlen(json));
}

/* In the child: a mount namespace in which the places the driver looks for QEMU are empty. */
static void hide_qemu(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "test runner: cannot make a mount namespace to hide QEMU: %s\n",
			strerror(errno));
		_exit(99);
	}
	for (size_t i = 0; i < VS_ARRAY_SIZE(qemu_dirs); i++) {
		if (access(qemu_dirs[i], F_OK) == 0 &&
		    mount("tmpfs", qemu_dirs[i], "tmpfs", MS_RDONLY, NULL) < 0) {
			fprintf(stderr, "test runner: cannot hide %s: %s\n", qemu_dirs[i],
				strerror(errno));
			_exit(99);
		}
	}
}

static _Noreturn void child(const struct rt_proc *p, int stdin_r, int tty, char **argv)
{
	const struct rt_opts *o = &p->opts;
	int in =
	    o->stdin_pipe ? stdin_r : open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);
	int out = open(p->out_path, O_WRONLY | O_TRUNC);
	int err = open(p->err_path, O_WRONLY | O_TRUNC);

	if (in < 0 || out < 0 || err < 0)
		_exit(98);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	/* A session of its own: no controlling terminal but the test's pty, if any. */
	if (setsid() < 0 || (tty >= 0 && ioctl(tty, TIOCSCTTY, 0) < 0))
		_exit(96);
	ts_reset_signals();
	for (const char *const *e = o->env; e != NULL && *e != NULL; e++) {
		if (strchr(*e, '=') != NULL)
			putenv((char *)*e);
		else
			unsetenv(*e);
	}
	if (o->hide_qemu)
		hide_qemu();
	execv(argv[0], argv);
	fprintf(stderr, "test runner: cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(97);
}

/* p with opts (or none), for ID opts->id or t->id. */
static void proc_init(struct rt *t, struct rt_proc *p, const struct rt_opts *opts)
{
	static const struct rt_opts none = { 0 };

	memset(p, 0, sizeof(*p));
	p->tty = -1;
	p->opts = opts ? *opts : none;
	if (p->opts.id == NULL)
		p->opts.id = t->id;
}

/* Starts `vshim --root ROOT ARGS...` for p, whose opts are set. */
static void spawn_args(struct rt *t, struct rt_proc *p, const char *const *args)
{
	cleanup_strv struct vs_strv argv = { 0 };
	int pipe_fds[2] = { -1, -1 }, tty = -1;

	vs_strv_push(&argv, rt_vshim_path());
	vs_strv_push(&argv, "--root");
	vs_strv_push(&argv, t->root);
	for (const char *const *a = args; *a != NULL; a++)
		vs_strv_push(&argv, *a);
	snprintf(p->out_path, sizeof(p->out_path), "%s/stdout.%u", t->dir, t->runs);
	snprintf(p->err_path, sizeof(p->err_path), "%s/stderr.%u", t->dir, t->runs);
	t->runs++;
	if (p->opts.stdin_pipe)
		cr_assert_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
	p->stdin_w = pipe_fds[1];
	if (p->opts.ctty) {
		cr_assert_eq(openpty(&p->tty, &tty, NULL, NULL, NULL), 0, "openpty: %s",
			     strerror(errno));
		fcntl(p->tty, F_SETFD, FD_CLOEXEC);
		fcntl(tty, F_SETFD, FD_CLOEXEC);
	}
	/* There before the child runs, for rt_wait_stdout(). */
	ts_write_file(p->out_path, "", 0);
	ts_write_file(p->err_path, "", 0);
	p->start_ns = vs_now_ns();
	p->pid = fork();
	cr_assert_geq(p->pid, 0, "fork: %s", strerror(errno));
	if (p->pid == 0)
		child(p, pipe_fds[0], tty, argv.v);
	if (pipe_fds[0] >= 0)
		close(pipe_fds[0]);
	if (tty >= 0)
		close(tty);
}

void rt_spawn(struct rt *t, struct rt_proc *p, const struct rt_opts *opts)
{
	cleanup_strv struct vs_strv args = { 0 };

	proc_init(t, p, opts);
	vs_strv_push(&args, "run");
	vs_strv_push(&args, "--bundle");
	vs_strv_push(&args, p->opts.bundle ? p->opts.bundle : t->bundle);
	for (const char *const *e = p->opts.extra; e != NULL && *e != NULL; e++)
		vs_strv_push(&args, *e);
	vs_strv_push(&args, p->opts.id);
	spawn_args(t, p, (const char *const *)args.v);
}

void rt_spawn_verb(struct rt *t, struct rt_proc *p, const struct rt_opts *opts,
		   const char *const *args)
{
	proc_init(t, p, opts);
	p->opts.keep = true;
	spawn_args(t, p, args);
}

struct rt_result rt_vshim(struct rt *t, const char *const *args)
{
	struct rt_proc p;

	rt_spawn_verb(t, &p, NULL, args);
	return rt_wait(t, &p);
}

void rt_wait_stdout(struct rt_proc *p, const char *text, int timeout_s)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		cleanup_free char *out = ts_read_file(p->out_path, NULL);

		if (strstr(out, text) != NULL)
			return;
		if (vs_now_ns() > deadline) {
			cleanup_free char *err = ts_read_file(p->err_path, NULL);

			cr_assert_fail("no \"%s\" on the container's stdout within %d s; "
				       "stdout:\n%s\nstderr:\n%s",
				       text, timeout_s, out, err);
		}
		usleep(20000);
	}
}

struct rt_result rt_wait(struct rt *t, struct rt_proc *p)
{
	int timeout_s = p->opts.timeout_s > 0 ? p->opts.timeout_s : DEFAULT_TIMEOUT_S;
	uint64_t deadline = p->start_ns + (uint64_t)timeout_s * 1000000000ull;
	struct rt_result r = { 0 };
	int status;
	pid_t w;

	while ((w = waitpid(p->pid, &status, WNOHANG)) == 0) {
		if (vs_now_ns() > deadline) {
			cleanup_free char *err = NULL;

			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			err = ts_read_file(p->err_path, NULL);
			cr_assert_fail("vshim run did not end within %d s; stderr:\n%s", timeout_s,
				       err);
		}
		usleep(5000);
	}
	cr_assert_eq(w, p->pid, "waitpid: %s", strerror(errno));
	if (p->stdin_w >= 0)
		close(p->stdin_w);
	p->stdin_w = -1;
	if (p->tty >= 0)
		close(p->tty);
	p->tty = -1;
	r.secs = (double)(vs_now_ns() - p->start_ns) / 1e9;
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = ts_read_file(p->out_path, &r.out_len);
	r.err = ts_read_file(p->err_path, NULL);
	if (!p->opts.keep)
		rt_assert_clean(t, p->opts.id);
	return r;
}

struct rt_result rt_run(struct rt *t, const struct rt_opts *opts)
{
	struct rt_proc p;

	rt_spawn(t, &p, opts);
	return rt_wait(t, &p);
}

struct rt_result rt_run_config(struct rt *t, const struct rt_cfg *cfg)
{
	rt_config(t, cfg);
	return rt_run(t, NULL);
}

struct rt_result rt_run_args(struct rt *t, const char *args)
{
	return rt_run_config(t, &(struct rt_cfg){ .args = args });
}

void rt_result_free(struct rt_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *rt_datadir_with_initrd(struct rt *t, const char *name, const char *initrd)
{
	char *dir = vs_xasprintf("%s/%s", t->dir, name);
	cleanup_free char *kernel = vs_xasprintf("%s/vmlinux", dir);
	cleanup_free char *img = vs_xasprintf("%s/initramfs.img", dir);

	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(symlink(rt_kernel_path(), kernel), 0);
	if (initrd == NULL) {
		ts_write_file(img, "", 0);
		return dir;
	}
	if (access(initrd, R_OK) != 0)
		cr_assert_fail("the test initramfs `%s` is missing: build it (cmake --build)",
			       initrd);
	cr_assert_eq(symlink(initrd, img), 0);
	return dir;
}
