#!/bin/bash
# fuzz.sh - the API fuzz target (tests/fuzz/fuzz_api.c) for longer than
# the test command gives it: builds it, runs it on the seed corpus for
# SECONDS (default 600), and prints the verdict line of tests/fuzz/run.sh
# followed by the fuzzer's speed and reach:
#
#   PASS fuzz api: N runs in S s
#   exec/s: E, coverage: C edges (F features), corpus: K inputs, peak rss: R MB
#
#   bench/fuzz.sh [SECONDS [BUILDDIR]]	(BUILDDIR: /var/tmp/hk-fuzz-bench)
#
# Exits as run.sh does: 0 when no invariant broke, 1 otherwise (the input
# is then in tests/artifacts/fuzz/).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
build=${2:-/var/tmp/hk-fuzz-bench}
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS [BUILDDIR]]" >&2; exit 2; }

"$top/tests/fuzz/run.sh" "$build" "$secs"
rc=$?
log=$build/fuzz-api.log
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 \2 \3/p' <<<"$last")
read -r edges feats corp <<<"${cov:-? ? ?}"
[ -f "$log" ] && echo "exec/s: $(stat average_exec_per_sec), coverage: $edges" \
	"edges ($feats features), corpus: $corp inputs, peak rss:" \
	"$(stat peak_rss_mb) MB"
exit $rc
