/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error contract of vshim.
 *
 * A fallible function takes `struct vs_error **err` as its last argument and
 * returns a negative value (or NULL) on failure, after setting *err exactly
 * once with vs_error_set().  Callers add context with vs_error_prefix(); they
 * never overwrite an error.  Only main() and the monitor's top level print an
 * error and exit.
 */
#pragma once

#include <stdarg.h>

struct vs_error {
	int errnum; /* errno value behind the failure, 0 if none */
	char *msg;  /* whole sentence(s), without a trailing newline */
};

#define VS_PRINTF(a, b) __attribute__((format(printf, a, b)))

/*
 * Sets *err (when err is not NULL and *err is still NULL) and returns -1.
 * errnum is appended as ": strerror(errnum)" when non-zero.
 */
int vs_error_set(struct vs_error **err, int errnum, const char *fmt, ...) VS_PRINTF(3, 4);
int vs_error_setv(struct vs_error **err, int errnum, const char *fmt, va_list ap) VS_PRINTF(3, 0);
/*
 * Like vs_error_set(), for a failure vshim itself classifies: errnum tells
 * callers what kind of failure it is (ESRCH: not running, EEXIST, ...) and
 * is not appended, since no system call failed and the message says it all.
 */
int vs_error_code(struct vs_error **err, int errnum, const char *fmt, ...) VS_PRINTF(3, 4);

/* Prefixes "CONTEXT: " to an error already set; returns -1. */
int vs_error_prefix(struct vs_error **err, const char *fmt, ...) VS_PRINTF(2, 3);

/*
 * Hands e, an error held in a local variable, over to *err; when err is NULL
 * or already set, e is freed instead.  Returns -1.
 */
int vs_error_propagate(struct vs_error **err, struct vs_error *e);

void vs_error_free(struct vs_error *e);
/* Frees *err and sets it to NULL. */
void vs_error_release(struct vs_error **err);

static inline void vs_error_cleanup(struct vs_error **err)
{
	vs_error_release(err);
}
#define cleanup_error __attribute__((cleanup(vs_error_cleanup)))
