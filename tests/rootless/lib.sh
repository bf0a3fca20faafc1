# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# What the rootless tests share; sourced by run.sh and podman.sh after
# tests/clients/lib.sh (scenarios, checks, the vshim wrapper).
#
# The tests run as root only to make a user of their own, vshim-rl-XXXXXX,
# with a runtime directory (/run/user/UID as $XDG_RUNTIME_DIR: there is no
# systemd user session here) and subordinate uid and gid ranges; every vshim and podman
# command then runs as that user.  The user, its ranges and its processes
# are gone when the script ends.

# rootless_init VSHIM_BINARY FINISH: clients_init, then the user; FINISH
# (which calls rootless_remove_user and remove_tempdir) runs at exit.
rootless_init() {
	clients_init "$1"
	# shellcheck disable=SC2064
	trap "$2" EXIT
	need useradd passwd
	need runuser util-linux
	RL_USER=vshim-rl-$RUN_ID
	RL_HOME=$T/home
	useradd --no-create-home --home-dir "$RL_HOME" --shell /bin/sh --user-group "$RL_USER" ||
		abort "cannot create the test user $RL_USER (useradd failed): the rootless tests need root to make one"
	RL_MADE_USER=1
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	# Where logind would make it: slirp4netns's socket path under it must fit sun_path.
	XDG=/run/user/$RL_UID
	[ ! -e "$XDG" ] || abort "$XDG exists already: a user with uid $RL_UID had a session"
	[ -d /run/user ] || RL_MADE_RUN_USER=1
	mkdir -p /run/user "$RL_HOME" "$XDG"
	RL_MADE_XDG=1
	chown "$RL_UID:$RL_GID" "$RL_HOME" "$XDG"
	chmod 700 "$XDG"
	# The wrapper's log is written by the user.
	chmod 666 "$T/calls.log"
	say "user $RL_USER (uid $RL_UID, gid $RL_GID), XDG_RUNTIME_DIR=$XDG"
}

# user_status WHAT EXPECTED COMMAND...: COMMAND as the user, its exit status checked.
user_status() {
	local what=$1 want=$2 got=0
	shift 2
	as_user "$@" || got=$?
	[ "$got" = 124 ] && [ "$want" != 124 ] && die "$what: timed out after ${CMD_TIMEOUT}s"
	[ "$got" = "$want" ] || die "$what: exit status $got, expected $want"
}

# as_user COMMAND...: COMMAND as the test user, in its environment, with a time limit.
as_user() {
	echo "+ [$RL_USER] $*" >&2
	timeout -k 5 "$CMD_TIMEOUT" runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$RL_HOME" USER="$RL_USER" LOGNAME="$RL_USER" XDG_RUNTIME_DIR="$XDG" \
		${RL_ENV[@]+"${RL_ENV[@]}"} "$@"
}
RL_ENV=()

# The user's processes, as "pid command" lines (none once everything is done).
user_processes() {
	ps -o pid=,args= -u "$RL_UID" 2>/dev/null || true
}

# Ends what a failed scenario left running as the user, pid by pid, then the user.
rootless_remove_user() {
	local pid
	[ -n "${RL_MADE_USER:-}" ] || return 0
	for pid in $(ps -o pid= -u "$RL_UID" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	userdel "$RL_USER" 2>/dev/null || echo "cannot remove the test user $RL_USER" >&2
	[ -z "${RL_MADE_XDG:-}" ] || rm -rf "$XDG"
	[ -z "${RL_MADE_RUN_USER:-}" ] || rmdir /run/user 2>/dev/null || true
	# Its subordinate ranges, when userdel did not take them.
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid 2>/dev/null || true
	RL_MADE_USER=
}

# Nothing of the user's may be left in its runtime directory: vshim's root is empty.
assert_runtime_dir_clean() {
	local left
	left=$(ls -A "$XDG/vshim" 2>/dev/null)
	[ -z "$left" ] || die "left in \$XDG_RUNTIME_DIR/vshim: $left"
}
