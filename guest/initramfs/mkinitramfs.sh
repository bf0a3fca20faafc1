#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Packs files into an initramfs without root:
#
#   mkinitramfs.sh [--gzip] OUTPUT INIT [SRC=DST ...]
#
# INIT becomes /init (mode 0755), stripped of its symbols and debug
# information (the build keeps the unstripped program for debuggers): the
# guest kernel copies every byte of the archive into memory and unpacks it
# again, which under TCG costs about 6 ms per MB; every SRC is copied to DST (relative to /,
# directories created 0755), executable sources 0755 and others 0644. The
# archive is newc cpio with every entry owned by root (cpio -R 0:0) and time
# stamps of $SOURCE_DATE_EPOCH (0 without it), so the same inputs give the
# same bytes. /dev/console is not needed: the kernel's built-in initramfs
# already has it.
set -euo pipefail

gzip=false
if [ "${1:-}" = --gzip ]; then
	gzip=true
	shift
fi
if [ $# -lt 2 ]; then
	echo "usage: mkinitramfs.sh [--gzip] OUTPUT INIT [SRC=DST ...]" >&2
	exit 2
fi
output=$1
init=$2
shift 2

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

mkdir -p "$(dirname "$output")"
stage=$(mktemp -d "$output.stage.XXXXXX")
trap 'rm -rf "$stage" "$output.tmp" "$output.tmp.gz"' EXIT

# add SRC DST MODE: copies SRC to the stage as DST.
add() {
	local dst=${2#/}
	if [ -z "$dst" ] || [ "${dst#*..}" != "$dst" ]; then
		die "bad destination \`$2' for \`$1'"
	fi
	[ -f "$1" ] || die "cannot read \`$1'"
	mkdir -p "$stage/$(dirname "$dst")"
	cp "$1" "$stage/$dst"
	chmod "$3" "$stage/$dst"
}

add "$init" init 0755
# strip leaves a file that is no ELF program (a script) as it was, failing.
"${STRIP:-strip}" --strip-all "$stage/init" 2>/dev/null || cp "$init" "$stage/init"
chmod 0755 "$stage/init"
for pair in "$@"; do
	case $pair in
	?*=?*) ;;
	*) die "\`$pair' is not SRC=DST" ;;
	esac
	src=${pair%%=*}
	mode=0644
	[ -x "$src" ] && mode=0755
	add "$src" "${pair#*=}" "$mode"
done

find "$stage" -mindepth 1 -type d -exec chmod 0755 {} +
find "$stage" -mindepth 1 -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +

# Sorted names put every directory before what it holds.
(cd "$stage" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) >"$output.tmp" ||
	die "cpio failed for \`$output'"
if $gzip; then
	gzip -n -9 <"$output.tmp" >"$output.tmp.gz" || die "gzip failed for \`$output'"
	mv -f "$output.tmp.gz" "$output.tmp"
fi
mv -f "$output.tmp" "$output"
