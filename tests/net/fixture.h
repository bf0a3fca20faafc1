/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throwaway network namespaces for the net/ tests.  Criterion runs every
 * test in a process of its own; fx_isolate() moves that process into a new
 * network namespace before anything is built, so the host's namespace is
 * never touched and everything a test makes (veths, taps, qdiscs, the peer
 * namespace) disappears with its process, whatever the outcome.  Fixtures
 * are built with ip(8) and tc(8), independently of the code under test.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* The names the tests give their interfaces (host-state.sh looks for them). */
#define FX_VETH "vsn0"	/* in the test's namespace */
#define FX_PEER "vsn0p" /* its peer, in the peer namespace */
#define FX_TAP	"vsntap0"
#define FX_MAC	"02:00:00:00:77:02"

/* Moves the test process into a new network namespace with lo up. */
void fx_isolate(void);

/*
 * Makes a veth pair FX_VETH (here, MAC FX_MAC, MTU 1400, up, no addresses)
 * and FX_PEER (up, in a new namespace of its own, whose descriptor is
 * returned).
 */
int fx_veth_pair(void);

/* Runs "sh -c CMD" in the current namespace; asserts that it succeeds. */
void fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Runs "sh -c CMD" in namespace ns_fd (-1: the current one; otherwise CMD
 * must hold no single quote) and returns its stdout (malloc'd).
 */
char *fx_sh_out(int ns_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when "sh -c CMD" exits 0. */
bool fx_sh_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The interface index of name here, or 0. */
int fx_index(const char *name);

/* Asserts err is set, with errnum (when not 0) and a message containing every one of words. */
void fx_assert_error(struct vs_error *err, int errnum, const char *const *words);
#define FX_WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
