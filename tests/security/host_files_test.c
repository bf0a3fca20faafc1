/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A create writes nothing on the host but its state directory until every
 * check that can refuse the config has run, never writes into a read-only
 * root, and never writes outside the root: a refused create leaves the
 * root's tree and the test directory's tree as they were, and a root.path
 * that is a symbolic link to a directory elsewhere gets nothing made in
 * it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
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

TestSuite(host_files, .init = setup, .fini = teardown, .timeout = 180);

#define RO_ROOT "{\"path\":\"rootfs\",\"readonly\":true}"

/* What the runner writes into DIR on its own: vshim's output files and the state root. */
static const char *const runner_files[] = { "stdout.", "stderr.", "root", NULL };

/* n tmpfs mounts on /m0 ... /m<n-1>, none of which the root has, then last (or nothing). */
static char *missing_mounts(size_t n, const char *last)
{
	cleanup_strv struct vs_strv parts = { 0 };

	for (size_t i = 0; i < n; i++)
		vs_strv_pushf(&parts,
			      "{\"destination\":\"/m%zu\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}",
			      i);
	if (last != NULL)
		vs_strv_push(&parts, last);
	return vs_strv_join(&parts, ",");
}

/*
 * A create refused late, by the guest's checks, with 40 mounts on places
 * the root lacks before it (and last after them, unless NULL): both trees
 * stay as they were.  cfg gives the rest of the config.
 */
static void refused_late(struct rt_cfg cfg, const char *last, const char *message)
{
	cleanup_free char *mounts = missing_mounts(40, last);
	cleanup_free char *rootfs_before = sec_tree(t.rootfs, NULL);
	cleanup_free char *dir_before = NULL;
	struct rt_result r;

	cfg.args = "[\"true\"]";
	cfg.more_mounts = mounts;
	rt_config(&t, &cfg);
	dir_before = sec_tree(t.dir, runner_files);
	r = rt_run(&t, NULL);
	cr_assert_neq(r.status, 0, "the config was not refused");
	cr_assert_not_null(strstr(r.err, message), "stderr: %s", r.err);
	rt_result_free(&r);
	sec_assert_tree(t.rootfs, rootfs_before, NULL);
	sec_assert_tree(t.dir, dir_before, runner_files);
}

#define LATE_MOUNT                                                            \
	"{\"destination\":\"/late\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"," \
	"\"options\":[\"size=1m,mode=755\"]}"
#define LATE_MOUNT_REFUSED "mount option \"size=1m,mode=755\" contains a comma"

Test(host_files, a_refused_create_writes_nothing_into_a_read_only_root)
{
	refused_late((struct rt_cfg){ .root = RO_ROOT }, LATE_MOUNT, LATE_MOUNT_REFUSED);
}

Test(host_files, a_refused_create_writes_nothing_into_a_writable_root)
{
	refused_late((struct rt_cfg){ 0 }, LATE_MOUNT, LATE_MOUNT_REFUSED);
}

/* What the guest sets after the mounts is checked before them: sysctl keys, the hostname. */
Test(host_files, a_bad_sysctl_key_writes_nothing_into_a_writable_root)
{
	refused_late((struct rt_cfg){ .linux_ = "\"sysctl\":{\"../../etc/x\":\"1\"}" }, NULL,
		     "linux.sysctl: \"../../etc/x\" cannot be set here");
}

Test(host_files, a_hostname_without_uts_writes_nothing_into_a_writable_root)
{
	refused_late((struct rt_cfg){ .namespaces = "[{\"type\":\"pid\"},{\"type\":\"mount\"}]" },
		     NULL, "a hostname or domainname needs a uts namespace of its own");
}

Test(host_files, too_many_volumes_are_refused_before_anything_is_written)
{
	cleanup_strv struct vs_strv parts = { 0 };
	cleanup_free char *mounts = NULL, *rootfs_before = sec_tree(t.rootfs, NULL);
	struct rt_result r;

	for (size_t i = 0; i <= 1024; i++)
		vs_strv_pushf(&parts,
			      "{\"destination\":\"/v%zu\",\"type\":\"bind\",\"source\":\"%s\","
			      "\"options\":[\"rbind\",\"ro\"]}",
			      i, t.dir);
	mounts = vs_strv_join(&parts, ",");
	rt_config(&t,
		  &(struct rt_cfg){ .args = "[\"true\"]", .root = RO_ROOT, .more_mounts = mounts });
	r = rt_run(&t, NULL);
	cr_assert_neq(r.status, 0, "1025 volumes were accepted");
	cr_assert_not_null(strstr(r.err, "mounts: 1025 bind mounts of host files and directories; "
					 "a container may have at most 1024"),
			   "stderr: %s", r.err);
	rt_result_free(&r);
	sec_assert_tree(t.rootfs, rootfs_before, NULL);
}

Test(host_files, a_read_only_root_behind_a_symlink_gets_nothing_made_in_its_target)
{
	cleanup_free char *target = vs_xasprintf("%s/elsewhere", t.dir);
	cleanup_free char *file = vs_xasprintf("%s/motd", t.dir);
	cleanup_free char *before = NULL, *mounts = NULL;
	struct rt_result r;

	cr_assert_eq(rename(t.rootfs, target), 0);
	cr_assert_eq(symlink("../elsewhere", t.rootfs), 0);
	ts_write_file(file, "hello\n", 6);
	mounts = vs_xasprintf("{\"destination\":\"/data/scratch\",\"type\":\"tmpfs\","
			      "\"source\":\"tmpfs\"},"
			      "{\"destination\":\"/etc/motd\",\"type\":\"bind\",\"source\":\"%s\","
			      "\"options\":[\"bind\",\"ro\"]}",
			      file);
	before = sec_tree(target, NULL);
	r = rt_run_config(&t, &(struct rt_cfg){
				  .args = "[\"sh\",\"-c\",\"cat /etc/motd; ls -d /data/scratch "
					  "/dev/mqueue\"]",
				  .root = RO_ROOT,
				  .more_mounts = mounts,
			      });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "hello\n/data/scratch\n/dev/mqueue\n");
	rt_result_free(&r);
	sec_assert_tree(target, before, NULL);
}
