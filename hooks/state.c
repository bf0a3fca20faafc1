/* SPDX-License-Identifier: Apache-2.0 */
/* The container state document of runtime.md, as hooks read it on stdin. */
#include "hooks.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "common/util.h"

static void gen_string(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* True when a later annotation repeats the key of ann[i]: the last one wins. */
static bool overridden(const struct oci_annotation *ann, size_t n_ann, size_t i)
{
	for (size_t j = i + 1; j < n_ann; j++) {
		if (strcmp(ann[i].key, ann[j].key) == 0)
			return true;
	}
	return false;
}

char *hooks_state_json(const char *oci_version, const char *id, const char *status, pid_t pid,
		       const char *bundle, const struct oci_annotation *ann, size_t n_ann)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *json;

	if (g == NULL)
		abort(); /* out of memory, as vs_xmalloc() treats it */
	yajl_gen_map_open(g);
	gen_string(g, "ociVersion");
	gen_string(g, oci_version);
	gen_string(g, "id");
	gen_string(g, id);
	gen_string(g, "status");
	gen_string(g, status);
	if (pid > 0) {
		gen_string(g, "pid");
		yajl_gen_integer(g, pid);
	}
	gen_string(g, "bundle");
	gen_string(g, bundle);
	if (n_ann > 0) {
		gen_string(g, "annotations");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < n_ann; i++) {
			if (overridden(ann, n_ann, i))
				continue;
			gen_string(g, ann[i].key);
			gen_string(g, ann[i].value);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		abort(); /* only a bug above gets here */
	json = vs_xstrndup((const char *)buf, len);
	yajl_gen_free(g);
	return json;
}
