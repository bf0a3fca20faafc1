/* SPDX-License-Identifier: Apache-2.0 */
#include "fakepeer.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PEER_READ_TIMEOUT_MS 5000
#define PEER_LIFETIME_S	     30

struct peer {
	int fd;
	char in[1 << 16]; /* what the client sent, not yet a whole line */
	size_t in_len;
	char id[64]; /* id of the last command read */
};

static void __attribute__((noreturn, format(printf, 1, 2))) peer_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake QMP peer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

/* Reads one line into line (NUL-terminated, newline dropped); false at EOF. */
static bool peer_read_line(struct peer *p, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(p->in, '\n', p->in_len);
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - p->in);

			if (len >= size)
				peer_fail("line of %zu bytes is too long for the peer", len);
			memcpy(line, p->in, len);
			line[len] = '\0';
			memmove(p->in, nl + 1, p->in_len - len - 1);
			p->in_len -= len + 1;
			return true;
		}
		if (p->in_len == sizeof(p->in))
			peer_fail("the client sent more than %zu bytes without a newline",
				  sizeof(p->in));
		if (poll(&pfd, 1, PEER_READ_TIMEOUT_MS) == 0)
			peer_fail("nothing from the client within %d ms", PEER_READ_TIMEOUT_MS);
		n = read(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET)
			n = 0;
		if (n < 0)
			peer_fail("read: %s", strerror(errno));
		if (n == 0)
			return false;
		p->in_len += (size_t)n;
	}
}

static void peer_capture_id(struct peer *p, const char *line)
{
	const char *s = NULL, *t = line;
	size_t len;

	/* The client puts "id" last, after any arguments that might contain the text. */
	while ((t = strstr(t, "\"id\":\"")) != NULL)
		s = t++;
	p->id[0] = '\0';
	if (s == NULL)
		return;
	s += 6;
	len = strcspn(s, "\"");
	if (len >= sizeof(p->id))
		len = sizeof(p->id) - 1;
	memcpy(p->id, s, len);
	p->id[len] = '\0';
}

static void peer_write(struct peer *p, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			peer_fail("send: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
}

/* Writes text in one go, "$ID" replaced by the last command's id. */
static void peer_send(struct peer *p, const char *text)
{
	size_t cap = strlen(text) * 2 + 64, len = 0;
	char *out = malloc(cap);
	const char *s;

	if (out == NULL)
		peer_fail("out of memory");
	for (s = text; *s != '\0';) {
		if (strncmp(s, "$ID", 3) == 0) {
			size_t n = strlen(p->id);

			if (len + n >= cap)
				peer_fail("$ID substitution overflow");
			memcpy(out + len, p->id, n);
			len += n;
			s += 3;
		} else {
			if (len + 1 >= cap)
				peer_fail("$ID substitution overflow");
			out[len++] = *s++;
		}
	}
	peer_write(p, out, len);
	free(out);
}

/* Returns quietly when the client hangs up in the middle. */
static void peer_flood(struct peer *p, size_t total)
{
	static char chunk[1 << 16];
	size_t sent = 0;

	memset(chunk, 'x', sizeof(chunk));
	while (sent < total) {
		size_t len = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
		ssize_t n = send(p->fd, chunk, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (n < 0)
			peer_fail("send: %s", strerror(errno));
		sent += (size_t)n;
	}
	fprintf(stderr, "fake QMP peer: flooded %zu of %zu bytes\n", sent, total);
}

static void __attribute__((noreturn)) peer_run(int fd, const struct peer_step *script)
{
	static struct peer p;
	char line[1 << 16];

	p.fd = fd;
	alarm(PEER_LIFETIME_S); /* a stuck peer dies and fails the test */
	for (const struct peer_step *st = script; st->op != PEER_END; st++) {
		switch (st->op) {
		case PEER_SEND:
			peer_send(&p, st->text);
			break;
		case PEER_SEND_RAW:
			peer_write(&p, st->text, st->n);
			break;
		case PEER_EXPECT:
			if (!peer_read_line(&p, line, sizeof(line)))
				peer_fail("expected a line containing `%s`, got EOF", st->text);
			if (strstr(line, st->text) == NULL)
				peer_fail("expected a line containing `%s`, got `%s`", st->text,
					  line);
			peer_capture_id(&p, line);
			break;
		case PEER_SLEEP:
			usleep((useconds_t)st->n * 1000);
			break;
		case PEER_CLOSE:
			close(fd);
			_exit(0);
		case PEER_FLOOD:
			peer_flood(&p, st->n);
			_exit(0);
		case PEER_END:
			break;
		}
	}
	/* The script is over: wait for the client to hang up. */
	while (peer_read_line(&p, line, sizeof(line)))
		fprintf(stderr, "fake QMP peer: ignoring `%s`\n", line);
	_exit(0);
}

void fake_peer_start(struct fake_peer *p, const struct peer_step *script)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0, "socketpair: %s",
		     strerror(errno));
	fflush(NULL);
	p->pid = fork();
	cr_assert_geq(p->pid, 0, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		close(sv[0]);
		peer_run(sv[1], script);
	}
	close(sv[1]);
	p->fd = sv[0];
}

int fake_peer_finish(struct fake_peer *p)
{
	int status;

	while (waitpid(p->pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
