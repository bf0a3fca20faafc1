#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rootless podman runs its containers through vshim: podman as an ordinary
# user (its user namespace maps the user to root and its subordinate range
# to the rest; the image's layers belong to those subordinate ids on the
# host) with its default rootless network, slirp4netns, which vshim wires to
# the VM from inside podman's user namespace.  podman run --rm, -v, -d with
# exec and stop, -p; nothing left in the user's runtime directory.
#
#   podman.sh VSHIM_BINARY
#
# What this host lacks for rootless podman the test sets up for its user
# and undoes: no systemd user session (XDG_RUNTIME_DIR is /run/user/UID,
# made by the test), a containers.conf of the test's (cgroupfs, events to a
# file), and /dev/net/tun, which udev makes 0666 on an ordinary Debian, is 0600 here:
# 0666 while the test runs.
set -uo pipefail
. "$(dirname "$0")/../clients/lib.sh"
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || abort "usage: podman.sh VSHIM_BINARY"
need podman podman
need conmon conmon
need slirp4netns slirp4netns
need newuidmap uidmap

TUN_MODE=
finish() {
	local pid
	if [ -n "${RL_MADE_USER:-}" ]; then
		as_user podman rm --all --force --time 0 >/dev/null 2>&1
		# podman's pause process holds its user namespace: the last of the user's.
		pid=$(cat "$XDG/libpod/tmp/pause.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	fi
	rootless_remove_user
	[ -z "$TUN_MODE" ] || chmod "$TUN_MODE" /dev/net/tun
	remove_tempdir
}
rootless_init "$1" finish

# Subordinate ids: useradd gives them where /etc/subuid exists; else a free range.
if ! grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || ! grep -q "^$RL_USER:" /etc/subgid 2>/dev/null; then
	base=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print (m > 100000 ? m : 100000) }')
	usermod --add-subuids "$base-$((base + 65535))" --add-subgids "$base-$((base + 65535))" "$RL_USER" ||
		abort "cannot give $RL_USER subordinate uids and gids (usermod)"
fi
say "subordinate ids: $(grep "^$RL_USER:" /etc/subuid)"
if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	TUN_MODE=$(stat -c %a /dev/net/tun)
	chmod 666 /dev/net/tun || abort "cannot open /dev/net/tun to users (slirp4netns needs it)"
	say "/dev/net/tun was $TUN_MODE: 666 while the test runs"
fi

PD=$T/podman
mkdir -p "$PD/conf"
cat >"$PD/conf/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$PD/conf/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PD/storage"
runroot = "$PD/run"
EOF
chown -R "$RL_UID:$RL_GID" "$PD"
chmod 644 "$T/image.tar"
RL_ENV=(CONTAINERS_CONF="$PD/conf/containers.conf" CONTAINERS_STORAGE_CONF="$PD/conf/storage.conf")
PODMAN=(podman --runtime "$VSHIM")

as_user podman load -q -i "$T/image.tar" >/dev/null || abort "podman load failed (as $RL_USER)"
say "podman $(podman --version | awk '{print $3}') as $RL_USER, image $IMAGE loaded (${SECONDS}s)"

# What a failed scenario left: removed by force, through podman.
clients_cleanup_hook() {
	local id root pattern
	while read -r id root pattern; do
		as_user podman container exists "$id" 2>/dev/null || continue
		echo "cleanup: $id" >&2
		as_user podman rm --force --time 0 "$id" >/dev/null 2>&1
	done <"$T/ids"
}

# register_cid CIDFILE: the container podman made, for the checks that follow.
register_cid() {
	local id
	id=$(cat "$1" 2>/dev/null)
	[ -n "$id" ] || die "podman wrote no container ID to $1"
	register "$id" "$XDG/vshim"
	echo "$id"
}

sc_run_rm() {
	local out rc=0 kernel
	out=$(as_user "${PODMAN[@]}" run --rm --cidfile "$RL_HOME/rm.cid" "$IMAGE" \
		sh -c 'echo hello; uname -r; id -u; stat -c %u /bin/busybox; exit 3') || rc=$?
	register_cid "$RL_HOME/rm.cid" >/dev/null
	expect_eq "exit status of podman run" 3 "$rc"
	expect_eq "first line" hello "$(sed -n 1p <<<"$out")"
	kernel=$(sed -n 2p <<<"$out")
	[ -n "$kernel" ] && [ "$kernel" != "$HOST_KERNEL" ] ||
		die "uname -r in the container is '$kernel'; the host's is '$HOST_KERNEL': not a VM"
	expect_eq "the container's uid, and the owner of the image's files" "0 0" "$(sed -n 3,4p <<<"$out" | paste -sd' ')"
	grep -q "vshim .*create .*$(cat "$RL_HOME/rm.cid")\$" "$T/calls.log" || die "podman did not call vshim create"
	assert_runtime_dir_clean
}

# The image's layers belong to subordinate ids on the host: the container
# sees their owners, and a user of the container writes as itself.
sc_layers() {
	local out host_owner
	out=$(as_user "${PODMAN[@]}" run --cidfile "$RL_HOME/ids.cid" -u 1000 "$IMAGE" \
		sh -c 'stat -c %u:%g /home/user; echo x >/home/user/f && stat -c %u:%g /home/user/f') ||
		die "podman run -u 1000 failed: $out"
	register_cid "$RL_HOME/ids.cid" >/dev/null
	expect_eq "owners of the image's /home/user and a file its user made" "1000:1000 1000:1000" \
		"$(paste -sd' ' <<<"$out")"
	host_owner=$(stat -c %u "$(as_user podman inspect -f '{{.GraphDriver.Data.UpperDir}}' \
		"$(cat "$RL_HOME/ids.cid")")/home/user/f")
	expect_eq "the file's owner on the host: the user's subordinate uid for 1000" \
		"$(($(grep "^$RL_USER:" /etc/subuid | cut -d: -f2) + 999))" "$host_owner"
	user_status "podman rm" 0 podman rm "$(cat "$RL_HOME/ids.cid")"
}

sc_volume() {
	local dir=$T/volume out f
	mkdir -p "$dir"
	echo from-host >"$dir/in.txt"
	chown -R "$RL_UID:$RL_GID" "$dir"
	out=$(as_user "${PODMAN[@]}" run --rm --cidfile "$RL_HOME/vol.cid" -v "$dir:/data" "$IMAGE" \
		sh -c 'cat /data/in.txt; echo from-guest >/data/out.txt; mkdir /data/sub && echo deep >/data/sub/f') ||
		die "podman run -v failed: $out"
	register_cid "$RL_HOME/vol.cid" >/dev/null
	expect_eq "the host's file, read in the container" from-host "$out"
	expect_eq "the container's file, read on the host" from-guest "$(cat "$dir/out.txt" 2>&1)"
	expect_eq "a file in a directory the container made" deep "$(cat "$dir/sub/f" 2>&1)"
	for f in out.txt sub sub/f; do
		expect_eq "the owner of $f on the host" "$RL_UID:$RL_GID" "$(stat -c %u:%g "$dir/$f")"
	done
	assert_runtime_dir_clean
}

# logs_have ID TEXT: podman logs of ID has TEXT.
logs_have() {
	as_user podman logs "$1" 2>&1 | grep -q "$2"
}

sc_detached() {
	local id out rc=0
	as_user "${PODMAN[@]}" run -d --cidfile "$RL_HOME/life.cid" "$IMAGE" \
		sh -c 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 0.1; done' >/dev/null ||
		die "podman run -d failed"
	id=$(register_cid "$RL_HOME/life.cid")
	expect_eq "state" running "$(as_user podman inspect -f '{{.State.Status}}' "$id")"
	[ -d "$XDG/vshim/$id" ] || die "no state of $id under \$XDG_RUNTIME_DIR/vshim"
	out=$(as_user podman exec "$id" sh -c 'echo exec-out; echo exec-err >&2; exit 5' 2>&1) || rc=$?
	expect_eq "exit status of podman exec" 5 "$rc"
	expect_match "output of podman exec" '^exec-out$' "$out"
	expect_match "stderr of podman exec" '^exec-err$' "$out"
	wait_for 20 "podman logs showing started" logs_have "$id" started
	user_status "podman stop" 0 podman stop -t 10 "$id"
	expect_eq "state and exit code after stop" "exited 0" \
		"$(as_user podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")"
	expect_match "podman logs (the trap ran on SIGTERM)" '^got-term$' "$(as_user podman logs "$id" 2>&1)"
	user_status "podman rm" 0 podman rm "$id"
	assert_runtime_dir_clean
}

# -p with podman's default port forwarder (rootlesskit), or the one the arguments name.
sc_publish() {
	local id port body
	port=$(free_port)
	as_user "${PODMAN[@]}" run -d --cidfile "$RL_HOME/web-$port.cid" "$@" -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'echo hello-from-the-vm >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null ||
		die "podman run -d -p failed"
	id=$(register_cid "$RL_HOME/web-$port.cid")
	wait_for 30 "the server in the container answering on 127.0.0.1:$port" http_get "http://127.0.0.1:$port/index.html"
	body=$(http_get "http://127.0.0.1:$port/index.html")
	expect_eq "what the server in the container sent" hello-from-the-vm "$body"
	user_status "podman rm --force" 0 podman rm --force --time 0 "$id"
	assert_runtime_dir_clean
}

scenario "rootless podman run --rm: output, exit status, a VM" sc_run_rm
scenario "rootless podman: the image's subordinate owners, run -u 1000" sc_layers
scenario "rootless podman run -v: written both ways, the user's on the host" sc_volume
scenario "rootless podman run -d, exec, stop" sc_detached
scenario "rootless podman run -p: a server in the container, through rootlesskit and slirp4netns" sc_publish
scenario "rootless podman run -p with slirp4netns's own port forwarder" sc_publish \
	--network slirp4netns:port_handler=slirp4netns
clients_finish "rootless podman"
