/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim spec: writes a config.json template, as `runc spec` does, for a
 * container in a VM: the same shape runc writes, with everything in it
 * honoured by the guest agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "shim/shim.h"

/* The template, a printf format: %s is linux.namespaces and what goes with them (no other %). */
static const char template_json[] =
    "{\n"
    "\t\"ociVersion\": \"1.2.0\",\n"
    "\t\"process\": {\n"
    "\t\t\"terminal\": true,\n"
    "\t\t\"user\": { \"uid\": 0, \"gid\": 0 },\n"
    "\t\t\"args\": [ \"sh\" ],\n"
    "\t\t\"env\": [\n"
    "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "\t\t\t\"TERM=xterm\"\n"
    "\t\t],\n"
    "\t\t\"cwd\": \"/\",\n"
    "\t\t\"capabilities\": {\n"
    "\t\t\t\"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
    "\t\t\t\"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
    "\t\t\t\"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
    "\t\t},\n"
    "\t\t\"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
    "\t\t\"noNewPrivileges\": true\n"
    "\t},\n"
    "\t\"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
    "\t\"hostname\": \"vshim\",\n"
    "\t\"mounts\": [\n"
    "\t\t{ \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
    "\t\t{ \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "\t\t  \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
    "\t\t{ \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
    "\t\t  \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
    "\"mode=0620\", \"gid=5\" ] },\n"
    "\t\t{ \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
    "\t\t  \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] "
    "},\n"
    "\t\t{ \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
    "\t\t  \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
    "\t\t{ \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
    "\t\t  \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] },\n"
    "\t\t{ \"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "\t\t  \"options\": [ \"nosuid\", \"nodev\", \"mode=1777\" ] }\n"
    "\t],\n"
    "\t\"linux\": {\n"
    "\t\t\"resources\": { \"memory\": { \"limit\": 268435456 } },\n"
    "%s"
    "\t\t\"maskedPaths\": [ \"/proc/acpi\", \"/proc/kcore\", \"/proc/keys\", "
    "\"/proc/latency_stats\",\n"
    "\t\t\t\"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", "
    "\"/proc/scsi\",\n"
    "\t\t\t\"/sys/firmware\" ],\n"
    "\t\t\"readonlyPaths\": [ \"/proc/asound\", \"/proc/bus\", \"/proc/fs\", \"/proc/irq\",\n"
    "\t\t\t\"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
    "\t}\n"
    "}\n";

static const char namespaces_json[] = "\t\t\"namespaces\": [\n"
				      "\t\t\t{ \"type\": \"pid\" },\n"
				      "\t\t\t{ \"type\": \"network\" },\n"
				      "\t\t\t{ \"type\": \"ipc\" },\n"
				      "\t\t\t{ \"type\": \"uts\" },\n"
				      "\t\t\t{ \"type\": \"mount\" }\n"
				      "\t\t],\n";

/*
 * --rootless, as runc's: a user namespace in which the caller is root, and
 * no network namespace (the VM gets QEMU's user-mode network, which needs
 * no root).  Nothing else changes: the VM, not a host cgroup, bounds the
 * container's memory, and /sys, /proc and /dev are the guest's.
 */
static char *rootless_namespaces_json(void)
{
	return vs_xasprintf("\t\t\"namespaces\": [\n"
			    "\t\t\t{ \"type\": \"pid\" },\n"
			    "\t\t\t{ \"type\": \"ipc\" },\n"
			    "\t\t\t{ \"type\": \"uts\" },\n"
			    "\t\t\t{ \"type\": \"mount\" },\n"
			    "\t\t\t{ \"type\": \"user\" }\n"
			    "\t\t],\n"
			    "\t\t\"uidMappings\": [ { \"containerID\": 0, \"hostID\": %u, "
			    "\"size\": 1 } ],\n"
			    "\t\t\"gidMappings\": [ { \"containerID\": 0, \"hostID\": %u, "
			    "\"size\": 1 } ],\n",
			    (unsigned)geteuid(), (unsigned)getegid());
}

int cmd_spec(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".";
	cleanup_free char *rootless = NULL, *text = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "+b:", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			free(rootless);
			rootless = rootless_namespaces_json();
			break;
		default:
			return shim_usage_error(err, "spec");
		}
	}
	if (optind != argc)
		return shim_usage_error(err, "spec");

	cleanup_free char *path = vs_xasprintf("%s/config.json", bundle);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST
			   ? vs_error_code(err, EEXIST, "`%s` exists: remove it first", path)
			   : vs_error_set(err, errno, "cannot create `%s`", path);
	text = vs_xasprintf(template_json, rootless ? rootless : namespaces_json);
	if (vs_write_all(fd, text, strlen(text)) < 0) {
		vs_error_set(err, errno, "cannot write `%s`", path);
		unlink(path);
		return -1;
	}
	return 0;
}
