/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the driver's VM tests: guest files and domain documents. */
#pragma once

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/util.h"

/* A path the test cannot do without, or a failure saying what is missing. */
static inline const char *vmtest_require_file(const char *env)
{
	const char *path = getenv(env);

	if (path == NULL || access(path, R_OK) != 0)
		cr_assert_fail("%s (`%s`) is missing: build the guest (cmake --build) first", env,
			       path ? path : "unset");
	if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0)
		cr_assert_fail("qemu-system-x86_64 is missing: run contrib/install-deps.sh");
	return path;
}

/*
 * A microvm domain booting the test init in the given mode
 * (reboot, hang, panic, echo-port); extra goes inside <devices>.
 */
static inline char *vmtest_domain_xml(const char *name, const char *mode, const char *extra)
{
	const char *kernel = vmtest_require_file("VSHIM_TEST_KERNEL");
	const char *initrd = vmtest_require_file("VSHIM_TEST_INITRD");

	return vs_xasprintf(
	    "<domain type='qemu'>\n"
	    "  <name>%s</name>\n"
	    "  <memory unit='MiB'>128</memory>\n"
	    "  <vcpu>1</vcpu>\n"
	    "  <os>\n"
	    "    <type arch='x86_64' machine='microvm'>hvm</type>\n"
	    "    <kernel>%s</kernel>\n"
	    "    <initrd>%s</initrd>\n"
	    "    <cmdline>console=ttyS0 reboot=t panic=-1 quiet vshim.test=%s</cmdline>\n"
	    "  </os>\n"
	    "  <on_poweroff>destroy</on_poweroff>\n"
	    "  <on_reboot>destroy</on_reboot>\n"
	    "  <on_crash>destroy</on_crash>\n"
	    "  <devices>\n%s"
	    "    <memballoon model='none'/>\n"
	    "  </devices>\n"
	    "</domain>\n",
	    name, kernel, initrd, mode, extra ? extra : "");
}

/* A fresh directory under TMPDIR; the caller removes it. */
static inline char *vmtest_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = vs_xasprintf("%s/vshim-test.XXXXXX", tmp ? tmp : "/tmp");

	cr_assert_not_null(mkdtemp(dir), "cannot create a temporary directory");
	return dir;
}
