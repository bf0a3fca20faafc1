/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum vs_log_level log_level = VS_LOG_WARNING;
static FILE *log_out;
static bool log_json;
static uint64_t start_ns;

__attribute__((constructor)) static void log_init_clock(void)
{
	start_ns = vs_now_ns();
}

uint64_t vs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double vs_uptime_ms(void)
{
	return (double)(vs_now_ns() - start_ns) / 1e6;
}

void vs_log_set_level(enum vs_log_level level)
{
	log_level = level;
}

enum vs_log_level vs_log_get_level(void)
{
	return log_level;
}

void vs_log_set_output(FILE *out, bool json)
{
	log_out = out;
	log_json = json;
}

static const char *level_name(enum vs_log_level level)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	return names[level];
}

/* Writes s as the body of a JSON string. */
static void put_json_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void vs_log(enum vs_log_level level, const char *module, const char *fmt, ...)
{
	FILE *out = log_out ? log_out : stderr;
	char msg[4096];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_json) {
		char stamp[64];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(out, "{\"level\":\"%s\",\"msg\":\"", level_name(level));
		if (module != NULL) {
			put_json_string(out, module);
			fputs(": ", out);
		}
		put_json_string(out, msg);
		fprintf(out, "\",\"time\":\"%s.%09ldZ\"}\n", stamp, ts.tv_nsec);
	} else {
		fprintf(out, "[%10.3f ms] %s%s%s: %s\n", vs_uptime_ms(), module ? module : "",
			module ? " " : "", level_name(level), msg);
	}
	fflush(out);
}

FILE *vs_log_open(const char *path)
{
	int fd =
	    open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 ||
	    (S_ISREG(st.st_mode) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) ||
	    (f = fdopen(fd, "ae")) == NULL) {
		int saved = errno;

		close(fd);
		errno = saved;
		return NULL;
	}
	return f;
}
