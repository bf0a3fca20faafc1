/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security suite, QEMU's side: a container that is root with every
 * capability tries to leave a privileged file on the host through 9p (its
 * writable root and a writable bind mount of a host directory), and the
 * host checks that it could not.  Then QEMU's own privileges, read from
 * /proc while a container runs.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
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

TestSuite(qemu, .init = setup, .fini = teardown, .timeout = 120);

/* Every capability there is, in all five sets: the guest's worst case. */
#define ALL_SET "[" SEC_ALL_CAPS_LIST "]"
#define ALL_CAPS                                                                       \
	"{\"bounding\":" ALL_SET ",\"effective\":" ALL_SET ",\"inheritable\":" ALL_SET \
	",\"permitted\":" ALL_SET ",\"ambient\":" ALL_SET "}"

#define H_ "/bin/vshim-testhelper "

/* A file capability (VFS_CAP_REVISION_2) granting CAP_SETUID, effective. */
#define FILE_CAP_HEX "0100000280000000000000000000000000000000"

/* The host directory the container gets at /shared: a host user's file in it. */
static char *shared_dir(void)
{
	char *dir = vs_xasprintf("%s/shared", t.dir);
	cleanup_free char *user_file = vs_xasprintf("%s/users", dir);

	cr_assert_eq(mkdir(dir, 0755), 0);
	ts_write_file(user_file, "a host user's file\n", 19);
	cr_assert_eq(chown(user_file, 1000, 1000), 0);
	cr_assert_eq(chmod(user_file, 0644), 0);
	return dir;
}

/*
 * Walks dir on the host and fails on anything privileged the guest could
 * have left: a set-user-ID or set-group-ID file (directories may keep
 * set-group-ID: it only means "new files inherit the group"), a device
 * node, or a file capability.
 */
static void assert_nothing_privileged(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert_not_null(d, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;
		struct stat st;
		char cap[64];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = vs_xasprintf("%s/%s", dir, e->d_name);
		cr_assert_eq(lstat(path, &st), 0, "%s", path);
		cr_assert(!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode), "%s is a device node",
			  path);
		if (S_ISDIR(st.st_mode)) {
			cr_assert_eq(st.st_mode & S_ISUID, 0, "%s is set-user-ID", path);
			assert_nothing_privileged(path);
			continue;
		}
		cr_assert_eq(st.st_mode & (S_ISUID | S_ISGID), 0, "%s has mode %o on the host",
			     path, (unsigned int)st.st_mode);
		if (!S_ISLNK(st.st_mode))
			cr_assert_lt(lgetxattr(path, "security.capability", cap, sizeof(cap)), 0,
				     "%s has a file capability", path);
	}
}

/* The attacks, run inside the container on DIR (/shared or the root). */
#define ATTACKS(DIR)                                                                      \
	"cp /bin/busybox " DIR "/suid && " H_ "chmod 4755 " DIR "/suid; "                 \
	"" H_ "stat " DIR "/suid; "                                                       \
	"touch " DIR "/sgid && chown 0:0 " DIR "/sgid && " H_ "chmod 2755 " DIR "/sgid; " \
	"" H_ "create " DIR "/born-suid 4755; "                                           \
	"" H_ "mknod " DIR "/null c 1 3; "                                                \
	"" H_ "mknod " DIR "/sda b 8 0; "                                                 \
	"" H_ "setxattr " DIR "/suid security.capability " FILE_CAP_HEX "; "              \
	"mkdir " DIR "/team && " H_ "chmod 2775 " DIR "/team; " H_ "stat " DIR "/team; "

/*
 * What ATTACKS prints when the host holds: the chmods succeed without the
 * privilege bits.  A guest kernel of the attacker's that did send a
 * security.capability xattr would meet a QEMU without CAP_SETFCAP
 * (runs_with_the_least_it_needs).
 */
#define ATTACKS_OUT                                                                              \
	"ok\n100755 0 0\n"   /* chmod 4755: done, without S_ISUID */                             \
	"ok\n"		     /* chmod 2755 of a root file: done, without S_ISGID */              \
	"errno=1\n"	     /* a file created set-user-ID: refused */                           \
	"errno=1\nerrno=1\n" /* device nodes: refused */                                         \
	"errno=95\n"	     /* a file capability: the guest kernel has no security.* over 9p */ \
	"ok\n42775 0 0\n"    /* a directory keeps set-group-ID */

Test(qemu, bind_mount_gets_no_privileged_file)
{
	cleanup_free char *shared = shared_dir();
	cleanup_free char *mount = vs_xasprintf("{\"destination\":\"/shared\",\"type\":\"bind\","
						"\"source\":\"%s\",\"options\":[\"rbind\",\"rw\"]}",
						shared);
	cleanup_free char *users = vs_xasprintf("%s/users", shared);
	struct stat st;

	struct rt_result r = rt_run_config(
	    &t, &(struct rt_cfg){
		    .args = "[\"sh\",\"-c\",\"" ATTACKS("/shared") "chown 0:0 /shared/users && " H_
								   "chmod 6777 /shared/users; " H_
								   "stat /shared/users\"]",
		    .caps = ALL_CAPS,
		    .more_mounts = mount,
		});

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, ATTACKS_OUT "ok\n100777 0 0\n", "stdout:\n%s\nstderr: %s", r.out,
			 r.err);
	assert_nothing_privileged(shared);
	/* The host user's file: the guest may own it (as runc's root may), not make it privileged.
	 */
	cr_assert_eq(stat(users, &st), 0);
	cr_assert_eq(st.st_mode & 07000, 0, "mode %o", (unsigned int)st.st_mode);
	rt_result_free(&r);
}

Test(qemu, writable_root_gets_no_privileged_file)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = "[\"sh\",\"-c\",\"" ATTACKS("/tmp") "\"]",
				  .caps = ALL_CAPS,
			      });

	rt_assert_ok(r);
	cr_assert_str_eq(r.out, ATTACKS_OUT, "stdout:\n%s\nstderr: %s", r.out, r.err);
	assert_nothing_privileged(t.rootfs);
	rt_result_free(&r);
}

/* A set-user-ID file the host already has loses the bit when the guest writes it. */
Test(qemu, writing_a_setuid_file_clears_the_bit)
{
	cleanup_free char *shared = shared_dir();
	cleanup_free char *mount = vs_xasprintf("{\"destination\":\"/shared\",\"type\":\"bind\","
						"\"source\":\"%s\",\"options\":[\"rbind\",\"rw\"]}",
						shared);
	cleanup_free char *prog = vs_xasprintf("%s/prog", shared);
	struct stat st;

	ts_write_file(prog, "#!/bin/sh\n", 10);
	cr_assert_eq(chmod(prog, 04755), 0);
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = "[\"sh\",\"-c\",\"echo 'id -u' >> /shared/prog\"]",
				  .caps = ALL_CAPS,
				  .more_mounts = mount,
			      });

	rt_assert_ok(r);
	cr_assert_eq(stat(prog, &st), 0);
	cr_assert_eq(st.st_size, 16, "the write did not happen");
	cr_assert_eq(st.st_mode & S_ISUID, 0, "mode %o", (unsigned int)st.st_mode);
	rt_result_free(&r);
}

/* A /proc/PID/status line's value ("Seccomp:\t2" -> "2"), or "" when absent. */
static void status_field(const char *status, const char *name, char *out, size_t size)
{
	cleanup_free char *key = vs_xasprintf("\n%s:", name);
	const char *p = strstr(status, key);

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	p += strspn(p, " \t");
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
}

Test(qemu, runs_with_the_least_it_needs)
{
	struct rt_proc p;
	pid_t pids[4];
	char value[64];

	rt_config(&t, &(struct rt_cfg){ .args = "[\"sh\",\"-c\",\"echo ready; sleep 30\"]" });
	rt_spawn(&t, &p, &(struct rt_opts){ .timeout_s = 60 });
	rt_wait_stdout(&p, "ready", 60);

	cr_assert_eq(ts_find_processes("qemu-system", pids, 4) > 0, true);
	size_t n = 0;
	for (size_t i = 0; i < ts_find_processes(t.dir, pids, 4); i++) {
		cleanup_free char *cmdline_path = vs_xasprintf("/proc/%d/cmdline", (int)pids[i]);
		cleanup_free char *status_path = vs_xasprintf("/proc/%d/status", (int)pids[i]);
		cleanup_free char *cmd = NULL, *status = NULL;
		size_t len = 0;

		cmd = ts_read_file(cmdline_path, &len);
		if (cmd == NULL || strstr(cmd, "qemu-system") == NULL)
			continue;
		n++;
		status = ts_read_file(status_path, &len);
		cr_assert_not_null(status);
		status_field(status, "Uid", value, sizeof(value));
		cr_assert_str_eq(value, "0\t0\t0\t0", "QEMU runs as vshim's user (root here)");
		/* CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER: bits 0, 1, 2, 3. */
		status_field(status, "CapEff", value, sizeof(value));
		cr_assert_str_eq(value, "000000000000000f");
		status_field(status, "CapPrm", value, sizeof(value));
		cr_assert_str_eq(value, "000000000000000f");
		status_field(status, "CapBnd", value, sizeof(value));
		cr_assert_str_eq(value, "000000000000000f");
		status_field(status, "CapAmb", value, sizeof(value));
		cr_assert_str_eq(value, "0000000000000000");
		status_field(status, "NoNewPrivs", value, sizeof(value));
		cr_assert_str_eq(value, "1");
		status_field(status, "Seccomp", value, sizeof(value));
		cr_assert_str_eq(value, "2", "QEMU runs under a seccomp filter");
	}
	cr_assert_eq(n, 1, "found %zu QEMU processes of this test", n);
	kill(p.pid, SIGTERM);
	struct rt_result r = rt_wait(&t, &p);
	rt_result_free(&r);
}
