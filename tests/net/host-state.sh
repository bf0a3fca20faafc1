#!/usr/bin/env bash
# host-state.sh PROGRAM [ARGS...]: runs PROGRAM and fails when the host's
# network namespace is not as it was before: the links, addresses, routes
# (every table) and qdiscs of each interface, and no interface or named
# namespace left with the tests' names (vsn*).  Interfaces that came or went
# meanwhile (another test's) are left out of the comparison.
set -uo pipefail

snapshot() {
	local dev
	for dev in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort); do
		echo "== $dev"
		ip -o link show dev "$dev" | sed -E 's/^[0-9]+: //'
		ip -o addr show dev "$dev" | sed -E 's/^[0-9]+: //; s/(valid|preferred)_lft [^ ]+//g'
		ip route show table all dev "$dev" | sed -E 's/ expires [0-9]+sec//'
		ip -6 route show table all dev "$dev" | sed -E 's/ expires [0-9]+sec//'
		tc qdisc show dev "$dev"
	done
}

# Keeps the blocks (== dev ... up to the next ==) of the devices named in $2.
devices_in() {
	awk -v keep="$2" 'BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 }
		/^== / { on = ($2 in want) } on' "$1"
}

names() {
	grep '^== ' "$1" | cut -c4- | sort
}

dir=$(mktemp -d /tmp/vshim-net-host.XXXXXX)
trap 'rm -rf "$dir"' EXIT
snapshot >"$dir/before"
ip netns list >"$dir/netns-before" 2>/dev/null

"$@"
rc=$?

snapshot >"$dir/after"
both=$(comm -12 <(names "$dir/before") <(names "$dir/after") | tr '\n' ' ')
if ! diff -u <(devices_in "$dir/before" "$both") <(devices_in "$dir/after" "$both"); then
	echo "host-state: the host's interfaces changed (diff above)" >&2
	rc=1
fi
if names "$dir/after" | grep -q '^vsn'; then
	echo "host-state: a test left interfaces in the host's namespace:" $(names "$dir/after" | grep '^vsn') >&2
	rc=1
fi
if ip netns list 2>/dev/null | grep -q '^vsn'; then
	echo "host-state: a test left a named network namespace" >&2
	rc=1
fi
exit $rc
