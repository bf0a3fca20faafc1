/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's file system in a real VM: read-only root, host directories
 * and files bind-mounted through 9p (written in the guest, read on the host),
 * tmpfs with options, maskedPaths and readonlyPaths.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>

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

TestSuite(mounts, .init = setup, .fini = teardown, .timeout = 120);

#define SH(script) "[\"sh\",\"-c\",\"" script "\"]"
#define HELPER	   "/bin/vshim-testhelper"

/* A host directory DIR/name holding file "in" with text; returns its path. */
static char *host_dir(const char *name, const char *text)
{
	char *dir = vs_xasprintf("%s/%s", t.dir, name);
	cleanup_free char *in = vs_xasprintf("%s/in", dir);

	cr_assert_eq(mkdir(dir, 0755), 0);
	ts_write_file(in, text, strlen(text));
	return dir;
}

/*
 * The root lacks /scratch: the guest makes it in an overlay in its memory
 * (nothing is written on the host), and the root, with the share's mode,
 * is read-only all the same.
 */
Test(mounts, readonly_root_refuses_writes)
{
	cleanup_free char *scratch = vs_xasprintf("%s/scratch", t.rootfs);
	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){
		    .args = SH("stat -c %a /; " HELPER " write-file /tmp/x y && echo "
			       "wrote; " HELPER " write-file /scratch/x y && echo wrote-tmpfs"),
		    .root = "{\"path\":\"rootfs\",\"readonly\":true}",
		    .more_mounts = "{\"destination\":\"/scratch\",\"type\":\"tmpfs\","
				   "\"source\":\"tmpfs\"}",
		});

	rt_assert_ok(r);
	/* The root refuses, a tmpfs on it does not. */
	cr_assert_str_eq(r.out, "755\nwrote-tmpfs\n");
	cr_assert_neq(access(scratch, F_OK), 0, "the mount point was made on the host");
	cr_assert_not_null(strstr(r.err, "/tmp/x: Read-only file system"), "stderr: %s", r.err);
	rt_result_free(&r);
}

Test(mounts, bind_mounted_directory_written_in_the_guest_read_on_the_host)
{
	cleanup_free char *dir = host_dir("data", "from the host\n");
	cleanup_free char *mount =
	    vs_xasprintf("{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"%s\","
			 "\"options\":[\"rbind\",\"rw\"]}",
			 dir);
	cleanup_free char *out_path = vs_xasprintf("%s/out", dir);
	cleanup_free char *nested_path = vs_xasprintf("%s/sub/f", dir);
	cleanup_free char *out = NULL, *nested = NULL;
	struct rt_result r;

	rt_config(&t,
		  &(struct rt_cfg){
		      .args = SH("cat /data/in; " HELPER " write-file /data/out from-the-guest; "
				 "mkdir /data/sub && " HELPER " write-file /data/sub/f nested"),
		      .more_mounts = mount,
		  });
	r = rt_run(&t, NULL);
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "from the host\n");
	out = ts_read_file(out_path, NULL);
	nested = ts_read_file(nested_path, NULL);
	cr_assert_str_eq(out, "from-the-guest");
	cr_assert_str_eq(nested, "nested");
	rt_result_free(&r);
}

Test(mounts, bind_mount_source_relative_to_the_bundle)
{
	cleanup_free char *dir = vs_xasprintf("%s/shared", t.bundle);
	cleanup_free char *in = vs_xasprintf("%s/in", dir);
	struct rt_result r;

	cr_assert_eq(mkdir(dir, 0755), 0);
	ts_write_file(in, "relative\n", 9);
	r = rt_run_config(&t,
			  &(struct rt_cfg){
			      .args = SH("cat /mnt/shared/in"),
			      .more_mounts = "{\"destination\":\"/mnt/shared\",\"type\":\"bind\","
					     "\"source\":\"shared\",\"options\":[\"bind\"]}",
			  });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "relative\n");
	rt_result_free(&r);
}

Test(mounts, readonly_bind_mount_refuses_writes)
{
	cleanup_free char *dir = host_dir("ro", "read me\n");
	cleanup_free char *mount =
	    vs_xasprintf("{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"%s\","
			 "\"options\":[\"rbind\",\"ro\"]}",
			 dir);
	cleanup_free char *out_path = vs_xasprintf("%s/out", dir);
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = SH("cat /ro/in; " HELPER " write-file /ro/out x"),
				  .more_mounts = mount,
			      });

	cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "read me\n");
	cr_assert_not_null(strstr(r.err, "/ro/out: Read-only file system"), "stderr: %s", r.err);
	cr_assert_neq(access(out_path, F_OK), 0, "the guest wrote through a read-only mount");
	rt_result_free(&r);
}

Test(mounts, bind_mounted_file_read_and_written)
{
	cleanup_free char *file = vs_xasprintf("%s/greeting.txt", t.dir);
	cleanup_free char *mount =
	    vs_xasprintf("{\"destination\":\"/etc/greeting\",\"type\":\"bind\",\"source\":\"%s\","
			 "\"options\":[\"bind\",\"rw\"]}",
			 file);
	cleanup_free char *text = NULL;
	struct rt_result r;

	ts_write_file(file, "hello\n", 6);
	r = rt_run_config(&t, &(struct rt_cfg){
				  .args = SH("cat /etc/greeting; echo from-guest >> /etc/greeting; "
					     "ls /etc"),
				  .more_mounts = mount,
			      });
	rt_assert_ok(r);
	/* Only the file is mounted: the rest of /etc is the rootfs's. */
	cr_assert_str_eq(r.out, "hello\ngreeting\ngroup\npasswd\n");
	text = ts_read_file(file, NULL);
	cr_assert_str_eq(text, "hello\nfrom-guest\n");
	rt_result_free(&r);
}

Test(mounts, tmpfs_with_options)
{
	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){
		    .args = SH("stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo "
			       "| grep -c 'tmpfs.*size=1024k'; " HELPER
			       " bytes 2097152 > /scratch/big || echo full"),
		    .more_mounts = "{\"destination\":\"/scratch\",\"type\":\"tmpfs\","
				   "\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"size=1m\","
				   "\"mode=1770\"]}",
		});

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "1770\n1\nfull\n");
	cr_assert_not_null(strstr(r.err, "No space left on device"), "stderr: %s", r.err);
	rt_result_free(&r);
}

Test(mounts, masked_paths_are_empty)
{
	cleanup_free char *secrets = vs_xasprintf("%s/mnt/secrets", t.rootfs);
	struct rt_result r;

	cr_assert_eq(mkdir(secrets, 0755), 0);
	rt_write_rootfs(&t, "/mnt/secrets/key", "do not show\n", 0644);
	rt_write_rootfs(&t, "/etc/shadow", "root:secret\n", 0600);
	r = rt_run_config(&t,
			  &(struct rt_cfg){
			      .args = SH("cat /proc/kcore /etc/shadow; echo :; " HELPER
					 " ls /sys/firmware; " HELPER " ls /mnt/secrets; echo :"),
			      .masked = "[\"/proc/kcore\",\"/sys/firmware\",\"/mnt/secrets\","
					"\"/etc/shadow\",\"/no/such/path\"]",
			  });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, ":\n:\n");
	rt_result_free(&r);
}

Test(mounts, readonly_paths_refuse_writes)
{
	cleanup_free char *frozen = vs_xasprintf("%s/mnt/frozen", t.rootfs);
	struct rt_result r;

	cr_assert_eq(mkdir(frozen, 0755), 0);
	r = rt_run_config(&t,
			  &(struct rt_cfg){
			      .args = SH(HELPER " write-file /proc/sys/kernel/hostname x; " HELPER
						" write-file /mnt/frozen/f x; " HELPER
						" write-file /mnt/ok y && echo rw-elsewhere"),
			      .readonly = "[\"/proc/sys\",\"/mnt/frozen\"]",
			  });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "rw-elsewhere\n");
	cr_assert_not_null(strstr(r.err, "/proc/sys/kernel/hostname: Read-only file system"),
			   "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "/mnt/frozen/f: Read-only file system"), "stderr: %s",
			   r.err);
	rt_result_free(&r);
}

Test(mounts, default_devpts_gives_terminals_the_tty_group)
{
	struct rt_result r;

	/* Without a /dev mount the agent's devpts is runc's: gid=5, mode 0620. */
	rt_config(
	    &t, &(struct rt_cfg){
		    .args = SH("stat -c '%g %a' $(tty)"),
		    .process = "\"terminal\":true",
		    .mounts = "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]",
		});
	r = rt_run(&t, &(struct rt_opts){ .ctty = true });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "5 620\r\n");
	rt_result_free(&r);
}

Test(mounts, without_a_dev_mount_the_agent_makes_one)
{
	struct rt_result r;

	rt_config(
	    &t, &(struct rt_cfg){
		    .args = SH(HELPER " ls /dev; echo :; grep -c ' /dev ' /proc/self/mountinfo; "
				      "echo x > /dev/null && head -c 4 /dev/zero | wc -c"),
		    .mounts = "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]",
		});
	r = rt_run(&t, NULL);
	rt_assert_ok(r);
	cr_assert_str_eq(r.out,
			 "fd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\n"
			 "urandom\nzero\n:\n1\n4\n");
	rt_result_free(&r);
}

/* 60 volumes, more than a VM has device slots: directories and files, read-only and not. */
Test(mounts, sixty_bind_mounts)
{
	cleanup_strv struct vs_strv mounts = { 0 };
	cleanup_free char *more = NULL;
	struct rt_result r;
	enum {
		N = 60
	};

	for (int i = 0; i < N; i++) {
		cleanup_free char *src = vs_xasprintf("%s/v%d", t.dir, i);
		bool file = i % 2 == 1, ro = i % 4 >= 2;

		if (file) {
			ts_write_file(src, "host\n", 5);
		} else {
			cleanup_free char *in = vs_xasprintf("%s/in", src);

			cr_assert_eq(mkdir(src, 0755), 0);
			ts_write_file(in, "host\n", 5);
		}
		vs_strv_pushf(&mounts,
			      "{\"destination\":\"/v/%d\",\"type\":\"bind\",\"source\":\"%s\","
			      "\"options\":[\"%s\",\"%s\"]}",
			      i, src, file ? "bind" : "rbind", ro ? "ro" : "rw");
	}
	more = vs_strv_join(&mounts, ",");
	/* Each volume: read; written when read-write, refused when read-only. */
	r = rt_run_config(&t, &(struct rt_cfg){
				  .args = SH("i=0; while [ $i -lt 60 ]; do "
					     "if [ -d /v/$i ]; then f=/v/$i/in; else f=/v/$i; fi; "
					     "read l < $f; [ \\\"$l\\\" = host ] || echo bad-$i; "
					     "echo $i >> $f 2>/dev/null && echo -n w || echo -n r; "
					     "i=$((i+1)); done; echo"),
				  .more_mounts = more,
			      });
	rt_assert_ok(r);
	cr_assert_str_eq(r.out, "wwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrrwwrr\n",
			 "stderr: %s", r.err);
	rt_result_free(&r);
	for (int i = 0; i < N; i++) {
		cleanup_free char *path = i % 2 == 1 ? vs_xasprintf("%s/v%d", t.dir, i)
						     : vs_xasprintf("%s/v%d/in", t.dir, i);
		cleanup_free char *text = ts_read_file(path, NULL);
		cleanup_free char *want =
		    i % 4 >= 2 ? vs_xstrdup("host\n") : vs_xasprintf("host\n%d\n", i);

		cr_assert_str_eq(text, want, "volume %d", i);
	}
}
