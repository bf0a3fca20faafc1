#!/usr/bin/env bash
# Installs what is missing, builds everything with ASan+UBSan, checks the
# formatting, and runs the whole test suite.  This is the README's test
# command and what CI runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VSHIM_BUILD_DIR:-$top/build-test}
cd "$top"

step() { printf '\n== %s (%ds)\n' "$1" "$SECONDS"; }

step "dependencies"
contrib/install-deps.sh

step "formatting"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
bad=$(for f in $files; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -n "$bad" ]; then
	echo "clang-format disagrees with:" $bad >&2
	echo "fix with: clang-format -i" $bad >&2
	exit 1
fi
echo "clang-format: $(echo "$files" | wc -w) files clean"

step "build (ASan+UBSan)"
cmake -S . -B "$build" -DVSHIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j"$(nproc)"

step "tests"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j2 "$@"

step "fuzzing the host's agent decoder (libFuzzer)"
fuzz_log=$build/fuzz.log
if ! VSHIM_FUZZ_BUILD_DIR=$build-fuzz tests/fuzz/run.sh "${VSHIM_FUZZ_SECONDS:-20}" >"$fuzz_log" 2>&1; then
	cat "$fuzz_log" >&2
	echo "the fuzzer found a failure; the input is in $build-fuzz/fuzz-corpus (crash-*)" >&2
	exit 1
fi
grep -E '^Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$fuzz_log"

leftover=$(pgrep -f "$build/.*qemu|qemu-system-x86_64 .*vshim" || true)
if [ -n "$leftover" ]; then
	echo "QEMU processes left behind by the tests: $leftover" >&2
	exit 1
fi
step "done"
