#!/bin/bash
# SPDX-License-Identifier: ISC
# portability.sh - the guest agent is "portable POSIX C that also builds on
# FreeBSD: no Linux-only calls".  There is no FreeBSD here, so this proves
# the next best thing: every source of src/agent/ and of src/common/ (the
# portable core it links, and all it links) compile and link with gcc against glibc told to expose POSIX.1-2008/XSI
# and nothing else,
#
#   -std=c17 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -pedantic
#   (no _GNU_SOURCE, no _DEFAULT_SOURCE; -pthread for pthread_*)
#
# so that a GNU/Linux-only function (pipe2, accept4, ...) is an implicit
# declaration and a Linux-only flag (O_PATH, O_TMPFILE, AT_EMPTY_PATH,
# RENAME_NOREPLACE, ...) an undeclared identifier: both errors.  A GNU
# variant of a POSIX function (strerror_r returning char *, basename) shows
# up as an int/pointer mismatch, also made an error.  Then the objects'
# undefined symbols (nm -u) are checked against a deny-list of Linux-only
# calls, in case a declaration slipped in some other way (a syscall
# wrapper, a header that ignores the feature macros).
#
# The real config.h is not used (it defines _GNU_SOURCE): a minimal one is
# generated in a temporary directory, with only the configure.ac
# AC_DEFINEs that these sources use, and the AM_CPPFLAGS directory macros.
#
#   tests/portability.sh [SRCDIR]	(default: the tree this script is in)
#
# Prints one line, "PASS agent builds as strict POSIX C (no Linux-only
# calls)" or "FAIL agent builds as strict POSIX C: REASON", appended to
# $HK_RESULTS as well when that is set (tests/lib.sh), followed on failure
# by the compiler's diagnostics (file:line: what), and exits 0 or 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:-$here/..}" && pwd) || exit 2
name="agent builds as strict POSIX C (no Linux-only calls)"
results=${HK_RESULTS:-/dev/null}
CC=${CC:-gcc}

say_pass() { echo "PASS $name" | tee -a "$results"; exit 0; }
say_fail() { echo "FAIL ${name%% (*}: $*" | tee -a "$results"; exit 1; }

# Linux-only (or GNU-only) calls that must not appear as undefined symbols.
deny='pipe2|dup3|accept4|renameat2|syncfs|getrandom'
deny="$deny|epoll_[a-z_0-9]*|inotify_[a-z_0-9]*|fanotify_[a-z_]*"
deny="$deny|signalfd|eventfd|eventfd_read|eventfd_write|timerfd_[a-z]*"
deny="$deny|memfd_create|sendfile|sendfile64|splice|vmsplice|tee"
deny="$deny|copy_file_range|sync_file_range|prctl|clone|clone3|unshare"
deny="$deny|setns|pidfd_[a-z_]*|sched_setaffinity|sched_getaffinity"
deny="$deny|fallocate|fallocate64|statx|getdents|getdents64|syscall"
deny="$deny|open_by_handle_at|name_to_handle_at|mremap|personality"
deny="$deny|secure_getenv|get_current_dir_name|mkostemp|mkostemps"
deny="$deny|execvpe|ppoll|pthread_[a-z_]*_np|__xpg_basename"

command -v "$CC" >/dev/null 2>&1 || say_fail "no $CC"
command -v nm >/dev/null 2>&1 || say_fail "no nm (binutils)"

# Exactly the two folders: whatever is added to them is checked.
mapfile -t srcs < <(cd "$src" && ls src/common/*.[ch] src/agent/*.[ch] 2>/dev/null)
mapfile -t cfiles < <(printf '%s\n' "${srcs[@]}" | grep '\.c$')
[ ${#cfiles[@]} -gt 0 ] || say_fail "no sources in $src/src/common or $src/src/agent"
for f in "${srcs[@]}"; do
	[ -f "$src/$f" ] || say_fail "$f does not exist"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/hk-portability.XXXXXX") ||
    say_fail "mktemp"
trap 'rm -rf "$work"' EXIT

# A source that asks for extensions itself defeats the whole check.
ext=$(cd "$src" && grep -nE '^[[:space:]]*#[[:space:]]*define[[:space:]]+_(GNU|DEFAULT|BSD|SVID|ALL)_SOURCE\b' "${srcs[@]}")
[ -z "$ext" ] || say_fail "a source enables extensions: $(head -n1 <<<"$ext")"

# The minimal config.h: each configure.ac AC_DEFINE that the sources name
# (string-valued ones get a placeholder path), nothing else.
{
	echo '/* config.h for tests/portability.sh: no _GNU_SOURCE. */'
	sed -n 's/.*AC_DEFINE\(_UNQUOTED\)\{0,1\}(\[\([A-Z_0-9]*\)\], *\(.\).*/\2 \3/p' \
	    "$src/configure.ac" | sort -u | while read -r mac q; do
		(cd "$src" && grep -qw "$mac" "${srcs[@]}") || continue
		if [ "$q" = '"' ] || [ "$q" = '[' ]; then
			echo "#define $mac \"/nonexistent/$mac\""
		else
			echo "#define $mac 1"
		fi
	done
} >"$work/config.h"

cflags=(-std=c17 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -pedantic
	-Wall -Wextra -pthread
	-Werror=implicit-function-declaration -Werror=implicit-int
	-Werror=int-conversion -Werror=incompatible-pointer-types
	-U_GNU_SOURCE -U_DEFAULT_SOURCE
	-DSYSCONFDIR='"/etc"' -DLOCALSTATEDIR='"/var"' -DRUNSTATEDIR='"/run"'
	-I"$work" -I"$src/src/common")
# shellcheck disable=SC2207 # lists of flags
if command -v pkg-config >/dev/null 2>&1 &&
    pkg-config --exists libcrypto jansson libzstd; then
	cflags+=($(pkg-config --cflags libcrypto jansson libzstd))
	libs=($(pkg-config --libs libcrypto jansson libzstd))
else
	libs=(-lcrypto -ljansson -lzstd)
fi

failed=""
objs=()
for f in "${cfiles[@]}"; do
	o=$work/$(basename "$f" .c).o
	if ! (cd "$src" && "$CC" "${cflags[@]}" -c "$f" -o "$o") \
	    >>"$work/cc.log" 2>&1; then
		failed="$failed $f"
	fi
	objs+=("$o")
done
diags() {	# the compiler's errors (and warnings), file:line first
	grep -E '(error|warning):' "$work/cc.log" | sed 's/^/    /' | head -n 40
}
if [ -n "$failed" ]; then
	first=$(grep -m1 -E 'error:' "$work/cc.log" | sed 's/^[[:space:]]*//')
	echo "FAIL ${name%% (*}: does not compile:$failed (${first:-see below})" |
	    tee -a "$results"
	diags
	exit 1
fi

if ! "$CC" -pthread "${objs[@]}" -o "$work/hakomail-agent" "${libs[@]}" \
    >>"$work/cc.log" 2>&1; then
	first=$(grep -m1 -E 'undefined reference|error' "$work/cc.log")
	say_fail "does not link: ${first:-see $CC output}"
fi

bad=""
for o in "${objs[@]}"; do
	hits=$(nm -u "$o" | awk '{ print $NF }' | sed 's/@.*//' |
	    grep -xE "$deny" | sort -u | tr '\n' ' ')
	[ -n "$hits" ] && bad="$bad $(basename "$o" .o).c: ${hits% }; "
done
[ -z "$bad" ] || say_fail "Linux-only calls:${bad%; }"

# Warnings do not fail the check, but are worth seeing.
if grep -q 'warning:' "$work/cc.log"; then
	echo "portability.sh: compiler warnings (not fatal):" >&2
	diags >&2
fi
say_pass
