/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim --version, in runc's shape: the version, the commit, the runtime
 * spec, then what a container runs on: the QEMU and the guest kernel.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commit.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "driver/driver.h"
#include "shim/shim.h"

extern char **environ;

/* "7.2.22 (...)": what follows "version " in the first line `qemu --version` prints. */
static void print_qemu(const char *qemu)
{
	char *const argv[] = { (char *)qemu, "--version", NULL };
	posix_spawn_file_actions_t actions;
	char line[256] = "";
	const char *version;
	int fds[2];
	pid_t pid;
	FILE *out;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		printf("qemu: %s (cannot run it)\n", qemu);
		return;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, qemu, &actions, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	out = fdopen(fds[0], "re");
	if (out != NULL && fgets(line, sizeof(line), out) == NULL)
		line[0] = '\0';
	if (out != NULL)
		fclose(out);
	else
		close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	line[strcspn(line, "\n")] = '\0';
	version = strstr(line, "version ");
	if (version != NULL)
		printf("qemu: %s (%s)\n", version + 8, qemu);
	else
		printf("qemu: %s (cannot run it)\n", qemu);
}

/* The release in the kernel's banner, "Linux version RELEASE (...". */
static void print_kernel(void)
{
	static const char banner[] = "Linux version ";
	cleanup_error struct vs_error *e = NULL;
	cleanup_free char *path = vs_find_data_file("vmlinux", &e);
	cleanup_close int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	const char *found = NULL;
	void *map = MAP_FAILED;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED)
		found = memmem(map, (size_t)st.st_size, banner, sizeof(banner) - 1);
	if (found != NULL) {
		const char *release = found + sizeof(banner) - 1;
		size_t left = (size_t)((const char *)map + st.st_size - release);
		const char *end = memchr(release, ' ', left < 64 ? left : 64);

		printf("kernel: %.*s (%s)\n", end ? (int)(end - release) : 0, release, path);
	} else {
		printf("kernel: %s\n", path ? path : "not found");
	}
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
}

int shim_version(void)
{
	printf("vshim version %s\ncommit: %s\nspec: 1.2.0\n", VSHIM_VERSION, VSHIM_COMMIT);
	print_qemu(drv_default_emulator());
	print_kernel();
	return 0;
}
