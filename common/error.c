/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Used when memory for the message itself cannot be had. */
static char oom_msg[] = "out of memory";

static void set_message(struct vs_error *e, char *msg)
{
	e->msg = msg ? msg : oom_msg;
}

static int VS_PRINTF(4, 0)
    set_error(struct vs_error **err, int errnum, bool with_strerror, const char *fmt, va_list ap)
{
	struct vs_error *e;
	char *base = NULL, *full = NULL;

	if (err == NULL || *err != NULL)
		return -1;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		static struct vs_error oom = { .errnum = ENOMEM, .msg = oom_msg };
		*err = &oom;
		return -1;
	}
	e->errnum = errnum;
	if (vasprintf(&base, fmt, ap) < 0)
		base = NULL;
	if (base != NULL && errnum != 0 && with_strerror) {
		if (asprintf(&full, "%s: %s", base, strerror(errnum)) < 0)
			full = NULL;
		free(base);
		base = full;
	}
	set_message(e, base);
	*err = e;
	return -1;
}

int vs_error_setv(struct vs_error **err, int errnum, const char *fmt, va_list ap)
{
	return set_error(err, errnum, true, fmt, ap);
}

int vs_error_set(struct vs_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(err, errnum, true, fmt, ap);
	va_end(ap);
	return -1;
}

int vs_error_code(struct vs_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(err, errnum, false, fmt, ap);
	va_end(ap);
	return -1;
}

int vs_error_prefix(struct vs_error **err, const char *fmt, ...)
{
	va_list ap;
	char *ctx = NULL, *full = NULL;

	if (err == NULL || *err == NULL || (*err)->msg == oom_msg)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (ctx != NULL && asprintf(&full, "%s: %s", ctx, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = full;
	}
	free(ctx);
	return -1;
}

int vs_error_propagate(struct vs_error **err, struct vs_error *e)
{
	if (err != NULL && *err == NULL)
		*err = e;
	else
		vs_error_free(e);
	return -1;
}

void vs_error_free(struct vs_error *e)
{
	if (e == NULL || e->msg == oom_msg)
		return;
	free(e->msg);
	free(e);
}

void vs_error_release(struct vs_error **err)
{
	if (err == NULL)
		return;
	vs_error_free(*err);
	*err = NULL;
}
