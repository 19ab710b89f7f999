#!/bin/bash
# SPDX-License-Identifier: ISC
# fcgi.sh - hakomail-fcgi as a process, on its own socket and state under
# /run/hk-fcgi-test/: an upload is judged on its parameters before its
# body (a 64 MiB one without credentials is answered 401 though not a
# byte of it was sent); on SIGTERM the workers finish an import under way
# within [fcgi] shutdown_timeout, and past it end its job "interrupted",
# nothing written; a worker SIGKILLed mid-import leaves its job
# "interrupted", not "running"; one worker of one thread holds eight kept
# connections idle and still answers, and SIGTERM closes the idle ones.
# A read that must wait (a DNS check, or its key's last use noted under
# another's write lock) leaves the worker's other connections to its
# other thread.  Every wait is on a condition, bounded.
# On SQLite, or on PostgreSQL when HK_DB_URL names an empty database.
#
# Usage: fcgi.sh BUILDDIR   (results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: fcgi.sh BUILDDIR}" && pwd)
. "$top/tests/lib.sh"

mkdir -p /run/hk-fcgi-test
tmp=$(mktemp -d /run/hk-fcgi-test/run.XXXXXX)
master=
cleanup() {
	[ -n "$master" ] && kill -KILL "$master" 2>/dev/null
	rm -rf "$tmp"
	rmdir /run/hk-fcgi-test 2>/dev/null || true	# unless another run is in it
}
trap cleanup EXIT
url=${HK_DB_URL:-sqlite:$tmp/hakomail.db}
sock=$tmp/fcgi.sock
dns_conf=	# a [dns] section, when a test sets one
conf() {	# conf SHUTDOWN_TIMEOUT [WORKERS THREADS]
	printf '[database]\nurl = %s\n[pushd]\nwake_socket = %s/wake\n[fcgi]\nsocket = %s\nworkers = %s\nthreads = %s\nuser = root\nsocket_group = root\nshutdown_timeout = %s\n%s' \
		"$url" "$tmp" "$sock" "${2:-2}" "${3:-4}" "$1" "$dns_conf" >"$tmp/conf"
}
conf 30
hk() { "$build/src/hakomail" -c "$tmp/conf" "$@"; }
sql() {
	case $url in
	sqlite:*) sqlite3 "${url#sqlite:}" "$1" ;;
	*) psql -Atq "$url" -c "$1" ;;
	esac
}
client() { /usr/bin/python3 "$top/tests/integration/fcgi_client.py" "$sock" "$@"; }

start() {	# start SHUTDOWN_TIMEOUT [WORKERS THREADS]: the parent's pid in $master
	conf "$@"
	rm -f "$sock"
	"$build/src/hakomail-fcgi" -c "$tmp/conf" 2>>"$tmp/log" </dev/null &
	master=$!
	until_ok 20 test -S "$sock"
}
stopped() { ! kill -0 "$master" 2>/dev/null; }
# SIGTERM to the parent; true once it has exited, within 180 s
stop() {
	kill -TERM "$master"
	until_ok 180 stopped && wait "$master" 2>/dev/null
	local rc=$?
	master=
	return $rc
}

echo "== fcgi (database: ${HK_DB_URL:-SQLite})"
hk init >/dev/null 2>&1 && hk project add lab >/dev/null &&
	ssh-keygen -q -t ed25519 -N '' -C g1 -f "$tmp/key" &&
	hk guest add g1 --project lab --host 10.77.0.99 \
		--host-key-file "$tmp/key.pub" >/dev/null 2>&1 &&
	hk domain add pc1.example --guest g1 >/dev/null &&
	hk domain add pc2.example --guest g1 >/dev/null ||
	{ fail "fcgi: setting up the database"; exit 0; }
key=$(hk apikey create)
reader=$(hk apikey create --read-only)

# --- item 12: the parameters are judged before the body --------------
start 30 || fail "hakomail-fcgi starts"
up="/api/v1/imports?kind=mailboxes"
out=$(client POST "$up" --type text/csv --length 67108864 --timeout 10)
check_eq "a 64 MiB upload without credentials, body unsent: 401 at once" \
	"0 401 unauthorized" "$? $(head -1 <<<"$out") $(tail -n +2 <<<"$out" | jq -r .error.code)"
out=$(client POST "$up" --type text/csv --length 67108864 --key "$reader" --timeout 10)
check_eq "... with a read-only key: 403 at once" "0 403" "$? $(head -1 <<<"$out")"
out=$(client POST "$up" --type text/csv --length 67108864 --key hk_nosuch_key --timeout 10)
check_eq "... with a bad key: 401 at once" "0 401" "$? $(head -1 <<<"$out")"
out=$(client POST "/api/v1/imports?kind=nosuch" --type text/csv --length 67108864 --key "$key" --timeout 10)
check_eq "... with a bad option: 400 naming it at once" "0 400 kind" \
	"$? $(head -1 <<<"$out") $(tail -n +2 <<<"$out" | jq -r .error.field)"
out=$(client GET /api/v1/whoami --key "$key" --timeout 10)
check_eq "the workers answer on: an authenticated read" "0 200" "$? $(head -1 <<<"$out")"

# --- kept connections (issue 22): one worker process, one thread ------
# Eight connections kept open as nginx's pool keeps them, idle between
# their requests, hold no thread: the worker's poller watches them, and
# its one serving thread answers a new connection, then each kept one
# again.  (A thread waiting on its kept connection, as libfcgi's own
# accept loop does, would answer none of the others.)
stop
start 30 1 1 || fail "hakomail-fcgi starts with one worker of one thread"
ok8="held 8: $(printf '200 %.0s' $(seq 16) | sed 's/ $//')"
out=$(client GET /api/v1/whoami --key "$key" --held 8 --timeout 10)
check_eq "eight kept connections idle, a new one answered: 200, then each kept one again" \
	"0 $ok8|200" "$? $(head -2 <<<"$out" | paste -sd'|')"
# SIGTERM while nginx would keep eight connections idle: the worker
# closes them and exits at once.
client GET /api/v1/whoami --key "$key" --held 8 --linger 60 --timeout 10 >"$tmp/held" &
lingering=$!
held_up() { grep -qx "$ok8" "$tmp/held"; }
check "eight kept connections idle again" until_ok 20 held_up
t0=$(now_ms)
stop; rc=$?
t1=$(now_ms)
wait "$lingering"
check_eq "SIGTERM: the parent exits 0, the eight kept connections closed by the worker" \
	"0 closed by the server: 8" "$rc $(sed -n 2p "$tmp/held")"
echo "  time: SIGTERM to the parent's exit with eight kept connections idle: $((t1 - t0)) ms"

# --- a request that waits lets another thread serve (issue 22) -------
# With SQLite one thread of a worker at a time waits for its connections
# (a read keeps the CPU busy, and a spare thread woken for it would only
# cost a switch); a request that may wait on something else first hands
# that turn to a spare.  Here: one worker of two threads, a DNS check
# asking a resolver that reads the query and never answers ([dns]
# timeout 5 s), and meanwhile a read on another connection.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    s.recv(512)
    open(sys.argv[1], "a").write("asked\n")
' "$tmp/asked" >"$tmp/mute-port" &
mute=$!
until_ok 10 test -s "$tmp/mute-port"
dns_conf="[dns]
resolver = 127.0.0.1@$(cat "$tmp/mute-port")
timeout = 5
"
start 30 1 2 || fail "hakomail-fcgi starts with one worker of two threads"
client GET "/api/v1/domains/pc1.example/dns?check=true" --key "$key" --timeout 30 >"$tmp/dns-out" &
checking=$!
check "a DNS check waits on a resolver that never answers" until_ok 20 test -s "$tmp/asked"
out=$(client GET /api/v1/whoami --key "$key" --timeout 4)
check_eq "... meanwhile the worker's other thread answers a read on another connection, the check still waiting" \
	"0 200 waiting" "$? $(head -1 <<<"$out") $(kill -0 "$checking" 2>/dev/null && echo waiting)"
wait "$checking"
check_eq "... the check ends once [dns] timeout is over, answered" "200" "$(head -1 "$tmp/dns-out")"
kill "$mute"; wait "$mute" 2>/dev/null

# A quick read's own bookkeeping can wait too: a key's last use is noted
# once a minute, a write, which waits here for the lock the sqlite3 shell
# holds (SQLite only: with PostgreSQL every thread waits on the set).
if [ -z "${HK_DB_URL:-}" ]; then
	sql "UPDATE api_key SET last_used_at = 0" &&
		client GET /api/v1/whoami --key "$reader" --timeout 4 >/dev/null
	mkfifo "$tmp/lock"
	sqlite3 "${url#sqlite:}" <"$tmp/lock" >/dev/null 2>&1 &
	holder=$!
	exec 7>"$tmp/lock"
	echo "BEGIN IMMEDIATE;" >&7
	locked() { ! sqlite3 "${url#sqlite:}" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
	check "the sqlite3 shell holds the write lock" until_ok 10 locked
	client GET /api/v1/whoami --key "$key" --timeout 30 >"$tmp/noting" &
	noting=$!
	# its thread in SQLite's busy wait: asleep in nanosleep, retrying
	busy() {
		local t
		for t in /proc/"$(pgrep -P "$master")"/task/*; do
			[ "$(cat "$t/wchan" 2>/dev/null)" = hrtimer_nanosleep ] && return 0
		done
		return 1
	}
	check "a read whose key's last use is to be noted waits for the lock" until_ok 10 busy
	out=$(client GET /api/v1/whoami --key "$reader" --timeout 4)
	check_eq "... meanwhile the worker's other thread answers a read on another connection, the first still waiting" \
		"0 200 waiting" "$? $(head -1 <<<"$out") $(kill -0 "$noting" 2>/dev/null && echo waiting)"
	echo "COMMIT;" >&7
	exec 7>&-
	wait "$holder"
	wait "$noting"
	check_eq "... and once the lock is free, it is answered" 200 "$(head -1 "$tmp/noting")"
fi
dns_conf=
stop

# --- item 19: SIGTERM, shutdown_timeout, SIGKILL ----------------------
start 120 || fail "hakomail-fcgi starts with shutdown_timeout 120"
hash='{SHA512-CRYPT}$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnop'
csv() {	# csv PREFIX DOMAIN: 300,000 mailboxes with their hashes (40 MB)
	{ echo address,password_hash
	  seq 1 300000 | sed "s/.*/$1&@$2,$hash/"; } >"$tmp/$1.csv"
}
mailboxes() { sql "SELECT COUNT(*) FROM mailbox"; }
# upload FILE: the job's id, once the upload is answered 202
upload() {
	client POST "$up" --type text/csv --key "$key" --body "$1" --timeout 60 |
		{ read -r status; [ "$status" = 202 ] && jq -r .id; }
}
job() { sql "SELECT $2 FROM import_job WHERE id = $1"; }
# running ID: the job is under way (checking or writing its rows: about
# a second on SQLite, more on PostgreSQL, where this polls every 50 ms)
running() { [ "$(job "$1" state)" = running ]; }

csv a pc1.example
id=$(upload "$tmp/a.csv")
check "a long import started (SIGTERM with shutdown_timeout 120)" until_ok 60 running "$id"
stop; rc=$?
check_eq "... the parent exits 0 once its workers have" 0 "$rc"
check_eq "... the import ran to its end: done, every row added" \
	"done 300000 300000" "$(job "$id" "state || ' ' || added") $(mailboxes)"

start 0 || fail "hakomail-fcgi starts again"
csv b pc2.example
id=$(upload "$tmp/b.csv")
check "a long import started (SIGTERM with shutdown_timeout 0)" until_ok 60 running "$id"
stop; rc=$?
check_eq "... the parent exits 0" 0 "$rc"
check_eq "... the job ended interrupted, nothing written" \
	"interrupted 0 300000" "$(job "$id" "state || ' ' || added") $(mailboxes)"
check "... its error says so" grep -q "nothing was written" <<<"$(job "$id" error)"

start 30 || fail "hakomail-fcgi starts a third time"
id=$(upload "$tmp/b.csv")
check "a long import started (its worker to be SIGKILLed)" until_ok 60 running "$id"
worker=$(job "$id" worker)
kill -KILL "${worker##*:}"
job_is() { [ "$(job "$1" state)" = "$2" ]; }
check "... the parent ends the job interrupted" until_ok 30 job_is "$id" interrupted
check_eq "... nothing written" 300000 "$(mailboxes)"
stop
exit 0
