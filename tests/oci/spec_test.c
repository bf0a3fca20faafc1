/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Valid documents, checked field by field: what `runc spec` writes, what
 * containerd's CRI plugin and podman write, and small documents for the
 * corners (null members, versions, the lone process object).  Also
 * oci_spec_load() on real bundles.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "helpers.h"
#include "oci/spec.h"

static struct oci_spec *parse_file(const char *name)
{
	size_t len;
	cleanup_free char *json = test_read(name, &len);
	struct vs_error *err = NULL;
	struct oci_spec *spec = oci_spec_parse(json, len, name, &err);

	cr_assert_not_null(spec, "%s", err ? err->msg : "(no error)");
	return spec;
}

static void assert_strv(char **v, size_t n, const char *const *want, size_t n_want)
{
	cr_assert_eq(n, n_want, "%zu entries, want %zu", n, n_want);
	for (size_t i = 0; i < n_want; i++)
		cr_assert_str_eq(v[i], want[i]);
	cr_assert_null(v[n], "vector not NULL-terminated");
}

static void assert_caps(const int *caps, size_t n, const int *want, size_t n_want)
{
	cr_assert_eq(n, n_want, "%zu capabilities, want %zu", n, n_want);
	for (size_t i = 0; i < n_want; i++)
		cr_assert_eq(caps[i], want[i], "capability %zu is %d, want %d", i, caps[i],
			     want[i]);
}

#define STRV(...)	       ((const char *const[]){ __VA_ARGS__ })
#define NSTRV(...)	       (sizeof(STRV(__VA_ARGS__)) / sizeof(char *))
#define ASSERT_STRV(v, n, ...) assert_strv(v, n, STRV(__VA_ARGS__), NSTRV(__VA_ARGS__))
#define CAPS(...)	       ((const int[]){ __VA_ARGS__ })
#define NCAPS(...)	       (sizeof(CAPS(__VA_ARGS__)) / sizeof(int))
#define ASSERT_CAPS(v, n, ...) assert_caps(v, n, CAPS(__VA_ARGS__), NCAPS(__VA_ARGS__))

static void assert_mount(const struct oci_mount *m, const char *dest, const char *type,
			 const char *source)
{
	cr_assert_str_eq(m->destination, dest);
	if (type == NULL)
		cr_assert_null(m->type);
	else
		cr_assert_str_eq(m->type, type);
	cr_assert_str_eq(m->source, source);
}

Test(spec, runc_spec_defaults)
{
	cleanup_oci_spec struct oci_spec *spec = parse_file("data/runc-spec.json");
	struct oci_process *p = spec->process;
	struct oci_linux *l = spec->linux_;

	cr_assert_str_eq(spec->oci_version, "1.0.2-dev");
	cr_assert_not_null(p);
	cr_assert(p->terminal);
	cr_assert_eq(p->console_height, 0);
	cr_assert_eq(p->console_width, 0);
	cr_assert_eq(p->user.uid, 0);
	cr_assert_eq(p->user.gid, 0);
	cr_assert_not(p->user.has_umask);
	cr_assert_eq(p->user.n_additional_gids, 0);
	cr_assert_null(p->user.username);
	ASSERT_STRV(p->args, p->n_args, "sh");
	ASSERT_STRV(p->env, p->n_env,
		    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		    "TERM=xterm");
	cr_assert_str_eq(p->cwd, "/");
	cr_assert(p->caps.present);
	ASSERT_CAPS(p->caps.bounding, p->caps.n_bounding, CAP_AUDIT_WRITE, CAP_KILL,
		    CAP_NET_BIND_SERVICE);
	ASSERT_CAPS(p->caps.effective, p->caps.n_effective, CAP_AUDIT_WRITE, CAP_KILL,
		    CAP_NET_BIND_SERVICE);
	cr_assert_eq(p->caps.n_inheritable, 0);
	ASSERT_CAPS(p->caps.permitted, p->caps.n_permitted, CAP_AUDIT_WRITE, CAP_KILL,
		    CAP_NET_BIND_SERVICE);
	ASSERT_CAPS(p->caps.ambient, p->caps.n_ambient, CAP_AUDIT_WRITE, CAP_KILL,
		    CAP_NET_BIND_SERVICE);
	cr_assert_eq(p->n_rlimits, 1);
	cr_assert_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	cr_assert_eq(p->rlimits[0].hard, 1024);
	cr_assert_eq(p->rlimits[0].soft, 1024);
	cr_assert(p->no_new_privileges);
	cr_assert_not(p->has_oom_score_adj);
	cr_assert_null(p->apparmor_profile);
	cr_assert_null(p->selinux_label);

	cr_assert_str_eq(spec->root_path, "rootfs");
	cr_assert(spec->root_readonly);
	cr_assert_str_eq(spec->hostname, "runc");
	cr_assert_null(spec->domainname);

	cr_assert_eq(spec->n_mounts, 7);
	assert_mount(&spec->mounts[0], "/proc", "proc", "proc");
	cr_assert_eq(spec->mounts[0].n_options, 0);
	assert_mount(&spec->mounts[1], "/dev", "tmpfs", "tmpfs");
	ASSERT_STRV(spec->mounts[1].options, spec->mounts[1].n_options, "nosuid", "strictatime",
		    "mode=755", "size=65536k");
	assert_mount(&spec->mounts[2], "/dev/pts", "devpts", "devpts");
	cr_assert_eq(spec->mounts[2].n_options, 6);
	cr_assert_str_eq(spec->mounts[2].options[5], "gid=5");
	assert_mount(&spec->mounts[3], "/dev/shm", "tmpfs", "shm");
	assert_mount(&spec->mounts[4], "/dev/mqueue", "mqueue", "mqueue");
	assert_mount(&spec->mounts[5], "/sys", "sysfs", "sysfs");
	assert_mount(&spec->mounts[6], "/sys/fs/cgroup", "cgroup", "cgroup");
	ASSERT_STRV(spec->mounts[6].options, spec->mounts[6].n_options, "nosuid", "noexec", "nodev",
		    "relatime", "ro");

	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
		cr_assert_eq(spec->hooks.n[k], 0);
	cr_assert_eq(spec->n_annotations, 0);

	cr_assert_not_null(l);
	cr_assert_not(l->resources.has_memory_limit);
	cr_assert_not(l->resources.has_cpu_quota);
	cr_assert_not(l->resources.has_cpu_period);
	cr_assert_not(l->resources.has_pids_limit);
	cr_assert_eq(l->n_namespaces, 6);
	enum oci_ns_type want_ns[] = { OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_IPC,
				       OCI_NS_UTS, OCI_NS_MOUNT,   OCI_NS_CGROUP };
	for (size_t i = 0; i < 6; i++) {
		cr_assert_eq(l->namespaces[i].type, want_ns[i]);
		cr_assert_null(l->namespaces[i].path);
	}
	cr_assert_eq(l->n_uid_mappings, 0);
	cr_assert_eq(l->n_gid_mappings, 0);
	cr_assert_eq(l->n_devices, 0);
	cr_assert_null(l->seccomp);
	ASSERT_STRV(l->masked_paths, l->n_masked_paths, "/proc/acpi", "/proc/asound", "/proc/kcore",
		    "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
		    "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
	ASSERT_STRV(l->readonly_paths, l->n_readonly_paths, "/proc/bus", "/proc/fs", "/proc/irq",
		    "/proc/sys", "/proc/sysrq-trigger");
	cr_assert_null(l->cgroups_path);
	cr_assert_null(l->rootfs_propagation);
	cr_assert_null(l->mount_label);
	cr_assert_eq(l->n_sysctl, 0);
}

#define CONTAINERD_CAPS                                                                           \
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,  \
	    CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, \
	    CAP_AUDIT_WRITE

Test(spec, containerd_cri)
{
	cleanup_oci_spec struct oci_spec *spec = parse_file("data/containerd.json");
	struct oci_process *p = spec->process;
	struct oci_linux *l = spec->linux_;
	struct oci_seccomp *sc;

	cr_assert_str_eq(spec->oci_version, "1.0.2-dev");
	cr_assert_not(p->terminal);
	cr_assert_eq(p->user.n_additional_gids, 11);
	gid_t gids[] = { 0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27 };
	for (size_t i = 0; i < 11; i++)
		cr_assert_eq(p->user.additional_gids[i], gids[i]);
	ASSERT_STRV(p->args, p->n_args, "/bin/sh", "-c", "echo hello");
	ASSERT_STRV(p->env, p->n_env,
		    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		    "HOSTNAME=web-0");
	ASSERT_CAPS(p->caps.bounding, p->caps.n_bounding, CONTAINERD_CAPS);
	ASSERT_CAPS(p->caps.effective, p->caps.n_effective, CONTAINERD_CAPS);
	ASSERT_CAPS(p->caps.permitted, p->caps.n_permitted, CONTAINERD_CAPS);
	cr_assert_eq(p->caps.n_inheritable, 0);
	cr_assert_eq(p->caps.n_ambient, 0);
	cr_assert_eq(p->n_rlimits, 1);
	cr_assert_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	cr_assert_eq(p->rlimits[0].soft, 1048576);
	cr_assert_str_eq(p->apparmor_profile, "cri-containerd.apparmor.d");
	cr_assert(p->has_oom_score_adj);
	cr_assert_eq(p->oom_score_adj, -997);
	cr_assert_not(p->no_new_privileges);

	cr_assert_str_eq(spec->root_path, "rootfs");
	cr_assert_not(spec->root_readonly);
	cr_assert_null(spec->hostname);
	cr_assert_eq(spec->n_mounts, 10);
	assert_mount(&spec->mounts[6], "/etc/hosts", "bind",
		     "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/4f1e/hosts");
	ASSERT_STRV(spec->mounts[6].options, spec->mounts[6].n_options, "rbind", "rprivate", "rw");
	assert_mount(&spec->mounts[9], "/data", "bind", "/srv/data");
	ASSERT_STRV(spec->mounts[9].options, spec->mounts[9].n_options, "rbind", "rprivate", "ro");

	cr_assert_eq(spec->n_annotations, 3);
	cr_assert_str_eq(oci_spec_annotation(spec, "io.kubernetes.cri.container-type"),
			 "container");
	cr_assert_str_eq(oci_spec_annotation(spec, "io.kubernetes.cri.sandbox-id"), "4f1e");
	cr_assert_null(oci_spec_annotation(spec, "io.vshim.memory"));

	cr_assert(l->resources.has_memory_limit);
	cr_assert_eq(l->resources.memory_limit, 134217728);
	cr_assert(l->resources.has_cpu_quota);
	cr_assert_eq(l->resources.cpu_quota, 50000);
	cr_assert(l->resources.has_cpu_period);
	cr_assert_eq(l->resources.cpu_period, 100000);
	cr_assert(l->resources.has_pids_limit);
	cr_assert_eq(l->resources.pids_limit, -1);
	cr_assert_str_eq(l->cgroups_path, "kubepods-burstable-pod1234.slice:cri-containerd:8c2a");
	cr_assert_eq(l->n_namespaces, 5);
	cr_assert_eq(l->namespaces[1].type, OCI_NS_IPC);
	cr_assert_str_eq(l->namespaces[1].path, "/proc/4242/ns/ipc");
	cr_assert_eq(l->namespaces[4].type, OCI_NS_NETWORK);
	cr_assert_str_eq(l->namespaces[4].path, "/var/run/netns/cni-1c2d3e4f");
	cr_assert_null(l->namespaces[3].path);
	cr_assert_eq(l->n_masked_paths, 9);
	cr_assert_eq(l->n_readonly_paths, 6);
	cr_assert_str_eq(l->readonly_paths[0], "/proc/asound");

	sc = l->seccomp;
	cr_assert_not_null(sc);
	cr_assert_eq(sc->default_action, SCMP_ACT_ERRNO(EPERM));
	cr_assert_eq(sc->n_architectures, 3);
	cr_assert_eq(sc->architectures[0], SCMP_ARCH_X86_64);
	cr_assert_eq(sc->architectures[1], SCMP_ARCH_X86);
	cr_assert_eq(sc->architectures[2], SCMP_ARCH_X32);
	cr_assert_eq(sc->n_flags, 0);
	cr_assert_eq(sc->n_syscalls, 4);
	ASSERT_STRV(sc->syscalls[0].names, sc->syscalls[0].n_names, "accept", "accept4", "access",
		    "brk", "clone", "close", "exit_group", "read", "write");
	cr_assert_eq(sc->syscalls[0].action, SCMP_ACT_ALLOW);
	cr_assert_eq(sc->syscalls[0].n_args, 0);
	cr_assert_eq(sc->syscalls[2].n_args, 1);
	cr_assert_eq(sc->syscalls[2].args[0].value, 4294967295u);
	cr_assert_eq(sc->syscalls[2].args[0].op, SCMP_CMP_EQ);
	cr_assert_eq(sc->syscalls[3].args[0].index, 0);
	cr_assert_eq(sc->syscalls[3].args[0].value, 2114060288);
	cr_assert_eq(sc->syscalls[3].args[0].value_two, 0);
	cr_assert_eq(sc->syscalls[3].args[0].op, SCMP_CMP_MASKED_EQ);
}

static void assert_hook(const struct oci_hook *h, const char *path, size_t n_args, size_t n_env,
			int timeout)
{
	cr_assert_str_eq(h->path, path);
	cr_assert_eq(h->n_args, n_args);
	cr_assert_eq(h->n_env, n_env);
	cr_assert_eq(h->timeout, timeout);
}

Test(spec, podman)
{
	cleanup_oci_spec struct oci_spec *spec = parse_file("data/podman.json");
	struct oci_process *p = spec->process;
	struct oci_linux *l = spec->linux_;
	struct oci_seccomp *sc;

	cr_assert_str_eq(spec->oci_version, "1.0.0");
	cr_assert_not(p->terminal);
	cr_assert_eq(p->console_height, 40);
	cr_assert_eq(p->console_width, 120);
	cr_assert_eq(p->user.uid, 1000);
	cr_assert_eq(p->user.gid, 1000);
	cr_assert(p->user.has_umask);
	cr_assert_eq(p->user.umask, 022);
	cr_assert_eq(p->user.n_additional_gids, 2);
	cr_assert_eq(p->user.additional_gids[1], 10);
	ASSERT_STRV(p->args, p->n_args, "/usr/bin/env");
	cr_assert_eq(p->n_env, 5);
	cr_assert_str_eq(p->env[4], "EMPTY=");
	cr_assert_str_eq(p->cwd, "/home/app");
	ASSERT_CAPS(p->caps.bounding, p->caps.n_bounding, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,
		    CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE, CAP_SETFCAP, CAP_SETGID,
		    CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT);
	cr_assert(p->caps.present);
	cr_assert_eq(p->caps.n_effective + p->caps.n_inheritable + p->caps.n_permitted +
			 p->caps.n_ambient,
		     0);
	cr_assert_eq(p->n_rlimits, 3);
	cr_assert_eq(p->rlimits[1].resource, RLIMIT_NPROC);
	cr_assert_eq(p->rlimits[1].hard, 4194304);
	cr_assert_eq(p->rlimits[2].resource, RLIMIT_CORE);
	cr_assert_eq(p->rlimits[2].hard, UINT64_MAX);
	cr_assert_eq(p->rlimits[2].soft, 0);
	cr_assert(p->no_new_privileges);
	cr_assert(p->has_oom_score_adj);
	cr_assert_eq(p->oom_score_adj, 0);
	cr_assert_str_eq(p->apparmor_profile, "containers-default-0.50.1");
	cr_assert_str_eq(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2");

	cr_assert_str_eq(spec->root_path, "/var/lib/containers/storage/overlay/9a1b/merged");
	cr_assert_not(spec->root_readonly);
	cr_assert_str_eq(spec->hostname, "app");
	cr_assert_str_eq(spec->domainname, "example.org");
	cr_assert_eq(spec->n_mounts, 10);
	assert_mount(&spec->mounts[8], "/run/.containerenv", NULL,
		     "/run/user/1000/containers/overlay-containers/9a1b/userdata/.containerenv");
	ASSERT_STRV(spec->mounts[8].options, spec->mounts[8].n_options, "bind", "rprivate");

	cr_assert_eq(spec->hooks.n[OCI_HOOK_PRESTART], 1);
	assert_hook(&spec->hooks.list[OCI_HOOK_PRESTART][0], "/usr/libexec/podman/hook", 2, 1, 10);
	ASSERT_STRV(spec->hooks.list[OCI_HOOK_PRESTART][0].args, 2, "hook", "prestart");
	ASSERT_STRV(spec->hooks.list[OCI_HOOK_PRESTART][0].env, 1, "STAGE=prestart");
	cr_assert_eq(spec->hooks.n[OCI_HOOK_CREATE_RUNTIME], 1);
	assert_hook(&spec->hooks.list[OCI_HOOK_CREATE_RUNTIME][0], "/usr/bin/netavark-hook", 0, 0,
		    0);
	cr_assert_null(spec->hooks.list[OCI_HOOK_CREATE_RUNTIME][0].args);
	cr_assert_eq(spec->hooks.n[OCI_HOOK_CREATE_CONTAINER], 1);
	assert_hook(&spec->hooks.list[OCI_HOOK_CREATE_CONTAINER][0], "/usr/bin/cc-hook", 1, 0, 0);
	cr_assert_eq(spec->hooks.n[OCI_HOOK_START_CONTAINER], 1);
	assert_hook(&spec->hooks.list[OCI_HOOK_START_CONTAINER][0], "/usr/bin/sc-hook", 0, 0, 0);
	cr_assert_eq(spec->hooks.n[OCI_HOOK_POSTSTART], 1);
	assert_hook(&spec->hooks.list[OCI_HOOK_POSTSTART][0], "/usr/bin/ps-hook", 0, 0, 5);
	cr_assert_eq(spec->hooks.n[OCI_HOOK_POSTSTOP], 2);
	assert_hook(&spec->hooks.list[OCI_HOOK_POSTSTOP][0], "/usr/bin/podman", 6, 0, 0);
	cr_assert_str_eq(spec->hooks.list[OCI_HOOK_POSTSTOP][0].args[5], "9a1b");
	assert_hook(&spec->hooks.list[OCI_HOOK_POSTSTOP][1], "/usr/bin/true", 0, 0, 0);

	cr_assert_eq(spec->n_annotations, 3);
	cr_assert_str_eq(spec->annotations[0].key, "io.container.manager");
	cr_assert_str_eq(spec->annotations[0].value, "libpod");
	cr_assert_str_eq(oci_spec_annotation(spec, "io.podman.annotations.autoremove"), "FALSE");

	cr_assert_eq(l->n_uid_mappings, 2);
	cr_assert_eq(l->uid_mappings[1].container_id, 1);
	cr_assert_eq(l->uid_mappings[1].host_id, 100000);
	cr_assert_eq(l->uid_mappings[1].size, 65536);
	cr_assert_eq(l->n_gid_mappings, 2);
	cr_assert_eq(l->gid_mappings[0].host_id, 1000);
	cr_assert_eq(l->n_sysctl, 2);
	cr_assert_str_eq(l->sysctl[0].key, "net.ipv4.ping_group_range");
	cr_assert_str_eq(l->sysctl[0].value, "0 0");
	cr_assert_str_eq(l->sysctl[1].key, "kernel.msgmax");
	cr_assert(l->resources.has_pids_limit);
	cr_assert_eq(l->resources.pids_limit, 2048);
	cr_assert(l->resources.has_memory_limit);
	cr_assert_eq(l->resources.memory_limit, -1);
	cr_assert_eq(l->resources.cpu_quota, -1);
	cr_assert_str_eq(l->cgroups_path, "user.slice:libpod:9a1b");
	cr_assert_eq(l->n_namespaces, 8);
	cr_assert_eq(l->namespaces[5].type, OCI_NS_USER);
	cr_assert_eq(l->namespaces[7].type, OCI_NS_TIME);

	cr_assert_eq(l->n_devices, 3);
	cr_assert_eq(l->devices[0].type, 'c');
	cr_assert_str_eq(l->devices[0].path, "/dev/fuse");
	cr_assert_eq(l->devices[0].major, 10);
	cr_assert_eq(l->devices[0].minor, 229);
	cr_assert(l->devices[0].has_mode);
	cr_assert_eq(l->devices[0].file_mode, 0666);
	cr_assert(l->devices[0].has_uid);
	cr_assert(l->devices[0].has_gid);
	cr_assert_eq(l->devices[1].type, 'b');
	cr_assert_not(l->devices[1].has_mode);
	cr_assert_not(l->devices[1].has_uid);
	cr_assert_eq(l->devices[2].type, 'p');

	sc = l->seccomp;
	cr_assert_eq(sc->default_action, SCMP_ACT_ERRNO(38));
	cr_assert_eq(sc->n_architectures, 3);
	ASSERT_STRV(sc->flags, sc->n_flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		    "SECCOMP_FILTER_FLAG_LOG");
	cr_assert_eq(sc->n_syscalls, 8);
	cr_assert_eq(sc->syscalls[0].action, SCMP_ACT_ERRNO(1));
	cr_assert_eq(sc->syscalls[0].n_names, 3);
	cr_assert_eq(sc->syscalls[1].action, SCMP_ACT_ALLOW);
	cr_assert_eq(sc->syscalls[2].n_args, 2);
	cr_assert_eq(sc->syscalls[2].args[0].index, 0);
	cr_assert_eq(sc->syscalls[2].args[0].value, 131072);
	cr_assert_eq(sc->syscalls[2].args[0].op, SCMP_CMP_EQ);
	cr_assert_eq(sc->syscalls[2].args[1].index, 1);
	cr_assert_eq(sc->syscalls[2].args[1].value, 255);
	cr_assert_eq(sc->syscalls[2].args[1].value_two, 8);
	cr_assert_eq(sc->syscalls[2].args[1].op, SCMP_CMP_MASKED_EQ);
	cr_assert_eq(sc->syscalls[3].action, SCMP_ACT_KILL_PROCESS);
	cr_assert_eq(sc->syscalls[4].action, SCMP_ACT_LOG);
	cr_assert_eq(sc->syscalls[5].action, SCMP_ACT_TRACE(5));
	cr_assert_eq(sc->syscalls[6].action, SCMP_ACT_ERRNO(EPERM));
	cr_assert_eq(sc->syscalls[7].action, SCMP_ACT_TRAP);
	cr_assert_eq(sc->syscalls[7].n_args, 5);
	int ops[] = { SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE, SCMP_CMP_GT };
	unsigned int idx[] = { 5, 2, 3, 4, 0 };
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(sc->syscalls[7].args[i].op, ops[i]);
		cr_assert_eq(sc->syscalls[7].args[i].index, idx[i]);
	}
	cr_assert_eq(sc->syscalls[7].args[4].value, UINT64_MAX);

	cr_assert_str_eq(l->rootfs_propagation, "rslave");
	cr_assert_str_eq(l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
	ASSERT_STRV(l->masked_paths, l->n_masked_paths, "/proc/acpi", "/proc/kcore",
		    "/sys/firmware");
	ASSERT_STRV(l->readonly_paths, l->n_readonly_paths, "/proc/bus", "/proc/sys");
}

Test(spec, minimal_document)
{
	cleanup_oci_spec struct oci_spec *spec =
	    test_parse_ok("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"}}");

	cr_assert_str_eq(spec->oci_version, "1.2.0");
	cr_assert_null(spec->process);
	cr_assert_null(spec->linux_);
	cr_assert_str_eq(spec->root_path, "r");
	cr_assert_not(spec->root_readonly);
	cr_assert_eq(spec->n_mounts, 0);
	cr_assert_null(spec->mounts);
	cr_assert_eq(spec->n_annotations, 0);
}

Test(spec, null_members_are_absent)
{
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(
	    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\",\"readonly\":null},"
	    "\"hostname\":null,\"mounts\":null,\"hooks\":null,\"annotations\":null,"
	    "\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":null},"
	    "\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":null,\"capabilities\":null},"
	    "\"linux\":{\"seccomp\":null,\"namespaces\":null,\"resources\":{\"memory\":null}}}");

	cr_assert_null(spec->hostname);
	cr_assert_eq(spec->n_mounts, 0);
	cr_assert_eq(spec->process->n_env, 0);
	cr_assert_null(spec->process->env);
	cr_assert_not(spec->process->caps.present);
	cr_assert_not_null(spec->linux_);
	cr_assert_null(spec->linux_->seccomp);
	cr_assert_not(spec->linux_->resources.has_memory_limit);
}

Test(spec, unknown_members_are_ignored_and_last_duplicate_wins)
{
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(
	    "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"r\",\"x-future\":[1]},"
	    "\"hostname\":\"first\",\"hostname\":\"second\",\"solaris\":{\"anet\":[]},"
	    "\"annotations\":{\"k\":\"1\",\"k\":\"2\"}}");

	cr_assert_str_eq(spec->hostname, "second");
	cr_assert_str_eq(oci_spec_annotation(spec, "k"), "2");
}

Test(spec, versions)
{
	static const char *const ok[] = { "1.0.0",	"1.0.2-dev", "1.1.0",
					  "1.1.0-rc.3", "1.2.0",     "1.2.1+build.5" };

	for (size_t i = 0; i < VS_ARRAY_SIZE(ok); i++) {
		cleanup_free char *doc =
		    vs_xasprintf("{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", ok[i]);
		cleanup_oci_spec struct oci_spec *spec = test_parse_ok(doc);

		cr_assert_str_eq(spec->oci_version, ok[i]);
	}
	static const char *const bad[] = { "", "1", "1.0", "01.0.0", "1.0.0.0", "v1.0.0", "1.0.x" };
	for (size_t i = 0; i < VS_ARRAY_SIZE(bad); i++) {
		cleanup_free char *doc =
		    vs_xasprintf("{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", bad[i]);
		cleanup_free char *msg = test_parse_fail(doc, strlen(doc));
		cleanup_free char *want = vs_xasprintf(
		    "/b/config.json: ociVersion: \"%s\" is not a version such as \"1.0.2\"",
		    bad[i]);

		cr_assert_str_eq(msg, want);
	}
}

Test(spec, seccomp_errno_defaults)
{
	cleanup_oci_spec struct oci_spec *spec = test_parse_ok(
	    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":"
	    "{\"defaultAction\":\"SCMP_ACT_TRACE\",\"syscalls\":[{\"names\":[\"a\"],"
	    "\"action\":\"SCMP_ACT_KILL\"},{\"names\":[\"b\"],\"action\":\"SCMP_ACT_KILL_THREAD\"},"
	    "{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":0}]}}}");
	struct oci_seccomp *sc = spec->linux_->seccomp;

	cr_assert_eq(sc->default_action, SCMP_ACT_TRACE(EPERM));
	cr_assert_eq(sc->n_architectures, 0);
	cr_assert_eq(sc->syscalls[0].action, SCMP_ACT_KILL);
	cr_assert_eq(sc->syscalls[1].action, SCMP_ACT_KILL_THREAD);
	cr_assert_eq(sc->syscalls[2].action, SCMP_ACT_ERRNO(0));
}

Test(spec, lone_process)
{
	static const char doc[] =
	    "{\"terminal\":true,\"consoleSize\":{\"height\":25,\"width\":80},"
	    "\"user\":{\"uid\":33,\"gid\":33,\"umask\":63},\"args\":[\"/bin/ls\",\"-l\"],"
	    "\"env\":[\"A=b=c\"],\"cwd\":\"/srv\",\"noNewPrivileges\":true,\"oomScoreAdj\":-1000,"
	    "\"rlimits\":[{\"type\":\"RLIMIT_AS\",\"soft\":1,\"hard\":2}],"
	    "\"capabilities\":{\"inheritable\":[\"CAP_SYS_ADMIN\",\"CAP_CHECKPOINT_RESTORE\"]}}";
	struct vs_error *err = NULL;
	struct oci_process *p = oci_process_parse(doc, strlen(doc), "p.json", &err);

	cr_assert_not_null(p, "%s", err ? err->msg : "");
	cr_assert(p->terminal);
	cr_assert_eq(p->console_height, 25);
	cr_assert_eq(p->console_width, 80);
	cr_assert_eq(p->user.uid, 33);
	cr_assert_eq(p->user.umask, 077);
	ASSERT_STRV(p->args, p->n_args, "/bin/ls", "-l");
	ASSERT_STRV(p->env, p->n_env, "A=b=c");
	cr_assert_str_eq(p->cwd, "/srv");
	cr_assert(p->no_new_privileges);
	cr_assert_eq(p->oom_score_adj, -1000);
	cr_assert_eq(p->rlimits[0].resource, RLIMIT_AS);
	cr_assert_eq(p->rlimits[0].soft, 1);
	cr_assert_eq(p->rlimits[0].hard, 2);
	ASSERT_CAPS(p->caps.inheritable, p->caps.n_inheritable, CAP_SYS_ADMIN, 40);
	oci_process_free(p);
}

Test(spec, name_tables)
{
	cr_assert_eq(oci_process_rlimit_from_name("RLIMIT_MEMLOCK"), RLIMIT_MEMLOCK);
	cr_assert_eq(oci_process_rlimit_from_name("rlimit_memlock"), -1);
	cr_assert_str_eq(oci_process_rlimit_name(RLIMIT_RTTIME), "RLIMIT_RTTIME");
	cr_assert_null(oci_process_rlimit_name(-5));
	cr_assert_eq(oci_process_cap_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
	cr_assert_eq(oci_process_cap_from_name("CAP_"), -1);
	cr_assert_eq(oci_process_cap_from_name("NET_ADMIN"), -1);
	cr_assert_str_eq(oci_spec_hook_name(OCI_HOOK_CREATE_CONTAINER), "createContainer");
	cr_assert_null(oci_spec_hook_name(OCI_HOOK_KIND_COUNT));
	cr_assert_str_eq(oci_linux_ns_name(OCI_NS_NETWORK), "network");
	cr_assert_str_eq(oci_linux_ns_name(OCI_NS_TIME), "time");
}

Test(spec, path_in_bundle)
{
	struct {
		const char *bundle, *path, *want;
	} cases[] = {
		{ "/b", "rootfs", "/b/rootfs" },       { "/b/", "./rootfs/", "/b/rootfs" },
		{ "/b//x", "a//b/./c", "/b/x/a/b/c" }, { "/b", "/abs/./p", "/abs/p" },
		{ "/b", "../r", "/b/../r" },	       { "/", ".", "/" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		cleanup_free char *got = oci_spec_path_in_bundle(cases[i].bundle, cases[i].path);

		cr_assert_str_eq(got, cases[i].want, "%s + %s", cases[i].bundle, cases[i].path);
	}
	cleanup_free char *cwd = getcwd(NULL, 0);
	cleanup_free char *got = oci_spec_path_in_bundle("bundle", "rootfs");
	cleanup_free char *want = vs_xasprintf("%s/bundle/rootfs", strcmp(cwd, "/") ? cwd : "");

	cr_assert_str_eq(got, want);
}

/* oci_spec_load() on bundles in a temporary directory. */

static const char minimal_config[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}}";

static char *load_error(const char *bundle)
{
	struct vs_error *err = NULL;
	cleanup_free char *text = NULL, *rootfs = NULL;
	size_t len;
	struct oci_spec *spec = oci_spec_load(bundle, &text, &len, &rootfs, &err);
	char *msg;

	cr_assert_null(spec, "bundle `%s` unexpectedly loaded", bundle);
	msg = vs_xstrdup(err->msg);
	vs_error_free(err);
	return msg;
}

Test(spec_load, valid_bundle)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *cfg = vs_xasprintf("%s/config.json", dir);
	cleanup_free char *rootfs = vs_xasprintf("%s/rootfs", dir);
	cleanup_free char *text = NULL, *resolved = NULL;
	struct vs_error *err = NULL;
	size_t len;

	cr_assert_eq(mkdir(rootfs, 0755), 0);
	test_write(cfg, minimal_config);
	cleanup_oci_spec struct oci_spec *spec = oci_spec_load(dir, &text, &len, &resolved, &err);
	cr_assert_not_null(spec, "%s", err ? err->msg : "");
	cr_assert_str_eq(spec->root_path, "rootfs");
	cr_assert_str_eq(text, minimal_config);
	cr_assert_eq(len, strlen(minimal_config));
	cr_assert_str_eq(resolved, rootfs);
	test_rm(dir);
}

/* root.path through symbolic links: resolved once, to the directory they lead to. */
Test(spec_load, rootfs_resolved_through_symlinks)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *cfg = vs_xasprintf("%s/bundle/config.json", dir);
	cleanup_free char *bundle = vs_xasprintf("%s/bundle", dir);
	cleanup_free char *link = vs_xasprintf("%s/bundle/rootfs", dir);
	cleanup_free char *target = vs_xasprintf("%s/elsewhere/root", dir);
	cleanup_free char *text = NULL, *resolved = NULL;
	struct vs_error *err = NULL;
	size_t len;

	cr_assert_eq(vs_mkdir_p(target, 0755, NULL), 0);
	cr_assert_eq(mkdir(bundle, 0755), 0);
	cr_assert_eq(symlink("../elsewhere/./root", link), 0);
	test_write(cfg, minimal_config);
	cleanup_oci_spec struct oci_spec *spec =
	    oci_spec_load(bundle, &text, &len, &resolved, &err);
	cr_assert_not_null(spec, "%s", err ? err->msg : "");
	cr_assert_str_eq(resolved, target);
	test_rm(dir);
}

Test(spec_load, missing_bundle)
{
	cleanup_free char *msg = load_error("/nonexistent/vshim-bundle");

	cr_assert_str_eq(
	    msg, "cannot open bundle `/nonexistent/vshim-bundle`: No such file or directory");
}

Test(spec_load, bundle_is_a_file)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *file = vs_xasprintf("%s/file", dir);
	cleanup_free char *msg = NULL;
	cleanup_free char *want = NULL;

	test_write(file, "x");
	msg = load_error(file);
	want = vs_xasprintf("bundle `%s` is not a directory", file);
	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

Test(spec_load, missing_config)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *msg = load_error(dir);
	cleanup_free char *want =
	    vs_xasprintf("cannot open `%s/config.json`: No such file or directory", dir);

	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

Test(spec_load, missing_rootfs)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *cfg = vs_xasprintf("%s/config.json", dir);
	cleanup_free char *msg = NULL;
	cleanup_free char *want = NULL;

	test_write(cfg, minimal_config);
	msg = load_error(dir);
	want = vs_xasprintf(
	    "%s/config.json: root.path: cannot access `%s/rootfs`: No such file or directory", dir,
	    dir);
	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

Test(spec_load, rootfs_is_a_file)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *cfg = vs_xasprintf("%s/config.json", dir);
	cleanup_free char *rootfs = vs_xasprintf("%s/rootfs", dir);
	cleanup_free char *msg = NULL;
	cleanup_free char *want = NULL;

	test_write(cfg, minimal_config);
	test_write(rootfs, "");
	msg = load_error(dir);
	want = vs_xasprintf("%s/config.json: root.path: `%s/rootfs` is not a directory", dir, dir);
	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

Test(spec_load, invalid_config_names_the_file)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *cfg = vs_xasprintf("%s/config.json", dir);
	cleanup_free char *msg = NULL;
	cleanup_free char *want = NULL;

	test_write(cfg,
		   "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		   "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"x\"}}");
	msg = load_error(dir);
	want = vs_xasprintf("%s/config.json: process.cwd: must be absolute", dir);
	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

Test(spec_load, oversized_config)
{
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *cfg = vs_xasprintf("%s/config.json", dir);
	cleanup_free char *big = vs_xmalloc(OCI_SPEC_MAX_SIZE + 2);
	cleanup_free char *msg = NULL;
	cleanup_free char *want = NULL;

	memset(big, ' ', OCI_SPEC_MAX_SIZE + 1);
	big[OCI_SPEC_MAX_SIZE + 1] = '\0';
	test_write(cfg, big);
	msg = load_error(dir);
	want = vs_xasprintf("`%s/config.json` is larger than 4194304 bytes", dir);
	cr_assert_str_eq(msg, want);
	test_rm(dir);
}

/* oci_linux_check_namespaces() on the namespaces of this process. */
static char *check_namespaces(const char *namespaces)
{
	cleanup_free char *json = vs_xasprintf("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":"
					       "\"rootfs\"},\"linux\":{\"namespaces\":%s}}",
					       namespaces);
	struct vs_error *err = NULL;
	cleanup_oci_spec struct oci_spec *spec =
	    oci_spec_parse(json, strlen(json), "config.json", &err);
	char *msg;

	cr_assert_not_null(spec, "%s", err ? err->msg : "");
	if (oci_linux_check_namespaces(spec, "config.json", &err) == 0)
		return NULL;
	msg = vs_xstrdup(err->msg);
	vs_error_free(err);
	return msg;
}

Test(spec_load, namespace_paths_of_their_own_type)
{
	char *msg = check_namespaces("[{\"type\":\"pid\",\"path\":\"/proc/self/ns/pid\"},"
				     "{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"},"
				     "{\"type\":\"mount\",\"path\":\"/proc/self/ns/mnt\"},"
				     "{\"type\":\"ipc\",\"path\":\"/proc/self/ns/ipc\"},"
				     "{\"type\":\"uts\",\"path\":\"/proc/self/ns/uts\"},"
				     "{\"type\":\"user\",\"path\":\"/proc/self/ns/user\"},"
				     "{\"type\":\"cgroup\",\"path\":\"/proc/self/ns/cgroup\"},"
				     "{\"type\":\"time\",\"path\":\"/proc/self/ns/time\"}]");

	cr_assert_null(msg, "%s", msg);
}

Test(spec_load, namespace_path_of_another_type_is_refused)
{
	static const struct {
		const char *namespaces, *msg;
	} cases[] = {
		{ "[{\"type\":\"network\",\"path\":\"/proc/self/ns/ipc\"}]",
		  "config.json: linux.namespaces[0].path: `/proc/self/ns/ipc` is a namespace of "
		  "type ipc, not a network namespace" },
		{ "[{\"type\":\"pid\"},{\"type\":\"ipc\",\"path\":\"/proc/self/ns/net\"}]",
		  "config.json: linux.namespaces[1].path: `/proc/self/ns/net` is a namespace of "
		  "type net, not an ipc namespace" },
		{ "[{\"type\":\"mount\",\"path\":\"/proc/self/ns/uts\"}]",
		  "config.json: linux.namespaces[0].path: `/proc/self/ns/uts` is a namespace of "
		  "type uts, not a mount namespace" },
		{ "[{\"type\":\"uts\",\"path\":\"/proc/self/status\"}]",
		  "config.json: linux.namespaces[0].path: `/proc/self/status` is not a namespace" },
		{ "[{\"type\":\"cgroup\",\"path\":\"/nonexistent/ns\"}]",
		  "config.json: linux.namespaces[0].path: cannot open cgroup namespace "
		  "`/nonexistent/ns`: No such file or directory" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		cleanup_free char *msg = check_namespaces(cases[i].namespaces);

		cr_assert_not_null(msg, "%s was accepted", cases[i].namespaces);
		cr_assert_str_eq(msg, cases[i].msg);
	}
}
