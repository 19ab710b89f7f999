#!/bin/bash
# SPDX-License-Identifier: ISC
# move.sh - a domain moved, with its mail, from one guest to another
# (issue 17), on real guests (Postfix, Dovecot, sshd and the agent), by
# the real pushd, started through the API:
#
#  1. refusals: a guest of another project, the same guest, an owner, a
#     domain already moving, a guest without room (dry run and move, the
#     shortfall named): nothing changes;
#  2. m.example (50 mailboxes, mail in INBOX, Work and Archive, some read,
#     flagged or with a keyword) moved from g1 to g2 while mail is sent to
#     g1 all through the move and to g2 after it, and IMAP logins are tried
#     on both guests all along: every message ends on g2 exactly once with
#     its folder and flags (doveadm fetch), every SMTP transaction was
#     accepted, no login was taken by g1 once g2 had taken one (how long
#     neither took one is bench/move.sh's to measure); old passwords log
#     in on g2, not on g1; what users do on g2 in the relay time (a
#     message moved, one deleted) survives the last sync, which brings
#     over what reached g1's mailbox after the catch-up; after the relay
#     time g1 has neither relay nor mail of the domain;
#  3. the same domain moved back to g1 with pushd SIGKILLed (and started
#     again) at random points, at least 10 times: it completes and the
#     checks of 2 hold;
#  4. k.example moved to g2 while g2 is halted in the middle of the copy:
#     the move waits, says why, and completes once g2 is back;
#  5. j.example's move cancelled in the middle of the copy: g2's copy is
#     removed, nothing changed on g1.
#
# Guests g1, g2 (HK_MOVE_N, +1; default 101, 102), small (+2, a 4 MB mail
# filesystem) in project lab, other (+3) in project other.
#
# Usage: move.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: move.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
n1=${HK_MOVE_N:-101}
mailboxes=${HK_MOVE_MAILBOXES:-50}

mine=$tmp/results
: >"$mine"
outer=$HK_RESULTS
HK_RESULTS=$mine
bg=()

cleanup() {
	kill_children "${bg[@]}"
	for p in "${bg[@]}"; do wait "$p" 2>/dev/null; done
	panel_down
	cat "$mine" >>"$outer"
	rm -rf "$tmp"
}
trap cleanup EXIT

# retry_max: a move that failed while its target was down tries again
# within seconds of its return, as the test waits, not minutes later
export HK_PUSHD_CONF="timeout = 20
stagger_ms = 0
retry_max = 8
[move]
relay_days = 1"

echo "== move: a panel, guests g1 and g2, a small guest and another project's"
panel_up || { fail "panel up"; exit 1; }
guest_up g1 "$n1" && guest_up g2 $((n1 + 1)) || { fail "guests up"; exit 1; }
HK_GUEST_MAILFS_MB=4 guest_up small $((n1 + 2)) || { fail "small guest"; exit 1; }
cli project add other >/dev/null
ip=$("$hkguest" start other $((n1 + 3))) && cli guest add other --project other \
	--host "$ip" --host-key-file "$HK_GUEST_ROOT/other/host_key.pub" >/dev/null ||
	{ fail "guest of project other"; exit 1; }
g1=$(guest_ip g1)
g2=$(guest_ip g2)

# --- helpers ---

# move_of ID FIELD: a field of GET /moves/ID
move_of() {
	local BODY STATUS
	api GET "moves/$1"
	jq -r --arg f "$2" '.[$f] // empty' <<<"$BODY"
}

moved() { [ "$(move_of "$1" phase)" = "$2" ]; }

# reaches ID PHASE: until move ID is in PHASE.  It gives up when the move
# stood still for 180 s (phase, step, mailboxes, messages and bytes done
# all as they were), not after a fixed time: a loaded machine's copies
# are slow, and a move that is stuck is what should fail.
reaches() {
	local last= now since=$SECONDS
	until moved "$1" "$2"; do
		now=$(sql "SELECT phase || ' ' || step || ' ' || mailboxes_done ||
			' ' || messages_done || ' ' || bytes_done FROM domain_move
			WHERE id = $1")
		if [ "$now" != "$last" ]; then
			last=$now since=$SECONDS
		elif [ $((SECONDS - since)) -ge 180 ]; then
			return 1
		fi
		sleep 1
	done
}

# move_story ID: where a move that did not end stands, and what pushd said
move_story() {
	local BODY STATUS
	api GET "moves/$1"
	jq -c '{phase, error, mailboxes_done, mailboxes_total, cancel_requested}' \
		<<<"$BODY" 2>/dev/null | sed 's/^/    move: /'
	sql "SELECT 'step ' || step || ', failures ' || failures || ', due in ' ||
		(next_at - $(date +%s)) || ' s, lease ' || COALESCE(lease_node, '-') ||
		' for ' || (lease_until - $(date +%s)) || ' s' FROM domain_move
		WHERE id = $1" | sed 's/^/    move: /'
	echo "    pushd running: $(pushd_pid || echo no), $(grep -c ' started: ' \
		"$HK_STATE"/log/pushd.log) starts"
	grep -h -i -e move -e error -e warn -e took "$HK_STATE"/log/pushd*.log 2>/dev/null |
		tail -n 12 | cut -c1-220 | sed 's/^/    pushd: /'
}

# start_move DOMAIN GUEST: POST .../move; MOVE gets the id
start_move() {
	api POST "domains/$1/move" "{\"to\":\"$2\"}"
	MOVE=$(jq -r '.id // empty' <<<"$BODY")
	[ "$STATUS" = 202 ] && [ -n "$MOVE" ]
}

# send HOST RCPT ID: one message by SMTP, Message-ID <ID@move.test>;
# logs "ID ok" or "ID refused: when, what curl said" to $tmp/sent
send() {
	local said
	if said=$(printf 'From: m@hakomail.test\nSubject: %s\nMessage-ID: <%s@move.test>\n\nsent to %s for %s\n' \
		"$3" "$3" "$1" "$2" | curl -sS --max-time 15 "smtp://$1" \
		--mail-from m@hakomail.test --mail-rcpt "$2" -T - 2>&1 >/dev/null)
	then echo "$3 ok" >>"$tmp/sent"
	else echo "$3 refused: $(date +%T.%3N) ${said//$'\n'/ }" >>"$tmp/sent"
	fi
}

# listing GUEST DOMAIN N: every message of the domain's u1..uN, one line
# each: "address<TAB>mailbox<TAB>message-id<TAB>flags" (\Recent aside)
listing() {
	local i
	for ((i = 1; i <= $3; i++)); do
		"$hkguest" exec "$1" doveadm -f tab fetch -u "u$i@$2" \
			'mailbox hdr.message-id flags' mailbox '*' all 2>/dev/null |
			tail -n +2 | sed -E "s/\\\\Recent ?//; s/ $//; s/^/u$i@$2\t/"
	done | LC_ALL=C sort
}

# dup_story GUEST LISTING: for a message the listing holds more than
# once, where each copy came from (uids, GUIDs, when saved; the guests'
# logs naming it), so a failure says what doubled it
dup_story() {
	local id a t g
	awk -F'\t' '{print $1 "\t" $3}' <<<"$2" | LC_ALL=C sort | uniq -d |
	while IFS=$'\t' read -r a id; do
		t=${id#<}; t=${t%@*}
		echo "    $id twice for $a on $1; sent: $(grep "^$t " "$tmp/sent" | head -1)"
		"$hkguest" exec "$1" doveadm -f tab fetch -u "$a" \
			'uid guid mailbox date.received date.saved' header message-id "$id" 2>&1 |
			sed 's/^/      /'
		for g in g1 g2; do
			"$hkguest" exec "$g" sh -c 'grep -F "$1" /var/log/dovecot.log
				q=$(grep -F "message-id=$1" /var/log/postfix.log |
					sed -n "s/.*: \([0-9A-F]*\): message-id=.*/\1/p")
				for q in $q; do grep -F " $q: " /var/log/postfix.log; done' sh "$id" 2>/dev/null |
				sed "s/^/      $g: /" | head -30
		done
	done
}

# seed DOMAIN GUEST N: N mailboxes with mail in three folders and flags
seed() {
	local d=$1 g=$2 n=$3 i ip
	ip=$(guest_ip "$g")
	{
		echo address,password
		for ((i = 1; i <= n; i++)); do echo "u$i@$d,old-password-$i-$d"; done
	} >"$tmp/$d.csv"
	cli import mailboxes "$tmp/$d.csv" --create-domains-on "$g" >/dev/null || return 1
	until_ok 60 guest_in_sync "$g" || return 1
	for ((i = 1; i <= n; i++)); do
		send "$ip" "u$i@$d" "seed-$d-$i-inbox"
		for f in Work Archive; do
			"$hkguest" exec "$g" doveadm mailbox create -u "u$i@$d" "$f" 2>/dev/null
			printf 'From: s@hakomail.test\nSubject: %s\nMessage-ID: <seed-%s-%s-%s@move.test>\n\nin %s\n' \
				"$f" "$d" "$i" "$f" "$f" |
				"$hkguest" exec "$g" doveadm save -u "u$i@$d" -m "$f" || return 1
		done
		((i % 2)) || "$hkguest" exec "$g" doveadm flags add -u "u$i@$d" '\Seen' mailbox INBOX all
		((i % 3)) || "$hkguest" exec "$g" doveadm flags add -u "u$i@$d" '\Flagged' mailbox Work all
		((i % 5)) || "$hkguest" exec "$g" doveadm flags add -u "u$i@$d" '$Label1' mailbox Archive all
	done
	until_ok 60 eval "[ \$(listing $g $d $n | wc -l) -ge \$((3 * n)) ]"
}

# refused NAME DOMAIN BODY STATUS REASON [KEY]: the move is refused so,
# and nothing of the domain changed
refused() {
	local before after k=${6:-$KEY}
	before=$(sql "SELECT d.guest_id, (SELECT COUNT(*) FROM domain_move),
		(SELECT desired_gen FROM guest WHERE name = 'g2') FROM domain d
		WHERE d.name = '$2'")
	STATUS=$(curl -sS -o "$tmp/body" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $k" -H 'Content-Type: application/json' \
		--data-binary "$3" "$base/domains/$2/move")
	BODY=$(cat "$tmp/body")
	after=$(sql "SELECT d.guest_id, (SELECT COUNT(*) FROM domain_move),
		(SELECT desired_gen FROM guest WHERE name = 'g2') FROM domain d
		WHERE d.name = '$2'")
	check_eq "$1" "$4 $5 $before" \
		"$STATUS $(jq -r '.error.reason' <<<"$BODY") $after"
}

echo "== move: refusals, nothing changed"
seed m.example g1 "$mailboxes" || fail "seed m.example"
cli mailbox add big@m.example --password-stdin <<<"big-mailbox-password" >/dev/null
until_ok 30 guest_in_sync g1
# 5 MB in one mailbox: more than the small guest's 4 MB
head -c 5000000 /dev/urandom | base64 -w 76 | { printf 'Subject: big\nMessage-ID: <big@move.test>\n\n'; cat; } |
	"$hkguest" exec g1 doveadm save -u big@m.example
before_move=$(listing g1 m.example "$mailboxes")
check_eq "seeded: $mailboxes mailboxes, 3 messages each, on g1" $((3 * mailboxes)) \
	"$(wc -l <<<"$before_move")"
# the panel knows the domain's size from g1's report, the small guest's
# room from its own (a report is asked at once by setting it due)
reported() {
	[ "$(sql "SELECT CASE WHEN COALESCE(SUM(u.used_bytes), 0) > 5000000
		THEN 1 ELSE 0 END FROM mailbox_usage u")" = 1 ] &&
	[ -n "$(sql "SELECT r.at FROM guest_report r JOIN guest g ON g.id =
		r.guest_id WHERE g.name = 'small'")" ]
}
sql "UPDATE guest SET report_at = 0"
cli push >/dev/null
check "g1 and the small guest reported" until_ok 90 reported
refused "to a guest of another project: 400, nothing changed" m.example '{"to":"other"}' 400 move_other_project
refused "to its own guest: 400, nothing changed" m.example '{"to":"g1"}' 400 move_same_guest
refused "to no such guest: 404" m.example '{"to":"nosuch"}' 404 no_guest
refused "a body with an unknown member: 400" m.example '{"to":"g2","x":1}' 400 unknown_field
echo owner-password-12 | cli account add tanaka --owner lab --password-stdin >/dev/null
okey=$(cli apikey create --login tanaka)
refused "by an owner: 403, nothing changed" m.example '{"to":"g2"}' 403 operator_only "$okey"
refused "a dry run to a guest without room: 403, the shortfall named" m.example \
	'{"to":"small","dry_run":true}' 403 move_no_room
check "the refusal says how much is missing" \
	eval 'jq -e ".error.message | test(\"short\")" <<<"$BODY" >/dev/null'
refused "a move to a guest without room: 403" m.example '{"to":"small"}' 403 move_no_room
api POST domains/m.example/move '{"to":"g2","dry_run":true}'
check_eq "a dry run to g2: 200, room, the bytes to copy, nothing started" \
	"200 true 0" "$STATUS $(jq -r '.room' <<<"$BODY") $(sql 'SELECT COUNT(*) FROM domain_move')"

# probe GUEST K: IMAP logins with u1's old password in a loop, one line a
# try: "BEGIN_MS END_MS GUEST OK" into $tmp/logins.GUEST.K.  A refused
# login is answered after Dovecot's failure delay (seconds), so several
# probes run at once on each guest, started apart, to see the change soon.
probe() {
	local ip b ok
	ip=$(guest_ip "$1")
	sleep "0.$((2 * $2))"
	while :; do
		b=$(now_ms)
		imap_login "$ip" u1@m.example old-password-1-m.example && ok=1 || ok=0
		echo "$b $(now_ms) $1 $ok"
		sleep 0.1
	done >"$tmp/logins.$1.$2"
}

# login_window: from the last login g1 took (its try's start) to the
# first g2 took (its try's end), in ms, an upper bound of the time
# neither took one; and how many logins g1 took that began after g2 had
# taken one (both guests taking logins: must be none)
login_window() {
	cat "$tmp"/logins.* | LC_ALL=C sort -n | awk '
		$3 == "g2" && $4 == 1 && (t2 == "" || $2 < t2) { t2 = $2 }
		{ rows[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				split(rows[i], f, " ")
				if (f[3] != "g1" || f[4] != 1) continue
				if (t2 != "" && f[1] > t2) both++
				else if (f[1] > last1) last1 = f[1]
			}
			print (t2 == "" || last1 == "" ? -1 : t2 - last1), both + 0
		}'
}

# sender HOST TAG: a message to a mailbox of m.example every 100 ms
sender() {
	local k=0
	while [ ! -e "$tmp/stop-$2" ]; do
		k=$((k + 1))
		send "$1" "u$((k % mailboxes + 1))@m.example" "$2-$k"
		sleep 0.1
	done
}

# login_gap: the longest stretch in which neither guest took the login,
# in ms, and whether any round saw both take it
login_gap() {
	awk 'BEGIN { last = -1; gap = 0; both = 0 }
	     { if ($2 + $3 == 2) both++
	       if ($2 + $3 >= 1) { if (last >= 0 && start > 0 && $1 - start > gap) gap = $1 - start
	                           start = 0; last = $1 }
	       else if (start == 0) start = last >= 0 ? last : $1 }
	     END { print gap, both }' "$tmp/logins"
}

echo "== move: m.example from g1 to g2, mail and logins all along"
: >"$tmp/sent"
for k in 0 1 2 3 4; do
	probe g1 "$k" & bg+=($!)
	probe g2 "$k" & bg+=($!)
done
until_ok 10 eval 'grep -qs " g1 1$" "$tmp"/logins.g1.*'
sender "$g1" during & bg+=($!)
sleep 1
check "POST /domains/m.example/move to g2: 202 with the move" start_move m.example g2
m1=$MOVE
check_eq "the move shows its phase, what it copies, and no error" "copy $((mailboxes + 1))" \
	"$(move_of "$m1" phase) $(move_of "$m1" mailboxes_total)"
api POST domains/m.example/move '{"to":"g2"}'
check_eq "a second move of the moving domain: 409 domain_moving" "409 domain_moving" \
	"$STATUS $(jq -r .error.reason <<<"$BODY")"
check "the move reaches relay (cut over, caught up)" reaches "$m1" relay
check_eq "the domain is g2's from the cut-over on" g2 \
	"$(sql "SELECT g.name FROM domain d JOIN guest g ON g.id = d.guest_id WHERE d.name = 'm.example'")"
touch "$tmp/stop-during"
until_ok 10 eval 'grep -q " g2 1$" "$tmp"/logins.g2.*'
for p in "${bg[@]:0:10}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
read -r gap both < <(login_window)
# (how long, is bench/move.sh's to measure: here only that it ended)
echo "    logins: g1 last taken to g2 first taken: $gap ms (upper bound)"
check_eq "no login taken by g1 after g2 took one" 0 "$both"
check "g1 took logins before the cut-over, g2 after it" test "$gap" -ge 0
# after the cut-over: to g1 (relayed to g2) and to g2
for k in 1 2 3 4 5; do send "$g1" "u$k@m.example" "after-g1-$k"; done
for k in 1 2 3 4 5; do send "$g2" "u$k@m.example" "after-g2-$k"; done
check_eq "every SMTP transaction accepted, to g1 and to g2" 0 "$(grep -c refused "$tmp/sent")"
grep refused "$tmp/sent" | head -5 | sed 's/^/    /'
check "g1 relays m.example: its transport map names g2" \
	eval '"$hkguest" exec g1 postmap -q m.example cdb:/var/lib/hakomail/current/transport | grep -qF "[$g2]:25"'
check "g1's queue holds nothing for m.example" until_ok 60 \
	eval '! "$hkguest" exec g1 postqueue -p | grep -q "@m.example"'
check "old passwords log in on g2" imap_login "$g2" u7@m.example old-password-7-m.example
check "and not on g1" eval '! imap_login "$g1" u7@m.example old-password-7-m.example'
# in the relay time: users at work on g2 (a message moved to another
# folder, one deleted), and a message that reached g1's mailbox after the
# catch-up (as a delivery under way at the switch would)
"$hkguest" exec g2 doveadm move -u u2@m.example Archive mailbox Work \
	header message-id '<seed-m.example-2-Work@move.test>'
"$hkguest" exec g2 doveadm expunge -u u4@m.example mailbox INBOX \
	header message-id '<seed-m.example-4-inbox@move.test>'
printf 'From: s@hakomail.test\nSubject: late\nMessage-ID: <late-g1@move.test>\n\nlate\n' |
	"$hkguest" exec g1 doveadm save -u u3@m.example
# the relay time ends now: the last sync, g1's relay and copy go
sql "UPDATE domain_move SET finish_at = 0, next_at = 0 WHERE id = $m1"
cli push >/dev/null
check "the move ends: done" until_ok 120 moved "$m1" done

# every message sent and seeded, on g2, once, in its folder with its flags
after=$(listing g2 m.example "$mailboxes")
check_eq "every message seeded is on g2 in its folder with its flags, as users left them on g2" \
	"$(sed -e '/<seed-m.example-4-inbox@/d' \
		-e 's/^\(u2@m.example\t\)Work\(\t<seed-m.example-2-Work@\)/\1Archive\2/' \
		<<<"$before_move" | LC_ALL=C sort)" \
	"$(grep 'seed-' <<<"$after")"
check_eq "what reached g1 after the catch-up is on g2, once" \
	$'u3@m.example\tINBOX\t<late-g1@move.test>\t' "$(grep '<late-g1@' <<<"$after")"
expected=$(awk '{print $1}' "$tmp/sent" | LC_ALL=C sort)
got=$(awk -F'\t' '{print $3}' <<<"$after" | sed -n 's/^<\(.*\)@move\.test>$/\1/p' |
	grep -v -e '^seed-' -e '^late-' | LC_ALL=C sort)
check_eq "every message sent during the move is on g2 exactly once ($(wc -l <"$tmp/sent"))" \
	"$expected" "$got"
[ "$expected" = "$got" ] || dup_story g2 "$after"
check_eq "g1 serves nothing of m.example any more" "0 0 0" \
	"$("$hkguest" exec g1 sh -c 'cd /var/lib/hakomail/current && grep -c m.example relay_domains transport' | awk -F: '{printf "%s ", $2}'; guest_passwd g1 | grep -c m.example)"
check "g1's copy of the mail is in its trash" \
	eval '"$hkguest" exec g1 sh -c "ls /var/mail/vhosts/.hakomail-trash | wc -l" | grep -qv "^0$"'
check "g1's copy is not under the domain any more" \
	eval '! "$hkguest" exec g1 test -d /var/mail/vhosts/m.example/u1'
check_eq "each phase in the audit log" "domain.move domain.move.cutover domain.move.cutover domain.move.catchup domain.move.relay domain.move.finish domain.move.done" \
	"$(sql "SELECT action FROM audit WHERE action LIKE 'domain.move%' ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"

echo "== move: m.example back to g1, pushd SIGKILLed all along"
before_back=$(listing g2 m.example "$mailboxes")
check "POST /domains/m.example/move to g1: 202" start_move m.example g1
m2=$MOVE
kills=0
# kill_pushd: SIGKILL the running pushd and start another
kill_pushd() {
	local pid
	pid=$(pushd_pid)
	kill -KILL "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	(pushd_restart)	# not this shell's job: no "Killed" notes
	kills=$((kills + 1))
}
# killing STOP_PHASE: kill at random moments (0.2 to 0.9 s apart: a
# copy, a cut-over push, a record may be cut short) until the move
# reaches STOP_PHASE (or 80 kills)
killing() {
	while ! moved "$m2" "$1" && [ $kills -lt 80 ]; do
		sleep "0.$((RANDOM % 8 + 2))"
		kill_pushd
	done
}
killing relay
# the relay time is cut short only once the move is in it: entering relay
# sets finish_at (a loaded machine's 80 kills can end before that)
reaches "$m2" relay; rc=$?
check "the move reaches relay (after $kills kills)" test "$rc" = 0
[ "$rc" = 0 ] || move_story "$m2"
sql "UPDATE domain_move SET finish_at = 0, next_at = 0 WHERE id = $m2"
cli push >/dev/null
killing done
check "pushd was SIGKILLed at least 10 times through the move ($kills)" test "$kills" -ge 10
reaches "$m2" done; rc=$?
check "the move completes: done" test "$rc" = 0
[ "$rc" = 0 ] || move_story "$m2"
back=$(listing g1 m.example "$mailboxes")
check_eq "every message is on g1 once, in its folder with its flags" "$before_back" "$back"
[ "$before_back" = "$back" ] || dup_story g1 "$back"
check "old passwords log in on g1 again" imap_login "$g1" u3@m.example old-password-3-m.example
check "and not on g2" eval '! imap_login "$g2" u3@m.example old-password-3-m.example'
check_eq "a step done is never redone: one catch-up entry in the audit log" 1 \
	"$(sql "SELECT COUNT(*) FROM audit WHERE action = 'domain.move.catchup' AND detail LIKE '%\"move\":$m2,%'")"

echo "== move: k.example to g2, g2 halted in the middle of the copy"
seed k.example g1 12 || fail "seed k.example"
k_before=$(listing g1 k.example 12)
check "POST /domains/k.example/move to g2: 202" start_move k.example g2
m3=$MOVE
until_soon 60 eval '[ "$(move_of "$m3" mailboxes_done)" -ge 1 ]'
"$hkguest" halt g2 >/dev/null 2>&1
# (The copy's last batch may end before g2 is down: then the cut-over,
# which needs g2 to take the mail, is what waits.)
waits() { case $(move_of "$m3" phase) in copy|cutover) [ -n "$(move_of "$m3" error)" ] ;; *) false ;; esac; }
check "while g2 is down the move waits in its copy (or its cut-over), saying why" \
	until_ok 120 waits
echo "    waiting in $(move_of "$m3" phase) on: $(move_of "$m3" error | cut -c1-160)"
"$hkguest" start g2 $((n1 + 1)) >/dev/null
sql "UPDATE domain_move SET next_at = 0 WHERE id = $m3"
cli push >/dev/null
check "g2 back: the move resumes and reaches relay" reaches "$m3" relay
check_eq "every message of k.example is on g2, once, with its flags" "$k_before" \
	"$(listing g2 k.example 12)"
check_eq "the error it waited on is gone" "" "$(move_of "$m3" error)"

echo "== move: j.example to g2, cancelled in the middle of the copy"
seed j.example g1 12 || fail "seed j.example"
j_before=$(listing g1 j.example 12)
# The copy is held in its middle, not raced: on g2 a file stands where
# u12's home (the last copied, by id) would be made, so its copy fails
# and the move waits in its copy, the others copied.  (Cancelling once
# the first was copied lost the race when the copy, its catch-up and
# the cut-over ended first, in two full runs.)
"$hkguest" exec g2 sh -c 'install -d -o 5000 -g 5000 /var/mail/vhosts/j.example &&
	install -o 5000 -g 5000 /dev/null /var/mail/vhosts/j.example/u12' ||
	fail "a file in u12's way on g2"
check "POST /domains/j.example/move to g2: 202" start_move j.example g2
m4=$MOVE
held() { [ "$(move_of "$m4" phase)" = copy ] &&
	 [ "$(move_of "$m4" mailboxes_done)" -ge 1 ] &&
	 move_of "$m4" error | grep -q 'u12@j\.example'; }
check "the copy waits on u12, the others copied" until_ok 120 held
api POST "moves/$m4/cancel"
check_eq "POST /moves/ID/cancel in the copy: 200, cancel asked" "200 true" \
	"$STATUS $(jq -r .cancel_requested <<<"$BODY")"
"$hkguest" exec g2 rm -f /var/mail/vhosts/j.example/u12
check "the move ends cancelled" until_ok 60 moved "$m4" cancelled
check "g2's copy of j.example is removed" until_ok 60 \
	eval '[ -z "$("$hkguest" exec g2 sh -c "ls /var/mail/vhosts/j.example 2>/dev/null")" ] &&
	      [ "$("$hkguest" exec g2 sh -c "ls /var/mail/vhosts/.hakomail-trash | wc -l")" = \
	        "$(sql "SELECT COUNT(*) FROM mailbox_trash t JOIN guest g ON g.id = t.guest_id WHERE g.name = '"'g2'"'")" ]'
check_eq "nothing changed for j.example's users: on g1, every message, its flags" "$j_before" \
	"$(listing g1 j.example 12)"
check "and they log in on g1" imap_login "$g1" u2@j.example old-password-2-j.example
check_eq "j.example is still g1's" g1 \
	"$(sql "SELECT g.name FROM domain d JOIN guest g ON g.id = d.guest_id WHERE d.name = 'j.example'")"
api POST "moves/$m4/cancel"
check_eq "cancelling an ended move: 409" "409 move_past_cutover" \
	"$STATUS $(jq -r .error.reason <<<"$BODY")"
