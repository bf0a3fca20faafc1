/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding the program of a process the way runc does, and the exit status
 * an exec failure stands for.
 */
#pragma once

#include "common/error.h"

/* Used when the process's environment has no PATH. */
#define AGENT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The value of NAME in a "K=V" vector, or NULL. */
const char *agent_path_getenv(char *const *env, const char *name);

/*
 * The file to execute for arg0: arg0 itself when it contains a slash,
 * otherwise the first executable regular file PATH_ENTRY/arg0 (an empty
 * entry is the current directory).  Fails with ENOENT when nothing was
 * found ("exec: \"foo\": executable file not found in $PATH") and EACCES
 * when only files that cannot be executed were.  Returns a new string.
 */
char *agent_path_lookup(const char *arg0, const char *path, struct vs_error **err);

/* The exit status an exec failure with errnum stands for: 127 not found, 126 otherwise. */
int agent_path_exec_status(int errnum);
