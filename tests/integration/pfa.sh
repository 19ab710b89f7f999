#!/bin/bash
# SPDX-License-Identifier: ISC
# pfa.sh - moving in from PostfixAdmin (issue 20), on real components:
# databases made by Debian's postfixadmin itself (tests/pfa/mkdb.sh) on
# SQLite, PostgreSQL and MariaDB (both servers started here, stopped
# after), migrated by `hakomail migrate postfixadmin` into a panel with a
# real guest:
#
#  - bad input: not a PostfixAdmin database, a schema version it does not
#    read, a bad --map-domain, a database that goes away in the middle of
#    the read (MariaDB's server killed, PostgreSQL's backend terminated):
#    a clear error naming it, nothing written;
#  - the dry run of a database with problems lists each of them with its
#    PostfixAdmin table and key, and writes nothing;
#  - the migration from SQLite: the counts match what PostfixAdmin holds;
#    an IMAP login with the password given to PostfixAdmin succeeds for
#    every hash scheme it wrote (and fails for an inactive mailbox or
#    domain); a message to every alias, the catch-all, an alias domain
#    and a forwarding mailbox is delivered where PostfixAdmin would have
#    delivered it (tests/integration/pfa_expect.py works that out from
#    the manifest alone); an admin signs in to the panel with its
#    PostfixAdmin password;
#  - run again from PostgreSQL's and MariaDB's databases (the same rows,
#    new salts): updated, every login still works; once more from MariaDB:
#    nothing changes.
#
# Usage: pfa.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
# HK_PFA_N (default 85) names the guest's number, HK_PFA_GUEST its name
# (p1); HK_PFA_PG_PORT (55641) and HK_PFA_MY_PORT (33641) the servers';
# HK_STATE, HK_LISTEN and HK_GUEST_ROOT as for every panel test.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: pfa.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
chmod 0755 "$tmp"	# the CLI reads SQLite files as the database's owner
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

n=${HK_PFA_N:-85}
g=${HK_PFA_GUEST:-p1}
pgdir=/run/hakomail-test/pfa-pg-$n mydir=/run/hakomail-test/pfa-my-$n
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "PASS ${HK_LABEL:+$HK_LABEL: }pfa: $*" >>"$HK_RESULTS"; echo "  ok   - $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL ${HK_LABEL:+$HK_LABEL: }pfa: $*" >>"$HK_RESULTS"; echo "  FAIL - $*"; }

cleanup() {
	panel_down
	"$top/tests/mariadb.sh" stop "$mydir" 2>/dev/null
	"$top/tests/pg.sh" stop "$pgdir" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

show_logs() {
	for f in "$HK_STATE"/log/*.log "$HK_GUEST_ROOT"/*/log/*; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
	done
}

# migrate ARGS...: the command's exit code in RC, its output in OUT
migrate() {
	cli --json migrate postfixadmin --project lab --guest "$g" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	RC=$?
	OUT=$(cat "$tmp/out")
	ERR=$(cat "$tmp/err")
}
written() { sql "SELECT COUNT(*) FROM domain"; }
audits() { sql "SELECT COUNT(*) FROM audit WHERE action = 'migrate'"; }
# found KIND: PostfixAdmin's rows of a kind as the last run counted them
found() { jq -r ".counts.$1.found" <<<"$OUT"; }
count_of() { grep -c "^$1	" "$2"; }	# count_of KIND MANIFEST

echo "== pfa: PostfixAdmin's databases, made by postfixadmin itself"
pgbase=$("$top/tests/pg.sh" start "$pgdir" "${HK_PFA_PG_PORT:-55641}") ||
	{ fail "PostgreSQL started"; exit 1; }
mybase=$("$top/tests/mariadb.sh" start "$mydir" "${HK_PFA_MY_PORT:-33641}") ||
	{ fail "MariaDB started"; exit 1; }
declare -A url=([sqlite]="sqlite:$tmp/pfa.db" [pgsql]="${pgbase}pfa"
		[mysql]="${mybase}pfa")
for b in sqlite pgsql mysql; do
	check "a PostfixAdmin database on $b (its upgrade.php, its CLI)" \
		"$top/tests/pfa/mkdb.sh" "${url[$b]}" "$tmp/$b.tsv" ||
		{ show_logs; exit 1; }
done
check "and one with problems (SQLite)" \
	"$top/tests/pfa/mkdb.sh" "sqlite:$tmp/problems.db" "$tmp/problems.tsv" --problems
chmod 0644 "$tmp"/*.db

check "panel up" panel_up || { show_logs; exit 1; }
check "guest $g up and pinned" guest_up "$g" "$n" || { show_logs; exit 1; }
ip=$(guest_ip "$g")

echo "== pfa: bad input, nothing written"
sqlite3 "$tmp/empty.db" 'CREATE TABLE t (x)' && chmod 0644 "$tmp/empty.db"
migrate --from "sqlite:$tmp/empty.db"
check "not a PostfixAdmin database: refused naming it" \
	eval '[ $RC = 1 ] && grep -q "not a PostfixAdmin database: it has no table domain" <<<"$ERR"'
cp "$tmp/pfa.db" "$tmp/old.db"
sqlite3 "$tmp/old.db" "UPDATE config SET value = '740' WHERE name = 'version'"
chmod 0644 "$tmp/old.db"
migrate --from "sqlite:$tmp/old.db"
check "schema version 740 (PostfixAdmin 2.x): refused naming it" \
	eval '[ $RC = 1 ] && grep -q "schema version 740: this reads 1824 to 1847" <<<"$ERR"'
migrate --from "sqlite:$tmp/pfa.db" --map-domain pfa1.example
check "--map-domain without a guest: refused naming it" \
	eval '[ $RC = 1 ] && grep -q "map-domain: pfa1.example: give DOMAIN=GUEST" <<<"$ERR"'
migrate --from "sqlite:$tmp/no-such.db"
check "a database that is not there: refused, and not made" \
	eval '[ $RC = 1 ] && [ ! -e "$tmp/no-such.db" ]'
migrate --from "mysql://hk:wrong-secret@127.0.0.1:${HK_PFA_MY_PORT:-33641}/pfa"
check "a wrong password: refused, the password never shown" \
	eval '[ $RC = 1 ] && ! grep -q wrong-secret <<<"$ERR$OUT"'
migrate --from "sqlite:$tmp/pfa.db" --map-domain pfa3.example=nosuch --dry-run
check "--map-domain to a guest that is not the project's: refused naming it" \
	eval '[ $RC = 1 ] && grep -q "guest: no guest nosuch" <<<"$ERR"'
migrate --from "sqlite:$tmp/pfa.db" --only-domain pfa3.example --dry-run --cleartext
check_eq "--only-domain pfa3.example: its domain, mailboxes and alias only" "1 2 1" \
	"$(jq -r '[.counts.domains.found, .counts.mailboxes.found,
		.counts.aliases.found] | join(" ")' <<<"$OUT")"
check_eq "nothing written by any of them" "0 0" "$(written) $(audits)"

echo "== pfa: the dry run of a database with problems"
migrate --from "sqlite:$tmp/problems.db" --dry-run --cleartext
check "refused (exit 1): it has problems" eval '[ $RC = 1 ]'
# each problem the manifest names, by PostfixAdmin's table and key
while IFS=$'\t' read -r _ table key what; do
	case $what in
	upper-case-local-part) want=migrate_not_canonical ;;
	unusual-local-part) want=local_part_chars ;;
	no-known-hash) want=hash_unknown ;;
	goto-nowhere) want=migrate_goto_nowhere ;;
	mailboxes-over-limit) want=over_domain_mailboxes ;;
	esac
	check "listed: $table $key ($want)" eval 'jq -e --arg t "$table" \
		--arg k "$key" --arg w "$want" "any(.problems[]; .table == \$t and
		.key == \$k and .reason_id == \$w)" <<<"$OUT" >/dev/null'
done < <(grep '^problem' "$tmp/problems.tsv")
check_eq "no other problem" "$(grep -c '^problem' "$tmp/problems.tsv")" \
	"$(jq '.problems | length' <<<"$OUT")"
check_eq "nothing written" "0 0" "$(written) $(audits)"

# logins MANIFEST: every mailbox's IMAP login as pfa_expect.py says
logins() {
	local addr pw want got
	while IFS=$'\t' read -r _ addr pw want; do
		if imap_login "$ip" "$addr" "$pw"; then got=yes; else got=no; fi
		check_eq "$2: IMAP login $addr ($(awk -F'\t' -v a="$addr" \
			'$1 == "mailbox" && $2 == a {print $4}' "$1"))" "$want" "$got"
	done < <(python3 "$top/tests/integration/pfa_expect.py" "$1" | grep '^login')
}

# inbox_has ADDRESS PASSWORD ID: the message is in that INBOX
inbox_has() {
	curl -s --max-time 10 "imap://$ip/INBOX" -u "$1:$2" \
		-X "SEARCH HEADER Message-ID <$3@pfa.test>" | grep -q 'SEARCH [0-9]'
}

# deliveries MANIFEST: a message to each address pfa_expect.py names,
# found in each mailbox it says
deliveries() {
	local rcpt boxes box pw id k=0
	while IFS=$'\t' read -r _ rcpt boxes; do
		k=$((k + 1)); id=m$k-$RANDOM
		printf 'From: t@sender.example\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@pfa.test>\r\n\r\nhello\r\n' \
			"$rcpt" "$id" "$id" >"$tmp/msg"
		curl -s --max-time 15 "smtp://$ip" --mail-from t@sender.example \
			--mail-rcpt "$rcpt" -T "$tmp/msg" ||
			{ fail "SMTP to $rcpt accepted"; continue; }
		for box in ${boxes//,/ }; do
			pw=$(awk -F'\t' -v a="$box" '$1 == "mailbox" && tolower($2) == a {print $3}' "$1")
			check "mail to $rcpt is in $box" until_ok 30 inbox_has "$box" "$pw" "$id"
		done
	done < <(python3 "$top/tests/integration/pfa_expect.py" "$1" | grep '^deliver')
}

echo "== pfa: the migration from SQLite"
migrate --from "sqlite:$tmp/pfa.db" --cleartext
check "written (exit 0)" eval '[ $RC = 0 ]' || echo "$ERR"
check_eq "every mailbox PostfixAdmin has, found" \
	"$(count_of mailbox "$tmp/sqlite.tsv")" "$(found mailboxes)"
check_eq "every domain (but the alias domain), found" \
	"$(( $(count_of domain "$tmp/sqlite.tsv") - $(count_of aliasdomain "$tmp/sqlite.tsv") ))" \
	"$(found domains)"
check_eq "every mailbox in hakomail" "$(count_of mailbox "$tmp/sqlite.tsv")" \
	"$(sql 'SELECT COUNT(*) FROM mailbox')"
check_eq "the alias domain" "pfa-alias.example" "$(sql 'SELECT name FROM alias_domain')"
check_eq "one audit entry" 1 "$(audits)"
check "$g in sync" until_ok 60 guest_in_sync "$g"
logins "$tmp/sqlite.tsv" sqlite
deliveries "$tmp/sqlite.tsv"

# signin LOGIN PASSWORD: the panel's answer to a web sign-in
signin() {
	jq -n --arg l "$1" --arg p "$2" '{login: $l, password: $p}' >"$tmp/login.json"
	curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "@$tmp/login.json" "$base/session"
}
echo "== pfa: PostfixAdmin's domain admins, owners of the project"
while IFS=$'\t' read -r _ login pw setting super _; do
	[ "$super" = 1 ] && continue
	acct=$(tr 'A-Z@.' 'a-z--' <<<"$login")
	case $setting in
	md5crypt|php_crypt:*|dovecot:*-CRYPT) want=201 ;;	# the panel checks crypt(3)
	*) want=401 ;;					# made without a password
	esac
	check_eq "$acct ($setting) signs in with its PostfixAdmin password: $want" \
		"$want" "$(signin "$acct" "$pw")"
done < <(grep '^admin' "$tmp/sqlite.tsv")
check_eq "no superadmin came over" 0 \
	"$(sql "SELECT COUNT(*) FROM account WHERE login LIKE 'super%'")"

# rerun BACKEND: the same rows again, from another backend's database
rerun() {
	migrate --from "${url[$1]}" --cleartext
	check "from $1: written (exit 0)" eval '[ $RC = 0 ]' || echo "$ERR"
	check_eq "from $1: every mailbox found" \
		"$(count_of mailbox "$tmp/$1.tsv")" "$(found mailboxes)"
	check_eq "from $1: no mailbox added" 0 "$(jq .counts.mailboxes.added <<<"$OUT")"
	check "$g in sync" until_ok 60 guest_in_sync "$g"
}
echo "== pfa: run again from PostgreSQL (the same rows, new salts)"
rerun pgsql
check "most mailboxes updated (new hashes)" \
	eval '[ "$(jq .counts.mailboxes.updated <<<"$OUT")" -ge 10 ]'
logins "$tmp/pgsql.tsv" pgsql
echo "== pfa: and from MariaDB"
rerun mysql
logins "$tmp/mysql.tsv" mysql
deliveries "$tmp/mysql.tsv"
echo "== pfa: once more from MariaDB: nothing changes"
rerun mysql
check_eq "mailboxes and aliases all unchanged" "0 0 0 0" \
	"$(jq -r '[.counts.mailboxes.updated, .counts.mailboxes.added,
		.counts.aliases.updated, .counts.aliases.added] | join(" ")' <<<"$OUT")"

echo "== pfa: a database that goes away in the middle of the read"
# Many alias rows, so that the read is under way long enough to be seen.
mysql_pfa() { mariadb --no-defaults -h 127.0.0.1 -P "${HK_PFA_MY_PORT:-33641}" -u hk -phk pfa "$@"; }
mysql_pfa -e "INSERT INTO alias (address, goto, domain, created, modified, active)
	SELECT CONCAT('bulk', seq, '@pfa1.example'), 'info@pfa1.example', 'pfa1.example',
	NOW(), NOW(), 1 FROM seq_1_to_300000" ||
	fail "300,000 alias rows added to MariaDB's database"
before=$(sql "SELECT COUNT(*) FROM alias")
audit_before=$(audits)
cli migrate postfixadmin --project lab --guest "$g" --from "${url[mysql]}" \
	>"$tmp/out" 2>"$tmp/err" &
mig=$!
reading() { mysql_pfa -N -e "SELECT COUNT(*) FROM information_schema.processlist
	WHERE info LIKE 'SELECT address, goto%'" | grep -qv '^0$'; }
if until_ok 60 reading; then
	kill -9 "$(cat "$mydir/pid")"
	pass "MariaDB's server killed while the alias table was read"
else
	fail "the read of the alias table seen under way"
fi
wait "$mig"; RC=$?
check "the migration failed (exit 1), naming the source, its password masked" \
	eval '[ $RC = 1 ] && grep -q "from: cannot read mysql://hk:\*\*\*@" "$tmp/err"'
grep -v '^$' "$tmp/err" | head -3 | sed 's/^/    /'
check_eq "nothing written: aliases and audit as before" "$before $audit_before" \
	"$(sql "SELECT COUNT(*) FROM alias") $(audits)"
python3 "$top/tests/integration/pfa_expect.py" "$tmp/mysql.tsv" >"$tmp/expect"
IFS=$'\t' read -r _ addr pw _ < <(grep -P '^login\t.*\tyes$' "$tmp/expect")
check "the guest still serves what it had ($addr logs in)" \
	until_ok 30 imap_login "$ip" "$addr" "$pw"

echo "== pfa: PostgreSQL's backend terminated in the middle of the read"
psql -XAtq "${pgbase}pfa" -c "INSERT INTO alias (address, goto, domain, created,
	modified, active) SELECT 'bulk' || i || '@pfa1.example', 'info@pfa1.example',
	'pfa1.example', now(), now(), true FROM generate_series(1, 300000) i" ||
	fail "300,000 alias rows added to PostgreSQL's database"
cli migrate postfixadmin --project lab --guest "$g" --from "${url[pgsql]}" \
	>"$tmp/out" 2>"$tmp/err" &
mig=$!
pg_reading() { psql -XAtq "${pgbase}postgres" -c "SELECT pg_terminate_backend(pid)
	FROM pg_stat_activity WHERE query LIKE 'SELECT address, goto%'" | grep -q t; }
check "the reader's backend terminated while the alias table was read" \
	until_ok 60 pg_reading
wait "$mig"; RC=$?
check "the migration failed (exit 1), naming the source" \
	eval '[ $RC = 1 ] && grep -q "from: cannot read postgresql://" "$tmp/err"'
grep -v '^$' "$tmp/err" | head -3 | sed 's/^/    /'
check_eq "nothing written" "$before $audit_before" \
	"$(sql "SELECT COUNT(*) FROM alias") $(audits)"

echo "pfa: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
