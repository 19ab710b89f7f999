#!/bin/bash
# SPDX-License-Identifier: ISC
# slapd.sh - a throwaway LDAP directory for the tests, from Debian's slapd
# package: its own slapd.conf, database, test CA and server certificate in
# DIR, listening on loopback only (ldap:// with StartTLS, and ldaps://),
# stopped by the PID it wrote (never by process name).
#
#   slapd.sh start DIR PORT_LDAP PORT_LDAPS
#   slapd.sh stop DIR          stop it and remove DIR
#
# DIR then holds ca.pem (the CA that signed the server's certificate, for
# SAN 127.0.0.1 and localhost), other-ca.pem (a CA that signed nothing
# here), service.pw (the service account's password, mode 0600) and
# slapd.log.  The directory, base dc=example,dc=org:
#
#   ou=people   uid=matsui  "matsui directory pw"
#               uid=tanaka  "tanaka-pw"
#               cn=Odd Name uid "w*(e)\ird"   "odd-pw"
#               uid=twin    "twin-pw"
#   ou=staff    uid=sato    "sato-pw"
#               uid=twin    "twin-pw"        (visible to the service only)
#   ou=services cn=panel    the service account (service.pw)
#
# Anyone may search ou=people; only a bound account may read ou=staff, so
# that a search there needs the service account.
set -euo pipefail

slapd=/usr/sbin/slapd
slapadd=/usr/sbin/slapadd
slappasswd=/usr/sbin/slappasswd
[ -x $slapd ] && [ -x $slapadd ] && [ -x $slappasswd ] ||
	{ echo "slapd.sh: no slapd (apt-get install slapd)" >&2; exit 1; }
command -v openssl >/dev/null ||
	{ echo "slapd.sh: no openssl (apt-get install openssl)" >&2; exit 1; }

# ca NAME: a CA key and self-signed certificate, DIR/NAME.{key,pem}
ca() {
	local name=$1
	printf '%s\n' '[v3]' 'basicConstraints = critical, CA:TRUE' \
		'keyUsage = critical, keyCertSign, cRLSign' \
		'subjectKeyIdentifier = hash' >"$name.ext"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$name.key" 2>/dev/null
	openssl req -new -key "$name.key" -subj "/CN=hakomail test $name" \
		-out "$name.csr"
	openssl x509 -req -in "$name.csr" -signkey "$name.key" -days 30 \
		-extfile "$name.ext" -extensions v3 -out "$name.pem" 2>/dev/null
}

certs() {
	ca ca
	ca other-ca
	printf '%s\n' '[v3]' 'basicConstraints = critical, CA:FALSE' \
		'keyUsage = critical, digitalSignature, keyEncipherment' \
		'extendedKeyUsage = serverAuth' \
		'subjectAltName = IP:127.0.0.1, DNS:localhost' >server.ext
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out server.key 2>/dev/null
	openssl req -new -key server.key -subj /CN=localhost -out server.csr
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 30 -extfile server.ext -extensions v3 \
		-out server.pem 2>/dev/null
	rm -f ./*.csr ./*.ext ca.srl other-ca.key
}

conf() {
	local dir=$1
	cat <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key

database mdb
maxsize 16777216
suffix "dc=example,dc=org"
directory $dir/db
# A simple bind is checked as anonymous: everyone may authenticate,
# nobody may read a password.
access to attrs=userPassword by * auth
access to dn.subtree="ou=staff,dc=example,dc=org" by users read by * auth
access to * by * read
EOF
}

# entry DN UID PASSWORD [CN]
person() {
	cat <<EOF
dn: $1
objectClass: inetOrgPerson
uid: $2
cn: ${4:-$2}
sn: ${4:-$2}
userPassword: $($slappasswd -s "$3")

EOF
}

data() {
	local o
	printf '%s\n' 'dn: dc=example,dc=org' 'objectClass: dcObject' \
		'objectClass: organization' 'o: Example' 'dc: example' ''
	for o in people staff services; do
		printf '%s\n' "dn: ou=$o,dc=example,dc=org" \
			'objectClass: organizationalUnit' "ou: $o" ''
	done
	person uid=matsui,ou=people,dc=example,dc=org matsui "matsui directory pw"
	person uid=tanaka,ou=people,dc=example,dc=org tanaka tanaka-pw
	person "cn=Odd Name,ou=people,dc=example,dc=org" 'w*(e)\ird' odd-pw "Odd Name"
	person uid=twin,ou=people,dc=example,dc=org twin twin-pw
	person uid=sato,ou=staff,dc=example,dc=org sato sato-pw
	person uid=twin,ou=staff,dc=example,dc=org twin twin-pw
	printf '%s\n' 'dn: cn=panel,ou=services,dc=example,dc=org' \
		'objectClass: organizationalRole' \
		'objectClass: simpleSecurityObject' 'cn: panel' \
		"userPassword: $($slappasswd -s "$(cat service.pw)")" ''
}

# listening: slapd's PID file written and both its ports taking a connection
listening() {
	[ -s slapd.pid ] && (: <>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
		(: <>"/dev/tcp/127.0.0.1/$sport") 2>/dev/null
}

start() {
	local dir=$1 port=$2 sport=$3 i pid
	stop "$dir" 2>/dev/null || true
	install -d -m 0700 "$dir" "$dir/db"
	dir=$(cd "$dir" && pwd)
	cd "$dir"
	certs
	(umask 077; openssl rand -hex 16 >service.pw)
	conf "$dir" >slapd.conf
	data >data.ldif
	$slapadd -q -f "$dir/slapd.conf" -l data.ldif >slapd.log 2>&1 ||
		{ cat slapd.log >&2; exit 1; }
	# In the foreground (-d) so that its errors reach slapd.log: level
	# 32768 ("none") is those alone.  Started means its PID file written
	# and both ports taking a connection (on a loaded machine the PID file
	# has been seen before the listeners: the tests then found no server).
	$slapd -d 32768 -f "$dir/slapd.conf" -n hk-test-slapd \
		-h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$sport/" \
		</dev/null >>slapd.log 2>&1 &
	pid=$!
	for i in $(seq 400); do
		listening && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	listening ||
		{ echo "slapd.sh: slapd did not start:" >&2; cat slapd.log >&2; exit 1; }
	echo "$dir"
}

stop() {
	local dir pid i
	dir=$(realpath -m "$1")
	if [ -s "$dir/slapd.pid" ]; then
		pid=$(cat "$dir/slapd.pid")
		# only our slapd: a stale PID may be someone else's by now
		if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = slapd ] &&
		    grep -qF "$dir/slapd.conf" /proc/"$pid"/cmdline 2>/dev/null; then
			kill "$pid"
			for i in $(seq 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
	fi
	rm -rf "$dir"
}

case ${1:-} in
start) start "$2" "$3" "$4" ;;
stop) stop "$2" ;;
*) echo "usage: slapd.sh start DIR PORT_LDAP PORT_LDAPS | stop DIR" >&2; exit 2 ;;
esac
