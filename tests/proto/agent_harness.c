/* SPDX-License-Identifier: Apache-2.0 */
#include "agent_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "bundle.h"
#include "vmenv.h"

#define TIMEOUT_MS 20000

char *harness_config(const char *process, const char *top, const char *linux_extra)
{
	return vs_xasprintf(
	    "{\"ociVersion\":\"1.0.2\","
	    "\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	    "\"env\":[\"PATH=/bin:/usr/bin\",\"FOO=bar\"],\"cwd\":\"/\","
	    "\"capabilities\":{\"bounding\":[%s],\"effective\":[%s],\"permitted\":[%s]},"
	    "%s},"
	    "\"root\":{\"path\":\"rootfs\"},\"hostname\":\"vshim-test\","
	    "\"mounts\":[" TS_RUNC_MOUNTS "],"
	    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
	    "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],"
	    "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\"],"
	    "\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"]%s%s}%s%s}",
	    TS_RUNC_CAPS, TS_RUNC_CAPS, TS_RUNC_CAPS, process, linux_extra[0] ? "," : "",
	    linux_extra, top[0] ? "," : "", top);
}

void harness_write(struct harness *t, const char *path, const char *text, mode_t mode)
{
	char *full = vs_xasprintf("%s%s", t->rootfs, path);

	ts_write_file(full, text, strlen(text));
	chmod(full, mode);
	free(full);
}

static void make_rootfs(struct harness *t)
{
	static const char *const dirs[] = { "bin",  "etc",  "proc",	 "sys", "dev", "tmp",
					    "root", "home", "home/user", "mnt", NULL };
	static const char *const applets[] = { "sh", "ip", NULL };

	ts_make_rootfs(t->rootfs, ts_env_or("VSHIM_TESTHELPER", VSHIM_TESTHELPER_PATH), dirs,
		       applets);
	harness_write(t, "/etc/passwd",
		      "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n",
		      0644);
}

void harness_start(struct harness *t)
{
	const char *agent = ts_env_or("VSHIM_AGENT", VSHIM_AGENT_PATH);
	char *run, fd_arg[] = "3";
	int sv[2];

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/vshim-agent-test-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->shares, sizeof(t->shares), "%s/shares", t->dir);
	snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->shares);
	make_rootfs(t);
	run = vs_xasprintf("%s/run", t->dir);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	t->agent = fork();
	cr_assert_geq(t->agent, 0);
	if (t->agent == 0) {
		dup2(sv[1], 3);
		execl(agent, "vshim-agent", "--test-channel", fd_arg, "--test-shares", t->shares,
		      "--test-run-dir", run, (char *)NULL);
		_exit(127);
	}
	free(run);
	close(sv[1]);
	t->fd = sv[0];
	fcntl(t->fd, F_SETFL, O_NONBLOCK);
	t->host = proto_host_new();
	while (!t->hello)
		harness_pump(t, 100);
}

void harness_stop(struct harness *t)
{
	int status;

	if (t->agent > 0) {
		kill(t->agent, SIGKILL);
		waitpid(t->agent, &status, 0);
	}
	if (t->fd >= 0)
		close(t->fd);
	for (size_t i = 0; i < t->n_replies; i++)
		proto_host_msg_clear(&t->replies[i]);
	for (size_t i = 0; i < HARNESS_MAX_PROCS; i++) {
		proto_buf_clear(&t->procs[i].out);
		proto_buf_clear(&t->procs[i].err);
	}
	proto_buf_clear(&t->to_agent);
	proto_host_free(t->host);
	vs_rm_rf(t->dir, NULL);
}

struct harness_proc *harness_proc(struct harness *t, uint32_t id)
{
	for (size_t i = 0; i < HARNESS_MAX_PROCS; i++) {
		if (t->procs[i].id == id)
			return &t->procs[i];
	}
	for (size_t i = 0; i < HARNESS_MAX_PROCS; i++) {
		if (t->procs[i].id == 0) {
			t->procs[i].id = id;
			return &t->procs[i];
		}
	}
	cr_assert_fail("too many processes");
	return NULL;
}

static void handle(struct harness *t, struct proto_host_msg *m)
{
	struct harness_proc *p;

	switch (m->type) {
	case PROTO_HELLO:
		t->hello = true;
		break;
	case PROTO_STDOUT:
	case PROTO_STDERR:
		p = harness_proc(t, m->id);
		proto_buf_append(m->type == PROTO_STDOUT ? &p->out : &p->err, m->output.data,
				 m->output.len);
		break;
	case PROTO_EXIT:
		p = harness_proc(t, m->id);
		p->exited = true;
		p->status = m->exit.status;
		p->signal = m->exit.signal;
		break;
	case PROTO_STDIN_WINDOW:
		break;
	default:
		cr_assert_neq(m->tag, 0, "the agent reported an error: %s",
			      m->type == PROTO_ERROR ? m->error.message : "?");
		cr_assert_lt(t->n_replies, 64);
		t->replies[t->n_replies++] = *m;
		memset(m, 0, sizeof(*m));
		return;
	}
	proto_host_msg_clear(m);
}

void harness_pump(struct harness *t, int timeout_ms)
{
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	static uint8_t buf[65536];
	struct vs_error *err = NULL;
	ssize_t n;

	if (proto_buf_write(&t->to_agent, t->fd, &err) < 0)
		cr_assert_fail("cannot write to the agent: %s", err->msg);
	if (proto_buf_pending(&t->to_agent) > 0)
		p.events |= POLLOUT;
	if (poll(&p, 1, timeout_ms) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		return;
	n = read(t->fd, buf, sizeof(buf));
	if (n < 0 && errno == EAGAIN)
		return;
	cr_assert_gt(n, 0, "the agent closed the channel");
	for (size_t off = 0; off < (size_t)n;) {
		struct proto_host_msg m;
		ssize_t used = proto_host_feed(t->host, buf + off, (size_t)n - off, &m, &err);

		cr_assert_geq(used, 0, "the agent broke the protocol: %s", err ? err->msg : "");
		off += (size_t)used;
		if (m.type != 0)
			handle(t, &m);
	}
}

struct proto_host_msg harness_reply(struct harness *t, uint32_t tag)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)TIMEOUT_MS * 1000000u;

	for (;;) {
		for (size_t i = 0; i < t->n_replies; i++) {
			if (t->replies[i].tag == tag) {
				struct proto_host_msg m = t->replies[i];

				t->replies[i] = t->replies[--t->n_replies];
				return m;
			}
		}
		cr_assert_lt(vs_now_ns(), deadline, "no reply to request %u", tag);
		harness_pump(t, 100);
	}
}

struct harness_proc *harness_wait_exit(struct harness *t, uint32_t id)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)TIMEOUT_MS * 1000000u;
	struct harness_proc *p = harness_proc(t, id);

	while (!p->exited) {
		cr_assert_lt(vs_now_ns(), deadline, "process %u did not exit", id);
		harness_pump(t, 100);
	}
	return p;
}

static const char *as_string(struct proto_buf *b)
{
	proto_buf_append(b, "", 1);
	b->len--; /* keep the NUL out of the data */
	return (const char *)proto_buf_peek(b);
}

const char *harness_stdout(struct harness *t, uint32_t id)
{
	return as_string(&harness_proc(t, id)->out);
}

const char *harness_stderr(struct harness *t, uint32_t id)
{
	return as_string(&harness_proc(t, id)->err);
}

struct proto_host_msg harness_create(struct harness *t, const char *config)
{
	return harness_create_network(t, config, NULL);
}

struct proto_host_msg harness_create_network(struct harness *t, const char *config,
					     const struct proto_network *net)
{
	struct vs_error *err = NULL;
	uint32_t tag;

	cr_assert_eq(proto_host_create(t->host, &t->to_agent, "test", config, strlen(config), NULL,
				       0, net, &tag, &err),
		     0, "%s", err ? err->msg : "");
	return harness_reply(t, tag);
}

void harness_run(struct harness *t, const char *config)
{
	struct proto_host_msg m = harness_create(t, config);
	uint32_t tag;

	cr_assert_eq(m.type, PROTO_PID, "CREATE failed: %s",
		     m.type == PROTO_ERROR ? m.error.message : "?");
	proto_host_msg_clear(&m);
	cr_assert_eq(proto_host_start(t->host, &t->to_agent, &tag, NULL), 0);
	m = harness_reply(t, tag);
	cr_assert_eq(m.type, PROTO_OK, "START failed: %s",
		     m.type == PROTO_ERROR ? m.error.message : "?");
	proto_host_msg_clear(&m);
}

struct proto_host_msg harness_exec(struct harness *t, const char *process, uint32_t *id)
{
	uint32_t tag;

	cr_assert_eq(
	    proto_host_exec(t->host, &t->to_agent, process, strlen(process), id, &tag, NULL), 0);
	return harness_reply(t, tag);
}

void harness_stdin(struct harness *t, uint32_t id, const void *data, size_t len, bool close)
{
	const uint8_t *p = data;
	uint64_t deadline = vs_now_ns() + (uint64_t)TIMEOUT_MS * 1000000u;

	while (len > 0) {
		size_t room = proto_host_stdin_room(t->host, id);
		size_t n = room < len ? room : len;

		if (n > 0) {
			cr_assert_eq(proto_host_stdin(t->host, &t->to_agent, id, p, n, NULL), 0);
			p += n;
			len -= n;
		}
		cr_assert_lt(vs_now_ns(), deadline, "stdin of process %u is stuck", id);
		harness_pump(t, 10);
	}
	if (close)
		cr_assert_eq(proto_host_stdin_close(t->host, &t->to_agent, id, NULL), 0);
	harness_pump(t, 0);
}
