/* SPDX-License-Identifier: Apache-2.0 */
/* The container's processes as the guest sees them, and signals to all (ps.h). */
#include "guest/agent/ps.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "guest/agent/channel.h"
#include "guest/agent/process.h"

#define PF_KTHREAD 0x00200000u

static bool kernel_thread(pid_t pid)
{
	char path[64], buf[512];
	cleanup_file FILE *f = NULL;
	const char *p;
	unsigned int flags = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
		return true; /* gone already: leave it out */
	p = strrchr(buf, ')');
	/* After the command: state ppid pgrp session tty_nr tpgid flags. */
	if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) != 1)
		return true;
	return (flags & PF_KTHREAD) != 0;
}

static bool belongs(struct agent *a, pid_t pid)
{
	if (a->ctr != NULL && a->ctr->ns.pid_ino != 0) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
		return stat(path, &st) == 0 && st.st_ino == a->ctr->ns.pid_ino;
	}
	if (a->vm)
		return true;
	return agent_process_find_pid(a, pid) != NULL;
}

static int cmp_pid(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

size_t agent_ps_list(struct agent *a, uint32_t **pids)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0, cap = 0;
	pid_t self = getpid();

	*pids = NULL;
	while (d != NULL && (de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || pid == self)
			continue;
		if (kernel_thread((pid_t)pid) || !belongs(a, (pid_t)pid))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*pids = vs_xrealloc(*pids, cap * sizeof(**pids));
		}
		(*pids)[n++] = (uint32_t)pid;
	}
	if (n > 0)
		qsort(*pids, n, sizeof(**pids), cmp_pid);
	return n;
}

/* pid as its own (innermost) pid namespace numbers it: the last field of NSpid. */
static uint32_t innermost_pid(uint32_t pid)
{
	char path[64];
	cleanup_file FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	uint32_t inner = pid;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	while (f != NULL && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		for (char *s = line + 6, *end; *s != '\0' && *s != '\n'; s = end) {
			unsigned long v = strtoul(s, &end, 10);

			if (end == s)
				break;
			inner = (uint32_t)v;
		}
		break;
	}
	return inner;
}

void agent_ps_reply(struct agent *a, const struct proto_request *req)
{
	cleanup_free uint32_t *pids = NULL;
	size_t n = agent_ps_list(a, &pids);

	/* The pids the container's processes see: what `ps` and `kill` inside it take. */
	for (size_t i = 0; i < n; i++)
		pids[i] = innermost_pid(pids[i]);
	if (n > 0)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	proto_guest_ps(&a->ch->out, req->tag, pids, n);
}

void agent_ps_signal_all(struct agent *a, int signo)
{
	cleanup_free uint32_t *pids = NULL;
	size_t n;

	/*
	 * The VM holds one container: PID 1 reaches every process but itself with
	 * one call, nested pid namespaces included.
	 */
	if (a->vm) {
		kill(-1, signo);
		return;
	}
	n = agent_ps_list(a, &pids);
	for (size_t i = 0; i < n; i++)
		kill((pid_t)pids[i], signo);
}
