#!/bin/sh
# SPDX-License-Identifier: ISC
# build.sh - builds the fuzz targets, tests/fuzz/fuzz_api.c (the API, with
# its parts fuzz_api_seed.c, fuzz_api_snap.c and fuzz_api_mutate.c),
# tests/fuzz/fuzz_bundle.c (the agent's bundle parser),
# tests/fuzz/fuzz_csv.c (the bulk CSV import: reader and validation) and
# tests/fuzz/fuzz_report.c (the panel's reader of a guest's report), with
# Debian's clang and its libFuzzer runtime, under AddressSanitizer and
# UndefinedBehaviorSanitizer, into BUILDDIR/fuzz_api, BUILDDIR/fuzz_bundle,
# BUILDDIR/fuzz_csv and BUILDDIR/fuzz_report.
#
#   tests/fuzz/build.sh BUILDDIR [SRCDIR]
#
# SRCDIR (default: the tree this script is in) is copied to BUILDDIR/tree
# first and built from there: the project's own tree is being edited as we
# build, and an out-of-tree make would rerun automake in it (rewriting its
# Makefile.in) whenever Makefile.am is newer.  The copy is configured in
# BUILDDIR/obj; only the libraries are made (src/common/libhakocommon.a,
# src/panel/libhakopanel.a and the API's src/fcgi/libhakofcgi.a), then
# fuzz_api.c and fuzz_csv.c are linked against them and the external
# libraries that configure.ac's HK_NEED lines name, through pkg-config,
# plus libcsv (-lcsv: libcsv-dev ships no .pc file; the API reads
# uploads) and libunbound (-lunbound: configure.ac finds it without its
# .pc file, which needs libevent's; the API checks DNS records);
# fuzz_report.c against the panel and common libraries and the
# same external ones, without a database (-DFZ_NO_DB); fuzz_bundle.c only
# against the common library, libcrypto, jansson and libzstd.  Every target is linked with fuzz_common.c, what they share
# (failing; the database of fuzz_api and fuzz_csv); fuzz_bundle's is built
# with -DFZ_NO_DB, without the database part, which needs the panel.
# Each target is built even when another one (or a panel library) fails,
# and a target that failed leaves no binary; the exit status is 1 when
# anything failed.  The copy keeps the files' times, so a second build is
# incremental.  Nothing outside BUILDDIR is written (but for packages).
#
# CFLAGS: -g -O1 -fsanitize=fuzzer-no-link,address,undefined for the
# libraries, plus -fno-sanitize-recover=all as in the project's own
# sanitizer build, so that undefined behaviour stops the run like a crash.
#
# Needs clang and the libFuzzer runtime: on Debian 12 the packages clang
# (clang-14) and libclang-rt-14-dev, which clang-14 only recommends;
# installed here with apt-get when missing.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILDDIR [SRCDIR]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${2:-$here/../..}" && pwd)
out=$(realpath -m "$1")
case "$out/" in
"$src"/*) echo "$0: $out is inside $src (the project's own builds are" \
	"there); use a directory of your own, e.g. /tmp/fuzzwork/b" >&2
	exit 2 ;;
esac
mkdir -p "$out"
tree=$out/tree
obj=$out/obj
CC=${CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined"
CFLAGS="$CFLAGS -fno-sanitize-recover=all -fno-omit-frame-pointer"

# libFuzzer links, or clang and its runtime are installed.
have_libfuzzer() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$out/probe.c"
	"$CC" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" \
	    >/dev/null 2>&1
}
if ! command -v "$CC" >/dev/null 2>&1 || ! have_libfuzzer; then
	echo "build.sh: installing clang and its libFuzzer runtime" >&2
	apt-get install -y -q clang >/dev/null 2>&1 ||
	    { apt-get update -q && apt-get install -y -q clang; } >/dev/null
	major=$("$CC" -dumpversion | cut -d. -f1)
	apt-get install -y -q "libclang-rt-$major-dev" >/dev/null
	have_libfuzzer || { echo "$0: $CC cannot link -fsanitize=fuzzer" >&2
		exit 1; }
fi
rm -f "$out/probe.c" "$out/probe"

# The snapshot: every top-level entry but .git, build directories and logs.
rm -rf "$tree"
mkdir -p "$tree"
(
	cd "$src"
	set --
	for e in * .[!.]*; do
		[ -e "$e" ] || continue
		case $e in
		build-aux) ;;
		.git | build* | *.log | autom4te.cache) continue ;;
		esac
		set -- "$@" "$e"
	done
	tar --exclude=./tests/artifacts -cf - "$@"
) | tar -C "$tree" -xf -
if [ ! -x "$tree/configure" ]; then
	(cd "$tree" && autoreconf -fi)
fi

mkdir -p "$obj"
if [ ! -f "$obj/Makefile" ]; then
	(cd "$obj" && "$tree/configure" -q CC="$CC" CFLAGS="$CFLAGS")
fi
rm -f "$out/fuzz_api" "$out/fuzz_bundle" "$out/fuzz_csv" "$out/fuzz_report"
rc=0
make -C "$obj" -s -j"$(nproc)" src/common/libhakocommon.a || exit 1
panel=yes
make -C "$obj" -s -j"$(nproc)" src/panel/libhakopanel.a \
    src/fcgi/libhakofcgi.a || { panel=no; rc=1; }

# configure.ac's HK_NEED modules, version constraints dropped.
mods=$(sed -n 's/^[[:space:]]*HK_NEED(\[[A-Z0-9_]*\], *\[\([^]]*\)\].*/\1/p' \
    "$tree/configure.ac" | awk '{ for (i = 1; i <= NF; i++) {
	if ($i ~ /^[<>=!]/) { i++; continue } printf "%s ", $i } }')
# shellcheck disable=SC2046,SC2086 # lists of flags
if [ "$panel" = yes ] &&
    "$CC" -std=c17 -Wall -Wextra $CFLAGS -fsanitize=fuzzer \
    -I"$obj" -I"$tree/src/common" -I"$tree/src/panel" -I"$tree/src" $(pkg-config --cflags $mods) \
    "$here/fuzz_api.c" "$here/fuzz_api_seed.c" "$here/fuzz_api_snap.c" \
    "$here/fuzz_api_mutate.c" "$here/fuzz_common.c" -o "$out/fuzz_api" \
    "$obj/src/fcgi/libhakofcgi.a" "$obj/src/panel/libhakopanel.a" \
    "$obj/src/common/libhakocommon.a" \
    $(pkg-config --libs $mods) -lcsv -lunbound; then
	echo "build.sh: $out/fuzz_api"
else
	echo "build.sh: error: fuzz_api not built" >&2
	rm -f "$out/fuzz_api"
	rc=1
fi
# shellcheck disable=SC2046,SC2086 # lists of flags
if [ "$panel" = yes ] &&
    "$CC" -std=c17 -Wall -Wextra $CFLAGS -fsanitize=fuzzer \
    -I"$obj" -I"$tree/src/common" -I"$tree/src/panel" -I"$tree/src" $(pkg-config --cflags $mods) \
    "$here/fuzz_csv.c" "$here/fuzz_common.c" -o "$out/fuzz_csv" \
    "$obj/src/fcgi/libhakofcgi.a" "$obj/src/panel/libhakopanel.a" \
    "$obj/src/common/libhakocommon.a" \
    $(pkg-config --libs $mods) -lcsv -lunbound; then
	echo "build.sh: $out/fuzz_csv"
else
	echo "build.sh: error: fuzz_csv not built" >&2
	rm -f "$out/fuzz_csv"
	rc=1
fi
# shellcheck disable=SC2046,SC2086 # lists of flags
if [ "$panel" = yes ] &&
    "$CC" -std=c17 -Wall -Wextra $CFLAGS -fsanitize=fuzzer \
    -I"$obj" -I"$tree/src/common" -I"$tree/src/panel" -I"$tree/src" -DFZ_NO_DB \
    $(pkg-config --cflags $mods) \
    "$here/fuzz_report.c" "$here/fuzz_common.c" -o "$out/fuzz_report" \
    "$obj/src/panel/libhakopanel.a" "$obj/src/common/libhakocommon.a" \
    $(pkg-config --libs $mods); then
	echo "build.sh: $out/fuzz_report"
else
	echo "build.sh: error: fuzz_report not built" >&2
	rm -f "$out/fuzz_report"
	rc=1
fi
# shellcheck disable=SC2046,SC2086 # lists of flags
if "$CC" -std=c17 -Wall -Wextra $CFLAGS -fsanitize=fuzzer \
    -I"$obj" -I"$tree/src/common" -I"$tree/src/panel" -I"$tree/src" -DFZ_NO_DB \
    $(pkg-config --cflags libcrypto jansson libzstd) \
    "$here/fuzz_bundle.c" "$here/fuzz_common.c" -o "$out/fuzz_bundle" \
    "$obj/src/common/libhakocommon.a" $(pkg-config --libs libcrypto jansson libzstd); then
	echo "build.sh: $out/fuzz_bundle"
else
	echo "build.sh: error: fuzz_bundle not built" >&2
	rm -f "$out/fuzz_bundle"
	rc=1
fi
exit $rc
