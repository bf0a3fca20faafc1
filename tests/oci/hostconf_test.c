/* SPDX-License-Identifier: Apache-2.0 */
/* The host configuration file: defaults, every setting, and every kind of bad line. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/hostconf.h"
#include "oci/translate.h"

static void parse_ok(const char *text, struct oci_hostconf *c)
{
	struct vs_error *err = NULL;

	cr_assert_eq(oci_hostconf_parse(text, "test.conf", c, &err), 0, "%s", err ? err->msg : "");
}

static void parse_fails(const char *text, const char *message)
{
	struct oci_hostconf c;
	struct vs_error *err = NULL;

	cr_assert_eq(oci_hostconf_parse(text, "test.conf", &c, &err), -1, "accepted: %s", text);
	cr_assert_str_eq(err->msg, message);
	vs_error_free(err);
}

Test(hostconf, defaults)
{
	struct oci_hostconf c;

	oci_hostconf_defaults(&c);
	cr_assert_eq(c.memory_mib, OCI_VM_DEFAULT_MEMORY_MIB);
	cr_assert_eq(c.vcpus, 1);
	cr_assert_str_eq(c.accel, "auto");
	cr_assert_str_eq(c.machine, "microvm");
	cr_assert_null(c.kernel);
	cr_assert_eq(c.allowed & OCI_ANN_KERNEL, 0,
		     "a guest kernel from config.json needs the "
		     "administrator's leave");
	cr_assert_neq(c.allowed & OCI_ANN_MEMORY, 0);
	cr_assert_neq(c.allowed & OCI_ANN_HUGEPAGES, 0);
	cr_assert_neq(c.allowed & OCI_ANN_NETWORK, 0);
	cr_assert_str_eq(c.network_mode, "auto");
	cr_assert_eq(c.console_log_size, 1u << 20);
	cr_assert_eq(c.console_log_rate, 64u << 10);
	oci_hostconf_clear(&c);
}

Test(hostconf, every_setting)
{
	struct oci_hostconf c;

	parse_ok("# vshim's host configuration\n"
		 "[vm]\n"
		 "memory = 512\n"
		 "vcpus = 2\n"
		 "max_memory = 4096 ; MiB\n"
		 "max_vcpus = 4\n"
		 "kernel = /opt/k/vmlinux\n"
		 "initrd = /opt/k/initramfs.img\n"
		 "accel = tcg\n"
		 "machine = q35\n"
		 "\n"
		 "[annotations]\n"
		 "allow = memory kernel, hugepages\n"
		 "kernel_dirs = /opt/k /usr/share/vshim\n"
		 "[network]\n"
		 "mode = user\n"
		 "[console]\n"
		 "log_size = 65536\n"
		 "log_rate = 2048\n",
		 &c);
	cr_assert_eq(c.memory_mib, 512);
	cr_assert_eq(c.vcpus, 2);
	cr_assert_eq(c.max_memory_mib, 4096);
	cr_assert_eq(c.max_vcpus, 4);
	cr_assert_str_eq(c.kernel, "/opt/k/vmlinux");
	cr_assert_str_eq(c.initrd, "/opt/k/initramfs.img");
	cr_assert_str_eq(c.accel, "tcg");
	cr_assert_str_eq(c.machine, "q35");
	cr_assert_eq(c.allowed, OCI_ANN_MEMORY | OCI_ANN_KERNEL | OCI_ANN_HUGEPAGES);
	cr_assert_eq(c.n_kernel_dirs, 2);
	cr_assert_str_eq(c.kernel_dirs[0], "/opt/k");
	cr_assert_str_eq(c.kernel_dirs[1], "/usr/share/vshim");
	cr_assert_str_eq(c.network_mode, "user");
	cr_assert_eq(c.console_log_size, 65536);
	cr_assert_eq(c.console_log_rate, 2048);
	cr_assert_str_eq(c.path, "test.conf");
	oci_hostconf_clear(&c);
}

Test(hostconf, empty_allow_refuses_every_annotation)
{
	struct oci_hostconf c;

	parse_ok("[annotations]\nallow =\n", &c);
	cr_assert_eq(c.allowed, 0);
	oci_hostconf_clear(&c);
}

Test(hostconf, bad_lines)
{
	parse_fails("[vm]\nmemory = lots\n",
		    "test.conf:2: [vm] memory: must be a number of MiB between 64 and 1048576, not "
		    "\"lots\"");
	parse_fails("[vm]\nmemory = 12\n",
		    "test.conf:2: [vm] memory: must be a number of MiB between 64 and 1048576, not "
		    "\"12\"");
	parse_fails("[vm]\nvcpus = -1\n",
		    "test.conf:2: [vm] vcpus: must be a number between 1 and 64, not \"-1\"");
	parse_fails("[vm]\n\nmemroy = 512\n", "test.conf:3: [vm] memroy: unknown setting");
	parse_fails("[gpu]\nmodel = x\n", "test.conf:2: [gpu]: unknown section");
	parse_fails("memory = 512\n", "test.conf:1: memory: a setting outside any section");
	parse_fails("[vm]\nkernel = vmlinux\n",
		    "test.conf:2: [vm] kernel: must be an absolute path, not \"vmlinux\"");
	parse_fails("[vm]\naccel = hvf\n",
		    "test.conf:2: [vm] accel: must be auto, kvm or tcg, not \"hvf\"");
	parse_fails("[vm]\nmachine = pc\n",
		    "test.conf:2: [vm] machine: must be microvm or q35, not \"pc\"");
	parse_fails("[annotations]\nallow = memory gpu\n",
		    "test.conf:2: [annotations] allow: unknown annotation \"gpu\" (known: memory, "
		    "vcpus, kernel, accel, machine, tb-cache, hugepages, network)");
	parse_fails("[network]\nmode = bridge\n",
		    "test.conf:2: [network] mode: must be auto, none or user, not \"bridge\"");
	parse_fails("[network]\nbackend = tap\n",
		    "test.conf:2: [network] backend: unknown setting");
	parse_fails("[annotations]\nkernel_dirs = boot\n",
		    "test.conf:2: [annotations] kernel_dirs: \"boot\" is not an absolute path");
	parse_fails("[console]\nlog_size = 10\n",
		    "test.conf:2: [console] log_size: must be a number of bytes between 4096 and "
		    "1073741824, not \"10\"");
	parse_fails("[vm]\nthis is not a setting\n",
		    "test.conf:2: not a `key = value` line or `[section]`");
}

Test(hostconf, whole_file_checks)
{
	parse_fails("[vm]\nmemory = 2048\nmax_memory = 1024\n",
		    "test.conf: [vm] memory (2048 MiB) is more than max_memory (1024 MiB)");
	parse_fails("[vm]\nvcpus = 8\nmax_vcpus = 2\n",
		    "test.conf: [vm] vcpus (8) is more than max_vcpus (2)");
	parse_fails("[annotations]\nallow = kernel\n",
		    "test.conf: [annotations] allow has \"kernel\" but kernel_dirs names no "
		    "directory a kernel may come from");
}

Test(hostconf, too_many_kernel_dirs)
{
	cleanup_free char *text = vs_xstrdup("[annotations]\nkernel_dirs =");

	for (int i = 0; i < 17; i++) {
		char *more = vs_xasprintf("%s /d%d", text, i);

		free(text);
		text = more;
	}
	parse_fails(text, "test.conf:2: [annotations] kernel_dirs: more than 16 directories");
}

Test(hostconf, load_default_path_absent_means_defaults)
{
	struct oci_hostconf c;
	struct vs_error *err = NULL;

	unsetenv(OCI_HOSTCONF_ENV);
	cr_assert_eq(oci_hostconf_load(NULL, &c, &err), 0, "%s", err ? err->msg : "");
	if (access(OCI_HOSTCONF_PATH, F_OK) == 0) {
		/* An installed host: its file is what was read. */
		cr_assert_str_eq(c.path, OCI_HOSTCONF_PATH);
	} else {
		cr_assert_null(c.path);
		cr_assert_eq(c.memory_mib, OCI_VM_DEFAULT_MEMORY_MIB);
	}
	oci_hostconf_clear(&c);
}

Test(hostconf, load_from_env)
{
	char dir[] = "/tmp/vshim-hostconf-XXXXXX";
	struct oci_hostconf c;
	struct vs_error *err = NULL;

	cr_assert_not_null(mkdtemp(dir));
	cleanup_free char *path = vs_xasprintf("%s/vshim.conf", dir);
	cr_assert_eq(vs_write_file_atomic(path, "[vm]\nvcpus = 3\n", 15, 0644, &err), 0);
	setenv(OCI_HOSTCONF_ENV, path, 1);
	cr_assert_eq(oci_hostconf_load(NULL, &c, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(c.vcpus, 3);
	cr_assert_str_eq(c.path, path);
	oci_hostconf_clear(&c);

	/* Named but missing is an error, not the defaults. */
	unlink(path);
	cr_assert_eq(oci_hostconf_load(NULL, &c, &err), -1);
	cr_assert(strstr(err->msg, path) != NULL, "%s", err->msg);
	vs_error_release(&err);
	unsetenv(OCI_HOSTCONF_ENV);
	rmdir(dir);
}

Test(hostconf, a_fifo_is_refused_at_once)
{
	char dir[] = "/tmp/vshim-hostconf-XXXXXX";
	struct oci_hostconf c;
	struct vs_error *err = NULL;

	cr_assert_not_null(mkdtemp(dir));
	cleanup_free char *path = vs_xasprintf("%s/vshim.conf", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	/* No writer ever comes: a blocking open would hang the test. */
	cr_assert_eq(oci_hostconf_load(path, &c, &err), -1);
	cleanup_free char *want =
	    vs_xasprintf("the host configuration: `%s` is not a regular file", path);
	cr_assert_str_eq(err->msg, want);
	vs_error_release(&err);
	unlink(path);
	rmdir(dir);
}

Test(hostconf, annotation_names)
{
	cr_assert_str_eq(oci_annotation_name(OCI_ANN_TB_CACHE), "tb-cache");
	cr_assert_str_eq(oci_annotation_name(OCI_ANN_HUGEPAGES), "hugepages");
	cr_assert_str_eq(oci_annotation_name(OCI_ANN_NETWORK), "network");
	cr_assert_null(oci_annotation_name(0));
	cr_assert_eq(oci_annotation_count, 8);
}

/* contrib/vshim.conf documents the defaults: it must say exactly what they are. */
Test(hostconf, the_documented_file_is_the_defaults)
{
	struct oci_hostconf file, builtin;
	struct vs_error *err = NULL;

	cr_assert_eq(oci_hostconf_load(OCI_TEST_DIR "/../../contrib/vshim.conf", &file, &err), 0,
		     "%s", err ? err->msg : "");
	oci_hostconf_defaults(&builtin);
	cr_assert_eq(file.memory_mib, builtin.memory_mib);
	cr_assert_eq(file.vcpus, builtin.vcpus);
	cr_assert_eq(file.max_memory_mib, builtin.max_memory_mib);
	cr_assert_eq(file.max_vcpus, builtin.max_vcpus);
	cr_assert_str_eq(file.accel, builtin.accel);
	cr_assert_str_eq(file.machine, builtin.machine);
	cr_assert_eq(file.kernel, builtin.kernel);
	cr_assert_eq(file.allowed, builtin.allowed);
	cr_assert_eq(file.n_kernel_dirs, builtin.n_kernel_dirs);
	cr_assert_str_eq(file.network_mode, builtin.network_mode);
	cr_assert_eq(file.console_log_size, builtin.console_log_size);
	cr_assert_eq(file.console_log_rate, builtin.console_log_rate);
	oci_hostconf_clear(&file);
	oci_hostconf_clear(&builtin);
}
