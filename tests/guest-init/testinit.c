/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim-testinit: a static PID 1 for the integration tests that boot real
 * VMs. It needs nothing but the kernel: it mounts devtmpfs, proc and sysfs,
 * says hello on the console, and acts on `vshim.test=MODE` from the kernel
 * command line:
 *
 *   reboot     (the default) sync and reboot; with `reboot=t` on the command
 *              line and QEMU's -no-reboot, QEMU exits
 *   hang       sleep forever, for the kill tests
 *   panic      exit, which panics the kernel (with `panic=-1`, QEMU exits)
 *   echo-port  echo the virtio serial port named org.vshim.test.0 until the
 *              host closes it, then reboot
 *
 * The kernel does not hand dotted parameters to init, hence /proc/cmdline.
 * Every failure is reported on the console and ends in a reboot, so a test
 * sees the VM end either way. PID 1 must not return from main except in
 * panic mode: returning panics the kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define TESTINIT_PORT	       "org.vshim.test.0"
#define TESTINIT_PORT_WAIT_MS  30000
#define TESTINIT_POLL_INTERVAL 10

static int testinit_console = -1;

static void testinit_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void testinit_say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int len = snprintf(line, sizeof(line), "vshim-testinit: ");

	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	if (testinit_console >= 0 && write(testinit_console, line, (size_t)len) < 0)
		testinit_console = -1;
}

/* The kernel opened /dev/console as fds 0-2 when it existed; else find one. */
static void testinit_open_console(void)
{
	static const char *const paths[] = { "/dev/console", "/dev/ttyS0", "/dev/hvc0" };

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0) {
		testinit_console = STDOUT_FILENO;
		return;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		testinit_console = open(paths[i], O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (testinit_console >= 0)
			return;
	}
}

static void testinit_mount(const char *type, const char *target)
{
	if (mkdir(target, 0755) < 0 && errno != EEXIST)
		testinit_say("cannot create %s: %s", target, strerror(errno));
	/* EBUSY: the kernel mounted it already (DEVTMPFS_MOUNT on a real root). */
	if (mount(type, target, type, MS_NOSUID | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
		testinit_say("cannot mount %s on %s: %s", type, target, strerror(errno));
}

static __attribute__((noreturn)) void testinit_reboot(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	testinit_say("reboot failed: %s", strerror(errno));
	/* Panics the kernel, which ends the VM as well with panic=-1. */
	_exit(1);
}

/* The value of vshim.test= on the kernel command line, "reboot" without it. */
static void testinit_mode(char *mode, size_t size)
{
	static const char key[] = "vshim.test=";
	char cmdline[4096];
	ssize_t n = -1;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);

	snprintf(mode, size, "reboot");
	if (fd >= 0) {
		n = read(fd, cmdline, sizeof(cmdline) - 1);
		close(fd);
	}
	if (n < 0) {
		testinit_say("cannot read /proc/cmdline: %s", strerror(errno));
		return;
	}
	cmdline[n] = '\0';
	for (char *save = NULL, *arg = strtok_r(cmdline, " \t\n", &save); arg != NULL;
	     arg = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(arg, key, sizeof(key) - 1) == 0)
			snprintf(mode, size, "%s", arg + sizeof(key) - 1);
	}
}

/* Writes the name of the port called name (vport0p1) to dev, or returns -1. */
static int testinit_find_port(const char *name, char *dev, size_t size)
{
	DIR *dir = opendir("/sys/class/virtio-ports");
	struct dirent *d;
	int found = -1;

	if (dir == NULL)
		return -1;
	while (found < 0 && (d = readdir(dir)) != NULL) {
		char path[512], value[256];
		ssize_t n;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, value, sizeof(value) - 1);
		close(fd);
		if (n <= 0)
			continue;
		value[n] = '\0';
		value[strcspn(value, "\n")] = '\0';
		if (strcmp(value, name) == 0) {
			snprintf(dev, size, "/dev/%s", d->d_name);
			found = 0;
		}
	}
	closedir(dir);
	return found;
}

static int testinit_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void testinit_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * A port reads as end-of-file while the host end is closed, and it may be
 * closed when the guest gets here: wait for the host to connect (poll
 * without POLLHUP, or data), then echo until the host closes it.
 */
static void testinit_echo_port(void)
{
	char dev[300], buf[4096];
	bool connected = false;
	long waited = 0;
	int fd;

	/* The port and its name appear when the host announces them. */
	while (testinit_find_port(TESTINIT_PORT, dev, sizeof(dev)) < 0) {
		if (waited >= TESTINIT_PORT_WAIT_MS) {
			testinit_say("no virtio serial port named %s", TESTINIT_PORT);
			return;
		}
		testinit_sleep_ms(TESTINIT_POLL_INTERVAL);
		waited += TESTINIT_POLL_INTERVAL;
	}
	fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		testinit_say("cannot open %s: %s", dev, strerror(errno));
		return;
	}
	testinit_say("echoing %s (%s)", TESTINIT_PORT, dev);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			testinit_say("cannot poll %s: %s", dev, strerror(errno));
			break;
		}
		if (!(p.revents & POLLHUP))
			connected = true;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			testinit_say("cannot read %s: %s", dev, strerror(errno));
			break;
		}
		if (n == 0) {
			if (connected)
				break;
			testinit_sleep_ms(TESTINIT_POLL_INTERVAL);
			continue;
		}
		connected = true;
		if (testinit_write_all(fd, buf, (size_t)n) < 0) {
			testinit_say("cannot write %s: %s", dev, strerror(errno));
			break;
		}
	}
	testinit_say("end of %s", TESTINIT_PORT);
	close(fd);
}

int main(void)
{
	struct utsname uts;
	struct timespec now;
	char mode[64];

	testinit_mount("devtmpfs", "/dev");
	testinit_open_console();
	testinit_mount("proc", "/proc");
	testinit_mount("sysfs", "/sys");

	if (uname(&uts) < 0)
		snprintf(uts.release, sizeof(uts.release), "unknown");
	testinit_say("hello %s", uts.release);

	testinit_mode(mode, sizeof(mode));
	clock_gettime(CLOCK_BOOTTIME, &now);
	testinit_say("mode %s at %ld.%03ld s", mode, (long)now.tv_sec, now.tv_nsec / 1000000L);

	if (strcmp(mode, "hang") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(mode, "panic") == 0)
		return 1;
	if (strcmp(mode, "echo-port") == 0)
		testinit_echo_port();
	else if (strcmp(mode, "reboot") != 0)
		testinit_say("unknown vshim.test mode `%s`", mode);
	testinit_reboot();
}
