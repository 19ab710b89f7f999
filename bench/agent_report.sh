#!/bin/bash
# SPDX-License-Identifier: ISC
# agent_report.sh - the agent's `report` on a guest of 100,000 mailboxes
# (issue 16: <= 2 s, and <= 3x `doveadm quota get -A` alone on the same
# guest, measured in the same run).
#
# One real guest (tests/guest/hkguest): a bundle of 100 domains x 1,000
# mailboxes (each with a quota, as the panel renders them) is applied with
# the guest's own agent, as pushd would send it; HK_BENCH_MAIL (default
# 200) of them get a message over SMTP.  `doveadm quota get -A` runs once
# first, untimed but shown: it makes every Maildir Dovecot has not seen.
# The first `hakomail-agent report` after it is shown too: it finds
# 99,800 homes without Dovecot's quota clone file and seeds them (empty
# Maildirs: 0, without doveadm).  Then `doveadm -f tab quota get -A`
# DOVE_RUNS times (default 1: it takes minutes) and `hakomail-agent
# report` RUNS times (default 3), both run inside the guest the same way
# (hkguest exec, output to /dev/null).  Prints each median and the ratio.
# A benchmark is not a test: a MISS exits 0; non-zero means it could not
# run.
#
# Measured 2026-12-02 when `report` still ran doveadm (load 7-10):
# doveadm quota get -A 310 s, report 371 s: doveadm opens every user (auth
# lookup, mail user, list index, INBOX index, readdir of cur/ and new/),
# 1-3 ms a user.  Since, `report` reads the file Dovecot's quota_clone
# plugin keeps in each home (agent_usage.c).  Measured 2026-12-02 so
# (load 1-3): report 1.88, 1.29, 1.15 s (median 1.29 s), doveadm quota
# get -A 68.6 s (ratio 0.01); the first doveadm 86.7 s, the first report
# (seeding 99,800 empty Maildirs' files) 19.0 s.  The guest's homes are
# on a tmpfs here; on this machine's disk, 100,000 homes read warm take
# 0.9 s, and 28 s right after the page cache was dropped (every home's
# inode read from disk: after a reboot, the first report pays it once).
#
#   bench/agent_report.sh BUILDDIR    (as root, after make)
#
# HK_GUEST_ROOT (default /run/hakomail-test/guests), HK_BENCH_GUEST
# (default rb1) and HK_BENCH_N (default 60) keep it out of other runs' way;
# HK_BENCH_MAILBOXES (default 100000).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
export HK_AGENT=$build/src/hakomail-agent
[ -x "$HK_AGENT" ] || { echo "$0: no $HK_AGENT (make first)" >&2; exit 2; }
: "${HK_GUEST_ROOT:=/run/hakomail-test/guests}"
export HK_GUEST_ROOT
guest=${HK_BENCH_GUEST:-rb1} n=${HK_BENCH_N:-60} runs=${RUNS:-3} dove_runs=${DOVE_RUNS:-1}
total=${HK_BENCH_MAILBOXES:-100000} mail=${HK_BENCH_MAIL:-200}
hkguest=$top/tests/guest/hkguest
tmp=$(mktemp -d /var/tmp/hk-bench-report-XXXXXX)
cleanup() { "$hkguest" stop "$guest" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$tmp/key"
export HK_PANEL_PUBKEY=$tmp/key.pub
echo "=== guest $guest (N=$n) under $HK_GUEST_ROOT"
ip=$("$hkguest" start "$guest" "$n")

echo "=== a bundle of $total mailboxes, applied by the guest's agent"
python3 - "$total" "$tmp/bundle" "$top/tests/integration" <<'EOF'
import hashlib, sys
total, out = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
from mkdelta import file_sum
per = 1000
doms = [f"d{i}.bench.example" for i in range((total + per - 1) // per)]
hash_ = "{SHA512-CRYPT}$6$benchsalt$" + "x" * 86
files = {n: [] for n in ("virtual_mailbox_domains", "virtual_mailbox_maps",
    "virtual_alias_maps", "relay_domains", "relay_recipient_maps", "passwd")}
for d in doms:
    files["virtual_mailbox_domains"].append(f"{d} OK\n")
for k in range(total):
    d, lp = doms[k // per], f"u{k}"
    files["virtual_mailbox_maps"].append(f"{lp}@{d} {d}/{lp}/\n")
    files["passwd"].append(f"{lp}@{d}:{hash_}:5000:5000::/var/mail/vhosts/"
                           f"{d}/{lp}::userdb_quota_rule=*:storage=1073741824B\n")
body = b"HAKOMAIL-BUNDLE 1\ngeneration 2\n"
for name, lines in files.items():
    data = "".join(lines).encode()
    body += f"file {name} {len(data)} {file_sum(name, data)}\n".encode() + data
body += f"end {hashlib.sha256(body).hexdigest()}\n".encode()
open(out, "wb").write(body)
EOF
"$hkguest" exec "$guest" "$HK_AGENT" -s /var/lib/hakomail apply <"$tmp/bundle" |
	jq -e '.ok' >/dev/null || { echo "$0: the agent refused the bundle" >&2; exit 1; }

echo "=== $mail messages over SMTP to as many mailboxes"
printf 'From: bench@hakomail.test\r\nSubject: bench\r\n\r\n%s\r\n' \
	"$(head -c 3000 /dev/zero | tr '\0' x)" >"$tmp/msg"
for k in $(seq 0 $((total / mail)) $((total - 1)) | head -n "$mail"); do
	curl -s --max-time 15 "smtp://$ip" --mail-from bench@hakomail.test \
		--mail-rcpt "u$k@d$((k / 1000)).bench.example" -T "$tmp/msg" ||
		{ echo "$0: SMTP to u$k refused" >&2; exit 1; }
done
delivered() {
	local c
	c=$(grep -c 'dovecot-lmtp.*status=sent' \
		"$HK_GUEST_ROOT/$guest/log/postfix.log" || true)
	[ "$c" -ge "$mail" ]
}
deadline=$((SECONDS + 120))
until delivered; do
	[ $SECONDS -lt $deadline ] || {
		echo "$0: mail not delivered; the guest's mail log ends:" >&2
		tail -n 5 "$HK_GUEST_ROOT/$guest/log/postfix.log" >&2
		exit 1
	}
	sleep 0.5
done

# secs CMD...: wall seconds of CMD in the guest, its output discarded.
secs() {
	local t0 t1
	t0=$(date +%s%N)
	"$hkguest" exec "$guest" "$@" >/dev/null || return 1
	t1=$(date +%s%N)
	echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "=== first doveadm quota get -A (makes the Maildirs it lacks; not compared)"
echo "  $(secs doveadm -f tab quota get -A) s"
echo "=== first report (seeds the quota clone files the homes lack; not compared)"
echo "  $(secs "$HK_AGENT" report) s"
lines=$("$hkguest" exec "$guest" "$HK_AGENT" report |
	jq '.report.mailboxes | length')
msgs=$("$hkguest" exec "$guest" "$HK_AGENT" report |
	jq '[.report.mailboxes[][2]] | add')
echo "  the next report lists $lines mailboxes holding $msgs messages"
[ "$msgs" = "$mail" ] || { echo "$0: the report counts $msgs messages, not $mail" >&2; exit 1; }
[ "$lines" = "$total" ] || { echo "$0: the report lists $lines mailboxes, not $total" >&2; exit 1; }
: >"$tmp/dove"; : >"$tmp/agent"
for i in $(seq 1 "$dove_runs"); do
	secs doveadm -f tab quota get -A >>"$tmp/dove"
done
for i in $(seq 1 "$runs"); do
	secs "$HK_AGENT" report >>"$tmp/agent"
done
dove=$(median <"$tmp/dove") agent=$(median <"$tmp/agent")
echo "  doveadm quota get -A: $(tr '\n' ' ' <"$tmp/dove")s"
echo "  hakomail-agent report: $(tr '\n' ' ' <"$tmp/agent")s"
ratio=$(echo "scale=2; $agent / $dove" | bc)
verdict() { if [ "$(echo "$1" | bc)" = 1 ]; then echo ok; else echo MISS; fi; }
echo "report, $total mailboxes: median $agent s (goal <= 2 s: $(verdict "$agent <= 2"))"
echo "doveadm quota get -A alone: median $dove s; report / doveadm = $ratio (goal <= 3: $(verdict "$ratio <= 3"))"
