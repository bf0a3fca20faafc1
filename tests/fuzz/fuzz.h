/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzz target of the host-side agent decoder, shared by the libFuzzer
 * build (clang, -DVSHIM_FUZZ=ON) and by the replay program every build runs
 * under ctest (seeds plus deterministic mutations).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The input's first byte picks the chunk size the rest is fed in; the rest
 * is what a hostile guest sends.  The host has requests waiting (CREATE,
 * two EXECs, PS, SIGNAL, SHUTDOWN: tags 1-6, processes 1-3) so replies,
 * output and exits all reach the typed checks.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seed inputs: well-formed conversations.  Returns 0 past the last; *out is malloc'd. */
size_t fuzz_seed(unsigned int i, uint8_t **out);
