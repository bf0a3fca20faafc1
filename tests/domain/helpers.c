/* SPDX-License-Identifier: Apache-2.0 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

char *dt_path(const char *dir, const char *name, const char *suffix)
{
	return vs_xasprintf("%s/%s/%s%s", DT_DATA_DIR, dir, name, suffix);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **dt_list(const char *dir, const char *suffix, size_t *n)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", DT_DATA_DIR, dir);
	cleanup_dir DIR *d = opendir(path);
	size_t len = strlen(suffix), count = 0;
	char **names = vs_xcalloc(1, sizeof(*names));
	struct dirent *de;

	cr_assert_not_null(d, "cannot open the test data directory %s", path);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l <= len || strcmp(de->d_name + l - len, suffix) != 0)
			continue;
		names = vs_xrealloc(names, (count + 2) * sizeof(*names));
		names[count++] = vs_xstrndup(de->d_name, l - len);
		names[count] = NULL;
	}
	qsort(names, count, sizeof(*names), compare_names);
	*n = count;
	return names;
}

void dt_list_free(char **names)
{
	for (char **p = names; p != NULL && *p != NULL; p++)
		free(*p);
	free(names);
}

char *dt_read(const char *path)
{
	cleanup_error struct vs_error *err = NULL;
	char *text = NULL;

	if (vs_read_file(path, 1u << 20, &text, NULL, &err) < 0)
		cr_assert_fail("cannot read test data: %s", err->msg);
	return text;
}

struct domain_def *dt_parse_ok(const char *path)
{
	cleanup_error struct vs_error *err = NULL;
	cleanup_free char *xml = dt_read(path);
	struct domain_def *def = drv_domain_parse_string(xml, "domain.xml", &err);

	cr_assert_not_null(def, "%s: rejected: %s", path, err ? err->msg : "(no error)");
	return def;
}

static const int golden_channel_fds[] = { 4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
					  14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
					  24, 25, 26, 27, 28, 29, 30, 31, 32, 33 };

/* The taps of ethernet interfaces: descriptor 40 + i for def->nets[i]. */
static int golden_net_fds[DRV_DOMAIN_DEVICES_MAX];

void dt_golden_ctx(const struct domain_def *def, struct drv_command_ctx *ctx)
{
	for (int i = 0; i < DRV_DOMAIN_DEVICES_MAX; i++)
		golden_net_fds[i] = 40 + i;
	*ctx = (struct drv_command_ctx){
		.emulator = "/usr/bin/qemu-system-x86_64",
		.accel = def->accel == DRV_ACCEL_KVM ? DRV_ACCEL_KVM : DRV_ACCEL_TCG,
		.qmp_fd = 3,
		.channel_fds = golden_channel_fds,
		.net_fds = golden_net_fds,
		/* -S: qemu_test.c's stand-in kernel must never run. */
		.paused = true,
	};
}

char *dt_argv_text(const struct drv_command_ctx *ctx, const struct domain_def *def)
{
	cleanup_error struct vs_error *err = NULL;
	cleanup_strv struct vs_strv argv = { 0 };
	cleanup_free char *joined = NULL;

	cr_assert_eq(drv_command_build(def, ctx, &argv, &err), 0, "command line refused: %s",
		     err ? err->msg : "(no error)");
	cr_assert_gt(argv.n, 0);
	joined = vs_strv_join(&argv, "\n");
	return vs_xasprintf("%s\n", joined);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool chr_eq(const struct drv_chr *a, const struct drv_chr *b)
{
	return a->type == b->type && str_eq(a->path, b->path) && a->append == b->append &&
	       a->virtio == b->virtio;
}

#define DIFF(cond, field)               \
	do {                            \
		if (!(cond))            \
			return (field); \
	} while (0)

const char *dt_def_diff(const struct domain_def *a, const struct domain_def *b)
{
	DIFF(str_eq(a->name, b->name), "name");
	DIFF(a->has_uuid == b->has_uuid && memcmp(a->uuid, b->uuid, 16) == 0, "uuid");
	DIFF(a->memory_kib == b->memory_kib, "memory_kib");
	DIFF(a->vcpus == b->vcpus, "vcpus");
	DIFF(a->machine == b->machine, "machine");
	DIFF(a->accel == b->accel, "accel");
	DIFF(a->acpi == b->acpi, "acpi");
	DIFF(str_eq(a->kernel, b->kernel), "kernel");
	DIFF(str_eq(a->initrd, b->initrd), "initrd");
	DIFF(str_eq(a->cmdline, b->cmdline), "cmdline");
	DIFF(a->on_poweroff == b->on_poweroff, "on_poweroff");
	DIFF(a->on_reboot == b->on_reboot, "on_reboot");
	DIFF(a->on_crash == b->on_crash, "on_crash");
	DIFF(str_eq(a->emulator, b->emulator), "emulator");
	DIFF(a->n_fs == b->n_fs, "n_fs");
	for (size_t i = 0; i < a->n_fs; i++)
		DIFF(a->fs[i].driver == b->fs[i].driver && a->fs[i].access == b->fs[i].access &&
			 str_eq(a->fs[i].source, b->fs[i].source) &&
			 str_eq(a->fs[i].target, b->fs[i].target) &&
			 a->fs[i].readonly == b->fs[i].readonly,
		     "fs");
	DIFF(a->n_channels == b->n_channels, "n_channels");
	for (size_t i = 0; i < a->n_channels; i++)
		DIFF(str_eq(a->channels[i].path, b->channels[i].path) &&
			 str_eq(a->channels[i].target_name, b->channels[i].target_name),
		     "channels");
	DIFF(chr_eq(&a->serial, &b->serial), "serial");
	DIFF(chr_eq(&a->console, &b->console), "console");
	DIFF(a->n_disks == b->n_disks, "n_disks");
	for (size_t i = 0; i < a->n_disks; i++)
		DIFF(str_eq(a->disks[i].source, b->disks[i].source) &&
			 str_eq(a->disks[i].target, b->disks[i].target) &&
			 a->disks[i].format == b->disks[i].format &&
			 a->disks[i].readonly == b->disks[i].readonly,
		     "disks");
	DIFF(a->n_nets == b->n_nets, "n_nets");
	for (size_t i = 0; i < a->n_nets; i++)
		DIFF(strcmp(a->nets[i].mac, b->nets[i].mac) == 0, "nets");
	DIFF(a->rng == b->rng, "rng");
	DIFF(a->memballoon == b->memballoon, "memballoon");
	DIFF(a->tb_cache_kib == b->tb_cache_kib, "tb_cache_kib");
	DIFF(a->tsc_hz == b->tsc_hz, "tsc_hz");
	return NULL;
}

char *dt_which(const char *name)
{
	const char *path = getenv("PATH");
	cleanup_free char *copy = vs_xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;

	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *candidate = vs_xasprintf("%s/%s", dir, name);

		if (access(candidate, X_OK) == 0)
			return candidate;
		free(candidate);
	}
	return NULL;
}
