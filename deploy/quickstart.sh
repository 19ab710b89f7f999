#!/bin/bash
# SPDX-License-Identifier: ISC
# quickstart.sh - on a fresh Debian 12 machine, as root: install what is
# needed, build and install hakomail, and run the panel (nginx on
# 127.0.0.1:8080, hakomail-fcgi, hakomail-pushd) with one demo guest (a
# network namespace running Debian's postfix, dovecot and sshd, reached at
# 10.77.0.11).  Prints the URL, an operator API key, a curl line that
# creates a mailbox, an IMAP check that logs into it, and the web panel's
# sign-ins.
#
#   deploy/quickstart.sh         start the demo; run again, it starts the
#                                same demo again, its data and sign-ins kept
#   deploy/quickstart.sh stop    stop it (the data stays for the next start)
#   deploy/quickstart.sh reset   throw the demo away and start a new one
#
# The panel's state lives in /var/lib/hakomail-demo, the demo guest's in
# /var/lib/hakomail-demo-guests; the sign-ins are kept, readable by root
# alone, in /var/lib/hakomail-demo/signins.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

export HK_STATE=/var/lib/hakomail-demo HK_BIN=/usr/local/bin HK_WWW=$top/www
export HK_LISTEN=127.0.0.1:8080 HK_GUEST_ROOT=/var/lib/hakomail-demo-guests
export HK_AGENT=/usr/local/sbin/hakomail-agent HK_PANEL_PUBKEY=$HK_STATE/ssh/id_ed25519.pub

signins=$HK_STATE/signins

# stop: the panel, and the demo guest powered off with its disk kept.
stop() {
	[ -x deploy/panel.sh ] && deploy/panel.sh stop || true
	if [ -d "$HK_GUEST_ROOT/demo" ] && [ ! -e "$HK_GUEST_ROOT/demo/halted" ]; then
		tests/guest/hkguest halt demo >/dev/null 2>&1 || true
	fi
}

case ${1:-} in
stop) stop; echo "demo stopped (its data is kept: deploy/quickstart.sh starts it again)"; exit 0 ;;
reset) reset=1 ;;
'') reset= ;;
*) echo "usage: deploy/quickstart.sh [stop | reset]" >&2; exit 2 ;;
esac

echo "== installing packages"
deploy/install-deps.sh
echo "== building"
autoreconf -fi >/dev/null 2>&1
mkdir -p build-quickstart
(cd build-quickstart && ../configure -q --prefix=/usr/local \
	--sysconfdir=/etc --localstatedir=/var && make -s -j"$(nproc)" &&
	make -s install) >build-quickstart.log 2>&1 ||
	{ tail -30 build-quickstart.log; exit 1; }
# fcgi and pushd live in sbin; panel.sh looks in one directory.
ln -sf /usr/local/sbin/hakomail-fcgi /usr/local/sbin/hakomail-pushd /usr/local/bin/

echo "== starting the panel and the demo guest"
stop
if [ -n "$reset" ] || [ ! -s "$signins" ]; then
	tests/guest/hkguest down-all >/dev/null 2>&1 || true
	rm -rf "$HK_STATE" "$HK_GUEST_ROOT"
fi
deploy/panel.sh setup >/dev/null
deploy/panel.sh start
[ -d "$HK_GUEST_ROOT/demo" ] && guest_kept=1 || guest_kept=
addr=$(tests/guest/hkguest start demo 1)

cli() { hakomail -c "$HK_STATE/hakomail.conf" "$@"; }
if [ -s "$signins" ]; then
	# The same demo again.  A guest built anew (its directory was lost)
	# has a new host key: the demo pins it, as an operator would.
	. "$signins"
	[ -n "$guest_kept" ] || cli guest set demo \
		--host-key-file "$HK_GUEST_ROOT/demo/host_key.pub" >/dev/null
else
	cli project add demo >/dev/null
	cli guest add demo --project demo --host "$addr" \
		--host-key-file "$HK_GUEST_ROOT/demo/host_key.pub" >/dev/null
	key=$(cli apikey create)
	# Web panel sign-ins: the operator "admin" and the demo project's owner.
	admin_pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
	owner_pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
	printf '%s\n' "$admin_pw" | cli account passwd admin --password-stdin >/dev/null
	printf '%s\n' "$owner_pw" | cli account add owner --owner demo --password-stdin >/dev/null
	curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
		--data-binary '{"name":"demo.example","guest":"demo"}' "http://$HK_LISTEN/api/v1/domains"
	(umask 077; printf 'key=%s\nadmin_pw=%s\nowner_pw=%s\n' "$key" "$admin_pw" \
		"$owner_pw" >"$signins.new" && mv "$signins.new" "$signins")
fi

cat <<MSG

hakomail is running.
  Web panel:    http://$HK_LISTEN/
                operator: admin / $admin_pw
                owner of project demo: owner / $owner_pw
  API:          http://$HK_LISTEN/api/v1/
  Operator key: $key
  Demo guest:   demo at $addr, serving demo.example

Create a mailbox:
  curl -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' \\
    --data-binary '{"address":"taro@demo.example","password":"choose-a-long-one"}' \\
    http://$HK_LISTEN/api/v1/mailboxes

Then log into it over IMAP on the guest (within a second or so):
  curl -u 'taro@demo.example:choose-a-long-one' imap://$addr/ -X NOOP && echo "IMAP login ok"

Push state of the guests:   hakomail -c $HK_STATE/hakomail.conf status
Stop the demo:              deploy/quickstart.sh stop   (the data is kept)
Start it again:             deploy/quickstart.sh
Throw it away, start anew:  deploy/quickstart.sh reset
MSG
