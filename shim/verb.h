/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the short-lived verbs (start, kill, pause, resume, delete, state, ps,
 * list) share: their ID argument, the container's record, one request to
 * its monitor, and --format.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "shim/container.h"
#include "shim/shim.h"

/* The verb's ID argument after its options (none but --help are known to it). */
const char *shim_verb_id(const char *verb, int argc, char **argv, struct vs_error **err);
/* The root prepared, then the record of container id. */
struct shim_container *shim_verb_load(struct shim_ctx *ctx, const char *id, struct vs_error **err);
/* One request without arguments to a live container's monitor. */
int shim_verb_request(struct shim_ctx *ctx, const char *id, const char *op, struct vs_error **err);
/* Waits up to timeout_ms for process pid (not a child) with start time start to end. */
bool shim_verb_wait_gone(pid_t pid, unsigned long long start, int timeout_ms);
/* --format table|json */
int shim_verb_format(const char *verb, const char *arg, bool *json, struct vs_error **err);
