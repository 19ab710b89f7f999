#!/bin/bash
# SPDX-License-Identifier: ISC
# sieve.sh - vacation replies and forwarding (issue 18) proved by real
# delivery: set through the CLI, rendered by pushd, compiled by the agent
# with sievec, run by Pigeonhole in the guest's Dovecot LMTP, the replies
# and copies sent through the guest's own Postfix.  Guests s1 (v.example)
# and s2 (r.example); s1 passes mail for other domains to s2.
#
#  - a mailbox with no script gets its mail (no sieve directory at all,
#    then none for its address);
#  - a vacation reply to a message sent over SMTP from another mailbox:
#    exactly one, read over IMAP, Subject and body exactly as set ('"',
#    '\', a line of only ".", Japanese, CRLF; the Subject decoded with
#    Python's email package); a second message from the same sender gets
#    none (checked once the delivery is logged and s1's queue is empty);
#  - a vacation that ended yesterday and one that starts tomorrow: none;
#  - forwarding with a copy (both mailboxes), without (only the target),
#    to a mailbox on s2; a vacation reply and a forward without a copy:
#    one reply per sender (Pigeonhole makes the home that records it);
#  - --off: the script leaves the next generation, mail is kept plainly;
#  - a bundle whose script does not compile is refused by the agent, with
#    the reason, and the previous generation keeps serving;
#  - Dovecot logged no error at delivery (Pigeonhole saves its binaries).
#
# Usage: sieve.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
# HK_SIEVE_N (default 75; s2 is N+1) and HK_SIEVE_GUESTS (default "s1 s2")
# name the guests; HK_STATE, HK_LISTEN and HK_GUEST_ROOT as for every
# panel test.  HK_SIEVE_KEEP=1 leaves the panel and guests running at the
# end, to look at them (the next run, or hkguest down-all, removes them).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: sieve.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

n1=${HK_SIEVE_N:-75}
read -r s1 s2 <<<"${HK_SIEVE_GUESTS:-s1 s2}"
pw=sieve-password-1
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "PASS ${HK_LABEL:+$HK_LABEL: }sieve: $*" >>"$HK_RESULTS"; echo "  ok   - $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL ${HK_LABEL:+$HK_LABEL: }sieve: $*" >>"$HK_RESULTS"; echo "  FAIL - $*"; }

cleanup() {
	[ -n "${HK_SIEVE_KEEP:-}" ] && return
	panel_down
	rm -rf "$tmp"
}
trap cleanup EXIT

show_logs() {
	for f in "$HK_STATE"/log/*.log "$HK_GUEST_ROOT"/*/log/*; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
	done
}

# mailbox(es) of INBOX over IMAP as JSON lines, one per message:
# {"subject" (decoded), "auto" (Auto-Submitted), "body" (raw, after the
# header), "text" (the decoded text part), "id" (Message-ID)}.
cat >"$tmp/inbox.py" <<'EOF'
import email, email.policy, imaplib, json, sys
host, user, password = sys.argv[1:4]
m = imaplib.IMAP4(host, 143, timeout=10)
m.login(user, password)
m.select("INBOX", readonly=True)
_, data = m.search(None, "ALL")
for num in data[0].split():
    _, parts = m.fetch(num, "(BODY.PEEK[])")
    raw = parts[0][1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""
    part = msg.get_body(("plain",))
    print(json.dumps({
        "subject": str(msg.get("Subject", "")),
        "auto": str(msg.get("Auto-Submitted", "")),
        "id": str(msg.get("Message-ID", "")),
        "body": body.decode("utf-8", "replace"),
        "text": part.get_content() if part is not None else "",
    }, ensure_ascii=False))
m.logout()
EOF

inbox() { python3 "$tmp/inbox.py" "$1" "$2" "$pw"; }	# inbox HOST ADDRESS
# count HOST ADDRESS JQ-FILTER: how many messages of the INBOX match
count() { inbox "$1" "$2" | jq -s "map(select($3)) | length"; }
replies() { count "$ip1" "$1" '.auto | startswith("auto-replied")'; }
has_id() { [ "$(count "$1" "$2" ".id == \"<$3@sieve.test>\"")" = 1 ]; }

# send HOST FROM RCPT ID: one message over SMTP, To: the recipient,
# Message-ID <ID@sieve.test> (Pigeonhole replies only to a message whose
# To or Cc names the mailbox: the headers a person's mail has).
send() {
	printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@sieve.test>\r\n\r\nmessage %s\r\n' \
		"$2" "$3" "$4" "$4" "$4" >"$tmp/msg"
	curl -s --max-time 15 "smtp://$1" --mail-from "$2" --mail-rcpt "$3" -T "$tmp/msg"
}

on_s1() { "$hkguest" exec "$s1" "$@"; }
quiet() { "$@" >/dev/null; }
# delivered_to ADDRESS N: s1's Postfix logged N deliveries to ADDRESS
# (after LMTP's answer, so Pigeonhole's actions for them are all done)
delivered_to() {
	[ "$(grep -c "to=<$1>,.*status=sent" "$HK_GUEST_ROOT/$s1/log/postfix.log")" -ge "$2" ]
}
queue_empty() { on_s1 postqueue -p 2>/dev/null | grep -q 'Mail queue is empty'; }
# settled ADDRESS N: N deliveries to ADDRESS done and nothing queued on s1
# (a reply made at delivery is in the queue or delivered by then)
settled() { until_ok 30 delivered_to "$1" "$2" && until_ok 30 queue_empty; }
in_sync() { until_ok 30 guest_in_sync "$1"; }
script_of() { echo "/var/lib/hakomail/current/sieve/${1#*@}/${1%@*}.sieve"; }

echo "== sieve: a panel, guests $s1 and $s2 (database: ${HK_DB_URL:-SQLite})"
check "panel up" panel_up || { show_logs; exit 1; }
check "guest $s2 up and pinned" guest_up "$s2" $((n1 + 1)) || { show_logs; exit 1; }
ip2=$(guest_ip "$s2")
# s1 passes mail for domains not its own to s2 (test guests have
# default_transport = error otherwise): how a forward reaches another guest.
printf 'default_transport = smtp\nrelayhost = [%s]:25\n' "$ip2" >"$tmp/relay.cf"
HK_POSTFIX_MAIN_EXTRA=$tmp/relay.cf check "guest $s1 up and pinned (relaying to $s2)" \
	guest_up "$s1" "$n1" || { show_logs; exit 1; }
ip1=$(guest_ip "$s1")
cli domain add v.example --guest "$s1" >/dev/null && cli domain add r.example --guest "$s2" >/dev/null
for a in away sender sender2 sender3 past future keep copy fwd tgt out both plain; do
	printf '%s\n' "$pw" | cli mailbox add "$a@v.example" --password-stdin >/dev/null ||
		fail "mailbox $a@v.example"
done
printf '%s\n' "$pw" | cli mailbox add far@r.example --password-stdin >/dev/null
check "$s1 and $s2 in sync" eval 'in_sync "$s1" && in_sync "$s2"'

echo "== sieve: no script at all: mail is kept"
check "no sieve directory in the generation" eval '! on_s1 test -e /var/lib/hakomail/current/sieve'
check "SMTP to plain@v.example" send "$ip1" sender@v.example plain@v.example plain-1
check "plain@ has it" until_ok 30 has_id "$ip1" plain@v.example plain-1

echo "== sieve: a vacation reply, exactly as set"
subject='休暇中 "away" \ back soon'
printf 'Dear "friend",\r\nA back\\slash \\ and a dot line:\r\n.\r\n只今休暇中です。一月五日に戻ります。\r\nRegards\r\n' >"$tmp/text"
check "mailbox vacation set (7 days)" eval \
	'cli mailbox vacation away@v.example --text-file "$tmp/text" --subject "$subject" --days 7 >/dev/null'
check "$s1 in sync" in_sync "$s1"
script=$(script_of away@v.example)
check "its script and binary are in the generation" \
	on_s1 test -s "$script" -a -s "${script%.sieve}.svbin"
check "SMTP from sender@ to away@" send "$ip1" sender@v.example away@v.example vac-1
check "away@ has the message" until_ok 30 has_id "$ip1" away@v.example vac-1
check "one auto-reply reaches sender@" until_ok 30 eval '[ "$(replies sender@v.example)" -ge 1 ]'
settled away@v.example 1
reply=$(inbox "$ip1" sender@v.example | jq -sc 'map(select(.auto | startswith("auto-replied"))) | .[0]')
check_eq "its Subject is the one set (RFC 2047 decoded)" "$subject" "$(jq -r .subject <<<"$reply")"
# (the text ends in CRLF, as a file from an editor ends in a line break:
# the body ends there too, no empty line added)
check_eq "its text is the one set, byte for byte" "$(od -An -c "$tmp/text")" \
	"$(jq -j .text <<<"$reply" | od -An -c)"
check_eq "and so is its body on the wire (8bit)" "$(od -An -c "$tmp/text")" \
	"$(jq -j .body <<<"$reply" | od -An -c)"
check_eq "exactly one reply" 1 "$(replies sender@v.example)"

echo "== sieve: a second message within the period: no reply"
check "SMTP from sender@ to away@ again" send "$ip1" sender@v.example away@v.example vac-2
check "away@ has the second message" until_ok 30 has_id "$ip1" away@v.example vac-2
check "its delivery logged and s1's queue empty" settled away@v.example 2
check_eq "still exactly one reply" 1 "$(replies sender@v.example)"

echo "== sieve: a vacation that ended yesterday, one that starts tomorrow: none"
yesterday=$(on_s1 date -d yesterday +%F) tomorrow=$(on_s1 date -d tomorrow +%F)
lastweek=$(on_s1 date -d '7 days ago' +%F)
printf 'gone\r\n' >"$tmp/short"
check "past@: $lastweek .. $yesterday" quiet cli mailbox vacation past@v.example \
	--text-file "$tmp/short" --start "$lastweek" --end "$yesterday"
check "future@: from $tomorrow" quiet cli mailbox vacation future@v.example \
	--text-file "$tmp/short" --start "$tomorrow"
check "$s1 in sync" in_sync "$s1"
check "both scripts are in the generation" \
	on_s1 test -s "$(script_of past@v.example)" -a -s "$(script_of future@v.example)"
check "SMTP from sender2@ to past@" send "$ip1" sender2@v.example past@v.example past-1
check "SMTP from sender2@ to future@" send "$ip1" sender2@v.example future@v.example future-1
check "past@ has it" until_ok 30 has_id "$ip1" past@v.example past-1
check "future@ has it" until_ok 30 has_id "$ip1" future@v.example future-1
check "both deliveries logged and s1's queue empty" \
	eval 'settled past@v.example 1 && settled future@v.example 1'
check_eq "sender2@ got no reply" 0 "$(replies sender2@v.example)"

echo "== sieve: forwarding"
check "keep@ forwards to copy@ and keeps a copy" eval \
	'cli mailbox forward keep@v.example --to copy@v.example --keep >/dev/null'
check "fwd@ forwards to tgt@" eval 'cli mailbox forward fwd@v.example --to tgt@v.example >/dev/null'
check "out@ forwards to far@r.example on $s2" eval \
	'cli mailbox forward out@v.example --to far@r.example >/dev/null'
check "$s1 in sync" in_sync "$s1"
check "SMTP to keep@" send "$ip1" sender@v.example keep@v.example fw-keep
check "SMTP to fwd@" send "$ip1" sender@v.example fwd@v.example fw-only
check "SMTP to out@" send "$ip1" sender@v.example out@v.example fw-far
check "copy@ has the forwarded message" until_ok 30 has_id "$ip1" copy@v.example fw-keep
check "keep@ has it too" until_ok 30 has_id "$ip1" keep@v.example fw-keep
check "tgt@ has the forwarded message" until_ok 30 has_id "$ip1" tgt@v.example fw-only
check "far@r.example on $s2 has it" until_ok 30 has_id "$ip2" far@r.example fw-far
check "s1 is done with them" eval 'settled fwd@v.example 1 && settled out@v.example 1'
check_eq "fwd@ kept nothing" 0 "$(count "$ip1" fwd@v.example 'true')"
check_eq "out@ kept nothing" 0 "$(count "$ip1" out@v.example 'true')"

echo "== sieve: a vacation reply and forwarding without a copy"
# both@ never keeps a message, so nothing but Pigeonhole makes its home,
# where the record of who got a reply must be.
check "both@: a vacation and a forward to tgt@" eval \
	'cli mailbox vacation both@v.example --text-file "$tmp/short" >/dev/null &&
	 cli mailbox forward both@v.example --to tgt@v.example >/dev/null'
check "$s1 in sync" in_sync "$s1"
check "SMTP from sender3@ to both@" send "$ip1" sender3@v.example both@v.example both-1
check "tgt@ has the forwarded message" until_ok 30 has_id "$ip1" tgt@v.example both-1
check "one reply reaches sender3@" until_ok 30 eval '[ "$(replies sender3@v.example)" -ge 1 ]'
check "SMTP from sender3@ to both@ again" send "$ip1" sender3@v.example both@v.example both-2
check "tgt@ has the second one" until_ok 30 has_id "$ip1" tgt@v.example both-2
check "both deliveries logged and s1's queue empty" settled both@v.example 2
check_eq "still exactly one reply to sender3@" 1 "$(replies sender3@v.example)"
check_eq "both@ kept nothing" 0 "$(count "$ip1" both@v.example 'true')"

echo "== sieve: a mailbox without a script beside ones with scripts"
check "SMTP to plain@ again" send "$ip1" sender@v.example plain@v.example plain-2
check "plain@ has it" until_ok 30 has_id "$ip1" plain@v.example plain-2

echo "== sieve: --off"
check "away@'s vacation off" eval 'cli mailbox vacation away@v.example --off >/dev/null'
check "fwd@'s forward off" eval 'cli mailbox forward fwd@v.example --off >/dev/null'
check "$s1 in sync" in_sync "$s1"
check "away@'s script has left the generation" eval '! on_s1 test -e "$(script_of away@v.example)"'
check "fwd@'s script has left the generation" eval '! on_s1 test -e "$(script_of fwd@v.example)"'
check "SMTP from sender2@ to away@" send "$ip1" sender2@v.example away@v.example off-1
check "SMTP to fwd@" send "$ip1" sender@v.example fwd@v.example off-2
check "away@ has it" until_ok 30 has_id "$ip1" away@v.example off-1
check "fwd@ keeps it" until_ok 30 has_id "$ip1" fwd@v.example off-2
check "both deliveries logged and s1's queue empty" \
	eval 'settled away@v.example 3 && settled fwd@v.example 2'
check_eq "sender2@ got no reply" 0 "$(replies sender2@v.example)"
check_eq "tgt@ got no copy" 0 "$(count "$ip1" tgt@v.example '.id == "<off-2@sieve.test>"')"

echo "== sieve: a script that does not compile: the bundle refused"
# pushd is stopped meanwhile, so that nothing but this bundle reaches s1.
kill -TERM "$(pushd_pid)"; until_ok 10 eval '! kill -0 "$(pushd_pid)" 2>/dev/null'
gen=$(served "$s1" | jq .generation)
sha() { sha256sum | cut -d' ' -f1; }
# The serving generation's files as a bundle of the next one (see
# src/common/bundle.h; faults.sh crafts its bad bundles the same way),
# with a script for away@ that sievec refuses.
printf 'require ["vacation"];\r\nvacation :days 1 "unterminated;\r\n' | base64 -w0 >"$tmp/b64"
{
	on_s1 cat /var/lib/hakomail/current/sieve.list
	printf 'away@v.example %s\n' "$(cat "$tmp/b64")"
} | LC_ALL=C sort >"$tmp/f.sieve"
{
	printf 'HAKOMAIL-BUNDLE 1\ngeneration %s\n' $((gen + 1))
	for m in virtual_mailbox_domains virtual_mailbox_maps virtual_alias_maps \
		relay_domains relay_recipient_maps transport passwd trash sieve; do
		if [ "$m" = passwd ] || [ "$m" = virtual_mailbox_maps ]; then
			guest_file "$s1" "$m" >"$tmp/f.$m"
		elif [ "$m" != sieve ]; then
			on_s1 test -e "/var/lib/hakomail/current/$m" || continue
			on_s1 cat "/var/lib/hakomail/current/$m" >"$tmp/f.$m"
		fi
		printf 'file %s %d %s\n' "$m" "$(stat -c %s "$tmp/f.$m")" "$(file_sum "$m" <"$tmp/f.$m")"
		cat "$tmp/f.$m"
	done
} >"$tmp/bundle.body"
{ cat "$tmp/bundle.body"; printf 'end %s\n' "$(sha <"$tmp/bundle.body")"; } >"$tmp/bad"
agent_ssh_argv "$s1" apply
"${argv[@]}" <"$tmp/bad" >"$tmp/answer"
check_eq "refused" false "$(jq .ok "$tmp/answer")"
check "the answer names the address and sievec ($(jq -r .error "$tmp/answer"))" \
	grep -q 'away@v.example.*does not compile' <(jq -r .error "$tmp/answer")
check_eq "generation $gen still serving" "$gen" "$(served "$s1" | jq .generation)"
check "and it is complete" complete "$s1"
check "keep@'s script still serves" on_s1 test -s "$(script_of keep@v.example)"
check "no trace of the bad script" eval '! on_s1 grep -rqs unterminated /var/lib/hakomail'
check "pushd again" pushd_restart
check "SMTP to keep@ after the refusal" send "$ip1" sender@v.example keep@v.example after-bad
check "copy@ still gets keep@'s copy" until_ok 30 has_id "$ip1" copy@v.example after-bad

# Pigeonhole saves its binaries and its duplicate records without a
# complaint (an error here is a reply or a copy done the slow or the
# wrong way, even when the mail arrived).
for g in "$s1" "$s2"; do
	check_eq "Dovecot on $g logged no error at delivery" "" \
		"$(grep -E '(lmtp|sieve).*(Error|Warning):' "$HK_GUEST_ROOT/$g/log/dovecot.log")"
done

[ "$nfail" -eq 0 ] || show_logs
echo "sieve: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
