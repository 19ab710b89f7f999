#!/bin/bash
# SPDX-License-Identifier: ISC
# panel.sh - set up, start and stop one hakomail panel (nginx + hakomail-fcgi
# + hakomail-pushd) whose state all lives under one directory.  Used by the
# quickstart and by the integration tests, so both run the panel one way.
#
#   panel.sh setup   set up STATE: users, config, nginx config, SSH key, db
#                    (the users, groups and modes of a production install)
#   panel.sh start   start nginx, the FastCGI workers and pushd
#   panel.sh stop    stop them, by the PIDs recorded at start
#
# Environment: HK_STATE (directory), HK_BIN (directory holding hakomail,
# hakomail-fcgi, hakomail-pushd), HK_WWW (static files), HK_LISTEN (nginx
# listen address, e.g. 127.0.0.1:8080), HK_DB_URL (optional: a
# postgresql:// URL of an existing, empty database; default SQLite in STATE),
# HK_PUSHD_CONF (optional: more "key = value" lines for [pushd]).
set -euo pipefail

: "${HK_STATE:?}" "${HK_BIN:?}" "${HK_WWW:?}" "${HK_LISTEN:=127.0.0.1:8080}"
here=$(cd "$(dirname "$0")" && pwd)
conf=$HK_STATE/hakomail.conf
db_url=${HK_DB_URL:-sqlite:$HK_STATE/db/hakomail.db}
run=$HK_STATE/run

die() { echo "panel.sh: $*" >&2; exit 1; }

# The users, as README.md's production install makes them: the API's
# workers run as hakomail, pushd as hakomail-push; both are in the group
# hakomail, which owns the database.
users() {
	local nologin="--system --home-dir /nonexistent --shell /usr/sbin/nologin"
	id hakomail >/dev/null 2>&1 || useradd $nologin --user-group hakomail
	id hakomail-push >/dev/null 2>&1 ||
		useradd $nologin --user-group --groups hakomail hakomail-push
	id -nG hakomail-push | tr ' ' '\n' | grep -qx hakomail ||
		usermod -a -G hakomail hakomail-push
}

setup() {
	getent group www-data >/dev/null || die "group www-data missing (install nginx)"
	users
	install -d -m 0755 "$HK_STATE"
	install -d -m 0755 "$run"
	install -d -m 0755 "$HK_STATE/log" "$HK_STATE/nginx"
	# setgid: whoever makes a file of the database, it is the group's
	install -d -m 2770 -o hakomail -g hakomail "$HK_STATE/db"
	# the key and pushd's state are hakomail-push's alone
	install -d -m 0700 -o hakomail-push -g hakomail-push "$HK_STATE/ssh" \
		"$HK_STATE/pushd"
	cat >"$conf" <<CONF
# written by panel.sh; see deploy/hakomail.conf for every setting
[database]
url = $db_url
[fcgi]
socket = $run/fcgi.sock
workers = 4
socket_group = www-data
user = hakomail
[pushd]
wake_socket = $run/pushd.sock
ssh_key = $HK_STATE/ssh/id_ed25519
state_dir = $HK_STATE/pushd
user = hakomail-push
timeout = 30
retry_max = 60
${HK_PUSHD_CONF:-}
[dkim]
key_file = $HK_STATE/dkim.key
CONF
	sed -e "s#@STATE@#$HK_STATE#g" -e "s#@LISTEN@#$HK_LISTEN#g" \
	    "$here/nginx/hakomail.conf.in" >"$HK_STATE/nginx.conf"
	sed -e "s#@SOCKET@#$run/fcgi.sock#g" -e "s#@WWW@#$HK_WWW#g" \
	    "$here/nginx/hakomail-server.conf.in" >"$HK_STATE/nginx-server.conf"
	[ -f "$HK_STATE/ssh/id_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C hakomail-pushd -f "$HK_STATE/ssh/id_ed25519"
	chown -R hakomail-push:hakomail-push "$HK_STATE/ssh" "$HK_STATE/pushd"
	chmod 0600 "$HK_STATE/ssh/id_ed25519"
	# The key of the DKIM keys at rest: kept, as the database is (a new
	# one would leave every stored key unopenable); root's, readable by
	# the group hakomail (the API's workers and pushd), not by others.
	[ -s "$HK_STATE/dkim.key" ] ||
		(umask 077 && { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
				echo; } >"$HK_STATE/dkim.key")
	chown root:hakomail "$HK_STATE/dkim.key"
	chmod 0640 "$HK_STATE/dkim.key"
	# A database of an earlier panel.sh may be root's or its group's to
	# read only: both users write it.  A new one is made by init, which
	# as root becomes the directory's owner to make it.
	case $db_url in sqlite:*)
		local db=${db_url#sqlite:}
		if [ -e "$db" ]; then
			chown hakomail:hakomail "$db"*
			chmod 0660 "$db"*
		fi ;;
	esac
	"$HK_BIN/hakomail" -c "$conf" init
}

# wait_for PATH SECONDS: until PATH exists (a socket or a pid file).
wait_for() {
	local deadline=$((SECONDS + $2))
	until [ -e "$1" ]; do
		[ $SECONDS -lt "$deadline" ] || die "$1 did not appear in $2 s"
		sleep 0.05
	done
}

start_one() {	# start_one NAME CMD...: in the background, PID recorded
	local name=$1; shift
	setsid "$@" </dev/null >>"$HK_STATE/log/$name.log" 2>&1 &
	echo $! >"$run/$name.pid"
}

# nginx's pool of kept FastCGI connections (idle ones wait in the
# workers' epoll sets, not in their threads).
upstream_conf() {
	sed -e "s#@SOCKET@#$run/fcgi.sock#g" -e "s#@KEEPALIVE@#256#g" \
	    "$here/nginx/hakomail-upstream.conf.in" >"$HK_STATE/nginx-upstream.conf"
}

# Both daemons start as root, open their sockets and become their users
# themselves ([fcgi] user, [pushd] user), as under systemd.
start() {
	[ -f "$conf" ] || die "run 'panel.sh setup' first"
	rm -f "$run/fcgi.sock" "$run/pushd.sock"
	upstream_conf
	start_one fcgi "$HK_BIN/hakomail-fcgi" -c "$conf"
	start_one pushd "$HK_BIN/hakomail-pushd" -c "$conf"
	wait_for "$run/fcgi.sock" 10
	wait_for "$run/pushd.sock" 10
	nginx -t -q -c "$HK_STATE/nginx.conf" -p "$HK_STATE/nginx" 2>>"$HK_STATE/log/nginx-error.log" ||
		die "nginx configuration rejected (see $HK_STATE/log/nginx-error.log)"
	nginx -c "$HK_STATE/nginx.conf" -p "$HK_STATE/nginx"
	wait_for "$run/nginx.pid" 10
}

# ours PID CONF: PID is a process started with CONF (its command line
# names it).  A PID file outlives its process (one stopped by hand, one
# that crashed), and the number may since have gone to anyone else's.
ours() {
	local cmd
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ " $cmd " == *" $2 "* ]]
}

stop_pidfile() {	# stop_pidfile FILE CONF
	local f=$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if ours "$pid" "$2"; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do ours "$pid" "$2" || break; sleep 0.05; done
		! ours "$pid" "$2" || kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

stop() {
	stop_pidfile "$run/nginx.pid" "$HK_STATE/nginx.conf"
	stop_pidfile "$run/fcgi.pid" "$conf"
	stop_pidfile "$run/pushd.pid" "$conf"
	# pushd's ssh control masters: ask each to exit through its socket.
	for s in "$HK_STATE"/pushd/ctl-*; do
		[ -S "$s" ] && ssh -F none -o ControlPath="$s" -O exit x 2>/dev/null || true
	done
}

case ${1:-} in
setup) setup ;;
start) start ;;
stop) stop ;;
*) echo "usage: panel.sh setup|start|stop" >&2; exit 2 ;;
esac
