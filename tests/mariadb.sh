#!/bin/bash
# SPDX-License-Identifier: ISC
# mariadb.sh - a throwaway MariaDB server for the tests, from Debian's
# mariadb-server package: its own data directory, listening on loopback
# only, a user hk (password hk) with every right, stopped through its own
# pid file (never by process name).
#
#   mariadb.sh start DIR PORT   install the system tables + start; prints
#                               the base URL (mysql://hk:hk@127.0.0.1:PORT/)
#   mariadb.sh stop DIR         stop and remove DIR
set -euo pipefail

[ -x /usr/sbin/mariadbd ] ||
	{ echo "mariadb.sh: no MariaDB server (apt-get install mariadb-server)" >&2; exit 1; }

sql() { /usr/bin/mariadb --no-defaults -S "$1/sock" -u root "${@:2}"; }

start() {
	local dir=$1 port=$2 i
	stop "$dir" 2>/dev/null || true
	install -d -o mysql -g mysql -m 0700 "$dir" "$dir/data"
	/usr/bin/mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
	/usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
		--socket="$dir/sock" --pid-file="$dir/pid" --bind-address=127.0.0.1 \
		--port="$port" --skip-name-resolve --innodb-flush-log-at-trx-commit=0 \
		--log-error="$dir/server.log" 2>>"$dir/server.log" &
	for i in $(seq 1 600); do	# up to 60 s: readiness, not a fixed wait
		[ -S "$dir/sock" ] && sql "$dir" -e 'SELECT 1' >/dev/null 2>&1 && break
		if ! kill -0 $! 2>/dev/null; then cat "$dir/server.log" >&2; exit 1; fi
		sleep 0.1
	done
	sql "$dir" -e "CREATE USER 'hk'@'127.0.0.1' IDENTIFIED BY 'hk';
		GRANT ALL ON *.* TO 'hk'@'127.0.0.1' WITH GRANT OPTION;" ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "mysql://hk:hk@127.0.0.1:$port/"
}

stop() {
	local dir=$1 pid i
	if [ -f "$dir/pid" ]; then
		pid=$(cat "$dir/pid")
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

case ${1:-} in
start) start "$2" "$3" ;;
stop) stop "$2" ;;
*) echo "usage: mariadb.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
