/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What delete, state and the hooks use is what create checked, never the
 * bundle as it is later.  The attacker is whatever can write the bundle
 * after create: here the guest itself, whose root is the bundle
 * (root.path "."), rewrites config.json to add a poststop hook that would
 * run on the host as root at delete, and annotations that state would
 * report.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtest.h"
#include "security.h"

static struct rt t;

static void setup(void)
{
	rt_setup(&t);
}

static void teardown(void)
{
	rt_teardown(&t);
}

TestSuite(stored_config, .init = setup, .fini = teardown, .timeout = 180);

/* A poststop hook that makes DIR/name on the host, and an annotation. */
static char *top_members(const char *hook_file, const char *annotation)
{
	return vs_xasprintf("\"hooks\":{\"poststop\":[{\"path\":\"/bin/sh\","
			    "\"args\":[\"sh\",\"-c\",\"touch %s/%s\"]}]},"
			    "\"annotations\":{\"%s\":\"yes\"}",
			    t.dir, hook_file, annotation);
}

Test(stored_config, a_poststop_hook_the_guest_writes_into_config_json_never_runs)
{
	cleanup_free char *created_top = top_members("hook-from-create", "from-create");
	cleanup_free char *evil_top = top_members("hook-from-the-guest", "from-the-guest");
	cleanup_free char *evil_path = vs_xasprintf("%s/evil.json", t.rootfs);
	cleanup_free char *config_path = vs_xasprintf("%s/config.json", t.rootfs);
	cleanup_free char *evil = NULL, *config = NULL, *state = NULL;
	cleanup_free char *from_create = vs_xasprintf("%s/hook-from-create", t.dir);
	cleanup_free char *from_guest = vs_xasprintf("%s/hook-from-the-guest", t.dir);
	const char *const detach[] = { "--detach", NULL };
	struct rt_result r;

	/* The bundle is the root: the guest sees config.json as /config.json. */
	snprintf(t.bundle, sizeof(t.bundle), "%s", t.rootfs);
	rt_config(&t, &(struct rt_cfg){ .args = "[\"true\"]", .top = evil_top });
	evil = ts_read_file(config_path, NULL);
	ts_write_file(evil_path, evil, strlen(evil));
	rt_config(&t, &(struct rt_cfg){ .args = "[\"sh\",\"-c\",\"cat /evil.json > /config.json\"]",
					.root = "{\"path\":\".\"}",
					.top = created_top });

	r = rt_run(&t, &(struct rt_opts){ .extra = detach, .keep = true });
	rt_assert_ok(r);
	rt_result_free(&r);
	sec_wait_status(&t, "stopped", 60);
	config = ts_read_file(config_path, NULL);
	cr_assert_str_eq(config, evil,
			 "the guest did not rewrite config.json: the test proves "
			 "nothing");

	state = sec_verb_ok(&t, (const char *const[]){ "state", t.id, NULL });
	cr_assert_not_null(strstr(state, "from-create"), "state lost create's annotations:\n%s",
			   state);
	cr_assert_null(strstr(state, "from-the-guest"),
		       "state reports the annotations the guest wrote:\n%s", state);

	r = RT_VSHIM(&t, "delete", t.id);
	rt_assert_ok(r);
	rt_result_free(&r);
	rt_assert_clean(&t, t.id);
	cr_assert_eq(access(from_guest, F_OK), -1,
		     "delete ran the poststop hook the guest wrote into config.json");
	cr_assert_eq(access(from_create, F_OK), 0,
		     "delete did not run the poststop hook config.json had at create");
}
