#!/bin/bash
# SPDX-License-Identifier: ISC
# quickstart.sh - the README's first command as a new operator runs it:
# deploy/quickstart.sh, a mailbox made through the API and logged into
# over IMAP on the demo guest; the command again, which must start the
# same demo (the same sign-ins, the mailbox still there, its login still
# working); then `reset`, which starts a new one, and `stop`.
#
# It uses the demo's own places (127.0.0.1:8080, the guest at 10.77.0.11,
# /var/lib/hakomail-demo*, an install under /usr/local) and removes the
# demo's state at the end: do not run it beside a demo you want to keep.
#
# Usage: tests/integration/quickstart.sh   (results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
cd "$top" || exit 2
tmp=$(mktemp -d)
# A new operator's first run: no demo left from an earlier try (the
# README's first command, run before this one), and none left after.
forget_demo() {
	deploy/quickstart.sh stop >/dev/null 2>&1
	HK_GUEST_ROOT=/var/lib/hakomail-demo-guests tests/guest/hkguest down-all >/dev/null 2>&1
	rm -rf /var/lib/hakomail-demo /var/lib/hakomail-demo-guests
}
trap 'forget_demo; rm -rf "$tmp"' EXIT
forget_demo
base=http://127.0.0.1:8080/api/v1

field() { sed -n "s/^ *$1 *//p" "$2" | head -n 1; }	# field PREFIX FILE
signins() {	# signins FILE: "KEY ADMIN-PASSWORD OWNER-PASSWORD"
	echo "$(field 'Operator key:' "$1") $(field 'operator: admin \/' "$1")" \
	    "$(field 'owner of project demo: owner \/' "$1")"
}
status() {	# status KEY METHOD PATH [BODY]
	curl -s -o /dev/null -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
	    -H 'Content-Type: application/json' ${4:+--data-binary "$4"} "$base/$3"
}
imap_ok() { curl -s -u "taro@demo.example:$1" imap://10.77.0.11/ -X NOOP; }

echo "== quickstart: first run"
deploy/quickstart.sh >"$tmp/first" 2>&1
rc=$?
check_eq "deploy/quickstart.sh: exit 0" 0 $rc
[ $rc -eq 0 ] || { tail -20 "$tmp/first"; exit 0; }
read -r key admin owner <<<"$(signins "$tmp/first")"
check "it prints an operator key and two sign-ins" test -n "$key" -a -n "$admin" -a -n "$owner"
check_eq "the sign-ins are kept for root alone" "600 root" \
	"$(stat -c '%a %U' /var/lib/hakomail-demo/signins)"
check_eq "a mailbox made with the printed curl line" 201 \
	"$(status "$key" POST mailboxes '{"address":"taro@demo.example","password":"choose-a-long-one"}')"
check "its IMAP login works on the demo guest" until_ok 30 imap_ok choose-a-long-one

echo "== quickstart: run again"
deploy/quickstart.sh >"$tmp/second" 2>&1
check_eq "run again: exit 0" 0 $?
check_eq "the same key and sign-ins are printed" "$key $admin $owner" \
	"$(signins "$tmp/second")"
check_eq "the mailbox is still there" 200 "$(status "$key" GET mailboxes/taro@demo.example)"
check "and its login still works" until_ok 30 imap_ok choose-a-long-one
check_eq "the printed operator password signs in" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "{\"login\":\"admin\",\"password\":\"$admin\"}" "$base/session")"

echo "== quickstart: reset"
deploy/quickstart.sh reset >"$tmp/third" 2>&1
check_eq "reset: exit 0" 0 $?
read -r key3 _ _ <<<"$(signins "$tmp/third")"
check "reset makes a new operator key" test -n "$key3" -a "$key3" != "$key"
check_eq "the old key is gone with the old demo" 401 "$(status "$key" GET domains)"
check_eq "so is the mailbox" 404 "$(status "$key3" GET mailboxes/taro@demo.example)"
check_eq "stop: exit 0" 0 "$(deploy/quickstart.sh stop >/dev/null 2>&1; echo $?)"
# a PID file outlives its process, and its number may go to another's:
# stopping again must not kill that one
sleep 300 &
other=$!
mkdir -p /var/lib/hakomail-demo/run
for f in nginx fcgi pushd; do echo "$other" >"/var/lib/hakomail-demo/run/$f.pid"; done
deploy/quickstart.sh stop >/dev/null 2>&1
check "stop leaves alone a process that PID files name but it did not start" \
	kill -0 "$other"
kill "$other" 2>/dev/null
exit 0
