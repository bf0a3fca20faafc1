#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# vshim's start-up benchmark: wall time of a guest that does nothing, from
# bare QEMU up to a whole `vshim run`, measured in one run with interleaved
# repetitions so that every case sees the same machine.
#
#   contrib/bench/run.sh [BUILD_DIR] [ROUNDS]
#
# Cases (each repetition is the wall time of the whole command):
#   floor      bare qemu-system-x86_64 booting the build's vmlinux to the
#              static test init (tests/testinit.img), which exits at once;
#              same machine, accelerator, memory and vCPUs as vshim's VM,
#              and the guest command line of oci/translate.h
#   floor_tcg  the same with the driver's TCG-only kernel flags
#              (DRV_TCG_CMDLINE in driver/command.h); only under TCG
#   qemu_run   vshim-qemu-run booting that same guest through the driver
#   vshim_run  `vshim run` of /bin/true from a busybox-static bundle,
#              teardown included
#   base_qemu_run, base_vshim_run
#              the same two with the binaries of VSHIM_BENCH_BASELINE, to
#              compare a change with the build before it in one run
#
# Prints min/median/max per case with the ratio of its median to the floor's
# median, then the targets (met or not), and writes everything as JSON.
# Nothing is downloaded: busybox comes from the host (busybox-static).
#
# Environment:
#   VSHIM_BENCH_CASES   cases to run, in order (default: all of the above)
#   VSHIM_BENCH_JSON    result file (default: BUILD_DIR/bench/run.json)
#   VSHIM_BENCH_MEMORY  VM memory in MiB (default 256)
#   VSHIM_BENCH_VCPUS   vCPUs (default 1)
#   VSHIM_BENCH_ACCEL   tcg or kvm (default: what the driver's `auto` picks)
#   VSHIM_BENCH_BASELINE  another build directory (say, of the last commit):
#                       adds the base_* cases
#   VSHIM_BENCH_STAGES  1: also run `vshim --debug run` once per round
#                       (untimed) and report when each start-up stage began
#
# Adding a case: write case_NAME (runs one repetition, fails on error), give
# it a label in case_label, and list it in all_cases; report.py does the rest.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bench_dir=$top/contrib/bench
build=$(realpath "${1:-$top/build}")
rounds=${2:-15}
memory=${VSHIM_BENCH_MEMORY:-256}
vcpus=${VSHIM_BENCH_VCPUS:-1}
json=${VSHIM_BENCH_JSON:-$build/bench/run.json}
baseline=${VSHIM_BENCH_BASELINE:+$(realpath "$VSHIM_BENCH_BASELINE")}
all_cases="floor floor_tcg qemu_run vshim_run"
[ -z "$baseline" ] || all_cases="$all_cases base_qemu_run base_vshim_run"
cases=${VSHIM_BENCH_CASES:-$all_cases}

qemu=/usr/bin/qemu-system-x86_64
kernel=$build/share/vshim/vmlinux
initrd=$build/tests/testinit.img
busybox=/bin/busybox

die() {
	echo "run.sh: $*" >&2
	exit 1
}

[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not \`$rounds\`"
for f in "$kernel" "$initrd" "$build/bin/vshim" "$build/bin/vshim-qemu-run" "$qemu" \
	${baseline:+"$baseline/bin/vshim" "$baseline/bin/vshim-qemu-run"}; do
	[ -e "$f" ] || die "missing $f: build first"
done
if ! [ -x "$busybox" ] || readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	die "$busybox is not a static busybox (apt-get install busybox-static)"
fi

# One C string constant from a header of the tree, so the bench follows the code.
c_define() {
	sed -n "s/^#define $1[[:space:]]*\"\(.*\)\"/\1/p" "$2"
}

# The accelerator the driver's `auto` resolves to (driver/accel.c): KVM only
# when /dev/kvm opens read-write and the module is kvm_intel or kvm_amd.
default_accel() {
	if [ -e /sys/module/kvm_pvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo tcg
	elif [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; then
		echo kvm
	else
		echo tcg
	fi
}
accel=${VSHIM_BENCH_ACCEL:-$(default_accel)}
case $accel in
tcg | kvm) ;;
*) die "VSHIM_BENCH_ACCEL must be tcg or kvm, not \`$accel\`" ;;
esac

guest_cmdline=$(c_define OCI_GUEST_CMDLINE "$top/oci/translate.h")
[ -n "$guest_cmdline" ] || die "cannot find OCI_GUEST_CMDLINE in oci/translate.h"
tcg_flags=$(c_define DRV_TCG_CMDLINE "$top/driver/command.h")
floor_cmdline="$guest_cmdline vshim.test=reboot"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the guests -------------------------------------------------------------

# The floor's guest as domain XML, for vshim-qemu-run.
cat >"$work/guest.xml" <<XML
<domain type='$([ "$accel" = kvm ] && echo kvm || echo qemu)'>
  <name>bench</name>
  <memory unit='MiB'>$memory</memory>
  <vcpu>$vcpus</vcpu>
  <os>
    <type arch='x86_64' machine='microvm'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$initrd</initrd>
    <cmdline>$floor_cmdline</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'><source path='$work/qemu-run.console'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML

# The busybox bundle: vshim's own config.json template running /bin/true,
# with the VM's shape pinned so that it matches the floor's.
mkdir -p "$work/bundle/rootfs/bin"
cp "$busybox" "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"
"$build/bin/vshim" spec --bundle "$work/bundle" >/dev/null
python3 - "$work/bundle/config.json" "$memory" "$vcpus" "$accel" <<'PY'
import json, sys
path, memory, vcpus, accel = sys.argv[1:]
with open(path) as f:
    c = json.load(f)
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c.setdefault("annotations", {}).update(
    {"io.vshim.memory": memory, "io.vshim.vcpus": vcpus, "io.vshim.accel": accel})
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY

# --- the cases: each runs one repetition ----------------------------------

# A boot counts only when the test init ran (a panic also ends QEMU).  QEMU
# truncates the console file at start.
init_ran() {
	if ! grep -q 'vshim-testinit: mode reboot' "$1"; then
		echo "the test init did not run; console:" >&2
		cat "$1" >&2
		return 1
	fi
}
bare_qemu() {
	"$qemu" -machine "microvm,accel=$accel,acpi=off" -nodefaults -no-user-config \
		-display none -no-reboot -m "$memory" -smp "$vcpus" \
		-kernel "$kernel" -initrd "$initrd" -append "$1" \
		-chardev "file,id=s0,path=$work/floor.console" -serial chardev:s0 \
		-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny \
		</dev/null && init_ran "$work/floor.console"
}
case_floor() { bare_qemu "$floor_cmdline"; }
case_floor_tcg() { bare_qemu "$floor_cmdline $tcg_flags"; }
qemu_run() {
	"$1/bin/vshim-qemu-run" "$work/guest.xml" </dev/null && init_ran "$work/qemu-run.console"
}
vshim_runs=0
vshim_run() {
	local id=bench-$((vshim_runs++))

	"$1/bin/vshim" --root "$work/root" run --bundle "$work/bundle" "$id" </dev/null || return
	# run leaves nothing behind: a state directory still there is a failure.
	[ ! -e "$work/root/$id" ] || {
		echo "vshim run left $work/root/$id behind" >&2
		return 1
	}
}
case_qemu_run() { qemu_run "$build"; }
case_vshim_run() { vshim_run "$build"; }
case_base_qemu_run() { qemu_run "$baseline"; }
case_base_vshim_run() { vshim_run "$baseline"; }

case_label() {
	case $1 in
	floor) echo "floor: bare qemu" ;;
	floor_tcg) echo "floor, TCG flags" ;;
	qemu_run) echo "vshim-qemu-run" ;;
	vshim_run) echo "vshim run true" ;;
	base_qemu_run) echo "vshim-qemu-run (base)" ;;
	base_vshim_run) echo "vshim run true (base)" ;;
	*) echo "$1" ;;
	esac
}

# Cases that do not apply here are dropped with a note.
selected=()
for c in $cases; do
	declare -F "case_$c" >/dev/null || die "unknown case \`$c\` (known: $all_cases)"
	if [ "$c" = floor_tcg ] && { [ "$accel" != tcg ] || [ -z "$tcg_flags" ]; }; then
		echo "run.sh: skipping floor_tcg (accelerator $accel, TCG flags \`$tcg_flags\`)" >&2
		continue
	fi
	if [[ $c == base_* ]] && [ -z "$baseline" ]; then
		die "case $c needs VSHIM_BENCH_BASELINE"
	fi
	selected+=("$c")
done
[ ${#selected[@]} -gt 0 ] || die "no case to run"

# --- measuring -------------------------------------------------------------

records=$work/records # lines: CASE METRIC VALUE

# Runs case $1 once; appends its wall time in ms unless $2 is "warm-up".
measure() {
	local t0 t1

	t0=$EPOCHREALTIME
	if ! "case_$1" >"$work/out" 2>"$work/err"; then
		echo "run.sh: case $1 failed:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	[ "${2:-}" = warm-up ] && return
	echo "$1 wall_ms $(((${t1/./} - ${t0/./}) / 1000)).$(((${t1/./} - ${t0/./}) % 1000 / 100))" \
		>>"$records"
}

# Optional: when each stage of one `vshim --debug run` began (not timed with
# the others: the debug output costs a little).
stage_run() {
	local t0 t1

	t0=$EPOCHREALTIME
	"$build/bin/vshim" --debug --root "$work/root" run --bundle "$work/bundle" \
		"stages-$1" </dev/null >/dev/null 2>"$work/stages.log" ||
		die "vshim --debug run failed: $(tail -3 "$work/stages.log")"
	t1=$EPOCHREALTIME
	python3 "$bench_dir/stages.py" <"$work/stages.log" >>"$records"
	echo "stages stage:vshim_exited $(((${t1/./} - ${t0/./}) / 1000))" >>"$records"
}

# Other work on the machine shows up as noise: say so (the 1-minute load
# average also remembers a benchmark that ended less than a minute ago).
load_check() {
	local load

	read -r load _ </proc/loadavg
	python3 -c "import sys; sys.exit(float('$load') > 0.5 * $(nproc))" ||
		echo "run.sh: warning: load average $load on $(nproc) CPUs: expect noise" >&2
	echo "$load"
}

echo "run.sh: $rounds rounds of: ${selected[*]} (accel $accel, $memory MiB, $vcpus vCPU)" >&2
load_before=$(load_check)
for c in "${selected[@]}"; do
	measure "$c" warm-up
done
for ((r = 0; r < rounds; r++)); do
	# The order rotates each round, so no case always runs after the same one.
	n=${#selected[@]}
	for ((k = 0; k < n; k++)); do
		measure "${selected[(r + k) % n]}"
	done
	[ "${VSHIM_BENCH_STAGES:-0}" = 1 ] && stage_run "$r"
	printf '.' >&2
done
echo >&2
read -r load_after _ </proc/loadavg

mkdir -p "$(dirname "$json")"
labels=()
for c in "${selected[@]}"; do
	labels+=("$c=$(case_label "$c")")
done
python3 "$bench_dir/report.py" --records "$records" --json "$json" \
	--meta "accel=$accel" --meta "memory_mib=$memory" --meta "vcpus=$vcpus" \
	--meta "rounds=$rounds" --meta "kernel=$kernel" --meta "initrd=$initrd" \
	--meta "guest_cmdline=$guest_cmdline" --meta "tcg_flags=$tcg_flags" \
	--meta "qemu=$("$qemu" --version | head -1)" --meta "build=$build" \
	--meta "loadavg_before=$load_before" --meta "loadavg_after=$load_after" \
	--meta "baseline=$baseline" \
	--floor floor --also floor_tcg --target vshim_run:1.3 --target vshim_run:1.15 \
	${baseline:+--target base_vshim_run:1.3 --target base_vshim_run:1.15} \
	"${labels[@]/#/--case=}"
