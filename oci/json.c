/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "common/cleanup.h"
#include "common/util.h"

/*
 * A first pass with yajl's event parser: it bounds the nesting (the tree is
 * freed recursively), the entries of every array and object (yajl's tree
 * grows them one realloc() at a time: a long one costs quadratic time),
 * refuses NUL characters inside strings (the tree keeps C strings and would
 * truncate them silently), and tells where a syntax error is.  The tree is
 * built by a second pass only when the first passed.
 */
struct frame {
	bool array;
	size_t count; /* entries so far */
	char *key;    /* an object's: the key of the member being read */
};

struct precheck {
	unsigned int depth;
	struct frame frames[OCI_JSON_MAX_DEPTH];
	const char *problem; /* our own reason for cancelling */
	char *too_many;	     /* the path of an array or object with too many entries */
};

_Static_assert(OCI_JSON_MAX_DEPTH == 64, "precheck_open() names the depth limit");

/* The JSON path of the container at level depth (1: the document), as oci_json_path() writes it. */
static char *frame_path(const struct precheck *pc, unsigned int depth)
{
	cleanup_free char *path = vs_xstrdup("");

	for (unsigned int i = 0; i + 1 < depth; i++) {
		const struct frame *f = &pc->frames[i];
		char *next = f->array ? vs_xasprintf("%s[%zu]", path, f->count - 1)
				      : oci_json_path(path, f->key ? f->key : "");

		free(path);
		path = next;
	}
	return steal_pointer(&path);
}

/* One more entry in the innermost array or object. */
static int precheck_entry(struct precheck *pc)
{
	struct frame *f;

	if (pc->depth == 0)
		return 1;
	f = &pc->frames[pc->depth - 1];
	if (++f->count > OCI_JSON_MAX_ITEMS) {
		pc->too_many = frame_path(pc, pc->depth);
		return 0;
	}
	return 1;
}

static int precheck_open(struct precheck *pc, bool array)
{
	if (pc->depth > 0 && pc->frames[pc->depth - 1].array && precheck_entry(pc) == 0)
		return 0;
	if (pc->depth == OCI_JSON_MAX_DEPTH) {
		pc->problem = "nesting deeper than 64 levels";
		return 0;
	}
	pc->frames[pc->depth++] = (struct frame){ .array = array };
	return 1;
}

static int precheck_open_map(void *ctx)
{
	return precheck_open(ctx, false);
}

static int precheck_open_array(void *ctx)
{
	return precheck_open(ctx, true);
}

static int precheck_close(void *ctx)
{
	struct precheck *pc = ctx;

	pc->depth--;
	free(pc->frames[pc->depth].key);
	pc->frames[pc->depth].key = NULL;
	return 1;
}

static bool has_nul(struct precheck *pc, const unsigned char *s, size_t len)
{
	if (memchr(s, '\0', len) == NULL)
		return false;
	pc->problem = "string with a NUL character";
	return true;
}

static int precheck_key(void *ctx, const unsigned char *s, size_t len)
{
	struct precheck *pc = ctx;
	struct frame *f = &pc->frames[pc->depth - 1];

	if (has_nul(pc, s, len) || precheck_entry(pc) == 0)
		return 0;
	free(f->key);
	f->key = vs_xstrndup((const char *)s, len);
	return 1;
}

/* A scalar: an entry of the array it is in (an object's member was counted at its key). */
static int precheck_scalar(struct precheck *pc)
{
	return pc->depth > 0 && pc->frames[pc->depth - 1].array ? precheck_entry(pc) : 1;
}

static int precheck_string(void *ctx, const unsigned char *s, size_t len)
{
	return has_nul(ctx, s, len) ? 0 : precheck_scalar(ctx);
}

static int precheck_null(void *ctx)
{
	return precheck_scalar(ctx);
}

static int precheck_boolean(void *ctx, int b)
{
	return precheck_scalar(ctx);
}

static int precheck_number(void *ctx, const char *s, size_t len)
{
	return precheck_scalar(ctx);
}

static const yajl_callbacks precheck_callbacks = {
	.yajl_null = precheck_null,
	.yajl_boolean = precheck_boolean,
	.yajl_number = precheck_number,
	.yajl_string = precheck_string,
	.yajl_start_map = precheck_open_map,
	.yajl_map_key = precheck_key,
	.yajl_end_map = precheck_close,
	.yajl_start_array = precheck_open_array,
	.yajl_end_array = precheck_close,
};

static void position(const char *text, size_t off, unsigned int *line, unsigned int *col)
{
	size_t line_start = 0;

	*line = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			line_start = i + 1;
		}
	}
	*col = (unsigned int)(off - line_start + 1);
}

static int precheck(const char *text, size_t len, struct vs_error **err)
{
	struct precheck pc = { 0 };
	yajl_handle h = yajl_alloc(&precheck_callbacks, NULL, &pc);
	cleanup_free char *msg = NULL;
	unsigned int line, col;
	yajl_status st;
	size_t off;

	if (h == NULL)
		return vs_error_code(err, ENOMEM, "cannot allocate a JSON parser");
	st = yajl_parse(h, (const unsigned char *)text, len);
	/* Where the offending byte is: the last one consumed, or the end. */
	off = yajl_get_bytes_consumed(h);
	off = off > 0 ? off - 1 : 0;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		off = len;
	}
	while (pc.depth > 0)
		precheck_close(&pc);
	if (st == yajl_status_ok) {
		yajl_free(h);
		return 0;
	}
	if (pc.too_many != NULL) {
		cleanup_free char *path = steal_pointer(&pc.too_many);

		yajl_free(h);
		return vs_error_set(err, 0, "%s: has more than %u entries",
				    path[0] != '\0' ? path : "the document", OCI_JSON_MAX_ITEMS);
	}
	if (pc.problem != NULL) {
		msg = vs_xstrdup(pc.problem);
	} else {
		unsigned char *e = yajl_get_error(h, 0, NULL, 0);
		size_t n;

		msg = vs_xstrdup(e != NULL ? (const char *)e : "parse error");
		yajl_free_error(h, e);
		n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
			msg[--n] = '\0';
	}
	yajl_free(h);
	position(text, off, &line, &col);
	return vs_error_set(err, 0, "invalid JSON: %s (line %u, column %u)", msg, line, col);
}

yajl_val oci_json_parse(const char *text, size_t len, struct vs_error **err)
{
	cleanup_free char *copy = NULL;
	char ebuf[256] = "";
	yajl_val v;

	if (precheck(text, len, err) < 0)
		return NULL;
	/* The tree parser wants a NUL-terminated string; yajl's lexer refused NUL bytes. */
	copy = vs_xstrndup(text, len);
	v = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (v == NULL) {
		ebuf[strcspn(ebuf, "\n")] = '\0';
		vs_error_set(err, 0, "invalid JSON: %s", ebuf[0] ? ebuf : "parse error");
	}
	return v;
}

yajl_val oci_json_parse_object(const char *text, size_t len, size_t max, const char *source,
			       struct vs_error **err)
{
	yajl_val root;

	if (len > max) {
		vs_error_set(err, 0, "%s: larger than %zu bytes", source, max);
		return NULL;
	}
	root = oci_json_parse(text, len, err);
	if (root == NULL) {
		vs_error_prefix(err, "%s", source);
		return NULL;
	}
	if (!YAJL_IS_OBJECT(root)) {
		vs_error_set(err, 0, "%s: the document must be a JSON object", source);
		yajl_tree_free(root);
		return NULL;
	}
	return root;
}

yajl_val oci_json_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = obj->u.object.len; i > 0; i--) {
		if (strcmp(obj->u.object.keys[i - 1], key) == 0) {
			yajl_val v = obj->u.object.values[i - 1];

			return YAJL_IS_NULL(v) ? NULL : v;
		}
	}
	return NULL;
}

char *oci_json_path(const char *parent, const char *key)
{
	if (parent == NULL || parent[0] == '\0')
		return vs_xstrdup(key);
	return vs_xasprintf("%s.%s", parent, key);
}

char *oci_json_path_index(const char *parent, size_t i)
{
	return vs_xasprintf("%s[%zu]", parent, i);
}

char *oci_json_path_map(const char *parent, const char *key)
{
	return vs_xasprintf("%s[\"%s\"]", parent, key);
}

/* Looks the member up: 1 present, 0 absent and optional, -1 absent and required. */
static int member(yajl_val obj, const char *parent, const char *key, bool required, yajl_val *v,
		  struct vs_error **err)
{
	*v = oci_json_get(obj, key);
	if (*v != NULL)
		return 1;
	if (!required)
		return 0;
	cleanup_free char *path = oci_json_path(parent, key);
	return vs_error_set(err, 0, "%s: is required", path);
}

int oci_json_string(yajl_val v, const char *path, char **out, struct vs_error **err)
{
	if (!YAJL_IS_STRING(v))
		return vs_error_set(err, 0, "%s: must be a string", path);
	*out = vs_xstrdup(v->u.string);
	return 0;
}

/* The number's text when it is written as an integer: -?[0-9]+ */
static const char *integer_text(yajl_val v)
{
	const char *s;

	if (!YAJL_IS_NUMBER(v))
		return NULL;
	s = v->u.number.r;
	if (s[0] == '-')
		s++;
	if (s[0] == '\0' || s[strspn(s, "0123456789")] != '\0')
		return NULL;
	return v->u.number.r;
}

int oci_json_int(yajl_val v, const char *path, int64_t min, int64_t max, int64_t *out,
		 struct vs_error **err)
{
	const char *s = integer_text(v);
	long long x = 0;

	if (s != NULL) {
		errno = 0;
		x = strtoll(s, NULL, 10);
	}
	if (s == NULL || errno != 0 || x < min || x > max)
		return vs_error_set(err, 0,
				    "%s: must be an integer between %" PRId64 " and %" PRId64, path,
				    min, max);
	*out = x;
	return 0;
}

int oci_json_uint(yajl_val v, const char *path, uint64_t max, uint64_t *out, struct vs_error **err)
{
	const char *s = integer_text(v);
	unsigned long long x = 0;

	if (s != NULL && s[0] != '-') {
		errno = 0;
		x = strtoull(s, NULL, 10);
	}
	if (s == NULL || s[0] == '-' || errno != 0 || x > max)
		return vs_error_set(err, 0, "%s: must be an integer between 0 and %" PRIu64, path,
				    max);
	*out = x;
	return 0;
}

int oci_json_get_string(yajl_val obj, const char *parent, const char *key, bool required,
			char **out, struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!YAJL_IS_STRING(v)) {
		cleanup_free char *path = oci_json_path(parent, key);
		return vs_error_set(err, 0, "%s: must be a string", path);
	}
	free(*out);
	*out = vs_xstrdup(v->u.string);
	return 1;
}

int oci_json_get_bool(yajl_val obj, const char *parent, const char *key, bool *out,
		      struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, false, &v, err);

	if (r <= 0)
		return r;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
		cleanup_free char *path = oci_json_path(parent, key);
		return vs_error_set(err, 0, "%s: must be true or false", path);
	}
	*out = YAJL_IS_TRUE(v);
	return 1;
}

int oci_json_get_int(yajl_val obj, const char *parent, const char *key, bool required, int64_t min,
		     int64_t max, int64_t *out, struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, required, &v, err);

	if (r <= 0)
		return r;
	cleanup_free char *path = oci_json_path(parent, key);
	return oci_json_int(v, path, min, max, out, err) < 0 ? -1 : 1;
}

int oci_json_get_uint(yajl_val obj, const char *parent, const char *key, bool required,
		      uint64_t max, uint64_t *out, struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, required, &v, err);

	if (r <= 0)
		return r;
	cleanup_free char *path = oci_json_path(parent, key);
	return oci_json_uint(v, path, max, out, err) < 0 ? -1 : 1;
}

int oci_json_get_array(yajl_val obj, const char *parent, const char *key, bool required,
		       yajl_val *out, struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, required, &v, err);

	if (r <= 0)
		return r;
	cleanup_free char *path = oci_json_path(parent, key);
	if (!YAJL_IS_ARRAY(v))
		return vs_error_set(err, 0, "%s: must be an array", path);
	if (v->u.array.len > OCI_JSON_MAX_ITEMS)
		return vs_error_set(err, 0, "%s: has more than %u entries", path,
				    OCI_JSON_MAX_ITEMS);
	*out = v;
	return 1;
}

int oci_json_get_object(yajl_val obj, const char *parent, const char *key, bool required,
			yajl_val *out, struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!YAJL_IS_OBJECT(v)) {
		cleanup_free char *path = oci_json_path(parent, key);
		return vs_error_set(err, 0, "%s: must be an object", path);
	}
	*out = v;
	return 1;
}

int oci_json_get_strv(yajl_val obj, const char *parent, const char *key, bool required, char ***out,
		      size_t *n, struct vs_error **err)
{
	yajl_val v;
	int r = member(obj, parent, key, required, &v, err);
	cleanup_free char *path = NULL;
	char **sv;
	size_t len;

	if (r <= 0)
		return r;
	path = oci_json_path(parent, key);
	if (!YAJL_IS_ARRAY(v))
		return vs_error_set(err, 0, "%s: must be an array of strings", path);
	len = v->u.array.len;
	if (len > OCI_JSON_MAX_ITEMS)
		return vs_error_set(err, 0, "%s: has more than %u entries", path,
				    OCI_JSON_MAX_ITEMS);
	for (size_t i = 0; i < len; i++) {
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			return vs_error_set(err, 0, "%s[%zu]: must be a string", path, i);
	}
	sv = vs_xcalloc(len + 1, sizeof(*sv));
	for (size_t i = 0; i < len; i++)
		sv[i] = vs_xstrdup(v->u.array.values[i]->u.string);
	oci_json_strv_free(*out, *n);
	*out = sv;
	*n = len;
	return 1;
}

int oci_json_get_map(yajl_val obj, const char *parent, const char *key, yajl_val *out,
		     struct vs_error **err)
{
	yajl_val v;
	int r = oci_json_get_object(obj, parent, key, false, &v, err);
	cleanup_free char *path = NULL;

	if (r <= 0)
		return r;
	path = oci_json_path(parent, key);
	if (v->u.object.len > OCI_JSON_MAX_ITEMS)
		return vs_error_set(err, 0, "%s: has more than %u entries", path,
				    OCI_JSON_MAX_ITEMS);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];

		if (k[0] == '\0')
			return vs_error_set(err, 0, "%s: keys must not be empty", path);
		if (!YAJL_IS_STRING(v->u.object.values[i]))
			return vs_error_set(err, 0, "%s[\"%s\"]: must be a string", path, k);
	}
	*out = v;
	return 1;
}

int oci_json_check_absolute(const char *value, const char *path, struct vs_error **err)
{
	if (value[0] != '/')
		return vs_error_set(err, 0, "%s: must be absolute", path);
	return 0;
}

int oci_json_get_abspath(yajl_val obj, const char *parent, const char *key, bool required,
			 char **out, struct vs_error **err)
{
	int r = oci_json_get_string(obj, parent, key, required, out, err);

	if (r <= 0)
		return r;
	cleanup_free char *path = oci_json_path(parent, key);
	return oci_json_check_absolute(*out, path, err) < 0 ? -1 : 1;
}

void oci_json_strv_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
