/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A domain definition's life: freeing it.  Reading and writing it are the
 * other domain_*.c files' (domain.h lists them).
 */
#include "driver/domain.h"

#include <stdlib.h>

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
	free(def->nets);
	free(def);
}
