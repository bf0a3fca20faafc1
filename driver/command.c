/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct domain_def -> QEMU 7.2 command line.
 *
 * The order of the arguments is fixed (machine, memory and CPUs, monitor,
 * sandbox, boot, lifecycle, then the devices kind by kind in document
 * order), so golden files can pin it.  microvm devices are virtio-*-device
 * on virtio-mmio; q35 ones are virtio-*-pci on the root complex.
 *
 * Values inside QEMU's comma-separated option lists have their commas
 * doubled; -kernel, -initrd and -append take their argument verbatim.
 */
#include "driver/command.h"

#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

/*
 * virtio-mmio slots of QEMU 7.2's microvm: 24 on the second IOAPIC, which
 * it has only with ACPI; 8 without (measured: the ninth device is refused
 * with "No 'virtio-bus' bus found", ioapic2=on or not).
 */
#define MICROVM_TRANSPORTS_ACPI	   24
#define MICROVM_TRANSPORTS_NO_ACPI 8

/* A value for a QEMU option list: "a,b" becomes "a,,b". */
static char *opt_escape(const char *s)
{
	size_t n = strlen(s), commas = 0;
	char *out, *o;

	for (size_t i = 0; i < n; i++)
		commas += s[i] == ',';
	o = out = vs_xmalloc(n + commas + 1);
	for (size_t i = 0; i < n; i++) {
		*o++ = s[i];
		if (s[i] == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

static void push2(struct vs_strv *argv, const char *opt, const char *value)
{
	vs_strv_push(argv, opt);
	vs_strv_push(argv, value);
}

/* virtio devices on the machine's transport: one virtio-serial bus counts once. */
static size_t virtio_device_count(const struct domain_def *def)
{
	return def->n_disks + def->n_fs + def->n_nets +
	       (def->n_channels > 0 || (def->console.type != DRV_CHR_NULL && def->console.virtio)) +
	       def->rng + def->memballoon;
}

static int check(const struct domain_def *def, const struct drv_command_ctx *ctx,
		 struct vs_error **err)
{
	const char *name = def->name ? def->name : "(unnamed)";

	if (ctx->accel != DRV_ACCEL_KVM && ctx->accel != DRV_ACCEL_TCG)
		return vs_error_set(err, 0,
				    "domain `%s`: the accelerator must be resolved to kvm or tcg "
				    "before building the QEMU command line",
				    name);
	if (ctx->qmp_fd < 0)
		return vs_error_set(err, 0, "domain `%s`: no QMP socket to hand to QEMU", name);
	if (def->n_channels > 0 && ctx->channel_fds == NULL)
		return vs_error_set(err, 0, "domain `%s`: no sockets for its channels", name);
	for (size_t i = 0; i < def->n_nets; i++)
		if (def->nets[i].type == DRV_NET_ETHERNET &&
		    (ctx->net_fds == NULL || ctx->net_fds[i] < 0))
			return vs_error_set(err, 0, "domain `%s`: no descriptor for tap `%s`", name,
					    def->nets[i].target);
	if (def->name == NULL || def->kernel == NULL || def->memory_kib == 0 || def->vcpus == 0)
		return vs_error_set(
		    err, 0, "domain `%s`: a name, memory, vCPUs and a kernel are required", name);
	for (size_t i = 0; i < def->n_fs; i++)
		if (def->fs[i].driver == DRV_FS_VIRTIOFS)
			return vs_error_set(
			    err, 0,
			    "domain `%s`: filesystem `%s` uses virtiofs, which needs "
			    "a virtiofsd this host does not have; use "
			    "<driver type='path'/> (9p)",
			    name, def->fs[i].target);
	if (def->on_poweroff == DRV_ACTION_RESTART)
		return vs_error_set(err, 0, "domain `%s`: on_poweroff='restart' is not supported",
				    name);
	if (def->on_reboot == DRV_ACTION_PRESERVE)
		return vs_error_set(err, 0, "domain `%s`: on_reboot='preserve' is not supported",
				    name);
	if (def->machine == DRV_MACHINE_MICROVM && def->acpi &&
	    virtio_device_count(def) > MICROVM_TRANSPORTS_ACPI)
		return vs_error_set(err, 0,
				    "domain `%s` needs %zu virtio devices, more than the %d "
				    "slots of a microvm with ACPI",
				    name, virtio_device_count(def), MICROVM_TRANSPORTS_ACPI);
	if (def->machine == DRV_MACHINE_MICROVM && !def->acpi &&
	    virtio_device_count(def) > MICROVM_TRANSPORTS_NO_ACPI)
		return vs_error_set(err, 0,
				    "domain `%s` needs %zu virtio devices, more than the %d "
				    "slots of a microvm without ACPI",
				    name, virtio_device_count(def), MICROVM_TRANSPORTS_NO_ACPI);
	return 0;
}

static void build_machine(const struct domain_def *def, const struct drv_command_ctx *ctx,
			  struct vs_strv *argv)
{
	cleanup_free char *name = opt_escape(def->name);

	vs_strv_push(argv, "-name");
	vs_strv_pushf(argv, "guest=%s", name);
	if (def->has_uuid) {
		const unsigned char *u = def->uuid;

		vs_strv_push(argv, "-uuid");
		vs_strv_pushf(
		    argv, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		    u[13], u[14], u[15]);
	}
	const char *machine = def->machine == DRV_MACHINE_Q35 ? "q35" : "microvm";
	const char *acpi = def->acpi ? "on" : "off";

	vs_strv_push(argv, "-machine");
	if (ctx->accel == DRV_ACCEL_TCG && def->tb_cache_kib != 0) {
		/* -accel's options cannot go with -machine accel=. */
		vs_strv_pushf(argv, "%s,acpi=%s", machine, acpi);
		vs_strv_push(argv, "-accel");
		vs_strv_pushf(argv, "tcg,tb-size=%llu",
			      (unsigned long long)((def->tb_cache_kib + 1023) / 1024));
	} else {
		vs_strv_pushf(argv, "%s,accel=%s,acpi=%s", machine,
			      ctx->accel == DRV_ACCEL_KVM ? "kvm" : "tcg", acpi);
	}
	vs_strv_push(argv, "-m");
	if (def->memory_kib % 1024 == 0)
		vs_strv_pushf(argv, "%llu", (unsigned long long)(def->memory_kib / 1024));
	else
		vs_strv_pushf(argv, "size=%lluK", (unsigned long long)def->memory_kib);
	vs_strv_push(argv, "-smp");
	vs_strv_pushf(argv, "%u", def->vcpus);
	vs_strv_push(argv, "-nodefaults");
	vs_strv_push(argv, "-no-user-config");
	push2(argv, "-display", "none");
	if (ctx->paused)
		vs_strv_push(argv, "-S");
}

static void build_monitor(const struct drv_command_ctx *ctx, struct vs_strv *argv)
{
	vs_strv_push(argv, "-chardev");
	vs_strv_pushf(argv, "socket,id=charmonitor,fd=%d,server=on,wait=off", ctx->qmp_fd);
	push2(argv, "-mon", "chardev=charmonitor,id=monitor,mode=control");
	/* As libvirt: the pid in the driver's root, and its path in `ps` names the domain's root.
	 */
	if (ctx->pidfile != NULL)
		push2(argv, "-pidfile", ctx->pidfile);
	push2(argv, "-sandbox",
	      "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
	      "resourcecontrol=deny");
}

/* Whether the space-separated list s has the word w (wlen bytes, not NUL-terminated). */
static bool has_word(const char *s, const char *w, size_t wlen)
{
	while (*s != '\0') {
		size_t n = strcspn(s, " ");

		if (n == wlen && memcmp(s, w, wlen) == 0)
			return true;
		s += n + (s[n] == ' ');
	}
	return false;
}

/* Appends the words of add that base lacks to out (len bytes so far, room enough). */
static size_t append_missing_words(char *out, size_t len, const char *base, const char *add)
{
	for (const char *w = add; *w != '\0';) {
		size_t wlen = strcspn(w, " ");

		if (!has_word(base, w, wlen)) {
			if (len > 0)
				out[len++] = ' ';
			memcpy(out + len, w, wlen);
			out[len += wlen] = '\0';
		}
		w += wlen + (w[wlen] == ' ');
	}
	return len;
}

/*
 * The domain's kernel command line, plus DRV_TCG_CMDLINE (and
 * DRV_TCG_TSC_CMDLINE when the TSC's rate is known) under TCG; NULL for
 * none.
 */
static char *kernel_cmdline(const struct domain_def *def, const struct drv_command_ctx *ctx)
{
	const char *base = def->cmdline ? def->cmdline : "";
	char tsc[64] = "";
	size_t len = strlen(base);
	char *out;

	if (ctx->accel != DRV_ACCEL_TCG)
		return def->cmdline ? vs_xstrdup(def->cmdline) : NULL;
	if (def->tsc_hz != 0)
		snprintf(tsc, sizeof(tsc), DRV_TCG_TSC_CMDLINE,
			 (unsigned long long)(def->tsc_hz / 1000));
	out = vs_xmalloc(len + sizeof(DRV_TCG_CMDLINE) + strlen(tsc) + 2);
	memcpy(out, base, len + 1);
	len = append_missing_words(out, len, base, DRV_TCG_CMDLINE);
	append_missing_words(out, len, base, tsc);
	return out;
}

static void build_boot(const struct domain_def *def, const struct drv_command_ctx *ctx,
		       struct vs_strv *argv)
{
	cleanup_free char *cmdline = kernel_cmdline(def, ctx);

	/*
	 * A guest panic reaches QEMU only through a pvpanic device.  restart
	 * leaves the panic to the guest kernel (panic=N reboots it).
	 */
	static const char *const panic_actions[] = {
		[DRV_ACTION_DESTROY] = "panic=shutdown",
		[DRV_ACTION_RESTART] = "panic=none",
		[DRV_ACTION_PRESERVE] = "panic=pause",
	};

	push2(argv, "-kernel", def->kernel);
	if (def->initrd != NULL)
		push2(argv, "-initrd", def->initrd);
	if (cmdline != NULL)
		push2(argv, "-append", cmdline);
	if (def->on_reboot == DRV_ACTION_DESTROY)
		vs_strv_push(argv, "-no-reboot");
	if (def->on_poweroff == DRV_ACTION_PRESERVE)
		vs_strv_push(argv, "-no-shutdown");
	push2(argv, "-action", panic_actions[def->on_crash]);
}

static void build_disks(const struct domain_def *def, const char *sfx, struct vs_strv *argv)
{
	static const char *const formats[] = { [DRV_DISK_RAW] = "raw", [DRV_DISK_QCOW2] = "qcow2" };

	for (size_t i = 0; i < def->n_disks; i++) {
		const struct drv_disk *d = &def->disks[i];
		cleanup_free char *file = opt_escape(d->source);
		const char *ro = d->readonly ? ",read-only=on" : "";

		vs_strv_push(argv, "-blockdev");
		vs_strv_pushf(argv, "driver=file,filename=%s,node-name=disk%zu-file%s", file, i,
			      ro);
		vs_strv_push(argv, "-blockdev");
		vs_strv_pushf(argv, "driver=%s,file=disk%zu-file,node-name=disk%zu-format%s",
			      formats[d->format], i, i, ro);
		vs_strv_push(argv, "-device");
		vs_strv_pushf(argv, "virtio-blk-%s,drive=disk%zu-format,id=virtio-disk%zu", sfx, i,
			      i);
	}
}

static void build_filesystems(const struct domain_def *def, const char *sfx, struct vs_strv *argv)
{
	static const char *const models[] = {
		[DRV_FS_ACCESS_PASSTHROUGH] = "passthrough",
		[DRV_FS_ACCESS_MAPPED] = "mapped-xattr",
		[DRV_FS_ACCESS_SQUASH] = "none",
	};

	for (size_t i = 0; i < def->n_fs; i++) {
		const struct drv_fs *fs = &def->fs[i];
		cleanup_free char *path = opt_escape(fs->source);
		cleanup_free char *tag = opt_escape(fs->target);

		vs_strv_push(argv, "-fsdev");
		vs_strv_pushf(argv, "local,id=fsdev%zu,path=%s,security_model=%s%s,multidevs=remap",
			      i, path, models[fs->access], fs->readonly ? ",readonly=on" : "");
		vs_strv_push(argv, "-device");
		vs_strv_pushf(argv, "virtio-9p-%s,id=fs%zu,fsdev=fsdev%zu,mount_tag=%s", sfx, i, i,
			      tag);
	}
}

/*
 * -netdev user (slirp) or tap on the descriptor the caller handed over (no
 * ifname: QEMU opens nothing; vhost stays off), and a virtio-net NIC with
 * the MAC and, when given, host_mtu (the guest's largest MTU).
 */
static void build_nets(const struct domain_def *def, const struct drv_command_ctx *ctx,
		       const char *sfx, struct vs_strv *argv)
{
	for (size_t i = 0; i < def->n_nets; i++) {
		const struct drv_net *net = &def->nets[i];
		cleanup_free char *mac =
		    net->mac[0] != '\0' ? vs_xasprintf(",mac=%s", net->mac) : vs_xstrdup("");
		cleanup_free char *mtu =
		    net->mtu != 0 ? vs_xasprintf(",host_mtu=%u", net->mtu) : vs_xstrdup("");

		vs_strv_push(argv, "-netdev");
		if (net->type == DRV_NET_ETHERNET)
			vs_strv_pushf(argv, "tap,id=hostnet%zu,fd=%d", i, ctx->net_fds[i]);
		else
			vs_strv_pushf(argv, "user,id=hostnet%zu", i);
		vs_strv_push(argv, "-device");
		vs_strv_pushf(argv, "virtio-net-%s,netdev=hostnet%zu,id=net%zu%s%s", sfx, i, i, mac,
			      mtu);
	}
}

/* -chardev for a <serial> or <console> backend; listen_fd > 0: a unix one's bound socket. */
static void push_chardev(const struct drv_chr *chr, const char *id, int listen_fd,
			 struct vs_strv *argv)
{
	cleanup_free char *path = chr->path ? opt_escape(chr->path) : NULL;

	vs_strv_push(argv, "-chardev");
	switch (chr->type) {
	case DRV_CHR_FILE:
		vs_strv_pushf(argv, "file,id=%s,path=%s%s", id, path,
			      chr->append ? ",append=on" : "");
		break;
	case DRV_CHR_PTY:
		vs_strv_pushf(argv, "pty,id=%s", id);
		break;
	case DRV_CHR_UNIX:
		if (listen_fd > 0)
			vs_strv_pushf(argv, "socket,id=%s,fd=%d,server=on,wait=off", id, listen_fd);
		else
			vs_strv_pushf(argv, "socket,id=%s,path=%s,server=on,wait=off", id, path);
		break;
	case DRV_CHR_NULL:
		vs_strv_pushf(argv, "null,id=%s", id);
		break;
	}
}

/* The ISA serial port: <serial>, or else a <console> with a serial target. */
static void build_serial(const struct domain_def *def, const struct drv_command_ctx *ctx,
			 struct vs_strv *argv)
{
	const struct drv_chr *chr = &def->serial;

	if (chr->type == DRV_CHR_NULL && !def->console.virtio)
		chr = &def->console;
	if (chr->type == DRV_CHR_NULL)
		return;
	push_chardev(chr, "charserial0", ctx->serial_fd, argv);
	push2(argv, "-serial", "chardev:charserial0");
}

/* One virtio-serial bus for the virtio console (port 0) and the channels (ports 1..). */
static void build_virtio_serial(const struct domain_def *def, const struct drv_command_ctx *ctx,
				const char *sfx, struct vs_strv *argv)
{
	bool console = def->console.type != DRV_CHR_NULL && def->console.virtio;

	if (!console && def->n_channels == 0)
		return;
	/*
	 * As many ports as it has (QEMU's default is 31): the guest sets up two
	 * virtqueues for each, used or not, at boot.
	 */
	vs_strv_push(argv, "-device");
	vs_strv_pushf(argv, "virtio-serial-%s,id=virtio-serial0,max_ports=%zu", sfx,
		      def->n_channels + 1);
	if (console) {
		push_chardev(&def->console, "charconsole0", 0, argv);
		push2(argv, "-device",
		      "virtconsole,bus=virtio-serial0.0,nr=0,chardev=charconsole0,id=console0");
	}
	for (size_t i = 0; i < def->n_channels; i++) {
		cleanup_free char *name = opt_escape(def->channels[i].target_name);

		vs_strv_push(argv, "-chardev");
		vs_strv_pushf(argv, "socket,id=charchannel%zu,fd=%d,server=on,wait=off", i,
			      ctx->channel_fds[i]);
		vs_strv_push(argv, "-device");
		vs_strv_pushf(argv,
			      "virtserialport,bus=virtio-serial0.0,nr=%zu,chardev=charchannel%zu,"
			      "id=channel%zu,name=%s",
			      i + 1, i, i, name);
	}
}

static void build_misc(const struct domain_def *def, const char *sfx, struct vs_strv *argv)
{
	if (def->rng) {
		push2(argv, "-object", "rng-random,id=objrng0,filename=/dev/urandom");
		vs_strv_push(argv, "-device");
		vs_strv_pushf(argv, "virtio-rng-%s,rng=objrng0,id=rng0", sfx);
	}
	if (def->memballoon) {
		vs_strv_push(argv, "-device");
		vs_strv_pushf(argv, "virtio-balloon-%s,id=balloon0", sfx);
	}
}

int drv_command_build(const struct domain_def *def, const struct drv_command_ctx *ctx,
		      struct vs_strv *argv, struct vs_error **err)
{
	const char *sfx = def->machine == DRV_MACHINE_Q35 ? "pci" : "device";
	const char *emulator = ctx->emulator;

	if (check(def, ctx, err) < 0)
		return -1;
	if (emulator == NULL)
		emulator = def->emulator != NULL ? def->emulator : "qemu-system-x86_64";
	vs_strv_push(argv, emulator);
	build_machine(def, ctx, argv);
	build_monitor(ctx, argv);
	build_boot(def, ctx, argv);
	build_disks(def, sfx, argv);
	build_filesystems(def, sfx, argv);
	build_nets(def, ctx, sfx, argv);
	build_serial(def, ctx, argv);
	build_virtio_serial(def, ctx, sfx, argv);
	build_misc(def, sfx, argv);
	return 0;
}
