/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing and formatting of domain XML, and the errors of both translators. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"

static struct domain_def *parse_string_ok(const char *xml)
{
	cleanup_error struct vs_error *err = NULL;
	struct domain_def *def = drv_domain_parse_string(xml, "domain.xml", &err);

	cr_assert_not_null(def, "rejected: %s", err ? err->msg : "(no error)");
	return def;
}

static char *parse_string_error(const char *xml)
{
	cleanup_error struct vs_error *err = NULL;
	cleanup_domain_def struct domain_def *def =
	    drv_domain_parse_string(xml, "domain.xml", &err);

	cr_assert_null(def, "accepted: %s", xml);
	cr_assert_not_null(err, "failed without an error");
	return vs_xstrdup(err->msg);
}

static char *format_ok(const struct domain_def *def)
{
	cleanup_error struct vs_error *err = NULL;
	char *xml = drv_domain_format(def, &err);

	cr_assert_not_null(xml, "format failed: %s", err ? err->msg : "(no error)");
	return xml;
}

Test(invalid, exact_errors)
{
	size_t n = 0, matched = 0;
	char **names = dt_list("invalid", ".xml", &n);

	cr_assert_geq(n, 12, "only %zu invalid documents", n);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *xml_path = dt_path("invalid", names[i], ".xml");
		cleanup_free char *err_path = dt_path("invalid", names[i], ".err");
		cleanup_free char *xml = dt_read(xml_path);
		cleanup_free char *want = dt_read(err_path);
		cleanup_free char *got = parse_string_error(xml);
		size_t len = strlen(want);

		if (len > 0 && want[len - 1] == '\n')
			want[len - 1] = '\0';
		cr_expect_str_eq(got, want, "%s.xml:\n  expected: %s\n  got:      %s", names[i],
				 want, got);
		matched += strcmp(got, want) == 0;
	}
	cr_expect_eq(matched, n, "%zu of %zu invalid documents give their exact error", matched, n);
	dt_list_free(names);
}

/* parse -> format -> parse gives the same definition, and formatting is stable. */
Test(roundtrip, golden_inputs)
{
	size_t n = 0;
	char **names = dt_list("golden", ".xml", &n);

	cr_assert_geq(n, 12);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = dt_path("golden", names[i], ".xml");
		cleanup_domain_def struct domain_def *first = dt_parse_ok(path);
		cleanup_free char *xml = format_ok(first);
		cleanup_domain_def struct domain_def *second = parse_string_ok(xml);
		cleanup_free char *again = format_ok(second);
		const char *diff = dt_def_diff(first, second);

		cr_expect_null(diff, "%s: `%s` changed in the round trip:\n%s", names[i], diff,
			       xml);
		cr_expect_str_eq(xml, again, "%s: formatting is not stable", names[i]);
	}
	dt_list_free(names);
}

/* What oci/ writes, the driver reads: every oci golden document parses. */
Test(roundtrip, oci_golden_documents)
{
	cleanup_dir DIR *d = opendir(OCI_GOLDEN_DIR);
	struct dirent *de;
	size_t n = 0;

	cr_assert_not_null(d, "cannot open %s", OCI_GOLDEN_DIR);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		cleanup_free char *path = vs_xasprintf("%s/%s", OCI_GOLDEN_DIR, de->d_name);
		cleanup_free char *xml = dt_read(path);
		cleanup_error struct vs_error *err = NULL;
		cleanup_domain_def struct domain_def *def =
		    drv_domain_parse_string(xml, de->d_name, &err);

		cr_expect_not_null(def, "%s", err ? err->msg : "");
		n++;
	}
	cr_expect_gt(n, 0, "no oci golden documents in %s", OCI_GOLDEN_DIR);
}

Test(parse, values_and_defaults)
{
	cleanup_free char *path = dt_path("golden", "q35-full", ".xml");
	cleanup_domain_def struct domain_def *def = dt_parse_ok(path);
	static const unsigned char uuid[16] = { 0xc7, 0xa5, 0xfd, 0xbd, 0xcd, 0xaf, 0x94, 0x55,
						0x92, 0x6a, 0xd6, 0x5c, 0x16, 0xdb, 0x18, 0x09 };

	cr_assert_str_eq(def->name, "q35-full");
	cr_assert(def->has_uuid);
	cr_assert_arr_eq(def->uuid, uuid, 16);
	cr_assert_eq(def->memory_kib, 2u * 1024 * 1024);
	cr_assert_eq(def->vcpus, 2);
	cr_assert_eq(def->machine, DRV_MACHINE_Q35);
	cr_assert_eq(def->accel, DRV_ACCEL_KVM);
	cr_assert(def->acpi);
	cr_assert_eq(def->on_crash, DRV_ACTION_RESTART);
	cr_assert_eq(def->n_disks, 1);
	cr_assert_eq(def->disks[0].format, DRV_DISK_QCOW2);
	cr_assert_eq(def->n_fs, 1);
	cr_assert(def->fs[0].readonly);
	cr_assert_eq(def->fs[0].driver, DRV_FS_9P);
	cr_assert_str_eq(def->nets[0].mac, "52:54:00:00:00:02");
	cr_assert_eq(def->serial.type, DRV_CHR_FILE);
	cr_assert_eq(def->console.type, DRV_CHR_FILE);
	cr_assert_not(def->console.virtio);
	cr_assert(def->rng);
	cr_assert(def->memballoon);

	cleanup_free char *min_path = dt_path("golden", "microvm-minimal", ".xml");
	cleanup_domain_def struct domain_def *min = dt_parse_ok(min_path);

	cr_assert_eq(min->vcpus, 1, "vcpus defaults to 1");
	cr_assert_eq(min->accel, DRV_ACCEL_TCG, "type='qemu' is TCG");
	cr_assert_eq(min->on_poweroff, DRV_ACTION_DESTROY);
	cr_assert_eq(min->on_reboot, DRV_ACTION_RESTART, "libvirt's default on_reboot");
	cr_assert_eq(min->on_crash, DRV_ACTION_DESTROY);
	cr_assert_not(min->memballoon, "no <memballoon> means no balloon");
	cr_assert_null(min->emulator);
	cr_assert_eq(min->serial.type, DRV_CHR_NULL);
}

Test(parse, metadata_overrides_type)
{
	cleanup_free char *path = dt_path("golden", "metadata-accel", ".xml");
	cleanup_domain_def struct domain_def *def = dt_parse_ok(path);

	cr_assert_eq(def->accel, DRV_ACCEL_TCG, "<vshim:accel>tcg overrides type='kvm'");
	/* 268439552 bytes is 262148 KiB: not a whole number of MiB. */
	cr_assert_eq(def->memory_kib, 262148);

	cleanup_free char *auto_path = dt_path("golden", "accel-auto", ".xml");
	cleanup_domain_def struct domain_def *a = dt_parse_ok(auto_path);

	cr_assert_eq(a->accel, DRV_ACCEL_AUTO);
	cr_assert_eq(a->memory_kib, 131072, "no unit means KiB");
}

static uint64_t memory_kib_of(const char *memory_element)
{
	cleanup_free char *xml = vs_xasprintf(
	    "<domain type='qemu'><name>m</name>%s<os><type machine='microvm'>hvm</type>"
	    "<kernel>/k</kernel></os></domain>",
	    memory_element);
	cleanup_domain_def struct domain_def *def = parse_string_ok(xml);

	return def->memory_kib;
}

Test(parse, memory_units)
{
	cr_assert_eq(memory_kib_of("<memory unit='b'>1048576</memory>"), 1024);
	cr_assert_eq(memory_kib_of("<memory unit='bytes'>1025</memory>"), 2, "rounded up");
	cr_assert_eq(memory_kib_of("<memory unit='k'>7</memory>"), 7);
	cr_assert_eq(memory_kib_of("<memory unit='KiB'>7</memory>"), 7);
	cr_assert_eq(memory_kib_of("<memory unit='KB'>1024</memory>"), 1000);
	cr_assert_eq(memory_kib_of("<memory unit='M'>3</memory>"), 3072);
	cr_assert_eq(memory_kib_of("<memory unit='MiB'>3</memory>"), 3072);
	cr_assert_eq(memory_kib_of("<memory unit='MB'>1</memory>"), 977, "10^6 bytes, rounded up");
	cr_assert_eq(memory_kib_of("<memory unit='G'>1</memory>"), 1024 * 1024);
	cr_assert_eq(memory_kib_of("<memory unit='GiB'>1</memory>"), 1024 * 1024);
	cr_assert_eq(memory_kib_of("<memory unit='T'>1</memory>"), 1024ull * 1024 * 1024,
		     "1 TiB is the limit and allowed");
}

Test(parse, domain_file_errors_name_the_file)
{
	cleanup_error struct vs_error *err = NULL;
	cleanup_free char *path = dt_path("invalid", "missing-name", ".xml");
	cleanup_domain_def struct domain_def *def = drv_domain_parse_file(path, &err);
	cleanup_free char *want = vs_xasprintf("%s: missing element <name>", path);

	cr_assert_null(def);
	cr_assert_str_eq(err->msg, want);

	vs_error_release(&err);
	cr_assert_null(drv_domain_parse_file("/nonexistent/domain.xml", &err));
	cr_assert_not_null(strstr(err->msg, "/nonexistent/domain.xml"), "%s", err->msg);
}

Test(parse, oversized_document)
{
	size_t size = (1u << 20) + 16;
	cleanup_free char *xml = vs_xmalloc(size + 1);
	cleanup_free char *msg = NULL;

	memset(xml, ' ', size);
	xml[size] = '\0';
	msg = parse_string_error(xml);
	cr_assert_str_eq(msg, "domain.xml: the document is larger than 1 MiB");
}

/* A definition built by hand (as the driver fills in paths) formats and reads back. */
Test(format, hand_built_definition)
{
	struct domain_def def = {
		.name = "hand",
		.memory_kib = 1536,
		.vcpus = 3,
		.machine = DRV_MACHINE_MICROVM,
		.accel = DRV_ACCEL_AUTO,
		.kernel = "/k",
		.cmdline = "console=hvc0 a=\"b c\" d<e & f>'g'",
		.on_reboot = DRV_ACTION_DESTROY,
		.serial = { .type = DRV_CHR_PTY, .path = "/dev/pts/7" },
	};
	struct drv_channel ch = { .path = "/run/x/agent.sock", .target_name = "org.vshim.agent.0" };
	cleanup_free char *xml = NULL;

	def.channels = &ch;
	def.n_channels = 1;
	xml = format_ok(&def);
	cleanup_domain_def struct domain_def *back = parse_string_ok(xml);
	const char *diff = dt_def_diff(&def, back);

	cr_assert_null(diff, "`%s` changed:\n%s", diff, xml);
	cr_assert_not_null(strstr(xml, "<vshim:accel>auto</vshim:accel>"), "%s", xml);
	cr_assert_not_null(strstr(xml, "<memballoon model='none'/>"), "%s", xml);
}

Test(format, refuses_what_it_could_not_read_back)
{
	struct domain_def def = {
		.name = "bad",
		.memory_kib = 1024,
		.vcpus = 1,
		.kernel = "relative/vmlinux",
	};
	cleanup_error struct vs_error *err = NULL;
	cleanup_free char *xml = drv_domain_format(&def, &err);

	cr_assert_null(xml);
	cr_assert_str_eq(err->msg, "cannot format domain `bad`: <formatted>: <os/kernel>: must be "
				   "an absolute path, not 'relative/vmlinux'");

	vs_error_release(&err);
	def.kernel = "/k";
	def.cmdline = "line\nbreak";
	cr_assert_null(drv_domain_format(&def, &err));
	cr_assert_str_eq(err->msg, "cannot format domain `bad`: <formatted>: <os/cmdline>: "
				   "contains a control character");
}

Test(format, accel_names)
{
	cr_assert_str_eq(drv_accel_name(DRV_ACCEL_AUTO), "auto");
	cr_assert_str_eq(drv_accel_name(DRV_ACCEL_KVM), "kvm");
	cr_assert_str_eq(drv_accel_name(DRV_ACCEL_TCG), "tcg");
}

static char *command_error(const char *xml, enum drv_accel accel)
{
	cleanup_domain_def struct domain_def *def = parse_string_ok(xml);
	cleanup_error struct vs_error *err = NULL;
	cleanup_strv struct vs_strv argv = { 0 };
	struct drv_command_ctx ctx;

	dt_golden_ctx(def, &ctx);
	ctx.accel = accel;
	cr_assert_eq(drv_command_build(def, &ctx, &argv, &err), -1, "command line accepted");
	cr_assert_eq(argv.n, 0, "a refused command line left %zu arguments behind", argv.n);
	return vs_xstrdup(err->msg);
}

#define HEAD                                                               \
	"<domain type='qemu'><name>c</name><memory unit='MiB'>64</memory>" \
	"<os><type arch='x86_64' machine='microvm'>hvm</type><kernel>/k</kernel></os>"

Test(command, errors)
{
	cleanup_free char *virtiofs = command_error(
	    HEAD "<devices><filesystem type='mount'><driver type='virtiofs'/>"
		 "<source dir='/srv'/><target dir='srv'/></filesystem></devices></domain>",
	    DRV_ACCEL_TCG);
	cr_assert_str_eq(virtiofs, "domain `c`: filesystem `srv` uses virtiofs, which needs a "
				   "virtiofsd this host does not have; use <driver type='path'/> "
				   "(9p)");

	cleanup_free char *restart =
	    command_error(HEAD "<on_poweroff>restart</on_poweroff></domain>", DRV_ACCEL_TCG);
	cr_assert_str_eq(restart, "domain `c`: on_poweroff='restart' is not supported");

	cleanup_free char *preserve =
	    command_error(HEAD "<on_reboot>preserve</on_reboot></domain>", DRV_ACCEL_TCG);
	cr_assert_str_eq(preserve, "domain `c`: on_reboot='preserve' is not supported");

	cleanup_free char *accel = command_error(HEAD "</domain>", DRV_ACCEL_AUTO);
	cr_assert_str_eq(accel, "domain `c`: the accelerator must be resolved to kvm or tcg "
				"before building the QEMU command line");
}

Test(command, microvm_slots)
{
	cleanup_free char *devices = vs_xstrdup("");

	for (int i = 0; i < 25; i++) {
		char *more = vs_xasprintf("%s<filesystem><source dir='/s'/><target dir='t%d'/>"
					  "</filesystem>",
					  devices, i);
		free(devices);
		devices = more;
	}
	cleanup_free char *xml = vs_xasprintf(HEAD "<devices>%s</devices></domain>", devices);
	cleanup_free char *msg = command_error(xml, DRV_ACCEL_TCG);
	cleanup_free char *acpi = vs_xasprintf(
	    HEAD "<features><acpi/></features><devices>%s</devices></domain>", devices);
	cleanup_free char *acpi_msg = command_error(acpi, DRV_ACCEL_TCG);

	cr_assert_str_eq(msg, "domain `c` needs 25 virtio devices, more than the 8 slots of a "
			      "microvm without ACPI");
	cr_assert_str_eq(acpi_msg, "domain `c` needs 25 virtio devices, more than the 24 slots of "
				   "a microvm with ACPI");
}

Test(command, appends_to_existing_argv)
{
	cleanup_domain_def struct domain_def *def = parse_string_ok(HEAD "</domain>");
	cleanup_error struct vs_error *err = NULL;
	cleanup_strv struct vs_strv argv = { 0 };
	struct drv_command_ctx ctx;

	dt_golden_ctx(def, &ctx);
	ctx.emulator = NULL;
	vs_strv_push(&argv, "prefix");
	cr_assert_eq(drv_command_build(def, &ctx, &argv, &err), 0);
	cr_assert_str_eq(argv.v[0], "prefix");
	cr_assert_str_eq(argv.v[1], "qemu-system-x86_64", "no emulator: QEMU from PATH");
}
