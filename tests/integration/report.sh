#!/bin/bash
# SPDX-License-Identifier: ISC
# report.sh - the agent's `report` verb on real guests (Postfix, Dovecot
# and sshd in namespaces, tests/guest), asked over SSH with the panel's
# key and pinned host key as pushd asks it, each figure compared with what
# the guest's own tools say inside the guest:
#
#  1. mailboxes made through the API and pushed; mail delivered over SMTP;
#     the report's [address, bytes, messages] are doveadm's quota figures
#     (STORAGE in KiB, MESSAGE exact), a mailbox never delivered to is
#     0/0, and every passwd line is there; they come from the files
#     Dovecot's quota_clone keeps in each home: a mailbox whose file is
#     gone is counted by doveadm and the file seeded, an empty Maildir is
#     seeded 0/0, and Dovecot's next delivery rewrites the seed;
#  2. a mailbox over its quota refuses delivery: LMTP answers 552 5.2.2
#     and Postfix bounces to the sender (whose mailbox gets the bounce);
#  3. the filesystem (stat -f of the mail root), uptime, load, versions;
#  4. the queue against `postqueue -j`: mail for a domain whose backup MX
#     is ra2 is deferred there (no DNS for the primary), then held with
#     postsuper -h;
#  5. over SSH a verb other than apply/status/report is still refused.
#
# Guests ra1 and ra2 (N = HK_REPORT_N, HK_REPORT_N + 1; default 61, 62)
# under HK_GUEST_ROOT; the panel at HK_STATE / HK_LISTEN (panel_lib.sh).
#
# Usage: report.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: report.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
n1=${HK_REPORT_N:-61}
n2=$((n1 + 1))

# This script's own verdicts too, for its summary line.
mine=$tmp/results
: >"$mine"
outer=$HK_RESULTS
HK_RESULTS=$mine

cleanup() {
	panel_down
	cat "$mine" >>"$outer"
	rm -rf "$tmp"
}
trap cleanup EXIT

export HK_PUSHD_CONF="timeout = 20
stagger_ms = 0"

# report_of GUEST [VERB]: the agent's answer over SSH, as pushd asks.
report_of() {
	local argv
	agent_ssh_argv "$1" "${2:-report}"
	"${argv[@]}" </dev/null
}

send_mail() {	# send_mail HOST FROM RCPT SUBJECT [BODY-BYTES]
	{
		printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\n' "$2" "$3" "$4"
		head -c "${5:-200}" /dev/zero | tr '\0' x | fold -w 76 | sed 's/$/\r/'
	} >"$tmp/msg"
	curl -s --max-time 15 "smtp://$1" --mail-from "$2" --mail-rcpt "$3" \
		-T "$tmp/msg"
}

# quota_of GUEST ADDRESS: "bytes messages" as doveadm says in the guest.
quota_of() {
	"$hkguest" exec "$1" doveadm -f tab quota get -u "$2" |
		awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$c["Type"] == "STORAGE" { b = $c["Value"] * 1024 }
			$c["Type"] == "MESSAGE" { m = $c["Value"] }
			END { print b, m }'
}

# in_report FILE ADDRESS: "bytes messages" as the report says.
in_report() {
	jq -r --arg a "$2" '.report.mailboxes[] | select(.[0] == $a) |
		"\(.[1]) \(.[2])"' "$1"
}

# kib_in_report FILE ADDRESS: the same with the bytes rounded up to KiB
# and back, as doveadm prints them.
kib_in_report() {
	in_report "$1" "$2" | awk '{ print int(($1 + 1023) / 1024) * 1024, $2 }'
}

# usage_file GUEST LOCAL: Dovecot's quota clone file of LOCAL@q.example.
usage_file() {
	printf '%s/%s/root/var/mail/vhosts/q.example/%s/dovecot-quota-usage' \
		"$HK_GUEST_ROOT" "$1" "$2"
}
# clone_of GUEST LOCAL: "bytes messages" as that file says.
clone_of() {
	awk 'NR % 2 == 1 { k = $0; next } { v[k] = $0 }
		END { print v["priv/quota/storage"], v["priv/quota/messages"] }' \
		"$(usage_file "$1" "$2")"
}

# queue_counts GUEST: "active deferred hold incoming" from postqueue -j.
queue_counts() {
	"$hkguest" exec "$1" postqueue -j | jq -s -r '
		def n(q): map(select(.queue_name | IN(q))) | length;
		"\(n("active")) \(n("deferred")) \(n("hold")) \(n("incoming", "maildrop"))"'
}
report_queue() {	# report_queue FILE: the same four from a report
	jq -r '.report.queue | "\(.active) \(.deferred) \(.hold) \(.incoming)"' "$1"
}
near() { local d=$(($1 - $2)); [ "${d#-}" -le "$3" ]; }	# near A B TOLERANCE
within() { [ "$1" -le "$2" ] && [ "$2" -le "$3" ]; }	# within LOW X HIGH

echo "== report: panel, guests ra1 and ra2 (database: ${HK_DB_URL:-SQLite})"
check "panel starts" panel_up || exit 1
check "guests ra1 and ra2 start and are pinned" \
	eval 'guest_up ra1 "$n1" && guest_up ra2 "$n2"' || exit 1
ip1=$(guest_ip ra1) ip2=$(guest_ip ra2)
api POST domains '{"name":"q.example","guest":"ra1"}'
check_eq "q.example on ra1" 201 "$STATUS"
api PATCH domains/q.example '{"backup_guest":"ra2"}'
check_eq "ra2 is q.example's backup MX" 200 "$STATUS"
for mb in 'big "5M"' 'small "20K"' 'empty "1M"'; do
	set -- $mb
	api POST domains/q.example/mailboxes \
		"{\"local_part\":\"$1\",\"password\":\"pw-$1-long-enough\",\"quota\":$2}"
	check_eq "mailbox $1@q.example (quota $2)" 201 "$STATUS"
done
check "ra1 and ra2 in sync" until_ok 30 eval 'guest_in_sync ra1 && guest_in_sync ra2'

echo "== report: mail delivered over SMTP, and a mailbox over its quota"
for i in 1 2 3; do
	check "SMTP to big@q.example ($i)" send_mail "$ip1" e2e@hakomail.test big@q.example "big-$i" $((i * 3000))
done
check "SMTP to small@q.example" send_mail "$ip1" e2e@hakomail.test small@q.example small-1 2000
check "Dovecot counts 3 and 1 messages" \
	until_ok 30 eval '[ "$(quota_of ra1 big@q.example | cut -d" " -f2)" = 3 ] &&
		[ "$(quota_of ra1 small@q.example | cut -d" " -f2)" = 1 ]'
# 30 KB into a 20 KiB mailbox (10 % grace): accepted by Postfix, refused by
# LMTP, bounced to its sender, big@q.example.
check "SMTP of 30 KB to small@q.example (quota 20K) accepted by Postfix" \
	send_mail "$ip1" big@q.example small@q.example too-big 30000
log1=$HK_GUEST_ROOT/ra1/log/postfix.log
check "LMTP refused it: 552 5.2.2 over quota, bounced" until_ok 30 eval \
	'grep "to=<small@q.example>" "$log1" | grep "status=bounced" | grep -q "552 5.2.2"'
check "the bounce reached the sender big@q.example" \
	until_ok 30 eval '[ "$(quota_of ra1 big@q.example | cut -d" " -f2)" = 4 ]'
check "small@q.example still holds 1 message" \
	eval '[ "$(quota_of ra1 small@q.example | cut -d" " -f2)" = 1 ]'

echo "== report: over SSH with the panel's key, against doveadm in the guest"
# the clocks just before and just after: what the report says of them
# lies between (the checks below take their time on a loaded machine)
t0=$(date +%s); up0=$("$hkguest" exec ra1 cut -d. -f1 /proc/uptime)
report_of ra1 >"$tmp/r1"; rc=$?
t1=$(date +%s); up1=$("$hkguest" exec ra1 cut -d. -f1 /proc/uptime)
check_eq "report over SSH: exit 0, ok" "0 true" "$rc $(jq .ok "$tmp/r1")"
check_eq "it names the generation serving" \
	"$(served ra1 | jq .generation)" "$(jq .generation "$tmp/r1")"
check_eq "every passwd line is a mailbox of the report" \
	"$(guest_passwd ra1 | cut -d: -f1 | sort | tr '\n' ' ')" \
	"$(jq -r '.report.mailboxes[][0]' "$tmp/r1" | sort | tr '\n' ' ')"
for a in big@q.example small@q.example empty@q.example; do
	check_eq "$a: bytes (in KiB) and messages as doveadm quota get -u says" \
		"$(quota_of ra1 "$a")" "$(kib_in_report "$tmp/r1" "$a")"
done
check_eq "messages exact: 4, 1 and 0 (never delivered)" "4 1 0" \
	"$(for a in big small empty; do in_report "$tmp/r1" $a@q.example | cut -d' ' -f2; done | tr '\n' ' ' | sed 's/ $//')"
check "big@q.example's bytes are over 12 KB (three bodies and a bounce)" \
	eval '[ "$(in_report "$tmp/r1" big@q.example | cut -d" " -f1)" -gt 12000 ]'

echo "== report: usage from Dovecot's quota_clone files, seeded where missing"
check_eq "big@q.example's quota clone file holds the report's figures" \
	"$(in_report "$tmp/r1" big@q.example)" "$(clone_of ra1 big)"
rm -f "$(usage_file ra1 big)"
"$hkguest" exec ra1 doveadm mailbox create -u empty@q.example Sent
report_of ra1 >"$tmp/r3"
check_eq "without its file, big@q.example is counted by doveadm as before" \
	"$(quota_of ra1 big@q.example)" "$(in_report "$tmp/r3" big@q.example)"
check_eq "and the count is seeded: the file is back, the mail user's, 0600" \
	"$(in_report "$tmp/r3" big@q.example) 5000:600" \
	"$(clone_of ra1 big) $(stat -c %u:%a "$(usage_file ra1 big)")"
check_eq "empty@q.example, a Maildir with an empty Sent: 0 0, seeded" \
	"0 0 0 0" "$(in_report "$tmp/r3" empty@q.example) $(clone_of ra1 empty)"
check "SMTP to empty@q.example" send_mail "$ip1" e2e@hakomail.test empty@q.example first 500
check "Dovecot rewrites the seed on delivery: 1 message" \
	until_ok 30 eval '[ "$(clone_of ra1 empty | cut -d" " -f2)" = 1 ]'
report_of ra1 >"$tmp/r3"
check_eq "the report follows: empty@q.example's figures are Dovecot's" \
	"$(clone_of ra1 empty)" "$(in_report "$tmp/r3" empty@q.example)"

echo "== report: filesystem, clock, load and versions against the guest's tools"
# stat -f: fundamental block size, blocks total, free, available; inodes
# total, free.  The mail root's filesystem is shared with the host: what
# others write meanwhile moves the used and free figures a little.
read -r bs bt bf ba it if < <("$hkguest" exec ra1 stat -f -c '%S %b %f %a %c %d' /var/mail/vhosts)
fs() { jq -r ".report.fs.$1" "$tmp/r1"; }
check_eq "fs.root is the mail root" /var/mail/vhosts "$(fs root)"
check_eq "fs.bytes_total = blocks x block size (stat -f)" $((bt * bs)) "$(fs bytes_total)"
check_eq "fs.inodes_total = stat -f's" "$it" "$(fs inodes_total)"
check "fs.bytes_used = (blocks - free) x size, within 256 MiB" near $(((bt - bf) * bs)) "$(fs bytes_used)" $((256 << 20))
check "fs.bytes_free = available x size, within 256 MiB" near $((ba * bs)) "$(fs bytes_free)" $((256 << 20))
check "fs.inodes_used and inodes_free as stat -f, within 10000" eval \
	'near $((it - if)) "$(fs inodes_used)" 10000 && near "$if" "$(fs inodes_free)" 10000'
check "at is the guest's clock, while the report was made (within 1 s)" \
	within $((t0 - 1)) "$(jq .report.at "$tmp/r1")" $((t1 + 1))
check "uptime_s as the guest's /proc/uptime, while the report was made (within 1 s)" \
	within $((up0 - 1)) "$(jq .report.uptime_s "$tmp/r1")" $((up1 + 1))
check "three load averages, none negative" \
	eval '[ "$(jq "[.report.load[] | select(type == \"number\" and . >= 0)] | length" "$tmp/r1")" = 3 ]'
check_eq "Postfix's version as postconf -h mail_version" \
	"$("$hkguest" exec ra1 postconf -h mail_version)" "$(jq -r .report.versions.postfix "$tmp/r1")"
check_eq "Dovecot's version as dovecot --version" \
	"$("$hkguest" exec ra1 dovecot --version | cut -d' ' -f1)" "$(jq -r .report.versions.dovecot "$tmp/r1")"
check_eq "ra1's queue is empty, nothing deferred" "0 0 0 0 null" \
	"$(report_queue "$tmp/r1") $(jq .report.queue.oldest_deferred_s "$tmp/r1")"

echo "== report: the queue against postqueue -j"
# ra2 is q.example's backup MX: it takes the mail and relays it to the
# primary, whose MX it cannot look up (no DNS in a test guest): deferred.
check "SMTP to big@q.example through the backup MX ra2" \
	send_mail "$ip2" e2e@hakomail.test big@q.example to-backup
check "ra2 defers it" until_ok 60 eval '[ "$(queue_counts ra2)" = "0 1 0 0" ]'
report_of ra2 >"$tmp/r2"
check_eq "report's queue is postqueue -j's: 1 deferred" "$(queue_counts ra2)" "$(report_queue "$tmp/r2")"
check "oldest_deferred_s: 0..120 s" eval '[ "$(jq .report.queue.oldest_deferred_s "$tmp/r2")" -ge 0 ] &&
	[ "$(jq .report.queue.oldest_deferred_s "$tmp/r2")" -le 120 ]'
check_eq "ra2 has no mailbox of its own" "[]" "$(jq -c .report.mailboxes "$tmp/r2")"
"$hkguest" exec ra2 postsuper -h ALL 2>/dev/null
check "postsuper -h ALL holds it" until_ok 30 eval '[ "$(queue_counts ra2)" = "0 0 1 0" ]'
report_of ra2 >"$tmp/r2"
check_eq "report's queue is postqueue -j's: 1 held, nothing deferred" \
	"$(queue_counts ra2) null" "$(report_queue "$tmp/r2") $(jq .report.queue.oldest_deferred_s "$tmp/r2")"

echo "== report: other verbs over SSH are still refused"
report_of ra1 "cat /etc/shadow" >"$tmp/ans" 2>/dev/null; rc=$?
check_eq "\"cat /etc/shadow\": exit 2, refused" "2 false" "$rc $(jq .ok "$tmp/ans")"
check "the refusal names the three verbs" grep -q 'only \\"apply\\", \\"status\\" or \\"report\\"' "$tmp/ans"
report_of ra1 "report -m /" >"$tmp/ans" 2>/dev/null; rc=$?
check_eq "\"report -m /\" (options from the client): refused" "2 false" "$rc $(jq .ok "$tmp/ans")"
check_eq "status still answers" true "$(report_of ra1 status | jq .ok)"

np=$(grep -c ^PASS "$mine"); nf=$(grep -c ^FAIL "$mine")
echo "report.sh: $np passed, $nf failed"
exit 0
