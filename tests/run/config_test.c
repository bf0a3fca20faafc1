/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent applies from config.json, seen from inside a real VM: user
 * and groups, umask, rlimits, host and domain name, capabilities,
 * noNewPrivileges, seccomp, oomScoreAdj, namespaces, sysctl, and the
 * io.vshim.* annotations that size the VM.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtest.h"

static struct rt t;

static void setup(void)
{
	rt_setup(&t);
}

static void teardown(void)
{
	rt_teardown(&t);
}

TestSuite(config, .init = setup, .fini = teardown, .timeout = 120);

#define SH(script) "[\"sh\",\"-c\",\"" script "\"]"
#define HELPER	   "/bin/vshim-testhelper"

/* Boots the container of cfg and asserts it succeeded; the caller frees the result. */
static struct rt_result run_ok(const struct rt_cfg *cfg)
{
	struct rt_result r = rt_run_config(&t, cfg);

	rt_assert_ok(r);
	return r;
}

Test(config, user_uid_gid_and_additional_gids)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " id; " HELPER " env | grep ^HOME="),
	    .user = "{\"uid\":1000,\"gid\":1000,\"additionalGids\":[20,5,1000]}",
	});

	cr_assert_str_eq(r.out, "uid=1000 gid=1000 groups=5,20,1000\nHOME=/home/user\n");
	rt_result_free(&r);
}

Test(config, user_without_passwd_entry)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " id; " HELPER " env | grep ^HOME="),
	    .user = "{\"uid\":4242,\"gid\":77}",
	});

	/* No supplementary groups unless asked for; HOME falls back to "/". */
	cr_assert_str_eq(r.out, "uid=4242 gid=77 groups=\nHOME=/\n");
	rt_result_free(&r);
}

Test(config, umask_is_applied)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " umask; touch /tmp/f; stat -c %a /tmp/f"),
	    .user = "{\"uid\":0,\"gid\":0,\"umask\":23}",
	});

	cr_assert_str_eq(r.out, "0027\n640\n");
	rt_result_free(&r);
}

Test(config, default_umask_is_0022)
{
	struct rt_result r = run_ok(&(struct rt_cfg){ .args = "[" H ",\"umask\"]" });

	cr_assert_str_eq(r.out, "0022\n");
	rt_result_free(&r);
}

Test(config, rlimits_are_applied)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = "[" H ",\"rlimits\"]",
	    .process = "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":300,\"soft\":200},"
		       "{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0},"
		       "{\"type\":\"RLIMIT_NPROC\",\"hard\":77,\"soft\":66}]",
	});

	cr_assert_not_null(strstr(r.out, "RLIMIT_NOFILE 200 300\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "RLIMIT_CORE 0 0\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "RLIMIT_NPROC 66 77\n"), "%s", r.out);
	rt_result_free(&r);
}

Test(config, hostname_and_domainname)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = "[" H ",\"hostname\"]",
	    .hostname = "\"box-1\"",
	    .top = "\"domainname\":\"example.org\"",
	});

	cr_assert_str_eq(r.out, "box-1\nexample.org\n");
	rt_result_free(&r);
}

Test(config, hostname_without_uts_namespace_is_refused)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = "[" H ",\"hostname\"]",
				  .namespaces = "[{\"type\":\"pid\"},{\"type\":\"mount\"}]",
			      });

	cr_assert_neq(r.status, 0, "the hostname was set in the VM's own uts namespace");
	cr_assert_not_null(strstr(r.err, "uts namespace"), "stderr: %s", r.err);
	cr_assert_str_empty(r.out);
	rt_result_free(&r);
}

Test(config, default_capabilities)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " caps | grep -E 'CapEff|CapBnd|CapAmb'; " HELPER
			      " syscall-test chroot; " HELPER " syscall-test sethostname; " HELPER
			      " no-new-privs"),
	});

	/* runc's default set: bits 0-8, 10, 13, 18, 29, 31; CAP_SYS_CHROOT in, CAP_SYS_ADMIN out.
	 */
	cr_assert_str_eq(r.out, "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n"
				"CapAmb:\t0000000000000000\nok\nerrno=1\n0\n");
	rt_result_free(&r);
}

Test(config, dropped_capabilities)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " caps | grep -E 'CapPrm|CapEff|CapBnd'; " HELPER
			      " syscall-test chroot; " HELPER " syscall-test sethostname"),
	    .caps = "{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
		    "\"permitted\":[\"CAP_KILL\"]}",
	});

	/* CAP_KILL is bit 5; without CAP_SYS_CHROOT and CAP_SYS_ADMIN both calls fail. */
	cr_assert_str_eq(r.out, "CapPrm:\t0000000000000020\nCapEff:\t0000000000000020\n"
				"CapBnd:\t0000000000000020\nerrno=1\nerrno=1\n");
	rt_result_free(&r);
}

Test(config, no_new_privileges)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " no-new-privs; grep NoNewPrivs /proc/self/status"),
	    .process = "\"noNewPrivileges\":true",
	});

	cr_assert_str_eq(r.out, "1\nNoNewPrivs:\t1\n");
	rt_result_free(&r);
}

#define SECCOMP_DENY_MKDIR(ret)                                                                   \
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","                                      \
	"\"architectures\":[\"SCMP_ARCH_X86_64\"],"                                               \
	"\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"" ret "}," \
	"{\"names\":[\"no_such_syscall\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"

Test(config, seccomp_profile_denies_a_syscall)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " syscall-test mkdir; " HELPER " syscall-test getcwd"),
	    .linux_ = SECCOMP_DENY_MKDIR(",\"errnoRet\":95"),
	});

	cr_assert_str_eq(r.out, "errno=95\nok\n");
	rt_result_free(&r);
}

Test(config, seccomp_errno_defaults_to_eperm_with_no_new_privileges)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " syscall-test mkdir; " HELPER " syscall-test socket"),
	    .process = "\"noNewPrivileges\":true",
	    .linux_ = SECCOMP_DENY_MKDIR(""),
	});

	cr_assert_str_eq(r.out, "errno=1\nok\n");
	rt_result_free(&r);
}

Test(config, seccomp_kill_is_death_by_sigsys)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = "[" H ",\"syscall-test\",\"mkdir\"]",
				  .linux_ = "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
					    "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
					    "\"action\":\"SCMP_ACT_KILL\"}]}",
			      });

	cr_assert_eq(r.status, 128 + SIGSYS, "status %d; stderr: %s", r.status, r.err);
	rt_result_free(&r);
}

Test(config, oom_score_adj)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = "[" H ",\"read-file\",\"/proc/self/oom_score_adj\"]",
	    .process = "\"oomScoreAdj\":-250",
	});

	cr_assert_str_eq(r.out, "-250\n");
	rt_result_free(&r);
}

Test(config, pid_namespace_makes_the_process_its_init)
{
	struct rt_result r = run_ok(&(struct rt_cfg){ .args = "[" H ",\"pid\"]" });

	cr_assert_str_eq(r.out, "pid=1 ppid=0\n");
	rt_result_free(&r);
}

/* The helper compares its namespaces with PID 1's (the agent): it needs CAP_SYS_PTRACE. */
#define PTRACE_CAPS                                                              \
	"{\"bounding\":[\"CAP_SYS_PTRACE\"],\"effective\":[\"CAP_SYS_PTRACE\"]," \
	"\"permitted\":[\"CAP_SYS_PTRACE\"]}"

Test(config, namespaces_requested_are_new)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = "[" H ",\"ns\"]",
	    .caps = PTRACE_CAPS,
	    .namespaces = "[{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
			  "{\"type\":\"cgroup\"},{\"type\":\"mount\"}]",
	});

	cr_assert_str_eq(r.out, "cgroup new\nipc new\nmnt new\nnet new\npid same\nuts new\n");
	rt_result_free(&r);
}

Test(config, namespaces_not_requested_are_the_vms)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = "[" H ",\"ns\"]",
	    .caps = PTRACE_CAPS,
	    .hostname = "",
	    .namespaces = "[{\"type\":\"mount\"}]",
	});

	/* The mount namespace is always new: the agent pivots into the root. */
	cr_assert_str_eq(r.out, "cgroup same\nipc same\nmnt new\nnet same\npid same\nuts same\n");
	rt_result_free(&r);
}

Test(config, sysctl_is_set_in_the_containers_namespaces)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " read-file /proc/sys/net/ipv4/ip_forward; " HELPER
			      " read-file /proc/sys/kernel/msgmax"),
	    .linux_ = "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.msgmax\":\"12345\"}",
	});

	cr_assert_str_eq(r.out, "1\n12345\n");
	rt_result_free(&r);
}

Test(config, sysctl_of_the_vms_own_kernel_is_allowed)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = "[" H ",\"read-file\",\"/proc/sys/vm/swappiness\"]",
	    .linux_ = "\"sysctl\":{\"vm.swappiness\":\"17\"}",
	});

	/* The kernel is the container's own: what runc refuses on a shared kernel is fine. */
	cr_assert_str_eq(r.out, "17\n");
	rt_result_free(&r);
}

Test(config, unknown_sysctl_fails_with_a_message)
{
	struct rt_result r =
	    rt_run_config(&t, &(struct rt_cfg){
				  .args = "[" H ",\"echo\",\"ran\"]",
				  .linux_ = "\"sysctl\":{\"kernel.no_such_knob\":\"1\"}",
			      });

	cr_assert_neq(r.status, 0, "the container ran");
	cr_assert_not_null(strstr(r.err, "linux.sysctl: cannot set \"kernel.no_such_knob\""),
			   "stderr: %s", r.err);
	cr_assert_str_empty(r.out);
	rt_result_free(&r);
}

Test(config, vm_size_annotations)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " read-file /sys/devices/system/cpu/online; "
			      "grep MemTotal /proc/meminfo"),
	    .top = "\"annotations\":{\"io.vshim.memory\":\"160\",\"io.vshim.vcpus\":\"2\","
		   "\"io.vshim.accel\":\"tcg\"}",
	});
	long kib = 0;
	const char *mem = strstr(r.out, "MemTotal:");

	cr_assert_not_null(mem, "%s", r.out);
	kib = strtol(mem + strlen("MemTotal:"), NULL, 10);
	cr_assert_eq(strncmp(r.out, "0-1\n", 4), 0, "online CPUs: %s", r.out);
	/* The kernel keeps some of the 160 MiB for itself. */
	cr_assert(kib > 120 * 1024 && kib <= 160 * 1024, "MemTotal %ld KiB for a 160 MiB VM", kib);
	rt_result_free(&r);
}

Test(config, resources_size_the_vm)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " read-file /sys/devices/system/cpu/online; "
			      "grep MemTotal /proc/meminfo"),
	    .linux_ = "\"resources\":{\"memory\":{\"limit\":104857600},"
		      "\"cpu\":{\"quota\":150000,\"period\":100000}}",
	});
	const char *mem = strstr(r.out, "MemTotal:");
	long kib;

	/* ceil(1.5) vCPUs; 100 MiB of limit plus 64 MiB of overhead. */
	cr_assert_eq(strncmp(r.out, "0-1\n", 4), 0, "online CPUs: %s", r.out);
	cr_assert_not_null(mem, "%s", r.out);
	kib = strtol(mem + strlen("MemTotal:"), NULL, 10);
	cr_assert(kib > 124 * 1024 && kib <= 164 * 1024, "MemTotal %ld KiB for a 164 MiB VM", kib);
	rt_result_free(&r);
}

Test(config, terminal_with_console_size)
{
	struct rt_result r;

	/* As runc, run takes its controlling terminal when its stdio are not terminals. */
	rt_config(&t,
		  &(struct rt_cfg){
		      .args = SH(HELPER " isatty; " HELPER " winsize"),
		      .process = "\"terminal\":true,\"consoleSize\":{\"height\":30,\"width\":100}",
		  });
	r = rt_run(&t, &(struct rt_opts){ .ctty = true });
	rt_assert_ok(r);

	/* One pty of the container's own devpts for all three; its output has CRLF. */
	cr_assert_str_eq(r.out, "0 yes /dev/pts/0\r\n1 yes /dev/pts/0\r\n2 yes /dev/pts/0\r\n"
				"30 100\r\n");
	rt_result_free(&r);
}

Test(config, devices_are_created)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH("stat -c '%F %t %T %a %u %g' /dev/fuse /dev/null"),
	    .linux_ = "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
		      "\"minor\":229,\"fileMode\":384,\"uid\":1000,\"gid\":5}]",
	});

	cr_assert_str_eq(r.out, "character special file a e5 600 1000 5\n"
				"character special file 1 3 666 0 0\n");
	rt_result_free(&r);
}

/* The guest kernel has FUSE and TUN: the nodes of --device work, not only exist. */
Test(config, fuse_and_tun_devices_work)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH("mkdir -p /tmp/f && " HELPER " fuse-mount /tmp/f && " HELPER " tun tap9"),
	    .caps = "{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"],"
		    "\"effective\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"],"
		    "\"permitted\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}",
	    .more_mounts = "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}",
	    .linux_ = "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
		      "\"minor\":229},{\"path\":\"/dev/net/tun\",\"type\":\"c\",\"major\":10,"
		      "\"minor\":200}]",
	});

	cr_assert_str_eq(r.out, "ok\nok\n");
	rt_result_free(&r);
}

Test(config, ambient_capabilities_for_a_non_root_user)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " caps | grep -E 'CapEff|CapAmb'; " HELPER " id"),
	    .user = "{\"uid\":1000,\"gid\":1000}",
	    .caps = "{\"bounding\":[\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"],"
		    "\"effective\":[\"CAP_NET_BIND_SERVICE\"],"
		    "\"permitted\":[\"CAP_NET_BIND_SERVICE\"],"
		    "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],"
		    "\"ambient\":[\"CAP_NET_BIND_SERVICE\"]}",
	});

	/* The shell runs as 1000 with the ambient capability, and so does its child. */
	cr_assert_str_eq(r.out, "CapEff:\t0000000000000400\nCapAmb:\t0000000000000400\n"
				"uid=1000 gid=1000 groups=\n");
	rt_result_free(&r);
}

Test(config, personality_linux32)
{
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH("set -- $(" HELPER " uname); echo $4"),
	    .linux_ = "\"personality\":{\"domain\":\"LINUX32\",\"flags\":[]}",
	});

	/* As uname -m says under linux32. */
	cr_assert_str_eq(r.out, "i686\n");
	rt_result_free(&r);
}

Test(config, ambient_capabilities_outside_inheritable_are_left_out)
{
	/* buildah's spec: ambient capabilities that are not inheritable (runc and crun run it). */
	struct rt_result r = run_ok(&(struct rt_cfg){
	    .args = SH(HELPER " caps | grep -E 'CapEff|CapAmb'"),
	    .caps = "{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
		    "\"effective\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
		    "\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
		    "\"inheritable\":[\"CAP_KILL\"],"
		    "\"ambient\":[\"CAP_CHOWN\",\"CAP_KILL\"]}",
	});

	/* CAP_KILL (5) is raised; CAP_CHOWN (0), not inheritable, is not. */
	cr_assert_str_eq(r.out, "CapEff:\t0000000000000021\nCapAmb:\t0000000000000020\n");
	rt_result_free(&r);
}
