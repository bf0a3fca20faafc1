/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the security tests share beyond the `vshim run` harness
 * (runtest.h): short-lived verbs, waiting for a status, and file trees
 * compared before and after an attack.
 */
#pragma once

#include "runtest.h"

/* Every capability of this kernel, as config.json's process.capabilities object. */
#define SEC_ALL_CAPS_LIST                                                             \
	"\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_DAC_READ_SEARCH\",\"CAP_FOWNER\","  \
	"\"CAP_FSETID\",\"CAP_KILL\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETPCAP\","  \
	"\"CAP_LINUX_IMMUTABLE\",\"CAP_NET_BIND_SERVICE\",\"CAP_NET_BROADCAST\","     \
	"\"CAP_NET_ADMIN\",\"CAP_NET_RAW\",\"CAP_IPC_LOCK\",\"CAP_IPC_OWNER\","       \
	"\"CAP_SYS_MODULE\",\"CAP_SYS_RAWIO\",\"CAP_SYS_CHROOT\",\"CAP_SYS_PTRACE\"," \
	"\"CAP_SYS_PACCT\",\"CAP_SYS_ADMIN\",\"CAP_SYS_BOOT\",\"CAP_SYS_NICE\","      \
	"\"CAP_SYS_RESOURCE\",\"CAP_SYS_TIME\",\"CAP_SYS_TTY_CONFIG\",\"CAP_MKNOD\"," \
	"\"CAP_LEASE\",\"CAP_AUDIT_WRITE\",\"CAP_AUDIT_CONTROL\",\"CAP_SETFCAP\","    \
	"\"CAP_MAC_OVERRIDE\",\"CAP_MAC_ADMIN\",\"CAP_SYSLOG\",\"CAP_WAKE_ALARM\","   \
	"\"CAP_BLOCK_SUSPEND\",\"CAP_AUDIT_READ\",\"CAP_PERFMON\",\"CAP_BPF\","       \
	"\"CAP_CHECKPOINT_RESTORE\""
#define SEC_ALL_CAPS                                                              \
	"{\"bounding\":[" SEC_ALL_CAPS_LIST "],\"effective\":[" SEC_ALL_CAPS_LIST \
	"],\"permitted\":[" SEC_ALL_CAPS_LIST "]}"

/* `vshim --root ROOT ARGS...` must succeed: its stdout (a new string). */
char *sec_verb_ok(struct rt *t, const char *const *args);

/* Polls `state` until the container's status is status; fails the test after timeout_s. */
void sec_wait_status(struct rt *t, const char *status, int timeout_s);

/*
 * Every entry under dir, one line each: its path below dir, type, mode,
 * owner and size, sorted; entries whose name starts with one of skip
 * (NULL-terminated, may be NULL) are left out, at the top level only.
 * A new string.
 */
char *sec_tree(const char *dir, const char *const *skip);

/* The test fails, with the difference, unless dir's tree is still before. */
void sec_assert_tree(const char *dir, const char *before, const char *const *skip);
