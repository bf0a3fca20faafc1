#!/usr/bin/env bash
# Installs what is missing, builds vshim, and boots the guest kernel in a
# microVM through the embedded driver, showing what the guest printed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VSHIM_BUILD_DIR:-$top/build}
cd "$top"

contrib/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSHIM_GUEST=ON -DVSHIM_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/demo.xml" <<XML
<domain type='qemu'>
  <name>demo</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='microvm'>hvm</type>
    <kernel>$build/share/vshim/vmlinux</kernel>
    <initrd>$build/tests/testinit.img</initrd>
    <cmdline>console=ttyS0 reboot=t panic=-1 quiet vshim.test=reboot</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      <source path='$work/console.log'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
"$build/bin/vshim-qemu-run" --verbose "$work/demo.xml"
echo "--- the guest's console:"
cat "$work/console.log"
