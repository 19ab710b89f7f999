#!/bin/bash
# SPDX-License-Identifier: ISC
# dkim_guest.sh - DKIM signing on a real guest (issue 19, the guest side),
# without the panel: bundles written here in the wire format
# (src/common/bundle.h) with keys made by `openssl genpkey`, applied by the
# guest's agent as pushd would (its apply verb, the bundle on stdin), mail
# sent inside the guest with sendmail and over SMTP to 127.0.0.1:25, read
# back from the recipient's maildir, and every DKIM-Signature verified by
# python3-dkim (dkim_verify.py) against the public keys the test made
# (the DNS path is the next step's).
#
#  - the tables and keys written with their modes and owners;
#  - RSA: mail by sendmail and by SMTP signed d=DOMAIN s=SELECTOR, an alias
#    domain's mail signed as d=ALIAS with its target's key, another
#    domain's mail unsigned;
#  - RSA and Ed25519 side by side: the sign lines split into the RSA
#    instance's tables and the Ed25519 instance's (dkim/ed25519/), two
#    signatures, both valid;
#  - rotation: the new selector pushed first, then signing switched while
#    a steady stream of mail goes out: every message verifies with one of
#    the two selectors, none unsigned, both selectors seen;
#  - a bundle with a corrupted key, and one whose sign line names no key:
#    refused with the line named, the generation before keeps serving,
#    mail still signed with its selector;
#  - an Ed25519 sign line while the Ed25519 OpenDKIM is down: refused,
#    its pid file named; started again, it signs;
#  - no keys: all four tables empty, both instances still running.
#
# Usage: dkim_guest.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
# HK_DKIM_GUEST (default d1) and HK_DKIM_N (default 81) name the guest,
# HK_GUEST_ROOT as for every guest test.  HK_DKIM_KEEP=1 leaves the
# guest running at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: dkim_guest.sh BUILDDIR}" && pwd)
. "$top/tests/lib.sh"
: "${HK_GUEST_ROOT:=/run/hakomail-test/guests}"
export HK_GUEST_ROOT HK_AGENT=$build/src/hakomail-agent
hkguest=$top/tests/guest/hkguest
g=${HK_DKIM_GUEST:-d1} n=${HK_DKIM_N:-81}
py=/usr/bin/python3	# Debian's, which has python3-dkim
tmp=$(mktemp -d)
HK_LABEL="${HK_LABEL:+$HK_LABEL: }dkim"

cleanup() {
	[ -n "${HK_DKIM_KEEP:-}" ] || "$hkguest" stop "$g" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C dkim-test -f "$tmp/panel" || exit 1
export HK_PANEL_PUBKEY=$tmp/panel.pub
mkdir -p "$tmp/dns" "$tmp/mail"

# genkey NAME rsa|ed25519: a key as the panel makes them (PKCS#8 PEM)
genkey() {
	if [ "$2" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/$1.pem" 2>/dev/null
	else
		openssl genpkey -algorithm ED25519 -out "$tmp/$1.pem"
	fi
}
# publish NAME SELECTOR DOMAIN: the TXT record of key NAME (RFC 6376; RFC
# 8463: an Ed25519 key's p= is its 32 raw octets) where dkim_verify.py looks
publish() {
	local der k=rsa p
	der=$(openssl pkey -in "$tmp/$1.pem" -pubout -outform DER | base64 -w0)
	if openssl pkey -in "$tmp/$1.pem" -noout -text 2>/dev/null | grep -q ED25519; then
		k=ed25519
		p=$(openssl pkey -in "$tmp/$1.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
	else
		p=$der
	fi
	printf 'v=DKIM1; k=%s; p=%s\n' "$k" "$p" >"$tmp/dns/$2._domainkey.$3"
}
# keyline DOMAIN SELECTOR NAME: the bundle line of key NAME
keyline() { printf 'key %s %s %s\n' "$1" "$2" "$(base64 -w0 <"$tmp/$3.pem")"; }

sha() { sha256sum | cut -d' ' -f1; }
# mkbundle GEN DIR: a bundle of the files in DIR, in wire order
mkbundle() {
	local f
	{
		printf 'HAKOMAIL-BUNDLE 1\ngeneration %s\n' "$1"
		for f in virtual_mailbox_domains virtual_mailbox_maps virtual_alias_maps \
			relay_domains relay_recipient_maps transport passwd trash sieve dkim; do
			[ -f "$2/$f" ] || continue
			printf 'file %s %d %s\n' "$f" "$(stat -c %s "$2/$f")" \
				"$(python3 "$top/tests/integration/mkdelta.py" --sum "$f" <"$2/$f")"
			cat "$2/$f"
		done
	} >"$tmp/bundle.body"
	cat "$tmp/bundle.body"
	printf 'end %s\n' "$(sha <"$tmp/bundle.body")"
}
# apply GEN DKIMFILE: the maps of d.example with that dkim file; the answer
# in $tmp/answer
apply() {
	local d=$tmp/b$1
	mkdir -p "$d"
	cp "$tmp/maps/"* "$d/" && cp "$2" "$d/dkim"
	mkbundle "$1" "$d" >"$d.bundle"
	"$hkguest" exec "$g" "$HK_AGENT" -s /var/lib/hakomail apply <"$d.bundle" >"$tmp/answer" 2>&1
}
serving() { "$hkguest" exec "$g" "$HK_AGENT" -s /var/lib/hakomail status | jq -r .generation; }

# msg FROM SUBJECT: a message to b@d.example
msg() { printf 'From: <%s>\nTo: <b@d.example>\nSubject: %s\nMessage-ID: <%s@dkim.test>\n\nHello from %s.\n' "$1" "$2" "$2" "$1"; }
send_sendmail() { msg "$1" "$2" | "$hkguest" exec "$g" /usr/sbin/sendmail -f "$1" b@d.example; }
send_smtp() {
	msg "$1" "$2" | "$hkguest" exec "$g" "$py" -c '
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", 25)
s.sendmail(sys.argv[1], ["b@d.example"], sys.stdin.read().encode())
s.quit()' "$1"
}
# fetch SUBJECT: the delivered message's file on the host, once it is there
fetch() {
	local f
	"$hkguest" exec "$g" tar -C /var/mail/vhosts/d.example/b/Maildir -cf - new cur 2>/dev/null |
		tar -x -C "$tmp/mail" 2>/dev/null
	f=$(grep -l -x "Subject: $1" "$tmp"/mail/new/* "$tmp"/mail/cur/* 2>/dev/null | head -n1)
	[ -n "$f" ] && echo "$f"
}
wait_fetch() { until_ok 30 fetch "$1" >/dev/null && fetch "$1"; }
# sigs SUBJECT: what dkim_verify.py says of the delivered message
sigs() {
	local f
	f=$(wait_fetch "$1") || { echo "not delivered"; return; }
	"$py" "$top/tests/integration/dkim_verify.py" "$tmp/dns" "$f" | cut -d' ' -f2-
}

echo "== dkim: guest $g"
"$hkguest" start "$g" "$n" >/dev/null || { fail "guest $g starts"; exit 1; }
pass "guest $g starts with OpenDKIM (the recipe's file)"

genkey r1 rsa && genkey e1 ed25519 && genkey r2 rsa && genkey r3 rsa && genkey e2 ed25519 || { fail "openssl genpkey"; exit 1; }
publish r1 sel1 d.example && publish r1 sel1 al.example
publish e1 ed1 d.example && publish r2 sel2 d.example && publish r3 sel3 d.example
hash=$(openssl passwd -6 -salt dkimsalt dkim-pw-1)
mkdir -p "$tmp/maps"
printf 'd.example OK\n' >"$tmp/maps/virtual_mailbox_domains"
printf 'a@d.example d.example/a/\nb@d.example d.example/b/\n' >"$tmp/maps/virtual_mailbox_maps"
printf '@al.example @d.example\n' >"$tmp/maps/virtual_alias_maps"
printf '%s@d.example:{SHA512-CRYPT}%s:5000:5000::/var/mail/vhosts/d.example/%s::\n' \
	a "$hash" a b "$hash" b >"$tmp/maps/passwd"

echo "== dkim 1: RSA, the domain and its alias domain"
{ keyline d.example sel1 r1; printf 'sign d.example d.example sel1\nsign al.example d.example sel1\n'; } >"$tmp/dkim1"
check "a bundle with an RSA key and two sign lines is applied" apply 1 "$tmp/dkim1"
cur=/var/lib/hakomail/current
check_eq "KeyTable: a line per sign line, the key through current/" \
	"sel1._domainkey.d.example d.example:sel1:$cur/dkim/keys/d.example/sel1.pem
sel1._domainkey.al.example al.example:sel1:$cur/dkim/keys/d.example/sel1.pem" \
	"$("$hkguest" exec "$g" cat $cur/dkim/KeyTable)"
check_eq "SigningTable: refile patterns, a line per sign line" \
	"*@d.example sel1._domainkey.d.example
*@al.example sel1._domainkey.al.example" "$("$hkguest" exec "$g" cat $cur/dkim/SigningTable)"
check_eq "modes and owners: tables and key the signer's 0600, dkim.list root's 0600, dirs 0750" \
	"600 opendkim $cur/dkim/KeyTable
600 opendkim $cur/dkim/SigningTable
600 opendkim $cur/dkim/keys/d.example/sel1.pem
600 root $cur/dkim.list
750 root:opendkim $cur/dkim/
750 root:opendkim $cur/dkim/keys/d.example/" \
	"$("$hkguest" exec "$g" sh -c "cd $cur && stat -c '%a %U $cur/%n' dkim/KeyTable dkim/SigningTable dkim/keys/d.example/sel1.pem dkim.list && stat -c '%a %U:%G $cur/%n/' dkim dkim/keys/d.example")"
check_eq "the key file is the key pushed" "$(sha <"$tmp/r1.pem")" \
	"$("$hkguest" exec "$g" cat $cur/dkim/keys/d.example/sel1.pem | sha)"
send_sendmail a@d.example t1-sendmail
send_smtp a@d.example t1-smtp
send_sendmail x@al.example t1-alias
send_smtp c@other.example t1-other
check_eq "sendmail: signed d=d.example s=sel1, valid" \
	"d=d.example s=sel1 a=rsa-sha256 ok" "$(sigs t1-sendmail)"
check_eq "SMTP to 127.0.0.1:25: signed d=d.example s=sel1, valid" \
	"d=d.example s=sel1 a=rsa-sha256 ok" "$(sigs t1-smtp)"
check_eq "an alias domain signs as d=ALIAS with its target's key, valid" \
	"d=al.example s=sel1 a=rsa-sha256 ok" "$(sigs t1-alias)"
check_eq "a domain with no sign line: unsigned" "unsigned" "$(sigs t1-other)"

echo "== dkim 3: rotation, the new selector pushed first, then signing switched"
{ keyline d.example sel1 r1; keyline d.example sel2 r2
  printf 'sign d.example d.example sel1\n'; } >"$tmp/dkim3"
{ keyline d.example sel1 r1; keyline d.example sel2 r2
  printf 'sign d.example d.example sel2\n'; } >"$tmp/dkim4"
check "the new selector's key is pushed, signing still with the old one" apply 3 "$tmp/dkim3"
# A steady stream across the switch: sendmail and SMTP in turn, the
# switch pushed after the tenth message is handed over.
total=30
for ((i = 1; i <= total; i++)); do
	if ((i % 2)); then send_sendmail a@d.example "rot-$i"; else send_smtp a@d.example "rot-$i"; fi
	if ((i == 10)); then apply 4 "$tmp/dkim4" & fi
	sleep 0.1
done
wait
check "signing switched to the new selector (generation 4 applied)" grep -q '"ok":true' "$tmp/answer"
nsel1=0 nsel2=0 bad=()
for ((i = 1; i <= total; i++)); do
	s=$(sigs "rot-$i")
	case $s in
	"d=d.example s=sel1 a=rsa-sha256 ok") nsel1=$((nsel1 + 1)) ;;
	"d=d.example s=sel2 a=rsa-sha256 ok") nsel2=$((nsel2 + 1)) ;;
	*) bad+=("rot-$i: ${s:-no RSA signature}") ;;
	esac
done
check_eq "every message of the stream has a valid RSA signature of sel1 or sel2" "" "${bad[*]}"
check "messages before the switch were signed with sel1, after it with sel2 ($nsel1, $nsel2)" \
	test "$nsel1" -ge 1 -a "$nsel2" -ge 1 -a $((nsel1 + nsel2)) -eq "$total"

echo "== dkim 4: bad bundles refused, the old generation signing"
# A corrupted key: one octet of the key's numbers changed (it still parses
# as PKCS#8; OpenSSL's check of the key fails).
"$py" - "$tmp/r3.pem" "$tmp/bad.pem" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().splitlines()
der = bytearray(base64.b64decode("".join(lines[1:-1])))
der[len(der) // 2] ^= 0x55
b = base64.b64encode(bytes(der)).decode()
body = "\n".join(b[i:i + 64] for i in range(0, len(b), 64))
open(sys.argv[2], "w").write(lines[0] + "\n" + body + "\n" + lines[-1] + "\n")
PY
{ cat "$tmp/dkim4"; keyline d.example sel3 bad; } >"$tmp/dkim5"
apply 5 "$tmp/dkim5"
check "a corrupted key is refused, its line named" grep -q '"ok":false.*dkim line 4: the key does not load' "$tmp/answer"
{ cat "$tmp/dkim4"; printf 'sign al.example d.example sel9\n'; } >"$tmp/dkim6"
apply 6 "$tmp/dkim6"
check "a sign line naming no key is refused, its line named" grep -q '"ok":false.*dkim line 4: the sign line names no key' "$tmp/answer"
check_eq "generation 4 keeps serving" 4 "$(serving)"
send_sendmail a@d.example t4-after
check_eq "mail is still signed with sel2, valid" \
	"d=d.example s=sel2 a=rsa-sha256 ok" "$(sigs t4-after)"

echo "== dkim 5: RSA and Ed25519 side by side"
{ cat "$tmp/dkim4"; keyline d.example ed1 e1; printf 'sign d.example d.example ed1\n'; } >"$tmp/dkim2"
check "a bundle adding an Ed25519 key and its sign line is applied" apply 7 "$tmp/dkim2"
check_eq "the RSA instance's tables: the RSA sign line alone" \
	"sel2._domainkey.d.example d.example:sel2:$cur/dkim/keys/d.example/sel2.pem
*@d.example sel2._domainkey.d.example" \
	"$("$hkguest" exec "$g" cat $cur/dkim/KeyTable $cur/dkim/SigningTable)"
check_eq "the Ed25519 instance's tables (dkim/ed25519/): the Ed25519 sign line" \
	"ed1._domainkey.d.example d.example:ed1:$cur/dkim/keys/d.example/ed1.pem
*@d.example ed1._domainkey.d.example" \
	"$("$hkguest" exec "$g" cat $cur/dkim/ed25519/KeyTable $cur/dkim/ed25519/SigningTable)"
check_eq "modes and owners of the Ed25519 tables: the signer's 0600, their dir 0750" \
	"600 opendkim:opendkim $cur/dkim/ed25519/KeyTable
600 opendkim:opendkim $cur/dkim/ed25519/SigningTable
750 root:opendkim $cur/dkim/ed25519" \
	"$("$hkguest" exec "$g" stat -c "%a %U:%G %n" $cur/dkim/ed25519/KeyTable $cur/dkim/ed25519/SigningTable $cur/dkim/ed25519)"
send_sendmail a@d.example t2-sendmail
send_smtp a@d.example t2-smtp
for t in t2-sendmail t2-smtp; do
	check_eq "$t: an RSA and an Ed25519 signature, both valid" \
		"d=d.example s=ed1 a=ed25519-sha256 ok
d=d.example s=sel2 a=rsa-sha256 ok" "$(sigs $t | tr -s ' ' '\n' | paste -d' ' - - - - | sort)"
done

echo "== dkim 5b: an Ed25519 sign line while the Ed25519 OpenDKIM is down"
edpid=/run/opendkim/opendkim-ed25519.pid
# OpenDKIM leaves its pid file behind when it ends (as after a crash);
# systemd removes it on a stop.
oldpid=$("$hkguest" exec "$g" cat $edpid)
"$hkguest" exec "$g" kill "$oldpid"
check "the Ed25519 OpenDKIM stops" until_ok 10 \
	"$hkguest" exec "$g" sh -c "! kill -0 $oldpid 2>/dev/null"
{ cat "$tmp/dkim4"; keyline d.example ed2 e2; printf 'sign d.example d.example ed2\n'; } >"$tmp/dkim8"
apply 8 "$tmp/dkim8"
check "a stale pid file: refused, the Ed25519 instance's pid file named" \
	grep -q '"ok":false.*cannot reload OpenDKIM (pid [0-9]* of /run/opendkim/opendkim-ed25519.pid): no such process' "$tmp/answer"
check_eq "generation 7 serves again" 7 "$(serving)"
"$hkguest" exec "$g" rm -f $edpid
apply 8 "$tmp/dkim8"
check "no pid file: refused, the Ed25519 instance's pid file named" \
	grep -q '"ok":false.*an Ed25519 sign line but the Ed25519 OpenDKIM.*pid file /run/opendkim/opendkim-ed25519.pid does not exist' "$tmp/answer"
check_eq "generation 7 serves again" 7 "$(serving)"
check "the Ed25519 OpenDKIM starts again (the recipe's file)" \
	"$hkguest" exec "$g" /usr/sbin/opendkim -x /run/opendkim-hakomail-ed25519.conf
check "its pid file is back" until_ok 10 "$hkguest" exec "$g" test -s $edpid
send_sendmail a@d.example t5b-after
check_eq "mail is signed by both again, with sel2 and ed1, both valid" \
	"d=d.example s=ed1 a=ed25519-sha256 ok
d=d.example s=sel2 a=rsa-sha256 ok" "$(sigs t5b-after | tr -s ' ' '\n' | paste -d' ' - - - - | sort)"

echo "== dkim 6: no keys: empty tables, OpenDKIM goes on"
: >"$tmp/dkim7"
check "a bundle without keys is applied" apply 9 "$tmp/dkim7"
check_eq "the tables are empty, the Ed25519 instance's too" "0 0 0 0" \
	"$("$hkguest" exec "$g" stat -c %s $cur/dkim/KeyTable $cur/dkim/SigningTable \
		$cur/dkim/ed25519/KeyTable $cur/dkim/ed25519/SigningTable | paste -sd' ')"
send_sendmail a@d.example t5-nokeys
check_eq "mail goes out unsigned once no domain signs" "unsigned" "$(sigs t5-nokeys)"
check "OpenDKIM still runs (it reloaded each time)" \
	"$hkguest" exec "$g" sh -c 'kill -0 "$(cat /run/opendkim/opendkim.pid)"'
check "the Ed25519 OpenDKIM still runs (it reloaded each time)" \
	"$hkguest" exec "$g" sh -c 'kill -0 "$(cat /run/opendkim/opendkim-ed25519.pid)"'
