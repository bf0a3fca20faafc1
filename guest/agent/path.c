/* SPDX-License-Identifier: Apache-2.0 */
/* Finding the program of a process, and exec failures' statuses (path.h). */
#include "guest/agent/path.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

const char *agent_path_getenv(char *const *env, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;

	for (; env != NULL && *env != NULL; env++) {
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			found = *env + n + 1; /* the last one wins, as in execve's view */
	}
	return found;
}

/* 0 when file is an executable regular file; else the errno that says why not. */
static int check_executable(const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EACCES;
	if (!S_ISREG(st.st_mode) || access(file, X_OK) < 0)
		return EACCES;
	return 0;
}

char *agent_path_lookup(const char *arg0, const char *path, struct vs_error **err)
{
	cleanup_free char *copy = NULL;
	int seen = ENOENT;
	char *entry, *next;

	if (arg0 == NULL || arg0[0] == '\0') {
		vs_error_code(err, ENOENT, "exec: the process has no program to run");
		return NULL;
	}
	if (strchr(arg0, '/') != NULL) {
		int r = check_executable(arg0);

		if (r != 0) {
			vs_error_set(err, r == ENOTDIR ? ENOENT : r, "exec: \"%s\"", arg0);
			return NULL;
		}
		return vs_xstrdup(arg0);
	}
	copy = vs_xstrdup(path != NULL ? path : AGENT_DEFAULT_PATH);
	for (entry = copy; entry != NULL; entry = next) {
		cleanup_free char *file = NULL;
		int r;

		next = strchr(entry, ':');
		if (next != NULL)
			*next++ = '\0';
		file = vs_xasprintf("%s%s%s", entry, entry[0] ? "/" : "", arg0);
		r = check_executable(file);
		if (r == 0)
			return steal_pointer(&file);
		if (r == EACCES)
			seen = EACCES;
	}
	if (seen == EACCES)
		vs_error_code(err, EACCES, "exec: \"%s\": no executable file found in $PATH", arg0);
	else
		vs_error_code(err, ENOENT, "exec: \"%s\": executable file not found in $PATH",
			      arg0);
	return NULL;
}

int agent_path_exec_status(int errnum)
{
	return errnum == ENOENT || errnum == ENOTDIR ? 127 : 126;
}
