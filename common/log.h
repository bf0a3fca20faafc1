/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debug and diagnostic logging.  Library code logs; it never prints errors
 * (those travel up as struct vs_error).  Lines carry the milliseconds since
 * the process started, so a start-up can be followed stage by stage.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

enum vs_log_level {
	VS_LOG_ERROR,
	VS_LOG_WARNING,
	VS_LOG_INFO,
	VS_LOG_DEBUG,
};

/* Lines at or below level are written; VS_LOG_WARNING by default. */
void vs_log_set_level(enum vs_log_level level);
enum vs_log_level vs_log_get_level(void);
/* Where lines go (stderr by default; the FILE is not closed), and in which format. */
void vs_log_set_output(FILE *out, bool json);
/*
 * A log file opened for appending (created 0644), never waiting on what a
 * caller or the guest put in its place: a FIFO without a reader fails at
 * once (ENXIO), and writes to anything but a regular file never block (a
 * stalled reader loses lines).  NULL with errno on failure.
 */
FILE *vs_log_open(const char *path);

void vs_log(enum vs_log_level level, const char *module, const char *fmt, ...) VS_PRINTF(3, 4);

#define vs_debug(module, ...)                                      \
	do {                                                       \
		if (vs_log_get_level() >= VS_LOG_DEBUG)            \
			vs_log(VS_LOG_DEBUG, module, __VA_ARGS__); \
	} while (0)
#define vs_info(module, ...) vs_log(VS_LOG_INFO, module, __VA_ARGS__)
#define vs_warn(module, ...) vs_log(VS_LOG_WARNING, module, __VA_ARGS__)

/* Monotonic clock in nanoseconds, and milliseconds since the process started. */
uint64_t vs_now_ns(void);
double vs_uptime_ms(void);
