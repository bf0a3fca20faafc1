# SPDX-License-Identifier: Apache-2.0
# What the client tests share; sourced by containerd.sh and podman.sh.
#
# A test script calls clients_init, then `scenario NAME FUNCTION` for each
# scenario, then clients_finish.  A scenario function runs in a subshell; the
# first failed check ends it.  After a scenario that passed, the harness
# checks that nothing of the containers it registered is left (no QEMU or
# vshim process, no state directory, no mount): the client must have removed
# it all.  Then the script's clients_cleanup_hook removes by force whatever a
# failed scenario left.  Every vshim call goes through a wrapper that logs it
# ($T/calls.log); the calls of a failed scenario are printed with the failure.

lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PTYRUN=$lib_dir/ptyrun.py
MKIMAGE=$lib_dir/mkimage.sh
IMAGE=localhost/busybox:latest
CMD_TIMEOUT=${CMD_TIMEOUT:-60}

n_passed=0
n_failed=0
failed_names=()

say() { printf '%s\n' "$*"; }

# Ends the test at once: something it needs is missing, or it cannot set up.
abort() {
	echo "FAIL: $*" >&2
	exit 1
}

# Ends the scenario (a subshell) with a message.
die() {
	echo "FAIL [$scenario_name]: $*" >&2
	exit 1
}

# need PROGRAM PACKAGE: a missing client is a failure, never a skip.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		abort "$1 is not installed (Debian package $2): run contrib/install-deps.sh"
}

# A client command with a time limit and an echo of what it runs.
run() {
	echo "+ $*" >&2
	timeout -k 5 "$CMD_TIMEOUT" "$@"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || die "$1: expected '$2', got '$3'"
}

# expect_match WHAT EXTENDED-REGEX TEXT
expect_match() {
	printf '%s\n' "$3" | grep -Eq -- "$2" || die "$1: expected /$2/ in: $3"
}

# expect_status WHAT EXPECTED COMMAND...: runs COMMAND, checks its exit status.
expect_status() {
	local what=$1 want=$2 got=0
	shift 2
	run "$@" || got=$?
	[ "$got" = 124 ] && [ "$want" != 124 ] && die "$what: timed out after ${CMD_TIMEOUT}s"
	[ "$got" = "$want" ] || die "$what: exit status $got, expected $want"
}

# expect_pty_status WHAT EXPECTED STATUS: the exit status of a ptyrun.py session.
expect_pty_status() {
	[ "$3" != 124 ] || [ "$2" = 124 ] ||
		die "$1: the session did not go as typed (ptyrun.py timed out, above); the client is stuck"
	expect_eq "exit status of $1" "$2" "$3"
}

# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds.
wait_for() {
	local limit=$1 what=$2 i
	shift 2
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$what: not after ${limit}s"
}

# Process ids whose command line contains STRING (with no space in it).  The
# pattern comes from a file, so grep's own command line does not match.
pids_with() {
	printf '%s\n' "$1" >"$T/pattern"
	grep -laFf "$T/pattern" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3
}

describe_pids() {
	local p
	for p in "$@"; do
		printf '  %s: %s\n' "$p" "$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-200)"
	done
}

# assert_clean ID STATE_ROOT [MOUNT-PATTERN]: nothing of container ID is left.
# The client's shim or conmon may need a moment to go away after its delete.
assert_clean() {
	local id=$1 root=$2 pattern=${3:-$1} i left mounts
	for ((i = 0; i < 100; i++)); do
		left=$(pids_with "$id")
		mounts=$(grep -F -- "$pattern" /proc/self/mountinfo || true)
		[ -z "$left" ] && [ -z "$mounts" ] && [ ! -e "$root/$id" ] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	[ -z "$left" ] || die "processes of \`$id\` are left (QEMU, vshim or the client's):
$(describe_pids $left)"
	[ ! -e "$root/$id" ] || die "the state directory $root/$id is left: $(ls -A "$root/$id" | tr '\n' ' ')"
	die "mounts of \`$id\` are left:
$mounts"
}

# The vshim every client calls: logs argv and the exit status of each call,
# and the output of the verbs that are not create, exec or run (those hand
# their stdio to the container, so it is left alone).
make_wrapper() {
	local real=$1 dir=$T/bin
	mkdir -p "$dir"
	cat >"$dir/vshim" <<EOF
#!/bin/bash
real='$real'
log='$T/calls.log'
EOF
	cat >>"$dir/vshim" <<'EOF'
echo "$(date +%T.%3N) [$$] vshim $*" >>"$log"
verb=
for a in "$@"; do
	case "$a" in create | exec | run | start | state | kill | delete | pause | resume | ps | list | features) verb=$a; break ;; esac
done
case "$verb" in
create | exec | run)
	"$real" "$@"
	rc=$?
	;;
*)
	out=$(mktemp) err=$(mktemp)
	"$real" "$@" >"$out" 2>"$err"
	rc=$?
	cat "$out"
	cat "$err" >&2
	sed 's/^/    stdout: /' "$out" | head -20 >>"$log"
	sed 's/^/    stderr: /' "$err" | head -20 >>"$log"
	rm -f "$out" "$err"
	;;
esac
echo "$(date +%T.%3N) [$$] vshim $verb: exit $rc" >>"$log"
exit $rc
EOF
	chmod 755 "$dir/vshim"
	VSHIM=$dir/vshim
}

# The host's network as the containers must leave it: its named network
# namespaces, and the ingress qdiscs of its interfaces (a redirect to a VM's
# tap is one).  Interfaces the clients make and remove (podman0, veths)
# come and go; host-state.sh, around the whole script, compares the rest.
host_network_state() {
	ip netns list 2>/dev/null | awk '{ print "netns", $1 }' | sort
	tc qdisc show 2>/dev/null | grep ingress | sort
	ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^vstap/ { print "tap", $2 }'
}

# Nothing of a scenario's network is left: no netns, no redirect, no tap.
assert_network_clean() {
	local now i
	for ((i = 0; i < 50; i++)); do
		now=$(host_network_state)
		[ "$now" = "$(cat "$T/network.before")" ] && return 0
		sleep 0.1
	done
	die "the host's network is not as it was:
$(diff <(cat "$T/network.before") <(echo "$now"))"
}

# The address of interface DEV (default eth0) in the network namespace of PID.
netns_address() {
	nsenter --net="/proc/$1/ns/net" ip -o -4 addr show dev "${2:-eth0}" 2>/dev/null |
		awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# The body of an HTTP GET of URL, stripped, within 5 seconds; fails otherwise.
http_get() {
	python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())' "$1" 2>/dev/null
}

# A TCP port nobody listens on now, on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Whether process PID lives in the network namespace at path NS.
in_netns() {
	[ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" = "$(stat -L -c %i "$2" 2>/dev/null)" ]
}

# clients_init VSHIM_BINARY: the temp dir, the wrapper, the image.
clients_init() {
	local real
	real=$(readlink -f "$1")
	[ "$(id -u)" = 0 ] || abort "the client tests run containerd and podman as root; run them as root"
	[ -x "$real" ] || abort "no vshim binary at \`$1\`: build the tree first"
	need qemu-system-x86_64 qemu-system-x86
	need python3 python3
	need busybox busybox-static
	T=$(mktemp -d /tmp/vshim-clients.XXXXXX)
	trap remove_tempdir EXIT # until the script sets its own, which ends with it
	chmod 755 "$T"
	RUN_ID=$(basename "$T" | tr -dc 'a-zA-Z0-9' | tail -c 6)
	make_wrapper "$real"
	: >"$T/calls.log"
	touch "$T/calls.log.start"
	"$MKIMAGE" "$T/image.tar" "$IMAGE" || abort "cannot build the test image"
	host_network_state >"$T/network.before"
	HOST_KERNEL=$(uname -r)
	SECONDS=0
}

# Removes everything under $T, mounts first.
remove_tempdir() {
	local m
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for m in $(awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$T"
}

# scenario NAME FUNCTION [ARGS...]
scenario() {
	local name=$1 start=$SECONDS calls_before rc=0
	shift
	# CLIENTS_ONLY=REGEX runs only the scenarios whose function matches (for debugging).
	[[ "$1" =~ ${CLIENTS_ONLY:-.} ]] || return 0
	scenario_name=$name
	calls_before=$(wc -l <"$T/calls.log")
	: >"$T/ids"
	say ""
	say "== $name"
	(
		set -u
		"$@"
	) || rc=$?
	if [ "$rc" = 0 ]; then
		# Nothing may be left of a scenario that passed: its client removed it all.
		(
			while read -r id root pattern; do
				assert_clean "$id" "$root" "$pattern"
			done <"$T/ids"
			assert_network_clean
		) || rc=$?
	fi
	# What a failed scenario left, removed by force so the next one starts clean.
	clients_cleanup_hook || true
	if [ "$rc" = 0 ]; then
		n_passed=$((n_passed + 1))
		say "PASS $name ($((SECONDS - start))s)"
	else
		n_failed=$((n_failed + 1))
		failed_names+=("$name")
		say "FAIL $name ($((SECONDS - start))s); its vshim calls:"
		tail -n +"$((calls_before + 1))" "$T/calls.log" | cut -c1-400
	fi
}

# register ID STATE_ROOT [MOUNT-PATTERN]: checked (and cleaned) after the scenario.
register() {
	echo "$1 $2 ${3:-$1}" >>"$T/ids"
}

clients_finish() {
	local what=$1
	say ""
	say "$what: ${n_passed} scenarios passed in ${SECONDS}s"
	[ "$n_failed" = 0 ] || say "failed: ${failed_names[*]}"
	say "${n_passed} passed, ${n_failed} failed"
	[ "$n_failed" = 0 ]
}
