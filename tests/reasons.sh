#!/bin/bash
# SPDX-License-Identifier: ISC
# reasons.sh - a failure the caller caused carries a reason
# (src/common/reasons.def) and its parameters, so that each client words
# it in its own language and terms: in the panel's programs (src/panel,
# src/fcgi, src/pushd, src/cli) no user-facing code (HK_EINVAL,
# HK_ENOTFOUND, HK_EEXIST, HK_EAUTH, HK_EFORBIDDEN, HK_ETOOBIG, HK_ELIMIT,
# HK_ETHROTTLED, HK_EUNAVAIL) goes to plain hk_fail(), which is for
# internal failures only.  (src/agent and src/common/bundle.c answer the panel, never a
# person: their failures are internal or protocol errors.)  Whether the
# web panel words every reason is tests/unit/common/test_err.
#
#   tests/reasons.sh [SRCDIR]	(default: the tree this script is in)
#
# Prints one PASS or FAIL line (appended to $HK_RESULTS when set).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:-$here/..}" && pwd) || exit 2
results=${HK_RESULTS:-/dev/null}
cd "$src" || exit 2

# every hk_fail( call, its arguments on one line, with its place
bad=$(perl -0777 -ne '
	while (/\bhk_fail\s*\(\s*([^,;]*?),\s*(HK_E[A-Z]+)/g) {
		my ($code, $at) = ($2, $-[0]);
		next unless $code =~ /^HK_E(INVAL|NOTFOUND|EXIST|AUTH|
		    FORBIDDEN|TOOBIG|LIMIT|THROTTLED|UNAVAIL)$/x;
		my $line = 1 + (() = substr($_, 0, $at) =~ /\n/g);
		print "$ARGV:$line: $code\n";
	}' src/panel/*.c src/fcgi/*.c src/pushd/*.c src/cli/*.c)
if [ -z "$bad" ]; then
	echo "PASS reasons: every refusal in the panel's programs has its reason" |
	    tee -a "$results"
else
	echo "FAIL reasons: a user-facing code in plain hk_fail" \
	    "(use hk_failr with a reason):" | tee -a "$results"
	sed 's/^/  /' <<<"$bad" | tee -a "$results"
	exit 1
fi
