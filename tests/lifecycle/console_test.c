/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminals: create and exec with --console-socket (the receiver here is
 * runc's recvtty in small: one SCM_RIGHTS descriptor, the pty's name as the
 * payload), exec -t on a terminal of the caller's, and window sizes set on
 * the host side reaching the guest.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "lc.h"

static struct lc t;

static void setup(void)
{
	lc_setup(&t);
}

static void teardown(void)
{
	lc_teardown(&t);
}

TestSuite(console, .init = setup, .fini = teardown, .timeout = 90);

#define LOOP "[\"sh\",\"-c\",\"echo started; while :; do sleep 1; done\"]"

struct term {
	int fd;
	char buf[1 << 16];
	size_t len;
};

static void term_write(struct term *tm, const char *text)
{
	cr_assert_eq(vs_write_all(tm->fd, text, strlen(text)), 0, "write to the pty master");
}

static void term_expect(struct term *tm, const char *text, int timeout_ms)
{
	lc_read_until(tm->fd, tm->buf, sizeof(tm->buf), &tm->len, text, timeout_ms);
}

/* Sends cmd until its output holds want: a size change reaches the guest asynchronously. */
static void term_retry(struct term *tm, const char *cmd, const char *want, int timeout_ms)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		term_write(tm, cmd);
		usleep(300000);
		for (;;) {
			struct pollfd p = { .fd = tm->fd, .events = POLLIN };
			ssize_t n;

			if (poll(&p, 1, 0) != 1)
				break;
			n = read(tm->fd, tm->buf + tm->len, sizeof(tm->buf) - 1 - tm->len);
			if (n <= 0)
				break;
			tm->len += (size_t)n;
			tm->buf[tm->len] = '\0';
		}
		if (strstr(tm->buf, want) != NULL)
			return;
		cr_assert_lt(vs_now_ns(), deadline,
			     "no \"%s\" after %d ms; the terminal shows:\n%s", want, timeout_ms,
			     tm->buf);
	}
}

static void set_size(int fd, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	cr_assert_eq(ioctl(fd, TIOCSWINSZ, &ws), 0, "TIOCSWINSZ: %s", strerror(errno));
}

/* The payload names the pty whose master came with it. */
static void assert_pty_name(int master, const char *name)
{
	char want[64];

	cr_assert_eq(ptsname_r(master, want, sizeof(want)), 0, "the descriptor is no pty master");
	cr_assert_str_eq(name, want, "the console socket said %s for %s", name, want);
}

Test(console, create_with_console_socket)
{
	cleanup_free char *sock_path = vs_xasprintf("%s/console.sock", t.dir);
	cleanup_close int listener = lc_console_listen(sock_path);
	const char *const extra[] = { "--console-socket", sock_path, NULL };
	struct term tm = { .fd = -1 };
	char name[256];
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\"]", .terminal = true });
	struct lc_res r =
	    lc_create_ex(&t, &c, "ctr", &(struct lc_create_opts){ .extra = extra, .in_fd = -1 });
	lc_assert_ok(r, "create --console-socket");
	lc_res_free(&r);
	tm.fd = lc_console_recv(listener, name, sizeof(name), 1000);
	assert_pty_name(tm.fd, name);

	/* The size containerd sets before start is the one the process starts with. */
	set_size(tm.fd, 30, 100);
	r = LC_RUN(&t, "start", "ctr");
	lc_assert_ok(r, "start");
	lc_res_free(&r);
	term_retry(&tm, "echo M1 $(stty size)\n", "M1 30 100", 10000);

	/* A resize on the master reaches the guest's terminal. */
	set_size(tm.fd, 40, 120);
	term_retry(&tm, "echo M2 $(stty size)\n", "M2 40 120", 10000);
	term_write(&tm, "echo M3; /bin/vshim-testhelper isatty\n");
	term_expect(&tm, "2 yes /dev/", 10000);

	/* stdin reaches the process; its exit is the container's. */
	term_write(&tm, "exit 7\n");
	cr_assert_eq(lc_wait_pid(&c, 10000), 7);
	close(tm.fd);

	/* Everything went through the pty: create's stdio holds nothing. */
	cleanup_free char *out = lc_read(c.out);
	cleanup_free char *err = lc_read(c.err);
	cr_assert_str_eq(out, "", "create's stdout:\n%s", out);
	cr_assert_str_eq(err, "", "create's stderr:\n%s", err);
	lc_assert_status(&t, "ctr", "stopped");
	r = LC_RUN(&t, "delete", "ctr");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	lc_assert_clean(&t);
}

/* The receiver clears ONLCR on the master, as runc's recvtty does. */
static void clear_onlcr(int master)
{
	struct termios tio;

	cr_assert_eq(tcgetattr(master, &tio), 0);
	tio.c_oflag &= ~(tcflag_t)ONLCR;
	cr_assert_eq(tcsetattr(master, TCSANOW, &tio), 0);
}

Test(console, output_newlines_follow_the_receivers_onlcr)
{
	cleanup_free char *sock_path = vs_xasprintf("%s/console.sock", t.dir);
	cleanup_close int listener = lc_console_listen(sock_path);
	const char *const extra[] = { "--console-socket", sock_path, NULL };
	cleanup_free char *pid_file = vs_xasprintf("%s/exec.pid", t.dir);
	struct term tm = { .fd = -1 }, ex = { .fd = -1 };
	char name[256];
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = "[\"sh\",\"-c\",\"echo one; echo two; sleep 100\"]",
					.terminal = true });
	struct lc_res r =
	    lc_create_ex(&t, &c, "ctr", &(struct lc_create_opts){ .extra = extra, .in_fd = -1 });
	lc_assert_ok(r, "create --console-socket");
	lc_res_free(&r);
	tm.fd = lc_console_recv(listener, name, sizeof(name), 1000);

	/* With runc the master is the container's pty: clearing ONLCR there leaves "\n" alone. */
	clear_onlcr(tm.fd);
	r = LC_RUN(&t, "start", "ctr");
	lc_assert_ok(r, "start");
	lc_res_free(&r);
	term_expect(&tm, "two\n", 10000);
	cr_assert_str_eq(tm.buf, "one\ntwo\n", "the bytes through the console");

	/* A receiver that leaves it (containerd, conmon): the pty's default, CR-NL. */
	pid_t detached =
	    lc_spawn(&t, &(struct lc_io){ .in_fd = -1, .out_fd = -1, .err_fd = -1 },
		     (const char *const[]){ "exec", "--detach", "-t", "--console-socket", sock_path,
					    "--pid-file", pid_file, "ctr", "sh", "-c",
					    "echo three; sleep 100", NULL });
	cr_assert_eq(lc_wait(detached, 30000), 0, "exec --detach -t failed");
	ex.fd = lc_console_recv(listener, name, sizeof(name), 1000);
	term_expect(&ex, "three\r\n", 10000);
	cr_assert_str_eq(ex.buf, "three\r\n", "the bytes through the exec's console");
	close(ex.fd);
	close(tm.fd);

	r = LC_RUN(&t, "delete", "--force", "ctr");
	lc_assert_ok(r, "delete --force");
	lc_res_free(&r);
	lc_wait_pid(&c, 10000);
	cleanup_free char *proxy_text = lc_read(pid_file);
	lc_wait(atoi(proxy_text), 10000);
	lc_assert_clean(&t);
}

Test(console, exec_terminals)
{
	cleanup_free char *sock_path = vs_xasprintf("%s/exec-console.sock", t.dir);
	cleanup_free char *pid_file = vs_xasprintf("%s/exec.pid", t.dir);
	cleanup_close int listener = lc_console_listen(sock_path);
	struct term tm = { .fd = -1 };
	char name[256];
	struct lc_ctr c;

	lc_config(&t, &(struct lc_cfg){ .args = LOOP });
	lc_create_start(&t, &c, "ctr");
	lc_wait_file(c.out, "started", 10000);

	/* No terminal asked for: none. */
	struct lc_res r = LC_RUN(&t, "exec", "ctr", "/bin/vshim-testhelper", "isatty");
	lc_assert_ok(r, "exec isatty");
	cr_assert_str_eq(r.out, "0 no\n1 no\n2 no\n");
	lc_res_free(&r);

	/* exec -t on the caller's terminal: its size is the process's. */
	int master = -1, slave = -1;
	struct winsize ws = { .ws_row = 25, .ws_col = 81 };
	cr_assert_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	struct lc_io io = { .in_fd = slave, .out_fd = slave, .err_fd = slave };
	pid_t exec = lc_spawn(&t, &io,
			      (const char *const[]){ "exec", "-t", "ctr", "sh", "-c",
						     "/bin/vshim-testhelper winsize; "
						     "/bin/vshim-testhelper isatty; exit 5",
						     NULL });
	close(slave);
	struct term own = { .fd = master };
	term_expect(&own, "25 81", 10000);
	term_expect(&own, "0 yes /dev/", 10000);
	cr_assert_eq(lc_wait(exec, 10000), 5);
	close(master);

	/* exec --detach -t --console-socket, as containerd runs `ctr task exec -t`. */
	pid_t detached =
	    lc_spawn(&t, &(struct lc_io){ .in_fd = -1, .out_fd = -1, .err_fd = -1 },
		     (const char *const[]){ "exec", "--detach", "-t", "--console-socket", sock_path,
					    "--pid-file", pid_file, "ctr", "sh", NULL });
	cr_assert_eq(lc_wait(detached, 30000), 0, "exec --detach -t failed");
	tm.fd = lc_console_recv(listener, name, sizeof(name), 1000);
	assert_pty_name(tm.fd, name);
	cleanup_free char *proxy_text = lc_read(pid_file);
	pid_t proxy = atoi(proxy_text);
	cr_assert_gt(proxy, 0);
	set_size(tm.fd, 20, 50);
	term_retry(&tm, "echo E1 $(stty size)\n", "E1 20 50", 10000);
	term_write(&tm, "exit 3\n");
	cr_assert_eq(lc_wait(proxy, 10000), 3, "the proxy exits with the process's status");
	close(tm.fd);

	r = LC_RUN(&t, "delete", "--force", "ctr");
	lc_assert_ok(r, "delete --force");
	lc_res_free(&r);
	lc_wait_pid(&c, 10000);
	lc_assert_clean(&t);
}
