/* SPDX-License-Identifier: Apache-2.0 */
/* vshim features: what this runtime honours, in the runtime spec's features.md shape. */
#include <stdio.h>
#include <sys/capability.h>

#include "oci/hostconf.h"
#include "shim/shim.h"

static const char features_json[] =
    "{\n"
    "  \"ociVersionMin\": \"1.0.0\",\n"
    "  \"ociVersionMax\": \"1.2.0\",\n"
    "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
    "\"startContainer\", \"poststart\", \"poststop\"],\n"
    "  \"mountOptions\": [\"bind\", \"rbind\", \"ro\", \"rw\", \"nosuid\", \"suid\", "
    "\"nodev\", \"dev\", \"noexec\", \"exec\", \"relatime\", \"noatime\", \"strictatime\", "
    "\"private\", \"rprivate\", \"slave\", \"rslave\", \"shared\", \"rshared\"],\n"
    "  \"linux\": {\n"
    "    \"capabilities\": [%s],\n"
    "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"user\", "
    "\"uts\"],\n"
    "    \"cgroup\": { \"v1\": true, \"v2\": true, \"systemd\": false, "
    "\"systemdUser\": false },\n"
    "    \"seccomp\": { \"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", "
    "\"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
    "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRAP\", \"SCMP_ACT_TRACE\"] },\n"
    "    \"apparmor\": { \"enabled\": false },\n"
    "    \"selinux\": { \"enabled\": false }\n"
    "  },\n"
    "  \"annotations\": {\n%s"
    "  }\n"
    "}\n";

int cmd_features(struct shim_ctx *ctx, int argc, char **argv, struct vs_error **err)
{
	if (argc != 1)
		return shim_usage_error(err, "features");
	char caps[4096] = "";
	size_t used = 0;

	/* Every capability libcap knows; the agent applies them in the guest. */
	for (int c = 0; c <= CAP_LAST_CAP && used < sizeof(caps); c++) {
		char *name = cap_to_name(c);

		for (char *p = name; p && *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		used += (size_t)snprintf(caps + used, sizeof(caps) - used, "%s\"%s\"",
					 c ? ", " : "", name ? name : "");
		cap_free(name);
	}
	char anns[4096] = "";
	used = 0;
	/* Every one the VM takes (oci/hostconf.c), whether vshim.conf allows it or not. */
	for (size_t i = 0; i < oci_annotation_count && used < sizeof(anns); i++)
		used += (size_t)snprintf(anns + used, sizeof(anns) - used,
					 "    \"io.vshim.%s\": \"%s\"%s\n", oci_annotation_names[i],
					 oci_annotation_help[i],
					 i + 1 < oci_annotation_count ? "," : "");
	printf(features_json, caps, anns);
	return 0;
}
