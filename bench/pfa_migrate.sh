#!/bin/bash
# SPDX-License-Identifier: ISC
# pfa_migrate.sh - 100,000 mailboxes moved in from PostfixAdmin on SQLite
# (`hakomail migrate postfixadmin`), beside hakomail's own CSV import of
# the same mailboxes with the same pre-hashed passwords, measured in the
# same run, each into a fresh database:
#
#   goal: the migration <= 10 s, and >= 50 % of the import's speed.
#
# The PostfixAdmin database is made by PostfixAdmin itself
# (tests/pfa/mkdb.sh: its upgrade.php), emptied of its fixture, then
# given one domain of ROWS mailboxes, each with the alias PostfixAdmin
# makes for a mailbox (goto: itself), as PostfixAdmin's mailbox form
# writes them (the rows by SQL: its CLI takes a second per mailbox).
#
#   bench/pfa_migrate.sh BUILDDIR     (as root on Debian, after make)
#
# HK_BENCH_ROWS (default 100000); HK_BENCH_KEEP=1 keeps the files (their
# directory is printed), to profile a run.  A benchmark is not a test: a MISS still
# exits 0; non-zero means it could not run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
hk=$build/src/hakomail
[ -x "$hk" ] || { echo "$0: no $hk (run make in $1)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "$0: sqlite3 is missing" >&2; exit 2; }
rows=${HK_BENCH_ROWS:-100000}
tmp=$(mktemp -d /var/tmp/hk-bench-pfa-XXXXXX)
chmod 0755 "$tmp"
echo "files: $tmp"
[ -n "${HK_BENCH_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b - a) / 1e9}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? 100 * a / b : 0)}'; }
verdict() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo MISS; fi; }

# ROWS mailboxes as CSV: {SHA512-CRYPT} hashes cut from a random pool (a
# different one on every row), a Japanese name on two rows of three,
# quotas of 500M/1G/2G, one mailbox in 50 inactive.
awk -v n="$rows" 'BEGIN {
	srand(1)
	abc = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for (i = 0; i < 8192; i++) pool = pool substr(abc, int(rand() * 64) + 1, 1)
	nf = split("佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村", fam, " ")
	ng = split("太郎 花子 翔太 美咲 大輔 陽菜 健一 結衣", giv, " ")
	split("536870912 1073741824 2147483648 1073741824", quo, " ")
	print "address,password_hash,name,quota,active"
	for (i = 1; i <= n; i++) {
		h = substr(pool, int(rand() * 8000) + 1, 16) "$" \
		    substr(pool, int(rand() * 8000) + 1, 86)
		name = i % 3 ? fam[int(rand() * nf) + 1] " " giv[int(rand() * ng) + 1] : ""
		printf "u%06d@bench.example,{SHA512-CRYPT}$6$%s,%s,%s,%s\n", i, h, name,
			quo[i % 4 + 1], i % 50 ? "true" : "false"
	}
}' >"$tmp/mailboxes.csv"

echo "=== a PostfixAdmin database (its own upgrade.php), $rows mailboxes"
"$top/tests/pfa/mkdb.sh" "sqlite:$tmp/pfa.db" "$tmp/manifest.tsv"
sqlite3 "$tmp/pfa.db" <<SQL
DELETE FROM mailbox; DELETE FROM alias; DELETE FROM alias_domain;
DELETE FROM vacation; DELETE FROM domain_admins; DELETE FROM admin;
DELETE FROM domain WHERE domain <> 'ALL';
INSERT INTO domain (domain, description, aliases, mailboxes, maxquota, quota,
	transport, backupmx, created, modified, active)
	VALUES ('bench.example', '', 0, 0, 0, 0, 'virtual', 0, datetime(), datetime(), 1);
CREATE TEMP TABLE csv (address, password_hash, name, quota, active);
.mode csv
.import --skip 1 $tmp/mailboxes.csv csv
INSERT INTO mailbox (username, password, name, maildir, quota, local_part,
	domain, created, modified, active)
	SELECT address, password_hash, name, 'bench.example/' || address || '/',
	quota, substr(address, 1, instr(address, '@') - 1), 'bench.example',
	datetime(), datetime(), active = 'true' FROM csv;
INSERT INTO alias (address, goto, domain, created, modified, active)
	SELECT address, address, 'bench.example', datetime(), datetime(), 1 FROM csv;
SQL
chmod 0644 "$tmp/pfa.db"
echo "$(sqlite3 "$tmp/pfa.db" 'SELECT COUNT(*) FROM mailbox') mailboxes, $(sqlite3 "$tmp/pfa.db" 'SELECT COUNT(*) FROM alias') aliases"

keyfile=$tmp/host_key.pub
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3 bench" >"$keyfile"
setup_db() {	# setup_db NAME: a fresh panel database, its conf in $conf
	conf=$tmp/$1.conf
	printf '[database]\nurl = sqlite:%s/%s.db\n[pushd]\nwake_socket = %s/wake\n' \
		"$tmp" "$1" "$tmp" >"$conf"
	"$hk" -c "$conf" init >/dev/null
	"$hk" -c "$conf" project add bench >/dev/null
	"$hk" -c "$conf" guest add g1 --project bench --host 127.0.0.1 --port 1 \
		--host-key-file "$keyfile" >/dev/null
}

echo "=== hakomail migrate postfixadmin (a fresh database)"
setup_db migrated
t0=$(now)
"$hk" -c "$conf" migrate postfixadmin --from "sqlite:$tmp/pfa.db" --project bench \
	--guest g1 >"$tmp/migrate.out"
t1=$(now)
sed -n 1,4p "$tmp/migrate.out"
mig=$(secs "$t0" "$t1")
mig_n=$(sqlite3 "$tmp/migrated.db" 'SELECT COUNT(*) FROM mailbox')

echo "=== hakomail import mailboxes, the same mailboxes (a fresh database)"
setup_db imported
"$hk" -c "$conf" domain add bench.example --guest g1 >/dev/null
t0=$(now)
"$hk" -c "$conf" import mailboxes "$tmp/mailboxes.csv" >/dev/null
t1=$(now)
imp=$(secs "$t0" "$t1")
imp_n=$(sqlite3 "$tmp/imported.db" 'SELECT COUNT(*) FROM mailbox')
if [ "$mig_n" != "$rows" ] || [ "$imp_n" != "$rows" ]; then
	echo "$0: expected $rows mailboxes in both ($mig_n, $imp_n)" >&2; exit 1
fi
same=$(sqlite3 "$tmp/migrated.db" "ATTACH '$tmp/imported.db' AS i;
	SELECT COUNT(*) FROM mailbox m JOIN i.mailbox n USING (local_part)
	WHERE m.password_hash = n.password_hash AND m.name = n.name AND
	m.quota_bytes = n.quota_bytes AND m.active = n.active")

echo
echo "=== figures ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "migrate postfixadmin: $mig s for $mig_n mailboxes"
echo "import mailboxes:     $imp s for $imp_n mailboxes (the yardstick)"
echo "the same rows in both: $same of $rows"
echo "migration <= 10 s: $(verdict "$mig <= 10") ($mig s)"
echo "migration >= 50 % of the import's speed: $(verdict "$imp / $mig >= 0.5") ($(ratio "$imp" "$mig") %)"
