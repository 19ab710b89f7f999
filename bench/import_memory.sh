#!/bin/bash
# SPDX-License-Identifier: ISC
# import_memory.sh - the peak memory of an import, in the real worker
# (hakomail-fcgi, posted to through FastCGI with Debian's cgi-fcgi) and in
# the CLI (hakomail import), against the bound of issue 15: a process
# holding an upload of U bytes grows to at most 2 x U + 16 MiB, whatever
# the file.  Each case gets a fresh worker, whose VmHWM (/proc) is read
# once its job has ended; the CLI's peak is /usr/bin/time's.  Cases, each
# about 60 MB:
#
#   a   1,000,000 ordinary mailbox rows (address,password,name), dry run
#       (judged whole, nothing hashed: the most rows a file may have)
#   a+  mailbox rows with password hashes (about 400,000), written
#   b   a header of 60 MB of commas (refused at once)
#   c   one quoted cell of 60 MB (refused at once)
#   d   alias rows of 100 destinations each (about 27,000), written, each
#       row's list naming the previous row's alias too
#   e   mailbox rows with names in kanji, saved as CP932 (Excel on a
#       Japanese system), dry run: decoded, the file grows
#
#   bench/import_memory.sh BUILDDIR     (as root on Debian, after make)
#
# It prints each case's peak, the bound and their ratio (<= 1.00 keeps the
# bound).  HK_BENCH_MB sets the size (default 60).  Everything lives under
# /run/hk-bench-mem; nothing listens on the network.  A benchmark is not a
# test: a MISS still exits 0; non-zero means it could not run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
hk=$build/src/hakomail
fcgi=$build/src/hakomail-fcgi
for f in "$hk" "$fcgi"; do
	[ -x "$f" ] || { echo "$0: no $f (run make in $1)" >&2; exit 2; }
done
command -v cgi-fcgi >/dev/null || { echo "$0: cgi-fcgi is missing (apt-get install libfcgi-bin)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "$0: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
mb=${HK_BENCH_MB:-60}
bytes=$((mb * 1000 * 1000))

state=/run/hk-bench-mem
conf=$state/hakomail.conf
sock=$state/fcgi.sock
master=
cleanup() {
	[ -z "$master" ] || { kill "$master" 2>/dev/null; wait "$master" 2>/dev/null; } || true
	[ -n "${HK_BENCH_KEEP:-}" ] || rm -rf "$state"
}
trap cleanup EXIT
rm -rf "$state"
id hakomail >/dev/null 2>&1 ||
	useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin hakomail
install -d -m 0755 "$state" "$state/in"
install -d -m 0770 -o hakomail -g hakomail "$state/db"
cat >"$conf" <<CONF
[database]
url = sqlite:$state/db/hakomail.db
[fcgi]
socket = $sock
workers = 2
socket_group = root
user = hakomail
[pushd]
wake_socket = $state/pushd.sock
CONF
"$hk" -c "$conf" init >/dev/null
chown hakomail:hakomail "$state/db/hakomail.db"
ssh-keygen -q -t ed25519 -N '' -f "$state/hostkey" >/dev/null
"$hk" -c "$conf" project add lab >/dev/null
"$hk" -c "$conf" guest add g1 --project lab --host 127.0.0.1 --host-key-file "$state/hostkey.pub" >/dev/null
"$hk" -c "$conf" domain add lab.example --guest g1 >/dev/null
"$hk" -c "$conf" domain add cli.example --guest g1 >/dev/null
key=$("$hk" -c "$conf" apikey create | tail -1)

# --- the files ---
echo "making the files ($mb MB each) ..." >&2
awk -v max="$bytes" 'BEGIN {
	print "address,password,name"; n = 23
	for (i = 1; i <= 1000000; i++) {
		s = sprintf("u%07d@lab.example,pw-%016d,Name %07d", i, i * 7919, i)
		if (n + length(s) + 1 > max) break
		print s; n += length(s) + 1
	}
}' >"$state/in/a.csv"
hashed_rows() {	# DOMAIN: rows with {SHA512-CRYPT} hashes up to the size
	awk -v max="$bytes" -v dom="$1" 'BEGIN {
		srand(7)
		abc = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		for (i = 0; i < 4096; i++) pool = pool substr(abc, int(rand() * 64) + 1, 1)
		print "address,password_hash,name"; n = 27
		for (i = 1; i <= 1000000; i++) {
			s = sprintf("h%07d@%s,{SHA512-CRYPT}$6$%s$%s,Name %d", i, dom,
				substr(pool, i % 4000 + 1, 16), substr(pool, i % 3000 + 1, 86), i)
			if (n + length(s) + 1 > max) break
			print s; n += length(s) + 1
		}
	}'
}
hashed_rows lab.example >"$state/in/a+.csv"
hashed_rows cli.example >"$state/in/cli-a+.csv"
{ printf address; head -c "$bytes" /dev/zero | tr '\0' ','; echo; } >"$state/in/b.csv"
{ printf 'address,password\n"'; head -c "$bytes" /dev/zero | tr '\0' x; printf '"\n'; } >"$state/in/c.csv"
alias_rows() {	# DOMAIN
	awk -v max="$bytes" -v dom="$1" 'BEGIN {
		print "address,destinations"; n = 21
		for (i = 1; ; i++) {
			s = sprintf("a%06d@%s,\"", i, dom)
			if (i > 1) s = s sprintf("a%06d@%s", i - 1, dom)
			for (k = 1; k < 100; k++)
				s = s sprintf(" x%06d.%02d@elsewhere.example", i, k)
			s = s "\""
			if (n + length(s) + 1 > max) break
			print s; n += length(s) + 1
		}
	}'
}
alias_rows lab.example >"$state/in/d.csv"
awk -v max="$bytes" 'BEGIN {
	print "address,password,name"; n = 22
	for (i = 1; i <= 1000000; i++) {
		s = sprintf("k%07d@lab.example,pw-%016d,", i, i)
		if (n + length(s) + 37 > max) break
		print s "田中太郎花子佐藤鈴木高橋渡辺山本中村"; n += length(s) + 37
	}
}' | iconv -f UTF-8 -t CP932 >"$state/in/e.csv"
alias_rows cli.example >"$state/in/cli-d.csv"

# --- the worker ---
start_fcgi() {
	rm -f "$sock"
	"$fcgi" -c "$conf" </dev/null >>"$state/fcgi.log" 2>&1 &
	master=$!
	for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || { echo "$0: hakomail-fcgi did not start (see $state/fcgi.log)" >&2; exit 1; }
}
stop_fcgi() {
	kill "$master"; wait "$master" 2>/dev/null || true; master=
}
# fcgi METHOD URI [FILE]: the answer (headers and body) on stdout
fcgi() {
	local len=0 in=/dev/null
	[ $# -lt 3 ] || { in=$3; len=$(stat -c %s "$3"); }
	REQUEST_METHOD=$1 REQUEST_URI=$2 SCRIPT_NAME=/api CONTENT_TYPE=text/csv \
	CONTENT_LENGTH=$len HTTP_AUTHORIZATION="Bearer $key" \
	REMOTE_ADDR=127.0.0.1 cgi-fcgi -bind -connect "$sock" <"$in"
}
peak_workers() {	# the largest VmHWM of the master's workers, in KiB
	local max=0 v pid
	for pid in $(ps -o pid= --ppid "$master"); do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -le "$max" ] || max=$v
	done
	echo "$max"
}

printf '%-6s %-5s %10s %10s %10s %6s  %s\n' door case "file MiB" "peak MiB" "bound MiB" ratio result
report() {	# DOOR CASE FILE PEAK_KIB RESULT
	local size bound
	size=$(stat -c %s "$3")
	bound=$((2 * size + 16 * 1048576))
	awk -v d="$1" -v c="$2" -v s="$size" -v p="$4" -v b="$bound" -v r="$5" 'BEGIN {
		ratio = p * 1024 / b
		printf "%-6s %-5s %10.1f %10.1f %10.1f %6.2f  %s %s\n", d, c, s / 1048576,
			p / 1024, b / 1048576, ratio, ratio <= 1 ? "ok" : "MISS", r
	}'
}

api_case() {	# CASE KIND QUERY
	local f=$state/in/$1.csv answer id st=queued
	start_fcgi
	answer=$(fcgi POST "/api/v1/imports?kind=$2$3" "$f" | tr -d '\r')
	id=$(printf '%s' "$answer" | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$' || true)
	if [ -n "$id" ]; then
		while :; do
			answer=$(fcgi GET "/api/v1/imports/$id" | tr -d '\r')
			st=$(printf '%s' "$answer" | grep -o '"state": *"[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"' || true)
			# (a read may find the database locked by the import's
			# write: asked again)
			case $st,$answer in
			queued,*|running,*|",Status: 500"*) sleep 0.5 ;;
			*) break ;;
			esac
		done
		[ -n "$st" ] || st="? $(printf '%s' "$answer" | head -c 300)"
	else
		st="refused: $(printf '%s' "$answer" | grep -o '"message": *"[^"]*"' | head -1 || true)"
	fi
	report api "$1" "$f" "$(peak_workers)" "$st"
	stop_fcgi
}

cli_case() {	# CASE KIND FILE [OPTION]
	local f=$3 peak rc=0
	peak=$(/usr/bin/time -f %M "$hk" -c "$conf" import "$2" "$f" ${4:-} 2>&1 >/dev/null | tail -1) || rc=$?
	report cli "$1" "$f" "$peak" "exit $rc"
}

cases=${HK_BENCH_CASES:-a a+ b c d e}
for c in $cases; do
	case $c in
	a|e) api_case "$c" mailboxes "&dry_run=true" ;;
	d) api_case d aliases "" ;;
	*) api_case "$c" mailboxes "" ;;
	esac
done
cli_case a mailboxes "$state/in/a.csv" --dry-run
cli_case a+ mailboxes "$state/in/cli-a+.csv"
cli_case d aliases "$state/in/cli-d.csv"
