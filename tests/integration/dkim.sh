#!/bin/bash
# SPDX-License-Identifier: ISC
# dkim.sh - DKIM and the DNS records a domain needs, through the panel, on
# real components: a panel (deploy/panel.sh, [dns] resolver at a real nsd
# of the test's own, tests/nsd.sh), a guest k1 whose OpenDKIM signs with
# the keys pushd renders, and python3-dkim (tests/integration/dkim_verify.py)
# verifying the guest's signatures against that nsd.
#
#   - the records the panel lists are missing, then published from the
#     panel's own zone text (split into the test's zone files) and seen
#     matching by the panel's check;
#   - a key is activated only once DNS shows its record (409 before);
#     mail from the domain and from its alias domain is signed and
#     verifies; an Ed25519 key signs beside the RSA one;
#   - a rotation: the new selector pushed and published first, activated
#     in the middle of a stream of messages, every one verifying with one
#     selector or the other, none unsigned; the old record kept until a
#     date;
#   - the zone edited: a different SPF and a missing DMARC said so;
#   - bad input refused with its field, nothing written.
#
# Usage: dkim.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: dkim.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
: "${HK_DKIM_PANEL_N:=77}" "${HK_DKIM_NSD_N:=8}"
py=/usr/bin/python3	# Debian's, which has python3-dkim and dnspython
nsd=$tmp/nsd

cleanup() {
	panel_down
	"$top/tests/nsd.sh" stop "$nsd" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# zone NAME [RECORDS-FILE]: NAME's zone file, its SOA and NS, then the
# records (absolute names, as the panel's zone text has them).
zone() {
	{ printf '$ORIGIN %s.\n$TTL 60\n' "$1"
	  printf '@ IN SOA ns.%s. hostmaster.%s. %s 60 60 600 60\n' "$1" "$1" \
		"$(date +%s)"
	  printf '@ IN NS ns.%s.\nns IN A 10.78.%s.2\n' "$1" "$HK_DKIM_NSD_N"
	  [ -z "${2:-}" ] || cat "$2"
	} >"$nsd/zones/$1.zone"
}
# publish: the panel's zone text for k.example, split by zone, served
publish() {
	api GET domains/k.example/dns
	jq -r .zone <<<"$BODY" >"$tmp/zone.txt"
	awk '!/^;/ && ($1 == "k.example." || $1 ~ /\.k\.example\.$/)' \
		"$tmp/zone.txt" >"$tmp/k.rr"
	awk '!/^;/ && ($1 == "ka.example." || $1 ~ /\.ka\.example\.$/)' \
		"$tmp/zone.txt" >"$tmp/ka.rr"
	zone k.example "$tmp/k.rr" && zone ka.example "$tmp/ka.rr" &&
		"$top/tests/nsd.sh" reload "$nsd" >/dev/null
}
# statuses: "PURPOSE:NAME:STATUS" of every record, as the panel checks them
statuses() {
	api GET 'domains/k.example/dns?check=true'
	jq -r '.records[] | "\(.purpose):\(.name):\(.status)"' <<<"$BODY"
}
all_match() { [ "$(statuses | cut -d: -f3 | sort -u)" = match ]; }

mkdir -p "$nsd/zones"
zone k.example && zone ka.example
eval "$("$top/tests/nsd.sh" start "$nsd" "$HK_DKIM_NSD_N")" ||
	{ fail "nsd starts"; exit 1; }
export HK_PUSHD_CONF="[dns]
resolver = $HK_NSD_RESOLVER
timeout = 3
dmarc_rua = dmarc@k.example"

echo "== dkim: a panel, guest k1 and nsd (database: ${HK_DB_URL:-SQLite})"
check "panel starts" panel_up || exit 1
check "k1 starts (with OpenDKIM)" guest_up k1 "$HK_DKIM_PANEL_N" || exit 1
api PATCH guests/k1 '{"mail_host":"mx.k.example","mail_addrs":["192.0.2.77","2001:db8::77"]}'
check_eq "k1's mail host and addresses" 200 "$STATUS"
api POST domains '{"name":"k.example","guest":"k1"}'
for u in a b; do
	api POST domains/k.example/mailboxes "{\"local_part\":\"$u\",\"password\":\"$u-Secret-77x\"}"
done
api POST alias-domains '{"name":"ka.example","target":"k.example"}'
check_eq "alias domain ka.example" 201 "$STATUS"
api POST domains/k.example/dkim '{"selector":"sel1"}'
check_eq "an RSA key made: pending" "201 pending rsa 2048" \
	"$STATUS $(jq -r '"\(.state) \(.algorithm) \(.bits)"' <<<"$BODY")"

echo "== dkim: the records, missing then published"
statuses >"$tmp/st"
check_eq "nothing published yet: every record missing" missing "$(cut -d: -f3 "$tmp/st" | sort -u)"
check "... the DKIM record of sel1 among them" grep -qx 'dkim:sel1._domainkey.k.example:missing' "$tmp/st"
check "... and ka.example's own records" grep -qx 'dkim:sel1._domainkey.ka.example:missing' "$tmp/st"
api POST domains/k.example/dkim/sel1/activate '{}'
check_eq "activating while DNS does not show the record: 409, field confirm" \
	"409 confirm dkim_not_published" \
	"$STATUS $(jq -r '"\(.error.field) \(.error.reason)"' <<<"$BODY")"
check_eq "... and the key is still pending" pending \
	"$(sql "SELECT state FROM dkim_key WHERE selector = 'sel1'")"
check "the panel's zone text served by nsd" publish
check "the panel's check: every record matches" all_match
check "the TXT of the 2048-bit key is in strings of at most 255 octets" \
	grep -qP '^sel1\._domainkey\.k\.example\.\tIN\tTXT\t"[^"]{255}" "' "$tmp/zone.txt"
api POST domains/k.example/dkim/sel1/activate '{}'
check_eq "activated once DNS shows the record" "200 active" \
	"$STATUS $(jq -r .state <<<"$BODY")"

echo "== dkim: mail signed on the guest, verified against the DNS"
mkdir -p "$tmp/mail"
# send FROM SUBJECT: a message to b@k.example through k1's Postfix
send() {
	printf 'From: <%s>\nTo: <b@k.example>\nSubject: %s\nMessage-ID: <%s@dkim.test>\n\nHello from %s.\n' \
		"$1" "$2" "$2" "$1" |
		"$hkguest" exec k1 /usr/sbin/sendmail -f "$1" b@k.example
}
fetch() {	# fetch SUBJECT: the delivered message's file, once it is there
	local f
	"$hkguest" exec k1 tar -C /var/mail/vhosts/k.example/b/Maildir -cf - new cur 2>/dev/null |
		tar -x -C "$tmp/mail" 2>/dev/null
	f=$(grep -l -x "Subject: $1" "$tmp"/mail/new/* "$tmp"/mail/cur/* 2>/dev/null | head -n1)
	[ -n "$f" ] && echo "$f"
}
sigs() {	# sigs SUBJECT: python3-dkim's verdict, the keys from nsd
	local f
	until_ok 30 fetch "$1" >/dev/null && f=$(fetch "$1") || { echo "not delivered"; return; }
	"$py" "$top/tests/integration/dkim_verify.py" "dns:$HK_NSD_RESOLVER" "$f" | cut -d' ' -f2-
}
check "k1 in sync with the active key" until_ok 60 guest_in_sync k1
send a@k.example m1
send x@ka.example m2
check_eq "mail from k.example: signed d=k.example s=sel1, valid" \
	"d=k.example s=sel1 a=rsa-sha256 ok" "$(sigs m1)"
check_eq "mail from the alias domain: signed d=ka.example with the target's key, valid" \
	"d=ka.example s=sel1 a=rsa-sha256 ok" "$(sigs m2)"

echo "== dkim: an Ed25519 key beside the RSA one"
api POST domains/k.example/dkim '{"algorithm":"ed25519","selector":"ed1"}'
check_eq "an Ed25519 key made" 201 "$STATUS"
check "published" publish
api POST domains/k.example/dkim/ed1/activate '{}'
check_eq "activated once seen" "200 active" "$STATUS $(jq -r .state <<<"$BODY")"
check "k1 in sync" until_ok 60 guest_in_sync k1
send a@k.example m3
s=$(sigs m3)
check "two signatures: RSA sel1, valid" eval '[[ "$s" == *"d=k.example s=sel1 a=rsa-sha256 ok"* ]]'
check "... and Ed25519 ed1, valid" eval '[[ "$s" == *"d=k.example s=ed1 a=ed25519-sha256 ok"* ]]'

echo "== dkim: a rotation without a gap"
api POST domains/k.example/dkim '{"selector":"sel2"}'
check_eq "the next RSA key made, pending" "201 pending" "$STATUS $(jq -r .state <<<"$BODY")"
check "its key pushed to k1 before it signs" until_ok 60 guest_in_sync k1
check "its record published" publish
total=20
for ((i = 1; i <= total; i++)); do
	send a@k.example "rot-$i"
	if ((i == 6)); then
		api POST domains/k.example/dkim/sel2/activate '{}'
		check_eq "sel2 activated in the middle of the stream (DNS shows it)" 200 "$STATUS"
	fi
done
check "k1 in sync after the switch" until_ok 60 guest_in_sync k1
send a@k.example rot-after
n1=0 n2=0 bad=()
for ((i = 1; i <= total; i++)); do
	s=$(sigs "rot-$i")
	case $s in
	*"d=k.example s=sel1 a=rsa-sha256 ok"*) n1=$((n1 + 1)) ;;
	*"d=k.example s=sel2 a=rsa-sha256 ok"*) n2=$((n2 + 1)) ;;
	*) bad+=("rot-$i: ${s:-no RSA signature}") ;;
	esac
	case $s in *"s=ed1 a=ed25519-sha256 ok"*) ;; *) bad+=("rot-$i: no Ed25519 signature") ;; esac
done
check_eq "every message of the stream verifies with sel1 or sel2, none unsigned" "" "${bad[*]}"
check "... $n1 with sel1, $n2 with sel2" test $((n1 + n2)) -eq $total
check_eq "after the switch: sel2" "d=k.example s=sel2 a=rsa-sha256 ok" \
	"$(sigs rot-after | grep -o 'd=k.example s=sel[12] a=rsa-sha256 ok')"
api GET domains/k.example/dns
check_eq "sel1's record: to keep until a date" "keep true" \
	"$(jq -r '.records[] | select(.name == "sel1._domainkey.k.example") | "\(.action) \(.keep_until > now)"' <<<"$BODY")"

echo "== dkim: the zone edited"
sed -i 's/ip4:192.0.2.77/ip4:192.0.2.99/; /_dmarc/d' "$tmp/k.rr"
zone k.example "$tmp/k.rr" && "$top/tests/nsd.sh" reload "$nsd" >/dev/null
statuses >"$tmp/st"
check "SPF: different" grep -qx 'spf:k.example:different' "$tmp/st"
api GET 'domains/k.example/dns?check=true'
check_eq "... with what is published" "v=spf1 ip4:192.0.2.99 ip6:2001:db8::77 -all" \
	"$(jq -r '.records[] | select(.purpose == "spf" and .name == "k.example") | .found' <<<"$BODY")"
check "DMARC: missing" grep -qx 'dmarc:_dmarc.k.example:missing' "$tmp/st"
check "the DKIM records still match" eval \
	'[ "$(grep "^dkim:[^:]*k.example:" "$tmp/st" | cut -d: -f3 | sort -u)" = match ]'

echo "== dkim: pushd's own check ([dns] check_interval)"
check "the panel's records published again" publish
pid=$(pushd_pid) && kill -TERM "$pid" && until_ok 20 eval '! kill -0 '"$pid"' 2>/dev/null'
printf '[dns]\ncheck_interval = 2\n' >>"$HK_STATE/hakomail.conf"
check "pushd restarted with check_interval = 2" pushd_restart
checked() { [ "$(sql "SELECT s.results FROM domain_dns s JOIN domain d ON d.id = s.domain_id WHERE d.name = 'k.example'" |
	jq -r '[.[].status] | unique | join(",")')" = "$1" ]; }
check "pushd checks k.example: every record matches" until_ok 30 checked match
key_state() { sql "SELECT state FROM dkim_key WHERE selector = '$1'"; }
is_active() { [ "$(key_state "$1")" = active ]; }
gone() { [ "$(sql "SELECT COUNT(*) FROM dkim_key WHERE selector = '$1'")" = 0 ]; }
raised() { sql "SELECT COUNT(*) FROM audit WHERE action = 'warning.raised' AND object = '$1'"; }
api POST domains/k.example/dkim '{"selector":"sel3"}'
check_eq "a new key sel3, pending" "201 pending" "$STATUS $(key_state sel3)"
check "published: pushd activates it once DNS shows it" eval 'publish && until_ok 30 is_active sel3'
check_eq "... audited as pushd's" pushd \
	"$(sql "SELECT actor FROM audit WHERE action = 'dkim.activate' AND object = 'sel3._domainkey.k.example'")"
open_dns() {	# open_dns OBJECT: its dns_record warning is open
	api GET warnings
	[ "$(jq --arg o "$1" '[.items[] | select(.kind == "dns_record" and .object == $o and .ended_at == null)] | length' <<<"$BODY")" = 1 ]
}
cp "$tmp/k.rr" "$tmp/k.good"
sed -i 's/ip4:192.0.2.77/ip4:192.0.2.99/' "$tmp/k.rr"
zone k.example "$tmp/k.rr" && "$top/tests/nsd.sh" reload "$nsd" >/dev/null
check "SPF changed in the zone: a warning raised" until_ok 30 open_dns "k.example spf"
check_eq "... once, in the audit log" 1 "$(raised "k.example spf")"
zone k.example "$tmp/k.good" && "$top/tests/nsd.sh" reload "$nsd" >/dev/null
check "SPF back: the warning ends" until_ok 30 eval '! open_dns "k.example spf"'
# sel1, retired when sel2 became active, past its date (the clock moved
# by its row) with its records removed from the zones: deleted
sql "UPDATE dkim_key SET remove_after = 1 WHERE selector = 'sel1'" >/dev/null
grep -v '^sel1\._domainkey' "$tmp/k.good" >"$tmp/k.rr"
grep -v '^sel1\._domainkey' "$tmp/ka.rr" >"$tmp/ka.tmp" && mv "$tmp/ka.tmp" "$tmp/ka.rr"
zone k.example "$tmp/k.rr" && zone ka.example "$tmp/ka.rr" && "$top/tests/nsd.sh" reload "$nsd" >/dev/null
check "a retired key past its date, its records gone: pushd deletes it" until_ok 30 gone sel1

echo "== dkim: bad input refused, nothing written"
keys() { sql "SELECT COUNT(*) || '/' || COUNT(DISTINCT state) FROM dkim_key"; }
refused() {	# refused NAME STATUS FIELD BODY [KEY]
	local before=$(keys) audits
	audits=$(sql "SELECT COUNT(*) FROM audit")
	KEY=${5:-$KEY} api POST domains/k.example/dkim "$4"
	check_eq "$1: $2, field $3, nothing written" "$2 $3 $before $audits" \
		"$STATUS $(jq -r .error.field <<<"$BODY") $(keys) $(sql "SELECT COUNT(*) FROM audit")"
}
refused "a selector with a dot" 400 selector '{"selector":"a.b"}'
refused "a selector with a quote and a semicolon" 400 selector '{"selector":"a\";b"}'
refused "an RSA key of 512 bits" 400 bits '{"bits":512}'
cli project add other >/dev/null && cli account add oo --owner other >/dev/null
okey=$(cli apikey create --login oo)
refused "a domain of another project" 404 domain '{}' "$okey"
exit 0
