/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pid a client holds is the container (shim/handle.h): what containerd
 * and podman do through /proc/PID and its cgroup reaches the container,
 * never the host.  Its root is the container's root file system with the
 * volumes at their destinations (live: the guest sees a file written there
 * at once), its cwd the process's, its /proc shows no host process, a
 * signal sent to it reaches the init, and killing it kills the container.
 * With linux.cgroupsPath, the container's host processes are in that cgroup,
 * bounded by the VM's size, and the cgroup goes with delete.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "lc.h"

static struct lc t;

static void setup(void)
{
	lc_setup(&t);
}

static void teardown(void)
{
	lc_teardown(&t);
}

TestSuite(pid, .init = setup, .fini = teardown, .timeout = 120);

static struct lc_res exec_in(const char *const *argv)
{
	return lc_run(&t, argv);
}

Test(pid, its_root_is_the_containers)
{
	cleanup_free char *vol = vs_xasprintf("%s/vol", t.dir);
	cleanup_free char *vol_file = vs_xasprintf("%s/from-volume", vol);
	cleanup_free char *mounts =
	    vs_xasprintf("{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"%s\","
			 "\"options\":[\"rbind\",\"rw\"]},"
			 "{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}",
			 vol);
	struct lc_ctr c;

	cr_assert_eq(mkdir(vol, 0755), 0);
	lc_write(vol_file, "on the volume\n", 0644);
	lc_config(&t, &(struct lc_cfg){
			  .args = "[\"sh\",\"-c\",\"echo from the guest > /guest-file; "
				  "echo ready; sleep 60\"]",
			  .process = "\"cwd\":\"/bin\"",
			  .mounts = mounts,
		      });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "ready", 30000);

	cleanup_free char *root = vs_xasprintf("/proc/%d/root", (int)c.pid);
	cleanup_free char *cwd = vs_xasprintf("/proc/%d/cwd", (int)c.pid);
	char link[256] = "";

	/* Its cwd is the process's, inside the container. */
	cr_assert_gt(readlink(cwd, link, sizeof(link) - 1), 0);
	cr_assert_str_eq(link, "/bin");
	/* What the guest wrote, read through it. */
	cleanup_free char *guest_file = vs_xasprintf("%s/guest-file", root);
	cleanup_free char *text = lc_read(guest_file);
	cr_assert_str_eq(text, "from the guest\n");
	/* The volume at its destination. */
	cleanup_free char *on_volume = vs_xasprintf("%s/data/from-volume", root);
	cleanup_free char *vtext = lc_read(on_volume);
	cr_assert_str_eq(vtext, "on the volume\n");
	/* Written through it (as `podman cp` does), seen in the guest at once. */
	cleanup_free char *host_file = vs_xasprintf("%s/from-the-host", root);
	lc_write(host_file, "copied in\n", 0644);
	struct lc_res r =
	    exec_in((const char *const[]){ "exec", "ctr", "cat", "/from-the-host", NULL });
	cr_assert_eq(r.status, 0, "exec: %s", r.err);
	cr_assert_str_eq(r.out, "copied in\n");
	lc_res_free(&r);
	/* What only the guest has is an empty read-only directory: nothing goes astray. */
	cleanup_free char *astray = vs_xasprintf("%s/scratch/x", root);
	FILE *f = fopen(astray, "w");
	cr_assert_null(f, "wrote into the guest's tmpfs from the host");
	cr_assert_eq(errno, EROFS, "%s", strerror(errno));
	/* Its /proc shows no host process: only the one process of its own pid namespace. */
	cleanup_free char *proc = vs_xasprintf("%s/proc", root);
	cleanup_dir DIR *d = opendir(proc);
	struct dirent *e;
	size_t pids = 0;
	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		pids += e->d_name[0] >= '0' && e->d_name[0] <= '9';
	cr_assert_eq(pids, 1, "%zu processes in the container's /proc", pids);
	/* And it is a mount namespace of its own, not the host's. */
	cleanup_free char *its_mnt = vs_xasprintf("/proc/%d/ns/mnt", (int)c.pid);
	char a[64] = "", b[64] = "";
	cr_assert_gt(readlink(its_mnt, a, sizeof(a) - 1), 0);
	cr_assert_gt(readlink("/proc/self/ns/mnt", b, sizeof(b) - 1), 0);
	cr_assert_str_neq(a, b);

	r = LC_RUN(&t, "kill", "ctr", "KILL");
	lc_assert_ok(r, "kill");
	lc_res_free(&r);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

Test(pid, signals_sent_to_it_reach_the_init)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"trap 'echo term; exit 42' TERM; "
						"echo ready; while :; do sleep 0.1; done\"]" });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "ready", 30000);
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	cr_assert_eq(lc_wait_pid(&c, 20000), 42);
	lc_wait_file(c.out, "term", 1000);
	struct lc_res r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

Test(pid, killing_it_kills_the_container)
{
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"echo ready; sleep 60\"]" });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "ready", 30000);
	pid_t qemu = lc_qemu_pid(&t, "ctr");
	cr_assert_gt(qemu, 0);
	cr_assert_eq(kill(c.pid, SIGKILL), 0);
	cr_assert_eq(lc_wait_pid(&c, 10000), 128 + SIGKILL);
	/* The monitor destroys the VM and says the container stopped. */
	for (int i = 0; i < 200 && kill(qemu, 0) == 0; i++)
		usleep(50000);
	cr_assert_neq(kill(qemu, 0), 0, "QEMU outlived the container's pid");
	lc_assert_status(&t, "ctr", "stopped");
	struct lc_res r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

/* A cgroup file's text, without its last newline. */
static char *cgroup_value(const char *path, const char *name)
{
	cleanup_free char *file = vs_xasprintf("%s/%s", path, name);
	char *text = lc_read(file);
	size_t n = strlen(text);

	if (n > 0 && text[n - 1] == '\n')
		text[n - 1] = '\0';
	return text;
}

Test(pid, its_cgroup_bounds_the_vm)
{
	cleanup_free char *cg = vs_xasprintf("/vshim-lc-%d/ctr", (int)getpid());
	cleanup_free char *linux_ = vs_xasprintf("\"cgroupsPath\":\"%s\"", cg);
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	cleanup_free char *dir =
	    vs_xasprintf(v2 ? "/sys/fs/cgroup%s" : "/sys/fs/cgroup/memory%s", cg);
	struct lc_ctr c;

	cr_assert_eq(geteuid(), 0, "cgroups need root");
	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"echo ready; sleep 60\"]",
					.linux_ = linux_ });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "ready", 30000);

	/* The VM's memory (LC_MEMORY_MIB), its translation cache (16 MiB), and QEMU's own. */
	cleanup_free char *limit = cgroup_value(dir, v2 ? "memory.max" : "memory.limit_in_bytes");
	unsigned long long want = (64ull + 16 + 96) << 20;
	cr_assert_eq(strtoull(limit, NULL, 10), want, "limit %s, not %llu", limit, want);
	/* The container's pid and QEMU are in it. */
	cleanup_free char *listed = cgroup_value(dir, "cgroup.procs");
	cleanup_free char *procs = vs_xasprintf("\n%s\n", listed);
	char pid_text[24], qemu_text[24];
	snprintf(pid_text, sizeof(pid_text), "\n%d\n", (int)c.pid);
	snprintf(qemu_text, sizeof(qemu_text), "\n%d\n", (int)lc_qemu_pid(&t, "ctr"));
	cr_assert_not_null(strstr(procs, pid_text), "the pid is not in %s: %s", dir, procs);
	cr_assert_not_null(strstr(procs, qemu_text), "QEMU is not in %s: %s", dir, procs);
	/* So is an exec's host process (the pid its --pid-file names), as with runc. */
	cleanup_free char *exec_pid_file = vs_xasprintf("%s/exec.pid", t.dir);
	struct lc_res e =
	    LC_RUN(&t, "exec", "--detach", "--pid-file", exec_pid_file, "ctr", "sleep", "60");
	lc_assert_ok(e, "exec --detach");
	lc_res_free(&e);
	cleanup_free char *exec_pid = lc_read(exec_pid_file);
	cleanup_free char *with_exec = cgroup_value(dir, "cgroup.procs");
	cleanup_free char *exec_text = vs_xasprintf("\n%s\n", exec_pid);
	cleanup_free char *procs_now = vs_xasprintf("\n%s\n", with_exec);
	cr_assert_not_null(strstr(procs_now, exec_text), "the exec's pid %s is not in %s: %s",
			   exec_pid, dir, procs_now);

	struct lc_res r = LC_RUN(&t, "kill", "ctr", "KILL");
	lc_assert_ok(r, "kill");
	lc_res_free(&r);
	lc_wait_pid(&c, 10000);
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	cr_assert_neq(access(dir, F_OK), 0, "%s is still there after delete", dir);
	/* The test's parent directory (podman's libpod_parent, say) is not vshim's to remove. */
	cleanup_free char *parent = vs_xasprintf(
	    v2 ? "/sys/fs/cgroup/vshim-lc-%d" : "/sys/fs/cgroup/memory/vshim-lc-%d", (int)getpid());
	cr_assert_eq(access(parent, F_OK), 0);
	char *hierarchies[] = { "",	    "/memory", "/cpu",	"/cpuacct", "/cpuset", "/devices",
				"/freezer", "/blkio",  "/pids", "/systemd", "/unified" };
	for (size_t i = 0; i < VS_ARRAY_SIZE(hierarchies); i++) {
		cleanup_free char *p =
		    vs_xasprintf("/sys/fs/cgroup%s/vshim-lc-%d", hierarchies[i], (int)getpid());
		rmdir(p);
	}
	lc_assert_clean(&t);
}
