#!/bin/bash
# SPDX-License-Identifier: ISC
# upload_flood.sh - do the FastCGI workers keep answering while uploads
# without credentials pour in?  Behind Debian's nginx on 127.0.0.1:18932
# (its own panel: nginx, hakomail-fcgi and pushd, state under
# /run/hk-bench-flood, started by deploy/panel.sh and stopped by the PIDs
# it recorded):
#
#  1. yardstick: an authenticated read (GET /api/v1/domains?limit=100,
#     over one keep-alive connection) alone, N times;
#  2. flood:     the same read, N times, while 16 clients each send one
#     64 MiB CSV upload without credentials after another;
#  3. nginx:     during the same flood, N reads of a location nginx answers
#     itself (no FastCGI): what the flood costs before any worker;
# p50, p99 and max of each in ms, the flood's against the goal (an
# authenticated read answered within 100 ms: max <= 100), against the
# yardstick and against nginx's own; and what the uploads were answered
# (the API's 401, never nginx's 502), with nginx's error log lines.
#
#   bench/upload_flood.sh BUILDDIR     (as root on Debian, after make)
#
# HK_BENCH_READS (default 300) is N; HK_BENCH_WORKERS (default 4) the
# number of FastCGI workers.  A benchmark is not a test: a MISS still
# exits 0; non-zero means it could not run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
[ -x "$build/src/hakomail-fcgi" ] || { echo "$0: no $build/src/hakomail-fcgi" >&2; exit 2; }
command -v nginx >/dev/null || { echo "$0: needs Debian's nginx" >&2; exit 2; }
reads=${HK_BENCH_READS:-300}
workers=${HK_BENCH_WORKERS:-4}
flooders=16

export HK_STATE=/run/hk-bench-flood HK_BIN=$build/src HK_WWW=$top/www
export HK_LISTEN=127.0.0.1:18932
url=http://$HK_LISTEN
flood_pids=()
cleanup() {
	touch "$HK_STATE/stop" 2>/dev/null || true
	for p in "${flood_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${flood_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	"$top/deploy/panel.sh" stop >/dev/null 2>&1 || true
	rm -rf "$HK_STATE"
}
trap cleanup EXIT
cleanup
flood_pids=()

"$top/deploy/panel.sh" setup >/dev/null
sed -i "s/^workers = .*/workers = $workers/" "$HK_STATE/hakomail.conf"
sed -i '1i location = /ceiling { default_type application/json; return 200 "{}"; }' \
	"$HK_STATE/nginx-server.conf"
cli() { "$HK_BIN/hakomail" -c "$HK_STATE/hakomail.conf" "$@"; }
cli project add bench >/dev/null
cli guest add g1 --project bench --host 127.0.0.1 --port 1 \
	--host-key-file <(echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3") >/dev/null 2>&1
for i in $(seq 1 20); do cli domain add "d$i.example" --guest g1 >/dev/null; done
key=$(cli apikey create)
"$top/deploy/panel.sh" start >/dev/null
# 64 MiB of CSV rows: what an upload of the largest file sends
head -c $((64 * 1024 * 1024)) < <(yes 'someone@d1.example,{SHA512-CRYPT}$6$x$y') >"$HK_STATE/big.csv"

# reads [PATH]: N authenticated reads over one connection; ms each
reads() {
	/usr/bin/python3 - "$HK_LISTEN" "$key" "$reads" "${1:-/api/v1/domains?limit=100}" <<'PY'
import http.client, sys, time
host, port = sys.argv[1].split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=30)
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    conn.request("GET", sys.argv[4],
                 headers={"Authorization": "Bearer " + sys.argv[2]})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("read answered %d" % r.status)
    print("%.3f" % ((time.perf_counter() - t) * 1000))
PY
}
# stats FILE: "p50 p99 max" of the latencies in FILE
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		printf "%.1f %.1f %.1f\n", v[int(NR * 0.5 + 0.5)],
		    v[int(NR * 0.99 + 0.5)], v[NR] }'
}

reads >/dev/null	# warm: the connection, the workers' first queries
reads >"$HK_STATE/alone"

# 16 clients, each one 64 MiB upload without credentials after another
for i in $(seq 1 $flooders); do
	( while [ ! -e "$HK_STATE/stop" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Expect:' \
		     -H 'Content-Type: text/csv' -T "$HK_STATE/big.csv" \
		     "$url/api/v1/imports?kind=mailboxes" || echo curl-failed
	  done >>"$HK_STATE/codes.$i" ) &
	flood_pids+=($!)
done
# in flight: every client has had at least one answer
deadline=$((SECONDS + 120))
until [ "$(cat "$HK_STATE"/codes.* 2>/dev/null | wc -l)" -ge $flooders ] &&
      [ "$(ls "$HK_STATE"/codes.* 2>/dev/null | wc -l)" -eq $flooders ]; do
	[ $SECONDS -lt $deadline ] || { echo "$0: the uploads never got going" >&2; exit 1; }
	sleep 0.1
done
reads >"$HK_STATE/flood"
reads /ceiling >"$HK_STATE/ceiling"
touch "$HK_STATE/stop"
for p in "${flood_pids[@]}"; do wait "$p" 2>/dev/null || true; done
flood_pids=()

read -r a50 a99 amax < <(stats "$HK_STATE/alone")
read -r f50 f99 fmax < <(stats "$HK_STATE/flood")
read -r n50 n99 nmax < <(stats "$HK_STATE/ceiling")
echo "authenticated read (GET /api/v1/domains), $reads each, $workers workers, ms:"
printf '  alone (yardstick):               p50 %6.1f  p99 %6.1f  max %6.1f\n' "$a50" "$a99" "$amax"
printf '  with %d uploads of 64 MiB in flight: p50 %6.1f  p99 %6.1f  max %6.1f\n' $flooders "$f50" "$f99" "$fmax"
printf '  nginx alone (no FastCGI), same flood: p50 %6.1f  p99 %6.1f  max %6.1f\n' "$n50" "$n99" "$nmax"
awk -v f50="$f50" -v f99="$f99" -v fmax="$fmax" -v a50="$a50" -v a99="$a99" \
    -v n50="$n50" -v n99="$n99" 'BEGIN {
	printf "  flood / yardstick: p50 x%.2f  p99 x%.2f\n", f50 / a50, f99 / a99
	printf "  flood / nginx alone in it: p50 x%.2f  p99 x%.2f\n", f50 / n50, f99 / n99
	printf "  max / goal (100 ms): %.2f  %s\n", fmax / 100, fmax <= 100 ? "MET" : "MISS" }'
echo "uploads answered (HTTP status: count):"
cat "$HK_STATE"/codes.* | sort | uniq -c | awk '{ printf "  %s: %s\n", $2, $1 }'
echo "nginx error log lines during the run: $(wc -l <"$HK_STATE/log/nginx-error.log")"
sed -E 's/^[0-9/: ]+\[([a-z]+)\] [0-9#]+: \*[0-9]+ /\1: /; s/, client:.*//; s/[0-9]{10}/N/g' \
	"$HK_STATE/log/nginx-error.log" | sort | uniq -c | sort -rn | head -5 | sed 's/^/  /'
