/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers shared by every folder: files written crash-safely, bounded
 * reads, directory trees, pids checked against their start time, string
 * vectors.  Allocation failure aborts (as GLib does for libvirt): vshim's
 * inputs are bounded, so running out of memory is not a recoverable error.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

void *vs_xmalloc(size_t n);
void *vs_xcalloc(size_t n, size_t size);
void *vs_xrealloc(void *p, size_t n);
char *vs_xstrdup(const char *s);
char *vs_xstrndup(const char *s, size_t n);
char *vs_xasprintf(const char *fmt, ...) VS_PRINTF(1, 2);

/* mkdir -p with mode for every directory it creates. */
int vs_mkdir_p(const char *path, mode_t mode, struct vs_error **err);
/* rm -rf without crossing into other file systems' mount points; ENOENT is success. */
int vs_rm_rf(const char *path, struct vs_error **err);

/* Writes PATH.tmp, then renames it over path. */
int vs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct vs_error **err);
/*
 * Reads a whole regular file into a NUL-terminated buffer.  A file longer
 * than max bytes, or anything but a regular file (a FIFO or a device put in
 * its place is refused at once, never waited on), is an error naming the
 * file.  len may be NULL.
 */
int vs_read_file(const char *path, size_t max, char **out, size_t *len, struct vs_error **err);
/*
 * vs_read_file() of anything that reads to an end of file: a pipe, a
 * memfd or a file passed as /dev/fd/N.  It waits for the end (a FIFO's
 * open waits for a writer): for what the caller names, never for a file
 * others may put in place.
 */
int vs_read_stream(const char *path, size_t max, char **out, size_t *len, struct vs_error **err);

/* write()/read() the whole buffer, retrying on EINTR and short counts. */
int vs_write_all(int fd, const void *buf, size_t len);
ssize_t vs_read_all(int fd, void *buf, size_t len);

/*
 * The start time of pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when the process does not exist.
 */
unsigned long long vs_proc_start_time(pid_t pid);
/* True when pid exists and has the given start time (0 accepts any). */
bool vs_proc_alive(pid_t pid, unsigned long long start_time);

/*
 * Finds a guest asset (vmlinux, initramfs.img): $VSHIM_DATADIR, then
 * ../share/vshim next to the running binary, then the install prefix.
 * Returns a new string, or NULL with err set naming every place looked at.
 */
char *vs_find_data_file(const char *name, struct vs_error **err);

/* A growable, always NULL-terminated vector of owned strings. */
struct vs_strv {
	char **v;
	size_t n;
	size_t cap;
};

void vs_strv_push(struct vs_strv *sv, const char *s);
void vs_strv_pushf(struct vs_strv *sv, const char *fmt, ...) VS_PRINTF(2, 3);
/* Joins with sep, quoting nothing; for logs and golden files. */
char *vs_strv_join(const struct vs_strv *sv, const char *sep);
void vs_strv_clear(struct vs_strv *sv);

static inline void vs_strv_cleanup(struct vs_strv *sv)
{
	vs_strv_clear(sv);
}
#define cleanup_strv __attribute__((cleanup(vs_strv_cleanup)))

/*
 * Points descriptors 0, 1 and 2 at /dev/null: a process that outlives its
 * caller lets go of the caller's stdio (containerd reads a runtime's output
 * pipe until every writer has closed it).
 */
void vs_stdio_to_devnull(void);
