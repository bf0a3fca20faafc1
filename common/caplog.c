/* SPDX-License-Identifier: Apache-2.0 */
#include "common/caplog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int vs_caplog_open(struct vs_caplog *log, const char *path, uint64_t size, uint64_t rate,
		   uint64_t now_ns, struct vs_error **err)
{
	int fd = open_file(path);
	off_t end;

	if (fd < 0)
		return vs_error_set(err, errno, "cannot create `%s`", path);
	end = lseek(fd, 0, SEEK_END);
	*log = (struct vs_caplog){
		.path = vs_xstrdup(path),
		.fd = fd,
		.written = end > 0 ? (uint64_t)end : 0,
		.size = size,
		.rate = rate,
		.tokens = rate * VS_CAPLOG_BURST_SECONDS,
		.last_ns = now_ns,
	};
	return 0;
}

void vs_caplog_close(struct vs_caplog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	free(log->path);
	*log = (struct vs_caplog){ .fd = -1 };
}

/* PATH becomes PATH.1 and a new PATH begins. */
static int rotate(struct vs_caplog *log)
{
	cleanup_free char *old = vs_xasprintf("%s.1", log->path);
	int fd;

	if (rename(log->path, old) < 0)
		return -1;
	fd = open_file(log->path);
	if (fd < 0)
		return -1;
	close(log->fd);
	log->fd = fd;
	log->written = 0;
	return 0;
}

/* Writes len bytes, starting a new file whenever one is full. */
static void put(struct vs_caplog *log, const char *buf, size_t len)
{
	while (len > 0 && log->fd >= 0) {
		size_t room;

		if (log->written >= log->size && rotate(log) < 0) {
			vs_warn("caplog", "cannot start a new `%s`: %s", log->path,
				strerror(errno));
			close(log->fd);
			log->fd = -1;
			return;
		}
		room = log->size - log->written < len ? (size_t)(log->size - log->written) : len;
		if (vs_write_all(log->fd, buf, room) < 0) {
			vs_warn("caplog", "cannot write `%s`: %s", log->path, strerror(errno));
			close(log->fd);
			log->fd = -1;
			return;
		}
		log->written += room;
		buf += room;
		len -= room;
	}
}

void vs_caplog_write(struct vs_caplog *log, const void *buf, size_t len, uint64_t now_ns)
{
	uint64_t burst = log->rate * VS_CAPLOG_BURST_SECONDS, n;

	if (now_ns - log->last_ns >= VS_CAPLOG_BURST_SECONDS * 1000000000ull &&
	    now_ns > log->last_ns) {
		log->tokens = burst;
		log->last_ns = now_ns;
	} else if (now_ns > log->last_ns) {
		/* Under the burst's seconds: microseconds times the rate cannot overflow. */
		uint64_t earned = (now_ns - log->last_ns) / 1000 * log->rate / 1000000;

		/* Time passes in whole bytes: what is too little for one waits. */
		if (earned > 0) {
			log->tokens = log->tokens + earned > burst ? burst : log->tokens + earned;
			log->last_ns = now_ns;
		}
	}
	if (log->dropped > 0) {
		char note[96];
		int m = snprintf(note, sizeof(note),
				 "\n[vshim: %llu bytes of console output dropped]\n",
				 (unsigned long long)log->dropped);

		/* A burst too small for the note still lets it through once full. */
		if (log->tokens < (uint64_t)m && log->tokens < burst) {
			log->dropped += len;
			return;
		}
		put(log, note, (size_t)m);
		log->tokens -= log->tokens < (uint64_t)m ? log->tokens : (uint64_t)m;
		log->dropped = 0;
	}
	n = len < log->tokens ? len : log->tokens;
	put(log, buf, (size_t)n);
	log->tokens -= n;
	log->dropped += len - n;
}
