/* SPDX-License-Identifier: Apache-2.0 */
#include "accel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

static const char *sys_module_dir = "/sys/module";
static const char *kvm_device = "/dev/kvm";

void drv_accel_set_paths(const char *sys_module, const char *kvm_dev)
{
	sys_module_dir = sys_module;
	kvm_device = kvm_dev;
}

static bool module_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", sys_module_dir, name);
	return access(path, F_OK) == 0;
}

/* NULL when KVM can run a standard guest, else why it cannot. */
static const char *kvm_unusable_reason(void)
{
	cleanup_close int fd = open(kvm_device, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? "no /dev/kvm" : "/dev/kvm cannot be opened read-write";
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return "/dev/kvm speaks an unknown API version";
	if (module_loaded("kvm_pvm"))
		return "the host KVM is nested PVM (kvm_pvm), which hangs standard guest kernels";
	if (!module_loaded("kvm_intel") && !module_loaded("kvm_amd"))
		return "neither kvm_intel nor kvm_amd is loaded";
	return NULL;
}

int drv_accel_resolve(enum drv_accel requested, enum drv_accel *out, struct vs_error **err)
{
	const char *why;

	switch (requested) {
	case DRV_ACCEL_TCG:
		*out = DRV_ACCEL_TCG;
		return 0;
	case DRV_ACCEL_KVM: {
		cleanup_close int fd = open(kvm_device, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return vs_error_set(err, errno,
					    "the domain asks for KVM but `%s` cannot be opened",
					    kvm_device);
		*out = DRV_ACCEL_KVM;
		return 0;
	}
	case DRV_ACCEL_AUTO:
		break;
	}
	why = kvm_unusable_reason();
	if (why == NULL) {
		vs_debug("accel", "auto: using KVM");
		*out = DRV_ACCEL_KVM;
	} else {
		vs_debug("accel", "auto: using TCG because %s", why);
		*out = DRV_ACCEL_TCG;
	}
	return 0;
}
