#!/usr/bin/env bash
# Installs what is missing, builds vshim, and runs a demo container in a
# microVM: it prints a greeting and the guest's kernel version.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VSHIM_BUILD_DIR:-$top/build}
cd "$top"

VSHIM_BUILD_DIR=$build contrib/build.sh

# A bundle: busybox-static as the root file system, config.json from `vshim spec`.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
for applet in $("$work/rootfs/bin/busybox" --list); do
	[ -e "$work/rootfs/bin/$applet" ] || ln -s busybox "$work/rootfs/bin/$applet"
done
"$build/bin/vshim" spec --bundle "$work"
# Not interactive, and a command of our own instead of sh.
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's|"args": \[ "sh" \]|"args": [ "sh", "-c", "echo Hello from a container in a vshim microVM; echo guest kernel: $(uname -sr)" ]|' \
	"$work/config.json"

echo "host kernel: $(uname -sr)"
"$build/bin/vshim" --root "$work/state" run --bundle "$work" quickstart-$$
