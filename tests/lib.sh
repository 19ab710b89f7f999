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
until_ok() {
	local deadline=$((SECONDS + $1)) pause=50; shift
	until "$@"; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep "0.$(printf %03d "$pause")"
		pause=$((pause * 3 / 2 > 250 ? 250 : pause * 3 / 2))
	done
}

now_ms() { date +%s%3N; }
