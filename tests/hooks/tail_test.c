/* SPDX-License-Identifier: Apache-2.0 */
/* The bounded output tail behind hook error messages. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hooks/tail.h"

Test(tail, keeps_short_output_and_trims_trailing_space)
{
	struct hooks_tail t = { 0 };
	char *s;

	hooks_tail_append(&t, "  first\n", 8);
	hooks_tail_append(&t, "second \n\n\t ", 11);
	s = hooks_tail_excerpt(&t);
	cr_assert_str_eq(s, "  first\nsecond");
	cr_assert(!t.truncated);
	free(s);
}

Test(tail, empty_or_blank_is_empty)
{
	struct hooks_tail t = { 0 };
	char *s = hooks_tail_excerpt(&t);

	cr_assert_str_eq(s, "");
	free(s);
	hooks_tail_append(&t, " \n\n", 3);
	s = hooks_tail_excerpt(&t);
	cr_assert_str_eq(s, "");
	free(s);
}

Test(tail, keeps_only_the_last_bytes)
{
	struct hooks_tail t = { 0 };
	char chunk[1000];
	char *s;

	for (int i = 0; i < 10; i++) {
		memset(chunk, 'a' + i, sizeof(chunk));
		hooks_tail_append(&t, chunk, sizeof(chunk));
	}
	cr_assert_eq(t.len, HOOKS_OUTPUT_TAIL);
	cr_assert(t.truncated);
	s = hooks_tail_excerpt(&t);
	cr_assert_eq(strlen(s), 3 + HOOKS_OUTPUT_TAIL);
	cr_assert(strncmp(s, "...", 3) == 0);
	/* The last 1000 bytes are 'j', the 1000 before them 'i'. */
	cr_assert_eq(s[3 + HOOKS_OUTPUT_TAIL - 1], 'j');
	cr_assert_eq(s[3 + HOOKS_OUTPUT_TAIL - 1000], 'j');
	cr_assert_eq(s[3 + HOOKS_OUTPUT_TAIL - 1001], 'i');
	free(s);
}

Test(tail, one_huge_write)
{
	struct hooks_tail t = { 0 };
	size_t n = 3 * HOOKS_OUTPUT_TAIL;
	char *big = malloc(n);

	for (size_t i = 0; i < n; i++)
		big[i] = (char)('0' + i % 10);
	hooks_tail_append(&t, big, n);
	cr_assert_eq(t.len, HOOKS_OUTPUT_TAIL);
	cr_assert(t.truncated);
	cr_assert(memcmp(t.buf, big + n - HOOKS_OUTPUT_TAIL, HOOKS_OUTPUT_TAIL) == 0);
	free(big);
}

Test(tail, exactly_full_is_not_truncated)
{
	struct hooks_tail t = { 0 };
	char *buf = malloc(HOOKS_OUTPUT_TAIL);

	memset(buf, 'x', HOOKS_OUTPUT_TAIL);
	hooks_tail_append(&t, buf, HOOKS_OUTPUT_TAIL);
	cr_assert(!t.truncated);
	hooks_tail_append(&t, "y", 1);
	cr_assert(t.truncated);
	cr_assert_eq(t.buf[HOOKS_OUTPUT_TAIL - 1], 'y');
	free(buf);
}

Test(tail, control_characters_are_masked)
{
	struct hooks_tail t = { 0 };
	char *s;

	hooks_tail_append(&t, "a\x1b[31mb\tc\r\nd\x7f\xc3\xa9", 15);
	s = hooks_tail_excerpt(&t);
	cr_assert_str_eq(s, "a?[31mb\tc?\nd?\xc3\xa9");
	free(s);
}
