/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test init and its image. Suite image: tests/testinit.img is a newc
 * cpio holding the static vshim-testinit as /init, mode 0755, owned by root.
 * Suite boot: the guest kernel boots it under plain QEMU (microvm, TCG) in
 * every vshim.test mode, as the driver's tests will.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/util.h"

#define BOOT_TIMEOUT_S 60

static const char *need_file(const char *env)
{
	const char *path = getenv(env);

	if (path == NULL || access(path, R_OK) != 0)
		cr_assert_fail("%s (`%s`) is missing: build the tree (cmake --build) first", env,
			       path ? path : "unset");
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	cleanup_error struct vs_error *err = NULL;
	char *buf = NULL;

	cr_assert_eq(vs_read_file(path, 64 << 20, &buf, len, &err), 0, "%s", err ? err->msg : "");
	return buf;
}

/* --- the image ------------------------------------------------------------ */

struct cpio_entry {
	char name[256];
	unsigned long mode, uid, gid, size;
	const char *data;
};

static unsigned long cpio_field(const char *header, int index)
{
	char hex[9];

	memcpy(hex, header + 6 + 8 * index, 8);
	hex[8] = '\0';
	return strtoul(hex, NULL, 16);
}

/* Reads the entry at *off of a newc archive and moves *off past it. */
static void cpio_next(const char *buf, size_t len, size_t *off, struct cpio_entry *e)
{
	const char *h = buf + *off;
	unsigned long namesize;
	size_t data;

	cr_assert_leq(*off + 110, len, "the archive ends inside a header at %zu", *off);
	cr_assert_eq(memcmp(h, "070701", 6), 0, "no newc header at offset %zu", *off);
	e->mode = cpio_field(h, 1);
	e->uid = cpio_field(h, 2);
	e->gid = cpio_field(h, 3);
	e->size = cpio_field(h, 6);
	namesize = cpio_field(h, 11);
	cr_assert(namesize > 0 && namesize <= sizeof(e->name), "bad name size %lu", namesize);
	cr_assert_leq(*off + 110 + namesize, len);
	memcpy(e->name, h + 110, namesize);
	e->name[namesize - 1] = '\0';
	data = (*off + 110 + namesize + 3) & ~(size_t)3;
	cr_assert_leq(data + e->size, len, "`%s` runs past the end of the archive", e->name);
	e->data = buf + data;
	*off = (data + e->size + 3) & ~(size_t)3;
}

Test(image, holds_the_test_init_as_root_owned_0755_init)
{
	size_t img_len, exe_len, off = 0;
	cleanup_free char *img = slurp(need_file("VSHIM_TEST_INITRD"), &img_len);
	cleanup_free char *exe = slurp(need_file("VSHIM_TESTINIT"), &exe_len);
	struct cpio_entry e;
	bool found = false;

	for (;;) {
		cpio_next(img, img_len, &off, &e);
		if (strcmp(e.name, "TRAILER!!!") == 0)
			break;
		cr_assert(e.uid == 0 && e.gid == 0, "`%s` is owned by %lu:%lu", e.name, e.uid,
			  e.gid);
		if (strcmp(e.name, "init") == 0) {
			found = true;
			cr_assert_eq(e.mode, (unsigned long)(S_IFREG | 0755), "/init has mode %lo",
				     e.mode);
			cr_assert_eq(e.size, exe_len, "/init is not vshim-testinit");
			cr_assert_eq(memcmp(e.data, exe, exe_len), 0,
				     "/init is not vshim-testinit");
		}
	}
	cr_assert(found, "the image has no /init");
}

Test(image, test_init_is_static)
{
	size_t len;
	cleanup_free char *exe = slurp(need_file("VSHIM_TESTINIT"), &len);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)exe;

	cr_assert_geq(len, sizeof(*eh));
	cr_assert_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0, "not an ELF file");
	cr_assert_eq(eh->e_ident[EI_CLASS], ELFCLASS64);
	cr_assert_leq(eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr), len);
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(exe + eh->e_phoff) + i;

		cr_assert_neq(ph->p_type, PT_INTERP, "vshim-testinit needs a dynamic loader");
		cr_assert_neq(ph->p_type, PT_DYNAMIC, "vshim-testinit is dynamically linked");
	}
}

/* --- booting it ------------------------------------------------------------ */

struct vm {
	pid_t pid;
	char *dir;
	char *console; /* the guest's ttyS0 */
	char *socket;  /* the host end of org.vshim.test.0 */
};

static void vm_free(struct vm *vm)
{
	if (vm->pid > 0) {
		kill(vm->pid, SIGKILL);
		waitpid(vm->pid, NULL, 0);
	}
	if (vm->dir != NULL) {
		vs_rm_rf(vm->dir, NULL);
		free(vm->dir);
	}
	free(vm->console);
	free(vm->socket);
}
#define cleanup_vm __attribute__((cleanup(vm_free)))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const qemu_fixed[] = {
	"qemu-system-x86_64",
	"-machine",
	"microvm,accel=tcg,acpi=off",
	"-nodefaults",
	"-no-user-config",
	"-display",
	"none",
	"-no-reboot",
	"-m",
	"128",
};

/* Boots the test init with the given cmdline tail, with the test port if asked. */
static void vm_start(struct vm *vm, const char *extra_cmdline, bool port)
{
	const char *kernel = need_file("VSHIM_TEST_KERNEL");
	const char *initrd = need_file("VSHIM_TEST_INITRD");
	const char *tmp = getenv("TMPDIR");
	cleanup_strv struct vs_strv argv = { 0 };

	vm->dir = vs_xasprintf("%s/vshim-guest-init.XXXXXX", tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(vm->dir), "cannot create a temporary directory");
	vm->console = vs_xasprintf("%s/console.log", vm->dir);
	vm->socket = vs_xasprintf("%s/port.sock", vm->dir);

	for (size_t i = 0; i < sizeof(qemu_fixed) / sizeof(qemu_fixed[0]); i++)
		vs_strv_push(&argv, qemu_fixed[i]);
	vs_strv_push(&argv, "-kernel");
	vs_strv_push(&argv, kernel);
	vs_strv_push(&argv, "-initrd");
	vs_strv_push(&argv, initrd);
	vs_strv_push(&argv, "-append");
	vs_strv_pushf(&argv, "console=ttyS0 reboot=t panic=-1 quiet %s", extra_cmdline);
	vs_strv_push(&argv, "-chardev");
	vs_strv_pushf(&argv, "file,id=s0,path=%s", vm->console);
	vs_strv_push(&argv, "-serial");
	vs_strv_push(&argv, "chardev:s0");
	if (port) {
		vs_strv_push(&argv, "-device");
		vs_strv_push(&argv, "virtio-serial-device");
		vs_strv_push(&argv, "-chardev");
		vs_strv_pushf(&argv, "socket,id=p0,path=%s,server=on,wait=off", vm->socket);
		vs_strv_push(&argv, "-device");
		vs_strv_push(&argv, "virtserialport,chardev=p0,name=org.vshim.test.0");
	}

	cleanup_free char *errlog = vs_xasprintf("%s/qemu.err", vm->dir);
	vm->pid = fork();
	cr_assert_geq(vm->pid, 0, "cannot fork: %s", strerror(errno));
	if (vm->pid == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		/* A failed assertion leaves the test without running cleanups. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv.v[0], argv.v);
		_exit(127);
	}
}

/* QEMU's wait status once it exits, or -1 after timeout seconds. */
static int vm_wait(struct vm *vm, double timeout)
{
	double end = now_s() + timeout;
	int status;

	while (now_s() < end) {
		pid_t r = waitpid(vm->pid, &status, WNOHANG);

		cr_assert_geq(r, 0, "waitpid: %s", strerror(errno));
		if (r == vm->pid) {
			vm->pid = -1;
			return status;
		}
		usleep(10000);
	}
	return -1;
}

static char *vm_console(struct vm *vm)
{
	char *text = NULL;

	if (vs_read_file(vm->console, 1 << 20, &text, NULL, NULL) < 0)
		return vs_xstrdup("");
	return text;
}

/* Waits until the console shows needle; false after timeout seconds. */
static bool vm_console_wait(struct vm *vm, const char *needle, double timeout)
{
	double end = now_s() + timeout;

	while (now_s() < end) {
		cleanup_free char *text = vm_console(vm);

		if (strstr(text, needle) != NULL)
			return true;
		usleep(20000);
	}
	return false;
}

/* Boots in a mode that ends the VM by itself; returns the console text. */
static char *boot_to_end(const char *extra_cmdline)
{
	cleanup_vm struct vm vm = { .pid = -1 };

	vm_start(&vm, extra_cmdline, false);
	int status = vm_wait(&vm, BOOT_TIMEOUT_S);
	char *text = vm_console(&vm);

	cr_assert_neq(status, -1, "QEMU still runs after %d s; console:\n%s", BOOT_TIMEOUT_S, text);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "QEMU failed (wait status %#x); console:\n%s", status, text);
	return text;
}

Test(boot, reboot_mode_says_hello_and_ends_the_vm)
{
	cleanup_free char *text = boot_to_end("vshim.test=reboot");
	const char *hello = strstr(text, "vshim-testinit: hello 6.1.");

	cr_assert_not_null(hello, "console:\n%s", text);
	/* The release ends in the guest kernel's CONFIG_LOCALVERSION. */
	size_t len = strcspn(hello, "\r\n");
	cr_assert(len > 6 && strncmp(hello + len - 6, "-vshim", 6) == 0,
		  "not the vshim kernel: %.*s", (int)len, hello);
	cr_assert_not_null(strstr(text, "vshim-testinit: mode reboot"), "console:\n%s", text);
}

Test(boot, without_a_mode_it_reboots)
{
	cleanup_free char *text = boot_to_end("");

	cr_assert_not_null(strstr(text, "vshim-testinit: mode reboot"), "console:\n%s", text);
}

Test(boot, an_unknown_mode_is_reported_and_reboots)
{
	cleanup_free char *text = boot_to_end("vshim.test=bogus");

	cr_assert_not_null(strstr(text, "unknown vshim.test mode `bogus`"), "console:\n%s", text);
}

Test(boot, panic_mode_panics_the_kernel)
{
	cleanup_free char *text = boot_to_end("vshim.test=panic");

	cr_assert_not_null(strstr(text, "vshim-testinit: mode panic"), "console:\n%s", text);
	cr_assert_not_null(strstr(text, "Attempted to kill init"), "console:\n%s", text);
}

Test(boot, hang_mode_runs_until_killed)
{
	cleanup_vm struct vm vm = { .pid = -1 };

	vm_start(&vm, "vshim.test=hang", false);
	cr_assert(vm_console_wait(&vm, "vshim-testinit: mode hang", BOOT_TIMEOUT_S),
		  "the guest did not reach the test init");
	cr_assert_eq(vm_wait(&vm, 1.0), -1, "the VM ended in hang mode");
	cr_assert_eq(kill(vm.pid, SIGTERM), 0);
	cr_assert_neq(vm_wait(&vm, 10.0), -1, "QEMU ignored SIGTERM");
}

static int connect_port(struct vm *vm)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	double end = now_s() + BOOT_TIMEOUT_S;

	cr_assert_lt(strlen(vm->socket), sizeof(addr.sun_path));
	strcpy(addr.sun_path, vm->socket);
	while (now_s() < end) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		cr_assert_geq(fd, 0);
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		close(fd);
		usleep(10000);
	}
	cr_assert_fail("cannot connect to `%s`", vm->socket);
	return -1;
}

Test(boot, echo_port_mode_echoes_until_the_host_closes)
{
	static const char ping[] = "ping through org.vshim.test.0\n";
	cleanup_vm struct vm vm = { .pid = -1 };
	char buf[sizeof(ping)] = "";

	vm_start(&vm, "vshim.test=echo-port", true);
	cleanup_close int fd = connect_port(&vm);
	cr_assert_eq(vs_write_all(fd, ping, sizeof(ping) - 1), 0);
	alarm(BOOT_TIMEOUT_S);
	cr_assert_eq(vs_read_all(fd, buf, sizeof(ping) - 1), (ssize_t)sizeof(ping) - 1,
		     "the guest did not echo");
	alarm(0);
	cr_assert_str_eq(buf, ping);

	/* Closing the host end is end-of-file in the guest, which then reboots. */
	cr_assert_eq(shutdown(fd, SHUT_WR), 0);
	int status = vm_wait(&vm, BOOT_TIMEOUT_S);
	cleanup_free char *text = vm_console(&vm);
	cr_assert(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the VM did not end after the host closed the port; console:\n%s", text);
	cr_assert_not_null(strstr(text, "vshim-testinit: end of org.vshim.test.0"), "console:\n%s",
			   text);
}
