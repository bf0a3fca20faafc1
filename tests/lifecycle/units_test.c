/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verbs without a VM: argument parsing, container IDs, signal names,
 * state.json read back through the binary, errors and their log lines.
 * Containers here are state directories written by hand.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "lc.h"

static struct lc t;

static void setup(void)
{
	lc_setup_novm(&t);
	lc_config(&t, &(struct lc_cfg){ .args = "[" H ",\"echo\",\"hi\"]" });
}

static void teardown(void)
{
	lc_teardown(&t);
}

TestSuite(units, .init = setup, .fini = teardown, .timeout = 30);

/*
 * ROOT/ID/state.json as a monitor writes it, and ROOT/ID/config.json as
 * create stores it: the bundle's, when it has one.
 */
static void write_record(const char *id, const char *status, pid_t pid,
			 unsigned long long pid_start, const char *bundle)
{
	cleanup_free char *dir = vs_xasprintf("%s/%s", t.root, id);
	cleanup_free char *path = vs_xasprintf("%s/state.json", dir);
	cleanup_free char *bundle_config = vs_xasprintf("%s/config.json", bundle);
	cleanup_free char *stored_config = vs_xasprintf("%s/config.json", dir);
	cleanup_free char *json = vs_xasprintf(
	    "{\"id\":\"%s\",\"bundle\":\"%s\",\"rootfs\":\"%s/rootfs\",\"status\":\"%s\","
	    "\"pid\":%d,\"pid_start\":%llu,\"guest_pid\":1,\"created\":\"2026-11-23T10:00:00Z\","
	    "\"exit_status\":-1}",
	    id, bundle, bundle, status, (int)pid, pid_start);

	if (access(dir, F_OK) != 0)
		cr_assert_eq(mkdir(dir, 0700), 0);
	lc_write(path, json, 0600);
	if (access(bundle_config, F_OK) == 0) {
		cleanup_free char *config = lc_read(bundle_config);

		lc_write(stored_config, config, 0600);
	}
}

/* A pid that is surely gone: a child that has been reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	lc_wait(pid, 5000);
	return pid;
}

static void assert_root_empty(void)
{
	cleanup_dir DIR *d = opendir(t.root);
	struct dirent *de;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		cr_assert(strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0,
			  "`%s` was made in the root", de->d_name);
}

/* 99 calls of vshim: on a loaded host, under the sanitizers, more than the suite's 30 s. */
Test(units, invalid_ids_rejected_before_any_path, .timeout = 120)
{
	cleanup_free char *long_id = vs_xmalloc(1100);
	cleanup_free char *escape = vs_xasprintf("%s/x", t.dir);
	const char *ids[] = { "../x", "/", "", "a/b", ".hidden", "a b", "x\ny", "x*", long_id };

	memset(long_id, 'a', 1025);
	long_id[1025] = '\0';
	for (size_t i = 0; i < VS_ARRAY_SIZE(ids); i++) {
		const char *id = ids[i];
		const char *const calls[][6] = {
			{ "create", "--bundle", t.bundle, "--", id, NULL },
			{ "start", id, NULL },
			{ "state", id, NULL },
			{ "kill", id, "KILL", NULL },
			{ "kill", "--all", id, "KILL", NULL },
			{ "delete", id, NULL },
			{ "delete", "--force", id, NULL },
			{ "pause", id, NULL },
			{ "resume", id, NULL },
			{ "ps", id, NULL },
			{ "exec", "--", id, "/bin/true", NULL },
		};

		for (size_t j = 0; j < VS_ARRAY_SIZE(calls); j++) {
			struct lc_res r = lc_run(&t, calls[j]);

			lc_assert_fails_with(r, calls[j][0], "invalid container ID");
			lc_res_free(&r);
		}
		cr_assert_neq(access(escape, F_OK), 0, "ID `../x` made `%s`", escape);
		assert_root_empty();
	}
}

Test(units, ids_of_every_allowed_character_are_accepted)
{
	/* Parsed, checked and looked up: "does not exist" says the ID passed. */
	const char *ids[] = { "a", "A-b_c.d+e", "0123456789", "x..y" };

	for (size_t i = 0; i < VS_ARRAY_SIZE(ids); i++) {
		struct lc_res r = LC_RUN(&t, "state", ids[i]);

		lc_assert_fails_with(r, "state", "does not exist");
		lc_res_free(&r);
	}
}

Test(units, id_the_vm_cannot_name_is_refused_by_create_at_once)
{
	/* The VM and its sockets are named after the ID: no leading '-', not too long. */
	cleanup_free char *long_id = vs_xmalloc(200);
	const char *ids[] = { long_id, "-x" };

	memset(long_id, 'b', 65);
	long_id[65] = '\0';
	for (size_t i = 0; i < VS_ARRAY_SIZE(ids); i++) {
		struct lc_res r = LC_RUN(&t, "create", "--bundle", t.bundle, "--", ids[i]);

		lc_assert_fails_with(r, "create", "invalid container ID");
		lc_res_free(&r);
		assert_root_empty();
	}
}

Test(units, missing_container)
{
	const char *const calls[][5] = {
		{ "state", "nope", NULL },
		{ "start", "nope", NULL },
		{ "kill", "nope", NULL },
		{ "kill", "--all", "nope", "KILL", NULL },
		{ "pause", "nope", NULL },
		{ "resume", "nope", NULL },
		{ "ps", "nope", NULL },
		{ "delete", "nope", NULL },
		{ "exec", "nope", "/bin/true", NULL },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(calls); i++) {
		struct lc_res r = lc_run(&t, calls[i]);

		lc_assert_fails_with(r, calls[i][0], "does not exist");
		cr_assert_str_eq(r.out, "", "%s printed on stdout:\n%s", calls[i][0], r.out);
		lc_res_free(&r);
	}

	/* What --force asks for is already true. */
	struct lc_res r = LC_RUN(&t, "delete", "--force", "nope");
	lc_assert_ok(r, "delete --force of a missing container");
	cr_assert_str_eq(r.out, "");
	cr_assert_str_eq(r.err, "");
	lc_res_free(&r);
	assert_root_empty();
}

Test(units, signal_names)
{
	/* A parsed signal gets as far as looking the container up. */
	const char *good[] = { "9",    "KILL",	  "SIGKILL", "kill",  "sigterm", "TERM",
			       "USR1", "SIGUSR2", "HUP",     "WINCH", "1",	 "64" };
	const char *bad[] = { "FOO", "SIGFOO", "9x", "65", "", "SIG", "100000000000" };

	for (size_t i = 0; i < VS_ARRAY_SIZE(good); i++) {
		struct lc_res r = LC_RUN(&t, "kill", "nope", good[i]);

		lc_assert_fails_with(r, "kill", "does not exist");
		lc_res_free(&r);
	}
	for (size_t i = 0; i < VS_ARRAY_SIZE(bad); i++) {
		struct lc_res r = LC_RUN(&t, "kill", "nope", bad[i]);

		lc_assert_fails_with(r, "kill", "unknown signal");
		lc_res_free(&r);
	}
}

Test(units, usage_errors)
{
	const char *const calls[][5] = {
		{ "kill", NULL },
		{ "kill", "a", "KILL", "extra", NULL },
		{ "start", NULL },
		{ "start", "a", "b", NULL },
		{ "state", NULL },
		{ "delete", NULL },
		{ "delete", "a", "b", NULL },
		{ "pause", NULL },
		{ "resume", "a", "b", NULL },
		{ "create", "--bundle", "x", NULL },
		{ "create", "--detach", "x", NULL },
		{ "exec", NULL },
		{ "ps", NULL },
		{ "list", "extra", NULL },
		{ "kill", "--bogus", "a", NULL },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(calls); i++) {
		struct lc_res r = lc_run(&t, calls[i]);

		cr_assert_neq(r.status, 0, "`%s` with wrong arguments succeeded", calls[i][0]);
		cr_assert_neq(r.err[0], '\0', "`%s` with wrong arguments said nothing",
			      calls[i][0]);
		lc_res_free(&r);
	}

	struct lc_res r = LC_RUN(&t, "ps", "--format", "xml", "a");
	lc_assert_fails_with(r, "ps --format xml", "unknown format");
	lc_res_free(&r);
	r = LC_RUN(&t, "frobnicate");
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "unknown command"));
	lc_res_free(&r);
	r = LC_RUN(&t, "--log-format", "xml", "state", "a");
	cr_assert_eq(r.status, 2);
	lc_res_free(&r);
	assert_root_empty();
}

Test(units, help_of_every_verb)
{
	static const char *const verbs[][3] = {
		{ "create", "--bundle DIR, -b DIR", "--console-socket SOCKET" },
		{ "kill", "--all, -a", "0 checks" },
		{ "delete", "--force, -f", "" },
		{ "exec", "--additional-gids GID, -g GID", "--cap CAP, -c CAP" },
		{ "ps", "--format FORMAT, -f FORMAT", "PS-ARGS" },
		{ "list", "--quiet, -q", "" },
		{ "run", "--keep", "--detach, -d" },
		{ "spec", "--rootless", "" },
		{ "start", "Usage: vshim start ID", "" },
	};

	for (size_t i = 0; i < VS_ARRAY_SIZE(verbs); i++) {
		struct lc_res a = LC_RUN(&t, verbs[i][0], "--help");
		struct lc_res b = LC_RUN(&t, "help", verbs[i][0]);

		lc_assert_ok(a, "VERB --help");
		lc_assert_ok(b, "help VERB");
		cr_assert_str_eq(a.out, b.out, "vshim %s --help and vshim help %s differ",
				 verbs[i][0], verbs[i][0]);
		for (int k = 1; k < 3; k++)
			cr_assert_not_null(strstr(a.out, verbs[i][k]), "no \"%s\" in:\n%s",
					   verbs[i][k], a.out);
		lc_res_free(&a);
		lc_res_free(&b);
	}
	struct lc_res r = LC_RUN(&t, "help");
	lc_assert_ok(r, "help");
	cr_assert_not_null(strstr(r.out, "Commands:"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  features "), "%s", r.out);
	lc_res_free(&r);
	r = LC_RUN(&t, "help", "frobnicate");
	lc_assert_fails_with(r, "help frobnicate", "help: unknown command `frobnicate`");
	lc_res_free(&r);
}

Test(units, version_and_accepted_global_flags)
{
	struct lc_res r = LC_RUN(&t, "--version");

	lc_assert_ok(r, "--version");
	cr_assert_eq(strncmp(r.out, "vshim version ", 14), 0, "first line: %s", r.out);
	/* runc's shape, then what a container runs on. */
	const char *lines[] = { "\ncommit: ", "\nspec: 1.2.0\n", "\nqemu: 7.", "\nkernel: 6." };
	for (size_t i = 0; i < VS_ARRAY_SIZE(lines); i++)
		cr_assert_not_null(strstr(r.out, lines[i]), "no \"%s\" in:\n%s", lines[i] + 1,
				   r.out);
	lc_res_free(&r);

	/* What go-runc and conmon put before the verb. */
	r = LC_RUN(&t, "--systemd-cgroup", "--rootless", "false", "--cgroup-manager", "cgroupfs",
		   "--debug", "list", "-q");
	lc_assert_ok(r, "list with runc's global flags");
	cr_assert_str_eq(r.out, "");
	lc_res_free(&r);
}

Test(units, state_file_read_back)
{
	unsigned long long start = vs_proc_start_time(getpid());

	write_record("rec", "running", getpid(), start, t.bundle);

	yajl_val v = lc_state(&t, "rec");
	cleanup_free char *rootfs = vs_xasprintf("%s/rootfs", t.bundle);
	const char *ann_path[] = { "annotations", "io.vshim.memory", NULL };

	cr_assert_str_eq(lc_json_str(v, "ociVersion"), "1.0.2");
	cr_assert_str_eq(lc_json_str(v, "id"), "rec");
	cr_assert_str_eq(lc_json_str(v, "status"), "running");
	cr_assert_eq(lc_json_int(v, "pid", -1), getpid());
	cr_assert_str_eq(lc_json_str(v, "bundle"), t.bundle);
	cr_assert_str_eq(lc_json_str(v, "rootfs"), rootfs);
	cr_assert_str_eq(lc_json_str(v, "created"), "2026-11-23T10:00:00Z");
	cr_assert_not_null(yajl_tree_get(v, ann_path, yajl_t_string), "no annotations");
	yajl_tree_free(v);

	struct lc_res r = LC_RUN(&t, "list", "--format", "json");
	lc_assert_ok(r, "list --format json");
	v = lc_json_parse(r.out);
	cr_assert(YAJL_IS_ARRAY(v) && v->u.array.len == 1, "list: %s", r.out);
	cr_assert_str_eq(lc_json_str(v->u.array.values[0], "id"), "rec");
	cr_assert_str_eq(lc_json_str(v->u.array.values[0], "status"), "running");
	yajl_tree_free(v);
	lc_res_free(&r);

	r = LC_RUN(&t, "list", "-q");
	lc_assert_ok(r, "list -q");
	cr_assert_str_eq(r.out, "rec\n");
	lc_res_free(&r);

	r = LC_RUN(&t, "list");
	lc_assert_ok(r, "list");
	cr_assert_not_null(strstr(r.out, "rec"));
	cr_assert_not_null(strstr(r.out, "running"));
	lc_res_free(&r);

	/* In the order of their IDs (bytes, as runc sorts them), whatever the directory's order. */
	static const char *const ids[] = { "zz", "B", "a-1", "a.0", "b" };
	for (size_t i = 0; i < VS_ARRAY_SIZE(ids); i++)
		write_record(ids[i], "running", getpid(), start, t.bundle);
	r = LC_RUN(&t, "list", "-q");
	lc_assert_ok(r, "list -q");
	cr_assert_str_eq(r.out, "B\na-1\na.0\nb\nrec\nzz\n");
	lc_res_free(&r);
}

Test(units, reused_or_dead_monitor_pid_reads_stopped)
{
	/* Our pid with another start time: a reused pid is not the container. */
	write_record("reused", "running", getpid(), vs_proc_start_time(getpid()) + 1, t.bundle);
	write_record("dead", "paused", dead_pid(), 0, t.bundle);

	const char *ids[] = { "reused", "dead" };
	for (size_t i = 0; i < VS_ARRAY_SIZE(ids); i++) {
		yajl_val v = lc_state(&t, ids[i]);

		cr_assert_str_eq(lc_json_str(v, "status"), "stopped", "%s", ids[i]);
		cr_assert_eq(lc_json_int(v, "pid", -1), 0, "a stopped container has pid 0");
		yajl_tree_free(v);
	}
}

Test(units, verbs_on_a_stopped_record)
{
	write_record("gone", "running", dead_pid(), 0, t.bundle);

	const char *const not_running[][5] = {
		{ "kill", "gone", "KILL", NULL }, { "kill", "gone", NULL },
		{ "pause", "gone", NULL },	  { "resume", "gone", NULL },
		{ "ps", "gone", "-ef", NULL },	  { "exec", "gone", "/bin/true", NULL },
	};
	for (size_t i = 0; i < VS_ARRAY_SIZE(not_running); i++) {
		struct lc_res r = lc_run(&t, not_running[i]);

		lc_assert_fails_with(r, not_running[i][0], "container not running");
		lc_res_free(&r);
	}
	struct lc_res r = LC_RUN(&t, "start", "gone");
	cr_assert_neq(r.status, 0, "start of a stopped container succeeded");
	lc_res_free(&r);

	r = LC_RUN(&t, "kill", "--all", "gone", "KILL");
	lc_assert_ok(r, "kill --all of a stopped container");
	lc_res_free(&r);

	r = LC_RUN(&t, "delete", "gone");
	lc_assert_ok(r, "delete of a stopped container");
	lc_res_free(&r);
	assert_root_empty();
}

Test(units, corrupt_state_file)
{
	cleanup_free char *dir = vs_xasprintf("%s/bad", t.root);
	cleanup_free char *path = vs_xasprintf("%s/state.json", dir);

	cr_assert_eq(mkdir(dir, 0700), 0);
	lc_write(path, "{\"id\":", 0600);
	struct lc_res r = LC_RUN(&t, "state", "bad");
	lc_assert_fails_with(r, "state", "corrupt");
	lc_res_free(&r);

	/* list goes on past it. */
	write_record("good", "running", getpid(), 0, t.bundle);
	r = LC_RUN(&t, "list", "-q");
	lc_assert_ok(r, "list");
	cr_assert_str_eq(r.out, "good\n");
	lc_res_free(&r);

	/* A directory without state.json is not a container one can use either. */
	cr_assert_eq(unlink(path), 0);
	r = LC_RUN(&t, "state", "bad");
	cr_assert_neq(r.status, 0);
	lc_res_free(&r);
}

Test(units, create_refuses_an_existing_id_and_changes_nothing)
{
	cleanup_free char *path = vs_xasprintf("%s/dup/state.json", t.root);
	cleanup_free char *pid_file = vs_xasprintf("%s/dup.pid", t.dir);

	write_record("dup", "running", getpid(), vs_proc_start_time(getpid()), t.bundle);
	cleanup_free char *before = lc_read(path);
	struct lc_res r = LC_RUN(&t, "create", "--bundle", t.bundle, "--pid-file", pid_file, "dup");
	lc_assert_fails_with(r, "create", "already exists");
	lc_res_free(&r);
	cleanup_free char *after = lc_read(path);
	cr_assert_str_eq(after, before, "state.json changed");
	cr_assert_neq(access(pid_file, F_OK), 0, "a failed create wrote the pid file");
}

Test(units, create_errors_leave_nothing)
{
	cleanup_free char *other = vs_xasprintf("%s/other", t.dir);
	cleanup_free char *config = vs_xasprintf("%s/config.json", other);

	struct lc_res r = LC_RUN(&t, "create", "--bundle", "/nonexistent", "c1");
	lc_assert_fails_with(r, "create", "/nonexistent");
	lc_res_free(&r);

	cr_assert_eq(mkdir(other, 0755), 0);
	lc_write(config, "{\"ociVersion\":", 0644);
	r = LC_RUN(&t, "create", "--bundle", other, "c1");
	lc_assert_fails_with(r, "create", "config.json");
	lc_res_free(&r);

	/* A terminal needs somewhere to go. */
	cleanup_free char *rootfs = vs_xasprintf("%s/rootfs", other);
	cr_assert_eq(symlink(t.rootfs, rootfs), 0);
	lc_config_in(other, &(struct lc_cfg){ .args = "[\"sh\"]", .terminal = true });
	r = LC_RUN(&t, "create", "--bundle", other, "c1");
	lc_assert_fails_with(r, "create", "--console-socket");
	lc_res_free(&r);
	r = LC_RUN(&t, "create", "--bundle", other, "--console-socket", "/nonexistent.sock", "c1");
	lc_assert_fails_with(r, "create", "/nonexistent.sock");
	lc_res_free(&r);
	assert_root_empty();
}

Test(units, log_json_lines)
{
	cleanup_free char *log = vs_xasprintf("%s/log.json", t.dir);
	struct lc_res r = LC_RUN(&t, "--log", log, "--log-format", "json", "state", "nope");

	lc_assert_fails_with(r, "state", "does not exist");
	lc_res_free(&r);
	r = LC_RUN(&t, "--log", log, "--log-format", "json", "kill", "nope", "BOGUS");
	lc_assert_fails_with(r, "kill", "unknown signal");
	lc_res_free(&r);

	cleanup_free char *text = lc_read(log);
	char *save = NULL;
	size_t lines = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		yajl_val v = lc_json_parse(line);
		const char *time = lc_json_str(v, "time");

		cr_assert_str_eq(lc_json_str(v, "level"), "error", "%s", line);
		cr_assert_not_null(lc_json_str(v, "msg"), "%s", line);
		cr_assert(
		    strstr(lc_json_str(v, "msg"), lines ? "unknown signal" : "does not exist"),
		    "%s", line);
		/* RFC 3339, as containerd parses it. */
		cr_assert(time != NULL && strlen(time) >= 20 && time[4] == '-' && time[10] == 'T' &&
			      time[strlen(time) - 1] == 'Z',
			  "time: %s", line);
		yajl_tree_free(v);
		lines++;
	}
	cr_assert_eq(lines, 2, "%zu log lines, not 2", lines);

	/* Text format: a line too, not JSON. */
	cleanup_free char *text_log = vs_xasprintf("%s/log.txt", t.dir);
	r = LC_RUN(&t, "--log", text_log, "state", "nope");
	cr_assert_neq(r.status, 0);
	lc_res_free(&r);
	cleanup_free char *plain = lc_read(text_log);
	cr_assert_not_null(strstr(plain, "does not exist"), "%s", plain);
	cr_assert_neq(plain[0], '{');
}

Test(units, delete_of_a_stopped_record_runs_poststop)
{
	cleanup_free char *hook_out = vs_xasprintf("%s/poststop.json", t.dir);
	cleanup_free char *hooks = vs_xasprintf(
	    "{\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s\"]}]}",
	    hook_out);

	lc_config(&t, &(struct lc_cfg){ .args = "[\"true\"]", .hooks = hooks });
	write_record("ps1", "running", dead_pid(), 0, t.bundle);
	struct lc_res r = LC_RUN(&t, "delete", "ps1");
	lc_assert_ok(r, "delete");
	lc_res_free(&r);
	assert_root_empty();

	cleanup_free char *json = lc_read(hook_out);
	yajl_val v = lc_json_parse(json);
	cr_assert_str_eq(lc_json_str(v, "status"), "stopped");
	cr_assert_str_eq(lc_json_str(v, "id"), "ps1");
	cr_assert_str_eq(lc_json_str(v, "bundle"), t.bundle);
	yajl_tree_free(v);
}

Test(units, default_root_is_shared_by_every_verb)
{
	/* podman calls state without --root: the default must be where create put it. */
	char id[64];
	cleanup_free char *dir = NULL;
	cleanup_free char *path = NULL;
	struct stat st;

	snprintf(id, sizeof(id), "vshim-lc-default-%d", (int)getpid());
	t.no_root = true;
	struct lc_res r = LC_RUN(&t, "list", "-q");
	lc_assert_ok(r, "list without --root");
	lc_res_free(&r);

	/* As root the default is /run/vshim whatever XDG_RUNTIME_DIR says. */
	const char *root =
	    geteuid() == 0 || getenv("XDG_RUNTIME_DIR") == NULL ? "/run/vshim" : NULL;
	if (root == NULL)
		root = vs_xasprintf("%s/vshim", getenv("XDG_RUNTIME_DIR"));
	cr_assert_eq(stat(root, &st), 0, "no default root `%s` after list", root);
	dir = vs_xasprintf("%s/%s", root, id);
	path = vs_xasprintf("%s/state.json", dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	lc_write(path,
		 "{\"id\":\"x\",\"bundle\":\"/nonexistent\",\"status\":\"stopped\",\"pid\":0,"
		 "\"created\":\"2026-11-23T10:00:00Z\",\"exit_status\":0}",
		 0600);
	yajl_val v = lc_state(&t, id);
	cr_assert_str_eq(lc_json_str(v, "status"), "stopped");
	yajl_tree_free(v);
	r = LC_RUN(&t, "delete", id);
	lc_assert_ok(r, "delete without --root");
	lc_res_free(&r);
	cr_assert_neq(access(dir, F_OK), 0, "delete left `%s`", dir);
}

Test(units, features)
{
	struct lc_res r = LC_RUN(&t, "features");

	lc_assert_ok(r, "features");
	yajl_val v = lc_json_parse(r.out);
	const char *hooks_path[] = { "hooks", NULL };
	yajl_val hooks = yajl_tree_get(v, hooks_path, yajl_t_array);
	const char *want[] = { "prestart",	 "createRuntime", "createContainer",
			       "startContainer", "poststart",	  "poststop" };

	cr_assert_not_null(lc_json_str(v, "ociVersionMin"));
	cr_assert_not_null(lc_json_str(v, "ociVersionMax"));
	cr_assert_not_null(hooks, "features lists no hooks");
	cr_assert_eq(hooks->u.array.len, VS_ARRAY_SIZE(want));
	for (size_t i = 0; i < VS_ARRAY_SIZE(want); i++)
		cr_assert_str_eq(YAJL_GET_STRING(hooks->u.array.values[i]), want[i]);
	/* Every annotation the VM takes, with what it takes. */
	static const char *const annotations[] = { "memory",  "vcpus",	  "kernel",   "accel",
						   "machine", "tb-cache", "hugepages" };
	for (size_t i = 0; i < VS_ARRAY_SIZE(annotations); i++) {
		cleanup_free char *key = vs_xasprintf("io.vshim.%s", annotations[i]);
		const char *path[] = { "annotations", key, NULL };
		yajl_val what = yajl_tree_get(v, path, yajl_t_string);

		cr_assert(what != NULL && YAJL_GET_STRING(what)[0] != '\0',
			  "features lacks the annotation %s:\n%s", key, r.out);
	}
	/* linux.cgroupsPath is made on both hierarchies (common/cgroup); systemd's is not. */
	static const struct {
		const char *key;
		bool works;
	} cgroup[] = { { "v1", true }, { "v2", true }, { "systemd", false } };
	for (size_t i = 0; i < VS_ARRAY_SIZE(cgroup); i++) {
		const char *path[] = { "linux", "cgroup", cgroup[i].key, NULL };
		yajl_val got = yajl_tree_get(v, path, yajl_t_any);

		cr_assert(got != NULL && YAJL_IS_TRUE(got) == cgroup[i].works,
			  "features: linux.cgroup.%s is not %s", cgroup[i].key,
			  cgroup[i].works ? "true" : "false");
	}
	yajl_tree_free(v);
	lc_res_free(&r);
}

Test(units, spec_writes_a_template_once)
{
	cleanup_free char *bundle = vs_xasprintf("%s/new", t.dir);
	cleanup_free char *config = vs_xasprintf("%s/config.json", bundle);

	cr_assert_eq(mkdir(bundle, 0755), 0);
	struct lc_res r = LC_RUN(&t, "spec", "--bundle", bundle);
	lc_assert_ok(r, "spec");
	lc_res_free(&r);
	cleanup_free char *text = lc_read(config);
	yajl_val v = lc_json_parse(text);
	const char *args_path[] = { "process", "args", NULL };
	cr_assert_not_null(yajl_tree_get(v, args_path, yajl_t_array), "no process.args:\n%s", text);
	yajl_tree_free(v);
	/* As runc's: terminals of the container's devpts belong to the tty group. */
	cr_assert_not_null(strstr(text, "\"ptmxmode=0666\", \"mode=0620\", \"gid=5\""),
			   "devpts without gid=5:\n%s", text);

	r = LC_RUN(&t, "spec", "--bundle", bundle);
	lc_assert_fails_with(r, "spec over an existing config.json", "exists");
	lc_res_free(&r);
	cleanup_free char *again = lc_read(config);
	cr_assert_str_eq(again, text, "spec changed an existing config.json");
}

/* As runc's: a user namespace mapping the caller to root, no network namespace. */
Test(units, spec_rootless_maps_the_caller)
{
	cleanup_free char *bundle = vs_xasprintf("%s/rootless", t.dir);
	cleanup_free char *config = vs_xasprintf("%s/config.json", bundle);
	const char *ns_path[] = { "linux", "namespaces", NULL };
	const char *uid_path[] = { "linux", "uidMappings", NULL };
	const char *gid_path[] = { "linux", "gidMappings", NULL };
	bool user = false, network = false;

	cr_assert_eq(mkdir(bundle, 0755), 0);
	struct lc_res r = LC_RUN(&t, "spec", "--rootless", "--bundle", bundle);
	lc_assert_ok(r, "spec --rootless");
	lc_res_free(&r);
	cleanup_free char *text = lc_read(config);
	yajl_val v = lc_json_parse(text);
	yajl_val ns = yajl_tree_get(v, ns_path, yajl_t_array);
	cr_assert_not_null(ns, "no linux.namespaces:\n%s", text);
	for (size_t i = 0; i < ns->u.array.len; i++) {
		const char *type_path[] = { "type", NULL };
		const char *type =
		    YAJL_GET_STRING(yajl_tree_get(ns->u.array.values[i], type_path, yajl_t_string));

		user |= strcmp(type, "user") == 0;
		network |= strcmp(type, "network") == 0;
	}
	cr_assert(user && !network, "want a user namespace and no network one:\n%s", text);
	for (int k = 0; k < 2; k++) {
		yajl_val maps = yajl_tree_get(v, k == 0 ? uid_path : gid_path, yajl_t_array);
		const char *host_path[] = { "hostID", NULL },
			   *inside_path[] = { "containerID", NULL };

		cr_assert(maps != NULL && maps->u.array.len == 1, "want one mapping:\n%s", text);
		cr_assert_eq(YAJL_GET_INTEGER(
				 yajl_tree_get(maps->u.array.values[0], host_path, yajl_t_number)),
			     k == 0 ? (long long)geteuid() : (long long)getegid(), "%s", text);
		cr_assert_eq(YAJL_GET_INTEGER(yajl_tree_get(maps->u.array.values[0], inside_path,
							    yajl_t_number)),
			     0, "%s", text);
	}
	yajl_tree_free(v);
}
