#!/bin/bash
# SPDX-License-Identifier: ISC
# mailboxes.sh - the million-mailbox benchmark on both backends: seeds a
# fresh SQLite database and a fresh PostgreSQL database (in a throwaway
# cluster of its own, from tests/pg.sh) and prints p50/p99 of a page of 100
# deep in a 500,000-mailbox domain and of a fetch by address, each against
# the bare query measured in the same run.  The SQLite figures are judged
# PASS/MISS against the 5 ms goal; a benchmark is not a test, so a MISS
# still exits 0.  Non-zero means it could not run.
#
#   bench/mailboxes.sh BUILDDIR      (as root on Debian, after make)
#
# HK_BENCH_ARGS passes options to bench_mailboxes (e.g. "-r 200").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
prog=$(cd "$1" && pwd)/bench/bench_mailboxes
[ -x "$prog" ] || { echo "$0: no $prog (run make in $1)" >&2; exit 2; }

port=55439
pgdir=/run/hk-bench-pg
tmp=$(mktemp -d /var/tmp/hk-bench-XXXXXX)
cleanup() {
	"$top/tests/pg.sh" stop "$pgdir" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck disable=SC2086 # HK_BENCH_ARGS is a list of options
set -- ${HK_BENCH_ARGS:-}

echo "=== SQLite ($tmp/bench.db)"
"$prog" -g 5 "$@" "sqlite:$tmp/bench.db"

echo "=== PostgreSQL (a throwaway cluster on 127.0.0.1:$port)"
base=$("$top/tests/pg.sh" start "$pgdir" "$port")
psql -q -X "${base}postgres" -c 'CREATE DATABASE hk_bench' >/dev/null
"$prog" "$@" "${base}hk_bench"
