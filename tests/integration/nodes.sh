#!/bin/bash
# SPDX-License-Identifier: ISC
# nodes.sh - two hakomail-pushd nodes on one PostgreSQL database share 20
# real guests while changes flow through the API: no guest is ever pushed
# by two at once (the push history's intervals never overlap on a guest),
# both nodes do work, every guest converges to what the panel holds, and a
# node that hears of a change only through LISTEN/NOTIFY pushes it at once.
#
# Usage: HK_DB_URL=postgresql://... nodes.sh BUILDDIR   (an empty database)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: nodes.sh BUILDDIR}" && pwd)
: "${HK_DB_URL:?nodes.sh needs PostgreSQL: set HK_DB_URL}"
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

GUESTS=20
b_pid=
churn_pid=
cleanup() {
	kill_children $churn_pid $b_pid
	for s in "$HK_STATE"/pushd-b/ctl-*; do
		[ -S "$s" ] && ssh -F none -o ControlPath="$s" -O exit x 2>/dev/null
	done
	panel_down
	rm -rf "$tmp"
}
trap cleanup EXIT

report_every=20
export HK_PUSHD_CONF="node = node-a
parallel = 3
check_interval = 0
[report]
interval = $report_every"

echo "== nodes: a panel on PostgreSQL, $GUESTS guests, two pushd nodes"
check "panel starts (node-a's pushd with it)" panel_up || exit 1
ok=0
for i in $(seq 1 $GUESTS); do
	guest_up "n$i" $((20 + i)) && ok=$((ok + 1))
	api POST domains "{\"name\":\"d$i.example\",\"guest\":\"n$i\"}"
done
check_eq "$GUESTS guests started and pinned" $GUESTS $ok

# node-b: the same database and key, its own name, state and wake socket.
sed -e 's/^node = node-a$/node = node-b/' \
	-e "s#^state_dir = .*#state_dir = $HK_STATE/pushd-b#" \
	-e "s#^wake_socket = .*#wake_socket = $HK_STATE/run/pushd-b.sock#" \
	"$HK_STATE/hakomail.conf" >"$HK_STATE/node-b.conf"
# pushd runs as hakomail-push, who may not make directories in HK_STATE
install -d -m 0700 -o hakomail-push -g hakomail-push "$HK_STATE/pushd-b"
setsid "$HK_BIN/hakomail-pushd" -c "$HK_STATE/node-b.conf" </dev/null \
	>>"$HK_STATE/log/pushd-b.log" 2>&1 &
b_pid=$!
check "node-b starts" until_ok 10 test -S "$HK_STATE/run/pushd-b.sock"
all_in_sync() {
	[ "$(sql "SELECT COUNT(*) FROM guest WHERE applied_gen = desired_gen AND state = 'in_sync'")" = $GUESTS ]
}
check "every guest in sync" until_ok 60 all_in_sync

echo "== nodes: 600 changes flow over the $GUESTS guests"
(
	for i in $(seq 1 600); do
		d=$((i % GUESTS + 1))
		curl -s -o /dev/null -X POST -H "Authorization: Bearer $KEY" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"local_part\":\"m$i\",\"password\":\"pw-m$i-long\"}" \
			"$base/domains/d$d.example/mailboxes"
	done
) &
churn_pid=$!
wait "$churn_pid"; churn_pid=
check "every guest converges" until_ok 120 all_in_sync
overlaps=$(sql "SELECT COUNT(*) FROM push a JOIN push b ON a.guest_id = b.guest_id
	AND a.id < b.id AND b.started_ms < COALESCE(a.finished_ms, 9e15)
	AND a.started_ms < COALESCE(b.finished_ms, 9e15)")
check_eq "no guest was ever pushed by two at once" 0 "$overlaps"
echo "  pushes by node: $(sql "SELECT node || ' ' || COUNT(*) FROM push WHERE kind = 'apply' GROUP BY node ORDER BY node" | paste -sd' ')"
check_eq "both nodes pushed" 2 \
	"$(sql "SELECT COUNT(DISTINCT node) FROM push WHERE kind = 'apply' AND result = 'ok'")"
check_eq "no push failed" 0 "$(sql "SELECT COUNT(*) FROM push WHERE result <> 'ok'")"

echo "== nodes: each guest's report collected by one node per interval"
t=$(date +%s)
reported_since() {	# every guest has a sample taken after $1
	[ "$(sql "SELECT COUNT(DISTINCT guest_id) FROM guest_sample WHERE at > $1")" = $GUESTS ]
}
check "every guest reports again (every $report_every s)" until_ok 90 reported_since $((t + report_every))
echo "  reports by node: a $(grep -c ': report stored' "$HK_STATE/log/pushd.log") b $(grep -c ': report stored' "$HK_STATE/log/pushd-b.log")"
check "both nodes collected reports" eval \
	"grep -q ': report stored' '$HK_STATE/log/pushd.log' && grep -q ': report stored' '$HK_STATE/log/pushd-b.log'"
check_eq "no two samples of a guest within one interval" 0 \
	"$(sql "SELECT COUNT(*) FROM guest_sample a JOIN guest_sample b ON b.guest_id = a.guest_id
		AND b.step = 0 AND a.step = 0 AND b.at > a.at AND b.at - a.at < $report_every - 1")"
check_eq "no report refused" 0 "$(sql "SELECT COUNT(*) FROM guest WHERE report_error IS NOT NULL")"
bad=0
for i in $(seq 1 $GUESTS); do
	want=$(sql "SELECT applied_gen FROM guest WHERE name = 'n$i'")
	[ "$(served "n$i" | jq .generation)" = "$want" ] || bad=$((bad + 1))
	n=$(guest_file "n$i" virtual_mailbox_maps | grep -c "^m[0-9]*@d$i.example ")
	[ "$n" = $((600 / GUESTS)) ] || bad=$((bad + 1))
done
check_eq "each guest serves what the panel recorded, all 30 of its mailboxes" 0 "$bad"

echo "== nodes: a node woken by NOTIFY alone"
# node-a stops; a change written by the CLI (which nudges only node-a's
# wake socket, now gone) reaches node-b through PostgreSQL.
"$top/deploy/panel.sh" stop >/dev/null 2>&1
t0=$(now_ms)
printf 'pw-notify-long-1\n' | cli mailbox add late@d1.example --password-stdin >/dev/null
if until_ok 10 eval '[ "$(sql "SELECT applied_gen = desired_gen FROM guest WHERE name = '\''n1'\''")" = t ]'; then
	pass "node-b pushed the change on its own ($(( $(now_ms) - t0 )) ms; its idle look is 30 s)"
else
	fail "node-b pushed the change on its own"
fi
check "late@d1.example is on n1" \
	eval 'guest_file n1 virtual_mailbox_maps | grep "^late@d1.example " >/dev/null'
