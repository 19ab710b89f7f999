#!/bin/bash
# SPDX-License-Identifier: ISC
# browser.sh - the web panel (www/) in a real browser: Debian's Chromium,
# headless, driven by playwright-core from npm (no browser is downloaded),
# against a real panel (nginx, hakomail-fcgi, hakomail-pushd) and a real
# guest (Postfix, Dovecot, sshd in namespaces), and a real nsd for the
# DNS page's check.  The steps are in panel.mjs (dns.mjs for the DNS
# page); screenshots of the main pages go to tests/artifacts/screenshots.
#
# Usage: browser.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: browser.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

cleanup() {
	# panel.mjs may have stopped pushd on purpose: let it go on to stop
	[ -f "$HK_STATE/run/pushd.pid" ] && kill -CONT "$(pushd_pid)" 2>/dev/null
	panel_down
	[ -d "$tmp/nsd" ] && "$top/tests/nsd.sh" stop "$tmp/nsd"
	rm -rf "$tmp"
}
trap cleanup EXIT

# Guests report every 2 s (issue 16), so that the capacity page has a
# series to draw within the run; a mailbox at 20 % of its quota warns,
# so that hanako's mail below raises a warning the pages must show.
export HK_PUSHD_CONF=$'[report]\ninterval = 2\n[warn]\nmailbox_percent = 20'

echo "== browser: a panel, guest w1, two projects"
check "panel starts" panel_up || exit 1
# w1 and w2 are guest numbers N and N + 1 (HK_BROWSER_N, 41 by default);
# w2, lab's second guest, is started here but pinned by panel.mjs when
# the operator moves a domain to it: until then lab has one guest.
n=${HK_BROWSER_N:-41}
check "guest w1 starts and is pinned" guest_up w1 "$n" || exit 1
check "guest w2 starts (pinned later)" eval '"$hkguest" start w2 $((n + 1)) >/dev/null'
w2_key=$(cat "$HK_GUEST_ROOT/w2/host_key.pub")
cli project add lab-b >/dev/null
# lab-b's guest exists only in the database (nothing listens there): its
# domain is what owner A must never reach.
cli guest add wb --project lab-b --host 127.0.0.1 --port 1 \
	--host-key-file "$HK_GUEST_ROOT/w1/host_key.pub" >/dev/null 2>&1
api POST domains '{"name":"研究室.example","guest":"w1"}'
check_eq "an IDN domain for lab" 201 "$STATUS"
idn=$(jq -r .name <<<"$BODY")
api POST domains '{"name":"b-lab.example","guest":"wb"}'
check_eq "a domain for lab-b" 201 "$STATUS"
for a in "owner-a --owner lab" "owner-b --owner lab-b" "ops --admin"; do
	# shellcheck disable=SC2086 # the words of $a are arguments
	printf 'pw-%s-long-enough\n' "${a%% *}" | cli account add $a --password-stdin >/dev/null
done
check "w1 in sync" until_ok 30 guest_in_sync w1

# hanako (quota 1 MiB) gets one message of about 300 KiB over SMTP on the
# real guest: Dovecot counts it, w1 reports it, and the mailbox list shows
# a usage bar near 30 %.
api POST "domains/$idn/mailboxes" '{"local_part":"hanako","password":"Hanako-pw-0123456","quota":"1M"}'
check_eq "a mailbox with a 1 MiB quota" 201 "$STATUS"
check "hanako's mailbox pushed" until_ok 30 guest_in_sync w1
{
	printf 'From: browser@hakomail.test\r\nTo: hanako@%s\r\nSubject: usage\r\n\r\n' "$idn"
	head -c 230000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
} >"$tmp/msg"
check "a 300 KiB message delivered over SMTP" curl -s --max-time 15 \
	"smtp://$(guest_ip w1)" --mail-from browser@hakomail.test \
	--mail-rcpt "hanako@$idn" -T "$tmp/msg"
used_reported() {	# used_reported: w1's report counts hanako's mail
	local BODY STATUS
	api GET "mailboxes/hanako@$idn"
	[ "$(jq -r '(.used_bytes // 0) >= 200000' <<<"$BODY")" = true ]
}
series_drawn() {	# series_drawn: w1 has a few samples to draw
	local BODY STATUS
	api GET "guests/w1/capacity"
	[ "$(jq -r '(.series.points | length) >= 3' <<<"$BODY")" = true ]
}
check "w1's report counts hanako's mail" until_ok 60 used_reported
check "w1's series has samples" until_ok 30 series_drawn

# Issue 19: the DNS page's check asks a real nsd (tests/nsd.sh, in its own
# namespace; N is HK_BROWSER_NSD_N, 7 by default) serving lab's domain: its MX as
# the panel expects once panel.mjs gives w1 this mail host, an SPF other
# than w1's, no DMARC.  The API reads [dns] resolver when restarted.
dns_mx=mx.w1.hakomail.test
dns_spf='v=spf1 ip4:192.0.2.99 -all'
mkdir -p "$tmp/nsd/zones"
cat >"$tmp/nsd/zones/$idn.zone" <<ZONE
\$ORIGIN $idn.
\$TTL 60
@ IN SOA ns.$idn. hostmaster.$idn. 1 3600 600 86400 60
@ IN NS ns.$idn.
ns IN A 10.78.0.2
@ IN MX 10 $dns_mx.
@ IN TXT "$dns_spf"
ZONE
check "nsd serves lab's domain" eval '"$top/tests/nsd.sh" start "$tmp/nsd" "${HK_BROWSER_NSD_N:-7}" >"$tmp/nsd.env"'
resolver=$(sed -n 's/^HK_NSD_RESOLVER=//p' "$tmp/nsd.env")
check "the API restarted with [dns] resolver = nsd's" \
	fcgi_restart $'[dns]\nresolver = '"$resolver"$'\ntimeout = 3'
check "the API answers again" until_ok 10 eval 'api GET whoami; [ "$STATUS" = 200 ]'

check "playwright-core installed from npm (package-lock.json)" \
	eval '(cd "$top/tests/browser" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1 || { cat "$tmp/npm.log"; false; }'
mkdir -p "$top/tests/artifacts/screenshots"
HK_BASE=http://$HK_LISTEN HK_GUEST_IP=$(guest_ip w1) HK_IDN=$idn \
HK_PUSHD_PID=$(pushd_pid) HK_SHOTS=$top/tests/artifacts/screenshots \
HK_KEY=$KEY HK_W2_IP=$(guest_ip w2) HK_W2_KEY=$w2_key HK_HKGUEST=$hkguest \
HK_DNS_MX=$dns_mx HK_DNS_SPF_FOUND=$dns_spf \
	node "$top/tests/browser/panel.mjs"

# [auth] require_totp = all forces owner B to enrol at its next sign-in:
# the API read again with it (by PID, panel_lib.sh), then panel.mjs enrol.
check "the API restarted with [auth] require_totp = all" \
	fcgi_restart $'[auth]\nrequire_totp = all'
check "the API answers again" until_ok 10 eval 'api GET whoami; [ "$STATUS" = 200 ]'
HK_BASE=http://$HK_LISTEN HK_GUEST_IP=$(guest_ip w1) HK_IDN=$idn \
HK_SHOTS=$top/tests/artifacts/screenshots HK_KEY=$KEY \
	node "$top/tests/browser/panel.mjs" enrol
