#!/bin/bash
# SPDX-License-Identifier: ISC
# trash.sh - a deleted mailbox's mail follows it, on a real guest (Postfix,
# Dovecot, sshd and hakomail-agent in namespaces) behind a real panel:
#
#   mail delivered over SMTP to matsui@pc1.example; the mailbox deleted:
#   its maildir leaves its place at the next push (moved aside); a new
#   mailbox of the same address starts empty (IMAP: 0 messages); that one
#   deleted too; the first restored (by its trash id, through the API):
#   its mail is back under its old password; deleted once more, and pushd
#   run once under a clock moved past [guest] purge_after (faketime -f
#   +31d): every trash directory is gone and the space is free again (df
#   inside the guest, whose mail root is a tmpfs of its own so that
#   nothing else moves the figure).
#
#   A delta (40 neighbour mailboxes make one smaller than the whole) that
#   keeps the trash file leaves the trash as it is.
#
# Usage: trash.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
# HK_TRASH_GUEST (default tr1) and HK_TRASH_N (default 71) name the guest;
# HK_STATE, HK_LISTEN and HK_GUEST_ROOT as for every panel test.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: trash.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

guest=${HK_TRASH_GUEST:-tr1} n=${HK_TRASH_N:-71}
vhosts=/var/mail/vhosts trash=/var/mail/vhosts/.hakomail-trash
addr=matsui@pc1.example pw_old=old-password-1 pw_new=new-password-2
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "PASS ${HK_LABEL:+$HK_LABEL: }trash: $*" >>"$HK_RESULTS"; echo "  ok   - $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL ${HK_LABEL:+$HK_LABEL: }trash: $*" >>"$HK_RESULTS"; echo "  FAIL - $*"; }

# The messages of $addr in the agent's report, run in the guest.
reported_messages() {
	on_guest "$build/src/hakomail-agent" report |
		jq -r --arg a "$addr" '.report.mailboxes[] | select(.[0] == $a) | .[2]'
}

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

on_guest() { "$hkguest" exec "$guest" "$@"; }
used() { on_guest df -B1 --output=used "$vhosts" | tail -n 1 | tr -d ' '; }
in_sync() { until_ok 30 guest_in_sync "$guest"; }

send_big() {	# send_big RCPT SUBJECT: a message of about 3 MB
	{ printf 'From: trash@hakomail.test\r\nTo: %s\r\nSubject: %s\r\n\r\n' "$1" "$2"
	  head -c 2200000 /dev/urandom | base64 | sed 's/$/\r/'; } >"$tmp/msg"
	curl -s --max-time 30 "smtp://$ip" --mail-from trash@hakomail.test \
		--mail-rcpt "$1" -T "$tmp/msg"
}

messages() {	# messages PASSWORD: how many in matsui's INBOX
	curl -s --max-time 10 "imap://$ip/" -u "$addr:$1" \
		-X 'STATUS INBOX (MESSAGES)' 2>/dev/null |
		sed -n 's/.*(MESSAGES \([0-9]*\)).*/\1/p' | tr -d '\r'
}

has_subject() {	# has_subject PASSWORD SUBJECT
	curl -s --max-time 10 "imap://$ip/INBOX" -u "$addr:$1" \
		-X "SEARCH SUBJECT \"$2\"" 2>/dev/null | grep -Eq '^\* SEARCH [0-9]'
}

# delete_mailbox: deletes $addr by the CLI; prints its trash id.
delete_mailbox() { cli --json mailbox delete "$addr" | jq -r '.[0].id'; }

add_mailbox() { printf '%s\n' "$1" | cli mailbox add "$addr" --password-stdin >/dev/null; }

echo "== trash: a panel and guest $guest (database: ${HK_DB_URL:-SQLite})"
check "panel up" panel_up || { show_logs; exit 1; }
check "guest $guest up and pinned" guest_up "$guest" "$n" || { show_logs; exit 1; }
ip=$(guest_ip "$guest")
# The guest's mail root on a filesystem of its own: df measures only it.
check "the guest's mail root is a tmpfs of its own" \
	on_guest mount -t tmpfs -o size=64m,mode=0755,uid=5000,gid=5000 hk-trash "$vhosts"
cli domain add pc1.example --guest "$guest" >/dev/null
check "matsui@pc1.example added" add_mailbox "$pw_old"
# 40 neighbours: a change of one mailbox is then pushed as a delta (a
# guest of a few lines is sent whole, smaller than any delta)
{ echo address,password
  for i in $(seq 40); do echo "n$i@pc1.example,neighbour-password-$i"; done; } >"$tmp/n.csv"
check "40 other mailboxes imported" eval 'cli import mailboxes "$tmp/n.csv" >/dev/null'
check "$guest in sync" in_sync
used0=$(used)

echo "== trash: mail in, mailbox deleted: the maildir moves aside at once"
check "3 MB delivered over SMTP" send_big "$addr" first-mail
check "the message is in INBOX" until_ok 30 has_subject "$pw_old" first-mail
full=$(used)
check "the mail takes its space ($used0 -> $full bytes)" test $((full - used0)) -gt 2000000
id1=$(delete_mailbox)
check "deleted, trash id $id1" test "$id1" -gt 0
check "$guest in sync after the delete" in_sync
check "the maildir has left its place" eval '! on_guest test -e "$vhosts/pc1.example/matsui"' ||
	on_guest find "$vhosts" -maxdepth 4 -ls
check "it is in the trash as $id1" \
	eval 'on_guest find "$trash/$id1" -type f -path "*/cur/*" -o -type f -path "*/new/*" | grep -q .'
check_eq "the audit says where the mail went" "$id1" \
	"$(sql "SELECT detail FROM audit WHERE action = 'mailbox.delete' ORDER BY id DESC LIMIT 1" |
		jq -r '.before.trash.id')"

echo "== trash: a new mailbox of the same address starts empty"
check "matsui@pc1.example added again" add_mailbox "$pw_new"
check "$guest in sync" in_sync
# a delta that keeps the trash file: its ids are the served file's, not
# none (which purged every trash directory, and the next whole bundle
# moved the homes of those ids aside again)
check_eq "that push was a delta keeping the trash file" delta \
	"$(sql "SELECT bundle FROM push WHERE finished_ms IS NOT NULL ORDER BY id DESC LIMIT 1")"
check "trash $id1 stays through it" on_guest test -d "$trash/$id1/Maildir"
check "the new mailbox logs in" until_ok 30 imap_login "$ip" "$addr" "$pw_new"
check_eq "IMAP shows 0 messages" 0 "$(messages "$pw_new")"
check_eq "the agent's report counts 0 messages" 0 "$(reported_messages)"
id2=$(delete_mailbox)
check "the new one deleted too, trash id $id2" test "$id2" -gt "$id1"
check "$guest in sync" in_sync
check "trash $id2 is there" on_guest test -d "$trash/$id2" ||
	on_guest find "$vhosts" -maxdepth 4 -ls

echo "== trash: the first one restored: its mail is back"
api POST "mailboxes/$addr/restore?id=$id1"
[ "$STATUS" = 200 ] || echo "restore: $STATUS $BODY"
check_eq "POST /mailboxes/$addr/restore?id=$id1 answers 200" 200 "$STATUS"
check "$guest in sync after the restore" in_sync
check "its old password logs in" until_ok 30 imap_login "$ip" "$addr" "$pw_old"
check_eq "IMAP shows its 1 message" 1 "$(messages "$pw_old")"
check "the message is the first mail" has_subject "$pw_old" first-mail
check_eq "the report counts it again (Dovecot's usage file came back too)" \
	1 "$(reported_messages)"
check "trash $id1 has gone back" eval '! on_guest test -e "$trash/$id1"'
check "trash $id2 stays" on_guest test -d "$trash/$id2"
cli mailbox restore "$addr" --id "$id2" >/dev/null 2>"$tmp/err"
check_eq "restoring the other one over it is refused" "1 1" \
	"$? $(grep -c "mailbox $addr exists" "$tmp/err")"
check_eq "and audited once, the restore" 1 \
	"$(sql "SELECT COUNT(*) FROM audit WHERE action = 'mailbox.restore'")"

echo "== trash: past purge_after (pushd's clock moved 31 days on)"
id3=$(delete_mailbox)
check "deleted again, trash id $id3" test "$id3" -gt "$id2"
check "$guest in sync" in_sync
check "its mail is in trash $id3" on_guest test -d "$trash/$id3/Maildir/cur"
check "the space is still taken" test $(($(used) - used0)) -gt 2000000
pid=$(pushd_pid)
kill -TERM "$pid"
check "pushd stopped" until_ok 20 eval '! kill -0 "$pid" 2>/dev/null'
check "pushd -1 under faketime +31d pushes and exits 0" eval \
	'faketime -f +31d "$HK_BIN/hakomail-pushd" -c "$HK_STATE/hakomail.conf" -1 >>"$HK_STATE/log/pushd.log" 2>&1'
check "$guest in sync" in_sync
check_eq "every trash directory is gone" "" "$(on_guest ls -A "$trash")"
after=$(used)
check "the space returned ($full -> $after bytes; $used0 before any mail)" \
	test $((after - used0)) -lt 262144
check_eq "two purges in the audit, by pushd (a restored one is none)" 2 \
	"$(sql "SELECT COUNT(*) FROM audit WHERE action = 'mailbox.purge' AND via = 'pushd'")"
check_eq "nothing left in the trash" "[]" "$(cli --json mailbox trash pc1.example | jq -c .)"
cli mailbox restore "$addr" >/dev/null 2>&1
check_eq "nothing to restore any more" 1 "$?"

[ "$nfail" -eq 0 ] || show_logs
echo "trash: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
