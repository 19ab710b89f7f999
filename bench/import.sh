#!/bin/bash
# SPDX-License-Identifier: ISC
# import.sh - the bulk import of 100,000 mailboxes with pre-hashed
# passwords, each figure beside its yardstick measured in the same run on
# the same file:
#
#  1. SQLite:     `hakomail import mailboxes FILE` into a fresh database
#                 against sqlite3's own `.import` of the same file into a
#                 bare table (TEXT columns, no index) in a fresh database;
#                 goal <= 5 s and >= 50 % of the speed of sqlite3's .import;
#  2. PostgreSQL: the same import into a throwaway cluster (tests/pg.sh)
#                 against psql's `\copy bare FROM FILE CSV HEADER`; goal
#                 >= 50 % of its speed (issue 22); and, for what COPY
#                 itself costs into mailbox, against \copy of the rows the
#                 import stored into mailbox itself in a second fresh
#                 database of the panel's (its key, indexes, foreign key
#                 and triggers);
#  3. reads:      a panel (deploy/panel.sh, SQLite) answering a steady read
#                 load (GET /api/v1/domains/bench.example/mailboxes?limit=100,
#                 curl on kept-alive connections) while a second file of
#                 100,000 is imported into another domain: p50/p99/max and
#                 failures during the import against the same load before
#                 it; "keeps answering" fails only if a read failed or took
#                 more than 5 s.
#
#   bench/import.sh BUILDDIR     (as root on Debian, after make)
#
# HK_BENCH_ROWS (default 100000) is the size of each file; HK_BENCH_READERS
# (default 2) the number of concurrent readers.  A benchmark is not a test:
# a MISS still exits 0; non-zero means it could not run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
hk=$build/src/hakomail
for f in "$hk" "$build/src/hakomail-fcgi" "$build/src/hakomail-pushd"; do
	[ -x "$f" ] || { echo "$0: no $f (run make in $1)" >&2; exit 2; }
done
for c in sqlite3 psql curl nginx; do
	command -v $c >/dev/null || { echo "$0: $c is missing" >&2; exit 2; }
done
rows=${HK_BENCH_ROWS:-100000}
readers=${HK_BENCH_READERS:-2}

port=55442
pgdir=/run/hk-bench-import-pg
tmp=$(mktemp -d /var/tmp/hk-bench-import-XXXXXX)
export HK_STATE=/run/hakomail-bench-import HK_BIN=$build/src HK_WWW=$top/www
export HK_LISTEN=127.0.0.1:18093
loaders=()
cleanup() {
	for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
	"$top/deploy/panel.sh" stop >/dev/null 2>&1 || true
	rm -rf "$HK_STATE"
	"$top/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
"$top/deploy/panel.sh" stop >/dev/null 2>&1 || true
rm -rf "$HK_STATE"

# gen_csv FILE DOMAIN SEED: ROWS mailboxes with {SHA512-CRYPT} hashes (a
# 16-character salt and 86 characters, cut from a random pool at random
# places: different on every row), a Japanese name on two rows of three,
# quotas of 500M/1G/2G, one mailbox in 50 inactive.
gen_csv() {
	awk -v n="$rows" -v dom="$2" -v seed="$3" 'BEGIN {
		srand(seed)
		abc = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		for (i = 0; i < 8192; i++) pool = pool substr(abc, int(rand() * 64) + 1, 1)
		nf = split("佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上", fam, " ")
		ng = split("太郎 花子 翔太 美咲 大輔 陽菜 健一 結衣 蓮 さくら 悠斗 葵 誠 由美 拓也 恵", giv, " ")
		nq = split("1G 1G 2G 500M", quo, " ")
		print "address,password_hash,name,quota,active"
		for (i = 1; i <= n; i++) {
			salt = substr(pool, int(rand() * 8000) + 1, 16)
			h = substr(pool, int(rand() * 8000) + 1, 86)
			name = i % 3 ? fam[int(rand() * nf) + 1] " " giv[int(rand() * ng) + 1] : ""
			printf "u%06d@%s,{SHA512-CRYPT}$6$%s$%s,%s,%s,%s\n", i, dom, salt, h, \
				name, quo[i % nq + 1], i % 50 ? "true" : "false"
		}
	}' >"$1"
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b - a) / 1e9}'; }
per_s() { awk -v n="$rows" -v s="$1" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? 100 * a / b : 0)}'; }
verdict() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo MISS; fi; }

# a database of the panel's: a project, a guest nobody answers for (any
# ed25519 key pins it), and DOMAINS without limits.
keyfile=$tmp/host_key.pub
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3 bench" >"$keyfile"
setup_db() {	# setup_db CONF DOMAIN...
	local conf=$1; shift
	"$hk" -c "$conf" init >/dev/null
	"$hk" -c "$conf" project add bench >/dev/null
	"$hk" -c "$conf" guest add g1 --project bench --host 127.0.0.1 --port 1 \
		--host-key-file "$keyfile" >"$tmp/guest.log" 2>&1 ||
		{ cat "$tmp/guest.log" >&2; return 1; }
	for d in "$@"; do "$hk" -c "$conf" domain add "$d" --guest g1 >/dev/null; done
}
bare_cols="address TEXT, password_hash TEXT, name TEXT, quota TEXT, active TEXT"

csv=$tmp/mailboxes.csv
csv2=$tmp/mailboxes2.csv
t0=$(now)
gen_csv "$csv" bench.example 1
gen_csv "$csv2" bench2.example 2
echo "=== $rows rows generated twice ($(du -h "$csv" | cut -f1) each) in $(secs "$t0" "$(now)") s"

# --- 1. SQLite ---
echo "=== SQLite ($tmp)"
conf=$tmp/sqlite.conf
printf '[database]\nurl = sqlite:%s/hakomail.db\n[pushd]\nwake_socket = %s/wake\n' \
	"$tmp" "$tmp" >"$conf"
setup_db "$conf" bench.example
t0=$(now)
"$hk" -c "$conf" import mailboxes "$csv"
t1=$(now)
sq_imp=$(secs "$t0" "$t1")
sq_n=$(sqlite3 "$tmp/hakomail.db" "SELECT COUNT(*) FROM mailbox m JOIN domain d
	ON d.id = m.domain_id WHERE d.name = 'bench.example'")
sqlite3 "$tmp/fresh.db" "CREATE TABLE bare ($bare_cols)"
t0=$(now)
sqlite3 "$tmp/fresh.db" <<SQL
.mode csv
.import --skip 1 $csv bare
SQL
t1=$(now)
sq_bare=$(secs "$t0" "$t1")
sq_bare_n=$(sqlite3 "$tmp/fresh.db" "SELECT COUNT(*) FROM bare")
echo "hakomail import: $sq_imp s ($sq_n mailboxes); sqlite3 .import: $sq_bare s ($sq_bare_n rows)"
if [ "$sq_n" != "$rows" ] || [ "$sq_bare_n" != "$rows" ]; then
	echo "$0: expected $rows rows in both" >&2; exit 1
fi

# --- 2. PostgreSQL ---
echo "=== PostgreSQL (a throwaway cluster on 127.0.0.1:$port)"
base=$("$top/tests/pg.sh" start "$pgdir" "$port")
psql -q -X "${base}postgres" -c 'CREATE DATABASE hk_import' -c 'CREATE DATABASE hk_bare' >/dev/null
pconf=$tmp/pg.conf
printf '[database]\nurl = %shk_import\n[pushd]\nwake_socket = %s/wake\n' \
	"$base" "$tmp" >"$pconf"
setup_db "$pconf" bench.example
t0=$(now)
"$hk" -c "$pconf" import mailboxes "$csv"
t1=$(now)
pg_imp=$(secs "$t0" "$t1")
pg_n=$(psql -XAtq "${base}hk_import" -c "SELECT COUNT(*) FROM mailbox m JOIN
	domain d ON d.id = m.domain_id WHERE d.name = 'bench.example'")
psql -q -X "${base}hk_bare" -c "CREATE TABLE bare ($bare_cols)"
t0=$(now)
psql -q -X "${base}hk_bare" -c "\\copy bare FROM '$csv' CSV HEADER"
t1=$(now)
pg_bare=$(secs "$t0" "$t1")
pg_bare_n=$(psql -XAtq "${base}hk_bare" -c "SELECT COUNT(*) FROM bare")
echo "hakomail import: $pg_imp s ($pg_n mailboxes); psql \\copy: $pg_bare s ($pg_bare_n rows)"
if [ "$pg_n" != "$rows" ] || [ "$pg_bare_n" != "$rows" ]; then
	echo "$0: expected $rows rows in both" >&2; exit 1
fi
# A second yardstick: the same rows as the import stored them, by \copy
# into mailbox itself in a second fresh database of the panel's: what
# COPY itself costs for that table, its key, indexes, foreign key and
# triggers.
psql -q -X "${base}hk_import" -c "\\copy (SELECT domain_id, local_part,
	password_hash, name, quota_bytes, active, created_at, updated_at FROM
	mailbox) TO '$tmp/rows.tsv'"
psql -q -X "${base}postgres" -c 'CREATE DATABASE hk_copy' >/dev/null
printf '[database]\nurl = %shk_copy\n[pushd]\nwake_socket = %s/wake\n' \
	"$base" "$tmp" >"$tmp/copy.conf"
setup_db "$tmp/copy.conf" bench.example
t0=$(now)
psql -q -X "${base}hk_copy" -c "\\copy mailbox (domain_id, local_part,
	password_hash, name, quota_bytes, active, created_at, updated_at) FROM '$tmp/rows.tsv'"
t1=$(now)
pg_shaped=$(secs "$t0" "$t1")
echo "psql \\copy into mailbox: $pg_shaped s"
"$top/tests/pg.sh" stop "$pgdir" >/dev/null

# --- 3. reads during an import ---
echo "=== reads during an import (a panel on $HK_LISTEN, SQLite, $readers readers)"
"$top/deploy/panel.sh" setup >/dev/null
cli() { "$hk" -c "$HK_STATE/hakomail.conf" "$@"; }
setup_db "$HK_STATE/hakomail.conf" bench.example bench2.example
cli import mailboxes "$csv" >/dev/null	# the mailboxes read: not measured
chown hakomail:hakomail "$HK_STATE"/db/hakomail.db*
key=$(cli apikey create)
"$top/deploy/panel.sh" start
page="http://$HK_LISTEN/api/v1/domains/bench.example/mailboxes?limit=100"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$page")
[ "$code" = 200 ] || { echo "$0: the page answers $code" >&2; exit 1; }
# each reader: one curl, one kept-alive connection, one request after
# another, a line "HTTP-CODE SECONDS" each (000 and 5 s: a timeout)
hdr=$tmp/auth.cfg
printf 'header = "Authorization: Bearer %s"\n' "$key" >"$hdr"
awk -v u="$page" 'BEGIN {for (i = 0; i < 200000; i++)
	printf "url = \"%s\"\noutput = \"/dev/null\"\n", u}' >"$tmp/urls.cfg"
start_readers() {	# start_readers TAG
	loaders=()
	for i in $(seq "$readers"); do
		stdbuf -oL curl -s --max-time 5 -K "$hdr" -K "$tmp/urls.cfg" \
			-w '%{http_code} %{time_total}\n' >"$tmp/$1.$i" 2>/dev/null &
		loaders+=($!)
	done
	# under way: a line from every reader
	for i in $(seq "$readers"); do
		for _ in $(seq 100); do [ -s "$tmp/$1.$i" ] && break; sleep 0.05; done
	done
}
stop_readers() {
	for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${loaders[@]}"; do wait "$pid" 2>/dev/null || true; done
	loaders=()
}
# stats TAG SECONDS: "n req/s p50 p99 max failed slow" over the readers' lines
stats() {
	local s=$2
	# a reader's last line may be cut short by its end
	awk '/^[0-9][0-9][0-9] [0-9.]+$/' "$tmp/$1".* | sort -k2,2g | awk -v s="$s" '
		{ n++; t[n] = $2 * 1000; if ($1 != 200) bad++; if ($2 >= 5) slow++ }
		END {
			if (n == 0) { print "0 0 - - - 0 0"; exit }
			p50 = t[int(n * 0.50 + 0.5) > 0 ? int(n * 0.50 + 0.5) : 1]
			p99 = t[int(n * 0.99 + 0.5) > 0 ? int(n * 0.99 + 0.5) : 1]
			printf "%d %.0f %.2f %.2f %.2f %d %d\n", n, n / s, p50, p99,
				t[n], bad + 0, slow + 0
		}'
}
# the yardstick: the same load, no import, as long as the import took above
before=$(awk -v s="$sq_imp" 'BEGIN {s = int(s + 0.999); print s < 3 ? 3 : s}')
start_readers before
sleep "$before"
stop_readers
read -r b_n b_rps b_p50 b_p99 b_max b_bad b_slow < <(stats before "$before")
awk '/^[0-9][0-9][0-9] [0-9.]+$/ && $1 != 200' "$tmp"/before.* | sort | uniq -c | head -5 | sed 's/^/failed (before): /'
# during: the readers start, the import of the second file runs, the
# readers stop when it has returned
start_readers during
t0=$(now)
cli import mailboxes "$csv2"
t1=$(now)
stop_readers
during=$(secs "$t0" "$t1")
read -r d_n d_rps d_p50 d_p99 d_max d_bad d_slow < <(stats during "$during")
awk '/^[0-9][0-9][0-9] [0-9.]+$/ && $1 != 200' "$tmp"/during.* | sort | uniq -c | head -5 | sed 's/^/failed (during): /'
d_count=$(sqlite3 "$HK_STATE/db/hakomail.db" "SELECT COUNT(*) FROM mailbox m JOIN
	domain d ON d.id = m.domain_id WHERE d.name = 'bench2.example'")
locked=$(cat "$HK_STATE"/log/*.log | grep -c 'database is locked' || true)
echo "before: $b_n reads in $before s; during: $d_n reads in $during s ($d_count mailboxes imported)"

echo
echo "=== summary ($rows mailboxes, pre-hashed passwords)"
echo "SQLite:     hakomail import $sq_imp s ($(per_s "$sq_imp") rows/s), sqlite3 .import $sq_bare s ($(per_s "$sq_bare") rows/s)"
echo "            import/sqlite3 = $(ratio "$sq_bare" "$sq_imp") % of the speed (goal >= 50 %: $(verdict "$sq_imp > 0 && 100 * $sq_bare / $sq_imp >= 50")); <= 5 s: $(verdict "$sq_imp <= 5")"
echo "PostgreSQL: hakomail import $pg_imp s ($(per_s "$pg_imp") rows/s), psql \\copy $pg_bare s ($(per_s "$pg_bare") rows/s)"
echo "            import/\\copy = $(ratio "$pg_bare" "$pg_imp") % of the speed (goal >= 50 %: $(verdict "$pg_imp > 0 && 100 * $pg_bare / $pg_imp >= 50"))"
echo "            psql \\copy into mailbox itself (its key, indexes, foreign key, triggers) $pg_shaped s:"
echo "            import/that = $(ratio "$pg_shaped" "$pg_imp") % of the speed (what COPY itself costs there)"
echo "reads (page of 100, $readers readers):"
echo "            before the import: $b_rps req/s, p50 $b_p50 ms, p99 $b_p99 ms, max $b_max ms, $b_bad failed, $b_slow over 5 s"
echo "            during the import: $d_rps req/s, p50 $d_p50 ms, p99 $d_p99 ms, max $d_max ms, $d_bad failed, $d_slow over 5 s (import $during s under load; 'database is locked' in the logs: $locked)"
echo "            keeps answering during the import: $(verdict "$d_n > 0 && $d_bad == 0 && $d_slow == 0 && $d_count == $rows")"
