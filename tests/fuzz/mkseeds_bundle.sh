#!/bin/sh
# SPDX-License-Identifier: ISC
# mkseeds_bundle.sh - writes the seed corpus of fuzz_bundle.c into
# corpus_bundle/ (kept in git; rerun after changing the seeds in
# fuzz_bundle.c's make_seeds()).
#
#   tests/fuzz/mkseeds_bundle.sh BUILDDIR
#
# Builds the targets into BUILDDIR (build.sh) and runs fuzz_bundle with
# HK_FUZZ_BUNDLE_SEEDS set: it makes the valid seeds with bundle_write()
# and the hostile ones by hand (correct checksums but for the one flaw),
# checks that each is accepted or refused for its reason, writes them and
# exits.  The seeds are made the same way at every start of the fuzzer, so
# the committed files can only lag behind, never be wrong.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 BUILDDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/corpus_bundle
"$here/build.sh" "$1" >/dev/null || [ -x "$1/fuzz_bundle" ]
rm -rf "$dir"
mkdir -p "$dir"
HK_FUZZ_BUNDLE_SEEDS=$dir "$1/fuzz_bundle"
