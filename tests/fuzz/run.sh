#!/bin/bash
# run.sh - the API fuzz target as a test: builds it (build.sh), runs it for
# SECONDS on a copy of the seed corpus, and prints exactly one line,
#
#   PASS fuzz api: N runs in S s
#   FAIL fuzz api: REASON
#
# exiting 0 or 1.  On a failure the input that broke an invariant (or
# crashed, leaked, hung) and the fuzzer's log are left in
# tests/artifacts/fuzz/; reproduce with BUILDDIR/fuzz_api FILE.
#
#   tests/fuzz/run.sh BUILDDIR SECONDS
#
# -max_len=4096: bodies up to 4 KiB explore far better than bodies up to
# the API's limit (HTTP_MAX_BODY, 1 MiB), and reach every interesting
# shape (nesting to jansson's depth limit, a hundred destinations).  The
# limit itself is checked deterministically by the target at start-up, on
# every route: 1 MiB + 1 byte is 413, 1 MiB is not.
#
# The fuzzer's whole log stays in BUILDDIR/fuzz-api.log (bench/fuzz.sh
# reads its statistics there).
set -uo pipefail
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
	echo "usage: $0 BUILDDIR SECONDS" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=$2
art=$top/tests/artifacts/fuzz

say_fail() { echo "FAIL fuzz api: $*"; exit 1; }

out=$(realpath -m "$1")
log=$out/fuzz-api.log
blog=$(mktemp) || say_fail "mktemp"
if ! "$here/build.sh" "$out" >"$blog" 2>&1; then
	why=$(grep -m1 -e 'error' "$blog" || tail -n1 "$blog")
	[ -d "$out" ] && cp "$blog" "$out/build.log"
	rm -f "$blog"
	say_fail "build failed: $why"
fi
mv "$blog" "$out/build.log"
if grep -q 'fuzz_api\.c:.*warning:' "$out/build.log"; then
	say_fail "compiler warnings in fuzz_api.c (see $out/build.log)"
fi

work=$(mktemp -d "$out/run.XXXXXX") || say_fail "mktemp in $out"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$art"
cp "$here"/corpus/* "$work/corpus/"
# The dictionary, plus any field declared since it was written.
{
	cat "$here/api.dict"
	grep -ho '{ *"[a-z_]*", *F_[A-Z]*' "$top"/src/api*.c |
	    sed 's/{ *"\([a-z_]*\)".*/new_\1="\\"\1\\""/' | sort -u
} >"$work/api.dict"

# The database goes under $work (TMPDIR), so that even a crashed run
# leaves nothing behind; the harness removes it on a normal exit.  In a
# subshell of its own, so that the shell's "Aborted" goes to the log.
(
	TMPDIR=$work ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	timeout $((secs + 300)) "$out/fuzz_api" -max_total_time="$secs" \
		-timeout=10 -max_len=4096 -dict="$work/api.dict" \
		-artifact_prefix="$art/" -print_final_stats=1 "$work/corpus"
	exit $?
) >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log")
took=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log")
if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
	echo "PASS fuzz api: $runs runs in $took s"
	exit 0
fi
cp "$log" "$art/fuzz-api.log"
why=$(grep -m1 -E -e '^fuzz_api: (INVARIANT|setup)' \
	-e 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' \
	-e 'runtime error:' "$log" | sed 's/^==[0-9]*==//; s/^fuzz_api: //')
# A broken invariant names the request and the answer on the next lines.
what=$(sed -n '/^fuzz_api: INVARIANT/{n;N;s/\n/;/;s/  */ /g;p;q}' "$log" |
	cut -c1-400)
why="$why${what:+ (${what# })}"
input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -n1)
[ "$rc" -eq 124 ] && why="did not finish in $((secs + 300)) s"
say_fail "${why:-exit status $rc, no runs reported}${input:+; input $input}; log $art/fuzz-api.log"
