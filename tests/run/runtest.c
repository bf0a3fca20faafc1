/* SPDX-License-Identifier: Apache-2.0 */
#include "runtest.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "vmenv.h"

#define DEFAULT_TIMEOUT_S 60

/* Where the emulator lives: driver/lifecycle.c looks in these places only. */
static const char *const qemu_dirs[] = { "/usr/bin", "/usr/local/bin" };

static const char *const applets[] = { "sh",	"cat",	 "echo",  "ls",	  "grep", "stat",
				       "sleep", "true",	 "false", "head", "wc",	  "tr",
				       "id",	"touch", "mkdir", "rm",	  "env" };

static const char *vshim_path(void)
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

	snprintf(path, sizeof(path), "%s/vmlinux", ts_datadir(vshim_path()));
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
	ts_require_host(vshim_path(), helper_path());
}

void rt_require_vm(void)
{
	ts_require_vm(vshim_path(), helper_path());
}

char *rt_read_file(const char *path, size_t *len)
{
	cleanup_error struct vs_error *err = NULL;
	char *text = NULL;

	if (vs_read_file(path, 256u << 20, &text, len, &err) < 0)
		cr_assert_fail("%s", err->msg);
	return text;
}

void rt_write_file(const char *path, const void *data, size_t len)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0, "cannot create `%s`: %s", path, strerror(errno));
	cr_assert_eq(vs_write_all(fd, data, len), 0, "cannot write `%s`", path);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len = 0;
	cleanup_free char *data = rt_read_file(from, &len);

	rt_write_file(to, data, len);
	cr_assert_eq(chmod(to, mode), 0);
}

void rt_write_rootfs(struct rt *t, const char *path, const char *text, unsigned int mode)
{
	cleanup_free char *full = vs_xasprintf("%s%s", t->rootfs, path);

	rt_write_file(full, text, strlen(text));
	cr_assert_eq(chmod(full, (mode_t)mode), 0);
}

void rt_setup(struct rt *t)
{
	static const char *const dirs[] = { "bin", "etc",  "proc", "sys",	"dev",
					    "tmp", "root", "home", "home/user", "mnt" };
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

	cr_assert_eq(vs_mkdir_p(t->rootfs, 0755, NULL), 0);
	for (size_t i = 0; i < VS_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->rootfs, dirs[i]);
		cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
	}
	snprintf(path, sizeof(path), "%s/home/user", t->rootfs);
	cr_assert_eq(chown(path, 1000, 1000), 0);
	snprintf(path, sizeof(path), "%s/bin/busybox", t->rootfs);
	copy_file("/bin/busybox", path, 0755);
	for (size_t i = 0; i < VS_ARRAY_SIZE(applets); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", t->rootfs, applets[i]);
		cr_assert_eq(symlink("busybox", path), 0);
	}
	snprintf(path, sizeof(path), "%s/bin/vshim-testhelper", t->rootfs);
	copy_file(helper_path(), path, 0755);
	rt_write_rootfs(t, "/etc/passwd",
			"root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n",
			0644);
	rt_write_rootfs(t, "/etc/group", "root:x:0:\nuser:x:1000:\n", 0644);
}

/* Unmounts what a failed vshim may have left mounted under prefix (file bind staging). */
static size_t mounts_under(const char *prefix, bool unmount)
{
	cleanup_file FILE *f = fopen("/proc/self/mounts", "re");
	char line[8192];
	size_t n = 0, len = strlen(prefix);

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *dir = strchr(line, ' ');

		if (dir == NULL)
			continue;
		dir++;
		dir[strcspn(dir, " ")] = '\0';
		if (strncmp(dir, prefix, len) == 0 && (dir[len] == '/' || dir[len] == '\0')) {
			n++;
			if (unmount)
				umount2(dir, MNT_DETACH);
		}
	}
	return n;
}

size_t rt_find_processes(const char *needle, pid_t *pids, size_t max)
{
	return ts_find_processes(needle, pids, max);
}

/* The head of pid's command line, for messages. */
static char *describe(pid_t pid)
{
	char path[64], buf[200] = "";
	cleanup_close int fd = -1;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	for (ssize_t i = 0; i < len; i++)
		buf[i] = buf[i] == '\0' ? ' ' : buf[i];
	buf[len > 0 ? len : 0] = '\0';
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
	size_t n = rt_find_processes(needle, pids, VS_ARRAY_SIZE(pids));
	struct stat st;

	if (n > 0) {
		cleanup_free char *what = describe(pids[0]);

		kill_all(pids, n);
		cr_assert_fail("%zu process(es) of the container are left after vshim exited, "
			       "such as %s",
			       n, what);
	}
	if (mounts_under(state, true) > 0)
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
	n = rt_find_processes(needle, pids, VS_ARRAY_SIZE(pids));
	kill_all(pids, n);
	mounts_under(t->dir, true);
	vs_rm_rf(t->dir, NULL);
}

static const char default_caps[] =
    "[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_MKNOD\","
    "\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\","
    "\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\"]";

static const char default_mounts[] =
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}";

void rt_config(struct rt *t, const struct rt_cfg *c)
{
	cleanup_free char *caps =
	    vs_xasprintf("{\"bounding\":%s,\"effective\":%s,\"permitted\":%s}", default_caps,
			 default_caps, default_caps);
	cleanup_free char *mounts =
	    c->mounts != NULL ? vs_xstrdup(c->mounts)
			      : vs_xasprintf("[%s%s%s]", default_mounts, c->more_mounts ? "," : "",
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
	rt_write_file(path, json, strlen(json));
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

static _Noreturn void child(const struct rt_proc *p, int stdin_r, char **argv)
{
	const struct rt_opts *o = &p->opts;
	int in =
	    o->stdin_pipe ? stdin_r : open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);
	int out = open(p->out_path, O_WRONLY | O_TRUNC);
	int err = open(p->err_path, O_WRONLY | O_TRUNC);
	sigset_t none;

	if (in < 0 || out < 0 || err < 0)
		_exit(98);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	/* What Criterion's worker set up must not reach vshim. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
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

void rt_spawn(struct rt *t, struct rt_proc *p, const struct rt_opts *opts)
{
	static const struct rt_opts none = { 0 };
	cleanup_strv struct vs_strv argv = { 0 };
	int pipe_fds[2] = { -1, -1 };

	memset(p, 0, sizeof(*p));
	p->opts = opts ? *opts : none;
	if (p->opts.id == NULL)
		p->opts.id = t->id;
	snprintf(p->out_path, sizeof(p->out_path), "%s/stdout.%u", t->dir, t->runs);
	snprintf(p->err_path, sizeof(p->err_path), "%s/stderr.%u", t->dir, t->runs);
	t->runs++;

	vs_strv_push(&argv, vshim_path());
	vs_strv_push(&argv, "--root");
	vs_strv_push(&argv, t->root);
	vs_strv_push(&argv, "run");
	vs_strv_push(&argv, "--bundle");
	vs_strv_push(&argv, p->opts.bundle ? p->opts.bundle : t->bundle);
	for (const char *const *e = p->opts.extra; e != NULL && *e != NULL; e++)
		vs_strv_push(&argv, *e);
	vs_strv_push(&argv, p->opts.id);

	if (p->opts.stdin_pipe)
		cr_assert_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
	p->stdin_w = pipe_fds[1];
	/* There before the child runs, for rt_wait_stdout(). */
	rt_write_file(p->out_path, "", 0);
	rt_write_file(p->err_path, "", 0);
	p->start_ns = vs_now_ns();
	p->pid = fork();
	cr_assert_geq(p->pid, 0, "fork: %s", strerror(errno));
	if (p->pid == 0)
		child(p, pipe_fds[0], argv.v);
	if (pipe_fds[0] >= 0)
		close(pipe_fds[0]);
}

void rt_wait_stdout(struct rt_proc *p, const char *text, int timeout_s)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		cleanup_free char *out = rt_read_file(p->out_path, NULL);

		if (strstr(out, text) != NULL)
			return;
		if (vs_now_ns() > deadline) {
			cleanup_free char *err = rt_read_file(p->err_path, NULL);

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
			err = rt_read_file(p->err_path, NULL);
			cr_assert_fail("vshim run did not end within %d s; stderr:\n%s", timeout_s,
				       err);
		}
		usleep(5000);
	}
	cr_assert_eq(w, p->pid, "waitpid: %s", strerror(errno));
	if (p->stdin_w >= 0)
		close(p->stdin_w);
	p->stdin_w = -1;
	r.secs = (double)(vs_now_ns() - p->start_ns) / 1e9;
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = rt_read_file(p->out_path, &r.out_len);
	r.err = rt_read_file(p->err_path, NULL);
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

struct rt_result rt_run_args(struct rt *t, const char *args)
{
	rt_config(t, &(struct rt_cfg){ .args = args });
	return rt_run(t, NULL);
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
		rt_write_file(img, "", 0);
		return dir;
	}
	if (access(initrd, R_OK) != 0)
		cr_assert_fail("the test initramfs `%s` is missing: build it (cmake --build)",
			       initrd);
	cr_assert_eq(symlink(initrd, img), 0);
	return dir;
}
