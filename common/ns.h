/* SPDX-License-Identifier: Apache-2.0 */
/* Namespace files (/proc/PID/ns/X, or a bind mount of one), checked by their type. */
#pragma once

#include "common/error.h"

/*
 * Opens path (read-only, close-on-exec), which must be a namespace of type
 * (CLONE_NEWNET, CLONE_NEWIPC, ...) as NS_GET_NSTYPE tells it; returns the
 * descriptor.  The errors name the path and both types.
 */
int vs_ns_open(const char *path, int type, struct vs_error **err);
