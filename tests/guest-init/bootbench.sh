#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Boot-to-init-and-exit time of the guest kernel with the test init, under
# plain QEMU (microvm, TCG), as wall time of the whole QEMU process.
#
#   bootbench.sh [-n RUNS] [-k KERNEL] [-i INITRD] [-q QEMU-ARG]... [CMDLINE...]
#
# KERNEL and INITRD default to the build tree's share/vshim/vmlinux and
# tests/testinit.img (BUILD=/path/to/build, else ./build). CMDLINE defaults to
# "console=ttyS0 reboot=t panic=-1 quiet". Prints min and median seconds
# over RUNS boots (10), after one warm-up boot, and fails when a boot does
# not reach the test init or QEMU does not exit by itself.
set -euo pipefail

runs=10
build=${BUILD:-build}
kernel=$build/share/vshim/vmlinux
initrd=$build/tests/testinit.img
qemu_args=()
while getopts n:k:i:q: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	q) qemu_args+=("$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cmdline=${*:-console=ttyS0 reboot=t panic=-1 quiet}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

boot() {
	: >"$log"
	timeout 60 qemu-system-x86_64 -machine microvm,accel=tcg,acpi=off -nodefaults \
		-no-user-config -display none -no-reboot -m 256 \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		-chardev "file,id=s0,path=$log" -serial chardev:s0 "${qemu_args[@]}" </dev/null ||
		{
			echo "bootbench: QEMU failed or timed out; console:" >&2
			cat "$log" >&2
			exit 1
		}
	grep -q 'vshim-testinit: hello' "$log" || {
		echo "bootbench: the test init did not run; console:" >&2
		cat "$log" >&2
		exit 1
	}
}

boot
times=()
for ((i = 0; i < runs; i++)); do
	start=$(date +%s%N)
	boot
	times+=($((($(date +%s%N) - start) / 1000000)))
done
mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
median=$(((sorted[(runs - 1) / 2] + sorted[runs / 2]) / 2))
printf 'min %d.%03d s  median %d.%03d s  (%d runs: %s ms)\n' \
	$((sorted[0] / 1000)) $((sorted[0] % 1000)) $((median / 1000)) $((median % 1000)) \
	"$runs" "${times[*]}"
