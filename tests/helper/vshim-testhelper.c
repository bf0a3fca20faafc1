/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim-testhelper: a static program for integration tests inside the guest
 * (and the agent's host-side end-to-end test), so they depend on no
 * distribution image.  One small subcommand per thing a test looks at; the
 * output is plain lines a test can compare.
 *
 *   echo ARGS...          the arguments joined by spaces
 *   cat                   stdin to stdout until EOF, byte for byte
 *   exit N                exits with status N
 *   kill-self SIG         raises SIG (a number or a name like TERM)
 *   wait-signal           prints "ready", waits for a signal, prints
 *                         "signal N" and exits with N
 *   env                   the environment, one variable per line
 *   cwd                   the working directory
 *   id                    uid=U gid=G groups=G1,G2 (groups sorted)
 *   pid                   pid=P ppid=Q
 *   umask                 the umask in octal
 *   caps                  the Cap* lines of /proc/self/status
 *   rlimits               NAME SOFT HARD per resource ("unlimited")
 *   isatty                fd 0, 1, 2: "N yes TTYNAME" or "N no"
 *   winsize               the terminal size of fd 0: "ROWS COLS"
 *   hostname              the host name, then the domain name
 *   uname                 sysname nodename release machine
 *   mounts                /proc/self/mountinfo
 *   sleep SECONDS         sleeps (fractions allowed)
 *   now                   the wall clock (CLOCK_REALTIME) as SECONDS.NANOSECONDS
 *   fuse-mount DIR        opens /dev/fuse, mounts a FUSE file system on DIR
 *                         with it and unmounts it: "ok" or "errno=N"
 *   tun NAME              opens /dev/net/tun and makes tap NAME: "ok" or "errno=N"
 *   write-file PATH TEXT  writes TEXT to PATH
 *   read-file PATH        prints the contents of PATH
 *   ls DIR                the names in DIR, sorted
 *   stderr TEXT           TEXT and a newline to stderr
 *   bytes N               N bytes of the pattern i % 251 to stdout
 *   syscall-test NAME     tries a syscall and prints "ok" or "errno=N":
 *                         mkdir, getcwd, socket, unshare, chroot, sethostname
 *   no-new-privs          the no_new_privs flag: 0 or 1
 *   ns                    "TYPE same" or "TYPE new" per namespace type, comparing
 *                         /proc/self/ns/TYPE with /proc/1/ns/TYPE (needs
 *                         CAP_SYS_PTRACE when PID 1 has more capabilities)
 *   reboot                reboot(RB_AUTOBOOT): outside a pid namespace, with
 *                         CAP_SYS_BOOT, this ends a VM under the container
 *
 * File attacks (tests/security); each prints "ok" or "errno=N":
 *   chmod MODE PATH       chmod() with MODE in octal
 *   create PATH MODE      open(O_CREAT|O_EXCL|O_WRONLY) with MODE in octal
 *   mknod PATH c|b|p MAJ MIN  a character or block device, or a FIFO
 *   setxattr PATH NAME HEX    lsetxattr() with the value given in hex
 *   stat PATH             "MODE UID GID" (MODE in octal, with the type bits)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what)
{
	fprintf(stderr, "vshim-testhelper: %s: %s\n", what, strerror(errno));
	return 1;
}

static int usage_error(const char *usage)
{
	fprintf(stderr, "usage: vshim-testhelper %s\n", usage);
	return 2;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

static int cmd_echo(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	printf("\n");
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	return copy_fd(0, 1) < 0 ? fail("cat") : 0;
}

static int cmd_exit(int argc, char **argv)
{
	return argc > 0 ? atoi(argv[0]) : 0;
}

static const struct {
	const char *name;
	int signo;
} signals[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "SEGV", SIGSEGV },
	{ "ABRT", SIGABRT }, { "PIPE", SIGPIPE },
};

static int parse_signal(const char *s)
{
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcmp(signals[i].name, s) == 0)
			return signals[i].signo;
	}
	return atoi(s);
}

static int cmd_kill_self(int argc, char **argv)
{
	int sig = argc > 0 ? parse_signal(argv[0]) : SIGTERM;

	fflush(stdout);
	signal(sig, SIG_DFL);
	kill(getpid(), sig);
	/* PID 1 of a pid namespace ignores default-action signals it sends itself. */
	return 128 + sig;
}

static void on_signal(int sig)
{
	char msg[32];
	int len = snprintf(msg, sizeof(msg), "signal %d\n", sig);

	write_all(1, msg, (size_t)len);
	_exit(sig);
}

static int cmd_wait_signal(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	for (int s = 1; s < 32; s++) {
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			sigaction(s, &sa, NULL);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause(); /* on_signal() exits */
	return 0;
}

static int cmd_env(int argc, char **argv)
{
	for (char **e = environ; *e != NULL; e++)
		printf("%s\n", *e);
	return 0;
}

static int cmd_cwd(int argc, char **argv)
{
	char buf[PATH_MAX];

	if (getcwd(buf, sizeof(buf)) == NULL)
		return fail("getcwd");
	printf("%s\n", buf);
	return 0;
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_id(int argc, char **argv)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (n < 0)
		return fail("getgroups");
	qsort(groups, (size_t)n, sizeof(gid_t), cmp_gid);
	printf("uid=%u gid=%u groups=", (unsigned int)getuid(), (unsigned int)getgid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned int)groups[i]);
	printf("\n");
	return 0;
}

static int cmd_pid(int argc, char **argv)
{
	printf("pid=%d ppid=%d\n", (int)getpid(), (int)getppid());
	return 0;
}

static int cmd_umask(int argc, char **argv)
{
	mode_t m = umask(0);

	printf("%04o\n", (unsigned int)m);
	return 0;
}

static int print_matching(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "re");
	char line[4096];

	if (f == NULL)
		return fail(path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (prefix == NULL || strncmp(line, prefix, strlen(prefix)) == 0)
			fputs(line, stdout);
	}
	fclose(f);
	return 0;
}

static int cmd_caps(int argc, char **argv)
{
	return print_matching("/proc/self/status", "Cap");
}

static int cmd_rlimits(int argc, char **argv)
{
	static const struct {
		const char *name;
		int resource;
	} limits[] = {
		{ "RLIMIT_CORE", RLIMIT_CORE },	      { "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_STACK", RLIMIT_STACK },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	};

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl;
		char soft[32], hard[32];

		if (getrlimit(limits[i].resource, &rl) < 0)
			return fail("getrlimit");
		snprintf(soft, sizeof(soft), "%llu", (unsigned long long)rl.rlim_cur);
		snprintf(hard, sizeof(hard), "%llu", (unsigned long long)rl.rlim_max);
		printf("%s %s %s\n", limits[i].name,
		       rl.rlim_cur == RLIM_INFINITY ? "unlimited" : soft,
		       rl.rlim_max == RLIM_INFINITY ? "unlimited" : hard);
	}
	return 0;
}

static int cmd_isatty(int argc, char **argv)
{
	for (int fd = 0; fd < 3; fd++) {
		const char *name = isatty(fd) ? ttyname(fd) : NULL;

		if (isatty(fd))
			printf("%d yes %s\n", fd, name != NULL ? name : "?");
		else
			printf("%d no\n", fd);
	}
	return 0;
}

static int cmd_winsize(int argc, char **argv)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return fail("TIOCGWINSZ");
	printf("%u %u\n", ws.ws_row, ws.ws_col);
	return 0;
}

static int cmd_hostname(int argc, char **argv)
{
	char host[256] = "", domain[256] = "";

	if (gethostname(host, sizeof(host)) < 0 || getdomainname(domain, sizeof(domain)) < 0)
		return fail("gethostname");
	printf("%s\n%s\n", host, domain);
	return 0;
}

static int cmd_uname(int argc, char **argv)
{
	struct utsname u;

	if (uname(&u) < 0)
		return fail("uname");
	printf("%s %s %s %s\n", u.sysname, u.nodename, u.release, u.machine);
	return 0;
}

static int cmd_mounts(int argc, char **argv)
{
	return print_matching("/proc/self/mountinfo", NULL);
}

static int cmd_sleep(int argc, char **argv)
{
	double s = argc > 0 ? strtod(argv[0], NULL) : 1;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int cmd_now(int argc, char **argv)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	return 0;
}

static int print_result(int r)
{
	if (r < 0)
		printf("errno=%d\n", errno);
	else
		printf("ok\n");
	return 0;
}

static int cmd_fuse_mount(int argc, char **argv)
{
	char opts[128];
	int fd;

	if (argc != 1)
		return usage_error("fuse-mount DIR");
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return print_result(-1);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("vshim-test", argv[0], "fuse", MS_NOSUID | MS_NODEV, opts) < 0)
		return print_result(-1);
	/* No daemon answers: detach it and end the connection. */
	umount2(argv[0], MNT_DETACH);
	close(fd);
	return print_result(0);
}

static int cmd_tun(int argc, char **argv)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd;

	if (argc != 1 || strlen(argv[0]) >= sizeof(ifr.ifr_name))
		return usage_error("tun NAME");
	strcpy(ifr.ifr_name, argv[0]);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return print_result(-1);
	return print_result(ioctl(fd, TUNSETIFF, &ifr));
}

static int cmd_write_file(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return 2;
	fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, argv[1], strlen(argv[1])) < 0)
		return fail(argv[0]);
	close(fd);
	return 0;
}

static int cmd_read_file(int argc, char **argv)
{
	int fd = argc > 0 ? open(argv[0], O_RDONLY | O_CLOEXEC) : -1;

	if (fd < 0 || copy_fd(fd, 1) < 0)
		return fail(argc > 0 ? argv[0] : "read-file");
	close(fd);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_ls(int argc, char **argv)
{
	DIR *d = opendir(argc > 0 ? argv[0] : ".");
	char *names[4096];
	size_t n = 0;
	struct dirent *de;

	if (d == NULL)
		return fail("opendir");
	while ((de = readdir(d)) != NULL && n < 4096) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", names[i]);
	return 0;
}

static int cmd_stderr(int argc, char **argv)
{
	fprintf(stderr, "%s\n", argc > 0 ? argv[0] : "");
	return 0;
}

static int cmd_bytes(int argc, char **argv)
{
	unsigned long long n = argc > 0 ? strtoull(argv[0], NULL, 10) : 0;
	unsigned char buf[65536];
	unsigned long long i = 0;

	while (i < n) {
		size_t len = 0;

		while (len < sizeof(buf) && i < n)
			buf[len++] = (unsigned char)(i++ % 251);
		if (write_all(1, buf, len) < 0)
			return fail("write");
	}
	return 0;
}

static int cmd_syscall_test(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "";
	char buf[PATH_MAX];
	long r;

	errno = 0;
	if (strcmp(name, "mkdir") == 0) {
		r = mkdir("/tmp/vshim-syscall-test", 0700);
		if (r == 0)
			rmdir("/tmp/vshim-syscall-test");
	} else if (strcmp(name, "getcwd") == 0) {
		r = getcwd(buf, sizeof(buf)) == NULL ? -1 : 0;
	} else if (strcmp(name, "socket") == 0) {
		r = socket(AF_UNIX, SOCK_STREAM, 0);
	} else if (strcmp(name, "unshare") == 0) {
		r = unshare(CLONE_NEWUTS);
	} else if (strcmp(name, "chroot") == 0) {
		r = chroot("/");
	} else if (strcmp(name, "sethostname") == 0) {
		r = sethostname("x", 1);
	} else {
		fprintf(stderr, "vshim-testhelper: unknown syscall test \"%s\"\n", name);
		return 2;
	}
	if (r < 0)
		printf("errno=%d\n", errno);
	else
		printf("ok\n");
	return 0;
}

static int cmd_no_new_privs(int argc, char **argv)
{
	int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	if (r < 0)
		return fail("PR_GET_NO_NEW_PRIVS");
	printf("%d\n", r);
	return 0;
}

static int cmd_ns(int argc, char **argv)
{
	static const char *const types[] = { "cgroup", "ipc", "mnt", "net", "pid", "uts" };
	int r = 0;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char self[64], init[64], a[128], b[128];
		ssize_t na, nb;

		snprintf(self, sizeof(self), "/proc/self/ns/%s", types[i]);
		snprintf(init, sizeof(init), "/proc/1/ns/%s", types[i]);
		na = readlink(self, a, sizeof(a) - 1);
		nb = readlink(init, b, sizeof(b) - 1);
		if (na < 0 || nb < 0) {
			printf("%s error: %s\n", types[i], strerror(errno));
			r = 1;
			continue;
		}
		a[na] = b[nb] = '\0';
		printf("%s %s\n", types[i], strcmp(a, b) == 0 ? "same" : "new");
	}
	return r;
}

static void report(long r)
{
	if (r < 0)
		printf("errno=%d\n", errno);
	else
		printf("ok\n");
}

static int cmd_chmod(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("chmod MODE PATH");
	report(chmod(argv[1], (mode_t)strtoul(argv[0], NULL, 8)));
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	int fd;

	if (argc != 2)
		return usage_error("create PATH MODE");
	fd = open(argv[0], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
		  (mode_t)strtoul(argv[1], NULL, 8));
	report(fd);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int cmd_mknod(int argc, char **argv)
{
	mode_t type;

	if (argc != 4 || strlen(argv[1]) != 1)
		return usage_error("mknod PATH c|b|p MAJOR MINOR");
	type = argv[1][0] == 'c' ? S_IFCHR : argv[1][0] == 'b' ? S_IFBLK : S_IFIFO;
	report(mknod(argv[0], type | 0666,
		     makedev((unsigned int)atoi(argv[2]), (unsigned int)atoi(argv[3]))));
	return 0;
}

static int cmd_setxattr(int argc, char **argv)
{
	unsigned char value[256];
	size_t n = 0;

	if (argc != 3 || strlen(argv[2]) % 2 != 0 || strlen(argv[2]) / 2 > sizeof(value))
		return usage_error("setxattr PATH NAME HEX");
	for (const char *p = argv[2]; *p != '\0'; p += 2) {
		unsigned int byte;

		if (sscanf(p, "%2x", &byte) != 1)
			return usage_error("setxattr PATH NAME HEX");
		value[n++] = (unsigned char)byte;
	}
	report(lsetxattr(argv[0], argv[1], value, n, 0));
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	struct stat st;

	if (argc != 1)
		return usage_error("stat PATH");
	if (lstat(argv[0], &st) < 0)
		return fail(argv[0]);
	printf("%o %u %u\n", (unsigned int)st.st_mode, (unsigned int)st.st_uid,
	       (unsigned int)st.st_gid);
	return 0;
}

static int cmd_reboot(int argc, char **argv)
{
	sync();
	if (reboot(RB_AUTOBOOT) < 0)
		return fail("reboot");
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "echo", cmd_echo },
	{ "cat", cmd_cat },
	{ "exit", cmd_exit },
	{ "kill-self", cmd_kill_self },
	{ "wait-signal", cmd_wait_signal },
	{ "env", cmd_env },
	{ "cwd", cmd_cwd },
	{ "id", cmd_id },
	{ "pid", cmd_pid },
	{ "umask", cmd_umask },
	{ "caps", cmd_caps },
	{ "rlimits", cmd_rlimits },
	{ "isatty", cmd_isatty },
	{ "winsize", cmd_winsize },
	{ "hostname", cmd_hostname },
	{ "uname", cmd_uname },
	{ "mounts", cmd_mounts },
	{ "sleep", cmd_sleep },
	{ "now", cmd_now },
	{ "fuse-mount", cmd_fuse_mount },
	{ "tun", cmd_tun },
	{ "write-file", cmd_write_file },
	{ "read-file", cmd_read_file },
	{ "ls", cmd_ls },
	{ "stderr", cmd_stderr },
	{ "bytes", cmd_bytes },
	{ "syscall-test", cmd_syscall_test },
	{ "no-new-privs", cmd_no_new_privs },
	{ "ns", cmd_ns },
	{ "reboot", cmd_reboot },
	{ "chmod", cmd_chmod },
	{ "create", cmd_create },
	{ "mknod", cmd_mknod },
	{ "setxattr", cmd_setxattr },
	{ "stat", cmd_stat },
};

int main(int argc, char **argv)
{
	if (argc < 2 && getpid() == 1) {
		/* tests/run packs the helper as a VM's /init: PID 1 exiting panics the guest. */
		fprintf(stderr, "vshim-testhelper: PID 1 without a command, exiting\n");
		return 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: vshim-testhelper COMMAND [ARGS...]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[1]) == 0) {
			int r = commands[i].run(argc - 2, argv + 2);

			fflush(stdout);
			return r;
		}
	}
	fprintf(stderr, "vshim-testhelper: unknown command \"%s\"\n", argv[1]);
	return 2;
}
