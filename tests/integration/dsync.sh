#!/bin/bash
# SPDX-License-Identifier: ISC
# dsync.sh - the agent's mail copy verbs (issue 17) on real guests: two
# guests' agents, reached with the panel's key, pinned host keys and the
# guests' forced command as pushd reaches them, their SSH sessions
# relayed to each other by tests/integration/dsync_relay.py as pushd does:
#
#  1. u@m.example is made on da through the panel and pushed; then the
#     domain is given to db in the database and db alone pushed, so that
#     both guests serve the same passwd line (pushd is then stopped: the
#     test speaks to the agents itself);
#  2. mail in INBOX (SMTP), Work and Archive (doveadm save), with \Seen,
#     \Flagged and a keyword; dsync-backup on da, dsync-server on db:
#     folders, UIDs, GUIDs and flags match (doveadm fetch on both guests,
#     \Recent aside), the answers are ok with da's usage figures;
#  3. new mail on da and on db, dsync-catchup from the copy's state: db
#     holds every message exactly once, da is unchanged; again as a whole
#     merge: nothing duplicated;
#     a message copied into its own folder on db (one GUID twice, as a
#     delivery during a merge can leave it): after a merge, once;
#  4. dsync-catchup STATE (a move's last sync, from the state the catch-up
#     answered): a message new on da is brought, what a user moved or
#     deleted on db is left alone;
#  5. refusals over SSH: a bad address (exit 2, JSON on stdout),
#     dsync-relay, extra words; an unknown user answers ok:false with
#     doveadm's error;
#  6. the copy of a mailbox of HK_DSYNC_MESSAGES (300) messages, timed
#     (printed with the load; no assertion on time).
#
# Guests da and db (N = HK_DSYNC_N, HK_DSYNC_N + 1; default 73, 74) under
# HK_GUEST_ROOT; the panel at HK_STATE / HK_LISTEN (panel_lib.sh).
#
# Usage: dsync.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: dsync.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
n1=${HK_DSYNC_N:-73}
n2=$((n1 + 1))
bulk=${HK_DSYNC_MESSAGES:-300}
relay=$top/tests/integration/dsync_relay.py

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

agent_of() {	# agent_of GUEST COMMAND: one session alone, stdin empty
	local argv
	agent_ssh_argv "$1" "$2"
	"${argv[@]}" </dev/null
}

# copy VERB ADDRESS [STATE]: VERB (dsync-backup, dsync-catchup) on da
# relayed to dsync-server on db; the answers (stderr's last lines) in
# $tmp/a, $tmp/b, the two exit statuses in $tmp/rc.
copy() {
	local argv a b
	agent_ssh_argv da "$1 $2${3:+ $3}"
	a=("${argv[@]}")
	agent_ssh_argv db "dsync-server $2"
	b=("${argv[@]}")
	"$relay" "$tmp/a.err" "$tmp/b.err" ${#a[@]} "${a[@]}" "${b[@]}" >"$tmp/rc"
	tail -n1 "$tmp/a.err" >"$tmp/a"
	tail -n1 "$tmp/b.err" >"$tmp/b"
	[ "$(cat "$tmp/rc")" = "0 0" ] ||	# what a failure said, for the log
		tail -n3 "$tmp/a.err" "$tmp/b.err" | cut -c1-600 | sed 's/^/    /'
}

# fetch GUEST ADDRESS FIELDS: doveadm fetch in the guest, one sorted line
# a message, \Recent left out (it is per session, not copied).
fetch() {
	"$hkguest" exec "$1" doveadm -f tab fetch -u "$2" "$3" mailbox '*' all |
		tail -n +2 | sed -E 's/\\Recent ?//; s/ \t/\t/; s/ $//' | LC_ALL=C sort
}
full() { fetch "$1" "$2" 'mailbox uid guid flags'; }
guids() { fetch "$1" "$2" 'mailbox guid'; }

save() {	# save GUEST ADDRESS FOLDER SUBJECT: one message by doveadm save
	printf 'From: e2e@hakomail.test\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@hakomail.test>\r\n\r\nbody of %s\r\n' \
		"$2" "$4" "$4" "$4" | "$hkguest" exec "$1" doveadm save -u "$2" -m "$3"
}
send_mail() {	# send_mail HOST RCPT SUBJECT
	printf 'From: e2e@hakomail.test\r\nTo: %s\r\nSubject: %s\r\n\r\nhello\r\n' \
		"$2" "$3" >"$tmp/msg"
	curl -s --max-time 15 "smtp://$1" --mail-from e2e@hakomail.test \
		--mail-rcpt "$2" -T "$tmp/msg"
}
count() { "$hkguest" exec "$1" doveadm -f flow mailbox status -u "$2" messages "$3" | sed 's/.*=//'; }

echo "== dsync: panel, guests da and db serving the same mailbox (database: ${HK_DB_URL:-SQLite})"
check "panel starts" panel_up || exit 1
check "guests da and db start and are pinned" \
	eval 'guest_up da "$n1" && guest_up db "$n2"' || exit 1
api POST domains '{"name":"m.example","guest":"da"}'
check_eq "m.example on da" 201 "$STATUS"
for lp in u big; do
	api POST domains/m.example/mailboxes \
		"{\"local_part\":\"$lp\",\"password\":\"pw-$lp-long-enough\"}"
	check_eq "mailbox $lp@m.example" 201 "$STATUS"
done
check "da in sync" until_ok 30 guest_in_sync da
# db serves the same domain: the domain moved in the database, db alone
# pushed (da keeps the generation that holds it), then pushd stopped so
# that nothing pushes da again.
sql "UPDATE domain SET guest_id = (SELECT id FROM guest WHERE name = 'db') WHERE name = 'm.example';
     UPDATE guest SET desired_gen = desired_gen + 1 WHERE name = 'db'"
cli push db >/dev/null 2>&1
check "db in sync, serving m.example too" until_ok 30 eval \
	'guest_in_sync db && guest_passwd db | grep "^u@m.example:" >/dev/null'
kill "$(pushd_pid)" 2>/dev/null
check_eq "da still serves u@m.example" "u@m.example" \
	"$(guest_passwd da | cut -d: -f1 | grep '^u@')"
ip1=$(guest_ip da)

echo "== dsync: mail in three folders on da, flags set"
a=u@m.example
for i in 1 2 3; do check "SMTP to $a ($i)" send_mail "$ip1" "$a" "inbox-$i"; done
check "delivered: 3 in INBOX" until_ok 30 eval '[ "$(count da $a INBOX)" = 3 ]'
"$hkguest" exec da doveadm mailbox create -u "$a" Work Archive
for i in 1 2; do save da "$a" Work "work-$i"; done
save da "$a" Archive archive-1
"$hkguest" exec da doveadm flags add -u "$a" '\Seen' mailbox INBOX uid 1
"$hkguest" exec da doveadm flags add -u "$a" '\Seen \Flagged' mailbox Work uid 2
"$hkguest" exec da doveadm flags add -u "$a" 'project-x' mailbox Archive uid 1
"$hkguest" exec da doveadm expunge -u "$a" mailbox INBOX uid 2	# a UID gap
full da "$a" >"$tmp/da0"
check_eq "da: 5 messages in INBOX, Work, Archive" 5 "$(wc -l <"$tmp/da0")"
check "da: \\Seen, \\Flagged and project-x are set" eval \
	'grep -q "Flagged" "$tmp/da0" && grep -q "project-x" "$tmp/da0" && grep -q "Seen" "$tmp/da0"'

echo "== dsync: dsync-backup on da, dsync-server on db, relayed"
copy dsync-backup "$a"
check_eq "both sessions exit 0" "0 0" "$(cat "$tmp/rc")"
check_eq "da answers ok on stderr, with doveadm's status 0" "true 0" \
	"$(jq -r '"\(.ok) \(.dsync.status)"' "$tmp/a")"
check_eq "db answers ok, status 0, no figures" 'true {"status":0}' \
	"$(jq -c '.ok, .dsync' "$tmp/b" | paste -sd' ')"
check_eq "both name the generation serving" \
	"$(served da | jq .generation) $(served db | jq .generation)" \
	"$(jq .generation "$tmp/a") $(jq .generation "$tmp/b")"
check_eq "da's figures are its quota clone file's" \
	"$(awk 'k == "priv/quota/storage" { s = $0 } k == "priv/quota/messages" { m = $0 }
		{ k = $0 } END { print s, m }' \
		"$HK_GUEST_ROOT/da/root/var/mail/vhosts/m.example/u/dovecot-quota-usage")" \
	"$(jq -r '"\(.dsync.bytes) \(.dsync.messages)"' "$tmp/a")"
state=$(jq -r '.dsync.state' "$tmp/a")
check "da answers dsync's state after the copy (base64)" \
	eval '[[ $state =~ ^[A-Za-z0-9+/=]+$ ]]'
full db "$a" >"$tmp/db0"
check "db: folders, UIDs, GUIDs and flags as on da" cmp -s "$tmp/da0" "$tmp/db0" ||
	diff "$tmp/da0" "$tmp/db0" | head
check_eq "db: the folders as on da" \
	"$("$hkguest" exec da doveadm mailbox list -u "$a" | sort | paste -sd' ')" \
	"$("$hkguest" exec db doveadm mailbox list -u "$a" | sort | paste -sd' ')"

echo "== dsync: new mail on both, then dsync-catchup (one way, never deleting)"
save da "$a" INBOX a-new-1
save da "$a" Work a-new-2
save db "$a" INBOX b-new-1
full da "$a" >"$tmp/da1"
{ guids da "$a"; guids db "$a"; } | LC_ALL=C sort -u >"$tmp/want"
copy dsync-catchup "$a" "$state"	# from the copy's state, as pushd does
check_eq "catch-up: both sessions exit 0, both ok" "0 0 true true" \
	"$(cat "$tmp/rc") $(jq .ok "$tmp/a") $(jq .ok "$tmp/b")"
guids db "$a" >"$tmp/db1"
check_eq "db holds every message of both, once: 8" 8 "$(wc -l <"$tmp/db1")"
check "db: the set is da's and its own" cmp -s "$tmp/want" "$tmp/db1"
check "da is unchanged" eval 'full da "$a" | cmp -s - "$tmp/da1"'
check_eq "db: the flags of da's messages as on da" \
	"$(cut -f1,3,4 "$tmp/da1" | LC_ALL=C sort)" \
	"$(full db "$a" | cut -f1,3,4 | grep -Ff <(cut -f3 "$tmp/da1") | LC_ALL=C sort)"
copy dsync-catchup "$a"	# no state: a whole merge
check_eq "catch-up again: exit 0, ok" "0 0 true" "$(cat "$tmp/rc") $(jq .ok "$tmp/a")"
state=$(jq -r '.dsync.state' "$tmp/a")
check "nothing duplicated, nothing lost on db" eval 'guids db "$a" | cmp -s - "$tmp/want"'
check "da still unchanged" eval 'full da "$a" | cmp -s - "$tmp/da1"'

echo "== dsync: a message twice in a folder on db after a merge's deliveries"
# A delivery to db while dsync merged into the same folder can leave the
# message at two UIDs (dsync moves it out of a UID it wanted): after a
# merge into a domain it serves, db's agent keeps one copy of a GUID per
# folder among what was saved since the session began (and a margin).
# doveadm copy into the same folder makes such a pair here.
"$hkguest" exec db doveadm copy -u "$a" INBOX mailbox INBOX \
	header message-id '<b-new-1@hakomail.test>'
check_eq "db: one GUID twice in INBOX" "2 INBOX" \
	"$(guids db "$a" | uniq -c | awk '$1 > 1 { print $1, $2 }')"
copy dsync-catchup "$a"
check_eq "the merge: exit 0, both ok" "0 0 true true" \
	"$(cat "$tmp/rc") $(jq .ok "$tmp/a") $(jq .ok "$tmp/b")"
check "db: b-new-1 once again, every other message kept" \
	eval 'guids db "$a" | cmp -s - "$tmp/want"'
check "da unchanged" eval 'full da "$a" | cmp -s - "$tmp/da1"'
state=$(jq -r '.dsync.state' "$tmp/a")

echo "== dsync: dsync-catchup STATE, the last sync of a move"
# On db, a user moves a message the catch-up brought (its UID there is
# not da's: b-new-1 took it) and deletes another; da receives one more.
# A catch-up from the state of the one before brings that one alone.
"$hkguest" exec db doveadm move -u "$a" Work mailbox INBOX \
	header message-id '<a-new-1@hakomail.test>'
"$hkguest" exec db doveadm expunge -u "$a" mailbox Work \
	header message-id '<a-new-2@hakomail.test>'
save da "$a" INBOX a-late
msgids() {
	"$hkguest" exec "$1" doveadm -f tab fetch -u "$2" 'mailbox hdr.message-id' \
		mailbox '*' all | tail -n +2 | LC_ALL=C sort
}
want=$( { msgids db "$a"; printf 'INBOX\t<a-late@hakomail.test>\n'; } | LC_ALL=C sort)
copy dsync-catchup "$a" "$state"
check_eq "catch-up from the state: exit 0, ok" "0 0 true" "$(cat "$tmp/rc") $(jq .ok "$tmp/a")"
check_eq "db: the late message once, the user's move and delete left alone" \
	"$want" "$(msgids db "$a")"
agent_of da "dsync-catchup $a AQ;id" >"$tmp/ans" 2>"$tmp/err"; rc=$?
check_eq "a state that is not dsync's: exit 2, refused" "2 false" "$rc $(jq .ok "$tmp/ans")"
check "the refusal says what a state must be" grep -q "not dsync's" "$tmp/ans"

echo "== dsync: refusals over SSH"
agent_of db "dsync-server U@m.example" >"$tmp/ans" 2>/dev/null; rc=$?
check_eq "a bad address: exit 2, JSON refusal on stdout" "2 false" "$rc $(jq .ok "$tmp/ans")"
agent_of da "dsync-backup u@m.example x" >"$tmp/ans" 2>/dev/null; rc=$?
check_eq "extra words: exit 2, refused" "2 false" "$rc $(jq .ok "$tmp/ans")"
agent_of da "dsync-relay" >"$tmp/ans" 2>/dev/null; rc=$?
check_eq "dsync-relay over SSH: exit 2, refused" "2 false" "$rc $(jq .ok "$tmp/ans")"
check "its refusal names the verbs" grep -q 'dsync-catchup' "$tmp/ans"
agent_of da "dsync-backup nobody@m.example" >/dev/null 2>"$tmp/err"; rc=$?
check_eq "an unknown user: exit 1, ok:false on stderr" "1 false" "$rc $(tail -n1 "$tmp/err" | jq .ok)"
check "with doveadm's words" eval \
	'tail -n1 "$tmp/err" | jq -r .error | grep -q "^doveadm backup exited [0-9]*: .*[Uu]ser"'
agent_of db "dsync-server nobody@m.example" >/dev/null 2>"$tmp/err"; rc=$?
check_eq "dsync-server for an unknown user: exit 1, ok:false" "1 false" "$rc $(tail -n1 "$tmp/err" | jq .ok)"
check_eq "status still answers" true "$(agent_of da status | jq .ok)"

echo "== dsync: the copy of a mailbox of $bulk messages, timed"
"$hkguest" exec da doveadm mailbox create -u big@m.example Bulk
"$hkguest" exec da sh -c 'i=0; while [ $i -lt '"$bulk"' ]; do i=$((i + 1));
	printf "From: e2e@hakomail.test\r\nSubject: bulk-%d\r\n\r\n%0800d\r\n" $i 0 |
	doveadm save -u big@m.example -m Bulk || exit 1; done'
check_eq "da: big@m.example holds $bulk messages" "$bulk" "$(count da big@m.example Bulk)"
t0=$(now_ms)
copy dsync-backup big@m.example
t1=$(now_ms)
check_eq "copied: both ok, $bulk messages on db" "0 0 $bulk" \
	"$(cat "$tmp/rc") $(count db big@m.example Bulk)"
check_eq "da's answer counts them" "$bulk" "$(jq .dsync.messages "$tmp/a")"
echo "  time: dsync-backup of $bulk messages ($(jq .dsync.bytes "$tmp/a") bytes), relayed over two ssh sessions: $((t1 - t0)) ms wall; load $(cut -d' ' -f1-3 /proc/loadavg)"

np=$(grep -c ^PASS "$mine"); nf=$(grep -c ^FAIL "$mine")
echo "dsync.sh: $np passed, $nf failed"
exit 0
