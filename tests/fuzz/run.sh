#!/bin/sh
# Fuzzes the host-side agent decoder with libFuzzer for SECONDS (default 30).
#
#   tests/fuzz/run.sh [SECONDS]
#
# Builds fuzz-proto-host with clang (-fsanitize=fuzzer,address,undefined) in
# $VSHIM_FUZZ_BUILD_DIR (default build-fuzz), seeds a corpus there and runs.
# A crash leaves crash-* files in the corpus directory; replay one with
# `fuzz-proto-replay FILE` from any build.  Needs clang and libclang-rt-14-dev.
set -eu
seconds=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${VSHIM_FUZZ_BUILD_DIR:-$top/build-fuzz}

cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DVSHIM_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz-proto-host fuzz-proto-replay -j"$(nproc)"
corpus=$build/fuzz-corpus
mkdir -p "$corpus"
"$build/bin/fuzz-proto-replay" --write-seeds "$corpus"
cd "$corpus"
exec "$build/bin/fuzz-proto-host" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
	-print_final_stats=1 "$corpus"
