#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs what is missing and builds vshim for use (RelWithDebInfo, no
# sanitizers, the guest kernel and initramfs included) into
# $VSHIM_BUILD_DIR (default: build).  contrib/quickstart.sh and
# contrib/benchmark.sh start with it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VSHIM_BUILD_DIR:-$top/build}
cd "$top"

contrib/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSHIM_GUEST=ON -DVSHIM_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
