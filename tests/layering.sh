#!/bin/bash
# SPDX-License-Identifier: ISC
# layering.sh - the folders of src/ are layers, and nothing reaches past
# its own:
#
#   common/                  the portable core: itself only
#   panel/                   common/ and itself
#   agent/                   common/ and itself (a guest has no panel)
#   fcgi/ pushd/ cli/        common/, panel/ and itself
#
# Checked three ways:
#   includes   every #include "..." of a source names a header of a folder
#              it may use, by its bare name (never "../x.h" or "fcgi/x.h");
#   headers    the headers' includes form no cycle (tsort);
#   calls      with BUILDDIR, from the built objects (nm): no object uses
#              a symbol of a folder it may not use, and the objects' uses
#              of each other form no cycle (tsort), so every program's
#              modules are a tree over the layers below it.
#
#   tests/layering.sh [BUILDDIR]	(default: build, beside this script)
#
# Prints PASS or FAIL lines (appended to $HK_RESULTS when set) and exits 0
# or 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(realpath -m "${1:-$top/build}")
results=${HK_RESULTS:-/dev/null}
rc=0

pass() { echo "PASS layering: $*" | tee -a "$results"; }
fail() { echo "FAIL layering: $*" | tee -a "$results"; rc=1; }

# The folders a folder may use, itself first.
may_use() {
	case $1 in
	common) echo common ;;
	panel) echo panel common ;;
	agent) echo agent common ;;
	fcgi | pushd | cli) echo "$1" panel common ;;
	*) return 1 ;;
	esac
}

cd "$top/src" || exit 2
folders=$(ls -d */ | tr -d /)
bad=""
for f in $folders; do
	may_use "$f" >/dev/null || bad="$bad $f/ (a folder no rule names);"
done
[ -z "$bad" ] || fail "unknown folders:$bad"

# includes
bad=""
for f in $folders; do
	allowed=$(may_use "$f") || continue
	for file in "$f"/*.[ch]; do
		while IFS= read -r inc; do
			[ "$inc" = config.h ] && continue
			ok=
			for a in $allowed; do
				[ -f "$a/$inc" ] && ok=1
			done
			[ -n "$ok" ] || bad="$bad $file: \"$inc\";"
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
	done
done
if [ -z "$bad" ]; then pass "every #include within its layers"
else fail "includes past their layer:$bad"; fi

# headers: no include cycle
edges=$(for h in */*.h; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$h" |
	    while read -r inc; do echo "$(basename "$h") $inc"; done
	echo "$(basename "$h") $(basename "$h")"
done)
if loop=$(tsort <<<"$edges" 2>&1 >/dev/null) && [ -z "$loop" ]; then
	pass "headers include each other without a cycle"
else
	fail "an include cycle: $(grep -v 'input contains' <<<"$loop" | sed 's/^tsort: //' | tr '\n' ' ')"
fi

# calls, from the objects
if [ ! -d "$build/src" ]; then
	echo "layering.sh: no $build/src: the calls are not checked" >&2
	exit $rc
fi
declare -A folder_of def_of
objs=()
for f in $folders; do
	while IFS= read -r o; do
		objs+=("$o"); folder_of[$o]=$f
	done < <(find "$build/src/$f" -name '*.o' 2>/dev/null | sort)
done
[ ${#objs[@]} -gt 0 ] || { fail "no objects under $build/src"; exit 1; }
for o in "${objs[@]}"; do
	while read -r sym; do def_of[$sym]=$o; done < <(nm --defined-only -g "$o" | awk 'NF == 3 { print $3 }')
done
name() { local o=${1#"$build/src/"}; o=${o%.o}; echo "${o/lib*_a-/}"; }
bad=""
edges=""
for o in "${objs[@]}"; do
	allowed=$(may_use "${folder_of[$o]}")
	while read -r sym; do
		d=${def_of[$sym]:-}
		[ -n "$d" ] && [ "$d" != "$o" ] || continue
		edges="$edges$(name "$o") $(name "$d")"$'\n'
		grep -qw "${folder_of[$d]}" <<<"$allowed" ||
		    bad="$bad $(name "$o") uses $sym of $(name "$d");"
	done < <(nm -u "$o" | awk '{ print $NF }')
done
if [ -z "$bad" ]; then pass "no object calls past its layer (${#objs[@]} objects)"
else fail "calls past their layer:$bad"; fi
loop=$(sort -u <<<"$edges" | tsort 2>&1 >/dev/null)
if [ -z "$loop" ]; then
	pass "the modules call each other without a cycle"
else
	fail "a call cycle: $(grep -v 'input contains' <<<"$loop" | sed 's/^tsort: //' | tr '\n' ' ')"
fi
exit $rc
