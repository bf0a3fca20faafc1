/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces of the agent that run on the host as they would in the guest. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "common/util.h"
#include "guest/agent/child.h"
#include "guest/agent/env.h"
#include "guest/agent/mountopt.h"
#include "guest/agent/path.h"
#include "guest/agent/pty.h"
#include "guest/agent/resolve.h"
#include "guest/agent/security.h"
#include "guest/agent/sync.h"
#include "guest/agent/sysctl.h"

static char tmp[PATH_MAX];

static void make_tmp(void)
{
	strcpy(tmp, "/tmp/vshim-agent-units-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void remove_tmp(void)
{
	vs_rm_rf(tmp, NULL);
}

static void touch(const char *rel, mode_t mode)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s", path);
	close(fd);
	chmod(path, mode);
}

static void mkdir_in(const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
}

TestSuite(path, .init = make_tmp, .fini = remove_tmp);

Test(path, lookup_in_path_order_skipping_the_unusable)
{
	struct vs_error *err = NULL;
	char *path, *found, *want;

	mkdir_in("a");
	mkdir_in("b");
	mkdir_in("c");
	mkdir_in("a/prog");    /* a directory is not a program */
	touch("b/prog", 0644); /* not executable */
	touch("c/prog", 0755);
	path = vs_xasprintf("%s/a:%s/b:%s/c", tmp, tmp, tmp);
	want = vs_xasprintf("%s/c/prog", tmp);
	found = agent_path_lookup("prog", path, &err);
	cr_assert_not_null(found, "%s", err ? err->msg : "");
	cr_assert_str_eq(found, want);
	free(found);
	free(want);
	free(path);
}

Test(path, not_found_and_not_executable)
{
	struct vs_error *err = NULL;
	char *path = vs_xasprintf("%s", tmp);

	cr_assert_null(agent_path_lookup("missing", path, &err));
	cr_assert_eq(err->errnum, ENOENT);
	cr_assert(strstr(err->msg, "exec: \"missing\": executable file not found in $PATH"));
	cr_assert_eq(agent_path_exec_status(err->errnum), 127);
	vs_error_release(&err);

	touch("noexec", 0644);
	cr_assert_null(agent_path_lookup("noexec", path, &err));
	cr_assert_eq(err->errnum, EACCES);
	cr_assert_eq(agent_path_exec_status(err->errnum), 126);
	vs_error_release(&err);
	free(path);
}

Test(path, slash_means_no_search)
{
	struct vs_error *err = NULL;
	char *abs;
	char *found;

	touch("tool", 0755);
	abs = vs_xasprintf("%s/tool", tmp);
	found = agent_path_lookup(abs, "/nonexistent", &err);
	cr_assert_str_eq(found, abs);
	free(found);
	cr_assert_null(agent_path_lookup("./nope/tool", NULL, &err));
	cr_assert_eq(err->errnum, ENOENT);
	vs_error_release(&err);
	cr_assert_null(agent_path_lookup("", NULL, &err));
	vs_error_release(&err);
	free(abs);
}

Test(path, empty_entry_is_the_current_directory_and_default_path)
{
	struct vs_error *err = NULL;
	char *found;

	touch("here", 0755);
	cr_assert_eq(chdir(tmp), 0);
	found = agent_path_lookup("here", "/nonexistent:", &err);
	cr_assert_str_eq(found, "here");
	free(found);
	found = agent_path_lookup("sh", NULL, &err); /* AGENT_DEFAULT_PATH has /bin */
	cr_assert_not_null(found);
	free(found);
}

Test(path, getenv_last_wins)
{
	char *env[] = { "PATH=/a", "PATHX=/b", "PATH=/c", NULL };

	cr_assert_str_eq(agent_path_getenv(env, "PATH"), "/c");
	cr_assert_null(agent_path_getenv(env, "PAT"));
	cr_assert_null(agent_path_getenv(NULL, "PATH"));
}

Test(mountopt, flags_in_order_and_data)
{
	char *opts[] = { "nosuid",	  "ro",	       "mode=755",   "rw", "noexec", "size=64k",
			 "x-systemd.foo", "tmpcopyup", "strictatime" };
	struct agent_mountopt o;

	cr_assert_eq(agent_mountopt_parse(opts, 9, &o, NULL), 0);
	cr_assert_eq(o.flags, MS_NOSUID | MS_NOEXEC | MS_STRICTATIME);
	cr_assert_str_eq(o.data, "mode=755,size=64k");
	cr_assert_not(o.bind);
	cr_assert_eq(o.propagation, 0);
	agent_mountopt_clear(&o);
}

Test(mountopt, bind_and_propagation)
{
	char *opts[] = { "rbind", "rslave", "ro" };
	char *twice[] = { "private", "shared" };
	struct agent_mountopt o;
	struct vs_error *err = NULL;

	cr_assert_eq(agent_mountopt_parse(opts, 3, &o, NULL), 0);
	cr_assert(o.bind && o.recursive);
	cr_assert_eq(o.propagation, MS_SLAVE | MS_REC);
	cr_assert_eq(o.flags, MS_RDONLY);
	cr_assert_null(o.data);
	agent_mountopt_clear(&o);
	cr_assert_eq(agent_mountopt_parse(twice, 2, &o, &err), -1);
	cr_assert(strstr(err->msg, "\"shared\" conflicts"), "%s", err->msg);
	vs_error_release(&err);
}

Test(mountopt, atime_options_exclude_each_other)
{
	char *opts[] = { "noatime", "strictatime" };
	char *back[] = { "strictatime", "relatime" };
	struct agent_mountopt o;

	cr_assert_eq(agent_mountopt_parse(opts, 2, &o, NULL), 0);
	cr_assert_eq(o.flags, MS_STRICTATIME);
	agent_mountopt_clear(&o);
	cr_assert_eq(agent_mountopt_parse(back, 2, &o, NULL), 0);
	cr_assert_eq(o.flags, MS_RELATIME);
	agent_mountopt_clear(&o);
	cr_assert_eq(agent_mountopt_bind_flags(MS_RDONLY | MS_SYNCHRONOUS | MS_NOEXEC),
		     MS_RDONLY | MS_NOEXEC);
}

/* Paths compared by component: the same place, and a place below another. */
Test(mounts, same_path_and_below)
{
	cr_assert(agent_resolve_same_path("/dev", "/dev/"));
	cr_assert(agent_resolve_same_path("//dev//pts", "/dev/pts"));
	cr_assert(agent_resolve_same_path("/", "///"));
	cr_assert_not(agent_resolve_same_path("/dev", "/devices"));
	cr_assert_not(agent_resolve_same_path("/dev/pts", "/dev"));
	cr_assert_not(agent_resolve_same_path("/", "/dev"));

	cr_assert(agent_resolve_is_below("/dev/pts", "/dev"));
	cr_assert(agent_resolve_is_below("/dev", "/dev/"));
	cr_assert(agent_resolve_is_below("//dev//shm/x", "/dev"));
	cr_assert(agent_resolve_is_below("/anything", "/"));
	cr_assert_not(agent_resolve_is_below("/devices", "/dev"));
	cr_assert_not(agent_resolve_is_below("/dev", "/dev/pts"));
	cr_assert_not(agent_resolve_is_below("/", "/dev"));
}

TestSuite(resolve, .init = make_tmp, .fini = remove_tmp);

Test(resolve, creates_inside_the_root_and_never_outside)
{
	char outside[PATH_MAX * 2], link[PATH_MAX * 2], made[PATH_MAX * 2];
	struct vs_error *err = NULL;
	struct stat st;
	int root, fd;

	mkdir_in("root");
	mkdir_in("root/etc");
	snprintf(link, sizeof(link), "%s/root/escape", tmp);
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	/* An absolute link and a dot-dot link both stay in the root. */
	cr_assert_eq(symlink("/../../..", link), 0);
	snprintf(link, sizeof(link), "%s/root/etc/up", tmp);
	cr_assert_eq(symlink("../../../..", link), 0);
	snprintf(made, sizeof(made), "%s/root", tmp);
	root = open(made, O_PATH | O_DIRECTORY);
	cr_assert_geq(root, 0);

	fd = agent_resolve_open(root, "/escape/outside/new", AGENT_RESOLVE_DIR, &err);
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	close(fd);
	snprintf(made, sizeof(made), "%s/root/outside/new", tmp);
	cr_assert_eq(stat(made, &st), 0, "created under the root");
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_neq(stat(outside, &st), 0, "nothing created outside");

	fd = agent_resolve_open(root, "/etc/up/file", AGENT_RESOLVE_FILE, &err);
	cr_assert_geq(fd, 0, "%s", err ? err->msg : "");
	close(fd);
	snprintf(made, sizeof(made), "%s/root/file", tmp);
	cr_assert_eq(stat(made, &st), 0);
	cr_assert(S_ISREG(st.st_mode));

	cr_assert_eq(agent_resolve_open(root, "/missing", AGENT_RESOLVE_EXISTING, &err), -1);
	cr_assert_eq(err->errnum, ENOENT);
	vs_error_release(&err);
	close(root);
}

Test(container, sysctls_allowed_on_a_shared_kernel_only_when_namespaced)
{
	bool ns[AGENT_NS_COUNT] = { 0 };

	cr_assert(agent_sysctl_allowed("vm.overcommit_memory", true, ns));
	cr_assert_not(agent_sysctl_allowed("vm.overcommit_memory", false, ns));
	cr_assert_not(agent_sysctl_allowed("net.ipv4.ip_forward", false, ns));
	ns[AGENT_NS_NET] = true;
	cr_assert(agent_sysctl_allowed("net.ipv4.ip_forward", false, ns));
	cr_assert_not(agent_sysctl_allowed("kernel.shmmax", false, ns));
	ns[AGENT_NS_IPC] = true;
	cr_assert(agent_sysctl_allowed("kernel.shmmax", false, ns));
	cr_assert(agent_sysctl_allowed("fs.mqueue.msg_max", false, ns));
	cr_assert_not(agent_sysctl_allowed("net/../../x", true, ns));
	cr_assert_not(agent_sysctl_allowed("", true, ns));
	cr_assert_not(agent_sysctl_allowed("/etc", true, ns));
}

TestSuite(env, .init = make_tmp, .fini = remove_tmp);

Test(env, home_from_passwd)
{
	char path[PATH_MAX * 2];
	FILE *f;
	char *home;

	snprintf(path, sizeof(path), "%s/passwd", tmp);
	f = fopen(path, "w");
	fputs("root:x:0:0:root:/root:/bin/sh\nbroken\nnohome:x:7:7::relative:/bin/sh\n"
	      "user:x:1000:1000:A User:/home/user:/bin/sh",
	      f);
	fclose(f);
	home = agent_env_home(path, 1000);
	cr_assert_str_eq(home, "/home/user");
	free(home);
	home = agent_env_home(path, 0);
	cr_assert_str_eq(home, "/root");
	free(home);
	/* As runc reads it: the field as written. */
	home = agent_env_home(path, 7);
	cr_assert_str_eq(home, "relative");
	free(home);
	home = agent_env_home(path, 8);
	cr_assert_str_eq(home, "/");
	free(home);
	home = agent_env_home("/nonexistent", 0);
	cr_assert_str_eq(home, "/");
	free(home);
}

/* agent_env_make() of env (NULL: none) for uid, joined with spaces. */
static char *env_of(char **list, size_t n, uid_t uid)
{
	char path[PATH_MAX * 2];
	struct oci_process p = { .env = list, .n_env = n, .user = { .uid = uid } };
	struct vs_strv joined = { 0 };
	char **env, *text;

	snprintf(path, sizeof(path), "%s/passwd", tmp);
	env = agent_env_make(&p, path);
	for (size_t i = 0; env[i] != NULL; i++)
		vs_strv_push(&joined, env[i]);
	agent_env_free(env);
	text = vs_strv_join(&joined, " ");
	vs_strv_clear(&joined);
	return text;
}

Test(env, as_runc_prepares_it)
{
	char path[PATH_MAX * 2];
	char *text;

	snprintf(path, sizeof(path), "%s/passwd", tmp);
	cr_assert_eq(
	    vs_write_file_atomic(path, "user:x:1000:1000::/home/user:/bin/sh\n", 37, 0644, NULL),
	    0);

	/* Each name once, with its last value, where the last one stands. */
	text = env_of((char *[]){ "A=1", "B=2", "A=3", "AB=4", "B=", NULL }, 5, 1000);
	cr_assert_str_eq(text, "A=3 AB=4 B= HOME=/home/user");
	free(text);
	/* An empty HOME is replaced; one with a value is kept. */
	text = env_of((char *[]){ "HOME=/x", "PATH=/bin", "HOME=", NULL }, 3, 1000);
	cr_assert_str_eq(text, "PATH=/bin HOME=/home/user");
	free(text);
	text = env_of((char *[]){ "HOME=", "HOME=/x", NULL }, 2, 1000);
	cr_assert_str_eq(text, "HOME=/x");
	free(text);
	/* A uid without an entry: "/". */
	text = env_of((char *[]){ NULL }, 0, 4242);
	cr_assert_str_eq(text, "HOME=/");
	free(text);
	/* No process.env at all: no environment, not even HOME. */
	text = env_of(NULL, 0, 1000);
	cr_assert_str_eq(text, "");
	free(text);
}

Test(sync, messages_and_descriptors)
{
	struct agent_sync_msg m = { .kind = AGENT_SYNC_FAILED, .errnum = 2, .status = 127 }, got;
	struct vs_error *err = NULL;
	int sv[2], p[2], fd;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(pipe(p), 0);
	strcpy(m.message, "exec: \"x\": not found");
	cr_assert_eq(agent_sync_send(sv[1], &m, p[1], NULL), 0);
	cr_assert_eq(agent_sync_recv(sv[0], &got, &fd, NULL), 1);
	cr_assert_eq(got.kind, AGENT_SYNC_FAILED);
	cr_assert_eq(got.status, 127);
	cr_assert_str_eq(got.message, "exec: \"x\": not found");
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "z", 1), 1, "the descriptor came across");
	cr_assert_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	close(sv[1]);
	cr_assert_eq(agent_sync_recv(sv[0], &got, &fd, &err), 0, "end-of-file");
	close(sv[0]);
	close(p[0]);
	close(p[1]);
}

Test(pty, open_resize_and_eof)
{
	struct vs_error *err = NULL;
	struct winsize ws;
	int master, slave;
	char c;

	cr_assert_eq(agent_pty_open(getuid(), 24, 80, &master, &slave, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert_eq(ioctl(slave, TIOCGWINSZ, &ws), 0);
	cr_assert_eq(ws.ws_row, 24);
	cr_assert_eq(ws.ws_col, 80);
	cr_assert_eq(agent_pty_resize(master, 50, 100, NULL), 0);
	cr_assert_eq(ioctl(slave, TIOCGWINSZ, &ws), 0);
	cr_assert_eq(ws.ws_col, 100);
	cr_assert_eq(agent_pty_send_eof(master, NULL), 0);
	/* Canonical mode: the EOF character ends the (empty) line: read returns 0. */
	cr_assert_eq(read(slave, &c, 1), 0);
	close(master);
	close(slave);
}

Test(pty, onlcr_set_through_the_master)
{
	char buf[16];
	int master, slave;

	cr_assert_eq(agent_pty_open(getuid(), 0, 0, &master, &slave, NULL), 0);
	cr_assert_eq(agent_pty_set_onlcr(master, false, NULL), 0);
	cr_assert_eq(write(slave, "a\n", 2), 2);
	cr_assert_eq(read(master, buf, sizeof(buf)), 2, "\\n untranslated");
	cr_assert_eq(memcmp(buf, "a\n", 2), 0);
	cr_assert_eq(agent_pty_set_onlcr(master, true, NULL), 0);
	cr_assert_eq(write(slave, "b\n", 2), 2);
	cr_assert_eq(read(master, buf, sizeof(buf)), 3, "\\n as CR-NL");
	cr_assert_eq(memcmp(buf, "b\r\n", 3), 0);
	close(master);
	close(slave);
}

Test(security, seccomp_filter_builds_with_arguments)
{
	char *names[] = { "personality", NULL };
	char *unknown[] = { "no_such_syscall", NULL };
	struct oci_seccomp_arg args[] = {
		{ .index = 0, .value = 0, .op = SCMP_CMP_EQ },
		{ .index = 0, .value = 8, .op = SCMP_CMP_EQ }, /* same index: a rule each */
	};
	struct oci_seccomp_syscall calls[] = {
		{ .names = names,
		  .n_names = 1,
		  .action = SCMP_ACT_ALLOW,
		  .args = args,
		  .n_args = 2 },
		{ .names = unknown, .n_names = 1, .action = SCMP_ACT_ALLOW },
	};
	uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86 };
	struct oci_seccomp s = {
		.default_action = SCMP_ACT_ERRNO(1),
		.architectures = arches,
		.n_architectures = 2,
		.syscalls = calls,
		.n_syscalls = 2,
	};
	struct vs_error *err = NULL;
	scmp_filter_ctx ctx;

	cr_assert_eq(agent_security_seccomp_build(&s, false, &ctx, &err), 0, "%s",
		     err ? err->msg : "");
	cr_assert_not_null(ctx);
	seccomp_release(ctx);
	cr_assert_eq(agent_security_seccomp_build(NULL, false, &ctx, &err), 0);
	cr_assert_null(ctx);
}

Test(security, capability_names)
{
	char buf[64];

	cr_assert_str_eq(agent_security_cap_name(21, buf, sizeof(buf)), "cap_sys_admin");
}
