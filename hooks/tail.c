/* SPDX-License-Identifier: Apache-2.0 */
#include "tail.h"

#include <string.h>

#include "common/util.h"

void hooks_tail_append(struct hooks_tail *t, const char *data, size_t n)
{
	if (n >= sizeof(t->buf)) {
		t->truncated = t->truncated || t->len > 0 || n > sizeof(t->buf);
		memcpy(t->buf, data + n - sizeof(t->buf), sizeof(t->buf));
		t->len = sizeof(t->buf);
		return;
	}
	if (t->len + n > sizeof(t->buf)) {
		size_t drop = t->len + n - sizeof(t->buf);

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
		t->truncated = true;
	}
	memcpy(t->buf + t->len, data, n);
	t->len += n;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *hooks_tail_excerpt(const struct hooks_tail *t)
{
	static const char dots[] = "...";
	size_t len = t->len, pre = t->truncated ? sizeof(dots) - 1 : 0;
	char *s;

	while (len > 0 && is_space(t->buf[len - 1]))
		len--;
	if (len == 0)
		return vs_xstrdup("");
	s = vs_xmalloc(pre + len + 1);
	memcpy(s, dots, pre);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t->buf[i];

		/* UTF-8 (bytes >= 0x80) passes; control characters do not. */
		s[pre + i] = (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t' ? (char)c : '?';
	}
	s[pre + len] = '\0';
	return s;
}
