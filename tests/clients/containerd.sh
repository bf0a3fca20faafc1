#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# containerd runs its containers through vshim: ctr drives a private
# containerd (its config, root, state and socket in a temp dir) whose runc v2
# shim calls vshim (`--runc-binary`), as README's "Use with containerd" says.
#
#   containerd.sh VSHIM_BINARY
#
# The runc v2 shim gives the runtime --root /run/containerd/runc/NAMESPACE
# whatever containerd's own root is: the test uses a namespace of its own and
# container IDs with the temp dir's name in them, and removes what it made.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || abort "usage: containerd.sh VSHIM_BINARY"
need containerd containerd
need ctr containerd
need containerd-shim-runc-v2 containerd
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
	abort "CNI's bridge and host-local are not installed (Debian package containernetworking-plugins): run contrib/install-deps.sh"
clients_init "$1"
REAL_VSHIM=$(readlink -f "$1")

NS=vshim-test-$RUN_ID
RUNC_ROOT=/run/containerd/runc/$NS
CD=$T/containerd
CTR=(ctr --address "$CD/containerd.sock" --namespace "$NS")
FIFO=(--fifo-dir "$CD/fifo") # ctr's IO fifos: not left in /run/containerd/fifo
containerd_pid=

stop_containerd() {
	local id dir pid
	if [ -n "$containerd_pid" ]; then
		kill "$containerd_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$containerd_pid" 2>/dev/null
		wait "$containerd_pid" 2>/dev/null
	fi
	# Shims that outlived containerd (their socket is ours), then vshim's own.
	for pid in $(pids_with "$CD/containerd.sock"); do kill -9 "$pid" 2>/dev/null; done
	for dir in "$RUNC_ROOT"/*; do
		[ -d "$dir" ] || continue
		id=$(basename "$dir")
		echo "cleanup: vshim delete --force $id (left in $RUNC_ROOT)" >&2
		timeout 20 "$REAL_VSHIM" --root "$RUNC_ROOT" delete --force "$id" || true
	done
	rmdir "$RUNC_ROOT" 2>/dev/null
	ip link del "$CNI_BRIDGE" 2>/dev/null
	# The sockets of shims that were killed: made during the test, nobody listening.
	find /run/containerd/s /tmp/pty*/ -maxdepth 1 -type s -newer "$T/calls.log.start" 2>/dev/null |
		while read -r sock; do
			python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$sock" 2>/dev/null ||
				{ rm -f "$sock"; case "$sock" in /tmp/pty*) rmdir "$(dirname "$sock")" 2>/dev/null ;; esac; }
		done
	remove_tempdir
}
trap stop_containerd EXIT

# Whatever a failed scenario left: the task killed and deleted, the container
# removed; a monitor that keeps its shim waiting is killed first.
clients_cleanup_hook() {
	local id root pattern pid
	while read -r id root pattern; do
		"${CTR[@]}" task ls -q 2>/dev/null | grep -qx "$id" || "${CTR[@]}" container ls -q 2>/dev/null | grep -qx "$id" || continue
		echo "cleanup: $id" >&2
		if ! timeout 5 "${CTR[@]}" task kill -s SIGKILL "$id" >/dev/null 2>&1; then
			pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$RUNC_ROOT/$id/state.json" 2>/dev/null)
			[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = vshim ] && kill -9 "$pid"
		fi
		timeout 15 "${CTR[@]}" task delete --force "$id" >/dev/null 2>&1
		timeout 15 "${CTR[@]}" container rm "$id" >/dev/null 2>&1
	done <"$T/ids"
}

mkdir -p "$CD"
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = "$CD/debug.sock"
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
EOF
containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 100); do
	"${CTR[@]}" version >/dev/null 2>&1 && break
	kill -0 "$containerd_pid" 2>/dev/null || { cat "$CD/containerd.log" >&2; abort "containerd did not start"; }
	sleep 0.1
done
"${CTR[@]}" version >/dev/null 2>&1 || { tail -20 "$CD/containerd.log" >&2; abort "containerd's socket did not answer"; }
"${CTR[@]}" images import "$T/image.tar" >/dev/null || abort "ctr images import failed"
say "containerd $(containerd --version | awk '{print $3}'), namespace $NS, image $IMAGE imported (${SECONDS}s)"

# ctr run --cni runs CNI ADD itself, with the configuration in /etc/cni/net.d
# and the plugins in /opt/cni/bin (go-cni's defaults; ctr 1.6 has no flag
# for either).  cni_ctr runs ctr in a mount namespace of its own where /etc
# and /opt are overlays on a tmpfs: the test's configuration alone in
# /etc/cni/net.d, Debian's plugins (/usr/lib/cni) at /opt/cni/bin; the
# host's /etc and /opt are never written.  host-local keeps its leases
# under $T.  The bridge (a vsn* name, so host-state.sh would notice it) is
# removed by the scenario.
CNI_BRIDGE=vsnbr$RUN_ID
CNI_BRIDGE=${CNI_BRIDGE:0:15}
mkdir -p "$T/cni-mnt" "$T/cni-ipam"
cat >"$T/10-vshim-test.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "vshim-test", "plugins": [{"type": "bridge",
  "bridge": "$CNI_BRIDGE", "isGateway": true, "ipMasq": false,
  "ipam": {"type": "host-local", "subnet": "10.199.$((RANDOM % 250)).0/24",
           "dataDir": "$T/cni-ipam", "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
cni_ctr() {
	unshare -m sh -c 'set -e
		mount -t tmpfs tmpfs "$1"
		mkdir "$1/etc.u" "$1/etc.w" "$1/opt.u" "$1/opt.w"
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc.u,workdir=$1/etc.w" /etc
		mount -t overlay overlay -o "lowerdir=/opt,upperdir=$1/opt.u,workdir=$1/opt.w" /opt
		rm -rf /etc/cni/net.d
		mkdir -p /etc/cni/net.d /opt/cni/bin
		cp "$2" /etc/cni/net.d/
		mount --bind /usr/lib/cni /opt/cni/bin
		shift 2
		exec "$@"' cni_ctr "$T/cni-mnt" "$T/10-vshim-test.conflist" "$@"
}

# The STATUS column of `ctr task ls` for a task.
task_status() {
	"${CTR[@]}" task ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_is() {
	[ "$(task_status "$1")" = "$2" ]
}

expect_task_status() {
	local got
	got=$(task_status "$1")
	expect_eq "status of task $1" "$2" "$got"
}

# ctr run --rm: output, exit status, --env, and a kernel that is the guest's.
sc_run_rm() {
	local id=vsc-$RUN_ID-rm out rc=0
	register "$id" "$RUNC_ROOT"
	out=$(run "${CTR[@]}" run "${FIFO[@]}" --rm --runc-binary "$VSHIM" --env GREETING=hello-from-env \
		"$IMAGE" "$id" sh -c 'echo "$GREETING"; uname -r; exit 3') || rc=$?
	expect_eq "exit status of ctr run" 3 "$rc"
	expect_eq "first line (--env)" hello-from-env "$(sed -n 1p <<<"$out")"
	local kernel
	kernel=$(sed -n 2p <<<"$out")
	[ -n "$kernel" ] && [ "$kernel" != "$HOST_KERNEL" ] ||
		die "uname -r in the container is '$kernel'; the host's is '$HOST_KERNEL': not a VM"
	grep -q "vshim .*create .*$id\$" "$T/calls.log" || die "ctr did not call vshim create"
}

# ctr run -d, then exec, ps, pause, resume and SIGTERM (the trap runs, its
# exit status comes back), task delete; then ctr task start runs the
# container again (its record keeps the runtime), attached: output and status.
sc_lifecycle() {
	local id=vsc-$RUN_ID-life out rc=0 pids
	local script='trap "echo got-term; exit 42" TERM; sleep 1000 & echo ready; while :; do sleep 0.1; done'
	register "$id" "$RUNC_ROOT"
	expect_status "ctr run -d" 0 "${CTR[@]}" run "${FIFO[@]}" -d --runc-binary "$VSHIM" "$IMAGE" "$id" sh -c "$script"
	expect_task_status "$id" RUNNING

	out=$(run "${CTR[@]}" task exec "${FIFO[@]}" --exec-id e1 "$id" sh -c 'echo exec-out; echo exec-err >&2; exit 5' 2>&1) || rc=$?
	expect_eq "exit status of ctr task exec" 5 "$rc"
	expect_match "output of ctr task exec" '^exec-out$' "$out"
	expect_match "stderr of ctr task exec" '^exec-err$' "$out"

	pids=$(run "${CTR[@]}" task ps "$id") || die "ctr task ps failed"
	[ "$(awk 'NR > 1 && $1 ~ /^[0-9]+$/' <<<"$pids" | wc -l)" -ge 2 ] ||
		die "ctr task ps: expected the shell and its sleep 1000, got: $pids"

	expect_status "ctr task pause" 0 "${CTR[@]}" task pause "$id"
	expect_task_status "$id" PAUSED
	expect_status "ctr task resume" 0 "${CTR[@]}" task resume "$id"
	expect_task_status "$id" RUNNING
	expect_status "ctr task exec after resume" 0 "${CTR[@]}" task exec "${FIFO[@]}" --exec-id e2 "$id" true

	expect_status "ctr task kill -s SIGTERM" 0 "${CTR[@]}" task kill -s SIGTERM "$id"
	wait_for 20 "the task stopping" task_is "$id" STOPPED
	out=$(run "${CTR[@]}" task delete "$id" 2>&1) || die "ctr task delete failed: $out"
	expect_match "ctr task delete (the trap's exit 42)" 'exit code 42' "$out"

	# Attached: ctr task start returns the task's exit status.
	(
		run "${CTR[@]}" task start "${FIFO[@]}" "$id" </dev/null >"$T/$id.out" 2>&1
		echo $? >"$T/$id.status"
	) &
	wait_for 30 "ctr task start: the task printing ready" grep -q ready "$T/$id.out"
	expect_task_status "$id" RUNNING
	expect_status "ctr task kill -s SIGTERM" 0 "${CTR[@]}" task kill -s SIGTERM "$id"
	wait_for 20 "ctr task start returning" test -s "$T/$id.status"
	expect_eq "exit status of ctr task start (the trap's exit 42)" 42 "$(cat "$T/$id.status")"
	expect_match "output of ctr task start" '^got-term' "$(cat "$T/$id.out")"
	# An attached ctr task start deletes its task when it ends.
	[ -z "$(task_status "$id")" ] || die "the task is left after ctr task start returned"
	expect_status "ctr container rm" 0 "${CTR[@]}" container rm "$id"
}

# ctr run -d, a SIGTERM the process ignores, then SIGKILL: 137.
sc_kill() {
	local id=vsc-$RUN_ID-kill out
	register "$id" "$RUNC_ROOT"
	expect_status "ctr run -d" 0 "${CTR[@]}" run "${FIFO[@]}" -d --runc-binary "$VSHIM" "$IMAGE" "$id" \
		sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	expect_task_status "$id" RUNNING
	expect_status "ctr task kill -s SIGTERM" 0 "${CTR[@]}" task kill -s SIGTERM "$id"
	sleep 1
	expect_task_status "$id" RUNNING
	expect_status "ctr task kill -s SIGKILL" 0 "${CTR[@]}" task kill -s SIGKILL "$id"
	wait_for 20 "the task stopping" task_is "$id" STOPPED
	out=$(run "${CTR[@]}" task delete "$id" 2>&1) || die "ctr task delete failed: $out"
	expect_match "ctr task delete (the exit status)" 'exit code 137' "$out"
	expect_status "ctr container rm" 0 "${CTR[@]}" container rm "$id"
}

# What containerd reads through the task's pid is the container's: its
# cgroup (ctr task metrics: the VM's memory, within the VM's limit), its root
# (the container's files), its network namespace (not the host's).
sc_metrics() {
	local id=vsc-$RUN_ID-metrics out pid usage limit
	register "$id" "$RUNC_ROOT"
	expect_status "ctr run -d" 0 "${CTR[@]}" run "${FIFO[@]}" -d --runc-binary "$VSHIM" "$IMAGE" "$id" \
		sh -c 'echo from-the-guest > /made-here; exec sleep 1000'
	pid=$("${CTR[@]}" task ls | awk -v id="$id" '$1 == id { print $2 }')
	[ -n "$pid" ] || die "ctr task ls shows no pid for $id"
	wait_for 20 "the container's file in /proc/$pid/root" test -s "/proc/$pid/root/made-here"
	expect_eq "the file, read through /proc/PID/root" from-the-guest "$(cat "/proc/$pid/root/made-here")"
	[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
		die "the task's pid is in the host's mount namespace"
	out=$(run "${CTR[@]}" task metrics "$id") || die "ctr task metrics failed: $out"
	say "    ctr task metrics: $(echo "$out" | grep -E 'memory.usage_in_bytes|memory.limit_in_bytes' | tr -s ' \t' ' ' | paste -sd ';')"
	usage=$(echo "$out" | awk '$1 == "memory.usage_in_bytes" { print $2 }')
	limit=$(echo "$out" | awk '$1 == "memory.limit_in_bytes" { print $2 }')
	[ -n "$usage" ] && [ "$usage" -gt 0 ] || die "ctr task metrics shows no memory use: $out"
	[ -n "$limit" ] && [ "$limit" -lt $((4 << 30)) ] || die "ctr task metrics shows no VM-sized limit: $out"
	[ "$usage" -le "$limit" ] || die "memory use $usage over the limit $limit"
	expect_status "ctr task kill -s SIGKILL" 0 "${CTR[@]}" task kill -s SIGKILL "$id"
	wait_for 20 "the task stopping" task_is "$id" STOPPED
	expect_status "ctr task delete" 0 "${CTR[@]}" task delete "$id"
	expect_status "ctr container rm" 0 "${CTR[@]}" container rm "$id"
}

# ctr task exec -t: a shell on a terminal in a running container.
sc_exec_tty() {
	local id=vsc-$RUN_ID-exectty out rc=0
	register "$id" "$RUNC_ROOT"
	expect_status "ctr run -d" 0 "${CTR[@]}" run "${FIFO[@]}" -d --runc-binary "$VSHIM" "$IMAGE" "$id" sleep 1000
	out=$(run "$PTYRUN" --timeout 15 --rows 33 --cols 101 \
		--expect '# ' --line 'tty; stty size' --expect '/dev/pts/[0-9]+' --expect '33 101' \
		--expect '# ' --line 'exit 6' -- \
		"${CTR[@]}" task exec "${FIFO[@]}" -t --exec-id tty1 "$id" sh) || rc=$?
	expect_pty_status "ctr task exec -t" 6 "$rc"
	expect_status "ctr task kill -s SIGKILL" 0 "${CTR[@]}" task kill -s SIGKILL "$id"
	wait_for 20 "the task stopping" task_is "$id" STOPPED
	expect_status "ctr task delete" 0 "${CTR[@]}" task delete "$id"
	expect_status "ctr container rm" 0 "${CTR[@]}" container rm "$id"
}

# ctr run -t: an interactive session; what is typed runs in the VM.
sc_run_tty() {
	local id=vsc-$RUN_ID-tty out rc=0
	register "$id" "$RUNC_ROOT"
	out=$(run "$PTYRUN" --timeout 15 \
		--expect '# ' --line 'echo typed-$((6*7)); tty' --expect 'typed-42' --expect '/dev/pts/' \
		--expect '# ' --line 'exit 4' -- \
		"${CTR[@]}" run "${FIFO[@]}" -t --rm --runc-binary "$VSHIM" "$IMAGE" "$id" sh) || rc=$?
	expect_pty_status "ctr run -t" 4 "$rc"
}

# contrib/containerd/config.toml: containerd reads the runtime it registers.
sc_config_snippet() {
	local snippet=$lib_dir/../../contrib/containerd/config.toml dump
	[ -f "$snippet" ] || die "no $snippet"
	sed "s|/usr/local/bin/vshim|$VSHIM|" "$snippet" >"$CD/vshim-runtime.toml"
	printf 'version = 2\nroot = "%s"\nstate = "%s"\nimports = ["%s"]\n' \
		"$CD/dump-root" "$CD/dump-state" "$CD/vshim-runtime.toml" >"$CD/with-snippet.toml"
	dump=$(run containerd --config "$CD/with-snippet.toml" config dump) || die "containerd config dump failed"
	expect_match "the vshim runtime in containerd's config" \
		'^ *\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.vshim\]' "$dump"
	expect_match "its shim" "runtime_type = \"io\\.containerd\\.runc\\.v2\"" \
		"$(grep -A12 'runtimes\.vshim\]' <<<"$dump")"
	expect_match "its BinaryName" "BinaryName = \"$VSHIM\"" "$dump"
}

scenario "ctr run --rm (output, exit status, env, guest kernel)" sc_run_rm
scenario "ctr run -d, task exec, ps, pause, resume, kill SIGTERM, delete, task start" sc_lifecycle
scenario "ctr run -d, kill SIGTERM ignored, SIGKILL" sc_kill
scenario "ctr task metrics, /proc/PID/root and ns of the task's pid" sc_metrics
scenario "ctr task exec -t" sc_exec_tty
scenario "ctr run -t (interactive)" sc_run_tty
# ctr run --cni: CNI ADD on /proc/PID/ns/net between create and start, PID
# being vshim's monitor: the interface it made there reaches the VM, and the
# container answers on its address.
sc_cni() {
	local id=vsc-$RUN_ID-cni pid ip out ctr_pid rc=0
	register "$id" "$RUNC_ROOT"
	echo "+ ctr run --cni ... $id (in the background)" >&2
	cni_ctr timeout -k 5 120 "${CTR[@]}" run "${FIFO[@]}" --rm --cni --runc-binary "$VSHIM" "$IMAGE" "$id" \
		sh -c 'mkdir -p /www && echo vshim-cni >/www/index.html && exec httpd -f -p 80 -h /www' \
		>"$T/cni.out" 2>&1 &
	ctr_pid=$!
	wait_for 60 "task $id running" task_is "$id" RUNNING
	pid=$("${CTR[@]}" task ls | awk -v id="$id" '$1 == id { print $2 }')
	in_netns "$pid" /proc/self/ns/net && die "pid $pid (vshim's monitor) is in the host's network namespace"
	ip=$(netns_address "$pid")
	[ -n "$ip" ] || die "CNI gave the namespace of pid $pid no address: $(cat "$T/cni.out")"
	out=$(run "${CTR[@]}" task exec --exec-id addr "$id" ip -o -4 addr show dev eth0)
	expect_match "the container's eth0" " inet $ip/" "$out"
	wait_for 20 "httpd answering on $ip" http_get "http://$ip/"
	expect_eq "the page from the host, at $ip" vshim-cni "$(http_get "http://$ip/")"
	expect_status "ctr task kill" 0 "${CTR[@]}" task kill -s SIGKILL "$id"
	wait "$ctr_pid" || rc=$?
	expect_eq "exit status of ctr run --cni" 137 "$rc"
	ip link del "$CNI_BRIDGE" || die "CNI's bridge $CNI_BRIDGE is gone: was it ever made?"
}

# Plain ctr run: a network namespace nobody fills; the container has only lo.
sc_no_cni() {
	local id=vsc-$RUN_ID-nocni out
	register "$id" "$RUNC_ROOT"
	out=$(run "${CTR[@]}" run "${FIFO[@]}" --rm --runc-binary "$VSHIM" "$IMAGE" "$id" \
		sh -c 'ip -o link | cut -d: -f2') || die "ctr run failed: $out"
	expect_eq "interfaces without --cni" lo "$(echo $out)"
}

scenario "contrib/containerd/config.toml" sc_config_snippet
scenario "ctr run --cni (a bridge and host-local): the container answers on its address" sc_cni
scenario "ctr run without --cni: only lo" sc_no_cni
clients_finish containerd
