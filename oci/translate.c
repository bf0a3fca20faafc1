/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/translate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/encoding.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/domain.h"

#define MIB (1024ull * 1024ull)

/* The values of the choice annotations, in the order of the driver's enums. */
static const char *const accel_names[] = { "auto", "kvm", "tcg" };    /* enum drv_accel */
static const char *const machine_names[] = { "microvm", "q35" };      /* enum drv_machine */
static const char *const hugepages_names[] = { "auto", "on", "off" }; /* enum drv_hugepages */

/* What the VM looks like, before it becomes a domain definition. */
struct vm_plan {
	unsigned int memory_mib;
	unsigned int vcpus;
	unsigned int tb_cache_mib;
	const char *kernel;
	enum drv_accel accel;
	enum drv_machine machine;
	enum drv_hugepages hugepages;
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

/*
 * The index in choices of an annotation that must be one of them; 0 (the
 * first choice) when it is absent.
 */
static int plan_choice(const struct oci_spec *spec, const char *key, const char *const *choices,
		       size_t n, int *out, struct vs_error **err)
{
	const char *ann = oci_spec_annotation(spec, key);

	*out = 0;
	if (ann == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(choices[i], ann) == 0) {
			*out = (int)i;
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
	const char *kernel = oci_spec_annotation(spec, OCI_ANNOTATION_KERNEL);
	int accel, machine, hugepages;

	if (plan_memory(spec, plan, err) < 0 || plan_vcpus(spec, ctx, plan, err) < 0 ||
	    plan_tb_cache(spec, plan, err) < 0 ||
	    plan_choice(spec, OCI_ANNOTATION_ACCEL, accel_names, VS_ARRAY_SIZE(accel_names), &accel,
			err) < 0 ||
	    plan_choice(spec, OCI_ANNOTATION_MACHINE, machine_names, VS_ARRAY_SIZE(machine_names),
			&machine, err) < 0 ||
	    plan_choice(spec, OCI_ANNOTATION_HUGEPAGES, hugepages_names,
			VS_ARRAY_SIZE(hugepages_names), &hugepages, err) < 0)
		return -1;
	plan->accel = (enum drv_accel)accel;
	plan->machine = (enum drv_machine)machine;
	plan->hugepages = (enum drv_hugepages)hugepages;
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

/* A 9p share: <filesystem type='mount' accessmode='passthrough'>. */
static void add_share(struct domain_def *def, const char *source, const char *tag, bool readonly)
{
	struct drv_fs *fs = drv_domain_def_add_fs(def);

	fs->driver = DRV_FS_9P;
	fs->access = DRV_FS_ACCESS_PASSTHROUGH;
	fs->source = vs_xstrdup(source);
	fs->target = vs_xstrdup(tag);
	fs->readonly = readonly;
}

/* Sizing, boot and lifecycle: everything but the devices. */
static void fill_head(struct domain_def *def, const struct oci_translate_ctx *ctx,
		      const struct vm_plan *plan)
{
	def->name = vs_xstrdup(ctx->name);
	def->accel = plan->accel;
	def->hugepages = plan->hugepages;
	def->memory_kib = (uint64_t)plan->memory_mib * 1024;
	def->vcpus = plan->vcpus;
	def->machine = plan->machine;
	def->kernel = vs_xstrdup(plan->kernel);
	if (ctx->initrd != NULL)
		def->initrd = vs_xstrdup(ctx->initrd);
	def->cmdline = vs_xstrdup(OCI_GUEST_CMDLINE);
	def->tb_cache_kib = (uint64_t)plan->tb_cache_mib * 1024;
	def->on_poweroff = DRV_ACTION_DESTROY;
	def->on_reboot = DRV_ACTION_DESTROY;
	def->on_crash = DRV_ACTION_DESTROY;
}

/* The console log, the agent's channel, no balloon, a virtio RNG. */
static void add_devices_tail(struct domain_def *def, const struct oci_translate_ctx *ctx)
{
	struct drv_channel *agent = drv_domain_def_add_channel(def);

	if (ctx->console_log != NULL) {
		def->serial.type = DRV_CHR_FILE;
		def->serial.path = vs_xstrdup(ctx->console_log);
	}
	if (ctx->agent_socket != NULL)
		agent->path = vs_xstrdup(ctx->agent_socket);
	agent->target_name = vs_xstrdup(OCI_AGENT_CHANNEL);
	def->memballoon = false;
	def->rng = true;
}

static int check_ctx(const struct oci_translate_ctx *ctx, const struct vm_plan *plan,
		     struct vs_error **err)
{
	if (ctx->name == NULL || ctx->name[0] == '\0')
		return vs_error_set(err, 0, "no domain name given");
	if (ctx->rootfs == NULL || ctx->state_dir == NULL)
		return vs_error_set(err, 0, "no root or state directory given");
	if (check_text(ctx->name, "the container ID", err) < 0 ||
	    check_text(ctx->rootfs, "root.path", err) < 0 ||
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
	cleanup_domain_def struct domain_def *def = NULL;
	cleanup_free char *volumes = NULL;
	struct vm_plan plan = { 0 };

	if (plan_vm(spec, ctx, &plan, err) < 0 || check_ctx(ctx, &plan, err) < 0)
		return NULL;
	volumes = vs_xasprintf("%s/%s", ctx->state_dir, OCI_VOLUMES_DIR);
	if (check_text(volumes, "the state directory", err) < 0)
		return NULL;
	vs_debug("oci", "VM of `%s`: %u MiB, %u vCPUs, %s, accel %s", ctx->name, plan.memory_mib,
		 plan.vcpus, machine_names[plan.machine], accel_names[plan.accel]);

	def = vs_xcalloc(1, sizeof(*def));
	fill_head(def, ctx, &plan);
	add_share(def, ctx->rootfs, OCI_ROOTFS_TAG, spec->root_readonly);
	add_share(def, volumes, OCI_VOLUMES_TAG, false);
	add_devices_tail(def, ctx);
	return drv_domain_format(def, err);
}
