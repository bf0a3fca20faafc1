/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to oci/: the parts of config.json that spec.c composes.  Each
 * fills a zeroed struct from a checked JSON object found at path; on error
 * the struct may be partly filled and is freed by its owner's free function.
 */
#pragma once

#include "oci/json.h"
#include "oci/spec.h"

int oci_process_from_json(yajl_val v, const char *path, struct oci_process *p,
			  struct vs_error **err);
void oci_process_clear(struct oci_process *p);

int oci_linux_from_json(yajl_val v, const char *path, struct oci_linux *l, struct vs_error **err);
void oci_linux_free(struct oci_linux *l);

int oci_seccomp_from_json(yajl_val v, const char *path, struct oci_seccomp *s,
			  struct vs_error **err);
void oci_seccomp_free(struct oci_seccomp *s);
