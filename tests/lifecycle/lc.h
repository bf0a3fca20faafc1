/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle verbs end to end, driven the way containerd's runc shim
 * drives a runtime: the test process is a subreaper, `vshim create` returns
 * once the container is created and leaves its monitor behind as a child of
 * the test, and every other verb is a short-lived vshim call.
 *
 * Each test gets DIR (a temporary directory) with DIR/bundle (busybox and
 * vshim-testhelper in rootfs/bin) and DIR/root (--root).  Every process of
 * the test names DIR on its command line (QEMU through its state directory),
 * which is how leftovers are found: lc_assert_clean() fails a test that
 * leaves a process, a mount or a state directory behind.
 *
 * Binaries and guest files are the build's; VSHIM_LC_VSHIM,
 * VSHIM_TESTHELPER and VSHIM_DATADIR override them.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include "vmenv.h" /* ts_find_processes(), ts_mounts_under() */

/* The helper inside the container, quoted for a JSON array. */
#define H "\"/bin/vshim-testhelper\""

/* Guest memory of every test VM (io.vshim.memory), in MiB. */
#define LC_MEMORY_MIB "64"

struct lc {
	char dir[64];
	char bundle[128];
	char rootfs[160];
	char root[128];
	unsigned int seq; /* numbers the output files */
	bool no_root;	  /* vshim without --root: its default root */
};

/* config.json pieces (JSON text, members without braces); NULL keeps the default. */
struct lc_cfg {
	const char *args; /* required: a JSON array */
	bool terminal;
	const char *process;	 /* more members of process */
	const char *hooks;	 /* the hooks object */
	const char *annotations; /* more annotations */
	const char *mounts;	 /* more mounts */
	const char *linux_;	 /* more members of linux */
	const char *top;	 /* more top-level members */
};

/* The stdio of a spawned vshim: paths, or descriptors (>= 0) when the paths are NULL. */
struct lc_io {
	const char *in, *out, *err;
	int in_fd, out_fd, err_fd;
	const char *cwd; /* NULL: the test's */
	int fd3;	 /* > 2: also passed to vshim, as its descriptor 3 */
};

/* A finished vshim call. */
struct lc_res {
	int status; /* exit code, or 128+signal */
	char *out, *err;
};

/* A created container: its pid (the pid file's) and the files holding its stdio. */
struct lc_ctr {
	const char *id;
	pid_t
	    pid; /* the container's process on the host: a child of the test once create returns */
	char pid_file[PATH_MAX / 4];
	char out[PATH_MAX / 4];
	char err[PATH_MAX / 4];
};

/* What create was given beyond --bundle, --pid-file and the ID. */
struct lc_create_opts {
	const char *const *global; /* options before the verb (--log ...) */
	const char *const *extra;  /* options of create (--console-socket ...) */
	const char *bundle;	   /* NULL: t->bundle */
	int in_fd;		   /* the container's stdin, or -1: /dev/null */
};

/* The test fails, naming what is missing, unless QEMU, the guest files, vshim and busybox are
 * there. */
void lc_require_vm(void);
void lc_require_host(void);

/* DIR, the bundle, the root; the test process becomes a subreaper. */
void lc_setup(struct lc *t);
void lc_setup_novm(struct lc *t);
/* Kills and reaps whatever is left, unmounts, removes DIR. */
void lc_teardown(struct lc *t);

/* BUNDLE/config.json (io.vshim.memory is LC_MEMORY_MIB). */
void lc_config(struct lc *t, const struct lc_cfg *c);
void lc_config_in(const char *bundle, const struct lc_cfg *c);

/* vshim --root ROOT ARGV... with io; returns its pid. */
pid_t lc_spawn(struct lc *t, const struct lc_io *io, const char *const *argv);
/* Runs vshim --root ROOT ARGV... with stdin /dev/null and waits (30 s at most). */
struct lc_res lc_run(struct lc *t, const char *const *argv);
#define LC_RUN(t, ...) lc_run((t), (const char *const[]){ __VA_ARGS__, NULL })
void lc_res_free(struct lc_res *r);
/* Waits for a child: its exit code or 128+signal; the test fails after timeout_ms. */
int lc_wait(pid_t pid, int timeout_ms);

/* create; returns create's own result, c filled (pid 0 when create failed). */
struct lc_res lc_create_ex(struct lc *t, struct lc_ctr *c, const char *id,
			   const struct lc_create_opts *o);
/* create that must succeed. */
void lc_create(struct lc *t, struct lc_ctr *c, const char *id);
/* create and start that must succeed. */
void lc_create_start(struct lc *t, struct lc_ctr *c, const char *id);
/* The container's pid's exit status, the container's (it is a child of the test). */
int lc_wait_pid(struct lc_ctr *c, int timeout_ms);

/* `state ID` must succeed: its JSON (freed by the caller) and status. */
yajl_val lc_state(struct lc *t, const char *id);
/* The status `state ID` prints (a new string). */
char *lc_status(struct lc *t, const char *id);
void lc_assert_status(struct lc *t, const char *id, const char *status);
/* How many pids `ps --format json ID` lists (-1 when ps fails). */
int lc_ps_count(struct lc *t, const char *id);

/* Members of a parsed JSON object. */
const char *lc_json_str(yajl_val v, const char *key);
long long lc_json_int(yajl_val v, const char *key, long long fallback);
yajl_val lc_json_parse(const char *text);

/* Files. */
char *lc_read(const char *path);
void lc_write(const char *path, const char *text, unsigned int mode);
/* Waits until the file holds text. */
void lc_wait_file(const char *path, const char *text, int timeout_ms);
/* Waits until the file exists. */
void lc_wait_exists(const char *path, int timeout_ms);
/* How many times needle occurs in the file. */
size_t lc_count_in_file(const char *path, const char *needle);

/* The pid of the QEMU of container id, or 0. */
pid_t lc_qemu_pid(struct lc *t, const char *id);

/* Nothing left: no entry in ROOT, no process naming ROOT, no mount under ROOT. */
void lc_assert_clean(struct lc *t);

/* A console socket: a listening unix socket at path. */
int lc_console_listen(const char *path);
/* Accepts one connection and receives one pty master; name gets the payload. */
int lc_console_recv(int listen_fd, char *name, size_t name_len, int timeout_ms);
/* Reads from fd into buf (appending) until it holds text; fails the test after timeout_ms. */
void lc_read_until(int fd, char *buf, size_t size, size_t *len, const char *text, int timeout_ms);

/* Asserts a successful call, printing its stderr otherwise. */
#define lc_assert_ok(r, what) \
	cr_assert_eq((r).status, 0, "%s exited with %d; stderr:\n%s", (what), (r).status, (r).err)
/* Asserts a failed call whose stderr contains text. */
#define lc_assert_fails_with(r, what, text)                                                    \
	do {                                                                                   \
		cr_assert_neq((r).status, 0, "%s succeeded; it must fail with \"%s\"", (what), \
			      (text));                                                         \
		cr_assert_not_null(strstr((r).err, (text)), "%s: stderr lacks \"%s\":\n%s",    \
				   (what), (text), (r).err);                                   \
	} while (0)
