#!/bin/bash
# SPDX-License-Identifier: ISC
# mkdb.sh - a PostfixAdmin database made by Debian's postfixadmin package
# itself (issue 20's tests): its schema by its own public/upgrade.php, its
# rows by its own postfixadmin-cli with $CONF['encrypt'] switched in turn,
# the vacation message by its VacationHandler; direct SQL only for rows the
# CLI refuses (--problems).  Writes MANIFEST, which says what was made (see
# README), and checks the database against it before it returns.
#
#   mkdb.sh URL MANIFEST [--problems] [--counts]
#     URL  sqlite:/abs/path.db | postgresql://USER@HOST:PORT/DB |
#          mysql://USER:PASS@HOST:PORT/DB   (the database is dropped first)
#     --counts  print "TABLE ROWS" lines to stdout at the end
#
# PostfixAdmin runs from a private tree in a temporary directory: copies of
# the few files that find the others by their own path (common.php,
# public/upgrade.php, scripts/postfixadmin-cli.php) and of Debian's
# config.inc.php, symlinks to the rest, and tests/pfa/config.local.php.
# /etc/postfixadmin and /usr/share/postfixadmin are only read.
# Quiet on success; on failure the step's own output goes to stderr.
# shellcheck disable=SC2016 # $1$, $6$ ...: hash prefixes, not expansions
set -euo pipefail

usage() { echo "usage: mkdb.sh URL MANIFEST [--problems] [--counts]" >&2; exit 2; }
[ $# -ge 2 ] || usage
url=$1 manifest=$2
shift 2
problems=0 counts=0
for a; do
	case $a in
	--problems) problems=1 ;;
	--counts) counts=1 ;;
	*) usage ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
src=/usr/share/postfixadmin
if [ ! -f "$src/public/upgrade.php" ] || [ ! -f /etc/postfixadmin/config.inc.php ]; then
	echo "mkdb.sh: no postfixadmin package (apt-get install postfixadmin)" >&2
	exit 1
fi

tree=$(mktemp -d "${TMPDIR:-/tmp}/pfa-mkdb.XXXXXX")
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/public" "$tree/scripts"
cp "$src/common.php" "$tree/"
cp "$src/public/common.php" "$src/public/upgrade.php" "$tree/public/"
cp "$src/scripts/postfixadmin-cli.php" "$tree/scripts/"
ln -s "$src/functions.inc.php" "$src/model" "$src/languages" "$tree/"
cp /etc/postfixadmin/config.inc.php "$tree/"
cp "$here/config.local.php" "$here/pfa.php" "$tree/"
# Debian's config.inc.php requires dbconfig.inc.php (found in the private
# tree, the working directory); config.local.php sets the database.
printf '<?php\n$dbtype = $dbserver = $dbuser = $dbpass = $dbname = $dbport = "";\n' \
	>"$tree/dbconfig.inc.php"
export PFA_URL=$url PFA_ENCRYPT=md5crypt

# step WHAT CMD...: CMD in the private tree, its output shown only on failure.
step() {
	local what=$1
	shift
	if ! (cd "$tree" && "$@") >"$tree/step.log" 2>&1; then
		echo "mkdb.sh: $what failed:" >&2
		cat "$tree/step.log" >&2
		exit 1
	fi
}
cli() { step "postfixadmin-cli $*" php scripts/postfixadmin-cli.php "$@"; }
pfa() { step "pfa.php $1" php pfa.php "$@"; }
yn() { if [ "$1" = 1 ]; then echo y; else echo n; fi; }

mf=$tree/manifest
: >"$mf"
m() { local IFS=$'\t'; printf '%s\n' "$*" >>"$mf"; }

# Alias lines are written last, each with the goto PostfixAdmin should have
# stored by then (a mailbox's own alias changes when it forwards).
declare -A goto=()
order=()
aline() { [ -n "${goto[$1]+x}" ] || order+=("$1"); goto[$1]=$2$'\t'$3; }

# PostfixAdmin stores quotas in bytes: MB times Debian's quota_multiplier.
qmul=1024000

# domain NAME ACTIVE BACKUPMX MAILBOXES ALIASES MAXQUOTA_MB QUOTA_MB DEFAULT_ALIASES
domain() {
	cli domain add "$1" --description "test domain $1" --active "$(yn "$2")" \
		--backupmx "$(yn "$3")" --mailboxes "$4" --aliases "$5" \
		--maxquota "$6" --quota "$7" --default-aliases "$(yn "$8")"
	m domain "$1" "$2" "$3" "$4" "$5" "$6" "$7"
	if [ "$8" = 1 ]; then	# config.local.php's default_aliases
		aline "abuse@$1" abuse@elsewhere.example 1
		aline "postmaster@$1" postmaster@elsewhere.example 1
	fi
}

# mailbox ENCRYPT ADDRESS PASSWORD STORED_PREFIX ACTIVE NAME QUOTA_MB
mailbox() {
	PFA_ENCRYPT=$1 cli mailbox add "$2" --password "$3" --password2 "$3" \
		--name "$6" --quota "$7" --active "$(yn "$5")" --welcome-mail n
	m mailbox "$2" "$3" "$1" "$4" "$5" "$6" $(($7 * qmul))
	aline "$2" "$2" "$5"
}

# alias_add ADDRESS GOTO ACTIVE
alias_add() { cli alias add "$1" --goto "$2" --active "$(yn "$3")"; aline "$@"; }

# admin ENCRYPT LOGIN PASSWORD DOMAINS|ALL (ALL: a superadmin, for which
# PostfixAdmin itself writes the domain_admins row of domain ALL)
admin() {
	local super=0 doms=(--domains "$4")
	[ "$4" != ALL ] || { super=1; doms=(); }
	PFA_ENCRYPT=$1 cli admin add "$2" --password "$3" --password2 "$3" \
		--superadmin "$(yn $super)" --active y "${doms[@]}"
	m admin "$2" "$3" "$1" $super "$4"
}

step "creating the database" php pfa.php createdb
step "PostfixAdmin's upgrade.php" php -r \
	'define("POSTFIXADMIN_CLI", 1); require "public/upgrade.php";'

# Domains (pfa3.example is made inactive once its mailboxes exist).
domain pfa1.example 1 0 50 100 100 2000 1
domain pfa2.example 1 1 10 10 10 2048 0
cli domain add pfa3.example --description "test domain pfa3.example" \
	--active y --backupmx n --mailboxes 10 --aliases 10 --maxquota 10 \
	--quota 2048 --default-aliases n
domain pfa-alias.example 1 0 0 0 10 2048 0
cli aliasdomain add pfa-alias.example --target-domain pfa1.example --active y
m aliasdomain pfa-alias.example pfa1.example 1

# One mailbox per hash scheme: ENCRYPT ADDRESS PASSWORD PREFIX ACTIVE NAME QUOTA
d=pfa1.example
mailbox md5crypt u-md5crypt@$d 'Md5crypt pw 01' '$1$' 1 'Md5crypt User' 50
mailbox php_crypt:SHA512 u-php-sha512@$d 'Sha512!crypt#02' '$6$' 1 'PHP SHA512' 60
mailbox php_crypt:SHA256 u-php-sha256@$d 'sha256$crypt$03' '$5$' 1 'PHP SHA256' 70
mailbox php_crypt:BLOWFISH u-php-blowfish@$d "Blow\"fish'04" '$2y$' 1 'PHP Blowfish' 80
mailbox dovecot:SHA512-CRYPT u-dc-sha512-crypt@$d 'dc SHA512 crypt 05' \
	'{SHA512-CRYPT}$6$' 1 '松井 太郎' 90
mailbox dovecot:SHA256-CRYPT u-dc-sha256-crypt@$d 'dcSha256*Crypt06' \
	'{SHA256-CRYPT}$5$' 1 'Dovecot SHA256' 100
mailbox dovecot:BLF-CRYPT u-dc-blf-crypt@$d 'dc\blf\crypt07' \
	'{BLF-CRYPT}$2y$' 1 'Dovecot BLF' 10
mailbox dovecot:MD5-CRYPT u-dc-md5-crypt@$d 'dcMd5(crypt)08' \
	'{MD5-CRYPT}$1$' 1 'Dovecot MD5-CRYPT' 20
mailbox dovecot:ARGON2I u-dc-argon2i@$d 'Argon2i pw 09' \
	'{ARGON2I}$argon2i$' 1 'Dovecot Argon2i' 30
mailbox dovecot:ARGON2ID u-dc-argon2id@$d 'Argon2id%pw%10' \
	'{ARGON2ID}$argon2id$' 1 'Dovecot Argon2id' 40
mailbox dovecot:SSHA512 u-dc-ssha512@$d 'Ssha512~pw~11' '{SSHA512}' 1 'Dovecot SSHA512' 50
mailbox dovecot:PLAIN-MD5 u-dc-plain-md5@$d 'PlainMd5&pw12' '{PLAIN-MD5}' 0 'Dovecot PLAIN-MD5' 50
mailbox dovecot:CRAM-MD5 u-dc-cram-md5@$d 'CramMd5:pw:13' '{CRAM-MD5}' 1 'Dovecot CRAM-MD5' 50
mailbox md5 u-md5@$d 'bare md5 pw 14' - 1 'Bare MD5' 50
mailbox sha512.b64 u-sha512-b64@$d 'Sha512.b64=pw15' '{SHA512-CRYPT.B64}' 1 'SHA512 B64' 50
mailbox cleartext u-cleartext@$d 'Clear text pw 16' - 1 'Clear Text' 50

# Aliases: plain, several targets, alias to an alias, inactive, catch-all.
alias_add info@$d u-md5crypt@$d 1
alias_add team@$d u-php-sha512@$d,u-dc-argon2id@$d,someone@elsewhere.example 1
alias_add staff@$d team@$d 1
alias_add old@$d u-md5crypt@$d 0
alias_add @$d u-cleartext@$d 1
# Forward and keep a copy (goto: other, self), and forward only (no self).
cli alias update u-dc-ssha512@$d --goto keep-copy@elsewhere.example --goto-mailbox y
aline u-dc-ssha512@$d keep-copy@elsewhere.example,u-dc-ssha512@$d 1
cli alias update u-md5@$d --goto forward-only@elsewhere.example --goto-mailbox n
aline u-md5@$d forward-only@elsewhere.example 1

# pfa3.example: mailboxes and an alias, then the domain made inactive.
mailbox md5crypt u1@pfa3.example 'Pfa3 user pw 31' '$1$' 1 'Pfa3 One' 10
mailbox php_crypt:SHA512 u2@pfa3.example 'Pfa3 user pw 32' '$6$' 1 'Pfa3 Two' 10
alias_add sales@pfa3.example u1@pfa3.example,u2@pfa3.example 1
cli domain update pfa3.example --active n
m domain pfa3.example 0 0 10 10 10 2048

# Vacation, as the user's vacation form stores it (VacationHandler).
PFA_ENCRYPT=md5crypt pfa vacation u-php-sha256@$d 'Out of office' \
	$'I am away until January.\nUrgent matters: team@pfa1.example.\n\nRegards' \
	2025-01-01 2030-12-31
aline u-php-sha256@$d "u-php-sha256#$d@autoreply.pfa.example,u-php-sha256@$d" 1
m vacation u-php-sha256@$d 'Out of office' \
	'I am away until January.\nUrgent matters: team@pfa1.example.\n\nRegards' 1 \
	'2025-01-01 00:00:00' '2030-12-31 23:59:00'

# Domain admins (crypt scheme, non-crypt scheme) and a superadmin.
admin md5crypt admin-crypt@$d 'Admin crypt pw 41' $d
admin dovecot:SSHA512 admin-ssha@$d 'Admin ssha pw 42' pfa1.example,pfa3.example
admin php_crypt:SHA512 super@admin.example 'Super admin pw 43' ALL

if [ "$problems" = 1 ]; then
	# Rows hakomail refuses; by SQL (pfa.php rawmailbox) where the CLI refuses them.
	pfa rawmailbox Upper.Case@$d 'Upper Case' 50 1 'Upper case pw 51'
	m mailbox Upper.Case@$d 'Upper case pw 51' md5crypt '$1$' 1 'Upper Case' $((50 * qmul))
	aline Upper.Case@$d Upper.Case@$d 1
	m problem mailbox Upper.Case@$d upper-case-local-part
	pfa rawmailbox .dotted@$d 'Leading Dot' 50 1 'Leading dot pw 52'
	m mailbox .dotted@$d 'Leading dot pw 52' md5crypt '$1$' 1 'Leading Dot' $((50 * qmul))
	aline .dotted@$d .dotted@$d 1
	m problem mailbox .dotted@$d unusual-local-part
	mailbox md5crypt 'bang!x@'$d 'Bang pw 53' '$1$' 1 'Bang' 50
	m problem mailbox 'bang!x@'$d unusual-local-part
	pfa rawmailbox locked@$d 'Locked' 50 1 '=*LOCKED*'
	m mailbox locked@$d - - - 1 'Locked' $((50 * qmul))
	aline locked@$d locked@$d 1
	m problem mailbox locked@$d no-known-hash
	pfa rawmailbox nopass@$d 'No Password' 50 1 '='
	m mailbox nopass@$d - - - 1 'No Password' $((50 * qmul))
	aline nopass@$d nopass@$d 1
	m problem mailbox nopass@$d no-known-hash
	# (into a domain without a catch-all: pfa1.example has one)
	alias_add dangling@$d nobody-here@pfa-over.example 1
	m problem alias dangling@$d goto-nowhere
	domain pfa-over.example 1 0 2 10 10 2048 0
	mailbox md5crypt o1@pfa-over.example 'Over pw 61' '$1$' 1 'Over One' 10
	mailbox md5crypt o2@pfa-over.example 'Over pw 62' '$1$' 1 'Over Two' 10
	pfa rawmailbox o3@pfa-over.example 'Over Three' 10 1 'Over pw 63'
	m mailbox o3@pfa-over.example 'Over pw 63' md5crypt '$1$' 1 'Over Three' $((10 * qmul))
	aline o3@pfa-over.example o3@pfa-over.example 1
	m problem domain pfa-over.example mailboxes-over-limit
fi

for a in "${order[@]}"; do m alias "$a" "${goto[$a]}"; done
pfa version
m version "$(cat "$tree/step.log")"
pfa check "$mf"
cp "$mf" "$manifest"
if [ "$counts" = 1 ]; then
	pfa counts
	cat "$tree/step.log"
fi
