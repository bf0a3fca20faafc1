/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A domain definition's life: adding devices to it, freeing it.  Reading
 * and writing it are the other domain_*.c files' (domain.h lists them).
 */
#include "driver/domain.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Appends a zeroed element to an array of n elements of size bytes. */
static void *grow(void *array, size_t *n, size_t size)
{
	char *a = vs_xrealloc(array, (*n + 1) * size);

	memset(a + *n * size, 0, size);
	(*n)++;
	return a;
}

struct drv_disk *drv_domain_def_add_disk(struct domain_def *def)
{
	def->disks = grow(def->disks, &def->n_disks, sizeof(*def->disks));
	return &def->disks[def->n_disks - 1];
}

struct drv_fs *drv_domain_def_add_fs(struct domain_def *def)
{
	def->fs = grow(def->fs, &def->n_fs, sizeof(*def->fs));
	return &def->fs[def->n_fs - 1];
}

struct drv_net *drv_domain_def_add_net(struct domain_def *def)
{
	def->nets = grow(def->nets, &def->n_nets, sizeof(*def->nets));
	return &def->nets[def->n_nets - 1];
}

struct drv_channel *drv_domain_def_add_channel(struct domain_def *def)
{
	def->channels = grow(def->channels, &def->n_channels, sizeof(*def->channels));
	return &def->channels[def->n_channels - 1];
}

static void chr_clear(struct drv_chr *chr)
{
	free(chr->path);
}

void drv_domain_def_free(struct domain_def *def)
{
	if (def == NULL)
		return;
	free(def->name);
	free(def->kernel);
	free(def->initrd);
	free(def->cmdline);
	free(def->emulator);
	for (size_t i = 0; i < def->n_fs; i++) {
		free(def->fs[i].source);
		free(def->fs[i].target);
	}
	free(def->fs);
	for (size_t i = 0; i < def->n_channels; i++) {
		free(def->channels[i].path);
		free(def->channels[i].target_name);
	}
	free(def->channels);
	chr_clear(&def->serial);
	chr_clear(&def->console);
	for (size_t i = 0; i < def->n_disks; i++) {
		free(def->disks[i].source);
		free(def->disks[i].target);
	}
	free(def->disks);
	for (size_t i = 0; i < def->n_nets; i++)
		free(def->nets[i].target);
	free(def->nets);
	free(def);
}
