/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verbs of vshim: the table main() dispatches through, with each verb's
 * usage line, summary and one line per flag, printed by `vshim --help`,
 * `vshim VERB --help` and `vshim help [VERB]`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "shim/shim.h"

static int cmd_help(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err);

#define CONSOLE_SOCKET                                                                         \
	"  --console-socket SOCKET       with process.terminal: a unix socket that receives\n" \
	"                                the pty master (one SCM_RIGHTS descriptor)\n"
#define PID_FILE "  --pid-file FILE               write the pid of the process that waits for it\n"
#define LAUNCH                                                                                 \
	"  --bundle DIR, -b DIR          the bundle: config.json and the root (default: "      \
	".)\n" PID_FILE CONSOLE_SOCKET                                                         \
	"  --no-pivot, --no-new-keyring  accepted: the root is a mount of its own in the VM\n" \
	"  --preserve-fds N              accepted: no descriptor crosses into a VM\n"
#define FORMAT "  --format FORMAT, -f FORMAT    table (default) or json\n"

static const struct shim_verb verbs[] = {
	{ "create", cmd_create, "[OPTIONS] ID",
	  "create a container: its VM boots, its process waits for start", LAUNCH },
	{ "start", cmd_start, "ID", "start the process of a created container", "" },
	{ "state", cmd_state, "ID", "print the state of a container, as JSON", "" },
	{ "kill", cmd_kill, "[OPTIONS] ID [SIGNAL]",
	  "send a signal (default TERM; 9, KILL or SIGKILL) to the container's process; 0 "
	  "checks that it runs",
	  "  --all, -a                     to every process of the container\n" },
	{ "delete", cmd_delete, "[OPTIONS] ID", "delete a stopped or created container",
	  "  --force, -f                   a running or paused one too (its VM is destroyed)\n" },
	{ "pause", cmd_pause, "ID", "pause every vCPU of the container's VM", "" },
	{ "resume", cmd_resume, "ID", "resume a paused container", "" },
	{ "exec", cmd_exec, "[OPTIONS] ID [COMMAND [ARGS...]]",
	  "run a new process in a created or running container",
	  "  --process FILE, -p FILE       the OCI process object (any file, /dev/fd/N too);\n"
	  "                                --tty, --cwd, --env, --user, -g, --cap and\n"
	  "                                --no-new-privs then do not apply\n"
	  "  --detach, -d                  return once the process runs\n" PID_FILE CONSOLE_SOCKET
	  "  --tty, -t                     give the process a terminal\n"
	  "  --cwd DIR, -w DIR             its working directory\n"
	  "  --env K=V, -e K=V             add to its environment (again for more)\n"
	  "  --user UID[:GID], -u ...      its user (the group stays config.json's without GID)\n"
	  "  --additional-gids GID, -g GID add a group (again for more)\n"
	  "  --cap CAP, -c CAP             add a capability, as CAP_NET_ADMIN (again for more)\n"
	  "  --no-new-privs                set no_new_privs\n"
	  "  --preserve-fds N              accepted: no descriptor crosses into a VM\n"
	  "  --process-label L, --apparmor P  accepted: not applied in the guest\n" },
	{ "ps", cmd_ps, "[OPTIONS] ID [--] [PS-ARGS...]",
	  "list the container's processes, with the pids it sees; PS-ARGS: `ps PS-ARGS` run in "
	  "the container, only its processes' lines kept",
	  FORMAT },
	{ "list", cmd_list, "[OPTIONS]", "list the containers, by ID",
	  FORMAT "  --quiet, -q                   the IDs only\n" },
	{ "run", cmd_run, "[OPTIONS] ID",
	  "create and start a container and wait for it: its stdio and exit status are the "
	  "container's; it is deleted at its end",
	  LAUNCH "  --detach, -d                  return once started (create, then start)\n"
		 "  --keep                        leave the stopped container until delete\n" },
	{ "spec", cmd_spec, "[OPTIONS]", "write a config.json template, as runc spec does",
	  "  --bundle DIR, -b DIR          where (default: .)\n"
	  "  --rootless                    for a user without root: a user namespace mapping you\n"
	  "                                to root, no network namespace\n" },
	{ "features", cmd_features, "", "print the features vshim supports, as JSON", "" },
	{ "help", cmd_help, "[VERB]", "this help, or a verb's", "" },
};

const struct shim_verb *shim_verb_find(const char *name)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

void shim_usage(FILE *out)
{
	fprintf(out, "Usage: vshim [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		     "Runs OCI containers, each in its own QEMU microVM.\n\nCommands:\n");
	for (size_t i = 0; i < VS_ARRAY_SIZE(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\nGlobal options:\n"
		     "  --root DIR            state directory (default /run/vshim, or\n"
		     "                        $XDG_RUNTIME_DIR/vshim when not root)\n"
		     "  --log FILE            also write errors to FILE\n"
		     "  --log-format FORMAT   text or json\n"
		     "  --debug               print debug messages\n"
		     "  --systemd-cgroup      accepted for runc compatibility\n"
		     "  --rootless VALUE      accepted and ignored\n"
		     "  --cgroup-manager X    accepted and ignored\n"
		     "  --version, -v         print the version\n"
		     "  --help, -h            show this help\n"
		     "\nvshim help VERB (or vshim VERB --help) shows a verb's options.\n");
}

void shim_verb_help(const struct shim_verb *v, FILE *out)
{
	fprintf(out, "Usage: vshim %s%s%s\n\n%s\n", v->name, v->args[0] ? " " : "", v->args,
		v->summary);
	if (v->flags[0] != '\0')
		fprintf(out, "\nOptions:\n%s", v->flags);
}

int shim_usage_error(struct vs_error **err, const char *verb)
{
	const struct shim_verb *v = shim_verb_find(verb);

	return vs_error_set(err, 0, "usage: vshim %s %s (vshim help %s)", verb,
			    v != NULL ? v->args : "", verb);
}

static int cmd_help(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	const struct shim_verb *v;

	if (argc > 2)
		return shim_usage_error(err, "help");
	if (argc == 1) {
		shim_usage(stdout);
		return 0;
	}
	v = shim_verb_find(argv[1]);
	if (v == NULL)
		return vs_error_code(err, EINVAL, "help: unknown command `%s`", argv[1]);
	shim_verb_help(v, stdout);
	return 0;
}
