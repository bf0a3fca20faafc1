/* SPDX-License-Identifier: Apache-2.0 */
/* ps with ps arguments: ps run in the container, as an exec (ps.h). */
#include "shim/ps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/ctl.h"
#include "shim/exec.h"

static bool listed(yajl_val pids, long long pid)
{
	for (size_t i = 0; YAJL_IS_ARRAY(pids) && i < pids->u.array.len; i++)
		if (YAJL_GET_INTEGER(pids->u.array.values[i]) == pid)
			return true;
	return false;
}

/* `ps ARGS` in the container, as an exec whose stdout is out; returns its exit status. */
static int run_ps(const struct shim_container *c, char **args, int n_args, int out,
		  struct vs_error **err)
{
	cleanup_strv struct vs_strv argv = { 0 };
	cleanup_free char *process = NULL;
	cleanup_close int null = open("/dev/null", O_RDONLY | O_CLOEXEC), sock = -1;
	bool terminal;

	vs_strv_push(&argv, "ps");
	for (int i = 0; i < n_args; i++)
		vs_strv_push(&argv, args[i]);
	struct shim_exec_args a = { .args = argv.v, .n_args = (int)argv.n };
	process = shim_exec_process_json(&a, c->bundle, &terminal, err);
	if (process == NULL || null < 0)
		return process == NULL ? -1 : vs_error_set(err, errno, "cannot open /dev/null");

	int fds[3] = { null, out, STDERR_FILENO };
	yajl_gen req = proto_json_begin();
	ctl_put_str(req, "op", "exec");
	ctl_put_str(req, "process", process);
	yajl_tree_free(ctl_call(c->dir, c->id, req, fds, 3, &sock, err));
	if (sock < 0)
		return vs_error_prefix(err, "cannot run ps in container `%s`", c->id);
	cleanup_yajl_val yajl_val msg = ctl_recv(sock, NULL, NULL, err);
	return msg == NULL ? -1 : (int)ctl_get_int(msg, "exit", -1);
}

/* As runc keeps the host's ps output: the header, then the lines of listed pids. */
static void print_filtered(char *text, yajl_val pids)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	int column = -1, i = 0;

	if (line == NULL)
		return;
	printf("%s\n", line);
	for (char *f, *s = NULL, *w = line; (f = strtok_r(w, " \t", &s)) != NULL; w = NULL, i++)
		if (strcmp(f, "PID") == 0 && column < 0)
			column = i;
	while (column >= 0 && (line = strtok_r(NULL, "\n", &save)) != NULL) {
		cleanup_free char *copy = vs_xstrdup(line);
		char *f = NULL, *s = NULL, *w = copy;

		for (i = 0; i <= column && (f = strtok_r(w, " \t", &s)) != NULL; i++)
			w = NULL;
		if (f != NULL && listed(pids, strtoll(f, NULL, 10)))
			printf("%s\n", line);
	}
}

int shim_ps_run(const struct shim_container *c, yajl_val pids, char **args, int n_args,
		struct vs_error **err)
{
	cleanup_close int out = memfd_create("ps", MFD_CLOEXEC);
	cleanup_free char *text = NULL;
	char path[64];
	int status;

	if (out < 0)
		return vs_error_set(err, errno, "cannot create a memfd");
	status = run_ps(c, args, n_args, out, err);
	if (status < 0)
		return -1;
	if (status != 0)
		return vs_error_set(err, 0, "ps in container `%s` exited with status %d", c->id,
				    status);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out);
	if (vs_read_file_or_pipe(path, CTL_MAX_MSG, &text, NULL, err) < 0)
		return -1;
	print_filtered(text, pids);
	return 0;
}
