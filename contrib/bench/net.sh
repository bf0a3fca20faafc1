#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The network of a vshim container against runc's, in one run, on one
# podman-style network namespace that the bench makes: a veth whose host
# end has 10.233.0.1/24 and whose other end, eth0 in the namespace, has
# 10.233.0.2/24 and a default route (what netavark or CNI's bridge leave).
#
#   contrib/bench/net.sh [BUILD_DIR] [ROUNDS]
#
# For each runtime (vshim, runc), ROUNDS times (default 3):
#   throughput  iperf3 between the host and the container, 5 s each way
#               after a 1 s warm-up, Mbit/s received
#   rtt         TCP round trips of one byte from the host to busybox's nc
#               echoing in the container (contrib/bench/rtt.py), median and
#               99th percentile in microseconds
#   startup     create + start of `echo` to its first byte of output
#               (contrib/bench/probe.py first-output), with the namespace
#               above given by path, and with a new one (no path: podman
#               --network none, ctr run)
# then one `vshim --debug run` in the namespace, whose network stages say
# where the time goes.  Medians are printed side by side.  Nothing is
# downloaded: iperf3 and runc come from Debian (contrib/install-deps.sh),
# busybox from busybox-static; iperf3 and its libraries are copied into the
# containers' root.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bench_dir=$top/contrib/bench
build=$(realpath "${1:-$top/build}")
rounds=${2:-3}
vshim=$build/bin/vshim
busybox=/bin/busybox
# Debian's python3: a version manager's shim in PATH costs a second per call.
python=$(command -v /usr/bin/python3 || command -v python3)

die() {
	echo "net.sh: $*" >&2
	exit 1
}

[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not \`$rounds\`"
[ "$(id -u)" = 0 ] || die "the bench makes network namespaces and runs runc: run it as root"
[ -x "$vshim" ] || die "missing $vshim: build first"
for p in iperf3:iperf3 runc:runc python3:python3 ip:iproute2; do
	command -v "${p%%:*}" >/dev/null || die "${p%%:*} is not installed (Debian package ${p#*:})"
done
readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter' &&
	die "$busybox is not a static busybox (apt-get install busybox-static)"

work=$(mktemp -d /tmp/vshim-netbench.XXXXXX)
ns=vsnbench$$
host_if=vsnb$$
host_if=${host_if:0:15}
ids=()

cleanup() {
	local id
	for id in "${ids[@]}"; do
		"$vshim" --root "$work/vshim" delete --force "$id" >/dev/null 2>&1 || true
		runc --root "$work/runc" delete --force "$id" >/dev/null 2>&1 || true
	done
	ip netns del "$ns" 2>/dev/null || true
	ip link del "$host_if" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# --- the root file system and the bundles ----------------------------------

rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in sh echo cat nc sleep ip; do
	ln -s busybox "$rootfs/bin/$applet"
done
# iperf3 with what its loader needs, at the same paths.
for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
	mkdir -p "$rootfs$(dirname "$f")"
	cp -L "$f" "$rootfs$f"
done

# bundle RUNTIME NAME NETNS ARGS...: RUNTIME's own config.json template with
# ARGS, the namespace NETNS (a path, or "new"), no terminal; for vshim the
# VM's shape pinned (256 MiB, 1 vCPU).
bundle() {
	local runtime=$1 dir=$work/$2 netns=$3

	shift 3
	mkdir -p "$dir"
	if [ "$runtime" = vshim ]; then
		"$vshim" spec --bundle "$dir" >/dev/null
	else
		(cd "$dir" && runc spec)
	fi
	"$python" - "$dir/config.json" "$rootfs" "$runtime" "$netns" "$@" <<'PY'
import json, sys
path, rootfs, runtime, netns, *args = sys.argv[1:]
with open(path) as f:
    c = json.load(f)
c["process"]["args"] = args
c["process"]["terminal"] = False
c["root"] = {"path": rootfs, "readonly": False}
ns = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
ns.append({"type": "network", "path": netns} if netns != "new" else {"type": "network"})
c["linux"]["namespaces"] = ns
if runtime == "vshim":
    c.setdefault("annotations", {}).update({"io.vshim.memory": "256", "io.vshim.vcpus": "1"})
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY
}

ip netns add "$ns"
ip link add "$host_if" type veth peer name eth0 netns "$ns"
ip addr add 10.233.0.1/24 dev "$host_if"
ip link set "$host_if" up
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.233.0.2/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via 10.233.0.1
nspath=/run/netns/$ns

for rt in vshim runc; do
	bundle "$rt" "$rt-iperf" "$nspath" iperf3 -s
	bundle "$rt" "$rt-echo-server" "$nspath" nc -ll -p 7007 -e cat
	bundle "$rt" "$rt-first" "$nspath" echo hello
	bundle "$rt" "$rt-first-new" new echo hello
done

# The binary of runtime vshim or runc.
runtime() {
	if [ "$1" = vshim ]; then echo "$vshim"; else command -v runc; fi
}

# run_bg RUNTIME BUNDLE ID: `RUNTIME run` in the background; its pid in $bg.
run_bg() {
	ids+=("$3")
	"$(runtime "$1")" --root "$work/$1" run --bundle "$work/$2" "$3" </dev/null >"$work/$3.out" 2>&1 &
	bg=$!
}

# wait_port PORT: until something accepts TCP connections at 10.233.0.2:PORT (2 min at most).
wait_port() {
	"$python" - "$1" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 120
while True:
    try:
        socket.create_connection(("10.233.0.2", int(sys.argv[1])), timeout=2).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("net.sh: nothing listens at 10.233.0.2:" + sys.argv[1])
        time.sleep(0.1)
PY
}

# mbps [-R]: a 5 s iperf3 run to the container: Mbit/s the receiver saw
# (tried three times: the server may still be closing the run before).
mbps() {
	local try
	for try in 1 2 3; do
		iperf3 -c 10.233.0.2 -t 5 "$@" -J 2>/dev/null |
			"$python" -c 'import json, sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null &&
			return 0
		sleep 1
	done
	echo "net.sh: iperf3 $* failed three times" >&2
	echo -
}

# iperf RUNTIME ROUND: "host->container container->host" in Mbit/s.
iperf() {
	local id=$1-iperf-$2 tx rx
	run_bg "$1" "$1-iperf" "$id"
	wait_port 5201
	# Warm-up; the server may still be busy with wait_port's bare connection.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		iperf3 -c 10.233.0.2 -t 1 >/dev/null 2>&1 && break
		sleep 0.5
	done
	tx=$(mbps)
	rx=$(mbps -R)
	"$(runtime "$1")" --root "$work/$1" kill "$id" KILL >/dev/null 2>&1 || true
	wait "$bg" || true
	"$(runtime "$1")" --root "$work/$1" delete --force "$id" >/dev/null 2>&1 || true
	echo "$tx $rx"
}

# rtt RUNTIME ROUND: "median p99" in microseconds.
rtt() {
	local id=$1-rtt-$2 out
	run_bg "$1" "$1-echo-server" "$id"
	wait_port 7007
	out=$("$python" "$bench_dir/rtt.py" 10.233.0.2 7007 2000)
	"$(runtime "$1")" --root "$work/$1" kill "$id" KILL >/dev/null 2>&1 || true
	wait "$bg" || true
	"$(runtime "$1")" --root "$work/$1" delete --force "$id" >/dev/null 2>&1 || true
	echo "$(awk '$2 == "median_us" { print $3 }' <<<"$out") $(awk '$2 == "p99_us" { print $3 }' <<<"$out")"
}

# startup RUNTIME BUNDLE ROUND: ms from create to the first byte of output.
startup() {
	local id=$1-$2-$3
	ids+=("$id")
	"$python" "$bench_dir/probe.py" first-output "$(runtime "$1")" "$work/$1" "$work/$2" "$id" |
		awk '{ print $3 }'
}

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

declare -A res
for r in $(seq "$rounds"); do
	for rt in vshim runc; do
		read -r tx rx <<<"$(iperf "$rt" "$r")"
		res[$rt.tx]+=" $tx"
		res[$rt.rx]+=" $rx"
		read -r med p99 <<<"$(rtt "$rt" "$r")"
		res[$rt.rtt]+=" $med"
		res[$rt.p99]+=" $p99"
		res[$rt.start_ns]+=" $(startup "$rt" "$rt-first" "$r")"
		res[$rt.start_new]+=" $(startup "$rt" "$rt-first-new" "$r")"
	done
	echo "round $r of $rounds done" >&2
done

printf '\n%-44s %12s %12s\n' "median of $rounds rounds" vshim runc
row() {
	printf '%-44s %12s %12s\n' "$1" "$(median <<<"${res[vshim.$2]}")" "$(median <<<"${res[runc.$2]}")"
}
row "throughput host -> container (Mbit/s)" tx
row "throughput container -> host (Mbit/s)" rx
row "TCP round trip, median (us)" rtt
row "TCP round trip, 99th percentile (us)" p99
row "create+start to output, namespace by path (ms)" start_ns
row "create+start to output, new namespace (ms)" start_new

# Where the time goes: the monitor's stages, from one --debug run in the namespace.
echo
echo "vshim --debug run in the namespace: the network's stages (ms since vshim started)"
ids+=(stages)
"$vshim" --root "$work/vshim" --debug run --bundle "$work/vshim-first" stages 2>&1 >/dev/null |
	grep -E 'net debug|finding the guest kernel|VM of .* running|sending CREATE|created \(guest|started$' |
	sed -E 's/^\[ *([0-9.]+) ms\] /\1 ms  /' || true
