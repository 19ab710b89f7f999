#!/bin/bash
# SPDX-License-Identifier: ISC
# report_store.sh - storing one guest's report of 100,000 mailboxes
# (issue 16) on both backends: seeds a fresh SQLite database and a fresh
# PostgreSQL database (in a throwaway cluster of its own, from tests/pg.sh)
# and runs bench_report on each: the store timed when every usage row is
# new, when every mailbox's usage changed and when 5 % did (a report five
# minutes after the last), against the goal (<= 1 s) and a yardstick
# measured just before each store (one SELECT of the rows it touches), with
# the CPU time it took (the store's thread, plus PostgreSQL's server
# process); and a reader on a second connection, the API's page of 100
# mailboxes with and without their usage, quiet and then during the
# stores, its p99 against the goal (<= 10 ms).  The machine's load is
# printed first: on a shared machine, wall time is CPU time times the
# wait for a core.  A benchmark is not a test, so a MISS still exits 0.
# Non-zero means it could not run.
#
# Measured (2026-12-02, 2 cores shared with other workers, load 1.2-2.3;
# CPU time in brackets): SQLite first 0.35 s (0.34), all changed 0.36 s
# (0.36), 5 % 0.15 s (0.15), reads p99 2.1 ms during; PostgreSQL first
# 0.33 s (0.32), all changed 0.62 s (0.53), 5 % 0.27 s (0.27), reads p99
# 7.2 ms during (2.8 quiet).  Before migration 012 and the in-memory
# match (load 0.4-1.3): PostgreSQL 1.88 s (1.47), 1.68 s (1.25), 0.60 s
# (0.45), reads p99 8.3 ms; SQLite 0.54 s, 0.50 s, 0.37 s.
#
#   bench/report_store.sh BUILDDIR      (as root on Debian, after make)
#
# HK_BENCH_ARGS passes options to bench_report (e.g. "-r 9 -n 200000");
# HK_BENCH_PG_PORT (default 55442) and HK_BENCH_PG_DIR (default
# /run/hk-bench-report-pg) place the throwaway cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
prog=$(cd "$1" && pwd)/bench/bench_report
[ -x "$prog" ] || { echo "$0: no $prog (run make bench/bench_report in $1)" >&2; exit 2; }

port=${HK_BENCH_PG_PORT:-55442}
pgdir=${HK_BENCH_PG_DIR:-/run/hk-bench-report-pg}
tmp=$(mktemp -d /var/tmp/hk-bench-report-XXXXXX)
cleanup() {
	"$top/tests/pg.sh" stop "$pgdir" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck disable=SC2086 # HK_BENCH_ARGS is a list of options
set -- ${HK_BENCH_ARGS:-}

echo "=== the machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== SQLite ($tmp/bench.db)"
"$prog" "$@" "sqlite:$tmp/bench.db"

echo "=== PostgreSQL (a throwaway cluster on 127.0.0.1:$port)"
base=$("$top/tests/pg.sh" start "$pgdir" "$port")
psql -q -X "${base}postgres" -c 'CREATE DATABASE hk_bench' >/dev/null
"$prog" "$@" "${base}hk_bench"
echo "=== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
