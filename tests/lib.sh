# SPDX-License-Identifier: ISC
# lib.sh - shared by the shell tests: results are appended to $HK_RESULTS as
# "PASS name" / "FAIL name" lines, which tests/run.sh counts.
: "${HK_RESULTS:=/dev/null}"

# HK_LABEL, when set, prefixes every result (e.g. "asan").
pass() { echo "PASS ${HK_LABEL:+$HK_LABEL: }$*" >>"$HK_RESULTS"; echo "  ok   - $*"; }
fail() { echo "FAIL ${HK_LABEL:+$HK_LABEL: }$*" >>"$HK_RESULTS"; echo "  FAIL - $*"; }

# check NAME CMD...: pass if CMD succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"
	elif [[ "$2$3" == *$'\n'* ]]; then
		# many lines: what differs, not both listings cut short
		fail "$1 (differs: - expected, + got)"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | grep '^[<>]' |
			sed 's/^</    -/; s/^>/    +/' | head -40
	else fail "$1 (expected '$2', got '$3')"; fi
}

# until_ok SECONDS CMD...: retry CMD until it succeeds or the deadline passes.
# It looks again after 50 ms, then less and less often, up to every 250 ms:
# the scripts wait side by side on 2 cores, and a long wait that looked
# 20 times a second kept the machine busy with its looking.
until_ok() { poll_until 250 "$@"; }

# until_soon SECONDS CMD...: as until_ok, looking every 50 ms throughout:
# for a state that lasts only a moment (a copy of a few mailboxes under
# way), which a wait looking less often would miss.
until_soon() { poll_until 50 "$@"; }

# poll_until MAX_MS SECONDS CMD...: the two above; the pause starts at
# 50 ms and grows by half each time, up to MAX_MS (at most 999).
poll_until() {
	local max=$1 deadline=$((SECONDS + $2)) pause=50; shift 2
	until "$@"; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep "0.$(printf %03d "$pause")"
		pause=$((pause * 3 / 2 > max ? max : pause * 3 / 2))
	done
}

# kill_children PID...: SIGTERM each PID that is still a child of this
# script.  A PID kept from a job that has ended may be another process's
# by now (pid_max is 32768 here: the numbers come round within minutes on
# a busy machine); a cleanup that killed such a PID once ended a script
# in another lane.
kill_children() {
	local p
	for p in "$@"; do
		[ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$$" ] &&
			kill "$p" 2>/dev/null
	done
	return 0
}

now_ms() { date +%s%3N; }
