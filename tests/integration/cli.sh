#!/bin/bash
# SPDX-License-Identifier: ISC
# cli.sh - the operator's command as a process: each refusal exits 1 with
# "hakomail: FIELD: reason" on stderr (FIELD the option the input came
# with, --quota, where the CLI has one) and leaves the database as it was;
# misuse exits 2; --json is JSON.  On SQLite, or on PostgreSQL when
# HK_DB_URL names an empty database.
#
# Usage: cli.sh BUILDDIR   (results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: cli.sh BUILDDIR}" && pwd)
. "$top/tests/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
url=${HK_DB_URL:-sqlite:$tmp/hakomail.db}
printf '[database]\nurl = %s\n[pushd]\nwake_socket = %s/wake\n' "$url" "$tmp" >"$tmp/conf"
hk() { "$build/src/hakomail" -c "${HK_CLI_CONF:-$tmp/conf}" "$@"; }

# snapshot: every row of the database, the audit log's too, so that a
# refused write that left any trace shows (one process: a snapshot is
# taken before and after each of the hundred refusals).  Import jobs
# aside: a refused import is one, as the panel's recent imports list it.
# (PostgreSQL: a sequence's number, taken by an insert that rolled back,
# is not given back; pg_dump's \restrict line holds a key of its own.)
snapshot() {
	case $url in
	sqlite:*) sqlite3 "${url#sqlite:}" .dump | grep -v '^INSERT INTO import_job ' ;;
	*) pg_dump --data-only --no-owner --no-privileges \
		--exclude-table-data=import_job -d "$url" |
		grep -v -e '^SELECT pg_catalog.setval(' -e '^\\restrict ' -e '^\\unrestrict ' ;;
	esac 2>&1 ||	# (a dump that failed must never match the one before)
		echo "the dump failed: $RANDOM$RANDOM"
}

# refused NAME FIELD CMD...: exit 1, stderr names FIELD ('': a refusal
# of no one field), nothing written
# ($HK_STDIN, when set, is the command's standard input)
refused() {
	local name=$1 field=$2; shift 2
	local before after rc
	before=$(snapshot)
	hk "$@" >"$tmp/out" 2>"$tmp/err" <"${HK_STDIN:-/dev/null}"; rc=$?
	after=$(snapshot)
	if [ $rc -eq 1 ] && grep -q "^hakomail: ${field:+$field: }" "$tmp/err" &&
	   [ "$before" = "$after" ]; then
		pass "cli refuses $name (exit 1, names ${field:-no one field}, nothing written)"
	else
		fail "cli refuses $name (exit $rc: $(head -c 200 "$tmp/err"))"
	fi
}

echo "== cli (database: ${HK_DB_URL:-SQLite})"
# Before init: nothing but init makes a database, and each program says
# what to run instead of an SQL error.
tables() {	# how many tables the database holds ("none": no file)
	case $url in
	sqlite:*) [ -e "${url#sqlite:}" ] || { echo none; return; }
		sqlite3 "${url#sqlite:}" "SELECT count(*) FROM sqlite_master WHERE type = 'table'" ;;
	*) psql -Atq "$url" -c "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()" ;;
	esac
}
empty=$(tables)
hk status >"$tmp/out" 2>"$tmp/err"
check_eq "a command before init: exit 1" 1 $?
check "... says run: hakomail init" grep -q "^hakomail: database.url: .*run: hakomail init$" "$tmp/err"
check_eq "... and makes no database" "$empty" "$(tables)"
# The daemons stay root here ([fcgi] and [pushd] user = root): the
# database is in root's $tmp.
printf '[database]\nurl = %s\n[pushd]\nwake_socket = %s/dwake\nstate_dir = %s/dpushd\nuser = root\n[fcgi]\nsocket = %s/fcgi.sock\nworkers = 1\nuser = root\nsocket_group = root\n' \
	"$url" "$tmp" "$tmp" "$tmp" >"$tmp/daemon.conf"
for d in pushd fcgi; do
	once=; [ $d = pushd ] && once=-1
	timeout 20 "$build/src/hakomail-$d" -c "$tmp/daemon.conf" $once >/dev/null 2>"$tmp/log" </dev/null
	check_eq "hakomail-$d before init: exit 1 at start, saying run: hakomail init" \
		"1 1" "$? $(grep -c "hakomail-$d.*run: hakomail init$" "$tmp/log")"
done
check_eq "... and they make no database either" "$empty" "$(tables)"
# No configuration at all: no -c, no $HAKOMAIL_CONF, no default file.
prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
dflt=$(sed -n 's/^sysconfdir = //p' "$build/Makefile" | sed "s#\${prefix}#$prefix#")/hakomail/hakomail.conf
dfltdb=$(sed -n 's/^localstatedir = //p' "$build/Makefile" | sed "s#\${prefix}#$prefix#")/lib/hakomail/hakomail.db
if [ -e "$dflt" ] || [ -e "$dfltdb" ]; then
	echo "  skip - no configuration ($dflt or $dfltdb exists here)"
else
	for cmd in status init; do
		env -u HAKOMAIL_CONF "$build/src/hakomail" $cmd >"$tmp/out" 2>"$tmp/err"
		check_eq "$cmd without a configuration: exit 2, creating nothing" \
			"2 no" "$? $([ -e "$dfltdb" ] && echo yes || echo no)"
		check "... naming -c FILE, \$HAKOMAIL_CONF, $dflt and the example" \
			eval 'grep -qF "no -c FILE, no \$HAKOMAIL_CONF and no $dflt;" "$tmp/err" &&
			grep -qF "deploy/hakomail.conf" "$tmp/err"'
	done
	for d in pushd fcgi; do	# both stop before any socket or file
		once=; [ $d = pushd ] && once=-1
		env -u HAKOMAIL_CONF timeout 20 "$build/src/hakomail-$d" $once >/dev/null 2>"$tmp/log" </dev/null
		check_eq "hakomail-$d without a configuration: exit 2, saying so" \
			"2 1" "$? $(grep -c "hakomail-$d.*no configuration: no -c FILE" "$tmp/log")"
	done
fi
check "init" hk init
check "init again is harmless" hk init
check "project add" hk project add lab
ssh-keygen -q -t ed25519 -N '' -C g1 -f "$tmp/key"
check "guest add" hk guest add g1 --project lab --host 10.77.0.99 --host-key-file "$tmp/key.pub"
check "domain add (IDN)" hk domain add 大学.example --guest g1
check "domain add" hk domain add pc1.example --guest g1
check "mailbox add with a password on stdin" eval 'echo "long-enough-pw" | hk mailbox add Matsui@PC1.example --password-stdin --quota 2G >/dev/null'
# The stored hash (never shown by the panel: read from the database) is
# one Dovecot itself verifies.
stored_hash() {
	case $url in
	sqlite:*) sqlite3 "${url#sqlite:}" "SELECT password_hash FROM mailbox WHERE local_part = '$1'" ;;
	*) psql -Atq "$url" -c "SELECT password_hash FROM mailbox WHERE local_part = '$1'" ;;
	esac
}
h=$(stored_hash matsui)
check_eq "the stored hash is {SHA512-CRYPT}" '{SHA512-CRYPT}$6$' "${h:0:17}"
check "doveadm pw -t verifies it with the right password" \
	eval 'doveadm pw -t "$h" -p long-enough-pw >/dev/null 2>&1'
check "doveadm pw -t rejects a wrong password" \
	eval '! doveadm pw -t "$h" -p long-enough-pX >/dev/null 2>&1'
check "alias add with two destinations" hk alias add info@pc1.example matsui@pc1.example ext@elsewhere.example
refused "an alias to an address of the project's own domain that names nothing (it would bounce)" \
	destinations alias add x@pc1.example nosuch@pc1.example
check "catch-all alias add" hk alias add @pc1.example matsui@pc1.example
check "alias domain add" hk aliasdomain add lab1.example --target pc1.example
check_eq "domain list --json shows the U-label" "大学.example" \
	"$(hk --json domain list | jq -r '.[] | select(.name == "xn--pss25c.example") | .display_name')"
check_eq "mailbox list pages with --after" "matsui@pc1.example|" \
	"$(hk --json mailbox list pc1.example --limit 1 2>/dev/null | jq -r '.[].address')|$(hk --json mailbox list pc1.example --after matsui 2>/dev/null | jq -r '.[].address')"
check_eq "alias list --json" "@pc1.example info@pc1.example" \
	"$(hk --json alias list pc1.example | jq -r '[.[].address] | join(" ")')"
check_eq "alias list --search (ASCII case ignored; across the '@')" \
	"info@pc1.example|info@pc1.example" \
	"$(hk --json alias list pc1.example --search NFO | jq -r '[.[].address] | join(" ")')|$(hk --json alias list pc1.example --search 'o@pc1' | jq -r '[.[].address] | join(" ")')"
refused "an alias search longer than 318 octets" --search \
	alias list pc1.example --search "$(head -c 319 /dev/zero | tr '\0' x)"
# init's operator account, the project, the guest, and the six above
check_eq "audit records the operator's writes, via cli" "9 cli" \
	"$(hk --json audit | jq -r '[length, (map(.via) | unique | join(","))] | join(" ")')"

refused "a domain without a dot" name domain add example --guest g1
refused "a domain on an unknown guest" guest domain add x.example --guest nosuch
refused "an existing domain" name domain add pc1.example --guest g1
refused "a domain named like an alias domain" name domain add lab1.example --guest g1
refused "a mailbox with a colon" address mailbox add 'a:b@pc1.example' --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
refused "a mailbox with a newline" address mailbox add $'a\nb@pc1.example' --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
echo short >"$tmp/short"
HK_STDIN=$tmp/short refused "a mailbox with a short password" --password-stdin mailbox add short@pc1.example --password-stdin
refused "a mailbox with no password on stdin" --password-stdin mailbox add short@pc1.example --password-stdin
refused "a mailbox with a plain {PLAIN} hash" --password-hash mailbox add p@pc1.example --password-hash '{PLAIN}secret'
refused "a mailbox that is an alias" local_part mailbox add info@pc1.example --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
refused "a mailbox with a bad quota" --quota mailbox add q@pc1.example --quota 5Q --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
# The CLI's own words for the panel's reasons: its options, never the
# API's field names.
hk mailbox add nopw@pc1.example >"$tmp/out" 2>"$tmp/err"
check_eq "a mailbox without a password: give --password-stdin or --password-hash" \
	"1 hakomail: give --password-stdin or --password-hash" "$? $(cat "$tmp/err")"
hk mailbox add q@pc1.example --quota 5Q --password-hash '{SHA512-CRYPT}$6$abcdefgh$x' 2>"$tmp/err"
check "... a bad quota names --quota, as the command was given it" \
	grep -q '^hakomail: --quota: unknown unit "Q"' "$tmp/err"
refused "an alias to a pipe" destinations alias add x@pc1.example '|/bin/sh'
refused "an alias to an address with a comma" destinations alias add x@pc1.example 'a,b@pc1.example'
refused "an alias that is a mailbox" local_part alias add matsui@pc1.example x@y.example
refused "an alias domain onto nothing" target aliasdomain add z.example --target nosuch.example
refused "a listing with a zero limit" --limit mailbox list pc1.example --limit 0
refused "a guest with a host like an option" --host guest add g2 --project lab --host -oProxyCommand=x --host-key-file "$tmp/key.pub"
refused "a guest with a bad port" --port guest add g2 --project lab --host h --port 70000 --host-key-file "$tmp/key.pub"

# A guest that moved, and one reinstalled with a new host key.
gen0=$(hk --json guest list | jq '.[0].desired_gen')
check "guest set: a new address" hk guest set g1 --host 10.77.0.98 --port 2222
ssh-keygen -q -t ed25519 -N '' -C g1new -f "$tmp/key2"
check "guest set: a new host key" hk guest set g1 --host-key-file "$tmp/key2.pub"
check_eq "the guest moved and is owed a push" "10.77.0.98 2222 $((gen0 + 2)) pending" \
	"$(hk --json guest list | jq -r '.[0] | [.ssh_host, .ssh_port, .desired_gen, .state] | map(tostring) | join(" ")')"
check_eq "the audit has the new key" "$(cut -d' ' -f1-2 "$tmp/key2.pub")" \
	"$(hk --json audit --limit 1 | jq -r '.[0].detail | fromjson? // . | .after.host_key')"
refused "guest set on no such guest" guest guest set nosuch --port 22
refused "guest set with a host like an option" --host guest set g1 --host -oProxyCommand=x
refused "guest set with port 0" --port guest set g1 --port 0
refused "guest set with a key of the wrong fingerprint" --fingerprint guest set g1 --host-key-file "$tmp/key.pub" --fingerprint SHA256:AAAA

check "project limits" hk project limits lab --max-domains 2 --max-storage 3G
refused "a third domain over max_domains" max_domains domain add third.example --guest g1
refused "a mailbox without quota under a storage limit" quota mailbox add nq@pc1.example --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
refused "a mailbox over the storage left" max_storage_bytes mailbox add big@pc1.example --quota 2G --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
check "domain limits: a default quota" hk domain limits pc1.example --default-quota 1G
check "a mailbox takes the domain's default quota" hk mailbox add dq@pc1.example --password-hash '{SHA512-CRYPT}$6$abcdefgh$x'
check_eq "project list shows use against limits" "lab 2 2 2 3221225472 3221225472" \
	"$(hk --json project list | jq -r '.[0] | [.name, .domains, .max_domains, .mailboxes, .storage_bytes, .max_storage_bytes] | join(" ")')"
refused "a limit that is not a number" --max-domains project limits lab --max-domains lots

# Accounts: operators and project owners; a password only on stdin.
check "account add: an operator" hk account add ops --admin
check "account add: an owner, password on stdin" \
	eval 'echo "owner-password-1" | hk account add tanaka --owner lab --password-stdin >/dev/null'
check_eq "account list: role, project, password set, never a hash" \
	"admin admin - false|ops admin - false|tanaka owner lab true" \
	"$(hk --json account list | jq -r 'map([.login, .role, (.project // "-"), .has_password] | map(tostring) | join(" ")) | join("|")')"
no_hash_listed() { ! hk --json account list | grep -qF '$6$'; }
check "account list never shows a hash" no_hash_listed
stored_account_hash() {
	case $url in
	sqlite:*) sqlite3 "${url#sqlite:}" "SELECT password_hash FROM account WHERE login = '$1'" ;;
	*) psql -Atq "$url" -c "SELECT password_hash FROM account WHERE login = '$1'" ;;
	esac
}
check "doveadm pw -t verifies the owner's stored hash" \
	eval 'doveadm pw -t "$(stored_account_hash tanaka)" -p owner-password-1 >/dev/null 2>&1'
refused "an account with a bad login" login account add 'Bad Login' --admin
refused "an existing login" login account add ops --admin
refused "an owner of no such project" project account add x --owner nosuch
HK_STDIN=$tmp/short refused "an account with a short password" --password-stdin account add y --admin --password-stdin
hk account add z >/dev/null 2>&1; check_eq "account add without a role: exit 2" 2 $?
check "account passwd --none" hk account passwd tanaka --none
check_eq "the owner has no password now" "false" \
	"$(hk --json account list | jq -r '.[] | select(.login == "tanaka") | .has_password')"
# Two-factor sign-in, set up from the CLI; the codes computed here with
# Python's hmac (RFC 6238), apart from the panel's own code.
totp_code() {
	python3 -c 'import base64, hmac, struct, sys, time
k = base64.b32decode(sys.argv[1])
d = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = d[-1] & 15
print("%06d" % ((struct.unpack(">I", d[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}
check "account totp enrol: a secret, its URI and its QR code" \
	eval 'hk account totp enrol ops --qr "$tmp/ops.svg" >"$tmp/totp"'
secret=$(awk '$1 == "secret" { print $2 }' "$tmp/totp")
check "the QR code: an SVG file of mode 0600" \
	eval '[ "$(stat -c %a "$tmp/ops.svg")" = 600 ] && grep -q "^<svg " "$tmp/ops.svg"'
check "--qr never writes over a file, and a refused one changes nothing" \
	eval '! hk account totp enrol ops --qr "$tmp/ops.svg" >/dev/null 2>&1 && grep -qx "secret $secret" "$tmp/totp" && [ "$(hk --json account totp status ops | jq -r ".[0].confirmed")" = false ]'
qr_reads_as_uri() {
	rsvg-convert -w 400 "$tmp/ops.svg" >"$tmp/ops.png" &&
	[ "$(zbarimg -q --raw "$tmp/ops.png" 2>/dev/null)" = "$(awk '$1 == "uri" { print $2 }' "$tmp/totp")" ]
}
check "the QR code reads back (zbarimg) as the otpauth URI" qr_reads_as_uri
refused "a wrong first code" code account totp confirm ops 00000
check "account totp confirm: ten recovery codes, shown once" \
	eval '[ "$(hk account totp confirm ops "$(totp_code "$secret")" | grep -cE "^  [a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")" = 10 ]'
check_eq "account totp status: enrolled, confirmed, ten codes left" "true true 10" \
	"$(hk --json account totp status ops | jq -r '.[0] | [.enrolled, .confirmed, .recovery_codes_left] | map(tostring) | join(" ")')"
refused "a second enrolment" login account totp enrol ops
check "account totp reset" hk account totp reset ops
refused "a reset of an account without one" login account totp reset ops
check "account add --directory: [ldap] checks its password" hk account add dirop --admin --directory
check_eq "account list: directory, no second factor" "true false" \
	"$(hk --json account list | jq -r '.[] | select(.login == "dirop") | [.directory, .totp] | map(tostring) | join(" ")')"
check "account directory off" hk account directory dirop off
check_eq "account list: directory off" "false" \
	"$(hk --json account list | jq -r '.[] | select(.login == "dirop") | .directory')"
hk account directory dirop maybe >/dev/null 2>&1; check_eq "account directory maybe: exit 2" 2 $?
check "account delete dirop" hk account delete dirop
check "account disable" hk account disable tanaka
refused "a key for a disabled account" login apikey create --login tanaka
check "account enable" hk account enable tanaka
check "a key for an owner" eval 'hk apikey create --login tanaka | grep -q "^hk_"'
refused "a key for no such account" login apikey create --login nosuch
check "account delete takes its keys" eval 'hk account delete tanaka && ! hk --json apikey list | grep -q tanaka'
check_eq "the audit keeps who changed an account, before and after" "account.delete tanaka owner" \
	"$(hk --json audit --limit 1 | jq -r '.[0] | [.action, .object, (.detail | fromjson? // . | .before.role)] | join(" ")')"

key=$(hk apikey create --login ops --read-only --expires-days 30)
prefix=$(cut -d_ -f2 <<<"$key")
check_eq "apikey list shows the key by prefix, read-only, expiring" "ops true 1" \
	"$(hk --json apikey list | jq -r --arg p "$prefix" '.[] | select(.prefix == $p) | [.login, .read_only, (.expires_at > now)] | map(tostring) | join(" ")' | sed 's/true$/1/')"
check "apikey list never shows a secret or digest" \
	eval '! hk --json apikey list | grep -q -e "${key##*_}" -e sha256'
check "apikey revoke" hk apikey revoke "$prefix"
refused "revoking it again" prefix apikey revoke "$prefix"
refused "a key valid for 0 days" --expires-days apikey create --expires-days 0

# Changing and deleting what a guest serves.
check "mailbox set: a new password on stdin" \
	eval 'echo "another-long-pw" | hk mailbox set matsui@pc1.example --password-stdin >/dev/null'
h=$(stored_hash matsui)
check "doveadm pw -t verifies the new password" eval 'doveadm pw -t "$h" -p another-long-pw >/dev/null 2>&1'
check "mailbox set: name, quota, inactive" hk mailbox set matsui@pc1.example --name "松井 太郎" --quota 1G --inactive
check_eq "mailbox show" "松井 太郎 1073741824 false" \
	"$(hk --json mailbox show matsui@pc1.example | jq -r '.[0] | [.name, .quota_bytes, .active] | map(tostring) | join(" ")')"
check_eq "mailbox list --search finds a display name (松井)" "matsui@pc1.example" \
	"$(hk --json mailbox list pc1.example --search 松井 | jq -r '.[].address')"
check_eq "and ASCII whatever its case" "matsui@pc1.example" \
	"$(hk --json mailbox list pc1.example --search MATSUI | jq -r '.[].address')"
refused "mailbox set on no such mailbox" address mailbox set nosuch@pc1.example --inactive
refused "mailbox set over the storage left" max_storage_bytes mailbox set matsui@pc1.example --quota 3G
refused "mailbox set with a newline in the name" name mailbox set matsui@pc1.example --name $'a\nb'
refused "mailbox set to a {PLAIN} hash" --password-hash mailbox set matsui@pc1.example --password-hash '{PLAIN}x'
# A vacation reply and forwarding: each refusal names the option.
printf 'Away.\n' >"$tmp/away.txt"
: >"$tmp/empty.txt"
refused "a vacation that ends before it starts" --end mailbox vacation matsui@pc1.example \
	--text-file "$tmp/away.txt" --start 2030-02-01 --end 2030-01-31
refused "a vacation start that is no date" --start mailbox vacation matsui@pc1.example \
	--text-file "$tmp/away.txt" --start 2030-02-30
refused "a vacation of 0 days" --days mailbox vacation matsui@pc1.example \
	--text-file "$tmp/away.txt" --days 0
refused "a vacation subject of two lines" --subject mailbox vacation matsui@pc1.example \
	--text-file "$tmp/away.txt" --subject $'a\nb'
refused "an empty vacation text" --text-file mailbox vacation matsui@pc1.example \
	--text-file "$tmp/empty.txt"
HK_STDIN=$tmp/empty.txt refused "an empty vacation text on stdin" --text-file \
	mailbox vacation matsui@pc1.example --text-file -
refused "a vacation of a mailbox that does not exist" address mailbox vacation \
	nobody@pc1.example --text-file "$tmp/away.txt"
refused "a forward to the mailbox itself" --to mailbox forward matsui@pc1.example --to MATSUI@pc1.example
refused "a forward back through an alias" --to mailbox forward matsui@pc1.example --to info@pc1.example
refused "a forward to no address" --to mailbox forward matsui@pc1.example --to 'not an address'
refused "eleven forwards" --to mailbox forward matsui@pc1.example \
	--to a@x.example,b@x.example,c@x.example,d@x.example,e@x.example,f@x.example,g@x.example,h@x.example,i@x.example,j@x.example,k@x.example
hk mailbox forward matsui@pc1.example --to info@pc1.example --text-file "$tmp/away.txt" >/dev/null 2>&1
check_eq "mailbox forward with a vacation option: misuse, exit 2" 2 $?
printf 'Away "now".\r\n.\r\n' >"$tmp/away2.txt"
check "mailbox vacation from stdin" eval 'hk mailbox vacation matsui@pc1.example --text-file - --subject Away --end 2030-01-31 <"$tmp/away2.txt" >/dev/null'
check_eq "mailbox settings --json: the text as it was typed" 'Away "now".\r\n.\r\n|Away|2030-01-31|7' \
	"$(hk --json mailbox settings matsui@pc1.example | jq -r '.vacation | "\(.text | gsub("\r"; "\\r") | gsub("\n"; "\\n"))|\(.subject)|\(.end)|\(.days)"')"
check "mailbox forward with a copy" eval 'hk mailbox forward matsui@pc1.example --to ext@elsewhere.example --keep >/dev/null'
check_eq "mailbox settings: both" "on ext@elsewhere.example true" \
	"$(hk --json mailbox settings matsui@pc1.example | jq -r '"\(if .vacation then "on" else "off" end) \(.forward.addresses | join(",")) \(.forward.keep)"')"
check "mailbox vacation --off and forward --off" eval 'hk mailbox vacation matsui@pc1.example --off >/dev/null && hk mailbox forward matsui@pc1.example --off >/dev/null'
check_eq "mailbox settings: neither" "null null" \
	"$(hk --json mailbox settings matsui@pc1.example | jq -r '"\(.vacation) \(.forward)"')"
check "mailbox delete" hk mailbox delete dq@pc1.example
refused "deleting it again" address mailbox delete dq@pc1.example
check "alias set: new destinations" hk alias set info@pc1.example a@b.example
refused "alias set to a pipe" destinations alias set info@pc1.example '|/bin/sh'
check "alias disable" hk alias disable info@pc1.example
check_eq "alias list shows it" "a@b.example false" \
	"$(hk --json alias list pc1.example | jq -r '.[] | select(.address == "info@pc1.example") | [(.destinations | join(",")), .active] | map(tostring) | join(" ")')"
check "alias delete (the catch-all)" hk alias delete @pc1.example
refused "deleting no such alias" address alias delete nosuch@pc1.example
echo "== cli: DKIM keys and the DNS records a domain needs"
refused "a DKIM key without [dkim] key_file" '' dkim new pc1.example
check "... which the refusal names" grep -q 'dkim.*key_file' "$tmp/err"
# Another configuration: a key file for the DKIM keys, DMARC reports,
# and a resolver on loopback's discard port, where nothing answers.
(umask 077 && openssl rand -hex 32 >"$tmp/dkim.key")
cp "$tmp/conf" "$tmp/dns.conf"
printf '[dkim]\nkey_file = %s\n[dns]\nresolver = 127.0.0.1@9\ntimeout = 1\ndmarc_rua = dmarc@pc1.example\n' \
	"$tmp/dkim.key" >>"$tmp/dns.conf"
export HK_CLI_CONF=$tmp/dns.conf
check "guest set --mail-host --mail-addr" hk guest set g1 --mail-host mx1.pc1.example --mail-addr 192.0.2.1 --mail-addr 2001:db8::1
refused "a mail address that is a network" --mail-addr guest set g1 --mail-addr 192.0.2.0/24
check "dkim new (Ed25519, selector s1)" eval 'hk dkim new pc1.example --algorithm ed25519 --selector s1 >"$tmp/out"'
check "... shows the record to publish" grep -q 's1._domainkey.pc1.example.*v=DKIM1; k=ed25519; p=' "$tmp/out"
refused "a selector with a dot" --selector dkim new pc1.example --selector a.b
refused "an RSA key of 512 bits" --bits dkim new pc1.example --bits 512
refused "activating without --confirm" "" dkim activate pc1.example s1
check "... which says the record is not seen (no answer), or give --confirm" grep -q "s1._domainkey.pc1.example is not seen in DNS (failed: .*--confirm" "$tmp/err"
check_eq "dkim list: s1 pending" "s1 pending" "$(hk --json dkim list pc1.example | jq -r '.[] | "\(.selector) \(.state)"')"
hk domain dns pc1.example >"$tmp/zone"
check_eq "domain dns: exit 0" 0 $?
check "... the MX of the guest's mail host" grep -qP '^pc1\.example\.\tIN\tMX\t10 mx1\.pc1\.example\.$' "$tmp/zone"
check "... SPF with its addresses" grep -qF 'v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all' "$tmp/zone"
check "... the pending key's record" grep -qP '^s1\._domainkey\.pc1\.example\.\tIN\tTXT\t"v=DKIM1; k=ed25519; p=' "$tmp/zone"
check "... DMARC with the reports' address" grep -qF '"v=DMARC1; p=none; rua=mailto:dmarc@pc1.example"' "$tmp/zone"
hk --json domain dns pc1.example --check >"$tmp/check"
check_eq "domain dns --check, nothing answering: exit 0, every record failed" "0 failed" \
	"$? $(jq -r '[.records[].status] | unique | join(",")' "$tmp/check")"
check "dkim activate --confirm" eval 'hk dkim activate pc1.example s1 --confirm >/dev/null'
check "dkim rotate: a second key while s1 signs" eval 'hk dkim rotate pc1.example --algorithm ed25519 --selector s2 >/dev/null'
check "dkim activate s2 --confirm" eval 'hk dkim activate pc1.example s2 --confirm >/dev/null'
check_eq "s1 retiring, s2 active" "s1 retiring,s2 active" \
	"$(hk --json dkim list pc1.example | jq -r '[.[] | "\(.selector) \(.state)"] | join(",")')"
check "the retired key's record: kept until a date" eval 'hk domain dns pc1.example | grep -q "^s1._domainkey.pc1.example.*; keep until 20"'
refused "deleting the active key" '' dkim delete pc1.example s2
check "deleting the retired one" hk dkim delete pc1.example s1
unset HK_CLI_CONF
echo "== cli: bulk import of mailboxes"
# import_refused NAME FILE PATTERN [OPTION...]: exit 1, a line of stderr
# matches PATTERN (grep -E), nothing written.
import_refused() {
	local name=$1 file=$2 pat=$3 before after rc; shift 3
	before=$(snapshot)
	hk import mailboxes "$file" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	after=$(snapshot)
	if [ $rc -eq 1 ] && grep -Eq -- "$pat" "$tmp/err" && [ "$before" = "$after" ]; then
		pass "import refuses $name (exit 1, says where, nothing written)"
	else
		fail "import refuses $name (rc $rc, unchanged $([ "$before" = "$after" ] && echo yes || echo no)): $(head -c 300 "$tmp/err")"
	fi
}
printf 'address,password,name\nimp1@pc1.example,import-pw-0001,Imp One\nimp2@pc1.example,import-pw-0002,"Two, Imp"\n' >"$tmp/ok.csv"
before=$(snapshot)
check_eq "a dry run says what it would do" "2 rows: 2 to add, 0 to update, 0 with problems" \
	"$(hk import mailboxes "$tmp/ok.csv" --dry-run 2>/dev/null)"
check_eq "and writes nothing" "$before" "$(snapshot)"
printf 'address,password,name\nimp1@pc1.example,import-pw-0001,\nbad local@pc1.example,import-pw-0002,\nimp1@pc1.example,import-pw-0003,\nimp9@nosuch.example,short,\n' >"$tmp/bad.csv"
import_refused "a file with bad rows" "$tmp/bad.csv" "^$tmp/bad.csv:3: address: "
for l in 4 5; do
	check "the problem of line $l is reported too" grep -q "^$tmp/bad.csv:$l: " "$tmp/err"
done
import_refused "a dry run of it too" "$tmp/bad.csv" "^$tmp/bad.csv:4: address: .*already on line 2" --dry-run
check_eq "apply: every row" "2 rows: 2 added, 0 updated, 0 with problems" \
	"$(hk import mailboxes "$tmp/ok.csv" 2>/dev/null)"
check_eq "the mailboxes are there" "Imp One|Two, Imp" \
	"$(hk --json mailbox list pc1.example | jq -r '[.[] | select(.local_part | startswith("imp")) | .name] | join("|")')"
check_eq "one audit entry for the import" "import.mailboxes" "$(hk --json audit --limit 1 | jq -r '.[0].action')"
# every import is a job, the CLI's too, as the web panel's recent imports
# list them (door, project, state, rows, added, with problems)
db_sql() {
	case $url in
	sqlite:*) sqlite3 "${url#sqlite:}" "$1" ;;
	*) psql -Atq "$url" -c "$1" ;;
	esac
}
check_eq "each import left its job, through the cli door" \
	"cli lab ok.csv checked 2 2 0|cli lab bad.csv failed 4 1 3|cli lab bad.csv checked 4 1 3|cli lab ok.csv done 2 2 0" \
	"$(db_sql "SELECT j.via || ' ' || p.name || ' ' || j.filename || ' ' || j.state || ' ' || j.rows || ' ' || j.added || ' ' || j.invalid FROM import_job j LEFT JOIN project p ON p.id = j.project_id ORDER BY j.id" | paste -sd '|')"
import_refused "the same file again (they exist), saying to give --upsert" "$tmp/ok.csv" \
	"ok.csv:2: address: mailbox imp1@pc1.example exists \(to update it, give --upsert\)$"
check_eq "with --upsert: updated" "2 rows: 0 added, 2 updated, 0 with problems" \
	"$(hk import mailboxes "$tmp/ok.csv" --upsert 2>/dev/null)"
check "the imported mailboxes can be deleted (room for more)" \
	eval 'hk mailbox delete imp1@pc1.example >/dev/null && hk mailbox delete imp2@pc1.example >/dev/null'
printf 'address,password,name\nimp3@pc1.example,import-pw-0003,\223\143\222\206\n' >"$tmp/cp932.csv"
hk import mailboxes "$tmp/cp932.csv" >"$tmp/out" 2>"$tmp/err"
check_eq "a CP932 file (Excel on a Japanese system) is recognized" "0 " "$? $(cat "$tmp/err")"
check_eq "its name decoded" "田中" \
	"$(hk --json mailbox show imp3@pc1.example | jq -r ".[0].name")"
import_refused "it read as UTF-8 by order" "$tmp/cp932.csv" "^$tmp/cp932.csv:2: " --encoding utf-8
truncate -s 1G "$tmp/big.csv"
import_refused "a 1 GiB file" "$tmp/big.csv" "1073741824 bytes, more than"
head -c 65536 /dev/urandom >"$tmp/garbage.csv"
import_refused "binary garbage" "$tmp/garbage.csv" "^$tmp/garbage.csv:[0-9]+: "
printf 'address,password,name\nimp4@pc1.example,import-pw-0004,"unterminated\n' >"$tmp/trunc.csv"
import_refused "a truncated file" "$tmp/trunc.csv" "^$tmp/trunc.csv:2: "
printf 'mail,password\nimp5@pc1.example,import-pw-0005\n' >"$tmp/cols.csv"
import_refused "an unknown column" "$tmp/cols.csv" "^$tmp/cols.csv:1: .*mail"
printf 'address,password\nimp6@pc1.example,import-pw-0006,extra\n' >"$tmp/wide.csv"
import_refused "a row with too many fields" "$tmp/wide.csv" "^$tmp/wide.csv:2: "
printf '' >"$tmp/empty.csv"
import_refused "an empty file (no header)" "$tmp/empty.csv" "^$tmp/empty.csv:1: "
printf "address,password,name\nimp7@pc1.example,import-pw-0007,=cmd|' /C calc'!A0\n" >"$tmp/formula.csv"
import_refused "a formula-looking cell" "$tmp/formula.csv" "^$tmp/formula.csv:2: name: .*formula"
printf 'formula-pw-0001\n' | hk mailbox add calc@pc1.example --password-stdin --name '=1+2' >/dev/null
hk export mailboxes --domain pc1.example >"$tmp/export.csv" 2>/dev/null
check_eq "export: the header and a row as users type them" \
	"address,name,quota,active|imp3@pc1.example,田中,true" \
	"$(head -n 1 "$tmp/export.csv" | tr -d '\r')|$(grep '^imp3@' "$tmp/export.csv" | tr -d '\r' | cut -d, -f1,2,4)"
check "export: a formula-looking cell is neutralized" grep -q "^calc@pc1.example,'=1+2," "$tmp/export.csv"
check "export: no hashes unless asked" eval '! grep -q SHA512 "$tmp/export.csv"'
hk export mailboxes --domain pc1.example --with-hashes >"$tmp/hashes.csv" 2>/dev/null
hash=$(hk --json mailbox show imp3@pc1.example >/dev/null; grep '^imp3@' "$tmp/hashes.csv" | cut -d, -f5 | tr -d '\r')
check "export --with-hashes carries them" test "${hash#\{SHA512-CRYPT\}}" != "$hash"
hk mailbox delete imp3@pc1.example >/dev/null
check_eq "the export imports back (upsert)" "0" \
	"$(hk import mailboxes "$tmp/hashes.csv" --upsert >/dev/null 2>&1; echo $?)"
check_eq "imp3 is back with its name" "田中" \
	"$(hk --json mailbox show imp3@pc1.example | jq -r ".[0].name")"
hk project add term >/dev/null
hk guest add gt --project term --host 10.77.0.98 --host-key-file "$tmp/key.pub" >/dev/null 2>&1
printf 'address,password\nfirst@term1.example,import-pw-0008\nsecond@term1.example,import-pw-0009\n' >"$tmp/newdom.csv"
import_refused "a domain that does not exist" "$tmp/newdom.csv" "^$tmp/newdom.csv:2: address: no domain term1.example"
check_eq "--create-domains-on gt: a dry run says it would make it" \
	"2 rows: 2 to add, 0 to update, 0 with problems; 1 domains to make" \
	"$(hk import mailboxes "$tmp/newdom.csv" --create-domains-on gt --dry-run 2>&1)"
check_eq "... and the import makes it on gt, with the rows" \
	"2 rows: 2 added, 0 updated, 0 with problems; 1 domains made|gt" \
	"$(hk import mailboxes "$tmp/newdom.csv" --create-domains-on gt 2>&1)|$(hk --json domain list | jq -r '.[] | select(.name == "term1.example") | .guest')"
printf 'address,destinations\nlist@pc1.example,"imp3@pc1.example, calc@pc1.example"\n' >"$tmp/aliases.csv"
check_eq "import aliases: several destinations in one cell" "1 rows: 1 added, 0 updated, 0 with problems" \
	"$(hk import aliases "$tmp/aliases.csv" 2>/dev/null)"
check_eq "the alias forwards to both" "imp3@pc1.example,calc@pc1.example" \
	"$(hk --json alias list pc1.example | jq -r '.[] | select(.address == "list@pc1.example") | .destinations | join(",")')"
hk export aliases --domain pc1.example >"$tmp/aliases-out.csv" 2>/dev/null
check_eq "export aliases: the format import aliases reads" \
	'address,destinations,active|list@pc1.example,"imp3@pc1.example,calc@pc1.example",true' \
	"$(head -n 1 "$tmp/aliases-out.csv" | tr -d '\r')|$(grep '^list@' "$tmp/aliases-out.csv" | tr -d '\r')"
check_eq "... and imports back (upsert)" "1 rows: 0 added, 1 updated, 0 with problems" \
	"$(grep -e '^address,' -e '^list@' "$tmp/aliases-out.csv" >"$tmp/aliases-back.csv"; hk import aliases "$tmp/aliases-back.csv" --upsert 2>/dev/null)"
check "the alias deleted" eval 'hk alias delete list@pc1.example >/dev/null'
refused "an export of a domain that does not exist" domain export mailboxes --domain nosuch.example
check "import: the mailboxes deleted" \
	eval 'hk mailbox delete imp3@pc1.example >/dev/null && hk mailbox delete calc@pc1.example >/dev/null'

check "domain disable" hk domain disable pc1.example
check_eq "domain list shows it inactive" "false" \
	"$(hk --json domain list | jq -r '.[] | select(.name == "pc1.example") | .active')"
check "domain enable" hk domain enable pc1.example
refused "deleting a domain that holds mail" domain domain delete pc1.example
check "... naming what is left, and to give --force" grep -q "^hakomail: domain: pc1.example still has .*: delete them first, or give --force$" "$tmp/err"
refused "deleting a guest that serves domains" guest guest delete g1
refused "deleting a project that has guests" project project delete lab
check "aliasdomain disable" hk aliasdomain disable lab1.example
check_eq "aliasdomain list shows it inactive" "false" \
	"$(hk --json aliasdomain list | jq -r '.[] | select(.name == "lab1.example") | .active')"
check "aliasdomain enable" hk aliasdomain enable lab1.example
check "aliasdomain delete" hk aliasdomain delete lab1.example
check "domain delete (empty)" hk domain delete 大学.example
check "domain delete --force" hk domain delete pc1.example --force
check_eq "nothing of it is left" "0 0 0" \
	"$(hk --json project list | jq -r '.[0] | [.domains, .mailboxes, .storage_bytes] | map(tostring) | join(" ")')"
check "guest delete" hk guest delete g1
check "project delete" hk project delete lab
check_eq "the audit has every change" \
	"project.delete guest.delete domain.delete domain.delete alias_domain.delete" \
	"$(hk --json audit --limit 5 | jq -r 'map(.action) | join(" ")')"

hk domain add >/dev/null 2>&1; check_eq "missing arguments: exit 2" 2 $?
hk domain add x.example --guest g1 --bogus 1 >/dev/null 2>&1; check_eq "unknown option: exit 2" 2 $?
hk domain add x.example --guest g1 --guest g2 >/dev/null 2>&1; check_eq "repeated option: exit 2" 2 $?
hk frobnicate >/dev/null 2>&1; check_eq "unknown command: exit 2" 2 $?

# A database older than the program: every program but migrate says so.
sql() {
	case $url in
	sqlite:*) sqlite3 "${url#sqlite:}" "$1" ;;
	*) psql -Atq "$url" -c "$1" ;;
	esac
}
last=$(sql "SELECT version || '|' || name || '|' || applied_at FROM schema_migration ORDER BY version DESC LIMIT 1")
# the one before (numbers may skip one: a branch's migration lands later)
prev=$(sql "SELECT version FROM schema_migration ORDER BY version DESC LIMIT 1 OFFSET 1")
sql "DELETE FROM schema_migration WHERE version = ${last%%|*}" >/dev/null
hk status >"$tmp/out" 2>"$tmp/err"
check_eq "a database behind the program: exit 1, run: hakomail migrate" "1 1" \
	"$? $(grep -c "^hakomail: database.url: .*version $prev, this program needs ${last%%|*}: run: hakomail migrate$" "$tmp/err")"
"$build/src/hakomail-pushd" -c "$tmp/daemon.conf" -1 >/dev/null 2>"$tmp/log"
check_eq "... and hakomail-pushd refuses to start, saying the same" "1 1" \
	"$? $(grep -c "run: hakomail migrate$" "$tmp/log")"
IFS='|' read -r v n a <<<"$last"
sql "INSERT INTO schema_migration (version, name, applied_at) VALUES ($v, '$n', $a)" >/dev/null
check "... and is served again once up to date" hk status

# Tables for people, --json for scripts: sizes in binary units, times in
# the local time of TZ (here JST-9, UTC+9, whatever the machine's zone).
hk project add fmt >/dev/null
hk guest add gf --project fmt --host 10.77.0.97 --host-key-file "$tmp/key.pub" >/dev/null 2>&1
hk domain add fmt.example --guest gf >/dev/null
for q in 512:512 1048535:kib 500M:mib 1536M:gib15 2G:gib2; do
	hk mailbox add "${q#*:}@fmt.example" --quota "${q%%:*}" --password-hash '{SHA512-CRYPT}$6$abcdefgh$x' >/dev/null
done
hk mailbox add nolimit@fmt.example --password-hash '{SHA512-CRYPT}$6$abcdefgh$x' >/dev/null
check_eq "mailbox list (table): quotas as people read them" \
	"512 B|1.5 GiB|2 GiB|1 MiB|500 MiB|no limit" \
	"$(hk mailbox list fmt.example | awk -F'\t' 'NR > 1 { printf "%s%s", (NR > 2 ? "|" : ""), $3 }')"
check_eq "mailbox list --json: the bytes, as integers" \
	"512 1610612736 2147483648 1048535 524288000 0" \
	"$(hk --json mailbox list fmt.example | jq -r 'map(.quota_bytes | tostring) | join(" ")')"
check_eq "mailbox show (table): its quota" "2 GiB" \
	"$(hk mailbox show gib2@fmt.example | awk -F'\t' 'NR == 2 { print $3 }')"
check_eq "project list (table): use and limits as people read them" \
	"fmt	1	no limit	6	no limit	4 GiB	no limit" \
	"$(hk project list | awk -F'\t' '$1 == "fmt"')"
hk domain limits fmt.example --default-quota 1G >/dev/null
check_eq "domain list (table): the default quota; --json the bytes" \
	"1 GiB 1073741824" \
	"$(hk domain list | awk -F'\t' '$1 == "fmt.example" { print $8 }') $(hk --json domain list | jq -r '.[] | select(.name == "fmt.example") | .default_quota_bytes')"
key=$(hk apikey create --expires-days 30)
prefix=$(cut -d_ -f2 <<<"$key")
jst() { TZ=JST-9 date -d "@$1" '+%Y-%m-%d %H:%M'; }
read -r created expires < <(hk --json apikey list | jq -r --arg p "$prefix" '.[] | select(.prefix == $p) | "\(.created_at) \(.expires_at)"')
check_eq "apikey list (table): created and expires in local time, unused and unrevoked as -" \
	"$(jst "$created")|$(jst "$expires")|-|-" \
	"$(TZ=JST-9 hk apikey list | awk -F'\t' -v p="$prefix" '$1 == p { print $5 "|" $6 "|" $7 "|" $8 }')"
check "... which is not UTC's" \
	test "$(TZ=JST-9 hk apikey list | grep "^$prefix")" != "$(TZ=UTC hk apikey list | grep "^$prefix")"
check_eq "apikey list --json: Unix seconds, as integers" "number number" \
	"$(hk --json apikey list | jq -r --arg p "$prefix" '.[] | select(.prefix == $p) | "\(.created_at | type) \(.expires_at | type)"')"
at=$(hk --json audit --limit 1 | jq '.[0].at')
check_eq "audit (table): when, in local time" "$(jst "$at")" \
	"$(TZ=JST-9 hk audit --limit 1 | awk -F'\t' 'NR == 2 { print $2 }')"

# Moving a domain to another guest of its project: the plan of a dry run,
# the refusals, the move (pushd is not running: it stays in its copy),
# the table, one move in full, cancelling it.
echo "== cli: moving a domain"
hk guest add gf2 --project fmt --host 10.77.0.96 --host-key-file "$tmp/key.pub" >/dev/null 2>&1
before=$(snapshot)
hk domain move fmt.example --to gf2 --dry-run >"$tmp/out" 2>"$tmp/err"
check_eq "domain move --dry-run: exit 0" 0 $?
check "... the plan: 6 mailboxes never measured, gf2's room unknown" \
	eval 'grep -q "^mailboxes: *6 (6 never measured)$" "$tmp/out" && grep -q "^room: *unknown: gf2 never reported" "$tmp/out"'
check_eq "... and nothing written" "$before" "$(snapshot)"
sql "INSERT INTO mailbox_usage (mailbox_id, used_bytes, messages, at) SELECT m.id, 1048576, 10, 1 FROM mailbox m JOIN domain d ON d.id = m.domain_id WHERE d.name = 'fmt.example'" >/dev/null
# gf2: 10 MiB, 9 MiB used: 0 free below its 85 % line, 6 MiB short
sql "INSERT INTO guest_report (guest_id, at, guest_at, uptime_s, load1, load5, load15, postfix_version, dovecot_version, fs_bytes_total, fs_bytes_used, fs_bytes_free, fs_inodes_total, fs_inodes_used, fs_inodes_free, q_active, q_deferred, q_hold, q_incoming, mailboxes, mailbox_bytes, mailbox_messages) SELECT id, 1, 1, 1, 0, 0, 0, '3', '2', 10485760, 9437184, 1048576, 1000, 0, 1000, 0, 0, 0, 0, 0, 0, 0 FROM guest WHERE name = 'gf2'" >/dev/null
refused "a dry run to a guest without room" --to domain move fmt.example --to gf2 --dry-run
check "... naming the shortfall" grep -q "^hakomail: --to: guest gf2 has no room: the domain holds 6291456 bytes, 0 bytes are free .*: 6291456 short$" "$tmp/err"
refused "the move itself to it" --to domain move fmt.example --to gf2
sql "UPDATE guest_report SET fs_bytes_total = 1073741824, fs_bytes_used = 0, fs_bytes_free = 1073741824 WHERE guest_id = (SELECT id FROM guest WHERE name = 'gf2')" >/dev/null
check_eq "with room: the plan says so, with the target's figures" \
	"mail:         6 MiB in 60 messages|target:       gf2, 1 GiB free of 1 GiB; 870.4 MiB free below its 85% line|room:         yes" \
	"$(hk domain move fmt.example --to gf2 --dry-run | grep -e '^mail:' -e '^target:' -e '^room:' | paste -sd '|')"
check_eq "--json: the plan as the API answers it" "6 6291456 true true" \
	"$(hk --json domain move fmt.example --to gf2 --dry-run | jq -r '[.mailboxes, .bytes, .room, .dry_run] | map(tostring) | join(" ")')"
refused "a move to a guest of another project" --to domain move fmt.example --to gt
refused "a move to the domain's own guest" --to domain move fmt.example --to gf
refused "a move to no such guest" to domain move fmt.example --to nosuch
hk domain move fmt.example --gest gf2 >/dev/null 2>&1; check_eq "domain move without --to: exit 2" 2 $?
hk domain move fmt.example --to gf2 >"$tmp/out" 2>"$tmp/err"
mv_id=$(sed -n 's/^move \([0-9]*\) started: .*/\1/p' "$tmp/out")
check_eq "domain move: its id and how to follow it" \
	"move $mv_id started: fmt.example from gf to gf2 (phase copy)|follow it: hakomail move show $mv_id" \
	"$(paste -sd '|' "$tmp/out")"
check_eq "one audit entry for it" "domain.move fmt.example" \
	"$(hk --json audit --limit 1 | jq -r '.[0] | [.action, .object] | join(" ")')"
refused "a second move of the moving domain" domain domain move fmt.example --to gf2
check "... saying how to follow or cancel the first" grep -q "hakomail move cancel $mv_id)$" "$tmp/err"
refused "deleting the moving domain" domain domain delete fmt.example --force
check_eq "moves --live (table): the move in its copy, 0 % of its bytes" \
	"$mv_id fmt.example gf gf2 copy 0% - - -" \
	"$(hk moves --live | awk -F'\t' 'NR == 2 { print $1, $2, $3, $4, $5, $6, $7, $8, $9 }')"
check_eq "moves --domain --json: the API's items" "$mv_id copy true 6291456" \
	"$(hk --json moves --domain fmt.example | jq -r '.[0] | [.id, .phase, .live, .bytes_total] | map(tostring) | join(" ")')"
check_eq "moves --domain of another domain: none" "0" "$(hk --json moves --domain pc9.example | jq length)"
refused "moves of a bad domain name" domain moves --domain 'a..b'
check "move show: everything, the phase and the bytes" \
	eval 'hk move show $mv_id >"$tmp/out" && grep -q "^phase: *copy (step 0), live$" "$tmp/out" && grep -q "^mail: *0 B of 6 MiB$" "$tmp/out" && grep -q "^mailboxes: *0 of 6$" "$tmp/out"'
sql "UPDATE domain_move SET error = 'gf2: connection refused', error_at = 1, failures = 2 WHERE id = $mv_id" >/dev/null
check "move show: the error the move waits on" \
	eval 'hk move show $mv_id | grep -q "^error: *gf2: connection refused$"'
refused "move show of no such move" move move show 999
refused "move show of something that is no id" move move show x1
check_eq "move cancel: asked, pushd ends it" "copy (cancelling) (step 0), live" \
	"$(hk move cancel $mv_id | sed -n 's/^phase: *//p')"
check_eq "the table says so" "copy (cancelling)" "$(hk moves | awk -F'\t' -v id=$mv_id '$1 == id { print $5 }')"
check_eq "cancel is audited" "domain.move.cancel" "$(hk --json audit --limit 1 | jq -r '.[0].action')"
sql "UPDATE domain_move SET cancel = 0, step = 1, phase = 'cutover' WHERE id = $mv_id" >/dev/null
refused "cancelling a move past its cut-over" move move cancel $mv_id
hk move frob 1 >/dev/null 2>&1; check_eq "move with an unknown verb: exit 2" 2 $?

# The daemons' log ([log] in hakomail.conf): JSON lines for a shipper,
# a level that drops what is less severe, a bad value refused by name.
# On a database of its own with no guest, so that pushd -1 reaches none.
logconf() {	# logconf FILE LINES...: a configuration with [log] LINES
	local f=$1; shift
	printf '[database]\nurl = sqlite:%s/log.db\n[pushd]\nwake_socket = %s/logwake\nstate_dir = %s/pushd\nuser = root\n[log]\n' \
		"$tmp" "$tmp" "$tmp" >"$f"
	printf '%s\n' "$@" >>"$f"
}
logconf "$tmp/json.conf" "format = json"
"$build/src/hakomail" -c "$tmp/json.conf" init >/dev/null 2>&1
"$build/src/hakomail-pushd" -c "$tmp/json.conf" -1 2>"$tmp/log" >/dev/null
check_eq "pushd -1 with [log] format = json: exit 0" 0 $?
check_eq "every line is one JSON object of hakomail-pushd" \
	"hakomail-pushd info started: hakomail-pushd info stopped" \
	"$(jq -rj '"\(.program) \(.level) \(.message | split(" ")[0]) "' "$tmp/log" | sed 's/ $//')"
logconf "$tmp/warn.conf" "level = warning"
"$build/src/hakomail-pushd" -c "$tmp/warn.conf" -1 2>"$tmp/log" >/dev/null
check_eq "[log] level = warning drops the info lines" "0 0" "$? $(wc -c <"$tmp/log")"
logconf "$tmp/bad.conf" "format = yaml"
"$build/src/hakomail-pushd" -c "$tmp/bad.conf" -1 2>"$tmp/log" >/dev/null
check_eq "[log] format = yaml: refused, exit 2" 2 $?
check "the refusal names the setting and the choices" \
	grep -q ' hakomail-pushd: \[log\] format: "yaml" is not one of text, json' "$tmp/log"
exit 0
