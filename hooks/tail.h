/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to hooks/: the last bytes of a hook's output stream. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hooks.h"

struct hooks_tail {
	char buf[HOOKS_OUTPUT_TAIL];
	size_t len;
	bool truncated; /* earlier bytes were dropped */
};

/* Appends data, keeping only the last HOOKS_OUTPUT_TAIL bytes. */
void hooks_tail_append(struct hooks_tail *t, const char *data, size_t n);

/*
 * The kept bytes as a printable string: trailing white space trimmed, bytes
 * that are neither printable nor '\n' or '\t' shown as '?', and "..." in
 * front when bytes were dropped.  "" when nothing (but white space) was
 * written.  A new string.
 */
char *hooks_tail_excerpt(const struct hooks_tail *t);
