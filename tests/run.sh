#!/bin/bash
# SPDX-License-Identifier: ISC
# run.sh - every test of hakomail, from a fresh Debian 12 machine, as root:
# installs what is needed, builds, runs the unit tests (plain and under
# AddressSanitizer + UndefinedBehaviorSanitizer), make distcheck, and the
# integration tests on real nginx, postfix, dovecot and sshd guests: end to
# end, the agent's report, vacation replies and forwarding, faults (a guest
# off, pushd killed, bad bundles, drift, a changed host key), two pushd
# nodes on PostgreSQL, and moving in from PostfixAdmin (its own databases
# on SQLite, PostgreSQL and a MariaDB server started here).
# Ends with "N passed, N failed"; exits non-zero if anything failed.
#
# The integration scripts run side by side in lanes (tests/lanes.sh), after
# the unit tests; see "The lanes" below for what runs where and why.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export HK_RESULTS=$top/tests/artifacts/results.txt
mkdir -p tests/artifacts
: >"$HK_RESULTS"
. tests/lib.sh
. tests/lanes.sh
start=$SECONDS
# every panel, guest and database of this run lives under here
run_dir=/run/hakomail-test
lanes_dir=$run_dir

# step TITLE: a step's header; inside a lane, the lane's name first
step() { echo; echo "=== ${lane:+[$lane] }$* ($((SECONDS - start)) s)"; }

# Counts cmocka's verdicts in the test logs of one build directory; a test
# program that died without a verdict counts as one failure.
count_unit() {
	local dir=$1 label=$2 log p f
	for log in "$dir"/tests/unit/*/*.log; do
		[ -f "$log" ] || continue
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		if [ -z "$p$f" ] || grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
			-e 'ERROR: LeakSanitizer' "$log"; then
			fail "$label $(basename "$log" .log) (crashed or sanitizer report)"
			sed 's/^/    /' "$log" | tail -n 30
			continue
		fi
		for _ in $(seq 1 "${p:-0}"); do echo "PASS $label $(basename "$log" .log)" >>"$HK_RESULTS"; done
		for _ in $(seq 1 "${f:-0}"); do echo "FAIL $label $(basename "$log" .log)" >>"$HK_RESULTS"; done
		[ "${f:-0}" = 0 ] || sed 's/^/    /' "$log" | grep -e FAILED -e ERROR -e Failure | head -20
		echo "  $label $(basename "$log" .log): ${p:-0} passed, ${f:-0} failed"
	done
}

build() {	# build DIR [configure args...]
	local dir=$1; shift
	mkdir -p "$dir" && (cd "$dir" && "$top/configure" -q "$@" && make -j"$(nproc)" -s) \
		>"$dir.log" 2>&1
	local rc=$?
	grep -E 'warning:|error:' "$dir.log" | head -20
	if grep -q 'warning:' "$dir.log"; then fail "build $dir has compiler warnings"; fi
	return $rc
}

step "dependencies"
deploy/install-deps.sh --test || { echo "installing packages failed"; exit 1; }

step "build"
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
if build build; then pass "build (-Wall -Wextra)"; else fail "build"; cat build.log | tail -30; fi

step "layering: each folder of src/ within its layers, no include or call cycle; the license; every refusal's reason"
tests/layering.sh build
tests/license.sh
tests/reasons.sh

step "portability: the guest agent as strict POSIX C (FreeBSD jails)"
tests/portability.sh 2>&1 | head -30

step "PostgreSQL: a throwaway cluster on loopback"
pgdir=$run_dir/pg mydir=$run_dir/my
trap 'lanes_stop; tests/pg.sh stop "$pgdir"; tests/mariadb.sh stop "$mydir"' EXIT
if pgbase=$(tests/pg.sh start "$pgdir" 55432); then
	pass "PostgreSQL cluster started ($pgbase)"
else
	fail "PostgreSQL cluster"; pgbase=
fi

# The PostfixAdmin reader's unit test reads MariaDB too (HK_TEST_MY_BASE).
step "MariaDB: a throwaway server on loopback"
if mybase=$(tests/mariadb.sh start "$mydir" 33306); then
	pass "MariaDB server started ($mybase)"
	export HK_TEST_MY_BASE=$mybase
else
	fail "MariaDB server"
fi

# unit_both DIR LABEL: the unit suite on SQLite, then on PostgreSQL.  A
# crash inside SQLite can leave cmocka's teardown waiting on SQLite's own
# lock forever, so each run is bounded; a test that never finished has no
# verdict in its log and counts as a failure.  Two tests at a time: most
# wait on PostgreSQL or on a server they start (each its own database,
# port or nsd number), and test_authz alone takes a minute and a half.
unit_both() {
	(cd "$1" && timeout 900 make -s -j2 check >"$top/$1-check.log" 2>&1)
	if grep -q 'warning:' "$top/$1-check.log"; then
		fail "$2: the tests build with compiler warnings"
		grep 'warning:' "$top/$1-check.log" | head -20
	fi
	count_unit "$1" "$2/sqlite"
	[ -n "$pgbase" ] || return 0
	(cd "$1" && HK_TEST_PG_BASE=$pgbase timeout 900 make -s -j2 check >/dev/null 2>&1)
	count_unit "$1" "$2/pgsql"
}

# run_script SCRIPT ARGS...: a test script; one ended by a signal counts
# as a failure of its own: its checks from there on never ran, and it may
# have printed no FAIL at all (a stray TERM once ended nodes.sh so).
run_script() {
	"$@"
	local rc=$?
	[ "$rc" -gt 128 ] &&
		fail "$(basename "$1") ended by signal $((rc - 128)) before its last check"
	return "$rc"
}

# on_pg DB CMD...: CMD with HK_DB_URL a new, empty PostgreSQL database DB.
on_pg() {
	local db=$1; shift
	if [ -n "$pgbase" ] && PGOPTIONS='-c client_min_messages=warning' psql -q \
		"${pgbase}postgres" -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db ENCODING 'UTF8'" >/dev/null; then
		HK_LABEL=pgsql HK_DB_URL=$pgbase$db run_script "$@"
	else
		fail "PostgreSQL database $db for $1"
	fi
}

step "installing for production: make install, systemd units, nginx with TLS"
run_script tests/integration/install.sh build

# Before the lanes: it makes the users hakomail and hakomail-push (panel.sh
# setup), which the lanes' panels, set up at the same time, would race to.
step "privileges: pushd as hakomail-push, the API as hakomail, the CLI as the database's owner"
HK_LABEL=sqlite run_script tests/integration/privileges.sh build

# Alone, before the lanes: some unit tests bound their waits in time
# (test_ldapauth, test_dnscheck, test_agent_dkim's sleepers).
step "unit tests"
unit_both build unit

step "unit tests under ASan + UBSan"
san="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if build build-asan CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined"; then
	pass "sanitizer build"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 unit_both build-asan asan
else
	fail "sanitizer build"; tail -30 build-asan.log
fi

# asan_run SCRIPT: an integration script on the sanitizer build, and
# whatever the daemons' logs (in this lane's HK_STATE) say of it
asan_run() {
	HK_LABEL=asan/sqlite ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		run_script tests/integration/$1.sh build-asan | sed -u 's/^/  [asan] /'
	reports=$(grep -l -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
		-e 'runtime error:' "$HK_STATE"/log/*.log 2>/dev/null)
	if [ -n "$reports" ]; then
		fail "sanitizer reports from the daemons ($1): $reports"
		grep -h -A15 -e 'Sanitizer' -e 'runtime error:' $reports | head -60
	else
		pass "no sanitizer report from hakomail-fcgi, hakomail-pushd, hakomail ($1)"
	fi
}

# The lanes.  The integration scripts mostly wait (ssh, Postfix, IMAP),
# so five lanes run side by side, each with its own panel (HK_STATE, a
# port of its own) and guest root.  What they share is machine-wide: a
# guest's address, veth and network namespace are named after its number
# (10.77.0.N, hkgN), nsd's after its number, so scripts whose guests share
# a number must share a lane, one after the other, and so must a script's
# SQLite and PostgreSQL runs (guest names are the lane's own):
#  - lanes move and movepg: move on SQLite, and on PostgreSQL on guests
#    of other numbers (HK_MOVE_N), each a long script that mostly waits
#    (dsync, ssh, the relay's mail); then move: faults, dkim and
#    dkim_guest; movepg: pfa (PostfixAdmin) and sieve;
#  - lane e2e: e2e three times (SQLite, PostgreSQL, ASan), then move under
#    ASan on guests of other numbers (HK_MOVE_N), report and trash;
#  - lane fuzz: the CPU-bound steps (fuzz, distcheck) first, beside lanes
#    that wait, then the browser;
#  - lane mail: the CLI and hakomail-fcgi as processes (no guests), then
#    dsync, nodes (20 guests) and capacity.
# On a loaded machine (2 cores; 2026-12-04) the steps took: move 790 (on
# PostgreSQL too), faults 390, dkim 110, dkim_guest 70, pfa 445, sieve
# 130, e2e 105 (each of three), its ASan move 880, report 70, trash 100,
# fuzz 415, distcheck 780, browser 180, cli 370 (both), fcgi 100, dsync
# 120, nodes 480, capacity 340 (both): balance the lanes against those.
# Their guest numbers: e2e 1-2, faults 11-12, nodes 21-40, browser 41-42,
# capacity 51-54, report 61-62, trash 71, dsync 73-74, sieve 75-76,
# dkim 77 (nsd 8), dkim_guest 81, pfa 85, move 101-104 (under ASan
# 105-108, on PostgreSQL 109-112); browser's nsd is 7, distcheck's
# test_dnscheck's 9.
lane_move() {
	step "a domain moved with its mail between real guests: refusals, mail and logins through the cut-over, pushd SIGKILLed, the target down (SQLite)"
	HK_LABEL=sqlite run_script tests/integration/move.sh build

	step "faults on a real guest: off during 1,000 changes, pushd SIGKILLed, bad bundles, drift, host key"
	HK_LABEL=sqlite run_script tests/integration/faults.sh build

	step "DKIM and the DNS records through the panel: nsd serves the panel's zone text, keys activated once seen, the guest's mail verified against it, a rotation without a gap (SQLite)"
	HK_LABEL=sqlite run_script tests/integration/dkim.sh build

	step "DKIM signing on a real guest: OpenDKIM with the recipe's file, bundles by hand, python3-dkim verifies (RSA, alias domain, rotation, a corrupted key refused)"
	run_script tests/integration/dkim_guest.sh build
}

lane_movepg() {
	step "a domain moved with its mail between real guests (PostgreSQL; guests 109-112)"
	(export HK_MOVE_N=109; on_pg hakomail_move tests/integration/move.sh build)

	step "moving in from PostfixAdmin: its own databases on SQLite, PostgreSQL and MariaDB, every hash scheme's IMAP login and every alias's delivery on a real guest, problems, bad input, a source that goes away"
	HK_LABEL=sqlite run_script tests/integration/pfa.sh build

	step "vacation replies and forwarding on real guests: Pigeonhole at delivery, replies and copies through the guests' Postfix, a script that does not compile refused (SQLite)"
	HK_LABEL=sqlite run_script tests/integration/sieve.sh build
}

lane_e2e() {
	step "integration: end to end on real guests (SQLite)"
	HK_LABEL=sqlite run_script tests/integration/e2e.sh build

	step "integration: end to end on real guests (PostgreSQL)"
	on_pg hakomail_e2e tests/integration/e2e.sh build

	step "integration again, every binary under ASan + UBSan"
	[ ! -x build-asan/src/hakomail-fcgi ] || asan_run e2e

	step "a domain moved, every binary under ASan + UBSan (guests 105-108)"
	[ ! -x build-asan/src/hakomail-fcgi ] || (export HK_MOVE_N=105; asan_run move)

	step "integration: the agent's report on real guests against doveadm, stat -f and postqueue (SQLite)"
	HK_LABEL=sqlite run_script tests/integration/report.sh build

	step "the mailbox trash on a real guest: delete, restore, purge past purge_after (a moved clock)"
	HK_LABEL=sqlite run_script tests/integration/trash.sh build
}

lane_fuzz() {
	step "fuzz: API requests, push bundles, CSV imports through the real parsing and validation (libFuzzer)"
	local fuzzdir=/var/tmp/hakomail-fuzz
	rm -rf "$fuzzdir"
	tests/fuzz/run.sh "$fuzzdir" 60 | tee -a "$HK_RESULTS"
	rm -rf "$fuzzdir"

	step "make distcheck"
	# test_dnscheck's nsd on a number of its own, not one of a lane's
	if (cd build && HK_TEST_NSD_NET=9 make -s distcheck >../distcheck.log 2>&1); then
		pass "make distcheck"
	else fail "make distcheck"; tail -30 distcheck.log; fi

	step "browser: the web panel in Debian's Chromium (playwright-core)"
	run_script tests/browser/browser.sh build
}

lane_mail() {
	step "the operator's CLI (SQLite, PostgreSQL)"
	HK_LABEL=sqlite run_script tests/integration/cli.sh build | grep -v '^  ok'
	on_pg hakomail_cli tests/integration/cli.sh build | grep -v '^  ok'

	step "hakomail-fcgi as a process: credentials before the body, SIGTERM and imports (SQLite, PostgreSQL)"
	HK_LABEL=sqlite run_script tests/integration/fcgi.sh build | grep -v '^  ok'
	on_pg hakomail_fcgi tests/integration/fcgi.sh build | grep -v '^  ok'

	step "integration: the agent's mail copy verbs on real guests: dsync-backup, dsync-catchup, dsync-server, relayed as pushd does"
	HK_LABEL=sqlite run_script tests/integration/dsync.sh build

	step "two pushd nodes on PostgreSQL sharing 20 real guests"
	on_pg hakomail_nodes tests/integration/nodes.sh build

	step "the guests' reports: usage, disk, queue, warnings, /metrics, refusals, a filling disk (SQLite, PostgreSQL)"
	HK_LABEL=sqlite run_script tests/integration/capacity.sh build
	on_pg hakomail_capacity tests/integration/capacity.sh build
}

step "the integration lanes, side by side (each lane's log follows when it ends)"
lane_start move 18081 lane_move
lane_start fuzz 18082 lane_fuzz
lane_start mail 18083 lane_mail
lane_start e2e 18084 lane_e2e
lane_start movepg 18085 lane_movepg
lanes_wait

# After the lanes: it runs autoreconf in the tree, installs under
# /usr/local, and its guest is number 1, as e2e's g1.
step "the quickstart as a new operator runs it: twice, then reset"
run_script tests/integration/quickstart.sh

step "summary"
np=$(grep -c ^PASS "$HK_RESULTS"); nf=$(grep -c ^FAIL "$HK_RESULTS")
# Each failure's own story (the lines a script printed after it: where a
# move stood, what the daemon logged), again here at the end of the log,
# where a reader of only its last lines sees it.
if [ "$nf" -gt 0 ]; then
	echo "what the failures said (the lines after each in its lane's log):"
	awk '/^ *(\[asan\] +)?FAIL - / { n = 10; print; next }
	     /^ *(\[asan\] +)?(ok   -|FAIL -|==)/ { n = 0 }
	     n > 0 { n--; print }' tests/artifacts/lanes/*/log 2>/dev/null |
		cut -c1-200 | head -n 60 | sed 's/^/  | /'
fi
grep ^FAIL "$HK_RESULTS" | sed 's/^/  /'
echo "wall time: $((SECONDS - start)) s"
echo "$np passed, $nf failed"
[ "$nf" -eq 0 ] && [ "$np" -gt 0 ]
