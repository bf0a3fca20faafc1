/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a container's config.json may ask of the host is the host's to say
 * (/etc/vshim/vshim.conf): an annotation naming a host file as the guest
 * kernel is refused unless the administrator allows kernels from that
 * directory, and then it boots.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtest.h"

static struct rt t;

static void setup(void)
{
	rt_setup(&t);
}

static void teardown(void)
{
	rt_teardown(&t);
}

TestSuite(policy, .init = setup, .fini = teardown, .timeout = 120);

static struct rt_result run_with_kernel(const char *kernel, const char *conf_text)
{
	cleanup_free char *top =
	    vs_xasprintf("\"annotations\":{\"io.vshim.kernel\":\"%s\"}", kernel);
	cleanup_free char *conf = vs_xasprintf("%s/vshim.conf", t.dir);
	cleanup_free char *env = vs_xasprintf("VSHIM_CONFIG=%s", conf);
	const char *const vars[] = { env, NULL };

	ts_write_file(conf, conf_text, strlen(conf_text));
	rt_config(&t, &(struct rt_cfg){ .args = "[\"echo\",\"booted\"]", .top = top });
	return rt_run(&t, &(struct rt_opts){ .env = vars, .timeout_s = 60 });
}

Test(policy, a_host_file_as_kernel_is_refused)
{
	struct rt_result r = run_with_kernel("/etc/shadow", "[vm]\nvcpus = 1\n");

	cr_assert_neq(r.status, 0, "vshim booted /etc/shadow; stdout:\n%s", r.out);
	cr_assert_not_null(strstr(r.err, "annotations[\"io.vshim.kernel\"]: not allowed on this "
					 "host"),
			   "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "");
	rt_result_free(&r);
}

Test(policy, a_kernel_outside_kernel_dirs_is_refused)
{
	cleanup_free char *conf =
	    vs_xasprintf("[annotations]\nallow = kernel\nkernel_dirs = %s/k\n", t.dir);
	struct rt_result r = run_with_kernel("/etc/shadow", conf);

	cr_assert_neq(r.status, 0);
	cr_assert_not_null(strstr(r.err, "`/etc/shadow` is not inside a directory that "
					 "kernel_dirs"),
			   "stderr: %s", r.err);
	rt_result_free(&r);
}

Test(policy, an_allowed_kernel_boots)
{
	cleanup_free char *dir = vs_xasprintf("%s/k", t.dir);
	cleanup_free char *kernel = vs_xasprintf("%s/vmlinux", dir);
	cleanup_free char *conf =
	    vs_xasprintf("[annotations]\nallow = kernel\nkernel_dirs = %s\n", dir);
	size_t len = 0;
	cleanup_free char *image = ts_read_file(rt_kernel_path(), &len);

	cr_assert_not_null(image, "cannot read %s", rt_kernel_path());
	cr_assert_eq(mkdir(dir, 0755), 0);
	ts_write_file(kernel, image, len);
	struct rt_result r = run_with_kernel(kernel, conf);

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "booted\n");
	rt_result_free(&r);
}

/* A FIFO in the kernel's place fails at once, instead of QEMU waiting for a writer. */
Test(policy, a_fifo_as_kernel_fails_at_once)
{
	cleanup_free char *dir = vs_xasprintf("%s/k", t.dir);
	cleanup_free char *kernel = vs_xasprintf("%s/vmlinux", dir);
	cleanup_free char *conf =
	    vs_xasprintf("[annotations]\nallow = kernel\nkernel_dirs = %s\n", dir);

	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(mkfifo(kernel, 0644), 0);
	struct rt_result r = run_with_kernel(kernel, conf);

	cr_assert_neq(r.status, 0);
	cleanup_free char *want =
	    vs_xasprintf("the guest kernel `%s` is not a regular file", kernel);
	cr_assert_not_null(strstr(r.err, want), "stderr: %s", r.err);
	cr_assert_lt(r.secs, 20.0, "took %.1f s", r.secs);
	rt_result_free(&r);
}
