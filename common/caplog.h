/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A log file that whoever writes into it cannot grow without bound: the
 * guest's serial console, which the guest (or its kernel) may fill at any
 * speed.
 *
 * At most `rate` bytes per second are written, with a burst of
 * VS_CAPLOG_BURST_SECONDS seconds' worth; what comes faster is dropped, and
 * once there is room again a line says how much: "[vshim: N bytes of
 * console output dropped]".  A file holds at most `size` bytes; when it is
 * full it becomes PATH.1 (replacing the one before) and a new PATH begins.
 * So the log never takes more than 2 * size bytes of disk, never holds any
 * memory, and never makes the writer wait.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define VS_CAPLOG_BURST_SECONDS 4

struct vs_caplog {
	char *path;
	int fd;
	uint64_t size, rate; /* bytes per file, bytes per second */
	uint64_t written;    /* into the current file */
	uint64_t tokens;     /* bytes that may be written now */
	uint64_t last_ns;    /* when tokens were last counted */
	uint64_t dropped;    /* not yet reported in the file */
};

/*
 * Opens path to append (created 0600; what it holds counts against its
 * size).  now_ns is the clock vs_caplog_write() will be given.
 */
int vs_caplog_open(struct vs_caplog *log, const char *path, uint64_t size, uint64_t rate,
		   uint64_t now_ns, struct vs_error **err);
/*
 * Writes what the caps allow of len bytes.  A failure to write is a warning
 * (the log is the guest's, never a reason to stop the container).
 */
void vs_caplog_write(struct vs_caplog *log, const void *buf, size_t len, uint64_t now_ns);
void vs_caplog_close(struct vs_caplog *log);
