/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The real agent, run on the host in its test mode: containers made from
 * config.json, their stdio, exit statuses, EXEC, signals, terminals and the
 * security settings, all through the host end of the protocol.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "common/util.h"

static struct harness t;

static void setup(void)
{
	harness_start(&t);
}

static void teardown(void)
{
	harness_stop(&t);
}

TestSuite(agent, .init = setup, .fini = teardown, .timeout = 60);

/* Runs args (a JSON array) as the container's init with extra process fields; waits for EXIT. */
static struct harness_proc *run(const char *args, const char *process_extra, const char *top,
				const char *linux_extra)
{
	char *process =
	    vs_xasprintf("\"args\":%s%s%s", args, process_extra[0] ? "," : "", process_extra);
	char *config = harness_config(process, top, linux_extra);

	harness_run(&t, config);
	free(config);
	free(process);
	return harness_wait_exit(&t, 1);
}

#define H "\"/bin/vshim-testhelper\""

Test(agent, echo_to_stdout_and_exit_zero)
{
	struct harness_proc *p = run("[" H ",\"echo\",\"hello\",\"world\"]", "", "", "");

	cr_assert_str_eq(harness_stdout(&t, 1), "hello world\n");
	cr_assert_str_eq(harness_stderr(&t, 1), "");
	cr_assert_eq(p->status, 0);
	cr_assert_eq(p->signal, 0);
}

Test(agent, stdout_stderr_and_exit_code_through_a_shell)
{
	struct harness_proc *p =
	    run("[\"sh\",\"-c\",\"echo out; echo err >&2; exit 3\"]", "", "", "");

	cr_assert_str_eq(harness_stdout(&t, 1), "out\n");
	cr_assert_str_eq(harness_stderr(&t, 1), "err\n");
	cr_assert_eq(p->status, 3);
}

Test(agent, large_binary_output_is_complete_and_in_order)
{
	const size_t n = 3u << 20;
	struct harness_proc *p = run("[" H ",\"bytes\",\"3145728\"]", "", "", "");

	cr_assert_eq(p->status, 0);
	cr_assert_eq(proto_buf_pending(&p->out), n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(proto_buf_peek(&p->out)[i], (uint8_t)(i % 251), "byte %zu", i);
}

Test(agent, stdin_round_trip_binary_with_window)
{
	const size_t n = 1u << 20;
	uint8_t *data = vs_xmalloc(n);
	char *config = harness_config("\"args\":[" H ",\"cat\"]", "", "");
	struct harness_proc *p;

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	harness_run(&t, config);
	harness_stdin(&t, 1, data, n, true);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 0);
	cr_assert_eq(proto_buf_pending(&p->out), n);
	cr_assert_eq(memcmp(proto_buf_peek(&p->out), data, n), 0);
	cr_assert_eq(proto_host_stdin_room(t.host, 1), 0, "the process is gone");
	free(data);
	free(config);
}

Test(agent, exec_not_found_is_127_at_create)
{
	char *config = harness_config("\"args\":[\"no-such-program\"]", "", "");
	struct proto_host_msg m = harness_create(&t, config);

	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.request, PROTO_CREATE);
	cr_assert_eq(m.error.status, 127);
	cr_assert_eq(m.error.errnum, ENOENT);
	cr_assert(strstr(m.error.message, "exec: \"no-such-program\": executable file not found in "
					  "$PATH"),
		  "%s", m.error.message);
	cr_assert_not(proto_host_process_known(t.host, 1));
	proto_host_msg_clear(&m);
	free(config);
}

Test(agent, exec_not_executable_is_126)
{
	char *config = harness_config("\"args\":[\"/etc/passwd\"]", "", "");
	struct proto_host_msg m = harness_create(&t, config);

	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.error.status, 126);
	cr_assert_eq(m.error.errnum, EACCES);
	proto_host_msg_clear(&m);
	free(config);
}

Test(agent, bad_cwd_is_an_error_with_a_message)
{
	/* A file: made already, as far as mkdir -p goes, and no directory to enter. */
	char *config = harness_config("\"args\":[" H ",\"cwd\"],\"cwd\":" H, "", "");
	struct proto_host_msg m = harness_create(&t, config);

	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.error.status, 0);
	cr_assert(strstr(m.error.message, "chdir to cwd (\"/bin/vshim-testhelper\") set in "
					  "config.json failed: Not a directory"),
		  "%s", m.error.message);
	proto_host_msg_clear(&m);
	free(config);
}

Test(agent, invalid_config_is_refused)
{
	struct proto_host_msg m = harness_create(&t, "{\"ociVersion\":1}");

	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.request, PROTO_CREATE);
	proto_host_msg_clear(&m);
}

Test(agent, user_groups_env_cwd_and_home)
{
	struct harness_proc *p;

	p = run("[\"sh\",\"-c\",\"/bin/vshim-testhelper id; /bin/vshim-testhelper cwd; "
		"/bin/vshim-testhelper env\"]",
		"\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[20,5]},\"cwd\":\"/tmp\"",
		"", "");
	cr_assert_eq(p->status, 0, "%s", harness_stderr(&t, 1));
	cr_assert(strstr(harness_stdout(&t, 1), "uid=1000 gid=1000 groups=5,20\n/tmp\n"), "%s",
		  harness_stdout(&t, 1));
	cr_assert(strstr(harness_stdout(&t, 1), "\nFOO=bar\n"));
	cr_assert(strstr(harness_stdout(&t, 1), "\nHOME=/home/user\n"), "%s",
		  harness_stdout(&t, 1));
}

Test(agent, pid_namespace_and_hostname)
{
	struct harness_proc *p = run("[\"sh\",\"-c\",\"/bin/vshim-testhelper pid; "
				     "/bin/vshim-testhelper hostname\"]",
				     "", "\"domainname\":\"example.org\"", "");

	/* The shell is the namespace's init, the helper its child. */
	cr_assert_eq(p->status, 0);
	cr_assert_str_eq(harness_stdout(&t, 1), "pid=2 ppid=1\nvshim-test\nexample.org\n");
}

Test(agent, capabilities_and_no_new_privileges)
{
	struct harness_proc *p = run("[" H ",\"caps\"]", "\"noNewPrivileges\":true", "", "");
	/* runc's default set: bits 0-8, 10, 13, 18, 29, 31. */
	const char *want = "CapEff:\t00000000a80425fb\n";

	cr_assert_eq(p->status, 0);
	cr_assert(strstr(harness_stdout(&t, 1), want), "%s", harness_stdout(&t, 1));
	cr_assert(strstr(harness_stdout(&t, 1), "CapBnd:\t00000000a80425fb\n"));
}

Test(agent, rlimits_and_umask)
{
	struct harness_proc *p =
	    run("[\"sh\",\"-c\",\"/bin/vshim-testhelper rlimits; /bin/vshim-testhelper umask\"]",
		"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":200,\"soft\":100}],"
		"\"user\":{\"uid\":0,\"gid\":0,\"umask\":63}",
		"", "");

	cr_assert_eq(p->status, 0);
	cr_assert(strstr(harness_stdout(&t, 1), "RLIMIT_NOFILE 100 200\n"), "%s",
		  harness_stdout(&t, 1));
	cr_assert(strstr(harness_stdout(&t, 1), "\n0077\n"), "%s", harness_stdout(&t, 1));
}

Test(agent, seccomp_errno_ret)
{
	struct harness_proc *p =
	    run("[\"sh\",\"-c\",\"/bin/vshim-testhelper syscall-test mkdir; "
		"/bin/vshim-testhelper syscall-test getcwd\"]",
		"", "",
		"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_"
		"X86_64\"],"
		"\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\","
		"\"errnoRet\":38}]}");

	cr_assert_eq(p->status, 0, "%s", harness_stderr(&t, 1));
	cr_assert_str_eq(harness_stdout(&t, 1), "errno=38\nok\n");
}

Test(agent, masked_and_readonly_paths)
{
	struct harness_proc *p =
	    run("[\"sh\",\"-c\",\"/bin/vshim-testhelper read-file /proc/kcore; echo :; "
		"/bin/vshim-testhelper ls /sys/firmware; echo :; "
		"/bin/vshim-testhelper write-file /proc/sys/kernel/hostname x\"]",
		"", "", "");

	cr_assert_eq(p->status, 1);
	cr_assert_str_eq(harness_stdout(&t, 1), ":\n:\n");
	cr_assert(strstr(harness_stderr(&t, 1), "Read-only file system"), "%s",
		  harness_stderr(&t, 1));
}

Test(agent, readonly_root)
{
	struct harness_proc *p = run("[" H ",\"write-file\",\"/x\",\"y\"]", "",
				     "\"root\":{\"path\":\"rootfs\",\"readonly\":true}", "");

	cr_assert_eq(p->status, 1);
	cr_assert(strstr(harness_stderr(&t, 1), "Read-only file system"), "%s",
		  harness_stderr(&t, 1));
}

Test(agent, dev_has_the_default_nodes)
{
	struct harness_proc *p = run("[" H ",\"ls\",\"/dev\"]", "", "", "");

	cr_assert_eq(p->status, 0);
	cr_assert_str_eq(harness_stdout(&t, 1), "fd\nfull\nmqueue\nnull\nptmx\npts\nrandom\nshm\n"
						"stderr\nstdin\nstdout\ntty\nurandom\nzero\n");
}

Test(agent, terminal_with_console_size_and_resize)
{
	char *config =
	    harness_config("\"args\":[\"sh\",\"-c\",\"read x; /bin/vshim-testhelper "
			   "isatty; /bin/vshim-testhelper winsize\"],"
			   "\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80}",
			   "", "");
	struct proto_host_msg m;
	struct harness_proc *p;
	uint32_t tag;

	harness_run(&t, config);
	cr_assert_eq(proto_host_resize(t.host, &t.to_agent, 1, 40, 132, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK);
	proto_host_msg_clear(&m);
	harness_stdin(&t, 1, "go\n", 3, false);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 0);
	/* The terminal echoes input and turns \n into \r\n. */
	cr_assert(strstr(harness_stdout(&t, 1), "0 yes /dev/pts/0\r\n1 yes /dev/pts/0\r\n2 yes "
						"/dev/pts/0\r\n40 132\r\n"),
		  "%s", harness_stdout(&t, 1));
	free(config);
}

Test(agent, exec_into_the_container)
{
	char *config = harness_config("\"args\":[" H ",\"wait-signal\"]", "", "");
	struct proto_host_msg m;
	struct harness_proc *p;
	uint32_t id;

	harness_run(&t, config);
	m = harness_exec(&t,
			 "{\"args\":[\"/bin/vshim-testhelper\",\"pid\"],\"cwd\":\"/\","
			 "\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0}}",
			 &id);
	cr_assert_eq(m.type, PROTO_PID, "%s", m.type == PROTO_ERROR ? m.error.message : "");
	cr_assert_eq(id, 2);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, id);
	cr_assert_eq(p->status, 0);
	/* In the container's pid namespace, started from outside it. */
	cr_assert(strncmp(harness_stdout(&t, id), "pid=", 4) == 0);
	cr_assert(strstr(harness_stdout(&t, id), " ppid=0\n"), "%s", harness_stdout(&t, id));
	cr_assert_str_neq(harness_stdout(&t, id), "pid=1 ppid=0\n");
	cr_assert_not(harness_proc(&t, 1)->exited);
	free(config);
}

Test(agent, exec_failure_has_no_exit)
{
	char *config = harness_config("\"args\":[" H ",\"wait-signal\"]", "", "");
	struct proto_host_msg m;
	uint32_t id;

	harness_run(&t, config);
	m = harness_exec(&t, "{\"args\":[\"nope\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}",
			 &id);
	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.error.status, 127);
	cr_assert_not(proto_host_process_known(t.host, id));
	proto_host_msg_clear(&m);
	/* The host decoder would refuse any later message about id: pump a while. */
	for (int i = 0; i < 10; i++)
		harness_pump(&t, 20);
	free(config);
}

Test(agent, signal_to_a_handler_and_kill)
{
	char *config = harness_config("\"args\":[" H ",\"wait-signal\"]", "", "");
	struct proto_host_msg m;
	struct harness_proc *p;
	uint32_t tag;

	harness_run(&t, config);
	while (strcmp(harness_stdout(&t, 1), "ready\n") != 0)
		harness_pump(&t, 50);
	cr_assert_eq(proto_host_signal(t.host, &t.to_agent, 1, SIGUSR1, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, SIGUSR1);
	cr_assert_str_eq(harness_stdout(&t, 1), "ready\nsignal 10\n");
	free(config);
}

Test(agent, kill_all_and_exit_by_signal)
{
	char *config = harness_config("\"args\":[" H ",\"sleep\",\"30\"]", "", "");
	struct proto_host_msg m;
	struct harness_proc *p;
	uint32_t id, tag;

	harness_run(&t, config);
	m = harness_exec(&t,
			 "{\"args\":[\"/bin/vshim-testhelper\",\"sleep\",\"30\"],\"cwd\":\"/\","
			 "\"user\":{\"uid\":0,\"gid\":0}}",
			 &id);
	cr_assert_eq(m.type, PROTO_PID);
	proto_host_msg_clear(&m);
	cr_assert_eq(proto_host_signal(t.host, &t.to_agent, 0, SIGKILL, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 137);
	cr_assert_eq(p->signal, SIGKILL);
	p = harness_wait_exit(&t, id);
	cr_assert_eq(p->status, 137);
	free(config);
}

Test(agent, ps_lists_the_container_processes)
{
	char *config = harness_config("\"args\":[" H ",\"sleep\",\"30\"]", "", "");
	struct proto_host_msg created, m;
	uint32_t tag, pid;

	created = harness_create(&t, config);
	cr_assert_eq(created.type, PROTO_PID);
	pid = created.pid;
	proto_host_msg_clear(&created);
	cr_assert_eq(proto_host_ps(t.host, &t.to_agent, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_PS_REPLY);
	cr_assert_eq(m.ps.n, 1);
	/* The pid the container sees: its pid namespace's init. */
	cr_assert_neq(pid, 1);
	cr_assert_eq(m.ps.pids[0], 1);
	proto_host_msg_clear(&m);
	free(config);
}

Test(agent, exec_before_create_is_refused)
{
	struct proto_host_msg m;
	uint32_t id;

	m = harness_exec(
	    &t, "{\"args\":[\"/bin/sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}", &id);
	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.error.errnum, ESRCH);
	cr_assert_str_eq(m.error.message, "the container is not running");
	proto_host_msg_clear(&m);
}

Test(agent, kill_before_start_reports_exit)
{
	char *config = harness_config("\"args\":[" H ",\"echo\",\"never\"]", "", "");
	struct proto_host_msg m = harness_create(&t, config);
	struct harness_proc *p;
	uint32_t tag;

	cr_assert_eq(m.type, PROTO_PID);
	proto_host_msg_clear(&m);
	cr_assert_eq(proto_host_signal(t.host, &t.to_agent, 1, SIGKILL, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 137);
	cr_assert_str_eq(harness_stdout(&t, 1), "");
	free(config);
}

/* Volumes: entries of the volume share named by their index, a directory and a file. */
Test(agent, bind_mounts_of_directory_and_file_volumes)
{
	char vol[PATH_MAX + 32], dir[PATH_MAX + 32], file[PATH_MAX + 32];
	const char *mounts_extra =
	    "\"mounts\":["
	    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	    "{\"destination\":\"/mnt/data\",\"type\":\"bind\",\"source\":\"/h/d\","
	    "\"options\":[\"rbind\",\"ro\"]},"
	    "{\"destination\":\"/etc/greeting\",\"type\":\"bind\","
	    "\"source\":\"/h/greeting\",\"options\":[\"bind\"]}]";
	struct proto_bind binds[] = { { 1 }, { 2 } };
	char *process = vs_xasprintf("\"args\":[\"sh\",\"-c\",\"cat /mnt/data/f /etc/greeting; "
				     "echo x > /mnt/data/g\"]");
	char *config = harness_config(process, mounts_extra, "");
	struct proto_host_msg m;
	uint32_t tag;
	struct harness_proc *p;
	FILE *f;

	snprintf(vol, sizeof(vol), "%s/vol", t.shares);
	snprintf(dir, sizeof(dir), "%s/1", vol);
	snprintf(file, sizeof(file), "%s/2", vol);
	cr_assert_eq(mkdir(vol, 0755), 0);
	cr_assert_eq(mkdir(dir, 0755), 0);
	strcat(dir, "/f");
	f = fopen(dir, "w");
	fputs("from a directory\n", f);
	fclose(f);
	f = fopen(file, "w");
	fputs("from a file\n", f);
	fclose(f);
	cr_assert_eq(proto_host_create(t.host, &t.to_agent, "test", config, strlen(config), binds,
				       2, NULL, &tag, NULL),
		     0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_PID, "%s", m.type == PROTO_ERROR ? m.error.message : "");
	proto_host_msg_clear(&m);
	cr_assert_eq(proto_host_start(t.host, &t.to_agent, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, 1);
	cr_assert_str_eq(harness_stdout(&t, 1), "from a directory\nfrom a file\n");
	cr_assert(strstr(harness_stderr(&t, 1), "Read-only file system"), "%s",
		  harness_stderr(&t, 1));
	cr_assert_eq(p->status, 1);
	free(process);
	free(config);
}

Test(agent, shutdown_ends_the_agent)
{
	char *config = harness_config("\"args\":[" H ",\"sleep\",\"30\"]", "", "");
	struct proto_host_msg m;
	uint32_t tag;
	int status;

	harness_run(&t, config);
	cr_assert_eq(proto_host_shutdown(t.host, &t.to_agent, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_OK);
	proto_host_msg_clear(&m);
	cr_assert_eq(waitpid(t.agent, &status, 0), t.agent);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	t.agent = 0;
	free(config);
}

Test(agent, terminal_eof_ends_cat)
{
	char *config =
	    harness_config("\"args\":[\"/bin/busybox\",\"cat\"],\"terminal\":true", "", "");
	struct harness_proc *p;

	harness_run(&t, config);
	harness_stdin(&t, 1, "abc\n", 4, true);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 0);
	/* Echoed by the terminal, then written back by cat. */
	cr_assert_str_eq(harness_stdout(&t, 1), "abc\r\nabc\r\n");
	free(config);
}

Test(agent, exec_with_a_terminal)
{
	char *config = harness_config("\"args\":[" H ",\"sleep\",\"30\"]", "", "");
	struct proto_host_msg m;
	uint32_t id;

	harness_run(&t, config);
	m = harness_exec(&t,
			 "{\"args\":[\"/bin/vshim-testhelper\",\"isatty\"],\"cwd\":\"/\","
			 "\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0}}",
			 &id);
	cr_assert_eq(m.type, PROTO_PID, "%s", m.type == PROTO_ERROR ? m.error.message : "");
	proto_host_msg_clear(&m);
	cr_assert_eq(harness_wait_exit(&t, id)->status, 0);
	cr_assert_str_eq(harness_stdout(&t, id),
			 "0 yes /dev/pts/0\r\n1 yes /dev/pts/0\r\n2 yes /dev/pts/0\r\n");
	free(config);
}

Test(agent, death_by_signal_of_an_exec_process)
{
	char *config = harness_config("\"args\":[" H ",\"sleep\",\"30\"]", "", "");
	struct proto_host_msg m;
	struct harness_proc *p;
	uint32_t id;

	harness_run(&t, config);
	m = harness_exec(&t,
			 "{\"args\":[\"/bin/vshim-testhelper\",\"kill-self\",\"TERM\"],"
			 "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}",
			 &id);
	cr_assert_eq(m.type, PROTO_PID);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, id);
	cr_assert_eq(p->status, 143);
	cr_assert_eq(p->signal, SIGTERM);
	free(config);
}

Test(agent, execve_failing_at_start_is_an_error_then_exit)
{
	char *config = harness_config("\"args\":[\"/bin/prog\"]", "", "");
	char path[1024];
	struct proto_host_msg m;
	struct harness_proc *p;
	uint32_t tag;

	/* Executable at CREATE, gone at START. */
	harness_write(&t, "/bin/prog", "#!/bin/sh\necho hi\n", 0755);
	m = harness_create(&t, config);
	cr_assert_eq(m.type, PROTO_PID, "%s", m.type == PROTO_ERROR ? m.error.message : "");
	proto_host_msg_clear(&m);
	snprintf(path, sizeof(path), "%s/bin/prog", t.rootfs);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(proto_host_start(t.host, &t.to_agent, &tag, NULL), 0);
	m = harness_reply(&t, tag);
	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_eq(m.request, PROTO_START);
	cr_assert_eq(m.error.status, 127);
	cr_assert(strstr(m.error.message, "exec: \"/bin/prog\""), "%s", m.error.message);
	proto_host_msg_clear(&m);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 127);
	free(config);
}

/* The agent's resident memory in KiB. */
static long agent_rss_kib(void)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t.agent);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

Test(agent, a_slow_host_does_not_make_the_agent_buffer_everything)
{
	const size_t n = 64u << 20;
	char *config = harness_config("\"args\":[" H ",\"bytes\",\"67108864\"]", "", "");
	struct harness_proc *p;
	long rss;

	harness_run(&t, config);
	/* The host reads nothing for a while: the agent must stop reading the child. */
	usleep(1500 * 1000);
	rss = agent_rss_kib();
	cr_assert_lt(rss, 24 * 1024, "the agent holds %ld KiB of a 64 MiB output", rss);
	p = harness_wait_exit(&t, 1);
	cr_assert_eq(p->status, 0);
	cr_assert_eq(proto_buf_pending(&p->out), n);
	free(config);
}

Test(agent, the_stdin_window_holds_the_host_back)
{
	char *config = harness_config("\"args\":[" H ",\"sleep\",\"30\"]", "", "");
	static uint8_t data[1u << 20];
	size_t sent = 0;

	harness_run(&t, config);
	/* The process never reads: at most the window (and not more) can be in flight. */
	for (int i = 0; i < 50; i++) {
		size_t room = proto_host_stdin_room(t.host, 1);

		if (room > 0) {
			cr_assert_eq(
			    proto_host_stdin(t.host, &t.to_agent, 1, data + sent, room, NULL), 0);
			sent += room;
		}
		harness_pump(&t, 10);
	}
	/* The pipe (64 KiB) took some and the agent credited it; the rest waits in the window. */
	cr_assert_geq(sent, PROTO_STDIN_WINDOW_SIZE);
	cr_assert_lt(sent, PROTO_STDIN_WINDOW_SIZE + (128u << 10), "sent %zu", sent);
	cr_assert_lt(proto_host_stdin_room(t.host, 1), 64u << 10);
	free(config);
}

Test(agent, sysctl_oom_score_devices_and_ambient_capabilities)
{
	struct harness_proc *p = run(
	    "[\"sh\",\"-c\",\"/bin/vshim-testhelper read-file /proc/sys/net/ipv4/ip_forward; "
	    "/bin/vshim-testhelper read-file /proc/self/oom_score_adj; "
	    "stat -c '%F %t %T %a %u' /dev/fuse; "
	    "/bin/vshim-testhelper caps | grep -E 'CapAmb|CapEff'; /bin/vshim-testhelper id\"]",
	    "\"oomScoreAdj\":500,\"user\":{\"uid\":1000,\"gid\":1000},"
	    "\"capabilities\":{\"bounding\":[\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"],"
	    "\"effective\":[\"CAP_NET_BIND_SERVICE\"],\"permitted\":[\"CAP_NET_BIND_SERVICE\"],"
	    "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_NET_BIND_SERVICE\"]}",
	    "",
	    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
	    "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
	    "\"fileMode\":384,\"uid\":1000,\"gid\":0}]");

	cr_assert_eq(p->status, 0, "%s", harness_stderr(&t, 1));
	/* The shell runs as 1000 with the ambient capability, and so does its child. */
	cr_assert_str_eq(harness_stdout(&t, 1), "1\n500\ncharacter special file a e5 600 1000\n"
						"CapEff:\t0000000000000400\n"
						"CapAmb:\t0000000000000400\n"
						"uid=1000 gid=1000 groups=\n");
}

Test(agent, sysctl_outside_the_containers_namespaces_is_refused_on_a_shared_kernel)
{
	char *config = harness_config("\"args\":[" H ",\"echo\"]", "",
				      "\"sysctl\":{\"vm.swappiness\":\"10\"}");
	struct proto_host_msg m = harness_create(&t, config);

	cr_assert_eq(m.type, PROTO_ERROR);
	cr_assert_str_eq(m.error.message, "linux.sysctl: \"vm.swappiness\" cannot be set here");
	proto_host_msg_clear(&m);
	free(config);
}
