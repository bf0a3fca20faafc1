/* SPDX-License-Identifier: Apache-2.0 */
/* What the QMP client's tests share: a client on a fake peer, and its checks. */
#pragma once

#include <yajl/yajl_tree.h>

#include "driver/qmp.h"
#include "fakepeer.h"

#define T_MS 5000 /* for waits that must not time out */

/* A client on a fake peer playing script. */
struct drv_qmp *start(struct fake_peer *p, const struct peer_step *script);
/* Frees the client; the peer's script must have held. */
void finish(struct fake_peer *p, struct drv_qmp *q);
/* The handshake, which must succeed. */
void handshake(struct drv_qmp *q);
/* Runs command, which must fail with a message containing want. */
void command_fails(struct drv_qmp *q, const char *command, int timeout_ms, const char *want);
/* The string member key of v, or NULL. */
const char *str_at(yajl_val v, const char *key);
/* Lets debug lines reach stderr, so failures show the QMP traffic (a suite's init). */
void verbose(void);
