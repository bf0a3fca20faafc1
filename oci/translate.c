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
#include "oci/network.h"

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
	const char *initrd;
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

/*
 * The value of annotation key (NULL when config.json does not set it), or
 * an error when the host configuration does not allow config.json to set it.
 */
static int annotation(const struct oci_spec *spec, const struct oci_hostconf *conf,
		      enum oci_vm_annotation which, const char *key, const char **value,
		      struct vs_error **err)
{
	*value = oci_spec_annotation(spec, key);
	if (*value == NULL || (conf->allowed & which) != 0)
		return 0;
	return vs_error_set(err, 0,
			    "annotations[\"%s\"]: not allowed on this host; the administrator "
			    "allows it with \"%s\" in [annotations] allow of %s",
			    key, oci_annotation_name(which),
			    conf->path != NULL ? conf->path : OCI_HOSTCONF_PATH);
}

static int plan_memory(const struct oci_spec *spec, const struct oci_hostconf *conf,
		       struct vm_plan *plan, struct vs_error **err)
{
	const struct oci_resources *res = spec->linux_ ? &spec->linux_->resources : NULL;
	const char *ann;

	if (annotation(spec, conf, OCI_ANN_MEMORY, OCI_ANNOTATION_MEMORY, &ann, err) < 0)
		return -1;
	if (ann != NULL) {
		long mib = annotation_number(ann);

		if (mib < OCI_VM_MIN_MEMORY_MIB || mib > conf->max_memory_mib)
			return vs_error_set(err, 0,
					    "annotations[\"%s\"]: must be a number of MiB between "
					    "%u and %u, not \"%s\"",
					    OCI_ANNOTATION_MEMORY, OCI_VM_MIN_MEMORY_MIB,
					    conf->max_memory_mib, ann);
		plan->memory_mib = (unsigned int)mib;
		return 0;
	}
	if (res == NULL || !res->has_memory_limit || res->memory_limit <= 0) {
		plan->memory_mib = conf->memory_mib;
		return 0;
	}
	uint64_t limit_mib = ((uint64_t)res->memory_limit + MIB - 1) / MIB;

	if (limit_mib + OCI_VM_MEMORY_OVERHEAD_MIB > conf->max_memory_mib)
		return vs_error_set(err, 0,
				    "linux.resources.memory.limit: %lld bytes is more than a VM "
				    "can have on this host (%u MiB with %u MiB for the guest's own "
				    "use)",
				    (long long)res->memory_limit, conf->max_memory_mib,
				    OCI_VM_MEMORY_OVERHEAD_MIB);
	plan->memory_mib = (unsigned int)limit_mib + OCI_VM_MEMORY_OVERHEAD_MIB;
	return 0;
}

static int plan_vcpus(const struct oci_spec *spec, const struct oci_translate_ctx *ctx,
		      const struct oci_hostconf *conf, struct vm_plan *plan, struct vs_error **err)
{
	const struct oci_resources *res = spec->linux_ ? &spec->linux_->resources : NULL;
	uint64_t want = conf->vcpus, cap = ctx->host_cpus;
	const char *ann;

	if (annotation(spec, conf, OCI_ANN_VCPUS, OCI_ANNOTATION_VCPUS, &ann, err) < 0)
		return -1;
	if (ann != NULL) {
		long n = annotation_number(ann);

		if (n < 1 || n > conf->max_vcpus)
			return vs_error_set(err, 0,
					    "annotations[\"%s\"]: must be a number between 1 and "
					    "%u, not \"%s\"",
					    OCI_ANNOTATION_VCPUS, conf->max_vcpus, ann);
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
	if (cap > conf->max_vcpus)
		cap = conf->max_vcpus;
	plan->vcpus = (unsigned int)(want < cap ? want : cap);
	return 0;
}

static int plan_tb_cache(const struct oci_spec *spec, const struct oci_hostconf *conf,
			 struct vm_plan *plan, struct vs_error **err)
{
	const char *ann;

	if (annotation(spec, conf, OCI_ANN_TB_CACHE, OCI_ANNOTATION_TB_CACHE, &ann, err) < 0)
		return -1;
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

/* The index of value in choices, or -1. */
static int choice_index(const char *value, const char *const *choices, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(choices[i], value) == 0)
			return (int)i;
	return -1;
}

/*
 * The index in choices of an annotation that must be one of them; that of
 * fallback (the host's default) when it is absent.
 */
static int plan_choice(const struct oci_spec *spec, const struct oci_hostconf *conf,
		       enum oci_vm_annotation which, const char *key, const char *const *choices,
		       size_t n, const char *fallback, int *out, struct vs_error **err)
{
	const char *ann;

	if (annotation(spec, conf, which, key, &ann, err) < 0)
		return -1;
	*out = choice_index(ann != NULL ? ann : fallback, choices, n);
	if (*out >= 0)
		return 0;
	if (ann == NULL)
		return vs_error_set(err, 0,
				    "the host configuration's default \"%s\" is not one of "
				    "the values of %s",
				    fallback, key);
	if (n == 2)
		return vs_error_set(err, 0, "annotations[\"%s\"]: must be %s or %s, not \"%s\"",
				    key, choices[0], choices[1], ann);
	return vs_error_set(err, 0, "annotations[\"%s\"]: must be %s, %s or %s, not \"%s\"", key,
			    choices[0], choices[1], choices[2], ann);
}

/* Whether path is absolute and plain: no empty, "." or ".." component, no trailing '/'. */
static bool plain_absolute(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *p = path + 1;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

/*
 * io.vshim.kernel: an absolute path without "." or ".." inside one of the
 * host configuration's kernel_dirs (directories the administrator owns; a
 * symbolic link there is the administrator's).  The driver checks it is a
 * regular file before QEMU opens it.
 */
static int plan_kernel_annotation(const char *ann, const struct oci_hostconf *conf,
				  struct vs_error **err)
{
	if (!plain_absolute(ann))
		return vs_error_set(
		    err, 0,
		    "annotations[\"%s\"]: must be an absolute path without \".\" or "
		    "\"..\", not \"%s\"",
		    OCI_ANNOTATION_KERNEL, ann);
	for (size_t i = 0; i < conf->n_kernel_dirs; i++) {
		const char *dir = conf->kernel_dirs[i];
		size_t len = strlen(dir);

		while (len > 1 && dir[len - 1] == '/')
			len--;
		if (strncmp(ann, dir, len) == 0 && (ann[len] == '/' || len == 1))
			return 0;
	}
	return vs_error_set(
	    err, 0,
	    "annotations[\"%s\"]: `%s` is not inside a directory that kernel_dirs of "
	    "%s allows",
	    OCI_ANNOTATION_KERNEL, ann, conf->path != NULL ? conf->path : OCI_HOSTCONF_PATH);
}

static int plan_vm(const struct oci_spec *spec, const struct oci_translate_ctx *ctx,
		   const struct oci_hostconf *conf, struct vm_plan *plan, struct vs_error **err)
{
	const char *kernel;
	int accel, machine, hugepages;

	if (plan_memory(spec, conf, plan, err) < 0 || plan_vcpus(spec, ctx, conf, plan, err) < 0 ||
	    plan_tb_cache(spec, conf, plan, err) < 0 ||
	    plan_choice(spec, conf, OCI_ANN_ACCEL, OCI_ANNOTATION_ACCEL, accel_names,
			VS_ARRAY_SIZE(accel_names), conf->accel, &accel, err) < 0 ||
	    plan_choice(spec, conf, OCI_ANN_MACHINE, OCI_ANNOTATION_MACHINE, machine_names,
			VS_ARRAY_SIZE(machine_names), conf->machine, &machine, err) < 0 ||
	    plan_choice(spec, conf, OCI_ANN_HUGEPAGES, OCI_ANNOTATION_HUGEPAGES, hugepages_names,
			VS_ARRAY_SIZE(hugepages_names), "auto", &hugepages, err) < 0 ||
	    annotation(spec, conf, OCI_ANN_KERNEL, OCI_ANNOTATION_KERNEL, &kernel, err) < 0)
		return -1;
	plan->accel = (enum drv_accel)accel;
	plan->machine = (enum drv_machine)machine;
	plan->hugepages = (enum drv_hugepages)hugepages;
	if (kernel != NULL && plan_kernel_annotation(kernel, conf, err) < 0)
		return -1;
	plan->kernel = kernel != NULL ? kernel : conf->kernel != NULL ? conf->kernel : ctx->kernel;
	if (plan->kernel == NULL)
		return vs_error_set(err, 0, "no guest kernel to boot");
	plan->initrd = conf->initrd != NULL ? conf->initrd : ctx->initrd;
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
	if (plan->initrd != NULL)
		def->initrd = vs_xstrdup(plan->initrd);
	def->cmdline = vs_xstrdup(OCI_GUEST_CMDLINE);
	def->tb_cache_kib = (uint64_t)plan->tb_cache_mib * 1024;
	def->tsc_hz = ctx->tsc_hz;
	def->on_poweroff = DRV_ACTION_DESTROY;
	def->on_reboot = DRV_ACTION_DESTROY;
	def->on_crash = DRV_ACTION_DESTROY;
}

/* The NICs of the network plan: the monitor's taps, or QEMU's user-mode network. */
static int add_nics(struct domain_def *def, const struct oci_spec *spec,
		    const struct oci_translate_ctx *ctx, const struct oci_hostconf *conf,
		    struct vs_error **err)
{
	struct oci_network_plan plan;
	const char *ann;

	if (annotation(spec, conf, OCI_ANN_NETWORK, OCI_ANNOTATION_NETWORK, &ann, err) < 0 ||
	    oci_network_plan(spec, conf->network_mode, &plan, err) < 0)
		return -1;
	if (plan.nics != OCI_NETWORK_NAMESPACE && ctx->n_nics > 0)
		return vs_error_set(err, 0,
				    "taps were made for a VM whose network is not a namespace's");
	if (plan.nics == OCI_NETWORK_USER) {
		struct drv_net *net = drv_domain_def_add_net(def);

		net->type = DRV_NET_USER;
		strcpy(net->mac, OCI_NET_USER_MAC);
	}
	for (size_t i = 0; i < ctx->n_nics; i++) {
		struct drv_net *net = drv_domain_def_add_net(def);

		net->type = DRV_NET_ETHERNET;
		net->target = vs_xstrdup(ctx->nics[i].tap);
		snprintf(net->mac, sizeof(net->mac), "%s", ctx->nics[i].mac);
		net->mtu = ctx->nics[i].mtu;
	}
	return 0;
}

/* The console's socket, the agent's channel, no balloon, a virtio RNG. */
static void add_devices_tail(struct domain_def *def, const struct oci_translate_ctx *ctx)
{
	struct drv_channel *agent = drv_domain_def_add_channel(def);

	if (ctx->console_socket != NULL) {
		def->serial.type = DRV_CHR_UNIX;
		def->serial.path = vs_xstrdup(ctx->console_socket);
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
	    (plan->initrd != NULL && check_text(plan->initrd, "the initramfs path", err) < 0) ||
	    (ctx->console_socket != NULL &&
	     check_text(ctx->console_socket, "the console socket path", err) < 0) ||
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
	struct oci_hostconf defaults;
	const struct oci_hostconf *conf = ctx->conf;
	char *xml = NULL;

	if (conf == NULL) {
		oci_hostconf_defaults(&defaults);
		conf = &defaults;
	}
	if (plan_vm(spec, ctx, conf, &plan, err) < 0 || check_ctx(ctx, &plan, err) < 0)
		goto out;
	volumes = vs_xasprintf("%s/%s", ctx->state_dir, OCI_VOLUMES_DIR);
	if (check_text(volumes, "the state directory", err) < 0)
		goto out;
	vs_debug("oci", "VM of `%s`: %u MiB, %u vCPUs, %s, accel %s", ctx->name, plan.memory_mib,
		 plan.vcpus, machine_names[plan.machine], accel_names[plan.accel]);

	def = vs_xcalloc(1, sizeof(*def));
	fill_head(def, ctx, &plan);
	add_share(def, ctx->rootfs, OCI_ROOTFS_TAG, spec->root_readonly);
	add_share(def, volumes, OCI_VOLUMES_TAG, false);
	if (add_nics(def, spec, ctx, conf, err) < 0)
		goto out;
	add_devices_tail(def, ctx);
	xml = drv_domain_format(def, err);
out:
	if (conf == &defaults)
		oci_hostconf_clear(&defaults);
	return xml;
}
