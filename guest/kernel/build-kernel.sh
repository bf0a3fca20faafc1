#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the vshim guest kernel, or takes it from the cache.
#
#   build-kernel.sh --fragment FILE --output FILE [--patches DIR]
#                   [--cache-dir DIR] [--source TARBALL] [--package NAME]
#                   [--jobs N]
#
# The kernel is `make ARCH=x86_64 tinyconfig` of Debian's linux-source-6.1,
# with every DIR/*.patch applied in name order (patch -p1), and FILE merged
# on top (allnoconfig for everything else), built as an uncompressed vmlinux (booted through
# PVH) and stripped of debug information. Every option of the fragment must
# end up in the final .config with the value the fragment asks for; the
# build fails listing the ones a dependency dropped.
#
# The result is cached outside the build tree, under
#   DIR/<hash>/vmlinux        DIR: --cache-dir, else $VSHIM_CACHE_DIR/kernel,
#                             else ${XDG_CACHE_HOME:-~/.cache}/vshim/kernel
# where <hash> covers the fragment, the patches, the source package's
# version, the compiler's version and this script. With the same inputs, any build tree
# copies the cached file instead of compiling. The source is extracted and
# compiled in DIR/<hash>/work, which is removed once the build succeeded
# (and kept with its build.log when it failed). A lock on DIR/<hash>/lock
# lets two builds run at once: the second one waits and takes the result.
set -euo pipefail

fragment=
output=
patch_dir=
cache_dir=
source_tar=/usr/src/linux-source-6.1.tar.xz
package=linux-source-6.1
jobs=$(nproc)

die() {
	echo "kernel: $*" >&2
	exit 1
}

usage() {
	echo "usage: build-kernel.sh --fragment FILE --output FILE [--patches DIR]" \
		"[--cache-dir DIR] [--source TARBALL] [--package NAME] [--jobs N]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--fragment) fragment=$2 ;;
	--output) output=$2 ;;
	--patches) patch_dir=$2 ;;
	--cache-dir) cache_dir=$2 ;;
	--source) source_tar=$2 ;;
	--package) package=$2 ;;
	--jobs) jobs=$2 ;;
	*) usage ;;
	esac
	shift 2
done
if [ -z "$fragment" ] || [ -z "$output" ]; then
	usage
fi

[ -r "$fragment" ] || die "cannot read the config fragment \`$fragment'"
patches=()
if [ -n "$patch_dir" ]; then
	[ -d "$patch_dir" ] || die "the patch directory \`$patch_dir' does not exist"
	shopt -s nullglob
	patches=("$(readlink -f "$patch_dir")"/*.patch)
	shopt -u nullglob
fi
[ -r "$source_tar" ] ||
	die "cannot read the kernel source \`$source_tar' (install $package: contrib/install-deps.sh)"
[ "$(uname -m)" = x86_64 ] || die "the guest kernel builds on x86_64 hosts only, not on $(uname -m)"

script=$(readlink -f "${BASH_SOURCE[0]}")
fragment=$(readlink -f "$fragment")

# The inputs that decide the result. Outside Debian, the tarball's size and
# modification time stand in for the package version.
version=$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null) ||
	version="$(stat -c '%s %Y' "$source_tar")"
compiler=$(gcc --version) || die "gcc is missing: run contrib/install-deps.sh"
compiler=${compiler%%$'\n'*}
hash=$({
	printf 'source %s %s\ncompiler %s\n--- fragment\n' "$package" "$version" "$compiler"
	cat "$fragment"
	for p in "${patches[@]}"; do
		printf -- '--- patch %s\n' "$(basename "$p")"
		cat "$p"
	done
	printf -- '--- script\n'
	cat "$script"
} | sha256sum | cut -c 1-16)

if [ -z "$cache_dir" ]; then
	cache_dir=${VSHIM_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/vshim}/kernel
fi
entry=$cache_dir/$hash

# Copies the cached kernel to the output: a fresh file (its time stamp is
# now, so make and ninja see it up to date), renamed into place.
deliver() {
	mkdir -p "$(dirname "$output")"
	cp "$entry/vmlinux" "$output.tmp.$$"
	mv -f "$output.tmp.$$" "$output"
}
trap 'rm -f "$output.tmp.$$"' EXIT

if [ -f "$entry/vmlinux" ]; then
	echo "kernel: cached $hash"
	deliver
	exit 0
fi

mkdir -p "$entry"
exec 9>"$entry/lock"
if ! flock -n 9; then
	echo "kernel: waiting for another build of $hash"
	flock 9
fi
if [ -f "$entry/vmlinux" ]; then
	echo "kernel: cached $hash"
	deliver
	exit 0
fi

trap 'rm -f "$output.tmp.$$" "$entry/vmlinux.tmp"' EXIT
echo "kernel: building $hash (about 3 minutes)"
started=$(date +%s)
work=$entry/work
src=$work/src
log=$work/build.log
rm -rf "$work"
mkdir -p "$src"

fail() {
	echo "kernel: $* (build log: $log)" >&2
	tail -n 30 "$log" >&2 || true
	exit 1
}

# The kernel's own make, never a job server inherited from the caller's.
unset MAKEFLAGS MFLAGS MAKELEVEL
export KBUILD_BUILD_USER=vshim KBUILD_BUILD_HOST=vshim KBUILD_BUILD_VERSION=1
kmake() {
	make -C "$src" ARCH=x86_64 "$@" >>"$log" 2>&1
}

tar -xf "$source_tar" -C "$src" --strip-components=1 >>"$log" 2>&1 ||
	fail "cannot extract \`$source_tar'"
for p in "${patches[@]}"; do
	patch -d "$src" -p1 --forward --batch --no-backup-if-mismatch <"$p" >>"$log" 2>&1 ||
		fail "\`$p' does not apply to $package $version"
done
# tinyconfig, then the fragment on top of it with allnoconfig semantics
# (merge_config.sh -n): options that become visible only through the
# fragment stay off instead of taking their defaults.
kmake tinyconfig || fail "make tinyconfig failed"
(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -n .config "$fragment") \
	>>"$log" 2>&1 || fail "cannot merge \`$fragment' into the configuration"

# Every line of the fragment, as the final .config has it.
dropped=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		name=${line%%=*}
		;;
	"# CONFIG_"*" is not set")
		name=${line#\# }
		name=${name%% *}
		;;
	*)
		continue
		;;
	esac
	final=$(grep -E "^(# )?${name}[= ]" "$src/.config" || true)
	if [ "$line" = "# $name is not set" ]; then
		# A disabled option may as well be absent.
		case $final in "$name="*) dropped+=("$line (final: $final)") ;; esac
	elif [ "$final" != "$line" ]; then
		dropped+=("$line (final: ${final:-absent})")
	fi
done <"$fragment"
if [ ${#dropped[@]} -gt 0 ]; then
	{
		echo "kernel: these options of \`$fragment' did not survive the configuration" \
			"(a dependency is missing or the option does not exist):"
		printf '  %s\n' "${dropped[@]}"
	} >&2
	exit 1
fi

kmake -j"$jobs" vmlinux || fail "the kernel build failed"
strip --strip-debug -o "$entry/vmlinux.tmp" "$src/vmlinux" || fail "cannot strip vmlinux"
cp "$src/.config" "$entry/config"
mv -f "$entry/vmlinux.tmp" "$entry/vmlinux"
rm -rf "$work"

deliver
echo "kernel: built $hash in $(($(date +%s) - started)) s, $(stat -c %s "$output") bytes"
