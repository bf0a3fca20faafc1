/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/clock.h"
#include "oci/mounts.h"
#include "oci/translate.h"
#include "shim/userns.h"

#define TSC_DIR "/run/vshim" /* root's default --root */

static int write_domain_xml(const char *state_dir, const char *xml, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/domain.xml", state_dir);

	return vs_write_file_atomic(path, xml, strlen(xml), 0600, err);
}

/*
 * The monitor's own mount namespace, which QEMU inherits: the volumes are
 * mounted there and nowhere else.  A slave of the host's: what the host
 * mounts later (under a volume's source, say) still reaches it, and
 * nothing mounted here leaks out.  It dies with the monitor and QEMU, so a
 * crash leaves nothing mounted to clean.
 */
static int enter_own_mount_ns(struct vs_error **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return vs_error_set(err, errno, "cannot make a mount namespace for the volumes");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return vs_error_set(err, errno,
				    "cannot make the monitor's mounts a slave of the host's");
	return 0;
}

/* linux.cgroupsPath made with the VM's limits, and joined by this process. */
static int join_cgroup(struct shim_vm *vm, const struct oci_spec *spec,
		       const struct domain_def *def, bool systemd, struct vs_error **err)
{
	const char *path = spec->linux_ ? spec->linux_->cgroups_path : NULL;
	const struct oci_resources *res = spec->linux_ ? &spec->linux_->resources : NULL;
	struct vs_cgroup_limits limits = {
		.memory_bytes =
		    def->memory_kib * 1024 + def->tb_cache_kib * 1024 + SHIM_VM_HOST_OVERHEAD,
	};

	if (path == NULL || path[0] == '\0')
		return 0;
	/* containerd's and CRI-O's systemd form: slice:prefix:name. */
	if (systemd || strchr(path, ':') != NULL) {
		if (access("/run/systemd/system", F_OK) < 0)
			return vs_error_set(
			    err, 0,
			    "linux.cgroupsPath `%s`: a systemd cgroup needs systemd, "
			    "which does not run on this host (use the cgroupfs manager)",
			    path);
		return vs_error_set(err, 0,
				    "linux.cgroupsPath `%s`: systemd cgroups are not supported yet "
				    "(use the cgroupfs manager)",
				    path);
	}
	if (res != NULL && res->has_cpu_quota && res->cpu_quota > 0) {
		limits.cpu_quota_us = (uint64_t)res->cpu_quota;
		limits.cpu_period_us = res->has_cpu_period ? res->cpu_period : 0;
	}
	vs_debug("shim", "joining cgroup `%s`", path);
	if (vs_cgroup_open(path, &vm->cgroup, err) < 0)
		return -1;
	if (vs_cgroup_create(&vm->cgroup, &limits, err) < 0 ||
	    vs_cgroup_join(&vm->cgroup, 0, err) < 0) {
		if (shim_userns_nested() && shim_userns_denied(*err))
			vs_error_prefix(err,
					"without root, linux.cgroupsPath must name a cgroup "
					"delegated to you, or be left out (the VM's size still "
					"bounds the container)");
		cleanup_error struct vs_error *undo = NULL;

		if (vs_cgroup_leave(&vm->cgroup, &undo) < 0 ||
		    vs_cgroup_remove(&vm->cgroup, 0, &undo) < 0)
			vs_debug("shim", "%s", undo->msg);
		vs_cgroup_clear(&vm->cgroup);
		return -1;
	}
	return 0;
}

/*
 * Where the host's TSC rate is kept from its first measurement after the
 * host booted (driver/clock.h): in root's default state directory on /run,
 * a tmpfs a reboot empties, under a name no container ID can have; not in
 * --root, which holds only containers.  Without root: measured at every
 * create (10 ms).
 */
static const char *tsc_cache(void)
{
	if (geteuid() != 0 || (mkdir(TSC_DIR, 0700) < 0 && errno != EEXIST))
		return NULL;
	return TSC_DIR "/.tsc-rate";
}

int shim_vm_boot(struct shim_vm *vm, const char *state_dir, const char *id, const char *bundle,
		 const char *rootfs, const struct oci_spec *spec, const struct oci_hostconf *conf,
		 const struct shim_network *net, bool systemd_cgroup, struct vs_error **err)
{
	const struct drv_file *files = NULL;
	size_t n_files = 0;
	cleanup_free char *kernel = NULL, *initrd = NULL, *xml = NULL;
	cleanup_free char *console = vs_xasprintf("%s/console.sock", state_dir);
	cleanup_free char *console_log = vs_xasprintf("%s/console.log", state_dir);
	cleanup_free char *vm_root = vs_xasprintf("%s/vm", state_dir);
	cleanup_free char *volumes = vs_xasprintf("%s/%s", state_dir, OCI_VOLUMES_DIR);
	cleanup_domain_def struct domain_def *def = NULL;

	memset(vm, 0, sizeof(*vm));
	vm->agent_fd = -1;
	vm->console_fd = -1;
	vm->console.fd = -1;
	vm->state_dir = vs_xstrdup(state_dir);
	vm->spec = spec;

	vs_debug("shim", "finding the guest kernel and initramfs");
	kernel = vs_find_data_file("vmlinux", err);
	if (kernel == NULL)
		goto fail;
	initrd = vs_find_data_file("initramfs.img", err);
	if (initrd == NULL)
		goto fail;

	struct oci_translate_ctx tctx = {
		.name = id,
		.rootfs = rootfs,
		.state_dir = state_dir,
		.kernel = kernel,
		.initrd = initrd,
		.console_socket = console,
		.agent_socket = NULL, /* the driver puts it under its root */
		.conf = conf,
		.tsc_hz = drv_clock_host_tsc_hz(tsc_cache()),
	};
	shim_network_vm(net, &tctx, &files, &n_files);
	vs_debug("shim", "translating config.json to domain XML");
	xml = oci_translate(spec, &tctx, err);
	if (xml == NULL) {
		vs_error_prefix(err, "%s/config.json", bundle);
		goto fail;
	}
	if (write_domain_xml(state_dir, xml, err) < 0)
		goto fail;
	def = drv_domain_parse_string(xml, "domain.xml", err);
	if (def == NULL || join_cgroup(vm, spec, def, systemd_cgroup, err) < 0)
		goto fail;
	vs_debug("shim", "mounting the volumes in the monitor's own mount namespace");
	if (enter_own_mount_ns(err) < 0 || oci_mounts_volumes_build(spec, bundle, volumes, err) < 0)
		goto fail;
	vm->volumes = vs_xstrdup(volumes);

	vm->conn = drv_open(vm_root, err);
	if (vm->conn == NULL)
		goto fail;
	if (vs_caplog_open(&vm->console, console_log, conf->console_log_size,
			   conf->console_log_rate, vs_now_ns(), err) < 0)
		goto fail;
	/*
	 * The vCPUs run from QEMU's start; the agent's channel and the console
	 * are connected before it, so the agent never writes to a closed port
	 * and the console's first lines are not lost.
	 */
	vm->dom =
	    drv_domain_create_with_files(vm->conn, def, files, n_files, DRV_CREATE_CONNECTED, err);
	if (vm->dom == NULL)
		goto fail;
	vm->agent_fd = drv_domain_open_channel(vm->dom, OCI_AGENT_CHANNEL, err);
	if (vm->agent_fd < 0)
		goto fail;
	vm->console_fd = drv_domain_open_serial(vm->dom, err);
	if (vm->console_fd < 0 || fcntl(vm->console_fd, F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	vs_debug("shim", "VM of `%s` running", id);
	return 0;

fail:
	shim_vm_teardown(vm);
	return -1;
}

void shim_vm_teardown(struct shim_vm *vm)
{
	cleanup_error struct vs_error *e = NULL;

	if (vm->agent_fd >= 0)
		close(vm->agent_fd);
	vm->agent_fd = -1;
	if (vm->console_fd >= 0)
		close(vm->console_fd);
	vm->console_fd = -1;
	vs_caplog_close(&vm->console);
	/* drv_close() destroys a domain still running. */
	drv_close(vm->conn);
	vm->conn = NULL;
	vm->dom = NULL;
	if (vm->volumes != NULL && oci_mounts_volumes_release(vm->volumes, &e) < 0)
		vs_warn("shim", "%s", e->msg);
	free(vm->volumes);
	vm->volumes = NULL;
	/* The cgroup stays for delete, which removes it once every process in it is gone. */
	vs_cgroup_clear(&vm->cgroup);
	free(vm->state_dir);
	vm->state_dir = NULL;
}

int shim_vm_binds(const struct shim_vm *vm, const char *bundle, struct proto_bind **binds_out,
		  size_t *n, struct vs_error **err)
{
	const struct oci_spec *spec = vm->spec;
	struct proto_bind *binds = vs_xcalloc(spec->n_mounts, sizeof(*binds));

	*n = 0;
	*binds_out = binds;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		cleanup_free char *source = NULL;
		enum oci_mount_kind kind;

		if (oci_mounts_classify(spec, i, bundle, &kind, &source, err) < 0)
			return -1;
		if (kind == OCI_MOUNT_VOLUME)
			binds[(*n)++].index = (uint32_t)i;
	}
	return 0;
}

void shim_vm_console_read(struct shim_vm *vm)
{
	char buf[64 << 10];

	while (vm->console_fd >= 0) {
		ssize_t n = read(vm->console_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(vm->console_fd);
			vm->console_fd = -1;
			return;
		}
		vs_caplog_write(&vm->console, buf, (size_t)n, vs_now_ns());
	}
}

char *shim_vm_console_tail(struct shim_vm *vm)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	char buf[4096];
	off_t size;
	ssize_t n;

	if (vm->state_dir == NULL)
		return NULL;
	shim_vm_console_read(vm); /* what the guest said last may not be in the file yet */
	path = vs_xasprintf("%s/console.log", vm->state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) <= 0)
		return NULL;
	n = pread(fd, buf, sizeof(buf) - 1,
		  size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* A panic's first line says it all; else the last line. */
	char *line = strstr(buf, "Kernel panic");
	if (line == NULL) {
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
			buf[--n] = '\0';
		line = strrchr(buf, '\n');
		line = line ? line + 1 : buf;
	}
	line[strcspn(line, "\r\n")] = '\0';
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return *line ? vs_xstrdup(line) : NULL;
}
