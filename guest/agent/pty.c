/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals of processes with process.terminal (pty.h). */
#include "guest/agent/pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"

int agent_pty_open(uid_t uid, unsigned int rows, unsigned int cols, int *master, int *slave,
		   struct vs_error **err)
{
	cleanup_close int m = -1;
	cleanup_close int s = -1;
	int unlock = 0, n;
	char name[64];

	m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 && errno == ENOENT)
		m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return vs_error_set(err, errno, "cannot open the container's /dev/pts/ptmx");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
		return vs_error_set(err, errno, "cannot unlock a new terminal");
	/* The slave through the master, whatever the container's /dev/pts looks like. */
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return vs_error_set(err, errno, "cannot open the slave of a new terminal");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	if (fchown(s, uid, (gid_t)-1) < 0)
		return vs_error_set(err, errno, "cannot give terminal `%s` to user %u", name,
				    (unsigned int)uid);
	if (rows > 0 && cols > 0 && agent_pty_resize(m, rows, cols, err) < 0)
		return -1;
	*master = steal_fd(&m);
	*slave = steal_fd(&s);
	return 0;
}

int agent_pty_attach(int slave, struct vs_error **err)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return vs_error_set(err, errno, "cannot make the terminal the controlling one");
	for (int fd = 0; fd < 3; fd++) {
		if (dup2(slave, fd) < 0)
			return vs_error_set(err, errno, "cannot attach the terminal to fd %d", fd);
	}
	if (slave > 2)
		close(slave);
	return 0;
}

int agent_pty_resize(int fd, unsigned int rows, unsigned int cols, struct vs_error **err)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return vs_error_set(err, errno, "cannot resize the terminal to %ux%u", cols, rows);
	return 0;
}

int agent_pty_set_onlcr(int fd, bool on, struct vs_error **err)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return vs_error_set(err, errno, "cannot read the terminal's settings");
	t.c_oflag = on ? t.c_oflag | ONLCR : t.c_oflag & ~(tcflag_t)ONLCR;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return vs_error_set(err, errno, "cannot set the terminal's output newlines");
	return 0;
}

int agent_pty_send_eof(int master, struct vs_error **err)
{
	struct termios t;

	if (tcgetattr(master, &t) < 0)
		return vs_error_set(err, errno, "cannot read the terminal's settings");
	if (!(t.c_lflag & ICANON))
		return 0;
	if (write(master, &t.c_cc[VEOF], 1) < 0 && errno != EAGAIN)
		return vs_error_set(err, errno, "cannot send end-of-file to the terminal");
	return 0;
}
