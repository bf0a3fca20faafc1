/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every invalid document of data/invalid.txt fails with exactly its
 * expected message.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"
#include "oci/spec.h"

struct invalid_case {
	char *title;
	bool process; /* a lone process object, not config.json */
	char *doc;
	char *expected;
};

/* Splits invalid.txt into cases; see the file's header for the format. */
static size_t load_cases(struct invalid_case **out)
{
	cleanup_free char *text = test_read("data/invalid.txt", NULL);
	struct invalid_case *cases = NULL, *c = NULL;
	size_t n = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "## ", 3) == 0) {
			cases = vs_xrealloc(cases, (n + 1) * sizeof(*cases));
			c = &cases[n++];
			*c = (struct invalid_case){ .title = vs_xstrdup(line + 3),
						    .doc = vs_xstrdup("") };
		} else if (line[0] == '#' || c == NULL) {
			continue;
		} else if (strcmp(line, "@process") == 0) {
			c->process = true;
		} else if (strncmp(line, "=> ", 3) == 0) {
			c->expected = vs_xstrdup(line + 3);
		} else {
			char *doc =
			    c->doc[0] ? vs_xasprintf("%s\n%s", c->doc, line) : vs_xstrdup(line);
			free(c->doc);
			c->doc = doc;
		}
	}
	*out = cases;
	return n;
}

static char *parse_error(const struct invalid_case *c)
{
	struct vs_error *err = NULL;
	char *msg;

	if (c->process) {
		struct oci_process *p =
		    oci_process_parse(c->doc, strlen(c->doc), "/b/process.json", &err);

		if (p != NULL) {
			oci_process_free(p);
			return NULL;
		}
	} else {
		struct oci_spec *spec =
		    oci_spec_parse(c->doc, strlen(c->doc), "/b/config.json", &err);

		if (spec != NULL) {
			oci_spec_free(spec);
			return NULL;
		}
	}
	msg = vs_xstrdup(err != NULL ? err->msg : "(no error set)");
	vs_error_free(err);
	return msg;
}

Test(spec_invalid, table)
{
	struct invalid_case *cases = NULL;
	size_t n = load_cases(&cases), n_config = 0;

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *msg = NULL;

		cr_assert_not_null(cases[i].expected, "case \"%s\" has no expected message",
				   cases[i].title);
		msg = parse_error(&cases[i]);
		cr_expect_not_null(msg, "case \"%s\": the document was accepted", cases[i].title);
		if (msg != NULL)
			cr_expect_str_eq(msg, cases[i].expected,
					 "case \"%s\":\n  got  %s\n  want %s", cases[i].title, msg,
					 cases[i].expected);
		n_config += !cases[i].process;
		free(cases[i].title);
		free(cases[i].doc);
		free(cases[i].expected);
	}
	free(cases);
	cr_assert_geq(n_config, 35, "only %zu invalid config.json cases", n_config);
}

/* Cases a text file cannot hold. */
Test(spec_invalid, bad_utf8)
{
	static const char doc[] = "{\"ociVersion\":\"1.0.2\",\"hostname\":\"\xff\xfe\"}";
	cleanup_free char *msg = test_parse_fail(doc, sizeof(doc) - 1);

	cr_assert_str_eq(msg, "/b/config.json: invalid JSON: lexical error: invalid bytes in UTF8 "
			      "string (line 1, column 35)");
}

Test(spec_invalid, nul_byte_outside_strings)
{
	static const char doc[] = "{\"ociVersion\":\"1.0.2\"}\0{}";
	cleanup_free char *msg = test_parse_fail(doc, sizeof(doc) - 1);

	cr_assert_str_eq(msg,
			 "/b/config.json: invalid JSON: parse error: trailing garbage (line 1, "
			 "column 23)");
}

Test(spec_invalid, too_large)
{
	size_t len = OCI_SPEC_MAX_SIZE + 1;
	cleanup_free char *doc = vs_xmalloc(len + 1);
	cleanup_free char *msg = NULL;

	memset(doc, ' ', len);
	doc[len] = '\0';
	msg = test_parse_fail(doc, len);
	cr_assert_str_eq(msg, "/b/config.json: larger than 4194304 bytes");
}

Test(spec_invalid, too_many_entries)
{
	size_t n = 65537;
	cleanup_free char *doc = NULL;
	cleanup_free char *msg = NULL;
	struct vs_strv sv = { 0 };

	vs_strv_push(&sv, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
			  "\"linux\":{\"maskedPaths\":[\"/a\"");
	for (size_t i = 1; i < n; i++)
		vs_strv_push(&sv, ",\"/a\"");
	vs_strv_push(&sv, "]}}");
	doc = vs_strv_join(&sv, "");
	vs_strv_clear(&sv);
	msg = test_parse_fail(doc, strlen(doc));
	cr_assert_str_eq(msg, "/b/config.json: linux.maskedPaths: has more than 65536 entries");
}

/* The first pass counts every array and object, wherever it is, and names its path. */
Test(spec_invalid, too_many_entries_anywhere)
{
	static const struct {
		const char *head, *item, *tail, *want;
	} cases[] = {
		{ "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":[{"
		  "\"destination\":"
		  "\"/a\"},{\"destination\":\"/b\",\"options\":[\"ro\"",
		  ",\"ro\"", "]}]}",
		  "/b/config.json: mounts[1].options: has more than 65536 entries" },
		{ "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"k0\":\"v\"", ",\"k\":\"v\"", "}}",
		  "/b/config.json: annotations: has more than 65536 entries" },
		{ "[0", ",0", "]", "/b/config.json: the document: has more than 65536 entries" },
	};

	for (size_t c = 0; c < VS_ARRAY_SIZE(cases); c++) {
		struct vs_strv sv = { 0 };
		cleanup_free char *doc = NULL, *msg = NULL;

		vs_strv_push(&sv, cases[c].head);
		for (size_t i = 1; i < 65537; i++)
			vs_strv_push(&sv, cases[c].item);
		vs_strv_push(&sv, cases[c].tail);
		doc = vs_strv_join(&sv, "");
		vs_strv_clear(&sv);
		msg = test_parse_fail(doc, strlen(doc));
		cr_expect_str_eq(msg, cases[c].want, "case %zu", c);
	}
}
