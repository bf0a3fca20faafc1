/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/translate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/encoding.h>
#include <libxml/xmlwriter.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmlw.h"

/* Namespace of vshim's <metadata> child; the same URI as the driver's DRV_METADATA_NS. */
#define METADATA_NS "http://vshim.dev/xmlns/domain/1.0"
#define MIB	    (1024ull * 1024ull)

/* What the VM looks like, before it is written out. */
struct vm_plan {
	unsigned int memory_mib;
	unsigned int vcpus;
	unsigned int tb_cache_mib;
	const char *kernel;
	const char *accel;
	const char *machine;
	const char *hugepages;
};

/* A decimal number without sign or leading zeros, at most 9 digits; -1 when it is not. */
static long annotation_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 9 || s[n] != '\0' || (n > 1 && s[0] == '0'))
		return -1;
	return strtol(s, NULL, 10);
}

static int plan_memory(const struct oci_spec *spec, struct vm_plan *plan, struct vs_error **err)
{
	const char *ann = oci_spec_annotation(spec, OCI_ANNOTATION_MEMORY);
	const struct oci_resources *res = spec->linux_ ? &spec->linux_->resources : NULL;

	if (ann != NULL) {
		long mib = annotation_number(ann);

		if (mib < OCI_VM_MIN_MEMORY_MIB || mib > OCI_VM_MAX_MEMORY_MIB)
			return vs_error_set(err, 0,
					    "annotations[\"%s\"]: must be a number of MiB between "
					    "%u and %u, not \"%s\"",
					    OCI_ANNOTATION_MEMORY, OCI_VM_MIN_MEMORY_MIB,
					    OCI_VM_MAX_MEMORY_MIB, ann);
		plan->memory_mib = (unsigned int)mib;
		return 0;
	}
	if (res == NULL || !res->has_memory_limit || res->memory_limit <= 0) {
		plan->memory_mib = OCI_VM_DEFAULT_MEMORY_MIB;
		return 0;
	}
	uint64_t limit_mib = ((uint64_t)res->memory_limit + MIB - 1) / MIB;

	if (limit_mib > OCI_VM_MAX_MEMORY_MIB - OCI_VM_MEMORY_OVERHEAD_MIB)
		return vs_error_set(err, 0,
				    "linux.resources.memory.limit: %lld bytes is more than a VM "
				    "can have (%u MiB)",
				    (long long)res->memory_limit, OCI_VM_MAX_MEMORY_MIB);
	plan->memory_mib = (unsigned int)limit_mib + OCI_VM_MEMORY_OVERHEAD_MIB;
	return 0;
}

static int plan_vcpus(const struct oci_spec *spec, const struct oci_translate_ctx *ctx,
		      struct vm_plan *plan, struct vs_error **err)
{
	const char *ann = oci_spec_annotation(spec, OCI_ANNOTATION_VCPUS);
	const struct oci_resources *res = spec->linux_ ? &spec->linux_->resources : NULL;
	uint64_t want = 1, cap = ctx->host_cpus;

	if (ann != NULL) {
		long n = annotation_number(ann);

		if (n < 1 || n > OCI_VM_MAX_VCPUS)
			return vs_error_set(err, 0,
					    "annotations[\"%s\"]: must be a number between 1 and "
					    "%u, not \"%s\"",
					    OCI_ANNOTATION_VCPUS, OCI_VM_MAX_VCPUS, ann);
		plan->vcpus = (unsigned int)n;
		return 0;
	}
	if (res != NULL && res->has_cpu_quota && res->cpu_quota > 0) {
		uint64_t quota = (uint64_t)res->cpu_quota;
		uint64_t period = res->has_cpu_period && res->cpu_period > 0
				      ? res->cpu_period
				      : OCI_CPU_DEFAULT_PERIOD;

		want = quota / period + (quota % period != 0);
	}
	if (cap == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		cap = online > 0 ? (uint64_t)online : 1;
	}
	if (cap > OCI_VM_MAX_VCPUS)
		cap = OCI_VM_MAX_VCPUS;
	plan->vcpus = (unsigned int)(want < cap ? want : cap);
	return 0;
}

static int plan_tb_cache(const struct oci_spec *spec, struct vm_plan *plan, struct vs_error **err)
{
	const char *ann = oci_spec_annotation(spec, OCI_ANNOTATION_TB_CACHE);

	if (ann != NULL) {
		long mib = annotation_number(ann);

		if (mib < 1 || mib > OCI_VM_MAX_TB_CACHE_MIB)
			return vs_error_set(err, 0,
					    "annotations[\"%s\"]: must be a number of MiB between "
					    "1 and %u, not \"%s\"",
					    OCI_ANNOTATION_TB_CACHE, OCI_VM_MAX_TB_CACHE_MIB, ann);
		plan->tb_cache_mib = (unsigned int)mib;
		return 0;
	}
	plan->tb_cache_mib = plan->memory_mib / 8;
	if (plan->tb_cache_mib < OCI_VM_MIN_TB_CACHE_MIB)
		plan->tb_cache_mib = OCI_VM_MIN_TB_CACHE_MIB;
	if (plan->tb_cache_mib > OCI_VM_MAX_TB_CACHE_MIB)
		plan->tb_cache_mib = OCI_VM_MAX_TB_CACHE_MIB;
	return 0;
}

/* The value of an annotation that must be one of choices, or fallback when absent. */
static int plan_choice(const struct oci_spec *spec, const char *key, const char *const *choices,
		       size_t n, const char *fallback, const char **out, struct vs_error **err)
{
	const char *ann = oci_spec_annotation(spec, key);

	*out = fallback;
	if (ann == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(choices[i], ann) == 0) {
			*out = choices[i];
			return 0;
		}
	}
	if (n == 2)
		return vs_error_set(err, 0, "annotations[\"%s\"]: must be %s or %s, not \"%s\"",
				    key, choices[0], choices[1], ann);
	return vs_error_set(err, 0, "annotations[\"%s\"]: must be %s, %s or %s, not \"%s\"", key,
			    choices[0], choices[1], choices[2], ann);
}

static int plan_vm(const struct oci_spec *spec, const struct oci_translate_ctx *ctx,
		   struct vm_plan *plan, struct vs_error **err)
{
	static const char *const accels[] = { "auto", "kvm", "tcg" };
	static const char *const machines[] = { "microvm", "q35" };
	static const char *const hugepages[] = { "auto", "on", "off" };
	const char *kernel = oci_spec_annotation(spec, OCI_ANNOTATION_KERNEL);

	if (plan_memory(spec, plan, err) < 0 || plan_vcpus(spec, ctx, plan, err) < 0 ||
	    plan_tb_cache(spec, plan, err) < 0 ||
	    plan_choice(spec, OCI_ANNOTATION_ACCEL, accels, VS_ARRAY_SIZE(accels), "auto",
			&plan->accel, err) < 0 ||
	    plan_choice(spec, OCI_ANNOTATION_MACHINE, machines, VS_ARRAY_SIZE(machines), "microvm",
			&plan->machine, err) < 0 ||
	    plan_choice(spec, OCI_ANNOTATION_HUGEPAGES, hugepages, VS_ARRAY_SIZE(hugepages), "auto",
			&plan->hugepages, err) < 0)
		return -1;
	if (kernel != NULL && kernel[0] != '/')
		return vs_error_set(err, 0,
				    "annotations[\"%s\"]: must be an absolute path, not \"%s\"",
				    OCI_ANNOTATION_KERNEL, kernel);
	plan->kernel = kernel != NULL ? kernel : ctx->kernel;
	if (plan->kernel == NULL)
		return vs_error_set(err, 0, "no guest kernel to boot");
	return 0;
}

/*
 * XML 1.0 has no way to carry most control characters, and libxml2 wants
 * UTF-8: refuse the text rather than write a document the driver refuses.
 */
static int check_text(const char *s, const char *what, struct vs_error **err)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return vs_error_set(err, 0, "%s: contains a control character", what);
	}
	if (!xmlCheckUTF8((const xmlChar *)s))
		return vs_error_set(err, 0, "%s: is not valid UTF-8", what);
	return 0;
}

/* <filesystem type='mount' accessmode='passthrough'> of a 9p share. */
static void w_share(struct vs_xmlw *x, const char *source, const char *tag, bool readonly)
{
	vs_xmlw_start(x, "filesystem");
	vs_xmlw_attr(x, "type", "mount");
	vs_xmlw_attr(x, "accessmode", "passthrough");
	vs_xmlw_start(x, "source");
	vs_xmlw_attr(x, "dir", source);
	vs_xmlw_end(x);
	vs_xmlw_start(x, "target");
	vs_xmlw_attr(x, "dir", tag);
	vs_xmlw_end(x);
	if (readonly) {
		vs_xmlw_start(x, "readonly");
		vs_xmlw_end(x);
	}
	vs_xmlw_end(x);
}

static void w_head(struct vs_xmlw *x, const struct oci_translate_ctx *ctx,
		   const struct vm_plan *plan)
{
	char num[32];

	vs_xmlw_start(x, "domain");
	vs_xmlw_attr(x, "type", "qemu");
	vs_xmlw_text_element(x, "name", ctx->name);
	vs_xmlw_start(x, "metadata");
	vs_xmlw_ok(x, xmlTextWriterStartElementNS(x->w, BAD_CAST "vshim", BAD_CAST "vm",
						  BAD_CAST METADATA_NS));
	vs_xmlw_ok(x, xmlTextWriterWriteElementNS(x->w, BAD_CAST "vshim", BAD_CAST "accel", NULL,
						  BAD_CAST plan->accel));
	if (strcmp(plan->hugepages, "auto") != 0)
		vs_xmlw_ok(x,
			   xmlTextWriterWriteElementNS(x->w, BAD_CAST "vshim", BAD_CAST "hugepages",
						       NULL, BAD_CAST plan->hugepages));
	vs_xmlw_end(x);
	vs_xmlw_end(x);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)plan->memory_mib * 1024);
	vs_xmlw_start(x, "memory");
	vs_xmlw_attr(x, "unit", "KiB");
	vs_xmlw_text(x, num);
	vs_xmlw_end(x);
	snprintf(num, sizeof(num), "%u", plan->vcpus);
	vs_xmlw_text_element(x, "vcpu", num);
	vs_xmlw_start(x, "os");
	vs_xmlw_start(x, "type");
	vs_xmlw_attr(x, "arch", "x86_64");
	vs_xmlw_attr(x, "machine", plan->machine);
	vs_xmlw_text(x, "hvm");
	vs_xmlw_end(x);
	vs_xmlw_text_element(x, "kernel", plan->kernel);
	if (ctx->initrd != NULL)
		vs_xmlw_text_element(x, "initrd", ctx->initrd);
	vs_xmlw_text_element(x, "cmdline", OCI_GUEST_CMDLINE);
	vs_xmlw_end(x);
	snprintf(num, sizeof(num), "%u", plan->tb_cache_mib);
	vs_xmlw_start(x, "features");
	vs_xmlw_start(x, "tcg");
	vs_xmlw_start(x, "tb-cache");
	vs_xmlw_attr(x, "unit", "MiB");
	vs_xmlw_text(x, num);
	vs_xmlw_end(x);
	vs_xmlw_end(x);
	vs_xmlw_end(x);
	vs_xmlw_text_element(x, "on_poweroff", "destroy");
	vs_xmlw_text_element(x, "on_reboot", "destroy");
	vs_xmlw_text_element(x, "on_crash", "destroy");
}

static int w_mounts(struct vs_xmlw *x, const struct oci_spec *spec,
		    const struct oci_translate_ctx *ctx, struct vs_error **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		cleanup_free char *source = NULL, *staged = NULL, *what = NULL;
		char tag[OCI_MOUNT_TAG_MAX];
		enum oci_mount_kind kind;

		if (oci_mounts_classify(spec, i, ctx->bundle, &kind, &source, err) < 0)
			return -1;
		if (kind == OCI_MOUNT_GUEST)
			continue;
		what = vs_xasprintf("mounts[%zu].source", i);
		if (check_text(source, what, err) < 0)
			return -1;
		oci_mount_tag(tag, sizeof(tag), i);
		if (kind == OCI_MOUNT_FILE) {
			staged = oci_mounts_staging_dir(ctx->state_dir, i);
			if (check_text(staged, "the state directory", err) < 0)
				return -1;
		}
		vs_debug("oci", "mounts[%zu]: `%s` as 9p share %s", i, source, tag);
		w_share(x, staged != NULL ? staged : source, tag,
			oci_mounts_is_readonly(&spec->mounts[i]));
	}
	return 0;
}

static void w_devices_tail(struct vs_xmlw *x, const struct oci_translate_ctx *ctx)
{
	if (ctx->console_log != NULL) {
		vs_xmlw_start(x, "serial");
		vs_xmlw_attr(x, "type", "file");
		vs_xmlw_start(x, "source");
		vs_xmlw_attr(x, "path", ctx->console_log);
		vs_xmlw_end(x);
		vs_xmlw_start(x, "target");
		vs_xmlw_attr(x, "port", "0");
		vs_xmlw_end(x);
		vs_xmlw_end(x);
	}
	vs_xmlw_start(x, "channel");
	vs_xmlw_attr(x, "type", "unix");
	vs_xmlw_start(x, "source");
	vs_xmlw_attr(x, "mode", "bind");
	if (ctx->agent_socket != NULL)
		vs_xmlw_attr(x, "path", ctx->agent_socket);
	vs_xmlw_end(x);
	vs_xmlw_start(x, "target");
	vs_xmlw_attr(x, "type", "virtio");
	vs_xmlw_attr(x, "name", OCI_AGENT_CHANNEL);
	vs_xmlw_end(x);
	vs_xmlw_end(x);
	vs_xmlw_start(x, "memballoon");
	vs_xmlw_attr(x, "model", "none");
	vs_xmlw_end(x);
	vs_xmlw_start(x, "rng");
	vs_xmlw_attr(x, "model", "virtio");
	vs_xmlw_start(x, "backend");
	vs_xmlw_attr(x, "model", "random");
	vs_xmlw_text(x, "/dev/urandom");
	vs_xmlw_end(x);
	vs_xmlw_end(x);
}

static int check_ctx(const struct oci_translate_ctx *ctx, const char *root,
		     const struct vm_plan *plan, struct vs_error **err)
{
	if (ctx->name == NULL || ctx->name[0] == '\0')
		return vs_error_set(err, 0, "no domain name given");
	if (ctx->bundle == NULL || ctx->state_dir == NULL)
		return vs_error_set(err, 0, "no bundle or state directory given");
	if (check_text(ctx->name, "the container ID", err) < 0 ||
	    check_text(root, "root.path", err) < 0 ||
	    check_text(plan->kernel, "the guest kernel path", err) < 0 ||
	    (ctx->initrd != NULL && check_text(ctx->initrd, "the initramfs path", err) < 0) ||
	    (ctx->console_log != NULL &&
	     check_text(ctx->console_log, "the console log path", err) < 0) ||
	    (ctx->agent_socket != NULL &&
	     check_text(ctx->agent_socket, "the agent socket path", err) < 0))
		return -1;
	return 0;
}

char *oci_translate(const struct oci_spec *spec, const struct oci_translate_ctx *ctx,
		    struct vs_error **err)
{
	cleanup_free char *root = NULL;
	struct vm_plan plan = { 0 };
	cleanup_free char *text = NULL;
	struct vs_xmlw x;

	if (plan_vm(spec, ctx, &plan, err) < 0)
		return NULL;
	root = oci_spec_path_in_bundle(ctx->bundle != NULL ? ctx->bundle : "/", spec->root_path);
	if (check_ctx(ctx, root, &plan, err) < 0)
		return NULL;
	vs_debug("oci", "VM of `%s`: %u MiB, %u vCPUs, %s, accel %s", ctx->name, plan.memory_mib,
		 plan.vcpus, plan.machine, plan.accel);

	if (vs_xmlw_init(&x, err) < 0)
		return NULL;
	w_head(&x, ctx, &plan);
	vs_xmlw_start(&x, "devices");
	w_share(&x, root, OCI_ROOTFS_TAG, spec->root_readonly);
	if (w_mounts(&x, spec, ctx, err) < 0) {
		vs_xmlw_discard(&x);
		return NULL;
	}
	w_devices_tail(&x, ctx);
	vs_xmlw_end(&x); /* devices */
	vs_xmlw_end(&x); /* domain */
	text = vs_xmlw_finish(&x);
	if (text == NULL) {
		vs_error_set(err, 0, "cannot write the domain XML of `%s`", ctx->name);
		return NULL;
	}
	return vs_xasprintf("%s\n", text);
}
