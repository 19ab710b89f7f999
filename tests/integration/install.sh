#!/bin/bash
# SPDX-License-Identifier: ISC
# install.sh - the README's "Installing for production", checked without
# touching the machine: `make install` into a staging root (binaries,
# manual pages, the web panel), the systemd units verified against it
# (systemd-analyze verify), and the production nginx site with TLS
# (deploy/nginx/hakomail-site.conf and the snippet made from
# hakomail-server.conf.in as the README says) started on loopback ports
# with a throwaway certificate: the panel's page over https, the API's
# JSON error shape from nginx, plain http redirected.
#
# Usage: install.sh BUILDDIR   (results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: install.sh BUILDDIR}" && pwd)
. "$top/tests/lib.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"	# nginx's workers (nobody) read the staged www
root=$tmp/root
nginx_pid=
trap '[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

echo "== install: make install into a staging root"
prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
datadir=$prefix/share
make -C "$build" -s install DESTDIR="$root" >"$tmp/install.log" 2>&1
rc=$?
check_eq "make install: exit 0" 0 $rc
[ $rc -eq 0 ] || tail -20 "$tmp/install.log"
for f in bin/hakomail sbin/hakomail-fcgi sbin/hakomail-pushd sbin/hakomail-agent; do
	check "$f installed" test -x "$root$prefix/$f"
done
check "the manual pages installed" \
	test -f "$root$datadir/man/man8/hakomail-pushd.8" -a -f "$root$datadir/man/man5/hakomail.conf.5"
check "the web panel installed" test -f "$root$datadir/hakomail/www/index.html"

echo "== install: the systemd units"
# As shipped, but for the staged binaries (systemd-analyze checks that each
# ExecStart is an executable): syntax, directives and commands.
mkdir -p "$tmp/units"
for u in "$top"/deploy/systemd/*.service; do
	sed "s#^ExecStart=/usr/local/#ExecStart=$root$prefix/#" "$u" >"$tmp/units/${u##*/}"
done
if [ "$prefix" = /usr/local ]; then
	systemd-analyze verify "$tmp"/units/*.service >"$tmp/verify.log" 2>&1
	check_eq "systemd-analyze verify: no complaint" "0 " \
		"$? $(grep -v -e '^$' "$tmp/verify.log" | head -3 | tr '\n' ' ')"
else
	fail "the units name /usr/local/sbin: build with the default prefix"
fi
# Each daemon runs as its own user from the start, with no capability.
check_eq "the units' users, and no capability" \
	"hakomail-fcgi.service User=hakomail CapabilityBoundingSet= hakomail-pushd.service User=hakomail-push CapabilityBoundingSet=" \
	"$(for u in "$tmp"/units/*.service; do echo "${u##*/}"; grep -e '^User=' -e '^CapabilityBoundingSet=' "$u"; done | tr '\n' ' ' | sed 's/ $//')"
# Hardened: systemd's exposure score (0 to 10) at most 3 for each (it was
# 9 with no more than NoNewPrivileges, ProtectSystem and PrivateTmp).
for u in "$tmp"/units/*.service; do
	systemd-analyze security --offline=true "$u" >"$tmp/security.log" 2>&1
	check "${u##*/}: hardened, $(tail -n 1 "$tmp/security.log" |
		sed 's/.*: \([0-9.]*\) .*/exposure \1/') (at most 3.0)" \
		eval 'systemd-analyze security --offline=true --threshold=30 "$u" >/dev/null 2>&1'
done

echo "== install: the nginx site over TLS"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=panel.test \
	-keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" >/dev/null 2>&1
mkdir -p "$tmp/nginx/snippets" "$tmp/nginx/run"
# The snippet as the README makes it; the site as shipped, with the
# test's own ports, certificate and snippet path.
sed -e "s#@WWW@#$root$datadir/hakomail/www#g" \
    "$top/deploy/nginx/hakomail-server.conf.in" >"$tmp/nginx/snippets/hakomail.conf"
sed -e "s#@SOCKET@#$tmp/nginx/run/fcgi.sock#g" -e 's#@KEEPALIVE@#256#' \
    "$top/deploy/nginx/hakomail-upstream.conf.in" >"$tmp/nginx/upstream.conf"
sed -e 's#listen \[::\]:[0-9]*[^;]*;##' \
    -e 's#listen 80;#listen 127.0.0.1:18480;#' \
    -e 's#listen 443 ssl http2;#listen 127.0.0.1:18443 ssl http2;#' \
    -e "s#/etc/ssl/hakomail/#$tmp/#g" \
    -e "s#/etc/nginx/snippets/hakomail.conf#$tmp/nginx/snippets/hakomail.conf#" \
    "$top/deploy/nginx/hakomail-site.conf" >"$tmp/nginx/site.conf"
cat >"$tmp/nginx/nginx.conf" <<EOF
pid $tmp/nginx/run/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	proxy_temp_path $tmp/nginx/proxy;
	include $tmp/nginx/upstream.conf;
	include $tmp/nginx/site.conf;
}
EOF
check "nginx -t accepts the site" nginx -q -t -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx"
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -g 'daemon off;' &
nginx_pid=$!
https() { curl -sk --resolve panel.example.org:18443:127.0.0.1 "$@"; }
check "nginx answers on the TLS port" until_ok 10 eval \
	'https -o /dev/null https://panel.example.org:18443/'
check_eq "the panel's page over https, with HSTS and the CSP" "200 1 1" \
	"$(https -D "$tmp/h" -o /dev/null -w '%{http_code}' https://panel.example.org:18443/) \
$(grep -ci '^strict-transport-security:' "$tmp/h") $(grep -ci '^content-security-policy:' "$tmp/h")"
check_eq "no workers behind it: the API's JSON error, not a page" "502 internal" \
	"$(https -o "$tmp/b" -w '%{http_code}' https://panel.example.org:18443/api/v1/whoami) \
$(jq -r .error.code "$tmp/b" 2>/dev/null)"
check_eq "plain http is sent to https" "301 https://panel.example.org/" \
	"$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: panel.example.org' \
	    http://127.0.0.1:18480/)"
exit 0
