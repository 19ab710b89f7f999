#!/bin/bash
# SPDX-License-Identifier: ISC
# push_latency.sh - from an API write to the first successful IMAP login on
# the guest, on a real panel (nginx, hakomail-fcgi, hakomail-pushd) and a
# real guest (Postfix, Dovecot, sshd in namespaces; tests/guest/hkguest).
#
# 100 writes, each a new mailbox; for each, the time from the API's 201 to
# the first IMAP login that works.  Like the web panel, it asks the API
# whether the guest is in sync (every 20 ms) before trying IMAP: a failed
# login would trip Dovecot's per-address auth penalty.  The ssh connection
# is warm (pushd keeps a control master).  Yardsticks measured in the same
# run: an IMAP login on its own, and the agent's status over the warm
# connection (one round trip).  Goal: p50 <= 1 s.  A benchmark, not a
# test: a MISS still exits 0; non-zero means it could not run.
#
#   bench/push_latency.sh BUILDDIR     (as root, after make)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: push_latency.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
export HK_STATE=/run/hakomail-bench/panel HK_LISTEN=127.0.0.1:18090
export HK_GUEST_ROOT=/run/hakomail-bench/guests
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
N=100
trap 'panel_down; rm -rf "$tmp" "$HK_STATE" "$HK_GUEST_ROOT"' EXIT
ms() { local t=${EPOCHREALTIME/./}; echo $((10#${t:0:-3})); }
pct() {	# pct P FILE: the P-th percentile of the numbers in FILE
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END {
		i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; print v[i] }'
}

panel_up || { echo "panel did not start" >&2; exit 1; }
guest_up b1 90 || { echo "guest did not start" >&2; exit 1; }
ip=$(guest_ip b1)
api POST domains '{"name":"bench.example","guest":"b1"}'
until_ok 30 guest_in_sync b1 || { echo "guest never in sync" >&2; exit 1; }
api POST domains/bench.example/mailboxes '{"local_part":"warm","password":"pw-warm-long-1"}'
until_ok 30 guest_in_sync b1 && imap_login "$ip" warm@bench.example pw-warm-long-1 ||
	{ echo "warm-up failed" >&2; exit 1; }

echo "=== yardsticks (same run)"
: >"$tmp/imap"
for _ in $(seq 1 20); do
	t0=$(ms); imap_login "$ip" warm@bench.example pw-warm-long-1; echo $(($(ms) - t0)) >>"$tmp/imap"
done
: >"$tmp/status"
ctl=$(ls "$HK_STATE"/pushd/ctl-* | head -1)
for _ in $(seq 1 20); do
	t0=$(ms)
	ssh -F none -T -o BatchMode=yes -o ControlPath="$ctl" -o ControlMaster=no \
		-o UserKnownHostsFile="$HK_STATE/pushd/known_hosts/1" \
		-o HostKeyAlias=hakomail-guest-1 -i "$HK_STATE/ssh/id_ed25519" \
		"root@$ip" status >/dev/null
	echo $(($(ms) - t0)) >>"$tmp/status"
done
echo "IMAP login alone:                 p50 $(pct 50 "$tmp/imap") ms"
echo "agent status, warm connection:    p50 $(pct 50 "$tmp/status") ms"

echo "=== $N writes: API 201 -> first successful IMAP login"
: >"$tmp/lat"
for i in $(seq 1 $N); do
	api POST domains/bench.example/mailboxes "{\"local_part\":\"u$i\",\"password\":\"pw-u$i-long-1\"}"
	t0=$(ms)
	[ "$STATUS" = 201 ] || { echo "write $i: $STATUS" >&2; exit 1; }
	until guest_in_sync b1; do sleep 0.02; done
	until imap_login "$ip" "u$i@bench.example" "pw-u$i-long-1"; do sleep 0.02; done
	echo $(($(ms) - t0)) >>"$tmp/lat"
done
p50=$(pct 50 "$tmp/lat") p99=$(pct 99 "$tmp/lat")
verdict=MISS; [ "$p50" -le 1000 ] && verdict=PASS
echo "write -> IMAP login: p50 $p50 ms, p99 $p99 ms, max $(pct 100 "$tmp/lat") ms (goal p50 <= 1000 ms: $verdict)"
echo "  = $(awk -v a="$p50" -v b="$(pct 50 "$tmp/imap")" 'BEGIN { printf "%.1f", a / b }') IMAP logins," \
	"$(awk -v a="$p50" -v b="$(pct 50 "$tmp/status")" 'BEGIN { printf "%.1f", a / b }') warm agent round trips"
