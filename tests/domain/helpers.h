/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the domain tests: the data files under tests/domain/data, the
 * fixed command-line context of the golden files, and a deep comparison of
 * two definitions.
 *
 *   data/golden/NAME.xml    a valid document
 *   data/golden/NAME.argv   its QEMU command line, one argument per line
 *   data/invalid/NAME.xml   an invalid document
 *   data/invalid/NAME.err   the exact error it gives, parsed as "domain.xml"
 */
#pragma once

#include <stddef.h>

#include "driver/command.h"
#include "driver/domain.h"

/* DT_DATA_DIR is tests/domain/data in the source tree (set by CMakeLists.txt). */
char *dt_path(const char *dir, const char *name, const char *suffix);

/* The names (without suffix) of the files ending in suffix in dir, sorted; NULL-terminated. */
char **dt_list(const char *dir, const char *suffix, size_t *n);
void dt_list_free(char **names);

/* A whole file; fails the test when it cannot be read. */
char *dt_read(const char *path);

/* Parses a file that must be valid, under the name "domain.xml". */
struct domain_def *dt_parse_ok(const char *path);

/*
 * The fixed context of the golden files: emulator /usr/bin/qemu-system-x86_64,
 * QMP on fd 3, channels on fds 4, 5, ...; the accelerator of the definition,
 * with auto resolved to tcg.
 */
void dt_golden_ctx(const struct domain_def *def, struct drv_command_ctx *ctx);

/* The command line as a golden file: one argument per line. */
char *dt_argv_text(const struct drv_command_ctx *ctx, const struct domain_def *def);

/* NULL when a and b are equal, else the name of the first field that differs. */
const char *dt_def_diff(const struct domain_def *a, const struct domain_def *b);

/* The absolute path of an executable found in PATH, or NULL. */
char *dt_which(const char *name);
