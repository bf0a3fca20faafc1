/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed set of cleanup attributes.  Ownership moves explicitly with
 * steal_pointer() and steal_fd().
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void vs_freep(void *p)
{
	free(*(void **)p);
}

static inline void vs_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void vs_fclosep(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

static inline void vs_closedirp(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}

#define cleanup_free  __attribute__((cleanup(vs_freep)))
#define cleanup_close __attribute__((cleanup(vs_closep)))
#define cleanup_file  __attribute__((cleanup(vs_fclosep)))
#define cleanup_dir   __attribute__((cleanup(vs_closedirp)))

static inline void *vs_steal_pointer(void *pp)
{
	void **p = pp;
	void *v = *p;

	*p = NULL;
	return v;
}

static inline int steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}

#define steal_pointer(pp) ((__typeof__(*(pp)))vs_steal_pointer(pp))

#define VS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
