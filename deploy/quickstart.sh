#!/bin/bash
# SPDX-License-Identifier: ISC
# quickstart.sh - on a fresh Debian 12 machine, as root: install what is
# needed, build and install hakomail, and run the panel (nginx on
# 127.0.0.1:8080, hakomail-fcgi, hakomail-pushd) with one demo guest (a
# network namespace running Debian's postfix, dovecot and sshd, reached at
# 10.77.0.11).  Prints the URL, an operator API key, a curl line that
# creates a mailbox, and an IMAP check that logs into it.
#
# Re-running it resets the demo: panel state lives in /var/lib/hakomail-demo.
# Stop everything with: deploy/quickstart.sh stop
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

export HK_STATE=/var/lib/hakomail-demo HK_BIN=/usr/local/bin HK_WWW=$top/www
export HK_LISTEN=127.0.0.1:8080 HK_GUEST_ROOT=/run/hakomail-demo/guests
export HK_AGENT=/usr/local/sbin/hakomail-agent HK_PANEL_PUBKEY=$HK_STATE/ssh/id_ed25519.pub

stop() {
	[ -x deploy/panel.sh ] && deploy/panel.sh stop || true
	tests/guest/hkguest down-all >/dev/null 2>&1 || true
}

if [ "${1:-}" = stop ]; then stop; echo "demo stopped"; exit 0; fi

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
rm -rf "$HK_STATE"
deploy/panel.sh setup >/dev/null
deploy/panel.sh start
addr=$(tests/guest/hkguest start demo 1)

cli() { hakomail -c "$HK_STATE/hakomail.conf" "$@"; }
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
Stop the demo:              deploy/quickstart.sh stop
MSG
