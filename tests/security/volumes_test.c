/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only volumes stay read-only whatever the guest does: every bind
 * mount travels through one 9p share, so the host enforces read-only on
 * its side.  The guest (root with every capability) remounts its bind
 * mounts of them read-write and writes; the host's files are unchanged,
 * while a read-write volume beside them is written.  (The share itself
 * cannot be mounted a second time in the guest: 9p's virtio channel is
 * busy with the agent's mount.)
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

TestSuite(volumes, .init = setup, .fini = teardown, .timeout = 180);

#define SH(script) "[\"sh\",\"-c\",\"" script "\"]"

Test(volumes, a_guest_with_every_capability_cannot_write_a_read_only_volume)
{
	cleanup_free char *ro = vs_xasprintf("%s/ro", t.dir);
	cleanup_free char *ro_in = vs_xasprintf("%s/in", ro);
	cleanup_free char *ro_new = vs_xasprintf("%s/new", ro);
	cleanup_free char *ro_file = vs_xasprintf("%s/ro-file", t.dir);
	cleanup_free char *rw = vs_xasprintf("%s/rw", t.dir);
	cleanup_free char *rw_out = vs_xasprintf("%s/out", rw);
	cleanup_free char *mount_applet = vs_xasprintf("%s/bin/mount", t.rootfs);
	cleanup_free char *mounts = NULL, *text = NULL;
	struct rt_result r;

	cr_assert_eq(mkdir(ro, 0755), 0);
	cr_assert_eq(mkdir(rw, 0755), 0);
	ts_write_file(ro_in, "host\n", 5);
	ts_write_file(ro_file, "host\n", 5);
	cr_assert_eq(symlink("busybox", mount_applet), 0);
	mounts = vs_xasprintf(
	    "{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"%s\","
	    "\"options\":[\"rbind\",\"ro\"]},"
	    "{\"destination\":\"/ro-file\",\"type\":\"bind\",\"source\":\"%s\","
	    "\"options\":[\"bind\",\"ro\"]},"
	    "{\"destination\":\"/rw\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\"]}",
	    ro, ro_file, rw);
	r = rt_run_config(
	    &t,
	    &(struct rt_cfg){
		.args = SH("mount -o remount,bind,rw /ro && mount -o remount,bind,rw /ro-file && "
			   "grep -c -E ' /ro(-file)? rw,' /proc/self/mountinfo; "
			   "echo guest > /ro/in; echo guest > /ro/new; echo guest > /ro-file; "
			   "echo guest > /rw/out; echo done"),
		.caps = SEC_ALL_CAPS,
		.more_mounts = mounts,
	    });
	cr_assert_eq(r.status, 0, "status %d; stderr:\n%s", r.status, r.err);
	/* Both read-write in the guest's eyes: the refusals below come from the host. */
	cr_assert_str_eq(r.out, "2\ndone\n", "stdout:\n%s\nstderr:\n%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "/ro/in: Read-only file system"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "/ro-file: Read-only file system"), "%s", r.err);
	rt_result_free(&r);
	text = ts_read_file(ro_in, NULL);
	cr_assert_str_eq(text, "host\n", "the guest wrote a read-only volume's file");
	free(text);
	text = ts_read_file(ro_file, NULL);
	cr_assert_str_eq(text, "host\n", "the guest wrote a read-only file volume");
	cr_assert_eq(access(ro_new, F_OK), -1, "the guest created a file in a read-only volume");
	free(text);
	text = ts_read_file(rw_out, NULL);
	cr_assert_str_eq(text, "guest\n", "the read-write volume was not written");
}
