#!/bin/bash
# SPDX-License-Identifier: ISC
# privileges.sh - who runs as whom, as root on this machine:
#
#  - the panel as deploy/panel.sh sets it up and starts it (as in
#    production): pushd runs as hakomail-push and the API's workers as
#    hakomail; the SSH key is hakomail-push's alone; after writes by the
#    CLI (run as root), the API and pushd, every file of the database is
#    the group's to write and none is root's;
#  - the CLI run as root on a database of another user becomes that user,
#    and refuses a root-owned database (or -shm) in that user's directory,
#    saying what to chown.
#
# Its own places (/run/hakomail-priv, 127.0.0.1:18091): it may run beside
# the other integration tests.
#
# Usage: privileges.sh BUILDDIR   (results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: privileges.sh BUILDDIR}" && pwd)
. "$top/tests/lib.sh"
tmp=$(mktemp -d)
chmod 0711 "$tmp"	# hakomail goes through to its own directory below
export HK_STATE=/run/hakomail-priv/panel HK_LISTEN=127.0.0.1:18091
export HK_BIN=$build/src HK_WWW=$top/www
logs=$top/tests/artifacts/logs/${HK_LABEL:-run}-privileges
# the panel's logs are kept, as panel_lib.sh's panel_down keeps them
trap '"$top/deploy/panel.sh" stop >/dev/null 2>&1
	mkdir -p "$logs" && cp "$HK_STATE"/log/*.log "$logs/" 2>/dev/null
	rm -rf "$tmp" /run/hakomail-priv' EXIT
cli() { "$HK_BIN/hakomail" -c "$HK_STATE/hakomail.conf" "$@"; }
key=$HK_STATE/ssh/id_ed25519
db=$HK_STATE/db

# uids PID: the real, effective, saved and file-system uids of PID
uids() { awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"; }
# bad_files DIR: the files under DIR that are root's, or not rw for the group
bad_files() { find "$1" -type f \( -user root -o ! -perm -0660 \) -printf '%f '; }

echo "== privileges: the panel as deploy/panel.sh sets it up"
"$top/deploy/panel.sh" stop >/dev/null 2>&1
rm -rf /run/hakomail-priv
"$top/deploy/panel.sh" setup >"$tmp/setup.log" 2>&1 ||
	{ fail "panel.sh setup"; cat "$tmp/setup.log"; exit 0; }
pu=$(id -u hakomail-push) hu=$(id -u hakomail) hg=$(getent group hakomail | cut -d: -f3)
check "hakomail-push is in the group hakomail" \
	eval 'id -nG hakomail-push | tr " " "\n" | grep -qx hakomail'
check_eq "the database, made by init run as root: hakomail's, 0660" \
	"hakomail:hakomail 660" "$(stat -c '%U:%G %a' "$db/hakomail.db")"
check_eq "its directory: the group's, setgid" "hakomail:hakomail 2770" \
	"$(stat -c '%U:%G %a' "$db")"
check_eq "the key and pushd's state: hakomail-push's alone" \
	"hakomail-push 700 hakomail-push 600 hakomail-push 700" \
	"$(stat -c '%U %a' "$HK_STATE/ssh" "$key" "$HK_STATE/pushd" | paste -sd' ')"
check "the key is unreadable to hakomail" \
	eval '! runuser -u hakomail -- cat "$key" >/dev/null 2>&1'
check "... and readable to hakomail-push" \
	eval 'runuser -u hakomail-push -- ssh-keygen -y -f "$key" >/dev/null'

echo "== privileges: the panel started by panel.sh, as root"
"$top/deploy/panel.sh" start >>"$tmp/setup.log" 2>&1 ||
	{ fail "panel.sh start"; cat "$tmp/setup.log" "$HK_STATE"/log/*.log; exit 0; }
pushd_pid=$(cat "$HK_STATE/run/pushd.pid")
check_eq "pushd runs as hakomail-push (real, effective, saved, fs uid)" \
	"$pu $pu $pu $pu" "$(uids "$pushd_pid")"
check "... with the group hakomail among its groups" \
	eval 'grep "^Groups:" /proc/$pushd_pid/status | tr "\t " "\n\n" | grep -qx "$hg"'
check_eq "the API's workers run as hakomail" "$hu $hu $hu $hu" \
	"$(uids "$(cat "$HK_STATE/run/fcgi.pid")")"
# pushd binds its wake socket before it may take its state_dir's lock: a
# second one must leave the first one's socket alone.
inode=$(stat -c %i "$HK_STATE/run/pushd.sock")
"$HK_BIN/hakomail-pushd" -c "$HK_STATE/hakomail.conf" >/dev/null 2>"$tmp/err"
check_eq "a second pushd: exit 1, saying another listens" "1 1" \
	"$? $(grep -c "pushd.sock: another hakomail-pushd listens there" "$tmp/err")"
check_eq "... and the first one keeps its wake socket" "$inode" \
	"$(stat -c %i "$HK_STATE/run/pushd.sock")"

# A guest nobody answers for: pushd's ssh (with the key) fails, and pushd
# records it in the database, as hakomail-push.  The host key is read
# from a directory only root may enter.
install -d -m 0700 "$tmp/private"
ssh-keygen -q -t ed25519 -N '' -C g1 -f "$tmp/private/hostkey"
cli project add lab >/dev/null
check "the CLI as root reads a host key file only root may read" \
	eval 'cli guest add g1 --project lab --host 127.0.0.1 --port 1 \
		--host-key-file "$tmp/private/hostkey.pub" >/dev/null 2>"$tmp/err"'
check "... and one given through a pipe (--host-key-file <(...))" \
	eval 'cli guest add g2 --project lab --host 127.0.0.1 --port 1 \
		--host-key-file <(cat "$tmp/private/hostkey.pub") >/dev/null 2>"$tmp/err"'
token=$(cli apikey create)
check_eq "a write through the API" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' --data-binary '{"name":"lab2"}' \
	    "http://$HK_LISTEN/api/v1/projects")"
pushed() { [ "$(cli --json guest list | jq -r '.[0].state')" = unreachable ]; }
check "pushd ran ssh and recorded the outcome" until_ok 30 pushed
check "(ssh was refused, not the key)" \
	eval 'cli --json guest list | jq -r ".[0].last_error" | grep -qi "refused"'
check_eq "no file of the database is root's, each is the group's to write" "" \
	"$(bad_files "$db")"
"$top/deploy/panel.sh" stop >/dev/null 2>&1

echo "== privileges: the CLI as root on another user's database"
install -d -m 0755 "$tmp/own"
install -d -m 2770 -o hakomail -g hakomail "$tmp/own/db"
printf '[database]\nurl = sqlite:%s\n[pushd]\nwake_socket = %s/wake\n' \
	"$tmp/own/db/h.db" "$tmp/own" >"$tmp/own/conf"
own() { "$HK_BIN/hakomail" -c "$tmp/own/conf" "$@"; }
check "init" eval 'own init >/dev/null'
check "a write" eval 'own project add p1 >/dev/null'
check_eq "made and written as hakomail: no file of it is root's" \
	"hakomail:hakomail 660" "$(stat -c '%U:%G %a' "$tmp/own/db"/h.db*)"
check_eq "the audit log still names the operator who ran it" root \
	"$(own --json audit --limit 1 | jq -r '.[0].actor')"
cp "$tmp/own/db/h.db" "$tmp/own/db/root.db"	# root's now
sed "s#/h.db#/root.db#" "$tmp/own/conf" >"$tmp/own/root.conf"
"$HK_BIN/hakomail" -c "$tmp/own/root.conf" project add p2 >/dev/null 2>"$tmp/err"
check_eq "a root-owned database in hakomail's directory: refused (exit 1)" 1 $?
check "... saying what to chown" grep -qF \
	"hakomail: database.url: $tmp/own/db/root.db belongs to root, but its directory $tmp/own/db to hakomail: give the database to hakomail (chown hakomail: $tmp/own/db/root.db*)" \
	"$tmp/err"
touch "$tmp/own/db/h.db-shm"	# root's, as an old pushd left them
own project add p3 >/dev/null 2>"$tmp/err"
check_eq "a root-owned -shm beside hakomail's database: refused" \
	"1 1" "$? $(grep -c "h.db-shm belongs to root, but the database to hakomail: give it back (chown hakomail:hakomail" "$tmp/err")"
rm -f "$tmp/own/db/h.db-shm"

echo "== privileges: the daemons started as their users, as the systemd units do"
# User=hakomail with nginx's group among its groups; User=hakomail-push
# in the group hakomail: no root at any point.
u=$tmp/unit
install -d -m 0755 "$u"
install -d -m 2770 -o hakomail -g hakomail "$u/db"
install -d -m 0755 -o hakomail -g hakomail "$u/run"
install -d -m 0755 -o hakomail-push -g hakomail-push "$u/push"
install -d -m 0700 -o hakomail-push -g hakomail-push "$u/pstate"
printf '[database]\nurl = sqlite:%s\n[fcgi]\nsocket = %s\nworkers = 1\n[pushd]\nwake_socket = %s\nstate_dir = %s\nssh_key = %s\n' \
	"$u/db/h.db" "$u/run/fcgi.sock" "$u/push/pushd.sock" "$u/pstate" "$key" >"$u/conf"
"$HK_BIN/hakomail" -c "$u/conf" init >/dev/null
setpriv --reuid=hakomail --regid=hakomail --groups=www-data -- \
	"$HK_BIN/hakomail-fcgi" -c "$u/conf" 2>"$u/fcgi.log" &
fpid=$!
setpriv --reuid=hakomail-push --regid=hakomail-push --groups=hakomail -- \
	"$HK_BIN/hakomail-pushd" -c "$u/conf" 2>"$u/pushd.log" &
ppid=$!
until_ok 10 test -S "$u/run/fcgi.sock" -a -S "$u/push/pushd.sock"
check_eq "hakomail-fcgi as hakomail: its socket is nginx's group's" \
	"hakomail:www-data 660" "$(stat -c '%U:%G %a' "$u/run/fcgi.sock" 2>&1)"
check_eq "hakomail-pushd as hakomail-push: its wake socket in its own directory" \
	"hakomail-push" "$(stat -c '%U' "$u/push/pushd.sock" 2>&1)"
check "... and a write by the CLI (as root) nudges it" \
	eval '"$HK_BIN/hakomail" -c "$u/conf" project add pw >/dev/null'
check "both still run" kill -0 "$fpid" "$ppid"
kill "$fpid" "$ppid" 2>/dev/null
wait "$fpid" "$ppid" 2>/dev/null
check_eq "no file of that database is root's" "" "$(bad_files "$u/db")"

echo "== privileges: pushd without its user"
printf '[database]\nurl = sqlite:%s\n[pushd]\nwake_socket = %s/wake\nstate_dir = %s/pushd\nuser = hk-no-such-user\n' \
	"$tmp/own/db/h.db" "$tmp/own" "$tmp/own" >"$tmp/own/nouser.conf"
"$HK_BIN/hakomail-pushd" -c "$tmp/own/nouser.conf" -1 >/dev/null 2>"$tmp/err"
check_eq "started as root with no such [pushd] user: exit 1, saying so" "1 1" \
	"$? $(grep -c 'hakomail-pushd: \[pushd\] user: no user hk-no-such-user' "$tmp/err")"
check "... having made nothing" test ! -e "$tmp/own/pushd"
exit 0
