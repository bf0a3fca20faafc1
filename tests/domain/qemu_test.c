/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real QEMU accepts the command lines of the golden inputs.
 *
 * Each golden definition gets its host paths moved into a temporary
 * directory where the test creates what QEMU opens at start-up: a stand-in
 * kernel (just enough of a bzImage header for QEMU to load it; with -S it
 * never runs), an initrd, shared directories, raw and qcow2 images.  QEMU
 * is started with the argv of drv_command_build() (TCG: /dev/kvm here is
 * nested PVM), the QMP socket on fd 3 and the channel sockets after it, as
 * the driver passes them, then a tap for each ethernet interface (made in a
 * network namespace of the test's own).  It has accepted the whole command
 * line once its
 * monitor answers: then query-status must say "prelaunch" (-S), and quit
 * must end it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sock.h"
#include "common/util.h"
#include "helpers.h"

#define QMP_TIMEOUT_MS 30000

static char *qemu_binary(void)
{
	char *path = dt_which("qemu-system-x86_64");

	if (path == NULL)
		cr_assert_fail("qemu-system-x86_64 is not in PATH: install qemu-system-x86 "
			       "(contrib/install-deps.sh)");
	return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
	cleanup_error struct vs_error *err = NULL;

	cr_assert_eq(vs_write_file_atomic(path, data, len, 0644, &err), 0, "%s",
		     err ? err->msg : "");
}

static void put_le16(unsigned char *p, unsigned int v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (v >> (8 * (bytes - 1 - i))) & 0xff;
}

/* The Linux/x86 boot protocol header QEMU reads: one setup sector, protocol 2.15. */
static void write_fake_kernel(const char *path)
{
	unsigned char image[8192] = { 0 };

	image[0x1f1] = 1;		 /* setup_sects */
	put_le16(image + 0x1fe, 0xaa55); /* boot_flag */
	memcpy(image + 0x202, "HdrS", 4);
	put_le16(image + 0x206, 0x020f);     /* version */
	image[0x211] = 1;		     /* loadflags: LOADED_HIGH */
	put_le32(image + 0x22c, 0x7fffffff); /* initrd_addr_max */
	put_le32(image + 0x238, 2048);	     /* cmdline_size */
	write_file(path, image, sizeof(image));
}

/*
 * A 1 MiB qcow2 (version 2, 64 KiB clusters) with nothing allocated:
 * header, refcount table, one refcount block, and an empty L1 table.
 */
static void write_qcow2(const char *path)
{
	enum {
		CLUSTER = 65536
	};
	cleanup_free unsigned char *img = vs_xcalloc(4, CLUSTER);

	memcpy(img, "QFI\xfb", 4);
	put_be(img + 4, 2, 4);		       /* version */
	put_be(img + 20, 16, 4);	       /* cluster_bits */
	put_be(img + 24, 1u << 20, 8);	       /* size */
	put_be(img + 36, 1, 4);		       /* l1_size */
	put_be(img + 40, 3 * CLUSTER, 8);      /* l1_table_offset */
	put_be(img + 48, CLUSTER, 8);	       /* refcount_table_offset */
	put_be(img + 56, 1, 4);		       /* refcount_table_clusters */
	put_be(img + CLUSTER, 2 * CLUSTER, 8); /* refcount table -> block */
	for (int c = 0; c < 4; c++)
		put_be(img + 2 * CLUSTER + 2 * c, 1, 2); /* clusters 0..3 in use */
	write_file(path, img, 4 * CLUSTER);
}

static void write_raw(const char *path)
{
	cleanup_free char *zeros = vs_xcalloc(1, 1u << 20);

	write_file(path, zeros, 1u << 20);
}

/* dir/BASENAME of path, replacing *path. */
static void relocate(char **path, const char *dir)
{
	const char *slash;
	char *moved;

	if (*path == NULL)
		return;
	slash = strrchr(*path, '/');
	moved = vs_xasprintf("%s/%s", dir, slash ? slash + 1 : *path);
	free(*path);
	*path = moved;
}

/* Moves every host path of def into dir and creates what QEMU opens. */
static void prepare(struct domain_def *def, const char *dir)
{
	relocate(&def->kernel, dir);
	write_fake_kernel(def->kernel);
	if (def->initrd != NULL) {
		relocate(&def->initrd, dir);
		write_file(def->initrd, "initrd", 6);
	}
	for (size_t i = 0; i < def->n_fs; i++) {
		relocate(&def->fs[i].source, dir);
		cr_assert(mkdir(def->fs[i].source, 0755) == 0 || errno == EEXIST);
	}
	for (size_t i = 0; i < def->n_disks; i++) {
		relocate(&def->disks[i].source, dir);
		if (def->disks[i].format == DRV_DISK_QCOW2)
			write_qcow2(def->disks[i].source);
		else
			write_raw(def->disks[i].source);
	}
	relocate(&def->serial.path, dir);
	relocate(&def->console.path, dir);
}

struct qemu {
	pid_t pid;
	const char *log;
	int status; /* once it exited */
	bool exited;
};

static pid_t spawn(char **argv, const int *fds, size_t n_fds, const char *log)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid > 0)
		return pid;

	int high[40], log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null_fd = open("/dev/null", O_RDONLY);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (log_fd < 0 || null_fd < 0 || n_fds > 40)
		_exit(126);
	for (size_t i = 0; i < n_fds; i++)
		if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100)) < 0)
			_exit(126);
	for (size_t i = 0; i < n_fds; i++)
		if (dup2(high[i], 3 + (int)i) < 0)
			_exit(126);
	if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static bool reap(struct qemu *q, int timeout_ms)
{
	for (int waited = 0; !q->exited; waited += 10) {
		pid_t r = waitpid(q->pid, &q->status, WNOHANG);

		if (r == q->pid)
			q->exited = true;
		else if (waited >= timeout_ms)
			break;
		else
			usleep(10000);
	}
	return q->exited;
}

static char *qemu_log(const struct qemu *q)
{
	char *text = NULL;
	cleanup_error struct vs_error *err = NULL;

	if (vs_read_file(q->log, 1u << 16, &text, NULL, &err) < 0)
		return vs_xstrdup("(no log)");
	return text;
}

/*
 * The next QMP line that contains want (events are skipped), or NULL when
 * QEMU exits or nothing comes within the time limit.
 */
static char *qmp_read(int fd, struct qemu *q, char *buf, size_t size, size_t *len, const char *want)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		char *nl;

		while ((nl = memchr(buf, '\n', *len)) != NULL) {
			char *line = vs_xstrndup(buf, (size_t)(nl - buf));

			*len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, *len);
			if (strstr(line, want) != NULL)
				return line;
			free(line);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms > QMP_TIMEOUT_MS || reap(q, 0) || *len == size)
			return NULL;

		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(fd, buf + *len, size - *len);
		if (n <= 0)
			return NULL;
		*len += (size_t)n;
	}
}

/*
 * False when QEMU is gone: a refused command line can make it exit right
 * after its greeting, and a write must not raise SIGPIPE then.
 */
static bool qmp_send(int fd, const char *cmd)
{
	return send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) == (ssize_t)strlen(cmd);
}

static char *refused(const char *name, const struct qemu *q, const struct vs_strv *argv)
{
	cleanup_free char *log = qemu_log(q);
	cleanup_free char *cmdline = vs_strv_join(argv, " ");

	return vs_xasprintf("%s: QEMU did not accept the command line%s:\n%s\n%s", name,
			    q->exited ? " (it exited)" : "", cmdline, log);
}

/* Greeting, capabilities, status, quit: true when QEMU answered each as it should. */
static bool qmp_session(int mon, struct qemu *q, const char *name, const struct vs_strv *argv,
			char **why)
{
	char buf[65536];
	size_t len = 0;
	cleanup_free char *greeting = qmp_read(mon, q, buf, sizeof(buf), &len, "\"QMP\"");
	cleanup_free char *caps = NULL, *status = NULL;

	if (greeting != NULL && qmp_send(mon, "{\"execute\":\"qmp_capabilities\"}\n"))
		caps = qmp_read(mon, q, buf, sizeof(buf), &len, "\"return\"");
	if (caps != NULL && qmp_send(mon, "{\"execute\":\"query-status\"}\n"))
		status = qmp_read(mon, q, buf, sizeof(buf), &len, "\"return\"");
	if (status == NULL) {
		reap(q, 2000); /* a closed monitor usually means QEMU is exiting */
		*why = refused(name, q, argv);
		return false;
	}
	if (strstr(status, "\"prelaunch\"") == NULL) {
		*why = vs_xasprintf("%s: QEMU is not waiting in prelaunch (-S): %s", name, status);
		return false;
	}
	if (!qmp_send(mon, "{\"execute\":\"quit\"}\n") || !reap(q, 10000)) {
		*why = vs_xasprintf("%s: QEMU did not quit", name);
		return false;
	}
	return true;
}

/* A tap device called name, as the monitor makes it (goes away with its descriptor). */
static int make_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0, "cannot open /dev/net/tun for tap `%s`: %s", name, strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	cr_assert_eq(ioctl(fd, TUNSETIFF, &ifr), 0, "cannot create tap `%s`: %s", name,
		     strerror(errno));
	return fd;
}

/* Starts QEMU with the command line of def; true when it accepted it. */
static bool run_one(const char *qemu_path, const char *name, struct domain_def *def,
		    const char *dir, char **why)
{
	cleanup_free char *qmp_path = vs_xasprintf("%s/qmp.sock", dir);
	cleanup_free char *log = vs_xasprintf("%s/qemu.log", dir);
	cleanup_error struct vs_error *err = NULL;
	cleanup_strv struct vs_strv argv = { 0 };
	int fds[1 + 30 + DRV_DOMAIN_DEVICES_MAX], channel_fds[30], net_fds[DRV_DOMAIN_DEVICES_MAX];
	struct qemu q = { .log = log };
	size_t n_fds = 0;
	cleanup_close int mon = -1;
	bool ok;

	cr_assert_leq(def->n_channels, 30);
	fds[n_fds++] = vs_unix_listen(qmp_path, 1, &err);
	cr_assert_geq(fds[0], 0, "%s", err ? err->msg : "");
	for (size_t i = 0; i < def->n_channels; i++) {
		cleanup_free char *p = vs_xasprintf("%s/channel%zu.sock", dir, i);

		fds[n_fds] = vs_unix_listen(p, 1, &err);
		cr_assert_geq(fds[n_fds], 0, "%s", err ? err->msg : "");
		channel_fds[i] = 4 + (int)i;
		n_fds++;
	}
	for (size_t i = 0; i < def->n_nets; i++) {
		net_fds[i] = -1;
		if (def->nets[i].type != DRV_NET_ETHERNET)
			continue;
		fds[n_fds] = make_tap(def->nets[i].target);
		net_fds[i] = 3 + (int)n_fds++;
	}
	struct drv_command_ctx ctx = {
		.emulator = qemu_path,
		.accel = DRV_ACCEL_TCG,
		.qmp_fd = 3,
		.channel_fds = channel_fds,
		.net_fds = net_fds,
		.paused = true, /* the stand-in kernel must never run */
	};
	cr_assert_eq(drv_command_build(def, &ctx, &argv, &err), 0, "%s: %s", name,
		     err ? err->msg : "");

	q.pid = spawn(argv.v, fds, n_fds, q.log);
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
	mon = vs_unix_connect(qmp_path, &err);
	cr_assert_geq(mon, 0, "%s", err ? err->msg : "");
	ok = qmp_session(mon, &q, name, &argv, why);
	if (!q.exited) {
		kill(q.pid, SIGKILL);
		reap(&q, 10000);
	}
	return ok;
}

static char *make_tmpdir(void)
{
	char *dir = vs_xstrdup("/tmp/vshim-domain-qemu.XXXXXX");

	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	return dir;
}

static void remove_tree(const char *dir)
{
	cleanup_error struct vs_error *err = NULL;

	cr_expect_eq(vs_rm_rf(dir, &err), 0, "%s", err ? err->msg : "");
}

Test(qemu, accepts_golden_command_lines, .timeout = 600)
{
	cleanup_free char *qemu = qemu_binary();
	size_t n = 0, accepted = 0;
	char **names = dt_list("golden", ".xml", &n);

	cr_assert_geq(n, 12);
	/* The taps of ethernet interfaces live and die in a namespace of this test's own. */
	cr_assert_eq(unshare(CLONE_NEWNET), 0,
		     "cannot make a network namespace for the taps (run as root): %s",
		     strerror(errno));
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = dt_path("golden", names[i], ".xml");
		cleanup_domain_def struct domain_def *def = dt_parse_ok(path);
		cleanup_free char *dir = make_tmpdir();
		cleanup_free char *why = NULL;

		prepare(def, dir);
		if (run_one(qemu, names[i], def, dir, &why))
			accepted++;
		else
			cr_expect_fail("%s", why);
		remove_tree(dir);
	}
	cr_expect_eq(accepted, n, "QEMU accepted %zu of %zu command lines", accepted, n);
	dt_list_free(names);
}

/* The harness notices a command line QEMU refuses (else the test above proves nothing). */
Test(qemu, notices_a_refused_command_line, .timeout = 120)
{
	cleanup_free char *qemu = qemu_binary();
	cleanup_free char *path = dt_path("golden", "microvm-9p", ".xml");
	cleanup_domain_def struct domain_def *def = dt_parse_ok(path);
	cleanup_free char *dir = make_tmpdir();
	cleanup_free char *why = NULL;

	prepare(def, dir);
	/* A share whose directory does not exist: QEMU refuses the -fsdev. */
	free(def->fs[0].source);
	def->fs[0].source = vs_xasprintf("%s/missing", dir);
	cr_assert_not(run_one(qemu, "missing-share", def, dir, &why), "QEMU accepted it");
	cr_assert_not_null(strstr(why, "it exited"), "%s", why);
	remove_tree(dir);
}
