/* SPDX-License-Identifier: Apache-2.0 */
#include "harness.h"

#include <criterion/criterion.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"

struct drv_qmp *start(struct fake_peer *p, const struct peer_step *script)
{
	fake_peer_start(p, script);
	return drv_qmp_new(p->fd); /* the client owns the fd from here */
}

void finish(struct fake_peer *p, struct drv_qmp *q)
{
	drv_qmp_free(q);
	cr_assert_eq(fake_peer_finish(p), 0, "the fake peer's script failed (see its stderr)");
}

void handshake(struct drv_qmp *q)
{
	cleanup_error struct vs_error *err = NULL;

	cr_assert_eq(drv_qmp_handshake(q, T_MS, &err), 0, "handshake: %s",
		     err ? err->msg : "(no error)");
}

void command_fails(struct drv_qmp *q, const char *command, int timeout_ms, const char *want)
{
	cleanup_error struct vs_error *err = NULL;
	yajl_val ret = (yajl_val)1;

	cr_assert_eq(drv_qmp_command(q, command, NULL, timeout_ms, &ret, &err), -1,
		     "`%s` succeeded", command);
	cr_assert_null(ret, "*ret is not NULL after a failure");
	cr_assert_not_null(err);
	cr_assert(strstr(err->msg, want) != NULL, "error `%s` lacks `%s`", err->msg, want);
}

const char *str_at(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val s = yajl_tree_get(v, path, yajl_t_string);

	return s ? s->u.string : NULL;
}

/* Lets debug lines reach stderr, so failures show the QMP traffic. */
void verbose(void)
{
	vs_log_set_level(VS_LOG_DEBUG);
}
