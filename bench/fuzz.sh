#!/bin/bash
# SPDX-License-Identifier: ISC
# fuzz.sh - the fuzz targets (tests/fuzz/fuzz_api.c, the API,
# tests/fuzz/fuzz_bundle.c, the agent's bundle parser, and
# tests/fuzz/fuzz_csv.c, the bulk CSV import) for longer than the test
# command gives them: builds them, runs the API target on its seed corpus
# for SECONDS (default 600) and the bundle and CSV targets for SECONDS/2
# each, and prints the verdict lines of tests/fuzz/run.sh followed by each
# fuzzer's speed and reach:
#
#   PASS fuzz api: N runs in S s
#   PASS fuzz bundle: N runs in S s
#   PASS fuzz csv: N runs in S s
#   exec/s: E, coverage: C edges (F features), corpus: K inputs, peak rss: R MB
#   bundle exec/s: E, coverage: C edges (F features), corpus: K inputs, ...
#   csv exec/s: E, coverage: C edges (F features), corpus: K inputs, ...
#
#   bench/fuzz.sh [SECONDS [BUILDDIR]]	(BUILDDIR: /var/tmp/hk-fuzz-bench)
#
# Exits as run.sh does: 0 when no invariant broke, 1 otherwise (the input
# is then in tests/artifacts/fuzz/).  The first statistics line (the API
# target's) keeps its old form.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
build=${2:-/var/tmp/hk-fuzz-bench}
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS [BUILDDIR]]" >&2; exit 2; }

"$top/tests/fuzz/run.sh" "$build" "$secs"
rc=$?
# stats LOG PREFIX: one line of the fuzzer's final statistics.
stats() {
	local log=$1 last cov edges feats corp
	[ -f "$log" ] || return 0
	stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
	last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 \2 \3/p' <<<"$last")
	read -r edges feats corp <<<"${cov:-? ? ?}"
	echo "$2exec/s: $(stat average_exec_per_sec), coverage: $edges" \
		"edges ($feats features), corpus: $corp inputs, peak rss:" \
		"$(stat peak_rss_mb) MB"
}
stats "$build/fuzz-api.log" ""
stats "$build/fuzz-bundle.log" "bundle "
stats "$build/fuzz-csv.log" "csv "
exit $rc
