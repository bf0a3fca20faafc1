/* SPDX-License-Identifier: Apache-2.0 */
#include "lc.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "bundle.h"

static const char *const applets[] = { "sh",   "cat", "echo", "ls", "sleep", "true", "false",
				       "stty", "wc",  "kill", "ps", "env",   NULL };

static const char *vshim_path(void)
{
	return ts_env_or("VSHIM_LC_VSHIM", VSHIM_LC_VSHIM_PATH);
}

static const char *helper_path(void)
{
	return ts_env_or("VSHIM_TESTHELPER", VSHIM_LC_TESTHELPER_PATH);
}

void lc_require_host(void)
{
	ts_require_host(vshim_path(), helper_path());
}

void lc_require_vm(void)
{
	ts_require_vm(vshim_path(), helper_path());
}

/* Files. */

char *lc_read(const char *path)
{
	return ts_read_file(path, NULL);
}

void lc_write(const char *path, const char *text, unsigned int mode)
{
	ts_write_file(path, text, strlen(text));
	cr_assert_eq(chmod(path, (mode_t)mode), 0);
}

void lc_wait_file(const char *path, const char *text, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		cleanup_free char *got = NULL;

		if (vs_read_file(path, 64u << 20, &got, NULL, NULL) == 0 &&
		    strstr(got, text) != NULL)
			return;
		if (vs_now_ns() > deadline)
			cr_assert_fail("no \"%s\" in `%s` within %d ms; it holds:\n%s", text, path,
				       timeout_ms, got ? got : "(nothing)");
		usleep(10000);
	}
}

void lc_wait_exists(const char *path, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (access(path, F_OK) != 0) {
		if (vs_now_ns() > deadline)
			cr_assert_fail("`%s` did not appear within %d ms", path, timeout_ms);
		usleep(10000);
	}
}

size_t lc_count_in_file(const char *path, const char *needle)
{
	cleanup_free char *text = lc_read(path);
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Processes and mounts. */

pid_t lc_qemu_pid(struct lc *t, const char *id)
{
	cleanup_free char *needle = vs_xasprintf("%s/%s/", t->root, id);
	pid_t pids[16];
	size_t n = ts_find_processes(needle, pids, VS_ARRAY_SIZE(pids));

	for (size_t i = 0; i < n; i++) {
		char buf[16384];

		if (ts_read_cmdline(pids[i], buf, sizeof(buf)) > 0 && strstr(buf, "qemu-system"))
			return pids[i];
	}
	return 0;
}

static char *describe(pid_t pid)
{
	char buf[300];

	if (ts_read_cmdline(pid, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(gone)");
	return vs_xasprintf("pid %d: %.200s", (int)pid, buf);
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void kill_named(const char *needle)
{
	pid_t pids[64];
	size_t n = ts_find_processes(needle, pids, VS_ARRAY_SIZE(pids));

	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	if (n > 0)
		usleep(200000);
	reap_all();
}

/* Processes naming needle, after giving those on their way out a moment. */
static size_t lingering(const char *needle, pid_t *pids, size_t max)
{
	uint64_t deadline = vs_now_ns() + 3000000000ull;
	size_t n;

	while ((n = ts_find_processes(needle, pids, max)) > 0 && vs_now_ns() < deadline) {
		reap_all();
		usleep(20000);
	}
	return n;
}

void lc_assert_clean(struct lc *t)
{
	cleanup_free char *needle = vs_xasprintf("%s/", t->dir);
	cleanup_dir DIR *d = opendir(t->root);
	pid_t pids[16];
	size_t n = lingering(needle, pids, VS_ARRAY_SIZE(pids));
	struct dirent *de;

	if (n > 0) {
		cleanup_free char *what = describe(pids[0]);

		kill_named(needle);
		cr_assert_fail("%zu process(es) of the test are left, such as %s", n, what);
	}
	if (ts_mounts_under(t->root, true) > 0)
		cr_assert_fail("mounts under `%s` are left", t->root);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			cr_assert_fail("`%s/%s` is left in the root", t->root, de->d_name);
	}
}

/* Setting up. */

void lc_setup_novm(struct lc *t)
{
	static const char *const dirs[] = {
		"bin", "etc", "proc", "sys", "dev", "tmp", "root", NULL
	};
	char path[PATH_MAX];

	memset(t, 0, sizeof(*t));
	/* Checked first: a failed init leaves the test without its fini. */
	lc_require_host();
	snprintf(t->dir, sizeof(t->dir), "/tmp/vshim-lc.XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir), "cannot create a temporary directory");
	chmod(t->dir, 0755);
	snprintf(t->bundle, sizeof(t->bundle), "%s/bundle", t->dir);
	snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->bundle);
	snprintf(t->root, sizeof(t->root), "%s/root", t->dir);
	/* The monitors (and exec proxies) come back to this process when create returns. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0, "PR_SET_CHILD_SUBREAPER: %s",
		     strerror(errno));

	ts_make_rootfs(t->rootfs, helper_path(), dirs, applets);
	cr_assert_eq(mkdir(t->root, 0700), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd", t->rootfs);
	lc_write(path, "root:x:0:0:root:/root:/bin/sh\n", 0644);
}

void lc_setup(struct lc *t)
{
	lc_require_vm();
	lc_setup_novm(t);
}

void lc_teardown(struct lc *t)
{
	cleanup_free char *needle = NULL;

	if (t->dir[0] == '\0')
		return;
	needle = vs_xasprintf("%s/", t->dir);
	kill_named(needle);
	ts_mounts_under(t->dir, true);
	vs_rm_rf(t->dir, NULL);
	reap_all();
}

static const char default_mounts[] =
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}";

void lc_config_in(const char *bundle, const struct lc_cfg *c)
{
	cleanup_free char *path = vs_xasprintf("%s/config.json", bundle);
	cleanup_free char *json = NULL;

	cr_assert_not_null(c->args, "lc_config() needs args");
	json = vs_xasprintf(
	    "{\"ociVersion\":\"1.0.2\",\n"
	    "\"process\":{\"terminal\":%s,\"args\":%s,\"user\":{\"uid\":0,\"gid\":0},"
	    "\"env\":[\"PATH=/bin\",\"TERM=xterm\"],\"cwd\":\"/\"%s%s},\n"
	    "\"root\":{\"path\":\"rootfs\"},\"hostname\":\"lc\",\n"
	    "\"mounts\":[%s%s%s],\n"
	    "\"annotations\":{\"io.vshim.memory\":\"" LC_MEMORY_MIB "\"%s%s},\n"
	    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	    "{\"type\":\"mount\"}]%s%s}%s%s%s%s}\n",
	    c->terminal ? "true" : "false", c->args, c->process ? "," : "",
	    c->process ? c->process : "", default_mounts, c->mounts ? "," : "",
	    c->mounts ? c->mounts : "", c->annotations ? "," : "",
	    c->annotations ? c->annotations : "", c->linux_ ? "," : "", c->linux_ ? c->linux_ : "",
	    c->hooks ? ",\n\"hooks\":" : "", c->hooks ? c->hooks : "", c->top ? "," : "",
	    c->top ? c->top : "");
	lc_write(path, json, 0644);
}

void lc_config(struct lc *t, const struct lc_cfg *c)
{
	lc_config_in(t->bundle, c);
}

/* Running vshim. */

static int open_or(const char *path, int fd, int flags)
{
	if (path != NULL)
		return open(path, flags | O_CLOEXEC, 0644);
	return fd >= 0 ? fd : open("/dev/null", flags | O_CLOEXEC);
}

pid_t lc_spawn(struct lc *t, const struct lc_io *io, const char *const *argv)
{
	cleanup_strv struct vs_strv v = { 0 };
	pid_t pid;

	vs_strv_push(&v, vshim_path());
	if (!t->no_root) {
		vs_strv_push(&v, "--root");
		vs_strv_push(&v, t->root);
	}
	for (const char *const *a = argv; *a != NULL; a++)
		vs_strv_push(&v, *a);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open_or(io->in, io->in_fd, O_RDONLY);
		int out = open_or(io->out, io->out_fd, O_WRONLY | O_CREAT | O_TRUNC);
		int err = open_or(io->err, io->err_fd, O_WRONLY | O_CREAT | O_TRUNC);

		if (in < 0 || out < 0 || err < 0)
			_exit(98);
		/* dup2 keeps the descriptor when it is already in place: clear its CLOEXEC. */
		int fds[3] = { in, out, err };
		for (int i = 0; i < 3; i++) {
			if (fds[i] == i)
				fcntl(i, F_SETFD, 0);
			else
				dup2(fds[i], i);
		}
		if (io->fd3 > 2 && dup2(io->fd3, 3) < 0)
			_exit(95);
		if (io->cwd != NULL && chdir(io->cwd) < 0)
			_exit(96);
		ts_reset_signals();
		execv(v.v[0], v.v);
		fprintf(stderr, "test: cannot execute %s: %s\n", v.v[0], strerror(errno));
		_exit(97);
	}
	return pid;
}

/* Whether a child has ended (its status in *status then), without waiting. */
static bool lc_exited(pid_t pid, int *status)
{
	int st;
	pid_t w = waitpid(pid, &st, WNOHANG);

	cr_assert_neq(w, -1, "waitpid(%d): %s", (int)pid, strerror(errno));
	if (w == 0)
		return false;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return true;
}

int lc_wait(pid_t pid, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int status;

	while (!lc_exited(pid, &status)) {
		if (vs_now_ns() > deadline) {
			cleanup_free char *what = describe(pid);

			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			cr_assert_fail("%s did not end within %d ms", what, timeout_ms);
		}
		usleep(2000);
	}
	return status;
}

struct lc_res lc_run(struct lc *t, const char *const *argv)
{
	unsigned int n = t->seq++;
	cleanup_free char *out = vs_xasprintf("%s/run.%u.out", t->dir, n);
	cleanup_free char *err = vs_xasprintf("%s/run.%u.err", t->dir, n);
	struct lc_io io = { .out = out, .err = err, .in_fd = -1 };
	struct lc_res r = { 0 };

	r.status = lc_wait(lc_spawn(t, &io, argv), 30000);
	r.out = lc_read(out);
	r.err = lc_read(err);
	return r;
}

void lc_res_free(struct lc_res *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Containers. */

struct lc_res lc_create_ex(struct lc *t, struct lc_ctr *c, const char *id,
			   const struct lc_create_opts *o)
{
	static const struct lc_create_opts none = { .in_fd = -1 };
	cleanup_strv struct vs_strv argv = { 0 };
	cleanup_free char *out = NULL, *err = NULL;
	struct lc_res r = { 0 };

	if (o == NULL)
		o = &none;
	memset(c, 0, sizeof(*c));
	c->id = id;
	snprintf(c->pid_file, sizeof(c->pid_file), "%s/%s.pid", t->dir, id);
	snprintf(c->out, sizeof(c->out), "%s/%s.out", t->dir, id);
	snprintf(c->err, sizeof(c->err), "%s/%s.err", t->dir, id);
	for (const char *const *a = o->global; a != NULL && *a != NULL; a++)
		vs_strv_push(&argv, *a);
	vs_strv_push(&argv, "create");
	vs_strv_push(&argv, "--bundle");
	vs_strv_push(&argv, o->bundle ? o->bundle : t->bundle);
	vs_strv_push(&argv, "--pid-file");
	vs_strv_push(&argv, c->pid_file);
	for (const char *const *a = o->extra; a != NULL && *a != NULL; a++)
		vs_strv_push(&argv, *a);
	vs_strv_push(&argv, id);

	/* The container's stdio is create's: the monitor inherits it. */
	struct lc_io io = { .out = c->out, .err = c->err, .in_fd = o->in_fd };
	r.status = lc_wait(lc_spawn(t, &io, (const char *const *)argv.v), 60000);
	r.out = lc_read(c->out);
	r.err = lc_read(c->err);
	if (r.status == 0) {
		cleanup_free char *pid = lc_read(c->pid_file);

		c->pid = (pid_t)atoi(pid);
	}
	return r;
}

void lc_create(struct lc *t, struct lc_ctr *c, const char *id)
{
	struct lc_res r = lc_create_ex(t, c, id, NULL);

	lc_assert_ok(r, "create");
	cr_assert_gt(c->pid, 0);
	lc_res_free(&r);
}

void lc_create_start(struct lc *t, struct lc_ctr *c, const char *id)
{
	lc_create(t, c, id);
	struct lc_res r = LC_RUN(t, "start", id);
	lc_assert_ok(r, "start");
	lc_res_free(&r);
}

int lc_wait_pid(struct lc_ctr *c, int timeout_ms)
{
	cr_assert_gt(c->pid, 0, "no container's pid to wait for");
	int status = lc_wait(c->pid, timeout_ms);
	c->pid = 0;
	return status;
}

/* JSON. */

yajl_val lc_json_parse(const char *text)
{
	char err[256];
	yajl_val v = yajl_tree_parse(text, err, sizeof(err));

	cr_assert_not_null(v, "not JSON (%s):\n%s", err, text);
	return v;
}

const char *lc_json_str(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val s = yajl_tree_get(v, path, yajl_t_string);

	return s ? YAJL_GET_STRING(s) : NULL;
}

long long lc_json_int(yajl_val v, const char *key, long long fallback)
{
	const char *path[] = { key, NULL };
	yajl_val n = yajl_tree_get(v, path, yajl_t_number);

	return n && YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : fallback;
}

yajl_val lc_state(struct lc *t, const char *id)
{
	struct lc_res r = LC_RUN(t, "state", id);
	yajl_val v;

	lc_assert_ok(r, "state");
	v = lc_json_parse(r.out);
	cr_assert(YAJL_IS_OBJECT(v), "state printed no object:\n%s", r.out);
	cr_assert_str_eq(r.err, "", "state wrote to stderr:\n%s", r.err);
	lc_res_free(&r);
	return v;
}

char *lc_status(struct lc *t, const char *id)
{
	yajl_val v = lc_state(t, id);
	const char *s = lc_json_str(v, "status");
	char *status;

	cr_assert_not_null(s, "state has no status");
	status = vs_xstrdup(s);
	yajl_tree_free(v);
	return status;
}

void lc_assert_status(struct lc *t, const char *id, const char *status)
{
	cleanup_free char *s = lc_status(t, id);

	cr_assert_str_eq(s, status, "container `%s` is %s, not %s", id, s, status);
}

int lc_ps_count(struct lc *t, const char *id)
{
	struct lc_res r = LC_RUN(t, "ps", "--format", "json", id);
	int n = -1;

	if (r.status == 0) {
		yajl_val v = lc_json_parse(r.out);

		cr_assert(YAJL_IS_ARRAY(v), "ps --format json printed no array:\n%s", r.out);
		n = (int)v->u.array.len;
		yajl_tree_free(v);
	}
	lc_res_free(&r);
	return n;
}

/* Console sockets, as runc's recvtty. */

int lc_console_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_lt(strlen(path), sizeof(sa.sun_path), "console socket path too long");
	strcpy(sa.sun_path, path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s: %s", path,
		     strerror(errno));
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

int lc_console_recv(int listen_fd, char *name, size_t name_len, int timeout_ms)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = name, .iov_len = name_len - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	cleanup_close int conn = -1;
	struct cmsghdr *cm;
	ssize_t n;
	int master;

	cr_assert_eq(poll(&p, 1, timeout_ms), 1, "nothing connected to the console socket");
	conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0, "accept: %s", strerror(errno));
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	cr_assert_gt(n, 0, "recvmsg on the console socket: %s", n < 0 ? strerror(errno) : "EOF");
	name[n] = '\0';
	cm = CMSG_FIRSTHDR(&msg);
	cr_assert_not_null(cm, "the console socket carried no descriptor");
	cr_assert(cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		      cm->cmsg_len == CMSG_LEN(sizeof(int)),
		  "the console message carries something other than one descriptor");
	memcpy(&master, CMSG_DATA(cm), sizeof(int));
	cr_assert_eq(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC), 0);
	return master;
}

void lc_read_until(int fd, char *buf, size_t size, size_t *len, const char *text, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	buf[*len] = '\0';
	while (strstr(buf, text) == NULL) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(((int64_t)deadline - (int64_t)vs_now_ns()) / 1000000);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			cr_assert_fail("no \"%s\" within %d ms; got:\n%s", text, timeout_ms, buf);
		n = read(fd, buf + *len, size - 1 - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		cr_assert_gt(n, 0, "end of output before \"%s\"; got:\n%s", text, buf);
		*len += (size_t)n;
		buf[*len] = '\0';
		cr_assert_lt(*len, size - 1, "output buffer full:\n%s", buf);
	}
}
