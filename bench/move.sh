#!/bin/bash
# SPDX-License-Identifier: ISC
# move.sh - how fast a domain move copies mail (issue 17: >= 50 % of
# `doveadm backup` run directly between the same two guests' maildirs,
# for 1,000 mailboxes of 100 small messages each, measured in one run).
#
# A real panel (deploy/panel.sh) and two real guests (tests/guest/hkguest).
# b.example gets HK_BENCH_MAILBOXES (1000) mailboxes on guest b1, each with
# HK_BENCH_MESSAGES (100) messages of about 700 bytes written into its
# Maildir, then indexed by Dovecot once (`doveadm mailbox status -A`) so
# that neither measurement pays the first indexing.  Then:
#
#   yardstick  `doveadm backup` of each mailbox from b1's maildir into a
#              maildir on b2's filesystem, run on the host as the mail
#              user, one process a mailbox, HK_BENCH_PARALLEL (2) at once;
#   move       the domain moved to b2 through the API; the time from the
#              request to the end of its copy phase (pushd's two ssh
#              sessions a mailbox, the agents' doveadm backup and
#              dsync-server, the bytes carried by pushd), [move] parallel
#              = HK_BENCH_PARALLEL.
#
# Prints both, the bytes, and yardstick / move (the goal: >= 0.5), with
# the load.  Then the cut-over: c.example (HK_BENCH_CUT_MAILBOXES, 20) is
# moved from b1 to b2 while a message is sent to b1 every 100 ms and IMAP
# logins are tried on both guests (five probes each, started apart: a
# refused login is answered only after Dovecot's failure delay); prints
# how long neither guest took a login (goal <= 2 s; an upper bound: from
# the start of b1's last login taken to the end of b2's first) and how
# many messages were refused (goal 0) and delivered on b2.  A benchmark is not a test: a MISS exits 0; non-zero means it
# could not run.
#
# Measured 2026-12-03 (2 cores, load 2-4): yardstick 134.2 s, move
# 178.5 s, ratio 0.75 (an earlier run 158.4 / 196.6 s, 0.81); the
# cut-over: logins refused on both guests at most 1484 ms, 44 messages
# sent through the move, 0 refused, 44 delivered on b2.
#
#   bench/move.sh BUILDDIR    (as root, after make)
#
# HK_STATE, HK_LISTEN and HK_GUEST_ROOT (default under /run/hk-bench-move)
# and HK_BENCH_N (63: guests 63 and 64) keep it out of other runs' way.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
: "${HK_STATE:=/run/hk-bench-move/panel}" "${HK_LISTEN:=127.0.0.1:18595}"
: "${HK_GUEST_ROOT:=/run/hk-bench-move/guests}"
tmp=$(mktemp -d /var/tmp/hk-bench-move-XXXXXX)
chmod 0755 "$tmp"	# the yardstick runs as the mail user
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
mailboxes=${HK_BENCH_MAILBOXES:-1000} per=${HK_BENCH_MESSAGES:-100}
cmail=${HK_BENCH_CUT_MAILBOXES:-20}
n1=${HK_BENCH_N:-63} par=${HK_BENCH_PARALLEL:-2}
export HK_PUSHD_CONF="timeout = 120
stagger_ms = 0
[move]
relay_days = 1
parallel = $par"

cleanup() { set +e; panel_down; rm -rf "$tmp"; }
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "=== panel and guests b1, b2 (N=$n1, $((n1 + 1))) under $HK_GUEST_ROOT"
panel_up
guest_up b1 "$n1"
guest_up b2 $((n1 + 1))

echo "=== b.example: $mailboxes mailboxes on b1, $per messages each"
{
	echo address,password
	for ((i = 1; i <= mailboxes; i++)); do echo "u$i@b.example,bench-password-$i"; done
} >"$tmp/b.csv"
cli import mailboxes "$tmp/b.csv" --create-domains-on b1 >/dev/null
until_ok 120 guest_in_sync b1
python3 - "$HK_GUEST_ROOT/b1/root/var/mail/vhosts/b.example" "$mailboxes" "$per" <<'EOF'
import os, sys
root, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = "x" * 600
for i in range(1, n + 1):
    md = os.path.join(root, "u%d" % i, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub), exist_ok=True)
    for k in range(per):
        text = ("From: bench@hakomail.test\nTo: u%d@b.example\n"
                "Subject: message %d\nMessage-ID: <%d.%d@bench.test>\n\n%s\n"
                % (i, k, i, k, body))
        name = "1700000000.M%dP%d.b1,S=%d:2,%s" % (k, i, len(text),
                                                  "S" if k % 2 else "")
        with open(os.path.join(md, "cur", name), "w") as f:
            f.write(text)
    for d, _, files in os.walk(os.path.join(root, "u%d" % i)):
        os.chown(d, 5000, 5000)
        for f in files:
            os.chown(os.path.join(d, f), 5000, 5000)
os.chown(root, 5000, 5000)
EOF
"$hkguest" exec b1 doveadm -f tab mailbox status -A messages INBOX >"$tmp/status"
echo "indexed: $(awk 'NR > 1 { s += $NF } END { print s }' "$tmp/status") messages"

echo "=== yardstick: doveadm backup from b1's maildirs into b2's filesystem"
src=$HK_GUEST_ROOT/b1/root/var/mail/vhosts/b.example
dst=$HK_GUEST_ROOT/b2/root/var/mail/vhosts/yardstick
mkdir -p "$dst" "$tmp/dove"
chown 5000:5000 "$dst" "$tmp/dove"
cat >"$tmp/dove.conf" <<EOF
mail_location = maildir:/nonexistent
first_valid_uid = 5000
base_dir = $tmp/dove
log_path = /dev/stderr
ssl = no
EOF
chmod 0644 "$tmp/dove.conf"
yard() {	# yard N: one mailbox, as the mail user
	setpriv --reuid 5000 --regid 5000 --clear-groups env -i \
		HOME="$dst/u$1" USER="u$1" PATH=/usr/bin:/bin \
		doveadm -c "$tmp/dove.conf" -o "mail_location=maildir:$src/u$1/Maildir" \
		backup "maildir:$dst/u$1/Maildir"
}
export -f yard
export src dst tmp
t0=$(now_ms)
seq 1 "$mailboxes" | xargs -P "$par" -I{} bash -c 'yard {}'
yard_ms=$(($(now_ms) - t0))
yard_n=$(find "$dst" \( -path '*/cur/*' -o -path '*/new/*' \) -type f | wc -l)
echo "yardstick: $yard_n messages in $yard_ms ms (load $(load))"

echo "=== the move: b.example to b2 through the API, pushd carrying dsync"
t0=$(now_ms)
api POST domains/b.example/move '{"to":"b2"}'
[ "$STATUS" = 202 ] || { echo "move refused: $BODY" >&2; exit 1; }
id=$(jq -r .id <<<"$BODY")
copying() { api GET "moves/$id"; [ "$(jq -r .phase <<<"$BODY")" = copy ]; }
while copying; do sleep 0.2; done
move_ms=$(($(now_ms) - t0))
phase=$(jq -r .phase <<<"$BODY")
moved_n=0
for ((i = 1; i <= mailboxes; i++)); do
	moved_n=$((moved_n + $(find "$HK_GUEST_ROOT/b2/root/var/mail/vhosts/b.example/u$i/Maildir" \
		\( -path '*/cur/*' -o -path '*/new/*' \) -type f 2>/dev/null | wc -l)))
done
echo "move: copy phase over ($phase) in $move_ms ms, $moved_n messages on b2 (load $(load))"
[ "$phase" != failed ] || { echo "the move failed: $(jq -r .error <<<"$BODY")" >&2; exit 1; }
awk -v y="$yard_ms" -v m="$move_ms" -v n="$yard_n" -v k="$moved_n" 'BEGIN {
	r = y / m
	printf "yardstick %.1f s (%.0f msg/s), move %.1f s (%.0f msg/s): ratio %.2f (goal >= 0.50) %s\n",
		y / 1000, n / (y / 1000), m / 1000, k / (m / 1000), r, (r >= 0.5 ? "MET" : "MISS")
}'

echo "=== the cut-over: c.example ($cmail mailboxes) to b2, mail and logins tried all along"
{
	echo address,password
	for ((i = 1; i <= cmail; i++)); do echo "u$i@c.example,cut-password-$i"; done
} >"$tmp/c.csv"
cli import mailboxes "$tmp/c.csv" --create-domains-on b1 >/dev/null
until_ok 120 guest_in_sync b1
b1=$(guest_ip b1)
# probe GUEST K: logins of u1@c.example in a loop, "BEGIN END GUEST OK" a
# try; five a guest, started apart (a refused login is answered late)
probe() {
	local ip b ok
	ip=$(guest_ip "$1")
	sleep "0.$((2 * $2))"
	while :; do
		b=$(now_ms)
		imap_login "$ip" u1@c.example cut-password-1 && ok=1 || ok=0
		echo "$b $(now_ms) $1 $ok"
		sleep 0.1
	done >"$tmp/logins.$1.$2"
}
# sender: a message to b1 every 100 ms until $tmp/stop; "ID ok|refused"
sender() {
	local k=0
	while [ ! -e "$tmp/stop" ]; do
		k=$((k + 1))
		if printf 'Subject: %s\nMessage-ID: <cut-%s@bench.test>\n\nduring the move\n' "$k" "$k" |
			curl -s --max-time 15 "smtp://$b1" --mail-from c@hakomail.test \
			--mail-rcpt "u$((k % cmail + 1))@c.example" -T - >/dev/null 2>&1
		then echo "cut-$k ok"; else echo "cut-$k refused"; fi
		sleep 0.1
	done >"$tmp/sent"
}
pids=()
for k in 0 1 2 3 4; do
	probe b1 "$k" & pids+=($!)
	probe b2 "$k" & pids+=($!)
done
sender & pids+=($!)
until_ok 20 eval 'grep -qs " b1 1$" "$tmp"/logins.b1.*'
api POST domains/c.example/move '{"to":"b2"}'
[ "$STATUS" = 202 ] || { echo "move refused: $BODY" >&2; exit 1; }
cid=$(jq -r .id <<<"$BODY")
relaying() { api GET "moves/$cid"; [ "$(jq -r .phase <<<"$BODY")" = relay ]; }
until_ok 300 relaying
until_ok 20 eval 'grep -qs " b2 1$" "$tmp"/logins.b2.*'
touch "$tmp/stop"
wait "${pids[10]}" || true	# the sender ends its last message first
for p in "${pids[@]:0:10}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
until_ok 60 eval '! "$hkguest" exec b1 postqueue -p | grep -q "@c.example"'
sent=$(grep -c . "$tmp/sent" || true)
refused=$(grep -c refused "$tmp/sent" || true)
delivered=0
for ((i = 1; i <= cmail; i++)); do
	delivered=$((delivered + $("$hkguest" exec b2 doveadm -f tab search -u "u$i@c.example" \
		mailbox INBOX header message-id cut- | tail -n +2 | wc -l)))
done
window=$(cat "$tmp"/logins.* | LC_ALL=C sort -n | awk '
	$3 == "b2" && $4 == 1 && (t2 == "" || $2 < t2) { t2 = $2 }
	{ rows[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++) {
			split(rows[i], f, " ")
			if (f[3] == "b1" && f[4] == 1 && f[1] < t2 && f[1] > last1)
				last1 = f[1]
		}
		print t2 - last1
	}')
verdict() { if "$@"; then echo MET; else echo MISS; fi; }
echo "cut-over: logins refused on both guests for at most $window ms" \
	"(b1's last login taken to b2's first; goal <= 2000) $(verdict [ "$window" -le 2000 ])"
echo "mail: $sent messages sent to b1 through the move, $refused refused (goal 0)," \
	"$delivered on b2 after it (load $(load)) $(verdict [ "$refused" = 0 -a "$delivered" = "$sent" ])"
