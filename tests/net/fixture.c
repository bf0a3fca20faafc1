/* SPDX-License-Identifier: Apache-2.0 */
#include "fixture.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	cr_assert(vasprintf(&s, fmt, ap) >= 0);
	return s;
}

static int run(const char *cmd)
{
	int status = system(cmd);

	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void fx_sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	rc = run(cmd);
	cr_assert_eq(rc, 0, "`%s` exited with %d", cmd, rc);
	free(cmd);
}

bool fx_sh_ok(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *quiet;
	int rc;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	quiet = vs_xasprintf("(%s) >/dev/null 2>&1", cmd);
	rc = run(quiet);
	free(quiet);
	free(cmd);
	return rc == 0;
}

char *fx_sh_out(int ns_fd, const char *fmt, ...)
{
	va_list ap;
	char *cmd, *full, *out = NULL;
	size_t len = 0;
	FILE *p;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	if (ns_fd >= 0)
		full =
		    vs_xasprintf("nsenter --net=/proc/%d/fd/%d sh -c '%s'", getpid(), ns_fd, cmd);
	else
		full = vs_xstrdup(cmd);
	p = popen(full, "r");
	cr_assert_not_null(p, "cannot run `%s`", full);
	for (;;) {
		out = vs_xrealloc(out, len + 4097);
		size_t n = fread(out + len, 1, 4096, p);
		len += n;
		if (n == 0)
			break;
	}
	out[len] = '\0';
	cr_assert_eq(pclose(p), 0, "`%s` failed", full);
	free(full);
	free(cmd);
	return out;
}

void fx_isolate(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "cannot create a network namespace: %m");
	fx_sh("ip link set lo up");
}

int fx_veth_pair(void)
{
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int peer;

	cr_assert_geq(here, 0);
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "cannot create the peer namespace: %m");
	peer = open("/proc/thread-self/ns/net", O_RDONLY); /* inherited by ip and nsenter */
	cr_assert_geq(peer, 0);
	cr_assert_eq(setns(here, CLONE_NEWNET), 0, "cannot return to the test namespace: %m");
	close(here);
	fx_sh("ip link add " FX_VETH " address " FX_MAC " mtu 1400 type veth peer name " FX_PEER
	      " && ip link set " FX_PEER " netns /proc/%d/fd/%d && ip link set " FX_VETH " up",
	      getpid(), peer);
	fx_sh("nsenter --net=/proc/%d/fd/%d sh -c 'ip link set lo up && ip link set " FX_PEER
	      " up'",
	      getpid(), peer);
	return peer;
}

int fx_index(const char *name)
{
	return (int)if_nametoindex(name);
}

void fx_assert_error(struct vs_error *err, int errnum, const char *const *words)
{
	cr_assert_not_null(err, "an error was expected");
	if (errnum != 0)
		cr_assert_eq(err->errnum, errnum, "errno %d instead of %d in `%s`", err->errnum,
			     errnum, err->msg);
	for (; *words != NULL; words++)
		cr_assert_not_null(strstr(err->msg, *words), "`%s` is not in the error `%s`",
				   *words, err->msg);
}
