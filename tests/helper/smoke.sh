#!/bin/sh
# The helper's subcommands print what the integration tests compare.
set -eu
h=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$($h echo a b  c)" = "a b c" ] || fail echo
[ "$(printf 'x\000y' | $h cat | od -An -c | tr -d ' \n')" = 'x\0y' ] || fail cat
set +e; $h exit 7; [ $? -eq 7 ] || fail exit; set -e
set +e; $h kill-self TERM; r=$?; set -e; [ $r -eq 143 ] || fail "kill-self: $r"
[ "$(cd /tmp && $h cwd)" = /tmp ] || fail cwd
[ "$(FOO=bar $h env | grep '^FOO=')" = FOO=bar ] || fail env
$h id | grep -q "^uid=$(id -u) gid=$(id -g) groups=" || fail id
[ "$($h bytes 300 | wc -c)" -eq 300 ] || fail bytes
[ "$($h bytes 252 | od -An -tu1 -j250 | tr -s ' ')" = " 250 0" ] || fail "bytes pattern"
[ "$($h stderr oops 2>&1 >/dev/null)" = oops ] || fail stderr
t=$(mktemp); $h write-file "$t" hello; [ "$($h read-file "$t")" = hello ] || fail files; rm -f "$t"
[ "$($h syscall-test getcwd)" = ok ] || fail syscall-test
[ "$($h isatty </dev/null | head -1)" = "0 no" ] || fail isatty
$h caps | grep -q '^CapEff:' || fail caps
$h rlimits | grep -q '^RLIMIT_NOFILE ' || fail rlimits
$h mounts | grep -q ' / ' || fail mounts
[ "$(umask 027; $h umask)" = 0027 ] || fail umask
case "$($h no-new-privs)" in 0|1) ;; *) fail no-new-privs ;; esac
[ "$($h ns | grep -cE '^(cgroup|ipc|mnt|net|pid|uts) (same|new|error: )')" -eq 6 ] || fail ns
readelf -l "$h" | grep -q INTERP && fail "not static"
echo ok
