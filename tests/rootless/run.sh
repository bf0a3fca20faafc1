#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vshim run as an ordinary user, on a bundle that `vshim spec --rootless`
# wrote: stdio and exit status, a bind mount written both ways (the
# container's files are the user's on the host), no set-user-ID file or
# device node on the host, what QEMU may do, the errors of what needs root,
# and nothing left in the user's runtime directory.
#
#   run.sh VSHIM_BINARY
set -uo pipefail
. "$(dirname "$0")/../clients/lib.sh"
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || abort "usage: run.sh VSHIM_BINARY"
finish() {
	rootless_remove_user
	remove_tempdir
}
rootless_init "$1" finish

BUNDLE=$T/bundle
VOL=$T/vol

# The bundle: busybox-static, and the config.json of `vshim spec --rootless`.
mkdir -p "$BUNDLE/rootfs/bin" "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/dev" \
	"$BUNDLE/rootfs/sys" "$BUNDLE/rootfs/tmp" "$BUNDLE/rootfs/data" "$VOL"
cp "$(command -v busybox)" "$BUNDLE/rootfs/bin/busybox"
for a in $(busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$BUNDLE/rootfs/bin/$a"
done
chown -R "$RL_UID:$RL_GID" "$BUNDLE" "$VOL"
as_user "$VSHIM" spec --rootless --bundle "$BUNDLE" || abort "vshim spec --rootless failed"
cp "$BUNDLE/config.json" "$T/config.rootless.json"

# configure ID PYTHON: config.json from spec --rootless, changed by PYTHON (on `c`).
configure() {
	python3 - "$T/config.rootless.json" "$BUNDLE/config.json" "$VOL" "$@" <<'EOF' || die "cannot write config.json"
import json, sys
c = json.load(open(sys.argv[1]))
vol = sys.argv[3]
c["process"]["terminal"] = False
c["mounts"].append({"destination": "/data", "type": "bind", "source": vol, "options": ["rbind", "rw"]})
exec(sys.argv[4])
json.dump(c, open(sys.argv[2], "w"), indent=1)
EOF
	chown "$RL_UID:$RL_GID" "$BUNDLE/config.json"
}

# vshim_run ID [STDIN]: vshim run as the user; output in $T/out, $T/err, status in $rc.
vshim_run() {
	register "$1" "$XDG/vshim"
	rc=0
	as_user "$VSHIM" run --bundle "$BUNDLE" "$1" <"${2:-/dev/null}" >"$T/out" 2>"$T/err" || rc=$?
	cat "$T/err" >&2
}

# What a failed scenario left: deleted by force, as the user.
clients_cleanup_hook() {
	local id root pattern
	while read -r id root pattern; do
		[ -d "$root/$id" ] || continue
		echo "cleanup: vshim delete --force $id" >&2
		as_user "$VSHIM" delete --force "$id" >/dev/null 2>&1 || true
	done <"$T/ids"
}

sc_spec() {
	python3 - "$T/config.rootless.json" "$RL_UID" "$RL_GID" <<'EOF' || die "spec --rootless wrote the wrong namespaces or mappings"
import json, sys
c = json.load(open(sys.argv[1]))["linux"]
types = [n["type"] for n in c["namespaces"]]
assert "user" in types and "network" not in types, types
assert c["uidMappings"] == [{"containerID": 0, "hostID": int(sys.argv[2]), "size": 1}], c["uidMappings"]
assert c["gidMappings"] == [{"containerID": 0, "hostID": int(sys.argv[3]), "size": 1}], c["gidMappings"]
EOF
}

sc_stdio() {
	configure 'c["process"]["args"] = ["sh", "-c", "read l; echo out:$l; echo err >&2; id -u; exit 3"]'
	echo from-stdin >"$T/in"
	vshim_run "rl-stdio-$RUN_ID" "$T/in"
	expect_eq "exit status of vshim run" 3 "$rc"
	expect_eq "stdout" "out:from-stdin 0" "$(paste -sd' ' "$T/out")"
	expect_match "stderr" '^err$' "$(cat "$T/err")"
	[ -d "$XDG/vshim" ] || die "vshim did not keep its state under \$XDG_RUNTIME_DIR/vshim"
	assert_runtime_dir_clean
}

sc_volume() {
	rm -rf "${VOL:?}"/*
	echo from-host >"$VOL/in.txt"
	chown "$RL_UID:$RL_GID" "$VOL/in.txt"
	configure 'c["process"]["args"] = ["sh", "-c", "cat /data/in.txt; stat -c %u:%g /data/in.txt; echo from-guest >/data/out.txt; mkdir /data/sub && echo deep >/data/sub/f"]'
	vshim_run "rl-vol-$RUN_ID"
	expect_eq "exit status" 0 "$rc"
	expect_eq "the host's file in the container, and its owner there" "from-host 0:0" "$(paste -sd' ' "$T/out")"
	expect_eq "the container's file on the host" from-guest "$(cat "$VOL/out.txt" 2>&1)"
	expect_eq "a file in a directory the container made" deep "$(cat "$VOL/sub/f" 2>&1)"
	for f in out.txt sub sub/f; do
		expect_eq "the owner of $f on the host" "$RL_UID:$RL_GID" "$(stat -c %u:%g "$VOL/$f")"
	done
	assert_runtime_dir_clean
}

# docs/security.md: no set-user-ID file, no device node on the host, in a
# volume or the root; QEMU with no new privileges, seccomp, and capabilities
# only over the user's own files (its user namespace maps nothing else).
sc_setuid() {
	local qemu tries
	rm -rf "${VOL:?}"/*
	configure 'c["root"]["readonly"] = False
c["process"]["capabilities"] = {k: ["CAP_CHOWN", "CAP_FOWNER", "CAP_FSETID", "CAP_MKNOD", "CAP_DAC_OVERRIDE", "CAP_SETFCAP"] for k in ("bounding", "effective", "permitted")}
c["process"]["args"] = ["sh", "-c", "for d in /data /; do cp /bin/busybox $d/x; chmod 4755 $d/x; echo chmod=$?; mkdir $d/d; chmod 2775 $d/d; mknod $d/n c 1 3; echo mknod=$?; done; sleep 3"]'
	(
		vshim_run "rl-suid-$RUN_ID"
		echo "$rc" >"$T/rc"
	) &
	for ((tries = 0; tries < 300; tries++)); do
		qemu=$(pgrep -u "$RL_UID" -f qemu-system | head -1)
		[ -n "$qemu" ] && grep -q '^Seccomp:.*2' "/proc/$qemu/status" 2>/dev/null && break
		sleep 0.1
	done
	[ -n "$qemu" ] || die "no QEMU of the user's ran"
	expect_eq "QEMU's uid on the host" "$RL_UID" "$(awk '/^Uid:/ { print $3 }' "/proc/$qemu/status")"
	expect_eq "QEMU's no_new_privs" 1 "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$qemu/status")"
	expect_eq "QEMU's seccomp mode" 2 "$(awk '/^Seccomp:/ { print $2 }' "/proc/$qemu/status")"
	expect_eq "QEMU's user namespace maps only the user" "0 $RL_UID 1" \
		"$(awk '{ print $1, $2, $3 }' "/proc/$qemu/uid_map")"
	[ $((0x$(awk '/^CapEff:/ { print $2 }' "/proc/$qemu/status") & ~0xf)) = 0 ] ||
		die "QEMU has capabilities beyond CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER: $(grep Cap "/proc/$qemu/status")"
	wait
	expect_eq "exit status" 0 "$(cat "$T/rc")"
	expect_eq "what the container saw" "chmod=0 mknod=1 chmod=0 mknod=1" "$(paste -sd' ' "$T/out")"
	for f in "$VOL/x" "$BUNDLE/rootfs/x"; do
		expect_eq "the mode of $f on the host" "-rwxr-xr-x $RL_UID" "$(stat -c '%A %u' "$f")"
	done
	for d in "$VOL/d" "$BUNDLE/rootfs/d"; do
		expect_eq "the mode of $d on the host (set-group-ID stays on a directory)" drwxrwsr-x "$(stat -c %A "$d")"
	done
	[ ! -e "$VOL/n" ] && [ ! -e "$BUNDLE/rootfs/n" ] || die "mknod made a node on the host"
	rm -rf "$BUNDLE/rootfs/x" "$BUNDLE/rootfs/d"
	assert_runtime_dir_clean
}

# config.json's maps with the user's subordinate ids (newuidmap, newgidmap):
# a user of the container writes files that are the subordinate uid's on
# the host.
sc_subids() {
	local sub
	sub=$(grep "^$RL_USER:" /etc/subuid | cut -d: -f2)
	[ -n "$sub" ] && grep -q "^$RL_USER:$sub:" /etc/subgid ||
		die "useradd gave $RL_USER no matching subordinate uids and gids"
	rm -rf "${VOL:?}"/*
	chmod 777 "$VOL"
	configure "c['process']['args'] = ['sh', '-c', 'id -u; echo u >/data/by-1000; stat -c %u:%g /data/by-1000']
c['process']['user'] = {'uid': 1000, 'gid': 1000}
for k, own in (('uidMappings', $RL_UID), ('gidMappings', $RL_GID)):
    c['linux'][k] = [{'containerID': 0, 'hostID': own, 'size': 1}, {'containerID': 1, 'hostID': $sub, 'size': 65536}]"
	vshim_run "rl-subids-$RUN_ID"
	expect_eq "exit status" 0 "$rc"
	expect_eq "the container's user, and its file's owner in the container" "1000 1000:1000" "$(paste -sd' ' "$T/out")"
	expect_eq "the file's owner on the host" "$((sub + 999)):$((sub + 999))" "$(stat -c %u:%g "$VOL/by-1000")"
	chmod 755 "$VOL"
	assert_runtime_dir_clean
}

# What needs root says so, and leaves nothing behind.
sc_needs_root() {
	configure 'c["process"]["args"] = ["true"]
c["linux"]["namespaces"].append({"type": "network", "path": "/proc/1/ns/net"})'
	vshim_run "rl-netns-$RUN_ID"
	expect_eq "exit status with root's network namespace" 1 "$rc"
	expect_match "the error" 'without root, vshim cannot use a namespace another user owns: run it as root' "$(cat "$T/err")"

	configure 'c["process"]["args"] = ["true"]
c["linux"]["cgroupsPath"] = "/vshim-rootless-test"'
	vshim_run "rl-cgroup-$RUN_ID"
	expect_eq "exit status with a cgroup of root's" 1 "$rc"
	expect_match "the error" 'without root, linux.cgroupsPath must name a cgroup delegated to you' "$(cat "$T/err")"

	configure 'c["process"]["args"] = ["true"]
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 1}]'
	vshim_run "rl-map-$RUN_ID"
	expect_eq "exit status with root's uid mapped" 1 "$rc"
	expect_match "the error" "without root your own id \\($RL_UID\\) must be mapped" "$(cat "$T/err")"

	configure "c['process']['args'] = ['true']
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': $RL_UID, 'size': 1}, {'containerID': 1, 'hostID': 4000000000, 'size': 10}]"
	vshim_run "rl-range-$RUN_ID"
	expect_eq "exit status with ids that are not the user's" 1 "$rc"
	expect_match "the error" 'newuidmap or newgidmap refused the user namespace.s maps' "$(cat "$T/err")"
	assert_runtime_dir_clean
}

scenario "spec --rootless: a user namespace mapping the user to root, no network namespace" sc_spec
scenario "vshim run as a user: stdio and exit status" sc_stdio
scenario "a bind mount written both ways: the user's on the host" sc_volume
scenario "no set-user-ID file or device node on the host; QEMU's privileges" sc_setuid
scenario "config.json's maps with the user's subordinate ids" sc_subids
scenario "what needs root is an error that says so" sc_needs_root
clients_finish "rootless vshim run"
