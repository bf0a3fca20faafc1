/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel settings a container makes in its own namespaces (sysctl.h). */
#include "guest/agent/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

bool agent_sysctl_allowed(const char *key, bool vm, const bool own_ns[])
{
	static const struct {
		const char *prefix;
		enum agent_ns ns;
	} namespaced[] = {
		{ "net.", AGENT_NS_NET },
		{ "kernel.shm", AGENT_NS_IPC },
		{ "kernel.msg", AGENT_NS_IPC },
		{ "kernel.sem", AGENT_NS_IPC },
		{ "fs.mqueue.", AGENT_NS_IPC },
		{ "kernel.hostname", AGENT_NS_UTS },
		{ "kernel.domainname", AGENT_NS_UTS },
	};

	if (key[0] == '\0' || key[0] == '.' || key[0] == '/' || strstr(key, "..") != NULL)
		return false;
	if (vm)
		return true;
	for (size_t i = 0; i < VS_ARRAY_SIZE(namespaced); i++) {
		if (strncmp(key, namespaced[i].prefix, strlen(namespaced[i].prefix)) == 0)
			return own_ns[namespaced[i].ns];
	}
	return false;
}

static int check_key(const struct oci_sysctl *s, bool vm, const bool own_ns[],
		     struct vs_error **err)
{
	if (!agent_sysctl_allowed(s->key, vm, own_ns))
		return vs_error_code(err, EPERM, "linux.sysctl: \"%s\" cannot be set here", s->key);
	return 0;
}

static int check_hostname(const struct oci_spec *spec, const bool own_ns[], struct vs_error **err)
{
	if ((spec->hostname != NULL || spec->domainname != NULL) && !own_ns[AGENT_NS_UTS])
		return vs_error_code(err, EINVAL,
				     "a hostname or domainname needs a uts namespace of its own");
	return 0;
}

int agent_sysctl_check(const struct oci_spec *spec, bool vm, const bool own_ns[],
		       struct vs_error **err)
{
	const struct oci_linux *lx = spec->linux_;

	for (size_t i = 0; lx != NULL && i < lx->n_sysctl; i++) {
		if (check_key(&lx->sysctl[i], vm, own_ns, err) < 0)
			return -1;
	}
	return check_hostname(spec, own_ns, err);
}

int agent_sysctl_apply(const struct oci_linux *lx, bool vm, const bool own_ns[],
		       struct vs_error **err)
{
	for (size_t i = 0; lx != NULL && i < lx->n_sysctl; i++) {
		const struct oci_sysctl *s = &lx->sysctl[i];
		cleanup_free char *path = NULL;
		cleanup_close int fd = -1;

		if (check_key(s, vm, own_ns, err) < 0)
			return -1;
		path = vs_xasprintf("/proc/sys/%s", s->key);
		for (char *p = path + strlen("/proc/sys/"); *p; p++) {
			if (*p == '.')
				*p = '/';
		}
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || vs_write_all(fd, s->value, strlen(s->value)) < 0)
			return vs_error_set(err, errno, "linux.sysctl: cannot set \"%s\"", s->key);
	}
	return 0;
}

int agent_sysctl_hostname(const struct oci_spec *spec, const bool own_ns[], struct vs_error **err)
{
	if (check_hostname(spec, own_ns, err) < 0)
		return -1;
	if (spec->hostname != NULL && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return vs_error_set(err, errno, "cannot set hostname \"%s\"", spec->hostname);
	if (spec->domainname != NULL &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return vs_error_set(err, errno, "cannot set domainname \"%s\"", spec->domainname);
	return 0;
}
