/* SPDX-License-Identifier: Apache-2.0 */
/* What every verb of the vshim binary shares. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"

struct shim_ctx {
	const char *root; /* --root, or the default for this user */
	const char *log_path;
	bool log_json;
	bool debug;
	bool systemd_cgroup;
	int log_fd; /* --log's descriptor, or -1 */
};

/*
 * A verb: returns the process exit status, or -1 with err set; main()
 * reports err (stderr, --log) and exits 1, or err->errnum when it is 126 or
 * 127 (a process that cannot start, as runc's run and exec exit).
 */
typedef int (*shim_verb_fn)(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);

int cmd_create(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_start(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_state(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_kill(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_delete(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_pause(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_resume(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_exec(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_ps(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_list(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_features(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_spec(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);
int cmd_run(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);

/*
 * Closes every descriptor inherited beyond stdio (but --log's): a monitor
 * or an exec proxy outlives its caller and must not hold, say,
 * containerd's shim socket.  (--preserve-fds is accepted and ignored:
 * nothing crosses into a VM.)  main() calls it before any verb but exec,
 * which first reads --process, perhaps /dev/fd/N.
 */
void shim_close_inherited(const struct shim_ctx *ctx);

/* --version: vshim's, the commit, the runtime spec, the QEMU and guest kernel it runs. */
int shim_version(void);

/* The verbs (help.c): main() dispatches through their table. */
struct shim_verb {
	const char *name;
	shim_verb_fn fn;
	const char *args;    /* the usage line after the verb */
	const char *summary; /* one sentence */
	const char *flags;   /* a line per flag, or "" */
};

/* The verb called name, or NULL. */
const struct shim_verb *shim_verb_find(const char *name);
/* `vshim --help`: the verbs and the global options. */
void shim_usage(FILE *out);
/* `vshim VERB --help`, `vshim help VERB`: its usage, summary and flags. */
void shim_verb_help(const struct shim_verb *v, FILE *out);
/* The error for a verb called wrongly, with its usage line; returns -1. */
int shim_usage_error(struct vs_error **err, const char *verb);
