#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# vshim's benchmark: start-up time against bare QEMU and against the peers,
# host memory per idle container, and many containers started at once. Time
# cases run in one run with interleaved repetitions, so that every case sees
# the same machine.
#
#   contrib/bench/run.sh [BUILD_DIR] [ROUNDS]
#
# Time cases (each repetition is the wall time of the whole command unless
# said otherwise):
#   floor      bare qemu-system-x86_64 booting the build's vmlinux to the
#              static test init (tests/testinit.img), which exits at once;
#              same machine, accelerator, memory and vCPUs as vshim's VM,
#              and the guest command line of oci/translate.h
#   floor_tcg  the same with the driver's TCG-only kernel flags
#              (DRV_TCG_CMDLINE in driver/command.h): the kernel command
#              line vshim's guests really get, so the honest floor; only
#              under TCG
#   floor_tsc  floor_tcg plus the TSC flags (DRV_TCG_TSC_CMDLINE) with the
#              host's TSC rate, which `vshim --debug run` reports once before
#              the rounds: what vshim's TCG guests really boot with; only
#              under TCG
#   qemu_run   vshim-qemu-run booting that same guest through the driver
#              (floor_tsc's command line when the host's TSC rate is known)
#   vshim_run  `vshim run` of /bin/true from a busybox-static bundle,
#              teardown included
#   first_output  `vshim create` + `vshim start` of `echo`, to the first byte
#              of its output (contrib/bench/probe.py)
#   virt_qemu_run  libvirt's virt-qemu-run on the same kernel, test init
#              and command line as floor_tcg in a q35 domain (libvirt has no
#              microvm), timed to QEMU's exit: virt-qemu-run itself does not
#              exit when the guest stops.  Its embedded root gets a qemu.conf
#              (user root, logs to files); libvirt 9.0 wants a libvirt-qemu
#              user to exist all the same, which this script adds (system
#              user, no login) when it is missing.
#   runc, crun `runc run` / `crun run` of /bin/true on the same root file
#              system: the container floor without a VM; crun is skipped
#              when it cannot run here (crun 1.8 refuses hybrid cgroups)
#   base_qemu_run, base_vshim_run
#              the same two with the binaries of VSHIM_BENCH_BASELINE, to
#              compare a change with the build before it in one run
#
# Then, once: when each start-up stage of `vshim --debug run` began (every
# round, untimed); memory (host PSS of the monitor plus its QEMU per idle
# container with a 128 MiB guest, for 1, 5 and 10 containers running, and
# the monitor's RSS); density (10 `vshim run --detach` at once: time until
# all run, failures).
#
# Prints min/median/max per case with the ratio of its median to each floor,
# the stages, memory and density, then the targets (met or not, naming the
# floor), and writes everything as JSON and a PNG chart (gnuplot) next to it.
# Nothing is downloaded: busybox comes from the host (busybox-static), the
# peers from Debian (contrib/install-deps.sh).
#
# Environment:
#   VSHIM_BENCH_CASES   time cases to run, in order (default: all of the above)
#   VSHIM_BENCH_JSON    result file (default: BUILD_DIR/bench/run.json; the
#                       chart is the same path with .png)
#   VSHIM_BENCH_MEMORY  VM memory in MiB of the time cases (default 256)
#   VSHIM_BENCH_VCPUS   vCPUs (default 1)
#   VSHIM_BENCH_ACCEL   tcg or kvm (default: what the driver's `auto` picks)
#   VSHIM_BENCH_BASELINE  another build directory (say, of the last commit):
#                       adds the base_* cases
#   VSHIM_BENCH_STAGES  0: no `vshim --debug run` per round (default 1)
#   VSHIM_BENCH_FLEET   container counts for memory (default "1 5 10"; empty:
#                       no memory measurement)
#   VSHIM_BENCH_FLEET_MEMORY  guest memory in MiB there (default 128)
#   VSHIM_BENCH_SETTLE  seconds the fleet idles before it is measured (default 5)
#   VSHIM_BENCH_DENSITY containers started at once (default 10; 0: none)
#   VSHIM_BENCH_DENSITY_ROUNDS  repetitions of that (default 3)
#
# Adding a time case: write case_NAME (runs one repetition, fails on error;
# it may write its own measurement in ms to $work/value instead of its wall
# time), give it a label in case_label, and list it in all_cases; report.py
# does the rest.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bench_dir=$top/contrib/bench
build=$(realpath "${1:-$top/build}")
rounds=${2:-15}
memory=${VSHIM_BENCH_MEMORY:-256}
vcpus=${VSHIM_BENCH_VCPUS:-1}
json=${VSHIM_BENCH_JSON:-$build/bench/run.json}
baseline=${VSHIM_BENCH_BASELINE:+$(realpath "$VSHIM_BENCH_BASELINE")}
all_cases="floor floor_tcg floor_tsc qemu_run vshim_run first_output virt_qemu_run runc crun"
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
fleet=${VSHIM_BENCH_FLEET-1 5 10}
fleet_memory=${VSHIM_BENCH_FLEET_MEMORY:-128}
settle=${VSHIM_BENCH_SETTLE:-5}
density=${VSHIM_BENCH_DENSITY:-10}
density_rounds=${VSHIM_BENCH_DENSITY_ROUNDS:-3}
png=${json%.json}.png

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

# guest_xml MACHINE CMDLINE CONSOLE [EMULATOR]: the floor's guest as domain
# XML (the test init, destroyed when it stops), its serial console to a file.
guest_xml() {
	cat <<XML
<domain type='$([ "$accel" = kvm ] && echo kvm || echo qemu)'>
  <name>bench</name>
  <memory unit='MiB'>$memory</memory>
  <vcpu>$vcpus</vcpu>
  <os>
    <type arch='x86_64' machine='$1'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$initrd</initrd>
    <cmdline>$2</cmdline>
  </os>${tsc_hz:+
  <clock offset='utc'><timer name='tsc' frequency='$tsc_hz'/></clock>}
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>${4:+
    <emulator>$4</emulator>}
    <serial type='file'><source path='$3'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}

# The busybox bundle: vshim's own config.json template running /bin/true,
# with the VM's shape pinned so that it matches the floor's.
# The other bundles share its root: `echo` for first_output, `sleep` for the
# fleet (128 MiB guests), and runc's own template for runc and crun.
mkdir -p "$work/rootfs/bin"
cp "$busybox" "$work/rootfs/bin/busybox"
for applet in true echo sleep; do
	ln -s busybox "$work/rootfs/bin/$applet"
done
# bundle NAME MEMORY ARGS...: a vshim bundle from vshim's own config.json template.
bundle() {
	local dir=$work/$1 mem=$2

	shift 2
	mkdir -p "$dir"
	ln -s ../rootfs "$dir/rootfs"
	"$build/bin/vshim" spec --bundle "$dir" >/dev/null
	python3 - "$dir/config.json" "$mem" "$vcpus" "$accel" "$@" <<'PY'
import json, sys
path, memory, vcpus, accel, *args = sys.argv[1:]
with open(path) as f:
    c = json.load(f)
c["process"]["args"] = args
c["process"]["terminal"] = False
c.setdefault("annotations", {}).update(
    {"io.vshim.memory": memory, "io.vshim.vcpus": vcpus, "io.vshim.accel": accel})
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY
}
bundle bundle "$memory" /bin/true
bundle echo "$memory" /bin/echo vshim
bundle idle "$fleet_memory" /bin/sleep 100000

# The host's TSC rate as vshim measures it (driver/clock.c), from the debug
# line of one `vshim --debug run`; the TSC flags a TCG guest gets with it.
tsc_hz=$("$build/bin/vshim" --debug --root "$work/tsc-root" run --bundle "$work/bundle" tsc-probe \
	2>&1 >/dev/null </dev/null | sed -n 's/.*TSC runs at \([0-9]*\) Hz.*/\1/p' | head -1)
tsc_flags=
if [ -n "$tsc_hz" ]; then
	tsc_flags=$(printf "$(c_define DRV_TCG_TSC_CMDLINE "$top/driver/command.h")" \
		"$((tsc_hz / 1000))")
fi

# For vshim-qemu-run: the floor's guest itself.
guest_xml microvm "$floor_cmdline" "$work/qemu-run.console" >"$work/guest.xml"

# runc's bundle: `runc spec`, /bin/true, no terminal.
mkdir -p "$work/oci"
if command -v runc >/dev/null; then
	(cd "$work/oci" && runc spec) && python3 - "$work/oci/config.json" "$work/rootfs" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    c = json.load(f)
c["root"]["path"] = sys.argv[2]  # runc refuses a root that is a symbolic link
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
with open(sys.argv[1], "w") as f:
    json.dump(c, f, indent=1)
PY
fi

# libvirt's embedded root for virt-qemu-run: the floor_tcg guest on q35.
mkdir -p "$work/libvirt/etc"
cat >"$work/libvirt/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
stdio_handler = "file"
remember_owner = 0
dynamic_ownership = 0
CONF
guest_xml q35 "$floor_cmdline${tcg_flags:+ $tcg_flags}" "$work/libvirt.console" "$qemu" \
	>"$work/libvirt.xml"

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
case_floor_tsc() { bare_qemu "$floor_cmdline $tcg_flags $tsc_flags"; }
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
probe() {
	python3 "$bench_dir/probe.py" "$@"
}
case_first_output() {
	local out

	out=$(probe first-output "$build/bin/vshim" "$work/root" "$work/echo" \
		"first-$((vshim_runs++))") || return
	echo "${out##* }" >"$work/value"
}
case_virt_qemu_run() {
	local out

	command -v virt-qemu-run >/dev/null || {
		echo "virt-qemu-run is not installed (libvirt-daemon-driver-qemu)" >&2
		return 1
	}
	if ! getent passwd libvirt-qemu >/dev/null; then
		echo "run.sh: adding the system user libvirt-qemu, which libvirt 9.0 needs" >&2
		useradd --system --user-group --no-create-home --home-dir /var/lib/libvirt \
			--shell /usr/sbin/nologin libvirt-qemu || return
	fi
	out=$(probe virt-qemu-run "$work/libvirt" "$work/libvirt.xml" bench) || return
	grep -q 'vshim-testinit: mode reboot' "$work/libvirt.console" || {
		echo "the test init did not run under libvirt" >&2
		return 1
	}
	echo "${out##* }" >"$work/value"
}
oci_runs=0
case_runc() {
	command -v runc >/dev/null || {
		echo "runc is not installed" >&2
		return 1
	}
	runc --root "$work/runc" run --bundle "$work/oci" "runc-$((oci_runs++))" </dev/null
}
case_crun() {
	command -v crun >/dev/null || {
		echo "crun is not installed" >&2
		return 1
	}
	crun --root "$work/crun" run --bundle "$work/oci" "crun-$((oci_runs++))" </dev/null
}
case_qemu_run() { qemu_run "$build"; }
case_vshim_run() { vshim_run "$build"; }
case_base_qemu_run() { qemu_run "$baseline"; }
case_base_vshim_run() { vshim_run "$baseline"; }

case_label() {
	case $1 in
	floor) echo "floor: bare qemu" ;;
	floor_tcg) echo "floor, TCG flags" ;;
	floor_tsc) echo "floor, TCG+TSC flags" ;;
	qemu_run) echo "vshim-qemu-run" ;;
	vshim_run) echo "vshim run true" ;;
	base_qemu_run) echo "vshim-qemu-run (base)" ;;
	base_vshim_run) echo "vshim run true (base)" ;;
	first_output) echo "vshim to 1st output" ;;
	virt_qemu_run) echo "virt-qemu-run (q35)" ;;
	runc) echo "runc run true" ;;
	crun) echo "crun run true" ;;
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
	if [ "$c" = floor_tsc ] && { [ "$accel" != tcg ] || [ -z "$tsc_flags" ]; }; then
		echo "run.sh: skipping floor_tsc (accelerator $accel, TSC flags \`$tsc_flags\`)" >&2
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

# Peers that may be missing or unable to run here: skipped with a note.
optional_case() {
	case $1 in
	virt_qemu_run | runc | crun) return 0 ;;
	*) return 1 ;;
	esac
}

# Runs case $1 once; appends its time in ms (its wall time, or what it wrote
# to $work/value) unless $2 is "warm-up".  A failed warm-up of an optional
# case returns 1; any other failure ends the run.
measure() {
	local t0 t1 value

	rm -f "$work/value"
	t0=$EPOCHREALTIME
	if ! "case_$1" >"$work/out" 2>"$work/err"; then
		if [ "${2:-}" = warm-up ] && optional_case "$1"; then
			echo "run.sh: skipping $1: $(tail -1 "$work/err")" >&2
			echo "$1 $(tail -1 "$work/err")" >>"$work/skipped"
			return 1
		fi
		echo "run.sh: case $1 failed:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	[ "${2:-}" = warm-up ] && return
	if [ -s "$work/value" ]; then
		read -r value <"$work/value"
	else
		value=$(((${t1/./} - ${t0/./}) / 1000)).$(((${t1/./} - ${t0/./}) % 1000 / 100))
	fi
	echo "$1 wall_ms $value" >>"$records"
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
: >"$work/skipped"
warm=()
for c in "${selected[@]}"; do
	measure "$c" warm-up && warm+=("$c")
done
selected=("${warm[@]}")
for ((r = 0; r < rounds; r++)); do
	# The order rotates each round, so no case always runs after the same one.
	n=${#selected[@]}
	for ((k = 0; k < n; k++)); do
		measure "${selected[(r + k) % n]}"
	done
	[ "${VSHIM_BENCH_STAGES:-1}" = 1 ] && stage_run "$r"
	printf '.' >&2
done
echo >&2

# Memory: COUNT idle containers at once, for each count of the fleet.
for n in $fleet; do
	echo "run.sh: memory of $n idle containers ($fleet_memory MiB guests, ${settle} s to settle)" >&2
	probe memory "$build/bin/vshim" "$work/root" "$work/idle" "$n" "$settle" >>"$records" ||
		die "the memory measurement of $n containers failed"
done
# Density: COUNT containers started at the same moment.
if [ "$density" -gt 0 ]; then
	echo "run.sh: $density_rounds times $density containers started at once" >&2
	for ((r = 0; r < density_rounds; r++)); do
		probe density "$build/bin/vshim" "$work/root" "$work/idle" "$density" >>"$records" ||
			die "the density measurement failed"
	done
fi
read -r load_after _ </proc/loadavg

mkdir -p "$(dirname "$json")"
labels=()
for c in $cases; do
	labels+=("$c=$(case_label "$c")")
done
python3 "$bench_dir/report.py" --records "$records" --json "$json" \
	--meta "accel=$accel" --meta "memory_mib=$memory" --meta "vcpus=$vcpus" \
	--meta "rounds=$rounds" --meta "kernel=$kernel" --meta "initrd=$initrd" \
	--meta "guest_cmdline=$guest_cmdline" --meta "tcg_flags=$tcg_flags" \
	--meta "tsc_flags=$tsc_flags" \
	--meta "qemu=$("$qemu" --version | head -1)" --meta "build=$build" \
	--meta "loadavg_before=$load_before" --meta "loadavg_after=$load_after" \
	--meta "baseline=$baseline" \
	--meta "fleet_memory_mib=$fleet_memory" --meta "settle_s=$settle" \
	--skipped "$work/skipped" --png "$png" \
	--floor floor --also floor_tcg \
	--target vshim_run:1.15:floor_tcg --target qemu_run:1.05:floor_tcg \
	${baseline:+--target base_vshim_run:1.15:floor_tcg --target base_qemu_run:1.05:floor_tcg} \
	--max-monitor-rss-kb 4096 --max-pss-kb 65536 --pss-min-count 3 \
	"${labels[@]/#/--case=}"
