/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> domain XML: golden files (golden/NAME.json -> NAME.xml;
 * VSHIM_REGENERATE=1 rewrites the .xml files, review the diff), exact
 * errors; mounts_test.c tests the volumes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"
#include "oci/mounts.h"
#include "oci/translate.h"

struct golden {
	const char *name;
	bool no_agent_socket;	    /* ctx.agent_socket = NULL */
	bool bare;		    /* no initrd, no console */
	const char *conf;	    /* the host configuration's text; NULL: the built-in defaults */
	const struct oci_nic *nics; /* the monitor's taps */
	size_t n_nics;
};

/* What the monitor makes of a podman-style namespace with two interfaces. */
static const struct oci_nic namespace_nics[] = {
	{ .tap = "vstap0", .mac = "0a:58:0a:58:00:05", .mtu = 1500 },
	{ .tap = "vstap1", .mac = "02:42:ac:11:00:02", .mtu = 9000 },
};
/* A namespace still empty at create: one tap for what CNI may add before start. */
static const struct oci_nic spare_nic[] = {
	{ .tap = "vstap0", .mac = "02:56:53:00:00:01" },
};

/* A host that lets config.json choose every setting, its kernel from /opt/vshim. */
#define CONF_ALLOW_ALL                                                                  \
	"[annotations]\nallow = memory vcpus kernel accel machine tb-cache hugepages\n" \
	"kernel_dirs = /opt/vshim\n"

/*
 * Mount sources in the golden configs are host paths that exist on any
 * Debian system (/usr/share, /etc/hosts); everything else is fixed below.
 */
static const struct golden goldens[] = {
	{ .name = "defaults" },
	{ .name = "memory-limit" },
	{ .name = "memory-limit-unaligned" },
	{ .name = "cpu-quota" },
	{ .name = "cpu-quota-capped" },
	{ .name = "readonly-root" },
	{ .name = "bind-dirs" },
	{ .name = "bind-files" },
	{ .name = "guest-mounts" },
	{ .name = "annotations", .conf = CONF_ALLOW_ALL },
	{ .name = "no-agent-socket", .no_agent_socket = true, .bare = true },
	{ .name = "network-namespace", .nics = namespace_nics, .n_nics = 2 },
	{ .name = "network-new-namespace", .nics = spare_nic, .n_nics = 1 },
	{ .name = "network-none" },
	{ .name = "network-user" },
	{ .name = "network-host" },
};

#define GOLDEN_HOST_CPUS 4

/* The host configuration text parsed into conf; the test fails on a bad one. */
static void parse_conf(const char *text, struct oci_hostconf *conf)
{
	struct vs_error *err = NULL;

	cr_assert_eq(oci_hostconf_parse(text, "test.conf", conf, &err), 0, "%s",
		     err ? err->msg : "");
}

static char *translate_golden(const struct golden *g, const struct oci_spec *spec,
			      struct vs_error **err)
{
	struct oci_hostconf conf;
	char *xml;

	cleanup_free char *state = vs_xasprintf("/run/vshim/%s", g->name);
	cleanup_free char *console = vs_xasprintf("%s/console.sock", state);
	cleanup_free char *agent = vs_xasprintf("%s/vm/agent.sock", state);
	cleanup_free char *rootfs = oci_spec_path_in_bundle("/bundle", spec->root_path);
	struct oci_translate_ctx ctx = {
		.name = g->name,
		.rootfs = rootfs,
		.state_dir = state,
		.kernel = "/usr/share/vshim/vmlinux",
		.initrd = g->bare ? NULL : "/usr/share/vshim/initramfs.img",
		.console_socket = g->bare ? NULL : console,
		.agent_socket = g->no_agent_socket ? NULL : agent,
		.host_cpus = GOLDEN_HOST_CPUS,
		.nics = g->nics,
		.n_nics = g->n_nics,
	};

	if (g->conf != NULL) {
		parse_conf(g->conf, &conf);
		ctx.conf = &conf;
	}
	xml = oci_translate(spec, &ctx, err);
	if (g->conf != NULL)
		oci_hostconf_clear(&conf);
	return xml;
}

Test(translate, golden)
{
	const char *regen = getenv("VSHIM_REGENERATE");
	bool regenerate = regen != NULL && strcmp(regen, "1") == 0;

	for (size_t i = 0; i < VS_ARRAY_SIZE(goldens); i++) {
		const struct golden *g = &goldens[i];
		cleanup_free char *json_name = vs_xasprintf("golden/%s.json", g->name);
		cleanup_free char *xml_name = vs_xasprintf("golden/%s.xml", g->name);
		cleanup_free char *json = NULL, *xml = NULL, *want = NULL;
		struct vs_error *err = NULL;
		size_t len;

		json = test_read(json_name, &len);
		cleanup_oci_spec struct oci_spec *spec = oci_spec_parse(json, len, json_name, &err);
		cr_assert_not_null(spec, "%s", err ? err->msg : "");
		xml = translate_golden(g, spec, &err);
		cr_assert_not_null(xml, "%s: %s", g->name, err ? err->msg : "");
		if (regenerate) {
			cleanup_free char *path = test_path(xml_name);

			test_write(path, xml);
			continue;
		}
		want = test_read(xml_name, NULL);
		cr_expect_str_eq(xml, want,
				 "%s: the domain XML differs from %s (VSHIM_REGENERATE=1 rewrites "
				 "it):\n%s",
				 g->name, xml_name, xml);
	}
}

/*
 * Errors: each document, translated with the golden context and the host
 * configuration conf_text (NULL: the defaults), fails with exactly this.
 */
static char *translate_error_conf(const char *doc, const char *kernel, const char *conf_text)
{
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(doc);
	struct oci_hostconf conf;
	cleanup_free char *rootfs = oci_spec_path_in_bundle("/bundle", spec->root_path);
	struct oci_translate_ctx ctx = {
		.name = "err",
		.rootfs = rootfs,
		.state_dir = "/run/vshim/err",
		.kernel = kernel,
		.host_cpus = 2,
	};
	struct vs_error *err = NULL;
	char *xml, *msg;

	if (conf_text != NULL) {
		parse_conf(conf_text, &conf);
		ctx.conf = &conf;
	}
	xml = oci_translate(spec, &ctx, &err);
	if (conf_text != NULL)
		oci_hostconf_clear(&conf);
	cr_assert_null(xml, "document unexpectedly translated: %s", doc);
	msg = vs_xstrdup(err->msg);
	vs_error_free(err);
	return msg;
}

static char *translate_error(const char *doc, const char *kernel)
{
	return translate_error_conf(doc, kernel, NULL);
}

#define BASE "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"

Test(translate, errors)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ BASE "\"annotations\":{\"io.vshim.memory\":\"abc\"}}",
		  "annotations[\"io.vshim.memory\"]: must be a number of MiB between 64 and "
		  "1048576, "
		  "not \"abc\"" },
		{ BASE "\"annotations\":{\"io.vshim.memory\":\"32\"}}",
		  "annotations[\"io.vshim.memory\"]: must be a number of MiB between 64 and "
		  "1048576, "
		  "not \"32\"" },
		{ BASE "\"annotations\":{\"io.vshim.memory\":\"0512\"}}",
		  "annotations[\"io.vshim.memory\"]: must be a number of MiB between 64 and "
		  "1048576, "
		  "not \"0512\"" },
		{ BASE "\"annotations\":{\"io.vshim.vcpus\":\"0\"}}",
		  "annotations[\"io.vshim.vcpus\"]: must be a number between 1 and 64, not \"0\"" },
		{ BASE "\"annotations\":{\"io.vshim.vcpus\":\"1.5\"}}",
		  "annotations[\"io.vshim.vcpus\"]: must be a number between 1 and 64, not "
		  "\"1.5\"" },
		{ BASE "\"annotations\":{\"io.vshim.vcpus\":\"65\"}}",
		  "annotations[\"io.vshim.vcpus\"]: must be a number between 1 and 64, not "
		  "\"65\"" },
		{ BASE "\"annotations\":{\"io.vshim.accel\":\"xen\"}}",
		  "annotations[\"io.vshim.accel\"]: must be auto, kvm or tcg, not \"xen\"" },
		{ BASE "\"annotations\":{\"io.vshim.machine\":\"pc\"}}",
		  "annotations[\"io.vshim.machine\"]: must be microvm or q35, not \"pc\"" },
		{ BASE "\"annotations\":{\"io.vshim.hugepages\":\"never\"}}",
		  "annotations[\"io.vshim.hugepages\"]: must be auto, on or off, not \"never\"" },
		{ BASE "\"annotations\":{\"io.vshim.tb-cache\":\"0\"}}",
		  "annotations[\"io.vshim.tb-cache\"]: must be a number of MiB between 1 and "
		  "2048, not \"0\"" },
		{ BASE "\"annotations\":{\"io.vshim.tb-cache\":\"4096\"}}",
		  "annotations[\"io.vshim.tb-cache\"]: must be a number of MiB between 1 and "
		  "2048, not \"4096\"" },
		{ BASE "\"annotations\":{\"io.vshim.kernel\":\"/usr/share/vshim/vmlinux\"}}",
		  "annotations[\"io.vshim.kernel\"]: not allowed on this host; the administrator "
		  "allows it with \"kernel\" in [annotations] allow of /etc/vshim/vshim.conf" },
		{ BASE "\"linux\":{\"resources\":{\"memory\":{\"limit\":1099511627776}}}}",
		  "linux.resources.memory.limit: 1099511627776 bytes is more than a VM can have on "
		  "this host (1048576 MiB with 64 MiB for the guest's own use)" },
		{ "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"root\\u0001fs\"}}",
		  "root.path: contains a control character" },
		{ BASE "\"annotations\":{\"io.vshim.network\":\"bridge\"}}",
		  "annotations[\"io.vshim.network\"]: must be auto, none or user, not \"bridge\"" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		cleanup_free char *msg = translate_error(cases[i].doc, "/vmlinux");

		cr_expect_str_eq(msg, cases[i].want, "case %zu:\n  got  %s\n  want %s", i, msg,
				 cases[i].want);
	}
}

/* What the host configuration allows, and the guest kernels it allows config.json to pick. */
Test(translate, host_policy_errors)
{
	static const char *const restrictive = "[vm]\nmax_memory = 2048\nmax_vcpus = 2\n"
					       "[annotations]\nallow = memory kernel\n"
					       "kernel_dirs = /opt/vshim/ /srv/kernels\n";
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ BASE "\"annotations\":{\"io.vshim.accel\":\"tcg\"}}",
		  "annotations[\"io.vshim.accel\"]: not allowed on this host; the administrator "
		  "allows it with \"accel\" in [annotations] allow of test.conf" },
		{ BASE "\"annotations\":{\"io.vshim.vcpus\":\"2\"}}",
		  "annotations[\"io.vshim.vcpus\"]: not allowed on this host; the administrator "
		  "allows it with \"vcpus\" in [annotations] allow of test.conf" },
		{ BASE "\"annotations\":{\"io.vshim.memory\":\"4096\"}}",
		  "annotations[\"io.vshim.memory\"]: must be a number of MiB between 64 and 2048, "
		  "not \"4096\"" },
		{ BASE "\"linux\":{\"resources\":{\"memory\":{\"limit\":2147483648}}}}",
		  "linux.resources.memory.limit: 2147483648 bytes is more than a VM can have on "
		  "this host (2048 MiB with 64 MiB for the guest's own use)" },
		{ BASE "\"annotations\":{\"io.vshim.kernel\":\"vmlinux\"}}",
		  "annotations[\"io.vshim.kernel\"]: must be an absolute path without \".\" or "
		  "\"..\", not \"vmlinux\"" },
		{ BASE "\"annotations\":{\"io.vshim.kernel\":\"/opt/vshim/../../etc/shadow\"}}",
		  "annotations[\"io.vshim.kernel\"]: must be an absolute path without \".\" or "
		  "\"..\", not \"/opt/vshim/../../etc/shadow\"" },
		{ BASE "\"annotations\":{\"io.vshim.kernel\":\"/opt/vshim//k\"}}",
		  "annotations[\"io.vshim.kernel\"]: must be an absolute path without \".\" or "
		  "\"..\", not \"/opt/vshim//k\"" },
		{ BASE "\"annotations\":{\"io.vshim.kernel\":\"/opt/vshimx/k\"}}",
		  "annotations[\"io.vshim.kernel\"]: `/opt/vshimx/k` is not inside a directory "
		  "that "
		  "kernel_dirs of test.conf allows" },
		{ BASE "\"annotations\":{\"io.vshim.kernel\":\"/etc/shadow\"}}",
		  "annotations[\"io.vshim.kernel\"]: `/etc/shadow` is not inside a directory that "
		  "kernel_dirs of test.conf allows" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		cleanup_free char *msg =
		    translate_error_conf(cases[i].doc, "/vmlinux", restrictive);

		cr_expect_str_eq(msg, cases[i].want, "case %zu:\n  got  %s\n  want %s", i, msg,
				 cases[i].want);
	}
}

/* The host's defaults and limits shape the VM; its kernel and initrd win over the installed. */
Test(translate, host_defaults)
{
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(
	    BASE "\"linux\":{\"resources\":{\"cpu\":{\"quota\":800000,\"period\":100000}}},"
		 "\"annotations\":{\"io.vshim.kernel\":\"/srv/kernels/6.1/vmlinux\"}}");
	cleanup_oci_spec struct oci_spec *plain = test_parse_ok(BASE "\"hostname\":\"x\"}");
	struct oci_hostconf conf;
	struct oci_translate_ctx ctx = {
		.name = "host",
		.rootfs = "/bundle/rootfs",
		.state_dir = "/run/vshim/host",
		.kernel = "/usr/share/vshim/vmlinux",
		.initrd = "/usr/share/vshim/initramfs.img",
		.host_cpus = 16,
		.conf = &conf,
	};
	struct vs_error *err = NULL;
	cleanup_free char *xml = NULL, *plain_xml = NULL;

	parse_conf("[vm]\nmemory = 512\nvcpus = 2\nmax_vcpus = 4\naccel = tcg\n"
		   "initrd = /opt/vshim/initramfs.img\n"
		   "[annotations]\nallow = kernel\nkernel_dirs = /srv/kernels\n",
		   &conf);
	xml = oci_translate(spec, &ctx, &err);
	cr_assert_not_null(xml, "%s", err ? err->msg : "");
	cr_assert_not_null(strstr(xml, "<memory unit='KiB'>524288</memory>"), "%s", xml);
	cr_assert_not_null(strstr(xml, "<vcpu>4</vcpu>"), "the quota's 8, capped at 4: %s", xml);
	cr_assert_not_null(strstr(xml, "<vshim:accel>tcg</vshim:accel>"), "%s", xml);
	cr_assert_not_null(strstr(xml, "<kernel>/srv/kernels/6.1/vmlinux</kernel>"), "%s", xml);
	cr_assert_not_null(strstr(xml, "<initrd>/opt/vshim/initramfs.img</initrd>"), "%s", xml);
	plain_xml = oci_translate(plain, &ctx, &err);
	cr_assert_not_null(plain_xml, "%s", err ? err->msg : "");
	cr_assert_not_null(strstr(plain_xml, "<vcpu>2</vcpu>"), "no quota: [vm] vcpus: %s",
			   plain_xml);
	cr_assert_not_null(strstr(plain_xml, "<kernel>/usr/share/vshim/vmlinux</kernel>"), "%s",
			   plain_xml);
	oci_hostconf_clear(&conf);
}

/* The host's [network] mode when no annotation says otherwise, and taps without a namespace. */
Test(translate, network_mode_of_the_host)
{
	static const struct oci_nic nic = { .tap = "vstap0", .mac = "02:00:00:00:00:01" };
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(BASE "\"hostname\":\"x\"}");
	struct oci_hostconf conf;
	struct oci_translate_ctx ctx = {
		.name = "net",
		.rootfs = "/bundle/rootfs",
		.state_dir = "/run/vshim/net",
		.kernel = "/vmlinux",
		.host_cpus = 2,
		.conf = &conf,
	};
	struct vs_error *err = NULL;
	cleanup_free char *none = NULL, *user = NULL;

	parse_conf("[network]\nmode = none\n", &conf);
	none = oci_translate(spec, &ctx, &err);
	cr_assert_not_null(none, "%s", err ? err->msg : "");
	cr_assert_null(strstr(none, "<interface"), "mode none gave the VM a NIC:\n%s", none);
	oci_hostconf_clear(&conf);
	ctx.conf =
	    NULL; /* the defaults: auto, and no network namespace means the user-mode network */
	user = oci_translate(spec, &ctx, &err);
	cr_assert_not_null(user, "%s", err ? err->msg : "");
	cr_assert_not_null(strstr(user, "<interface type='user'>"), "%s", user);
	ctx.nics = &nic;
	ctx.n_nics = 1;
	cr_assert_null(oci_translate(spec, &ctx, &err));
	cr_assert_str_eq(err->msg, "taps were made for a VM whose network is not a namespace's");
	vs_error_release(&err);
}

/* io.vshim.network is the host's to allow. */
Test(translate, network_annotation_needs_the_hosts_leave)
{
	cleanup_free char *msg =
	    translate_error_conf(BASE "\"annotations\":{\"io.vshim.network\":\"none\"}}",
				 "/vmlinux", "[annotations]\nallow = memory\n");

	cr_assert_str_eq(msg, "annotations[\"io.vshim.network\"]: not allowed on this host; the "
			      "administrator allows it with \"network\" in [annotations] allow of "
			      "test.conf");
}

Test(translate, no_kernel)
{
	cleanup_free char *msg = translate_error(BASE "\"hostname\":\"x\"}", NULL);

	cr_assert_str_eq(msg, "no guest kernel to boot");
}

/* Two shares whatever the mounts: the root and the volumes, STATE/vol. */
Test(translate, fixed_device_layout)
{
	cleanup_strv struct vs_strv mounts = { 0 };
	cleanup_free char *doc = NULL, *xml_none = NULL, *xml_many = NULL;
	struct oci_translate_ctx ctx = {
		.name = "fixed",
		.rootfs = "/elsewhere/root",
		.state_dir = "/run/vshim/fixed",
		.kernel = "/vmlinux",
		.host_cpus = 1,
	};
	struct vs_error *err = NULL;

	for (int i = 0; i < 100; i++)
		vs_strv_pushf(&mounts,
			      "{\"destination\":\"/v%d\",\"type\":\"bind\",\"source\":\"/usr\","
			      "\"options\":[\"%s\"]}",
			      i, i % 2 ? "ro" : "rw");
	cleanup_free char *list = vs_strv_join(&mounts, ",");
	doc = vs_xasprintf(BASE "\"mounts\":[%s]}", list);
	cleanup_oci_spec struct oci_spec *none = test_parse_ok(BASE "\"hostname\":\"x\"}");
	cleanup_oci_spec struct oci_spec *many = test_parse_ok(doc);

	xml_none = oci_translate(none, &ctx, &err);
	cr_assert_not_null(xml_none, "%s", err ? err->msg : "");
	xml_many = oci_translate(many, &ctx, &err);
	cr_assert_not_null(xml_many, "%s", err ? err->msg : "");
	cr_assert_str_eq(xml_many, xml_none);
	cr_assert_not_null(strstr(xml_none, "<source dir='/elsewhere/root'/>\n"
					    "      <target dir='rootfs'/>"),
			   "%s", xml_none);
	cr_assert_not_null(strstr(xml_none, "<source dir='/run/vshim/fixed/vol'/>\n"
					    "      <target dir='vol'/>\n    </filesystem>"),
			   "%s", xml_none);
	cr_assert_null(strstr(strstr(xml_none, "<target dir='vol'/>"), "<filesystem"), "%s",
		       xml_none);
}

Test(translate, mapping_convention)
{
	char entry[OCI_VOLUME_ENTRY_MAX];

	oci_volume_entry(entry, sizeof(entry), 0);
	cr_assert_str_eq(entry, "0");
	oci_volume_entry(entry, sizeof(entry), (size_t)-1);
	cr_assert_str_eq(entry, "18446744073709551615");
	cr_assert_str_eq(OCI_ROOTFS_TAG, "rootfs");
	cr_assert_str_eq(OCI_VOLUMES_TAG, "vol");
	cr_assert_str_eq(OCI_VOLUMES_DIR, "vol");
	cr_assert_str_eq(OCI_AGENT_CHANNEL, "org.vshim.agent.0");
}
