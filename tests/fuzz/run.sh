#!/bin/bash
# SPDX-License-Identifier: ISC
# run.sh - the fuzz targets as tests: builds them (build.sh), runs the API
# target (fuzz_api.c) for SECONDS, the bundle parser's (fuzz_bundle.c), the
# CSV import's (fuzz_csv.c) and the report reader's (fuzz_report.c) for
# SECONDS/2 each (at least 20 s), each on a copy of its seed corpus, and
# prints exactly one line for each,
#
#   PASS fuzz api: N runs in S s
#   FAIL fuzz api: REASON
#   PASS fuzz bundle: N runs in S s
#   FAIL fuzz bundle: REASON
#   PASS fuzz csv: N runs in S s
#   FAIL fuzz csv: REASON
#   PASS fuzz report: N runs in S s
#   FAIL fuzz report: REASON
#
# exiting 0, or 1 when any failed (a target that does not build fails
# alone; the others still run).  On a failure the input that broke an
# invariant (or crashed, leaked, hung) and the fuzzer's log are left in
# tests/artifacts/fuzz/ (the bundle target's inputs prefixed "bundle-", the
# CSV target's "csv-", the report target's "report-"); reproduce with
# BUILDDIR/fuzz_api FILE, BUILDDIR/fuzz_bundle FILE, BUILDDIR/fuzz_csv FILE
# (HK_FUZZ_CSV_VERBOSE=1 prints what the import made of it) or
# BUILDDIR/fuzz_report FILE.
#
#   tests/fuzz/run.sh BUILDDIR SECONDS
#
# -max_len=4096: bodies up to 4 KiB explore far better than bodies up to
# the API's limit (HTTP_MAX_BODY, 1 MiB), and reach every interesting
# shape (nesting to jansson's depth limit, a hundred destinations).  The
# limit itself is checked deterministically by the target at start-up, on
# every route: 1 MiB + 1 byte is 413, 1 MiB is not.  Bundles get the same
# 4 KiB: the largest seed, every map file, is under 1 KiB.  So do CSV
# files: a few dozen rows reach every check of the import, and its real
# imports hash plain passwords (SHA512-crypt), which is slow.
#
# The fuzzers' whole logs stay in BUILDDIR/fuzz-api.log,
# BUILDDIR/fuzz-bundle.log and BUILDDIR/fuzz-csv.log (bench/fuzz.sh reads
# their statistics there).
set -uo pipefail
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
	echo "usage: $0 BUILDDIR SECONDS" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=$2
bsecs=$((secs / 2 < 20 ? 20 : secs / 2))
art=$top/tests/artifacts/fuzz
out=$(realpath -m "$1")
works=()
trap 'rm -rf "${works[@]}"' EXIT

# The build, once for every target; each is judged by its own binary.
blog=$(mktemp)
if [ -z "$blog" ]; then
	echo "FAIL fuzz api: mktemp"
	echo "FAIL fuzz bundle: mktemp"
	echo "FAIL fuzz csv: mktemp"
	echo "FAIL fuzz report: mktemp"
	exit 1
fi
"$here/build.sh" "$out" >"$blog" 2>&1
if [ -d "$out" ]; then
	mv "$blog" "$out/build.log"
	blog=$out/build.log
fi

# fuzz NAME SECONDS CORPUS DICT: runs BUILDDIR/fuzz_NAME, prints its line.
fuzz() {
	local name=$1 t=$2 corpus=$3 dict=$4 bin=$out/fuzz_$1
	local log=$out/fuzz-$1.log prefix work rc runs took why what input per_input
	say_fail() { echo "FAIL fuzz $name: $*"; return 1; }

	if [ ! -x "$bin" ]; then
		why=$(grep -m1 -e "fuzz_$name\.c:.*error" "$blog" ||
		    grep -m1 -e 'error' "$blog" || tail -n1 "$blog")
		say_fail "build failed: $why"
		return
	fi
	if grep -q -e "fuzz_$name\\.c:.*warning:" \
	    -e "fuzz_common\\.[ch]:.*warning:" "$blog"; then
		say_fail "compiler warnings in fuzz_$name.c or fuzz_common.c" \
		    "(see $out/build.log)"
		return
	fi
	work=$(mktemp -d "$out/run.XXXXXX") || { say_fail "mktemp in $out"
		return; }
	works+=("$work")
	mkdir -p "$work/corpus" "$art"
	cp "$corpus"/* "$work/corpus/"
	cp "$dict" "$work/fuzz.dict"
	[ "$name" = api ] && prefix=$art/ || prefix=$art/$name-
	# Ten seconds per input is slow for a parser; the API's one request may
	# make an RSA-4096 DKIM key, which is OpenSSL's seconds (14 once,
	# beside the lanes), not a hang.
	[ "$name" = api ] && per_input=60 || per_input=10

	# The API's and the CSV import's databases go under $work (TMPDIR),
	# so that even a crashed run leaves nothing behind.  In a subshell of
	# its own, so that the shell's "Aborted" goes to the log.
	(
		TMPDIR=$work ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 \
		timeout $((t + 300)) "$bin" -max_total_time="$t" \
			-timeout="$per_input" -max_len=4096 -dict="$work/fuzz.dict" \
			-artifact_prefix="$prefix" -print_final_stats=1 \
			"$work/corpus"
		exit $?
	) >"$log" 2>&1
	rc=$?

	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log")
	took=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		echo "PASS fuzz $name: $runs runs in $took s"
		return 0
	fi
	cp "$log" "$art/fuzz-$name.log"
	why=$(grep -m1 -E -e "^fuzz_$name: (INVARIANT|setup)" \
		-e 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' \
		-e 'runtime error:' "$log" |
	    sed "s/^==[0-9]*==//; s/^fuzz_$name: //")
	# A broken API invariant names the request and the answer on the
	# next lines; a CSV one the flags and the file on the next line.
	what=$(sed -n "/^fuzz_$name: INVARIANT/{n;N;s/\\n/;/;s/  */ /g;p;q}" \
	    "$log" | grep -v '^==' | cut -c1-400)
	[ "$name" = csv ] && what=$(sed -n "/^fuzz_csv: INVARIANT/{n;p;q}" \
	    "$log" | sed 's/^  *//' | cut -c1-400)
	[ "$name" = api ] || [ "$name" = csv ] || what=""
	why="$why${what:+ (${what# })}"
	input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -n1)
	[ "$rc" -eq 124 ] && why="did not finish in $((t + 300)) s"
	say_fail "${why:-exit status $rc, no runs reported}${input:+; input $input}; log $art/fuzz-$name.log"
}

# The API dictionary, plus any field declared since it was written.
adict=$(mktemp) || adict=/dev/null
{
	cat "$here/api.dict"
	grep -ho '{ *"[a-z_]*", *F_[A-Z]*' "$top"/src/fcgi/api*.c |
	    sed 's/{ *"\([a-z_]*\)".*/new_\1="\\"\1\\""/' | sort -u
} >"$adict"
works+=("$adict")

status=0
fuzz api "$secs" "$here/corpus" "$adict" || status=1
fuzz bundle "$bsecs" "$here/corpus_bundle" "$here/bundle.dict" || status=1
fuzz csv "$bsecs" "$here/corpus_csv" "$here/csv.dict" || status=1
fuzz report "$bsecs" "$here/corpus_report" "$here/report.dict" || status=1
exit $status
