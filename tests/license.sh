#!/bin/bash
# SPDX-License-Identifier: ISC
# license.sh - hakomail is under the ISC license (LICENSE), and every
# source file says so on its first line (its second, after a #! line or
# an HTML doctype): "SPDX-License-Identifier: ISC" in the file's own
# comment syntax.  Data without comments (JSON, the fuzz corpora, the
# npm lock file) and what is generated or fetched (build directories,
# node_modules) are left out, and so is the one library vendored into
# www/ (www/vendor/uplot-1.6.32: uPlot's files as its npm tarball holds
# them, under its own MIT LICENSE beside them; an SPDX line added there
# would make them differ from the tarball its README names).
#
#   tests/license.sh [SRCDIR]	(default: the tree this script is in)
#
# Prints one PASS or FAIL line (appended to $HK_RESULTS when set).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:-$here/..}" && pwd) || exit 2
results=${HK_RESULTS:-/dev/null}
cd "$src" || exit 2

grep -q '^ISC License' LICENSE 2>/dev/null ||
    { echo "FAIL license: no ISC LICENSE file" | tee -a "$results"; exit 1; }
missing=()
while IFS= read -r f; do
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier: ISC' ||
	    missing+=("$f")
done < <(find . \( -path './build*' -o -path '*/node_modules' -o -path './.git' \
	-o -path './tests/fuzz/corpus*' -o -path './tests/artifacts' \
	-o -path './www/vendor/uplot-1.6.32' \
	-o -path './autom4te.cache' -o -path './m4' -o -path './build-aux' \) -prune -o \
	-type f \( -name '*.[ch]' -o -name '*.sh' -o -name '*.sql' \
	-o -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.html' \
	-o -name '*.svg' -o -name '*.lua' -o -name '*.dict' -o -name '*.[1-8]' \
	-o -name '*.conf' -o -name '*.cf' -o -name '*.in' -o -name '*.service' \
	-o -name Makefile.am -o -name configure.ac -o -name hkguest \
	-o -path ./.ci/run -o -path ./build-aux/embed-sql.sh \) \
	! -name Makefile.in ! -name config.h.in -print | sort)
for f in build-aux/embed-sql.sh; do
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier: ISC' || missing+=("./$f")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "PASS license: LICENSE is ISC and every source file says so" | tee -a "$results"
else
	echo "FAIL license: no SPDX line at the top of: ${missing[*]}" | tee -a "$results"
	exit 1
fi
