/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's environment as runc prepares it before execve: every name
 * once, with the value of its last occurrence, and HOME from the
 * container's /etc/passwd when process.env has none (or an empty one).
 */
#pragma once

#include <sys/types.h>

#include "oci/spec.h"

/*
 * The home directory of uid in passwd_path, as written there (the first
 * entry with that uid), or "/" when it has none: a new string.
 */
char *agent_env_home(const char *passwd_path, uid_t uid);

/*
 * process.env deduplicated, in the order of each name's last occurrence,
 * without an empty HOME, then HOME=agent_env_home() unless a HOME is left.
 * A process without env gets an empty environment, as under runc.  A new
 * NULL-terminated vector of new strings (agent_env_free()).
 */
char **agent_env_make(const struct oci_process *p, const char *passwd_path);
void agent_env_free(char **env);
