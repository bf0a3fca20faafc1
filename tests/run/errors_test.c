/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `vshim run` does with bad input and with a guest that fails: each
 * case exits non-zero with a message that names what is wrong, and leaves
 * nothing behind (no ROOT/ID, no QEMU, no mounts; the runner checks).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtest.h"

static struct rt t;

static void setup(void)
{
	rt_setup_novm(&t);
}

static void teardown(void)
{
	rt_teardown(&t);
}

TestSuite(bad_input, .init = setup, .fini = teardown, .timeout = 120);
TestSuite(guest_failure, .init = setup, .fini = teardown, .timeout = 120);

/* A failed run: non-zero, nothing on stdout, stderr holding every one of the texts. */
static void assert_failed(const struct rt_result *r, const char *const *texts)
{
	cr_assert_neq(r->status, 0, "vshim succeeded; stdout:\n%s", r->out);
	cr_assert_str_empty(r->out, "stdout: %s", r->out);
	cr_assert_eq(strncmp(r->err, "vshim: ", 7), 0, "stderr: %s", r->err);
	for (const char *const *s = texts; *s != NULL; s++)
		cr_assert_not_null(strstr(r->err, *s), "no \"%s\" in stderr: %s", *s, r->err);
}

/* The root holds nothing: no state directory of any ID. */
static void assert_root_empty(void)
{
	cleanup_dir DIR *d = opendir(t.root);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL)
		cr_assert(strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0,
			  "`%s/%s` is left behind", t.root, de->d_name);
}

/*
 * A host configuration under DIR that lets config.json pick a guest kernel
 * from dir; returns the "VSHIM_CONFIG=..." to run vshim with.
 */
static char *allow_kernels_from(const char *dir)
{
	cleanup_free char *conf = vs_xasprintf("%s/vshim.conf", t.dir);
	cleanup_free char *text =
	    vs_xasprintf("[annotations]\nallow = kernel\nkernel_dirs = %s\n", dir);

	ts_write_file(conf, text, strlen(text));
	return vs_xasprintf("VSHIM_CONFIG=%s", conf);
}

/* Writes config.json as given and runs it; asserts a failure naming the file and texts. */
static void config_fails(const char *json, const char *const *texts)
{
	cleanup_free char *path = vs_xasprintf("%s/config.json", t.bundle);
	struct rt_result r;

	ts_write_file(path, json, strlen(json));
	r = rt_run(&t, NULL);
	assert_failed(&r, texts);
	cr_assert_not_null(strstr(r.err, path), "stderr does not name `%s`: %s", path, r.err);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, missing_bundle_directory)
{
	cleanup_free char *bundle = vs_xasprintf("%s/no-such-bundle", t.dir);
	const char *texts[] = { bundle, "No such file or directory", NULL };
	struct rt_result r = rt_run(&t, &(struct rt_opts){ .bundle = bundle });

	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, missing_config_json)
{
	cleanup_free char *path = vs_xasprintf("%s/config.json", t.bundle);
	const char *texts[] = { path, "No such file or directory", NULL };
	struct rt_result r = rt_run(&t, NULL);

	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, invalid_json)
{
	const char *texts[] = { "invalid JSON", NULL };

	config_fails("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]", texts);
}

Test(bad_input, args_not_an_array)
{
	const char *texts[] = { "process.args", "array", NULL };

	config_fails("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":\"sh\",\"cwd\":\"/\","
		     "\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"}}",
		     texts);
}

Test(bad_input, uid_not_a_number)
{
	const char *texts[] = { "process.user.uid", NULL };

	config_fails("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
		     "\"user\":{\"uid\":\"root\",\"gid\":0}},\"root\":{\"path\":\"rootfs\"}}",
		     texts);
}

Test(bad_input, mounts_not_an_array)
{
	const char *texts[] = { "mounts", NULL };

	config_fails("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
		     "\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},"
		     "\"mounts\":{\"destination\":\"/x\"}}",
		     texts);
}

Test(bad_input, no_process)
{
	const char *texts[] = { "process", NULL };

	config_fails("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}}", texts);
}

Test(bad_input, root_path_missing)
{
	cleanup_free char *rootfs = vs_xasprintf("%s/no-rootfs", t.bundle);
	const char *texts[] = { "root.path", rootfs, NULL };

	config_fails("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
		     "\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"no-rootfs\"}}",
		     texts);
}

Test(bad_input, unknown_mount_type)
{
	const char *texts[] = { "mounts[6].type", "\"nfs\"", NULL };
	cleanup_free char *path = vs_xasprintf("%s/config.json", t.bundle);
	cleanup_free char *json = NULL;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]",
					.more_mounts = "{\"destination\":\"/srv\",\"type\":"
						       "\"nfs\",\"source\":\"server:/srv\"}" });
	json = ts_read_file(path, NULL);
	config_fails(json, texts);
}

Test(bad_input, bind_mount_source_missing)
{
	cleanup_free char *source = vs_xasprintf("%s/no-such-source", t.dir);
	cleanup_free char *mount =
	    vs_xasprintf("{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"%s\","
			 "\"options\":[\"rbind\"]}",
			 source);
	const char *texts[] = { "mounts[6].source", source, NULL };
	cleanup_free char *path = vs_xasprintf("%s/config.json", t.bundle);
	cleanup_free char *json = NULL;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]", .more_mounts = mount });
	json = ts_read_file(path, NULL);
	config_fails(json, texts);
}

Test(bad_input, bad_annotation_value)
{
	const char *texts[] = { "io.vshim.memory", "\"lots\"", NULL };
	struct rt_result r;

	rt_require_vm();
	r = rt_run_config(
	    &t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]",
				  .top = "\"annotations\":{\"io.vshim.memory\":\"lots\"}" });
	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, kernel_missing_from_the_data_directory)
{
	cleanup_free char *empty = vs_xasprintf("%s/empty-datadir", t.dir);
	cleanup_free char *setting = vs_xasprintf("VSHIM_DATADIR=%s", empty);
	cleanup_free char *kernel = vs_xasprintf("%s/vmlinux", empty);
	const char *env[] = { setting, NULL };
	const char *texts[] = { kernel, "VSHIM_DATADIR", NULL };
	struct rt_result r;

	cr_assert_eq(mkdir(empty, 0755), 0);
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]" });
	r = rt_run(&t, &(struct rt_opts){ .env = env });
	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, kernel_annotation_names_a_missing_file)
{
	cleanup_free char *kernel = vs_xasprintf("%s/no-such-vmlinux", t.dir);
	cleanup_free char *top =
	    vs_xasprintf("\"annotations\":{\"io.vshim.kernel\":\"%s\"}", kernel);
	const char *texts[] = { kernel, "kernel", NULL };
	struct rt_result r;

	cleanup_free char *env = allow_kernels_from(t.dir);
	const char *const vars[] = { env, NULL };

	rt_require_vm();
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]", .top = top });
	r = rt_run(&t, &(struct rt_opts){ .env = vars });
	assert_failed(&r, texts);
	cr_assert_lt(r.secs, 15.0);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, qemu_missing)
{
	const char *env[] = { "PATH=/nonexistent", NULL };
	const char *texts[] = { "qemu-system-x86_64", "No such file or directory", NULL };
	struct rt_result r;

	rt_require_vm();
	cr_assert_eq(geteuid(), 0, "hiding QEMU takes a mount namespace: run the tests as root");
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]" });
	/* The driver does not search PATH: /usr/bin and /usr/local/bin are emptied as well. */
	r = rt_run(&t, &(struct rt_opts){ .env = env, .hide_qemu = true });
	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, duplicate_id_while_one_runs)
{
	const char *texts[] = { "container `ctr` already exists", NULL };
	cleanup_free char *state = vs_xasprintf("%s/ctr", t.root);
	pid_t qemu[4];
	struct rt_proc first;
	struct rt_result r;

	rt_require_vm();
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"wait-signal\"]" });
	rt_spawn(&t, &first, NULL);
	rt_wait_stdout(&first, "ready\n", 30);

	r = rt_run(&t, &(struct rt_opts){ .keep = true });
	assert_failed(&r, texts);
	rt_result_free(&r);
	/* The refused run touched nothing of the running one. */
	cr_assert_eq(access(state, F_OK), 0, "the running container's `%s` was removed", state);
	cr_assert_eq(ts_find_processes(state, qemu, 4), 1,
		     "the running container's QEMU is gone or has company");

	kill(first.pid, SIGTERM);
	r = rt_wait(&t, &first);
	cr_assert_eq(r.status, SIGTERM, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "ready\nsignal 15\n");
	rt_result_free(&r);
}

Test(bad_input, terminal_without_any_terminal_fails_at_once)
{
	cleanup_free char *path = vs_xasprintf("%s/config.json", t.bundle);
	cleanup_free char *cmd = vs_xasprintf("'%s' spec --bundle '%s'", rt_vshim_path(), t.bundle);
	const char *texts[] = { "process.terminal is true, but neither the stdio of vshim run nor "
				"a controlling terminal is a terminal",
				NULL };
	struct rt_result r;

	/* runc spec's template, run from a script: no terminal anywhere. */
	unlink(path);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
	r = rt_run(&t, &(struct rt_opts){ .timeout_s = 20 });
	assert_failed(&r, texts);
	cr_assert_lt(r.secs, 5.0, "vshim run took %.1f s to refuse", r.secs);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, namespace_path_of_another_type)
{
	const char *texts[] = {
		"linux.namespaces[1].path: `/proc/self/ns/ipc` is a namespace of type "
		"ipc, not a network namespace",
		NULL
	};
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){
			  .args = "[" H ",\"echo\"]",
			  .namespaces = "[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":"
					"\"/proc/self/ns/ipc\"},{\"type\":\"mount\"}]",
		      });
	r = rt_run(&t, NULL);
	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

/* A device the guest kernel has no driver for is create's error, not a dead node. */
Test(bad_input, device_the_guest_kernel_lacks)
{
	const char *texts[] = { "linux.devices[1]: the VM has no character device 10:232 for "
				"`/dev/kvm`: the guest kernel cannot provide it",
				NULL };
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){
			  .args = "[" H ",\"echo\"]",
			  .linux_ = "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\","
				    "\"major\":10,\"minor\":229},{\"path\":\"/dev/kvm\","
				    "\"type\":\"c\",\"major\":10,\"minor\":232}]",
		      });
	r = rt_run(&t, NULL);
	assert_failed(&r, texts);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, id_with_dot_dot)
{
	cleanup_free char *escaped = vs_xasprintf("%s/x", t.dir);
	const char *texts[] = { "invalid container ID `../x`", NULL };
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]" });
	r = rt_run(&t, &(struct rt_opts){ .id = "../x" });
	assert_failed(&r, texts);
	cr_assert_neq(access(escaped, F_OK), 0, "`%s` was created", escaped);
	assert_root_empty();
	rt_result_free(&r);
}

Test(bad_input, id_with_slash)
{
	cleanup_free char *nested = vs_xasprintf("%s/a", t.root);
	const char *texts[] = { "invalid container ID `a/b`", NULL };
	struct rt_result r;

	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\"]" });
	r = rt_run(&t, &(struct rt_opts){ .id = "a/b" });
	assert_failed(&r, texts);
	cr_assert_neq(access(nested, F_OK), 0, "`%s` was created", nested);
	assert_root_empty();
	rt_result_free(&r);
}

/*
 * A guest that cannot run the container: vshim must say the VM ended, exit
 * non-zero within seconds, and leave no QEMU.  How the guest ends is chosen
 * through VSHIM_DATADIR: the build's kernel with another initramfs.
 */
static void guest_ends(const char *initrd, const char *what)
{
	cleanup_free char *dir = NULL, *setting = NULL;
	const char *env[2] = { NULL, NULL };
	const char *texts[] = { "the VM ended before the container exited", NULL };
	struct rt_result r;

	rt_require_vm();
	dir = rt_datadir_with_initrd(&t, "datadir", initrd);
	setting = vs_xasprintf("VSHIM_DATADIR=%s", dir);
	env[0] = setting;
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\",\"never\"]" });
	r = rt_run(&t, &(struct rt_opts){ .env = env, .timeout_s = 30 });
	assert_failed(&r, texts);
	cr_assert_lt(r.secs, 10.0, "%s: vshim took %.1f s to notice", what, r.secs);
	assert_root_empty();
	rt_result_free(&r);
}

Test(guest_failure, kernel_panics_without_an_init)
{
	/* An empty initramfs: "No working init found", the kernel panics and reboots. */
	guest_ends(NULL, "no init");
}

Test(guest_failure, agent_exits_and_the_guest_panics)
{
	/* The helper as /init exits at once: "Attempted to kill init!". */
	guest_ends(rt_noagent_image(), "PID 1 exits");
}

Test(guest_failure, guest_reboots_without_an_agent)
{
	/* The driver tests' init: it boots, says hello on the console and reboots. */
	guest_ends(rt_testinit_image(), "no agent");
}

Test(guest_failure, kernel_annotation_pointing_to_a_non_kernel)
{
	cleanup_free char *top = NULL;
	const char *texts[] = { "kernel", NULL };
	struct rt_result r;

	rt_require_vm();
	/* The host allows kernels from the rootfs's /bin, so QEMU gets to try. */
	cleanup_free char *bin = vs_xasprintf("%s/bin", t.rootfs);
	cleanup_free char *env = allow_kernels_from(bin);
	const char *const vars[] = { env, NULL };

	top = vs_xasprintf("\"annotations\":{\"io.vshim.kernel\":\"%s/bin/busybox\"}", t.rootfs);
	rt_config(&t, &(struct rt_cfg){ .args = "[" H ",\"echo\",\"never\"]", .top = top });
	r = rt_run(&t, &(struct rt_opts){ .env = vars, .timeout_s = 30 });
	assert_failed(&r, texts);
	cr_assert_lt(r.secs, 10.0);
	assert_root_empty();
	rt_result_free(&r);
}

Test(guest_failure, container_reboots_the_vm_midway)
{
	const char *texts[] = { "the VM ended before the container exited", NULL };
	struct rt_result r;

	rt_require_vm();
	/* Outside a pid namespace and with CAP_SYS_BOOT, reboot(2) ends the whole guest. */
	rt_config(&t,
		  &(struct rt_cfg){
		      .args = "[\"sh\",\"-c\",\"echo before; sleep 1; /bin/vshim-testhelper "
			      "reboot; sleep 20; "
			      "echo after\"]",
		      .caps = "{\"bounding\":[\"CAP_SYS_BOOT\"],\"effective\":[\"CAP_SYS_BOOT\"],"
			      "\"permitted\":[\"CAP_SYS_BOOT\"]}",
		      .namespaces = "[{\"type\":\"uts\"},{\"type\":\"mount\"}]",
		  });
	r = rt_run(&t, &(struct rt_opts){ .timeout_s = 30 });
	cr_assert_neq(r.status, 0, "vshim succeeded; stdout:\n%s", r.out);
	cr_assert_str_eq(r.out, "before\n");
	for (const char *const *s = texts; *s != NULL; s++)
		cr_assert_not_null(strstr(r.err, *s), "no \"%s\" in stderr: %s", *s, r.err);
	cr_assert_lt(r.secs, 10.0, "vshim took %.1f s to notice", r.secs);
	assert_root_empty();
	rt_result_free(&r);
}
