/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vshim run` end to end: each test builds a bundle in a temporary directory
 * (busybox-static and vshim-testhelper in rootfs/bin), writes a config.json,
 * runs the real vshim binary on it (a real microVM under QEMU) with stdio in
 * files, and looks at the exit status, stdout and stderr.
 *
 * After every vshim it waits for, the runner asserts that nothing is left:
 * no ROOT/ID directory and no process (QEMU above all) whose command line
 * names the test's directory, which holds the bundle and the root.
 *
 * Binaries and guest files are the build's; environment variables override
 * them: VSHIM_RUN_VSHIM, VSHIM_TESTHELPER, VSHIM_DATADIR (also read by
 * vshim itself), VSHIM_RUN_NOAGENT_IMG, VSHIM_RUN_TESTINIT_IMG.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bundle.h" /* ts_read_file(), ts_write_file() */
#include "vmenv.h"  /* ts_find_processes() */

/* The helper's path inside the container, quoted for a JSON array. */
#define H "\"/bin/vshim-testhelper\""

/* A test's world: DIR/bundle/{config.json,rootfs}, DIR/root (--root). */
struct rt {
	char dir[PATH_MAX / 4];
	char bundle[PATH_MAX / 2];
	char rootfs[PATH_MAX / 2];
	char root[PATH_MAX / 2];
	const char *id; /* "ctr" unless a test changes it */
	unsigned int runs;
};

/*
 * config.json pieces, JSON text without the member name; NULL keeps the
 * default.  Defaults: user 0:0, env PATH and FOO=bar, cwd "/", runc's default
 * capabilities, root "rootfs", hostname "vshim-test", runc's default mounts,
 * the pid, network, ipc, uts and mount namespaces, runc's masked and
 * read-only paths.
 */
struct rt_cfg {
	const char *args;	 /* required: a JSON array */
	const char *user;	 /* object */
	const char *env;	 /* array */
	const char *cwd;	 /* string, quoted */
	const char *caps;	 /* object */
	const char *process;	 /* more members of process, without braces */
	const char *root;	 /* object */
	const char *hostname;	 /* string, quoted; "" leaves hostname out */
	const char *mounts;	 /* array, replacing the default mounts */
	const char *more_mounts; /* objects appended to the default mounts, without brackets */
	const char *namespaces;	 /* array */
	const char *masked;	 /* array: maskedPaths */
	const char *readonly;	 /* array: readonlyPaths */
	const char *linux_;	 /* more members of linux, without braces */
	const char *top;	 /* more top-level members, without braces */
};

struct rt_opts {
	const char *id;		/* NULL: t->id */
	const char *bundle;	/* NULL: t->bundle */
	const char *stdin_path; /* NULL: /dev/null */
	bool stdin_pipe;	/* stdin is a pipe whose write end is rt_proc.stdin_w */
	const char *const *env; /* "NAME=VALUE" set, or "NAME" unset, in vshim's environment */
	bool hide_qemu;		/* vshim sees no qemu-system-x86_64 (a mount namespace) */
	bool keep; /* do not assert that nothing is left (another vshim shares the ID) */
	/*
	 * vshim has a controlling terminal (a pty of the test's) while its stdio
	 * stay files; without it vshim runs in a session of its own with none.
	 */
	bool ctty;
	int timeout_s;		  /* 0: 60 */
	const char *const *extra; /* more options of run, before the ID */
};

struct rt_proc {
	pid_t pid;
	int stdin_w; /* with opts.stdin_pipe, until rt_wait() closes it; else -1 */
	int tty;     /* with opts.ctty, the master of vshim's controlling terminal; else -1 */
	char out_path[PATH_MAX];
	char err_path[PATH_MAX];
	struct rt_opts opts;
	unsigned long long start_ns;
};

struct rt_result {
	int status; /* exit status of vshim; 128+signal when a signal killed vshim itself */
	char *out;  /* stdout, NUL-terminated (binary output: out_len) */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
	double secs;
};

/* The test fails, saying what is missing, unless QEMU, the kernel and the initramfs are there. */
void rt_require_vm(void);
/* Same for what every test needs: vshim, the helper, busybox. */
void rt_require_host(void);

/* rt_require_vm(), then DIR with a bundle whose rootfs holds busybox and the helper. */
void rt_setup(struct rt *t);
/* The same without rt_require_vm(), for the tests that may run without a VM. */
void rt_setup_novm(struct rt *t);
/* Kills whatever a failed test left running and removes DIR. */
void rt_teardown(struct rt *t);

/* Writes BUNDLE/config.json. */
void rt_config(struct rt *t, const struct rt_cfg *cfg);
/* A file under the rootfs (parents must exist). */
void rt_write_rootfs(struct rt *t, const char *path, const char *text, unsigned int mode);

/* Starts `vshim --root ROOT run [--bundle B] [extra] ID`. */
void rt_spawn(struct rt *t, struct rt_proc *p, const struct rt_opts *opts);
/*
 * Starts `vshim --root ROOT ARGS...` (any verb; ARGS ends with NULL) with
 * opts' stdio, environment and timeout; rt_wait() then asserts nothing
 * about what is left.
 */
void rt_spawn_verb(struct rt *t, struct rt_proc *p, const struct rt_opts *opts,
		   const char *const *args);
/* rt_spawn_verb() without options, and rt_wait(). */
struct rt_result rt_vshim(struct rt *t, const char *const *args);
#define RT_VSHIM(t, ...) rt_vshim((t), (const char *const[]){ __VA_ARGS__, NULL })
/* Waits until stdout contains text, or fails the test after timeout_s. */
void rt_wait_stdout(struct rt_proc *p, const char *text, int timeout_s);
/* Waits for vshim, reads its output, then asserts that nothing is left (unless opts.keep). */
struct rt_result rt_wait(struct rt *t, struct rt_proc *p);
/* rt_spawn() and rt_wait(). */
struct rt_result rt_run(struct rt *t, const struct rt_opts *opts);
/* rt_config(), then rt_run() with defaults. */
struct rt_result rt_run_config(struct rt *t, const struct rt_cfg *cfg);
/* rt_run_config() with args and defaults. */
struct rt_result rt_run_args(struct rt *t, const char *args);
void rt_result_free(struct rt_result *r);

/* ROOT/ID is gone and no process names DIR: the test fails otherwise (leftovers are killed). */
void rt_assert_clean(struct rt *t, const char *id);

/* The vshim binary under test. */
const char *rt_vshim_path(void);
/* Guest images for the failure tests. */
const char *rt_kernel_path(void);
const char *rt_noagent_image(void);
const char *rt_testinit_image(void);
/* A data directory DIR/NAME with the build's vmlinux and the given initramfs (copied). */
char *rt_datadir_with_initrd(struct rt *t, const char *name, const char *initrd);

/* Asserts a successful run; prints stderr otherwise. */
#define rt_assert_ok(r) \
	cr_assert_eq((r).status, 0, "vshim exited with %d; stderr:\n%s", (r).status, (r).err)
