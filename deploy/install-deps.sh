#!/bin/bash
# SPDX-License-Identifier: ISC
# install-deps.sh - install from Debian 12 everything hakomail builds and
# runs with (and, with --test, what its tests drive).  Package scripts must
# not start the host's postfix/dovecot/ssh/nginx: the panel and the test
# guests start their own, so a temporary policy-rc.d refuses (exit 101).
set -euo pipefail

# postfix, dovecot-* and dovecot-sieve are what a guest runs (the demo and
# the test guests run here); dovecot-sieve (Pigeonhole) gives a mailbox's
# vacation reply and forwarding, and sievec and sieve-test to the tests;
# opendkim signs a guest's mail (a milter of its Postfix).
pkgs=(build-essential autoconf automake libtool pkg-config
      libfcgi-dev libsqlite3-dev sqlite3 libpq-dev libssl-dev libjansson-dev
      libzstd-dev
      libcsv-dev libidn2-dev libicu-dev libcrypt-dev libinih-dev libqrencode-dev
      libldap-dev libunbound-dev libmariadb-dev
      libcmocka-dev clang libclang-rt-14-dev
      nginx-light openssh-client openssh-server
      postfix postfix-cdb dovecot-imapd dovecot-lmtpd dovecot-sieve opendkim
      postgresql postgresql-client
      iproute2 util-linux procps curl jq)
# --test: what only the tests drive: Debian's Chromium for the browser
# tests (driven by playwright-core from npm, never a downloaded browser),
# and Node.js where the machine has none; promtool (package prometheus,
# whose daemon the policy below keeps stopped) checks /metrics, and
# faketime moves the clock of a test's pushd past [guest] purge_after;
# rsvg-convert and zbarimg read the enrolment's QR code back as a phone's
# camera would; slapd (with slappasswd) is the directory test_ldapauth
# signs in against (tests/slapd.sh starts its own; debconf below keeps the
# package from making a system directory, the policy from starting one),
# openssl makes its test CA and the DKIM tests' keys; nsd is the
# authoritative DNS server that test_dnscheck asks through libunbound
# (tests/nsd.sh starts its own in a network namespace; the policy below
# keeps the package's from starting); opendkim-tools and python3-dkim
# (with python3-nacl, for Ed25519) verify the guests' signatures
# independently of OpenDKIM; postfixadmin (with PHP's command line and its
# database drivers) makes the databases that `hakomail migrate
# postfixadmin` reads, on SQLite, PostgreSQL and MariaDB (tests/mariadb.sh
# starts its own server; the policy below keeps the package's stopped).
if [ "${1:-}" = --test ]; then
	pkgs+=(chromium fonts-noto-cjk prometheus faketime librsvg2-bin
	       zbar-tools slapd openssl nsd opendkim-tools
	       python3-dkim python3-nacl
	       postfixadmin php-cli php-cgi php-sqlite3 php-pgsql php-mysql
	       mariadb-server mariadb-client)
	command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

policy=/usr/sbin/policy-rc.d
restore=
if [ -e $policy ]; then
	restore=$(mktemp); cp -p $policy "$restore"
fi
printf '#!/bin/sh\nexit 101\n' >$policy; chmod 0755 $policy
trap 'if [ -n "$restore" ]; then mv "$restore" $policy; else rm -f $policy; fi' EXIT

echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
echo "postfixadmin postfixadmin/dbconfig-install boolean false" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
