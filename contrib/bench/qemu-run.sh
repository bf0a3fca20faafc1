#!/usr/bin/env bash
# Wall time of a guest that exits at once: bare qemu-system-x86_64 against
# vshim-qemu-run booting the same kernel and initrd, interleaved, N rounds.
# Usage: contrib/bench/qemu-run.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top/build}")
rounds=${2:-15}
kernel=$build/share/vshim/vmlinux
initrd=$build/tests/testinit.img
qemu=/usr/bin/qemu-system-x86_64
for f in "$kernel" "$initrd" "$build/bin/vshim-qemu-run" "$qemu"; do
	[ -e "$f" ] || { echo "missing $f: build first (cmake --build $build)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmdline="console=ttyS0 reboot=t panic=-1 quiet vshim.test=reboot"
cat >"$work/guest.xml" <<XML
<domain type='qemu'>
  <name>bench</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='microvm'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$initrd</initrd>
    <cmdline>$cmdline</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'><source path='$work/console.log'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML

bare() {
	"$qemu" -machine microvm,accel=tcg,acpi=off -nodefaults -no-user-config -display none \
		-no-reboot -m 128 -smp 1 -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		-chardev file,id=s0,path="$work/console.log" -serial chardev:s0 \
		-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny
}
vshim() {
	"$build/bin/vshim-qemu-run" "$work/guest.xml"
}

now() { date +%s%N; }
for ((i = 0; i < rounds; i++)); do
	for what in bare vshim; do
		t0=$(now)
		$what >/dev/null 2>"$work/err" || { echo "$what failed:"; cat "$work/err"; exit 1; } >&2
		echo "$what $(( ($(now) - t0) / 1000 ))" >>"$work/times"
	done
done

python3 - "$work/times" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    what, us = line.split()
    runs.setdefault(what, []).append(int(us) / 1000)
floor = statistics.median(runs["bare"])
print(f"{'':16} {'min ms':>8} {'median':>8} {'max':>8} {'x floor':>8}")
for what, label in (("bare", "bare qemu"), ("vshim", "vshim-qemu-run")):
    t = runs[what]
    print(f"{label:16} {min(t):8.1f} {statistics.median(t):8.1f} {max(t):8.1f} "
          f"{statistics.median(t) / floor:8.3f}")
PY
