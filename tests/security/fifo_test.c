/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files a user or the guest can replace, replaced by a FIFO: config.json
 * before and after create, exec's --process file, the guest kernel and
 * initramfs.  Each refusal comes at once with an error naming the file;
 * what was stored at create keeps state, list and delete working.  A pipe
 * the caller hands over as --process /dev/stdin (runc accepts it) still
 * works.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "runtest.h"
#include "security.h"

static struct rt t;

static void setup(void)
{
	rt_setup(&t);
}

static void teardown(void)
{
	rt_teardown(&t);
}

TestSuite(fifo, .init = setup, .fini = teardown, .timeout = 180);

/* "At once": well below any timeout of vshim's own (10 s for a monitor). */
#define AT_ONCE_S 5.0

#define LOOP "[\"sh\",\"-c\",\"echo started; while :; do sleep 1; done\"]"

/* path becomes a FIFO nobody writes to. */
static void make_fifo(const char *path)
{
	unlink(path);
	cr_assert_eq(mkfifo(path, 0644), 0, "mkfifo `%s`", path);
}

static void assert_fails_at_once(const struct rt_result *r, const char *path)
{
	cleanup_free char *want = vs_xasprintf("`%s` is not a regular file", path);

	cr_assert_neq(r->status, 0, "vshim succeeded");
	cr_assert_lt(r->secs, AT_ONCE_S, "vshim took %.1f s to fail", r->secs);
	cr_assert_not_null(strstr(r->err, want), "stderr lacks \"%s\":\n%s", want, r->err);
}

Test(fifo, config_json_a_fifo_fails_at_once)
{
	cleanup_free char *config = vs_xasprintf("%s/config.json", t.bundle);
	struct rt_result r;

	make_fifo(config);
	r = rt_run(&t, NULL);
	assert_fails_at_once(&r, config);
	rt_result_free(&r);
}

Test(fifo, config_json_replaced_by_a_fifo_after_create)
{
	cleanup_free char *config = vs_xasprintf("%s/config.json", t.bundle);
	cleanup_free char *hook = vs_xasprintf("%s/poststop-ran", t.dir);
	cleanup_free char *top = vs_xasprintf("\"hooks\":{\"poststop\":[{\"path\":\"/bin/sh\","
					      "\"args\":[\"sh\",\"-c\",\"touch %s\"]}]},"
					      "\"annotations\":{\"org.example.stored\":\"yes\"}",
					      hook);
	cleanup_free char *rootfs = vs_xasprintf("\"rootfs\": \"%s\"", t.rootfs);
	cleanup_free char *state = NULL, *list = NULL;
	const char *const detach[] = { "--detach", NULL };
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = LOOP, .top = top });
	r = rt_run(&t, &(struct rt_opts){ .extra = detach, .keep = true });
	rt_assert_ok(r);
	rt_result_free(&r);
	make_fifo(config);

	r = RT_VSHIM(&t, "state", t.id);
	rt_assert_ok(r);
	cr_assert_lt(r.secs, AT_ONCE_S, "state took %.1f s", r.secs);
	cr_assert_not_null(strstr(r.out, "\"status\": \"running\""), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "org.example.stored"), "state lost the annotations:\n%s",
			   r.out);
	cr_assert_not_null(strstr(r.out, rootfs), "state lacks %s:\n%s", rootfs, r.out);
	rt_result_free(&r);

	r = RT_VSHIM(&t, "list", "--format", "json");
	rt_assert_ok(r);
	cr_assert_lt(r.secs, AT_ONCE_S, "list took %.1f s", r.secs);
	cr_assert_not_null(strstr(r.out, "org.example.stored"), "list lost the annotations:\n%s",
			   r.out);
	rt_result_free(&r);

	r = RT_VSHIM(&t, "delete", "--force", t.id);
	rt_assert_ok(r);
	cr_assert_lt(r.secs, 2 * AT_ONCE_S, "delete --force took %.1f s", r.secs);
	rt_result_free(&r);
	rt_assert_clean(&t, t.id);
	cr_assert_eq(access(hook, F_OK), 0, "the poststop hook stored at create did not run");
}

Test(fifo, exec_process_a_fifo_fails_at_once_a_pipe_works)
{
	cleanup_free char *fifo = vs_xasprintf("%s/process.json", t.dir);
	static const char process[] = "{\"args\":[\"echo\",\"from-a-pipe\"],\"cwd\":\"/\","
				      "\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0}}";
	const char *const detach[] = { "--detach", NULL };
	struct rt_result r;
	struct rt_proc p;

	rt_config(&t, &(struct rt_cfg){ .args = LOOP });
	r = rt_run(&t, &(struct rt_opts){ .extra = detach, .keep = true });
	rt_assert_ok(r);
	rt_result_free(&r);

	make_fifo(fifo);
	r = RT_VSHIM(&t, "exec", "--process", fifo, t.id);
	assert_fails_at_once(&r, fifo);
	rt_result_free(&r);

	/* The caller's own pipe, written and closed: what runc reads too. */
	rt_spawn_verb(&t, &p, &(struct rt_opts){ .stdin_pipe = true },
		      (const char *const[]){ "exec", "--process", "/dev/stdin", t.id, NULL });
	cr_assert_eq(vs_write_all(p.stdin_w, process, strlen(process)), 0);
	close(p.stdin_w);
	p.stdin_w = -1;
	r = rt_wait(&t, &p);
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "from-a-pipe\n");
	rt_result_free(&r);

	r = RT_VSHIM(&t, "delete", "--force", t.id);
	rt_assert_ok(r);
	rt_result_free(&r);
	rt_assert_clean(&t, t.id);
}

/*
 * Files vshim writes where the guest may reach them (containerd keeps
 * init.pid and log.json in the bundle): a FIFO at the pid file's
 * temporary name or at the log never hangs create.
 */
Test(fifo, fifos_where_vshim_writes_never_hang_it)
{
	cleanup_free char *log = vs_xasprintf("%s/log.json", t.bundle);
	cleanup_free char *pid_file = vs_xasprintf("%s/init.pid", t.bundle);
	cleanup_free char *pid_tmp = vs_xasprintf("%s/init.pid.tmp", t.bundle);
	cleanup_free char *pid = NULL;
	struct rt_result r;
	struct rt_proc p;

	make_fifo(log);
	make_fifo(pid_tmp);
	rt_config(&t, &(struct rt_cfg){ .args = LOOP });
	rt_spawn_verb(&t, &p, &(struct rt_opts){ .timeout_s = 30 },
		      (const char *const[]){ "--log", log, "run", "--bundle", t.bundle, "--detach",
					     "--pid-file", pid_file, t.id, NULL });
	r = rt_wait(&t, &p);
	rt_assert_ok(r);
	rt_result_free(&r);
	pid = ts_read_file(pid_file, NULL);
	cr_assert_gt(strlen(pid), 0);
	cr_assert_eq(strspn(pid, "0123456789"), strlen(pid), "pid file: \"%s\"", pid);

	r = RT_VSHIM(&t, "--log", log, "delete", "--force", t.id);
	rt_assert_ok(r);
	cr_assert_lt(r.secs, 2 * AT_ONCE_S, "delete --force took %.1f s", r.secs);
	rt_result_free(&r);
	rt_assert_clean(&t, t.id);
}

/* A data directory whose file name (vmlinux or initramfs.img) is a FIFO: run fails at once. */
static void guest_file_a_fifo(const char *name)
{
	cleanup_free char *kernel_dir = vs_xstrdup(rt_kernel_path());
	cleanup_free char *initrd = NULL, *datadir = NULL, *path = NULL, *env_datadir = NULL;
	struct rt_result r;

	*strrchr(kernel_dir, '/') = '\0';
	initrd = vs_xasprintf("%s/initramfs.img", kernel_dir);
	datadir = rt_datadir_with_initrd(&t, "data", initrd);
	path = vs_xasprintf("%s/%s", datadir, name);
	env_datadir = vs_xasprintf("VSHIM_DATADIR=%s", datadir);
	make_fifo(path);
	rt_config(&t, &(struct rt_cfg){ .args = "[\"true\"]" });
	r = rt_run(&t, &(struct rt_opts){ .env = (const char *const[]){ env_datadir, NULL },
					  .timeout_s = 30 });
	assert_fails_at_once(&r, path);
	rt_result_free(&r);
}

Test(fifo, guest_kernel_a_fifo_fails_at_once)
{
	guest_file_a_fifo("vmlinux");
}

Test(fifo, initramfs_a_fifo_fails_at_once)
{
	guest_file_a_fifo("initramfs.img");
}
