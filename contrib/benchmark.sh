#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The benchmark in one command from a fresh checkout, as root: installs what
# is missing (the peers and gnuplot included), builds vshim without
# sanitizers, and runs contrib/bench/run.sh.
#
#   contrib/benchmark.sh [ROUNDS]
#
# ROUNDS defaults to 20. The build directory is $VSHIM_BUILD_DIR (default
# build); every VSHIM_BENCH_* variable of run.sh applies.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VSHIM_BUILD_DIR:-$top/build}
cd "$top"

VSHIM_BUILD_DIR=$build contrib/build.sh
exec contrib/bench/run.sh "$build" "${1:-20}"
