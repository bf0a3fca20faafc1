/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to oci/: bounded JSON parsing on top of yajl's tree API, and typed
 * getters whose errors name the JSON path ("process.user.uid: must be an
 * integer between 0 and 4294967294").
 *
 * Paths: the document root is "", an object member is "PARENT.KEY" (or "KEY"
 * at the root), an array element "PARENT[I]", a free-form map entry
 * PARENT["KEY"].  JSON null counts as absent, as Go's encoding/json (which
 * writes most configs) treats it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "common/error.h"

/* Deeper documents are refused: config.json needs 6 levels. */
#define OCI_JSON_MAX_DEPTH 64
/* Entries of any one array or object. */
#define OCI_JSON_MAX_ITEMS 65536

/*
 * Parses a document of len bytes (no NUL needed).  Errors read "invalid
 * JSON: <yajl's message> (line L, column C)"; strings with a NUL character
 * and nesting deeper than OCI_JSON_MAX_DEPTH are refused the same way.
 * Free the result with yajl_tree_free().
 */
yajl_val oci_json_parse(const char *text, size_t len, struct vs_error **err);

/*
 * A whole document called source, of at most max bytes, that must be a JSON
 * object: oci_json_parse() with every error prefixed by source.
 */
yajl_val oci_json_parse_object(const char *text, size_t len, size_t max, const char *source,
			       struct vs_error **err);

/* The member key of obj (the last one when repeated), NULL when absent or null. */
yajl_val oci_json_get(yajl_val obj, const char *key);

/* New strings: "PARENT.KEY" (or "KEY"), "PARENT[I]", PARENT["KEY"]. */
char *oci_json_path(const char *parent, const char *key);
char *oci_json_path_index(const char *parent, size_t i);
char *oci_json_path_map(const char *parent, const char *key);

/*
 * Member getters.  They return 1 when the member is present and valid, 0
 * when it is absent and not required (*out untouched), and -1 with err set
 * ("PARENT.KEY: is required", "PARENT.KEY: must be a string", ...).
 */
int oci_json_get_string(yajl_val obj, const char *parent, const char *key, bool required,
			char **out, struct vs_error **err);
int oci_json_get_bool(yajl_val obj, const char *parent, const char *key, bool *out,
		      struct vs_error **err);
int oci_json_get_int(yajl_val obj, const char *parent, const char *key, bool required, int64_t min,
		     int64_t max, int64_t *out, struct vs_error **err);
int oci_json_get_uint(yajl_val obj, const char *parent, const char *key, bool required,
		      uint64_t max, uint64_t *out, struct vs_error **err);
/* An array (at most OCI_JSON_MAX_ITEMS entries) or an object. */
int oci_json_get_array(yajl_val obj, const char *parent, const char *key, bool required,
		       yajl_val *out, struct vs_error **err);
int oci_json_get_object(yajl_val obj, const char *parent, const char *key, bool required,
			yajl_val *out, struct vs_error **err);
/* An array of strings as a NULL-terminated vector ("must be an array of strings"). */
int oci_json_get_strv(yajl_val obj, const char *parent, const char *key, bool required, char ***out,
		      size_t *n, struct vs_error **err);
/*
 * A string map (annotations, sysctl): an object whose keys are non-empty
 * and whose values are all strings.  *out is the checked object.
 */
int oci_json_get_map(yajl_val obj, const char *parent, const char *key, yajl_val *out,
		     struct vs_error **err);

/* A string member that must be an absolute path ("PARENT.KEY: must be absolute"). */
int oci_json_get_abspath(yajl_val obj, const char *parent, const char *key, bool required,
			 char **out, struct vs_error **err);
/* 0 for "/..." paths, -1 with "PATH: must be absolute" for the others. */
int oci_json_check_absolute(const char *value, const char *path, struct vs_error **err);

/* Value checkers for a value v found at path. */
int oci_json_string(yajl_val v, const char *path, char **out, struct vs_error **err);
int oci_json_int(yajl_val v, const char *path, int64_t min, int64_t max, int64_t *out,
		 struct vs_error **err);
int oci_json_uint(yajl_val v, const char *path, uint64_t max, uint64_t *out, struct vs_error **err);

void oci_json_strv_free(char **v, size_t n);
