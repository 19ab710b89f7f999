#!/bin/bash
# SPDX-License-Identifier: ISC
# render.sh - the render benchmark (issue 5) on both backends: seeds a
# fresh SQLite database and a fresh PostgreSQL database (in a throwaway
# cluster of its own, from tests/pg.sh) with one guest of 100,000
# mailboxes and a fleet of 100 guests of 10,000, then times rendering the
# big guest (goal 0.5 s) and the whole fleet, sequentially and over one
# thread per core (goal 10 s), each beside the floor measured in the same
# run: postmap building the same Postfix maps as cdb.  A benchmark is not a
# test, so a MISS still exits 0.  Non-zero means it could not run.
#
#   bench/render.sh BUILDDIR      (as root on Debian, after make)
#
# It installs postfix and postfix-cdb with apt-get when they are missing.
# HK_BENCH_ARGS passes options to bench_render (e.g. "-r 9 -j 4").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
prog=$(cd "$1" && pwd)/bench/bench_render
[ -x "$prog" ] || { echo "$0: no $prog (run make bench/bench_render in $1)" >&2; exit 2; }

if [ ! -x /usr/sbin/postmap ] || ! dpkg -s postfix-cdb >/dev/null 2>&1; then
	echo "=== installing postfix and postfix-cdb (the postmap floor)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix postfix-cdb >/dev/null
fi

port=55441
pgdir=/run/hk-bench-render-pg
tmp=$(mktemp -d /var/tmp/hk-bench-render-XXXXXX)
cleanup() {
	"$top/tests/pg.sh" stop "$pgdir" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck disable=SC2086 # HK_BENCH_ARGS is a list of options
set -- ${HK_BENCH_ARGS:-}

# postmap's own configuration, so that the host's main.cf (Debian ships
# none until postfix is configured) plays no part.  Postfix waits for a
# main.cf younger than a second or two to settle: date it in the past.
conf=$tmp/postfix
mkdir "$conf"
printf 'compatibility_level = 3.6\nmyhostname = bench.example\n' >"$conf/main.cf"
touch -d '2000-01-01' "$conf/main.cf"

run() {
	local url=$1 maps=$tmp/maps
	shift
	rm -rf "$maps"
	mkdir "$maps"
	"$prog" -t "$maps" -c "$conf" -P /usr/sbin/postmap "$@" "$url"
	rm -rf "$maps"
}

echo "=== SQLite ($tmp/bench.db)"
run "sqlite:$tmp/bench.db" "$@"

echo "=== PostgreSQL (a throwaway cluster on 127.0.0.1:$port)"
base=$("$top/tests/pg.sh" start "$pgdir" "$port")
psql -q -X "${base}postgres" -c 'CREATE DATABASE hk_bench' >/dev/null
run "${base}hk_bench" "$@"
