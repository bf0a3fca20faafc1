#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# podman runs its containers through vshim (`--runtime`), with a storage,
# run and temp root of its own in a temp dir, as README's "Use with podman"
# says.
#
#   podman.sh VSHIM_BINARY
#
# podman calls vshim without --root: its state is under /run/vshim.  Its
# containers get podman's default network (netavark, a bridge podman0):
# vshim wires the veth podman puts in each container's namespace to its VM.
# podman's rlimits are set by the guest agent, as root of the VM: unlike
# runc, vshim needs no CAP_SYS_RESOURCE on the host for podman's default
# nofile limit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || abort "usage: podman.sh VSHIM_BINARY"
need podman podman
need conmon conmon
# podman's network stack, which Debian installs out of PATH.
for helper in netavark aardvark-dns; do
	[ -x "/usr/lib/podman/$helper" ] ||
		abort "/usr/lib/podman/$helper is missing (Debian package $helper): run contrib/install-deps.sh"
done
clients_init "$1"
REAL_VSHIM=$(readlink -f "$1")
VSHIM_ROOT=/run/vshim

PD=$T/podman
PODMAN_BASE=(podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp"
	--storage-driver overlay --cgroup-manager cgroupfs --events-backend file)
PODMAN=("${PODMAN_BASE[@]}" --runtime "$VSHIM")
LIMITS=()

finish() {
	local id
	if [ -d "$PD" ]; then
		timeout 60 "${PODMAN[@]}" rm --all --force --time 0 >/dev/null 2>&1
		# A container podman lost track of: vshim's own delete.
		while read -r id _; do
			[ -d "$VSHIM_ROOT/$id" ] || continue
			echo "cleanup: vshim delete --force $id (left in $VSHIM_ROOT)" >&2
			timeout 20 "$REAL_VSHIM" delete --force "$id" || true
		done <"$T/all-ids"
	fi
	remove_tempdir
}
trap finish EXIT
: >"$T/all-ids"

clients_cleanup_hook() {
	local id root pattern
	while read -r id root pattern; do
		echo "$id" >>"$T/all-ids"
		"${PODMAN[@]}" container exists "$id" 2>/dev/null || continue
		echo "cleanup: $id" >&2
		timeout 30 "${PODMAN[@]}" rm --force --time 0 "$id" >/dev/null 2>&1
	done <"$T/ids"
}

"${PODMAN_BASE[@]}" load -q -i "$T/image.tar" >/dev/null || abort "podman load failed"
say "podman $(podman --version | awk '{print $3}'), image $IMAGE loaded (${SECONDS}s)"

# register_cid CIDFILE: the container podman made, for the checks that follow.
register_cid() {
	local id
	id=$(cat "$1" 2>/dev/null)
	[ -n "$id" ] || die "podman wrote no container ID to $1"
	register "$id" "$VSHIM_ROOT"
	echo "$id"
}

# No container's root file system may stay mounted.
assert_no_rootfs_mounts() {
	local m
	m=$(grep -F -- "$PD/storage/overlay/" /proc/self/mountinfo | grep -F /merged || true)
	[ -z "$m" ] || die "container root file systems are still mounted: $m"
}

# podman run --rm: output, exit status, and a kernel that is the guest's.
sc_run_rm() {
	local out rc=0 kernel
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/rm.cid" "${LIMITS[@]}" "$IMAGE" \
		sh -c 'echo hello; uname -r; exit 3') || rc=$?
	register_cid "$T/rm.cid" >/dev/null
	expect_eq "exit status of podman run" 3 "$rc"
	expect_eq "first line" hello "$(sed -n 1p <<<"$out")"
	kernel=$(sed -n 2p <<<"$out")
	[ -n "$kernel" ] && [ "$kernel" != "$HOST_KERNEL" ] ||
		die "uname -r in the container is '$kernel'; the host's is '$HOST_KERNEL': not a VM"
	grep -q "vshim .*create .*$(cat "$T/rm.cid")\$" "$T/calls.log" || die "podman did not call vshim create"
	assert_no_rootfs_mounts
}

# -v HOSTDIR:/data, read and written from both sides.
sc_volume() {
	local dir=$T/volume out
	mkdir -p "$dir"
	echo from-host >"$dir/in.txt"
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/vol.cid" "${LIMITS[@]}" -v "$dir:/data" "$IMAGE" \
		sh -c 'cat /data/in.txt; echo from-guest >/data/out.txt; mkdir /data/sub && echo deep >/data/sub/f') ||
		die "podman run -v failed: $out"
	register_cid "$T/vol.cid" >/dev/null
	expect_eq "the host's file, read in the container" from-host "$out"
	expect_eq "the container's file, read on the host" from-guest "$(cat "$dir/out.txt" 2>&1)"
	expect_eq "a file in a directory the container made" deep "$(cat "$dir/sub/f" 2>&1)"
	assert_no_rootfs_mounts
}

# --read-only: the root cannot be written; podman's tmpfs on /tmp can.
sc_read_only() {
	local out rc=0
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/ro.cid" "${LIMITS[@]}" --read-only "$IMAGE" \
		sh -c 'touch /x 2>&1; echo "root=$?"; touch /tmp/y && echo tmp=ok') || rc=$?
	register_cid "$T/ro.cid" >/dev/null
	expect_eq "exit status" 0 "$rc"
	expect_match "writing to the read-only root" 'Read-only file system' "$out"
	expect_match "writing to the read-only root" '^root=1$' "$out"
	expect_match "writing to /tmp" '^tmp=ok$' "$out"
}

# -e, -w, -u and --ulimit.
sc_env_cwd_user() {
	local out
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/ecu.cid" "${LIMITS[@]}" -e GREETING=hello-env \
		-w /tmp -u 1000 --ulimit nofile=1024:1024 --ulimit nproc=512:512 "$IMAGE" \
		sh -c 'echo "$GREETING"; pwd; id -u; id -g; ulimit -n; ulimit -u') ||
		die "podman run -e -w -u --ulimit failed: $out"
	register_cid "$T/ecu.cid" >/dev/null
	expect_eq "-e, -w, -u, --ulimit" "hello-env /tmp 1000 1000 1024 512" "$(paste -sd' ' <<<"$out")"
}

# podman run -d, exec (output, stderr, exit status), logs, pause, unpause,
# inspect, stop -t 2 with a process that only reports SIGTERM (KILL follows
# after 2 seconds), rm.  podman records the runtime of a container: the
# commands after run need no --runtime.
sc_lifecycle() {
	local id out rc=0 t0 took
	run "${PODMAN[@]}" run -d --cidfile "$T/life.cid" "${LIMITS[@]}" "$IMAGE" \
		sh -c 'trap "echo got-term" TERM; echo started; while :; do sleep 0.1; done' >/dev/null ||
		die "podman run -d failed"
	id=$(register_cid "$T/life.cid")
	expect_eq "state" running "$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Status}}' "$id")"

	out=$(run "${PODMAN_BASE[@]}" exec "$id" sh -c 'echo exec-out; echo exec-err >&2; exit 5' 2>&1) || rc=$?
	expect_eq "exit status of podman exec" 5 "$rc"
	expect_match "output of podman exec" '^exec-out$' "$out"
	expect_match "stderr of podman exec" '^exec-err$' "$out"
	grep -q "vshim .*exec .*$id\$" "$T/calls.log" || die "podman exec did not go through vshim"
	expect_status "podman exec of a missing program" 127 "${PODMAN_BASE[@]}" exec "$id" /no/such/program

	wait_for 10 "podman logs showing started" grep -q started <("${PODMAN_BASE[@]}" logs "$id")

	expect_status "podman pause" 0 "${PODMAN_BASE[@]}" pause "$id"
	expect_eq "state after pause" paused "$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Status}}' "$id")"
	expect_status "podman unpause" 0 "${PODMAN_BASE[@]}" unpause "$id"
	expect_eq "state after unpause" running "$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Status}}' "$id")"
	expect_status "podman exec after unpause" 0 "${PODMAN_BASE[@]}" exec "$id" true

	t0=$(date +%s%N)
	expect_status "podman stop -t 2" 0 "${PODMAN_BASE[@]}" stop -t 2 "$id"
	took=$((($(date +%s%N) - t0) / 1000000))
	[ "$took" -ge 2000 ] || die "podman stop -t 2 took ${took} ms: SIGKILL came before the 2 s"
	[ "$took" -lt 15000 ] || die "podman stop -t 2 took ${took} ms"
	expect_eq "state and exit code after stop" "exited 137" \
		"$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")"
	expect_match "podman logs (the trap ran on SIGTERM)" '^got-term$' "$(run "${PODMAN_BASE[@]}" logs "$id" 2>&1)"
	expect_status "podman rm" 0 "${PODMAN_BASE[@]}" rm "$id"
	assert_no_rootfs_mounts
}

# What podman does through the container's pid reaches the container, never
# the host: cp in and out (the host's same path untouched), top (no host
# process), stats (the VM's memory, CPU near 0 when idle), its cgroup (there
# while it runs, gone after rm).
sc_pid_is_the_container() {
	local id pid out cg
	echo "a file from the host" >"$T/cp-in"
	[ ! -e /tmp/vshim-cp-probe ] || die "/tmp/vshim-cp-probe exists on the host before the test"
	run "${PODMAN[@]}" run -d --cidfile "$T/pid.cid" "${LIMITS[@]}" "$IMAGE" \
		sh -c 'echo inside > /etc/made-inside; exec sleep 1000' >/dev/null ||
		die "podman run -d failed"
	id=$(register_cid "$T/pid.cid")
	wait_for 20 "the container writing /etc/made-inside" \
		"${PODMAN_BASE[@]}" exec "$id" test -s /etc/made-inside

	expect_status "podman cp into the container" 0 "${PODMAN_BASE[@]}" cp "$T/cp-in" "$id:/tmp/vshim-cp-probe"
	[ ! -e /tmp/vshim-cp-probe ] || die "podman cp wrote the host's /tmp/vshim-cp-probe"
	expect_eq "the file, read back with exec" "a file from the host" \
		"$(run "${PODMAN_BASE[@]}" exec "$id" cat /tmp/vshim-cp-probe)"
	run "${PODMAN_BASE[@]}" cp "$id:/etc/made-inside" "$T/cp-out" || die "podman cp out of the container failed"
	expect_eq "the file podman cp took out" inside "$(cat "$T/cp-out")"

	pid=$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Pid}}' "$id")
	out=$(run "${PODMAN_BASE[@]}" top "$id" pid comm) || die "podman top failed: $out"
	# Its /proc holds one process; the host's (this shell, conmon, podman) never show.
	[ "$(echo "$out" | tail -n +2 | wc -l)" = 1 ] || die "podman top lists more than the container's process: $out"
	echo "$out" | grep -qw "$$" && die "podman top lists this test's shell: $out"

	cg=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$pid/cgroup")
	[ -n "$cg" ] && [ "$cg" != / ] || die "the container's pid is in no cgroup of its own: $(cat "/proc/$pid/cgroup")"
	[ -d "/sys/fs/cgroup/memory$cg" ] || die "no cgroup /sys/fs/cgroup/memory$cg"
	grep -qx "$(pgrep -f "guest=$id ")" "/sys/fs/cgroup/memory$cg/cgroup.procs" ||
		die "QEMU is not in the container's cgroup $cg"
	# podman's CPU % is the container's CPU time over its age: it falls while the VM idles.
	local cpu1 cpu2 usage vm_limit
	out=$(run "${PODMAN_BASE[@]}" stats --no-stream --format '{{.CPUPerc}}' "$id") || die "podman stats failed"
	cpu1=${out%\%}
	sleep 5
	out=$(run "${PODMAN_BASE[@]}" stats --no-stream --format '{{.MemUsage}} {{.CPUPerc}}' "$id") ||
		die "podman stats failed"
	say "    podman stats: $out (CPU $cpu1% five seconds before)"
	cpu2=$(echo "$out" | awk '{print $4}' | tr -d '%')
	awk -v a="$cpu1" -v b="$cpu2" 'BEGIN { exit !(b < a) }' ||
		die "podman stats CPU did not fall while the container idled: $cpu1% then $cpu2%"
	# Its memory is the VM's: within the limit vshim gave the cgroup (guest memory and QEMU's).
	usage=$(cat "/sys/fs/cgroup/memory$cg/memory.usage_in_bytes")
	vm_limit=$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")
	[ "$vm_limit" -lt $((4 << 30)) ] || die "the container's cgroup has no VM-sized limit: $vm_limit"
	[ "$usage" -le "$vm_limit" ] || die "memory use $usage is over the VM's limit $vm_limit"
	echo "$out" | awk '{print $1}' | grep -qE '^[0-9.]+[kMG]B$' || die "podman stats shows no memory: $out"

	expect_status "podman rm -f" 0 "${PODMAN_BASE[@]}" rm -f -t 0 "$id"
	[ ! -d "/sys/fs/cgroup/memory$cg" ] || die "the cgroup $cg outlived podman rm"
	assert_no_rootfs_mounts
}

# podman stop of a process that exits on SIGTERM: its own exit status.
sc_stop_term() {
	local id
	run "${PODMAN[@]}" run -d --cidfile "$T/term.cid" "${LIMITS[@]}" "$IMAGE" \
		sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' >/dev/null || die "podman run -d failed"
	id=$(register_cid "$T/term.cid")
	expect_status "podman stop -t 10" 0 "${PODMAN_BASE[@]}" stop -t 10 "$id"
	expect_eq "state and exit code after stop" "exited 42" \
		"$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")"
	expect_status "podman rm" 0 "${PODMAN_BASE[@]}" rm "$id"
}

# podman exec -it: a shell on a terminal in a running container.
sc_exec_tty() {
	local id out rc=0
	run "${PODMAN[@]}" run -d --cidfile "$T/exectty.cid" "${LIMITS[@]}" "$IMAGE" sleep 1000 >/dev/null ||
		die "podman run -d failed"
	id=$(register_cid "$T/exectty.cid")
	out=$(run "$PTYRUN" --timeout 15 --rows 33 --cols 101 \
		--expect '# ' --line 'tty; stty size' --expect '/dev/pts/[0-9]+' --expect '33 101' \
		--expect '# ' --line 'exit 6' -- \
		"${PODMAN_BASE[@]}" exec -it "$id" sh) || rc=$?
	expect_pty_status "podman exec -it" 6 "$rc"
	expect_status "podman rm -f" 0 "${PODMAN_BASE[@]}" rm -f -t 0 "$id"
}

# podman run -it: an interactive session; what is typed runs in the VM.
sc_run_tty() {
	local out rc=0
	out=$(run "$PTYRUN" --timeout 15 \
		--expect '# ' --line 'echo typed-$((6*7)); tty' --expect 'typed-42' --expect '/dev/pts/' \
		--expect '# ' --line 'exit 4' -- \
		"${PODMAN[@]}" run -it --rm --cidfile "$T/tty.cid" "${LIMITS[@]}" "$IMAGE" sh) || rc=$?
	register_cid "$T/tty.cid" >/dev/null
	expect_pty_status "podman run -it" 4 "$rc"
}

# contrib/podman/containers.conf: podman picks vshim without --runtime.
sc_containers_conf() {
	local snippet=$lib_dir/../../contrib/podman/containers.conf out
	[ -f "$snippet" ] || die "no $snippet"
	sed "s|/usr/local/bin/vshim|$VSHIM|" "$snippet" >"$PD/containers.conf"
	out=$(CONTAINERS_CONF=$PD/containers.conf run "${PODMAN_BASE[@]}" run --rm --cidfile "$T/conf.cid" \
		"${LIMITS[@]}" "$IMAGE" echo via-containers-conf) || die "podman run failed: $out"
	register_cid "$T/conf.cid" >/dev/null
	expect_eq "output" via-containers-conf "$out"
	grep -q "vshim .*create .*$(cat "$T/conf.cid")\$" "$T/calls.log" ||
		die "podman did not call vshim: containers.conf's runtime was not used"
}

# podman build: each RUN step of a Containerfile is a container of buildah's
# (its spec lists ambient capabilities that are not inheritable), and the
# image it builds runs.  buildah's own network needs CNI's bridge: none here.
sc_build() {
	local ctx=$T/build out id n=0 before
	mkdir -p "$ctx"
	before=$(wc -l <"$T/calls.log")
	printf '%s\n' "FROM $IMAGE" \
		'RUN echo built-by-vshim >/built.txt && uname -r >/kernel.txt' \
		'RUN mkdir /made && cat /built.txt >/made/copy.txt' >"$ctx/Containerfile"
	out=$(run "${PODMAN[@]}" build --network none -t localhost/vshim-built:latest "$ctx" 2>&1) ||
		die "podman build failed: $out"
	# Every container buildah made for a RUN step is gone afterwards.
	for id in $(tail -n +"$((before + 1))" "$T/calls.log" |
		sed -n 's/.* vshim .*create .* \([^ ]*\)$/\1/p' | sort -u); do
		register "$id" "$VSHIM_ROOT"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ] || die "podman build made $n containers through vshim, not one per RUN step"
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/built.cid" "${LIMITS[@]}" localhost/vshim-built:latest \
		sh -c 'cat /made/copy.txt; cat /kernel.txt') || die "the built image does not run: $out"
	register_cid "$T/built.cid" >/dev/null
	expect_eq "the file the RUN steps wrote" built-by-vshim "$(sed -n 1p <<<"$out")"
	[ "$(sed -n 2p <<<"$out")" != "$HOST_KERNEL" ] || die "a RUN step ran on the host's kernel"
	expect_status "podman rmi" 0 "${PODMAN_BASE[@]}" rmi localhost/vshim-built:latest
	assert_no_rootfs_mounts
}

# The default network: the address podman reports is the container's, httpd
# answers on it and through -p, a second container reaches it, the pid
# podman holds lives in the container's namespace, /etc/hosts names it.
sc_network() {
	local id ip sandbox pid port out
	port=$(free_port)
	run "${PODMAN[@]}" run -d --cidfile "$T/web.cid" -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'mkdir -p /www && echo vshim-web >/www/index.html && exec httpd -f -p 80 -h /www' \
		>/dev/null || die "podman run -d httpd failed"
	id=$(register_cid "$T/web.cid")
	ip=$(run "${PODMAN_BASE[@]}" inspect -f '{{.NetworkSettings.IPAddress}}' "$id")
	[ -n "$ip" ] || die "podman inspect reports no address for the container"
	out=$(run "${PODMAN_BASE[@]}" exec "$id" ip -o -4 addr show dev eth0)
	expect_match "the container's eth0" " inet $ip/" "$out"
	expect_match "/etc/hosts in the container" "^$ip" \
		"$(run "${PODMAN_BASE[@]}" exec "$id" grep -F "$ip" /etc/hosts)"
	expect_match "/etc/resolv.conf in the container" '^nameserver ' \
		"$(run "${PODMAN_BASE[@]}" exec "$id" cat /etc/resolv.conf)"

	sandbox=$(run "${PODMAN_BASE[@]}" inspect -f '{{.NetworkSettings.SandboxKey}}' "$id")
	pid=$(run "${PODMAN_BASE[@]}" inspect -f '{{.State.Pid}}' "$id")
	in_netns "$pid" "$sandbox" || die "pid $pid (vshim's monitor) is not in the container's namespace $sandbox"
	in_netns "$pid" /proc/self/ns/net && die "pid $pid is in the host's network namespace"

	wait_for 20 "httpd answering on $ip" http_get "http://$ip/"
	expect_eq "the page from the host, at $ip" vshim-web "$(http_get "http://$ip/")"
	expect_eq "the page through -p 127.0.0.1:$port:80" vshim-web "$(http_get "http://127.0.0.1:$port/")"
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/peer.cid" "$IMAGE" wget -q -O - "http://$ip/") ||
		die "a second container could not fetch the page from $ip: $out"
	register_cid "$T/peer.cid" >/dev/null
	expect_eq "the page from a second container" vshim-web "$out"
	expect_status "podman rm -f" 0 "${PODMAN_BASE[@]}" rm -f -t 0 "$id"
}

# --network none: only the loopback, no NIC of the VM's in sight.
sc_network_none() {
	local out
	out=$(run "${PODMAN[@]}" run --rm --cidfile "$T/none.cid" --network none "$IMAGE" \
		sh -c 'ip -o link | cut -d: -f2') || die "podman run --network none failed: $out"
	register_cid "$T/none.cid" >/dev/null
	expect_eq "interfaces with --network none" lo "$(echo $out)"
}

scenario "podman run --rm (output, exit status, guest kernel)" sc_run_rm
scenario "podman run -v HOSTDIR:/data (both ways)" sc_volume
scenario "podman run --read-only" sc_read_only
scenario "podman run -e -w -u 1000 --ulimit" sc_env_cwd_user
scenario "podman run -d, exec, logs, pause, unpause, inspect, stop -t 2 (TERM then KILL), rm" sc_lifecycle
scenario "podman stop (the process exits on TERM)" sc_stop_term
scenario "podman cp, top, stats and the cgroup reach the container" sc_pid_is_the_container
scenario "podman exec -it" sc_exec_tty
scenario "podman run -it (interactive)" sc_run_tty
scenario "contrib/podman/containers.conf" sc_containers_conf
scenario "podman build (RUN steps), then the built image runs" sc_build
scenario "the default network: its address, httpd on it and through -p, a second container" sc_network
scenario "--network none: only lo" sc_network_none
clients_finish podman
