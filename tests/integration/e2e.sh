#!/bin/bash
# SPDX-License-Identifier: ISC
# e2e.sh - the walking skeleton end to end, on real components only:
# nginx -> hakomail-fcgi -> SQLite; hakomail-pushd -> ssh -> hakomail-agent
# on two namespace guests running Debian's postfix, dovecot and sshd.
#
# Through the API: domains pc1.example on g1 and pc2.example on g2, mailbox
# matsui in both with different passwords.  Then with real clients (curl's
# SMTP and IMAP): deliver to each, log in with the right password (works)
# and the other one's (refused), find the message in INBOX.  Prints how long
# it took from the API's 201 to the first successful IMAP login.
#
# Usage: e2e.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: e2e.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

cleanup() {
	panel_down
	rm -rf "$tmp"
}
trap cleanup EXIT

show_logs() {
	for f in "$HK_STATE"/log/*.log "$HK_GUEST_ROOT"/*/log/*; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
}

# first_login SECONDS GUEST HOST USER PASS: wait until the panel reports
# the guest in sync (polling the API, as the web panel does), then log in.
# Polling IMAP itself would trip Dovecot's growing per-IP auth penalty.
first_login() {
	until_ok "$1" guest_in_sync "$2" && until_ok "$1" imap_login "$3" "$4" "$5"
}

delivered() {	# delivered HOST USER PASS TOKEN
	curl -s --max-time 10 "imap://$1/INBOX" -u "$2:$3" \
		-X "SEARCH SUBJECT \"$4\"" 2>/dev/null | grep -Eq '^\* SEARCH [0-9]'
}

send_mail() {	# send_mail HOST RCPT TOKEN
	printf 'From: e2e@hakomail.test\r\nTo: %s\r\nSubject: %s\r\n\r\nhello from e2e\r\n' \
		"$2" "$3" >"$tmp/msg"
	curl -s --max-time 15 "smtp://$1" --mail-from e2e@hakomail.test \
		--mail-rcpt "$2" -T "$tmp/msg"
}

echo "== e2e: panel and guests (database: ${HK_DB_URL:-SQLite})"
"$hkguest" down-all >/dev/null 2>&1; "$top/deploy/panel.sh" stop >/dev/null 2>&1
rm -rf "$HK_STATE" "$HK_GUEST_ROOT"
if ! "$top/deploy/panel.sh" setup >"$tmp/setup.log" 2>&1; then
	cat "$tmp/setup.log"; fail "panel setup"; exit 1
fi
check "panel starts (nginx, fcgi, pushd)" "$top/deploy/panel.sh" start || { show_logs; exit 1; }
g1=$("$hkguest" start g1 1) && g2=$("$hkguest" start g2 2)
check "two guests start (postfix, dovecot, sshd)" test -n "$g1" -a -n "$g2" || { show_logs; exit 1; }

cli project add lab >/dev/null
# g1: the key fetched from its sshd with ssh-keyscan, pinned on a matching
# fingerprint (as ssh-keygen computes it); g2: from a key file.
fp=$(ssh-keygen -lf "$HK_GUEST_ROOT/g1/host_key.pub" | awk '{print $2}')
cli guest add g1 --project lab --host "$g1" --fingerprint SHA256:wrongwrongwrong </dev/null >/dev/null 2>"$tmp/err"
check_eq "a scanned key with another fingerprint is refused" "1 --fingerprint" \
	"$? $(sed -n 's/^hakomail: \([-a-z_]*\): .*/\1/p' "$tmp/err")"
cli guest add g1 --project lab --host "$g1" </dev/null >/dev/null 2>"$tmp/err"
check_eq "an unconfirmed scanned key is refused off a terminal" "1 --fingerprint" \
	"$? $(sed -n 's/^hakomail: \([-a-z_]*\): .*/\1/p' "$tmp/err")"
check_eq "nothing pinned by the refusals" "[]" "$(cli --json guest list | jq -c .)"
check "g1 pinned from ssh-keyscan on a matching fingerprint" \
	eval 'cli guest add g1 --project lab --host "$g1" --fingerprint "$fp" >/dev/null 2>&1'
# (the API never shows host keys: read the database)
pinned_key() { sql "SELECT host_key FROM guest WHERE name = '$1'"; }
check_eq "the pinned key is the guest's own" \
	"$(cut -d' ' -f1,2 "$HK_GUEST_ROOT/g1/host_key.pub")" "$(pinned_key g1)"
cli guest add g2 --project lab --host "$g2" --host-key-file "$HK_GUEST_ROOT/g2/host_key.pub" >/dev/null 2>&1
KEY=$(cli apikey create)
check "admin API key issued" test -n "$KEY"
check "both guests reach generation 1 (empty maps pushed)" \
	until_ok 30 eval 'guest_in_sync g1 && guest_in_sync g2'

echo "== e2e: the API behind nginx"
check_eq "nginx serves the OpenAPI document" "200 application/json 3.1.0" \
	"$(curl -s -o "$tmp/oa" -w '%{http_code} %{content_type}' "http://$HK_LISTEN/openapi.json") $(jq -r .openapi "$tmp/oa")"
# What nginx refuses by itself still answers in the API's error shape.
nginx_error() {	# nginx_error CURL-ARGS...: "STATUS CONTENT-TYPE CODE"
	local st
	st=$(curl -s -o "$tmp/ne" -w '%{http_code} %{content_type}' "$@")
	echo "$st $(jq -r '.error.code' "$tmp/ne" 2>/dev/null || echo not-json)"
}
check_eq "a path with %00 under /api/: 400 as JSON" "400 application/json invalid" \
	"$(nginx_error "http://$HK_LISTEN/api/v1/domains/a%00b")"
check_eq "a URI too long for nginx: 414 as JSON" "414 application/json too_large" \
	"$(nginx_error "http://$HK_LISTEN/api/v1/domains?q=$(head -c 20000 /dev/zero | tr '\0' a)")"
head -c 3000000 /dev/zero >"$tmp/big"
check_eq "a body over nginx's limit: 413 as JSON" "413 application/json too_large" \
	"$(nginx_error -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/big" "http://$HK_LISTEN/api/v1/domains")"
api POST domains '{"name":"pc1.example","guest":"g1"}'; check_eq "create pc1.example on g1" 201 "$STATUS"
api POST domains '{"name":"PC2.Example","guest":"g2"}'; check_eq "create pc2.example on g2 (case folded)" 201 "$STATUS"
check_eq "domain stored lowercase" pc2.example "$(jq -r .name <<<"$BODY")"

declare -A pw=([pc1]=pc1-Secret-9f2a [pc2]=pc2-Secret-47bd)
declare -A host=([pc1]=$g1 [pc2]=$g2) guest=([pc1]=g1 [pc2]=g2)
declare -A took
for d in pc1 pc2; do
	api POST "domains/$d.example/mailboxes" "{\"local_part\":\"matsui\",\"password\":\"${pw[$d]}\",\"name\":\"松井\"}"
	t0=$(now_ms)
	check_eq "create matsui@$d.example" 201 "$STATUS"
	check "no password or hash in the answer" \
		eval "! grep -q -e '${pw[$d]}' -e SHA512 -e password <<<'$BODY'"
	if first_login 30 "${guest[$d]}" "${host[$d]}" "matsui@$d.example" "${pw[$d]}"; then
		took[$d]=$(( $(now_ms) - t0 ))
		pass "IMAP login matsui@$d.example on its guest with its password"
	else
		fail "IMAP login matsui@$d.example on its guest with its password"
	fi
done
echo "  time from API 201 to first successful IMAP login: pc1 ${took[pc1]:-?} ms, pc2 ${took[pc2]:-?} ms"

# Before any failed login: Dovecot's auth penalty slows every later login
# from an address that has failed one.
echo "== e2e: latency over 10 more writes"
samples=()
for i in $(seq 1 10); do
	api POST domains/pc1.example/mailboxes "{\"local_part\":\"user$i\",\"password\":\"pw-$i-long-enough\"}"
	t0=$(now_ms)
	[ "$STATUS" = 201 ] || { fail "create user$i ($STATUS)"; continue; }
	if first_login 30 g1 "$g1" "user$i@pc1.example" "pw-$i-long-enough"; then
		samples+=($(( $(now_ms) - t0 )))
	else
		fail "IMAP login user$i@pc1.example"
	fi
done
if [ ${#samples[@]} -eq 10 ]; then
	sorted=($(printf '%s\n' "${samples[@]}" | sort -n))
	pass "10 writes reached the guest"
	echo "  API 201 -> IMAP login over 10 writes: p50 ${sorted[4]} ms, max ${sorted[9]} ms"
fi

echo "== e2e: wrong passwords and other guests"
check "pc2's password does not open matsui@pc1.example" \
	eval '! imap_login "$g1" matsui@pc1.example "${pw[pc2]}"'
check "pc1's password does not open matsui@pc2.example" \
	eval '! imap_login "$g2" matsui@pc2.example "${pw[pc1]}"'
check "matsui@pc2.example does not exist on g1" \
	eval '! imap_login "$g1" matsui@pc2.example "${pw[pc2]}"'

for d in pc1 pc2; do
	tok="e2e-$d-$RANDOM$RANDOM"
	check "SMTP delivery to matsui@$d.example accepted" send_mail "${host[$d]}" "matsui@$d.example" "$tok"
	check "message found in INBOX of matsui@$d.example" \
		until_ok 30 delivered "${host[$d]}" "matsui@$d.example" "${pw[$d]}" "$tok"
done
check "g1 refuses mail for pc2.example (not its domain)" \
	eval '! send_mail "$g1" matsui@pc2.example x'

echo "== e2e: aliases and alias domains deliver on the guest"
api POST domains/pc1.example/aliases '{"local_part":"info","destinations":["matsui@pc1.example"]}'
check_eq "alias info@pc1.example -> matsui@pc1.example" 201 "$STATUS"
api POST alias-domains '{"name":"lab1.example","target":"pc1.example"}'
check_eq "alias domain lab1.example -> pc1.example" 201 "$STATUS"
check "g1 in sync after the alias writes" until_ok 30 guest_in_sync g1
for rcpt in info@pc1.example matsui@lab1.example info@lab1.example; do
	tok="e2e-alias-$RANDOM$RANDOM"
	check "SMTP to $rcpt accepted" send_mail "$g1" "$rcpt" "$tok"
	check "mail to $rcpt lands in matsui@pc1.example's INBOX" \
		until_ok 30 delivered "$g1" matsui@pc1.example "${pw[pc1]}" "$tok"
done
check "an unknown address of the alias domain is refused" \
	eval '! send_mail "$g1" nobody@lab1.example x'

echo "== e2e: the agent refuses a bad bundle and keeps serving"
# Straight to g1's agent with the panel's key and pinned host key, as pushd
# talks to it.
agent() {	# agent VERB < input
	ssh -F none -T -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$HK_STATE/pushd/known_hosts/1" \
		-o HostKeyAlias=hakomail-guest-1 -o IdentitiesOnly=yes \
		-i "$HK_STATE/ssh/id_ed25519" "root@$g1" "$1"
}
api GET guests
served=$(jq '.items[] | select(.name == "g1") | .applied_gen' <<<"$BODY")
check_eq "agent status reports the generation the panel recorded" "$served" \
	"$(agent status </dev/null | jq .generation)"
sum=$(printf '' | sha256sum | cut -d' ' -f1)
printf 'HAKOMAIL-BUNDLE 1\ngeneration 99999\nfile ../../etc/passwd 0 %s\nend %s\n' "$sum" "$sum" >"$tmp/evil"
agent apply <"$tmp/evil" >"$tmp/answer"; rc=$?
check_eq "bundle naming ../../etc/passwd: refused" "1 false" "$rc $(jq .ok "$tmp/answer")"
check_eq "refusal says which generation still serves" "$served" "$(jq .generation "$tmp/answer")"
printf 'HAKOMAIL-BUNDLE 1\ngeneration 99999\nfile passwd 40 %s\nx@pc1.example:{PLAIN}x:5000:5000::/x::\n' "$sum" >"$tmp/trunc"
agent apply <"$tmp/trunc" >"$tmp/answer"; rc=$?
check_eq "truncated bundle: refused" "1 false" "$rc $(jq .ok "$tmp/answer")"
check_eq "agent still serves the same generation" "$served" "$(agent status </dev/null | jq .generation)"
check "matsui@pc1.example still logs in after the refusals" imap_login "$g1" matsui@pc1.example "${pw[pc1]}"
check "a command other than apply/status is refused over ssh" eval '! agent "cat /etc/shadow" </dev/null >/dev/null 2>&1'

echo "== e2e: changes and deletions reach the guest"
# reloads GUEST: how many times its Postfix and its Dovecot reloaded
reloads() {
	local d=$HK_GUEST_ROOT/$1/log
	echo "$(grep -c 'refreshing the Postfix mail system' "$d/postfix.log")" \
		"$(grep -c 'SIGHUP received' "$d/dovecot.log")"
}
check "g1 in sync before the password change" until_ok 30 guest_in_sync g1
reloaded=$(reloads g1)
# a delivery under way through the push: held open before its final dot
# until the push is in
mkfifo "$tmp/go"
"$hkguest" exec g1 python3 "$top/tests/integration/lmtp_hold.py" \
	user8@pc1.example held-1@e2e.test <"$tmp/go" >"$tmp/held" 2>&1 &
held=$!
exec 7>"$tmp/go"
until_ok 10 grep -qx held "$tmp/held" || { cat "$tmp/held"; fail "the LMTP delivery held open"; }
api PATCH mailboxes/user9@pc1.example '{"password":"pw-9-changed-now"}'
check_eq "PATCH a mailbox's password: 200" 200 "$STATUS"
check "the new password opens user9@pc1.example" \
	until_ok 30 eval 'guest_in_sync g1 && imap_login "$g1" user9@pc1.example pw-9-changed-now'
(echo go >&7) 2>/dev/null
exec 7>&-
wait "$held"
check_eq "a password change alone reloads neither Postfix nor Dovecot (Dovecot rereads the bucket whose mtime moved)" \
	"$reloaded" "$(reloads g1)"
# the probe itself: Postfix reloaded for the maps pushed before, and a
# reload by hand is counted
"$hkguest" exec g1 doveadm reload
check "the probe counts reloads (Postfix's earlier, Dovecot's by hand)" \
	until_ok 10 eval '[ "${reloaded% *}" -ge 1 ] && [ "$(reloads g1)" = "${reloaded% *} $((${reloaded#* } + 1))" ]'
check "an LMTP delivery in flight through that push is saved" \
	grep -q '^250 .*Saved' "$tmp/held"
grep -q '^250 .*Saved' "$tmp/held" || sed 's/^/    /' "$tmp/held"
check_eq "and is in the mailbox once" 1 \
	"$("$hkguest" exec g1 doveadm search -u user8@pc1.example mailbox INBOX header message-id '<held-1@e2e.test>' | wc -l)"
api DELETE mailboxes/user10@pc1.example
check_eq "DELETE a mailbox: 204" 204 "$STATUS"
check "g1 in sync after the delete" until_ok 30 guest_in_sync g1
api GET mailboxes/user10@pc1.example
check_eq "the deleted mailbox is gone from the API" 404 "$STATUS"
api POST guests/g1/push
check_eq "push now: 202" 202 "$STATUS"
check "g1 in sync again after push now" until_ok 30 guest_in_sync g1

echo "== e2e: a CSV import through nginx, as a job"
upload() {	# upload QUERY FILE [CONTENT-TYPE]: POST /imports with the file
	STATUS=$(curl -sS -o "$tmp/body" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $KEY" \
		-H "Content-Type: ${3:-text/csv}" --data-binary "@$2" \
		"$base/imports?$1")
	BODY=$(cat "$tmp/body")
}
job_ended() {	# job_ended ID: BODY gets the job
	api GET "imports/$1"
	[ "$(jq -r '.state == "done" or .state == "failed"' <<<"$BODY")" = true ]
}
{
	printf 'address,password,name,quota\r\n'
	for i in $(seq 1 800); do
		printf 's%04d@pc1.example,student-pw-%04d,"Student %d, Lab",1G\r\n' "$i" "$i" "$i"
	done
} >"$tmp/students.csv"
imports_before=$(sql "SELECT COUNT(*) FROM audit WHERE action = 'import.mailboxes'")
upload "kind=mailboxes&filename=students.csv" "$tmp/students.csv"
check_eq "upload 800 students with plain passwords: 202, queued" "202 queued students.csv" \
	"$STATUS $(jq -r '"\(.state) \(.filename)"' <<<"$BODY")"
job=$(jq -r .id <<<"$BODY")
check "the import job ends" until_ok 120 job_ended "$job"
check_eq "... done: 800 rows, 800 added, none invalid" "done 800 800 0" \
	"$(jq -r '"\(.state) \(.rows) \(.added) \(.invalid)"' <<<"$BODY")"
check_eq "one audit entry for the 800" $((imports_before + 1)) \
	"$(sql "SELECT COUNT(*) FROM audit WHERE action = 'import.mailboxes'")"
check "an imported student logs in on g1 (s0800@pc1.example)" \
	until_ok 60 eval 'guest_in_sync g1 && imap_login "$g1" s0800@pc1.example student-pw-0800'
upload "kind=mailboxes" "$tmp/students.csv"
job=$(jq -r .id <<<"$BODY")
until_ok 120 job_ended "$job"
check_eq "the same file again: failed, 800 problems, the first on line 2" \
	"failed 800 2 address" \
	"$(jq -r '"\(.state) \(.invalid) \(.problems[0].line) \(.problems[0].column)"' <<<"$BODY")"
printf 'address,password\n"x@pc1.example,long-enough-pw\n' >"$tmp/cut.csv"
upload "kind=mailboxes" "$tmp/cut.csv"
check_eq "a truncated file: 400 naming line 2, no job" "400 line 2" \
	"$STATUS $(jq -r .error.field <<<"$BODY")"
upload "kind=mailboxes" "$tmp/cut.csv" application/json
check_eq "a file sent as JSON: 400 content-type" "400 content-type" \
	"$STATUS $(jq -r .error.field <<<"$BODY")"
head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$tmp/huge.csv"
upload "kind=mailboxes" "$tmp/huge.csv"
check_eq "a file of 64 MiB + 1 byte: the API's JSON 413" "413 too_large" \
	"$STATUS $(jq -r .error.code <<<"$BODY" 2>/dev/null)"
rm -f "$tmp/huge.csv"
check_eq "no job for the refused uploads" 2 "$(sql "SELECT COUNT(*) FROM import_job")"
STATUS=$(curl -sS -o "$tmp/export.csv" -D "$tmp/export.head" -w '%{http_code}' \
	-H "Authorization: Bearer $KEY" "$base/export/mailboxes?domain=pc1.example")
check_eq "export the domain's mailboxes through nginx: 200, text/csv, to save" \
	'200|text/csv; charset=utf-8|attachment; filename="pc1.example-mailboxes.csv"' \
	"$STATUS|$(sed -n 's/^Content-Type: //Ip' "$tmp/export.head" | tr -d '\r')|$(sed -n 's/^Content-Disposition: //Ip' "$tmp/export.head" | tr -d '\r')"
check_eq "... every student in it, in the import's format" \
	'800|s0800@pc1.example,"Student 800, Lab",1073741824,true' \
	"$(grep -c '^s[0-9][0-9]*@pc1.example,' "$tmp/export.csv")|$(grep '^s0800@' "$tmp/export.csv" | tr -d '\r')"

echo "== e2e: a web session through nginx (cookie, CSRF, logout)"
printf 'web-owner-pw-1\n' | cli account add webowner --owner lab --password-stdin >/dev/null
STATUS=$(curl -sS -c "$tmp/jar" -D "$tmp/head" -o "$tmp/body" -w '%{http_code}' \
	-H 'Content-Type: application/json' \
	--data-binary '{"login":"webowner","password":"web-owner-pw-1"}' "$base/session")
check_eq "login: 201" 201 "$STATUS"
check "the cookie is HttpOnly and SameSite=Strict" \
	grep -qi '^set-cookie: hk_session=[0-9a-f]*; .*HttpOnly; SameSite=Strict' "$tmp/head"
csrf=$(jq -r .csrf_token "$tmp/body")
web() {	# web METHOD PATH [BODY] [CSRF]: with the session's cookie
	STATUS=$(curl -sS -b "$tmp/jar" -o "$tmp/body" -w '%{http_code}' -X "$1" \
		-H 'Content-Type: application/json' ${4:+-H "X-CSRF-Token: $4"} \
		${3:+--data-binary "$3"} "$base/$2")
	BODY=$(cat "$tmp/body")
}
web GET whoami
check_eq "the session is the owner's, via web" "200 webowner web" \
	"$STATUS $(jq -r '.login + " " + .via' <<<"$BODY")"
web PATCH mailboxes/matsui@pc1.example '{"name":"Matsui Taro"}'
check_eq "a change without the CSRF token: 403" 403 "$STATUS"
web PATCH mailboxes/matsui@pc1.example '{"name":"Matsui Taro"}' "$csrf"
check_eq "with it: 200" "200 Matsui Taro" "$STATUS $(jq -r .name <<<"$BODY")"
web DELETE session "" "$csrf"
check_eq "logout: 204" 204 "$STATUS"
web GET whoami
check_eq "the cookie opens nothing after logout" 401 "$STATUS"

echo "== e2e: bad input is refused and nothing is written"
api GET domains; before=$BODY
api GET domains/pc1.example/mailboxes; mailboxes_before=$BODY
api POST domains '{"name":"bad domain.example","guest":"g1"}'
check_eq "domain with a space: 400" 400 "$STATUS"
check_eq "error names the field" name "$(jq -r .error.field <<<"$BODY")"
api POST domains '{"name":"x.example","guest":"g1","extra":1}'
check_eq "unknown field: 400 naming it" "400 extra" "$STATUS $(jq -r .error.field <<<"$BODY")"
api POST domains '{"name":"x.example","name":"y.example","guest":"g1"}'
check_eq "duplicate key: 400" 400 "$STATUS"
api POST domains '{"name":"x.example","guest":"nosuch"}'
check_eq "unknown guest: 404 naming the field" "404 guest" "$STATUS $(jq -r .error.field <<<"$BODY")"
api POST domains '{"name":"pc1.example","guest":"g1"}'
check_eq "existing domain: 409" 409 "$STATUS"
api POST domains/pc1.example/mailboxes '{"local_part":"a\nb","password":"long-enough-pw"}'
check_eq "newline in local part: 400 naming local_part" "400 local_part" "$STATUS $(jq -r .error.field <<<"$BODY")"
api POST domains/pc1.example/mailboxes '{"local_part":"a:b","password":"long-enough-pw"}'
check_eq "colon in local part: 400" 400 "$STATUS"
api POST domains/pc1.example/mailboxes '{"local_part":"short","password":"x"}'
check_eq "short password: 400 naming password" "400 password" "$STATUS $(jq -r .error.field <<<"$BODY")"
api POST domains/pc1.example/mailboxes '{"local_part":"matsui","password":"long-enough-pw"}'
check_eq "existing mailbox: 409" 409 "$STATUS"
api POST domains '{"name":'
check_eq "malformed JSON: 400" 400 "$STATUS"
head -c 1500000 /dev/zero | tr '\0' ' ' >"$tmp/big"
STATUS=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
	-H 'Content-Type: application/json' --data-binary @"$tmp/big" "$base/domains")
check_eq "a body over 1 MiB: 413 (JSON error)" "413 too_large" "$STATUS $(jq -r .error.code "$tmp/body")"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
	-H 'Content-Type: text/plain' --data-binary '{"name":"t.example","guest":"g1"}' "$base/domains")
check_eq "a body that is not application/json: 400" 400 "$STATUS"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary '{"name":"z.example","guest":"g1"}' "$base/domains")
check_eq "no credentials: 401" 401 "$STATUS"
last=${KEY: -1}; [ "$last" = 0 ] && other=1 || other=0
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${KEY%?}$other" "$base/domains")
check_eq "wrong key: 401" 401 "$STATUS"
api GET domains
check_eq "domains unchanged after every refusal" "$before" "$BODY"
api GET domains/pc1.example/mailboxes
check_eq "pc1.example's mailboxes unchanged after every refusal" "$mailboxes_before" "$BODY"

echo "== e2e: a backup MX takes the domain's mail, never its passwords"
# Last: it fails a login on g2 on purpose (Dovecot's auth penalty).
check "g2 made the backup MX of pc1.example" \
	eval 'cli domain backup pc1.example --guest g2 >/dev/null'
check "g1 and g2 in sync" until_ok 30 eval 'guest_in_sync g1 && guest_in_sync g2'
# (g2 queues what it takes for the primary; with no DNS in the test
# network it stays deferred there, and nothing leaves the machine.)
check "g2 accepts mail for matsui@pc1.example" send_mail "$g2" matsui@pc1.example backup-mx
check "g2 refuses an unknown address of pc1.example" eval '! send_mail "$g2" nobody@pc1.example x'
check "g2 holds no password of pc1.example" \
	eval '! imap_login "$g2" matsui@pc1.example "${pw[pc1]}"'

echo "== e2e: the API down, nginx up"
# Last of all: the FastCGI workers stop; nginx says so in the API's shape.
fcgi_pid=$(panel_pid fcgi)
fcgi_gone() { ! kill -0 "$fcgi_pid" 2>/dev/null; }
check "hakomail-fcgi stopped" eval 'kill -TERM "$fcgi_pid" && until_ok 10 fcgi_gone'
check_eq "no API behind nginx: 502 as JSON" "502 application/json internal" \
	"$(nginx_error -H "Authorization: Bearer $KEY" "http://$HK_LISTEN/api/v1/whoami")"

grep -q ^FAIL "$HK_RESULTS" 2>/dev/null && show_logs
exit 0
