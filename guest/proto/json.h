/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON payloads of control messages: bounded parsing and checked getters on
 * top of yajl's tree API, and a small builder on top of yajl_gen.
 *
 * Errors name the message and the field: "agent message EXIT: \"status\"
 * must be an integer between 0 and 255".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/error.h"
#include "guest/proto/buf.h"
#include "guest/proto/frame.h"

/*
 * The payload of f as a JSON object.  Refused before yajl sees it: NUL
 * bytes and nesting deeper than PROTO_MAX_JSON_DEPTH (yajl frees trees
 * recursively).  Free with yajl_tree_free().
 */
yajl_val proto_json_parse(const struct proto_frame *f, struct vs_error **err);

/*
 * Member getters of a parsed object; what names the message in errors.
 * They return 1 when the member is present and valid, 0 when it is absent
 * (or null) and not required, -1 with err set otherwise.
 */
int proto_json_get_int(yajl_val obj, const char *what, const char *key, bool required,
		       long long min, long long max, long long *out, struct vs_error **err);
int proto_json_get_bool(yajl_val obj, const char *what, const char *key, bool *out,
			struct vs_error **err);
/* A number (integer or not) between min and max. */
int proto_json_get_number(yajl_val obj, const char *what, const char *key, bool required,
			  double min, double max, double *out, struct vs_error **err);
/* A string of at most max bytes (*out points into the tree). */
int proto_json_get_string(yajl_val obj, const char *what, const char *key, bool required,
			  size_t max, const char **out, struct vs_error **err);
/* An object. */
int proto_json_get_object(yajl_val obj, const char *what, const char *key, bool required,
			  yajl_val *out, struct vs_error **err);
/* An array of at most max entries. */
int proto_json_get_array(yajl_val obj, const char *what, const char *key, bool required, size_t max,
			 yajl_val *out, struct vs_error **err);

/*
 * Builder: begin an object, add members, then finish into a frame.  Nested
 * values are written with yajl_gen_*() after proto_json_key().  Strings
 * that are not valid UTF-8 have the offending bytes replaced by '?'.
 */
yajl_gen proto_json_begin(void);
void proto_json_key(yajl_gen g, const char *key);
void proto_json_gen_string(yajl_gen g, const char *s, size_t len);
void proto_json_put_int(yajl_gen g, const char *key, long long v);
void proto_json_put_double(yajl_gen g, const char *key, double v);
void proto_json_put_bool(yajl_gen g, const char *key, bool v);
void proto_json_put_string(yajl_gen g, const char *key, const char *s, size_t len);
/* Closes the object, appends it as the payload of one frame to b and frees g. */
int proto_json_finish(yajl_gen g, struct proto_buf *b, uint16_t type, uint32_t id, uint32_t tag,
		      struct vs_error **err);

static inline void proto_json_gen_freep(yajl_gen *g)
{
	if (*g != NULL)
		yajl_gen_free(*g);
}
#define cleanup_yajl_gen __attribute__((cleanup(proto_json_gen_freep)))

static inline void proto_json_tree_freep(yajl_val *v)
{
	if (*v != NULL)
		yajl_tree_free(*v);
}
#define cleanup_yajl_val __attribute__((cleanup(proto_json_tree_freep)))
