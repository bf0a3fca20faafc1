/* SPDX-License-Identifier: Apache-2.0 */
/* hooks_state_json(): the state document of runtime.md, byte for byte. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <yajl/yajl_tree.h>

#include "hooks/hooks.h"

Test(state_json, full_document)
{
	struct oci_annotation ann[] = {
		{ "org.example.a", "1" },
		{ "org.example/b", "two words" },
	};
	char *json = hooks_state_json("1.2.0", "ctr-1", "created", 4422, "/var/lib/b", ann, 2);

	cr_assert_str_eq(json, "{\"ociVersion\":\"1.2.0\",\"id\":\"ctr-1\",\"status\":\"created\","
			       "\"pid\":4422,\"bundle\":\"/var/lib/b\",\"annotations\":"
			       "{\"org.example.a\":\"1\",\"org.example/b\":\"two words\"}}");
	free(json);
}

Test(state_json, pid_zero_and_no_annotations_are_left_out)
{
	char *json = hooks_state_json("1.0.2", "x", "creating", 0, "/b", NULL, 0);

	cr_assert_str_eq(
	    json,
	    "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"bundle\":\"/b\"}");
	free(json);
}

Test(state_json, repeated_annotation_keeps_the_last_value)
{
	struct oci_annotation ann[] = { { "k", "first" }, { "other", "o" }, { "k", "last" } };
	char *json = hooks_state_json("1.2.0", "c", "stopped", 0, "/b", ann, 3);

	cr_assert_str_eq(json,
			 "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"status\":\"stopped\","
			 "\"bundle\":\"/b\",\"annotations\":{\"other\":\"o\",\"k\":\"last\"}}");
	free(json);
}

Test(state_json, strings_are_escaped)
{
	struct oci_annotation ann[] = { { "q\"k", "line\nbreak\\tab\t\x01 \xc3\xa9" } };
	char *json = hooks_state_json("1.2.0", "c", "running", 7, "/dir with \"quotes\"", ann, 1);
	yajl_val tree;
	char errbuf[256];
	const char *ann_path[] = { "annotations", "q\"k", NULL };
	const char *bundle_path[] = { "bundle", NULL };

	cr_assert_str_eq(json, "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"status\":\"running\","
			       "\"pid\":7,\"bundle\":\"/dir with \\\"quotes\\\"\",\"annotations\":"
			       "{\"q\\\"k\":\"line\\nbreak\\\\tab\\t\\u0001 \xc3\xa9\"}}");
	/* And it parses back to the same strings. */
	tree = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	cr_assert_not_null(tree, "%s", errbuf);
	cr_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(tree, ann_path, yajl_t_string)),
			 "line\nbreak\\tab\t\x01 \xc3\xa9");
	cr_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(tree, bundle_path, yajl_t_string)),
			 "/dir with \"quotes\"");
	yajl_tree_free(tree);
	free(json);
}
