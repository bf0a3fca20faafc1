/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

/* Nesting depth of a JSON text, counting brackets outside strings. */
static size_t json_depth(const uint8_t *p, size_t len)
{
	size_t depth = 0, max = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

yajl_val proto_json_parse(const struct proto_frame *f, struct vs_error **err)
{
	const char *name = proto_type_name(f->type);
	char errbuf[256];
	yajl_val v;

	if (f->payload == NULL || f->len == 0) {
		vs_error_set(err, 0, "agent message %s has no JSON payload", name);
		return NULL;
	}
	if (memchr(f->payload, '\0', f->len) != NULL) {
		vs_error_set(err, 0, "agent message %s contains a NUL byte", name);
		return NULL;
	}
	if (json_depth(f->payload, f->len) > PROTO_MAX_JSON_DEPTH) {
		vs_error_set(err, 0, "agent message %s nests deeper than %d levels", name,
			     PROTO_MAX_JSON_DEPTH);
		return NULL;
	}
	errbuf[0] = '\0';
	/* The decoder NUL-terminates every payload. */
	v = yajl_tree_parse((const char *)f->payload, errbuf, sizeof(errbuf));
	if (v == NULL) {
		errbuf[strcspn(errbuf, "\n")] = '\0';
		vs_error_set(err, 0, "agent message %s is not valid JSON: %s", name,
			     errbuf[0] ? errbuf : "parse error");
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		vs_error_set(err, 0, "agent message %s is not a JSON object", name);
		return NULL;
	}
	return v;
}

/* The member key of obj (the last one when repeated), NULL when absent or null. */
static yajl_val get(yajl_val obj, const char *key)
{
	yajl_val found = NULL;

	for (size_t i = 0; i < obj->u.object.len; i++) {
		if (strcmp(obj->u.object.keys[i], key) == 0)
			found = obj->u.object.values[i];
	}
	return found == NULL || YAJL_IS_NULL(found) ? NULL : found;
}

static int absent(const char *what, const char *key, bool required, struct vs_error **err)
{
	if (required)
		return vs_error_set(err, 0, "agent message %s: \"%s\" is required", what, key);
	return 0;
}

int proto_json_get_int(yajl_val obj, const char *what, const char *key, bool required,
		       long long min, long long max, long long *out, struct vs_error **err)
{
	yajl_val v = get(obj, key);

	if (v == NULL)
		return absent(what, key, required, err);
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max)
		return vs_error_set(err, 0,
				    "agent message %s: \"%s\" must be an integer between %lld and "
				    "%lld",
				    what, key, min, max);
	*out = YAJL_GET_INTEGER(v);
	return 1;
}

int proto_json_get_number(yajl_val obj, const char *what, const char *key, bool required,
			  double min, double max, double *out, struct vs_error **err)
{
	yajl_val v = get(obj, key);

	if (v == NULL)
		return absent(what, key, required, err);
	if (!YAJL_IS_DOUBLE(v) || !(YAJL_GET_DOUBLE(v) >= min && YAJL_GET_DOUBLE(v) <= max))
		return vs_error_set(err, 0,
				    "agent message %s: \"%s\" must be a number between %g and %g",
				    what, key, min, max);
	*out = YAJL_GET_DOUBLE(v);
	return 1;
}

int proto_json_get_bool(yajl_val obj, const char *what, const char *key, bool *out,
			struct vs_error **err)
{
	yajl_val v = get(obj, key);

	if (v == NULL)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return vs_error_set(err, 0, "agent message %s: \"%s\" must be a boolean", what,
				    key);
	*out = YAJL_IS_TRUE(v);
	return 1;
}

int proto_json_get_string(yajl_val obj, const char *what, const char *key, bool required,
			  size_t max, const char **out, struct vs_error **err)
{
	yajl_val v = get(obj, key);

	if (v == NULL)
		return absent(what, key, required, err);
	if (!YAJL_IS_STRING(v))
		return vs_error_set(err, 0, "agent message %s: \"%s\" must be a string", what, key);
	if (strlen(v->u.string) > max)
		return vs_error_set(err, 0, "agent message %s: \"%s\" is longer than %zu bytes",
				    what, key, max);
	*out = v->u.string;
	return 1;
}

int proto_json_get_object(yajl_val obj, const char *what, const char *key, bool required,
			  yajl_val *out, struct vs_error **err)
{
	yajl_val v = get(obj, key);

	if (v == NULL)
		return absent(what, key, required, err);
	if (!YAJL_IS_OBJECT(v))
		return vs_error_set(err, 0, "agent message %s: \"%s\" must be an object", what,
				    key);
	*out = v;
	return 1;
}

int proto_json_get_array(yajl_val obj, const char *what, const char *key, bool required, size_t max,
			 yajl_val *out, struct vs_error **err)
{
	yajl_val v = get(obj, key);

	if (v == NULL)
		return absent(what, key, required, err);
	if (!YAJL_IS_ARRAY(v))
		return vs_error_set(err, 0, "agent message %s: \"%s\" must be an array", what, key);
	if (v->u.array.len > max)
		return vs_error_set(err, 0, "agent message %s: \"%s\" has more than %zu entries",
				    what, key, max);
	*out = v;
	return 1;
}

yajl_gen proto_json_begin(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	yajl_gen_map_open(g);
	return g;
}

void proto_json_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void proto_json_put_int(yajl_gen g, const char *key, long long v)
{
	proto_json_key(g, key);
	yajl_gen_integer(g, v);
}

void proto_json_put_double(yajl_gen g, const char *key, double v)
{
	proto_json_key(g, key);
	yajl_gen_double(g, v);
}

void proto_json_put_bool(yajl_gen g, const char *key, bool v)
{
	proto_json_key(g, key);
	yajl_gen_bool(g, v);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t utf8_sequence(const uint8_t *p, size_t n)
{
	/* The lead byte gives the length; 0xc0, 0xc1 and 0xf5-0xff never start a sequence. */
	size_t len = p[0] < 0x80   ? 1
		     : p[0] < 0xc2 ? 0
		     : p[0] < 0xe0 ? 2
		     : p[0] < 0xf0 ? 3
		     : p[0] < 0xf5 ? 4
				   : 0;
	uint32_t cp = p[0] & (0x7f >> len);

	if (len <= 1)
		return len;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void proto_json_gen_string(yajl_gen g, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	cleanup_free uint8_t *copy = NULL;

	/* The receiver refuses invalid UTF-8: replace it rather than lose the message. */
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(p + i, len - i);

		if (n == 0) {
			if (copy == NULL) {
				copy = vs_xmalloc(len);
				memcpy(copy, s, len);
			}
			copy[i] = '?';
			n = 1;
		}
		i += n;
	}
	yajl_gen_string(g, copy != NULL ? copy : p, len);
}

void proto_json_put_string(yajl_gen g, const char *key, const char *s, size_t len)
{
	proto_json_key(g, key);
	proto_json_gen_string(g, s, len);
}

int proto_json_finish(yajl_gen g, struct proto_buf *b, uint16_t type, uint32_t id, uint32_t tag,
		      struct vs_error **err)
{
	const unsigned char *text;
	size_t len;
	int ret;

	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &text, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return vs_error_code(err, EINVAL,
				     "cannot build the JSON payload of agent message %s",
				     proto_type_name(type));
	}
	ret = proto_frame_append(b, type, id, tag, text, len, err);
	yajl_gen_free(g);
	return ret;
}
