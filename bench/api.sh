#!/bin/bash
# SPDX-License-Identifier: ISC
# api.sh - the API behind nginx under wrk, with its yardstick measured in
# the same run on the same machine:
#
#  1. ceiling: nginx answering "return 200" from a location (no FastCGI);
#  2. floor:   the API's 401 to a request without credentials: nginx,
#              FastCGI and a worker, and nothing else (goal >= 30 %
#              of the ceiling);
#  3. read:    GET /api/v1/domains/bench.example/mailboxes?limit=100, a
#              page of 100 from the middle of 100,000 mailboxes;
#              requests/s as a share of the floor (goal >= 70 %), p50
#              and p99 latency; beside it, nginx sending the same answer
#              as a file, what the answer's bytes alone cost, and the
#              same bytes through FastCGI from a responder with nothing
#              behind it (bench/fcgi_bytes.c), the most any worker could
#              serve this answer at;
#  4. mixed:   80 % page reads, 10 % new mailboxes (a password hashed
#              each), 10 % renames, at 64 connections: no 5xx and no
#              "database is locked" in the workers' log (goal);
# then the largest resident set of a FastCGI worker (goal <= 10 MiB).
#
#   bench/api.sh BUILDDIR        (as root on Debian, after make)
#
# HK_BENCH_SECONDS (default 60) is the mixed run's length; the ceiling,
# floor and read runs take a third of it each.  HK_BENCH_WORKERS (default
# 4) is the number of FastCGI workers, HK_BENCH_THREADS (default 2) each
# one's serving threads.  A benchmark is not a test: a MISS still
# exits 0; non-zero means it could not run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
for f in src/hakomail-fcgi bench/fcgi_bytes; do
	[ -x "$build/$f" ] || { echo "$0: no $build/$f" >&2; exit 2; }
done
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
secs=${HK_BENCH_SECONDS:-60}
part=$(( secs / 3 > 5 ? secs / 3 : 5 ))
workers=${HK_BENCH_WORKERS:-4}
threads=${HK_BENCH_THREADS:-2}
seeded=100000

export HK_STATE=/run/hakomail-bench HK_BIN=$build/src HK_WWW=$top/www
export HK_LISTEN=127.0.0.1:18090
url=http://$HK_LISTEN
bytes_pid=
cleanup() {
	[ -z "$bytes_pid" ] || kill -KILL "$bytes_pid" 2>/dev/null || true	# (libfcgi takes SIGTERM)
	"$top/deploy/panel.sh" stop >/dev/null 2>&1 || true
	rm -rf "$HK_STATE"
}
trap cleanup EXIT
cleanup

"$top/deploy/panel.sh" setup >/dev/null
sed -i "s/^workers = .*/workers = $workers\nthreads = $threads/" "$HK_STATE/hakomail.conf"
# the yardstick: the same nginx, a location that never leaves it
# (a location in the server's snippet, which panel.sh writes: checked
# below to answer 200, as a 404 once passed for it)
sed -i 's#^location /api/ {#location = /ceiling { return 200 "{}"; }\n&#' "$HK_STATE/nginx-server.conf"
# the page's bytes as a file nginx sends (written once the page answers)
sed -i "s#^location /api/ {#location = /page.json { root $HK_STATE; }\n&#" "$HK_STATE/nginx-server.conf"
# ... and through FastCGI from fcgi_bytes (started once the page is
# written), kept connections as for the API
sed -i "s#^location /api/ {#location = /page-fcgi { include /etc/nginx/fastcgi_params; fastcgi_pass bench_bytes; fastcgi_keep_conn on; }\n&#" \
	"$HK_STATE/nginx-server.conf"
printf 'upstream bench_bytes {\n\tserver unix:%s;\n\tkeepalive 256;\n}\n' \
	"$HK_STATE/run/bytes.sock" >"$HK_STATE/nginx-bench.conf"
sed -i "s#^\tinclude $HK_STATE/nginx-upstream.conf;#&\n\tinclude $HK_STATE/nginx-bench.conf;#" \
	"$HK_STATE/nginx.conf"
cli() { "$HK_BIN/hakomail" -c "$HK_STATE/hakomail.conf" "$@"; }
cli project add bench >/dev/null
# a guest nobody answers for: pushd's attempts fail at once and back off
cli guest add g1 --project bench --host 127.0.0.1 --port 1 \
	--host-key-file <(echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3") >/dev/null
cli domain add bench.example --guest g1 >/dev/null
# the mailboxes, as plain SQL in one transaction: seeding is not measured
hash=$(printf 'bench-password-1\n' | openssl passwd -6 -stdin)
sqlite3 "$HK_STATE/db/hakomail.db" <<SQL
INSERT INTO mailbox (domain_id, local_part, password_hash, name, quota_bytes,
	active, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $seeded)
SELECT (SELECT id FROM domain WHERE name = 'bench.example'),
	printf('u%07d', i), '{SHA512-CRYPT}$hash', '', 0, 1, 0, 0 FROM n;
SQL
chown hakomail:hakomail "$HK_STATE"/db/hakomail.db*
key=$(cli apikey create)
"$top/deploy/panel.sh" start

page="$url/api/v1/domains/bench.example/mailboxes?limit=100&cursor=u0050000"
auth="Authorization: Bearer $key"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$page")
[ "$code" = 200 ] || { echo "$0: the page answers $code" >&2; exit 1; }
curl -s -o "$HK_STATE/page.json" -H "$auth" "$page"
chmod 644 "$HK_STATE/page.json"
"$build/bench/fcgi_bytes" "$HK_STATE/run/bytes.sock" "$HK_STATE/page.json" 160 &
bytes_pid=$!
for i in $(seq 100); do
	[ -S "$HK_STATE/run/bytes.sock" ] && break
	sleep 0.1
done
for u in /ceiling /page.json /page-fcgi; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url$u")
	[ "$code" = 200 ] || { echo "$0: $u answers $code" >&2; exit 1; }
done

# run_wrk SECONDS URL [wrk options]: prints wrk's report
run_wrk() {
	local s=$1 u=$2; shift 2
	wrk -t2 -c64 -d"${s}s" --latency "$@" "$u"
}
rps() { awk '/^Requests\/sec:/ {print $2}'; }
pct() { awk -v p="$1" '$1 == p {print $2}'; }
ms() {	# wrk's "1.23ms" / "456.00us" / "1.02s" in milliseconds
	awk '{v=$1; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	      if (u=="us") v/=1000; else if (u=="s") v*=1000; printf "%.2f", v}'
}

echo "=== ceiling: nginx 'return 200' ($part s, 64 connections)"
ceil=$(run_wrk "$part" "$url/ceiling" -H "$auth" | tee /dev/stderr | rps)
echo "=== FastCGI floor: the API's 401 to a request without credentials (no database, no JSON to build)"
floor=$(run_wrk "$part" "$url/api/v1/whoami" | tee /dev/stderr | rps)
echo "=== read: a page of 100 of $seeded mailboxes ($part s, 64 connections, $workers workers)"
out=$(run_wrk "$part" "$page" -H "$auth" | tee /dev/stderr)
read_rps=$(rps <<<"$out")
echo "=== bytes: nginx sending the same $(wc -c <"$HK_STATE/page.json") bytes as a file ($part s)"
bytes=$(run_wrk "$part" "$url/page.json" | tee /dev/stderr | rps)
echo "=== bytes through FastCGI: the same bytes from fcgi_bytes, nothing behind it ($part s)"
bytes_fcgi=$(run_wrk "$part" "$url/page-fcgi" | tee /dev/stderr | rps)
p50=$(pct 50% <<<"$out" | ms); p99=$(pct 99% <<<"$out" | ms)
echo "=== mixed: 80 % reads, 10 % creates, 10 % renames ($secs s, 64 connections)"
mixed=$(HK_BENCH_KEY=$key HK_BENCH_DOMAIN=bench.example HK_BENCH_SEEDED=$seeded \
	run_wrk "$secs" "$url" -s "$top/bench/mixed.lua" | tee /dev/stderr)
fivexx=$(sed -n 's/^HK-MIXED .*5xx=\([0-9]*\).*/\1/p' <<<"$mixed")
locked=$(cat "$HK_STATE"/log/*.log | grep -c 'database is locked' || true)
rss=0
for pid in $(pgrep -P "$(cat "$HK_STATE/run/fcgi.pid")"); do
	kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	[ "$kb" -gt "$rss" ] && rss=$kb
done

verdict() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo MISS; fi; }
pct_of() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", 100 * a / b}'; }
floor_share=$(pct_of "$floor" "$ceil")
share=$(pct_of "$read_rps" "$floor")
echo
echo "=== summary"
echo "ceiling (nginx return 200):  $ceil req/s"
echo "FastCGI floor (a bare 401):  $floor req/s = $floor_share % of the ceiling (goal >= 30 %: $(verdict "$floor_share >= 30")): no API answer can beat it"
echo "read, page of 100:           $read_rps req/s = $share % of the floor (goal >= 70 %: $(verdict "$share >= 70")); p50 $p50 ms, p99 $p99 ms"
echo "the page's bytes from a file: $bytes req/s = $(pct_of "$bytes" "$ceil") % of the ceiling (nginx alone, no FastCGI)"
echo "... through FastCGI:          $bytes_fcgi req/s = $(pct_of "$bytes_fcgi" "$floor") % of the floor (fcgi_bytes: the answer made at no cost); the page is $(pct_of "$read_rps" "$bytes_fcgi") % of it"
echo "mixed load, $secs s:           $(rps <<<"$mixed") req/s, $(sed -n 's/^HK-MIXED //p' <<<"$mixed"); 'database is locked' in the logs: $locked (goal 0 and 0: $(verdict "$fivexx == 0 && $locked == 0"))"
echo "largest worker RSS:          $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB (goal <= 10 MiB: $(verdict "$rss <= 10240"))"
