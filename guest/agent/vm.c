/* SPDX-License-Identifier: Apache-2.0 */
/* The VM as a machine (vm.h). */
#include "guest/agent/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static const struct {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
} boot_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620" },
};

int agent_vm_set_clock(long long sec, long long nsec, struct vs_error **err)
{
	struct timespec ts = { .tv_sec = (time_t)sec, .tv_nsec = (long)nsec };
	struct timespec was;

	clock_gettime(CLOCK_REALTIME, &was);
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		return vs_error_set(err, errno, "cannot set the guest's clock");
	vs_debug("agent", "clock set from the host: it was %+.3f s off",
		 (double)(was.tv_sec - ts.tv_sec) + (double)(was.tv_nsec - ts.tv_nsec) / 1e9);
	return 0;
}

/* The initramfs root cannot be pivoted away from: move a tmpfs over it (as switch_root does). */
static int switch_root(struct vs_error **err)
{
	if (mkdir("/root", 0755) < 0 && errno != EEXIST)
		return vs_error_set(err, errno, "cannot create `/root`");
	if (mount("tmpfs", "/root", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return vs_error_set(err, errno, "cannot mount the agent's root");
	if (chdir("/root") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return vs_error_set(err, errno, "cannot move the agent's root onto `/`");
	return 0;
}

static void open_console(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int c;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		c = open("/dev/console", O_RDWR | O_NOCTTY);
		if (c < 0)
			c = open("/dev/null", O_RDWR);
		if (c >= 0 && c != fd) {
			dup2(c, fd);
			close(c);
		}
	}
}

int agent_vm_boot(struct vs_error **err)
{
	if (switch_root(err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(boot_mounts) / sizeof(boot_mounts[0]); i++) {
		if (mkdir(boot_mounts[i].target, 0755) < 0 && errno != EEXIST)
			return vs_error_set(err, errno, "cannot create `%s`",
					    boot_mounts[i].target);
		if (mount(boot_mounts[i].source, boot_mounts[i].target, boot_mounts[i].type,
			  boot_mounts[i].flags, boot_mounts[i].data) < 0)
			return vs_error_set(err, errno, "cannot mount %s on `%s`",
					    boot_mounts[i].type, boot_mounts[i].target);
		if (i == 2)
			open_console(); /* /dev is there now */
	}
	if (vs_mkdir_p(AGENT_RUN_DIR, 0700, err) < 0)
		return -1;
	vs_debug("agent", "guest file systems mounted");
	return 0;
}

_Noreturn void agent_vm_reboot(void)
{
	kill(-1, SIGKILL);
	sync();
	reboot(RB_AUTOBOOT);
	/* Only reached when reboot() failed; PID 1 must not return. */
	for (;;)
		pause();
}
