#!/bin/bash
# SPDX-License-Identifier: ISC
# capacity.sh - the capacity benchmark (issue 16) on both backends: a
# guest's GET /guests/{guest}/capacity body (store_capacity_get) with 400
# days of hourly samples and 48 hours of 5-minute ones, goal p99 <= 20 ms,
# beside its yardstick measured in the same run (store_guest_get of the
# same guest), with each backend's plan of the series reads (the primary
# key, guest_id, step, at).  A benchmark is not a test, so a MISS still
# exits 0.  Non-zero means it could not run.
#
#   bench/capacity.sh BUILDDIR [GUESTS]
#
# PostgreSQL: a new database in the cluster at $HK_TEST_PG_BASE when it
# is set (a URL ending in '/', as tests/pg.sh prints), else in a
# throwaway cluster of its own on 127.0.0.1:${HK_BENCH_PG_PORT:-55442}
# in ${HK_BENCH_PG_DIR:-/run/hk-bench-capacity-pg}.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR [GUESTS]" >&2; exit 2; }
prog=$(cd "$1" && pwd)/bench/bench_capacity
[ -x "$prog" ] || { echo "$0: no $prog (run make bench/bench_capacity in $1)" >&2; exit 2; }
guests=${2:-10}

pgdir=${HK_BENCH_PG_DIR:-/run/hk-bench-capacity-pg}
tmp=$(mktemp -d /var/tmp/hk-bench-capacity-XXXXXX)
own_pg=
db=hk_bench_capacity_$$
cleanup() {
	if [ -n "$own_pg" ]; then
		"$top/tests/pg.sh" stop "$pgdir" || true
	elif [ -n "${base:-}" ]; then
		psql -q -X "${base}postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"$prog" "sqlite:$tmp/bench.db" "$guests"

base=${HK_TEST_PG_BASE:-}
if [ -z "$base" ]; then
	own_pg=1
	base=$("$top/tests/pg.sh" start "$pgdir" "${HK_BENCH_PG_PORT:-55442}")
fi
psql -q -X "${base}postgres" -c "CREATE DATABASE $db" >/dev/null
"$prog" "${base}$db" "$guests"
