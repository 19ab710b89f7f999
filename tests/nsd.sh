#!/bin/bash
# SPDX-License-Identifier: ISC
# nsd.sh - a throwaway authoritative DNS server for the tests, from
# Debian's nsd package: its own nsd.conf, zones and log in DIR, serving
# in a network namespace of its own (hkdns-N, a veth pair: this side
# 10.78.N.1/24, nsd on 10.78.N.2 port 53), so that it takes no port of
# the host and no query leaves the pair.  Stopped by the PID it started
# (never by process name).
#
#   nsd.sh start DIR N     serve every DIR/zones/ZONE.zone as ZONE
#   nsd.sh reload DIR      read the zone files again after an edit
#   nsd.sh stop DIR        stop it, remove the namespace and DIR
#
# N (1..254) is the caller's, so that tests run at once do not collide; a
# namespace hkdns-N that already exists is refused, not taken over.
# start prints, one a line, what the caller needs:
#   HK_NSD_RESOLVER=10.78.N.2@53   ([dns] resolver)
#   HK_NSD_SILENT=10.78.N.3@53     (an address in the pair nobody answers)
#   HK_NSD_PID=PID
# Runs as root (network namespaces).
#
# reload sends SIGHUP: nsd then reads every zone file whose mtime
# changed.  nsd-control would need its TLS keys made by nsd-control-setup
# and a control socket; a signal needs neither.  Two edits in the same
# clock tick could share an mtime, so reload sets each zone file's mtime
# past the last one it set, then waits until the log says the zones were
# read again.
set -euo pipefail

nsd=/usr/sbin/nsd
checkzone=/usr/sbin/nsd-checkzone
[ -x $nsd ] && [ -x $checkzone ] ||
	{ echo "nsd.sh: no nsd (apt-get install nsd)" >&2; exit 1; }
command -v ip >/dev/null ||
	{ echo "nsd.sh: no ip (apt-get install iproute2)" >&2; exit 1; }

conf() {
	local dir=$1 n=$2 f z
	cat <<EOF
server:
	ip-address: 10.78.$n.2
	port: 53
	username: ""
	chroot: ""
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	zonesdir: "$dir/zones"
	server-count: 1
	verbosity: 2
	hide-version: yes
remote-control:
	control-enable: no
EOF
	for f in "$dir"/zones/*.zone; do
		z=$(basename "$f" .zone)
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$z" "$f"
	done
}

# the zones read so far, by the log's count
zones_read() {
	grep -c 'read with success' "$1/nsd.log" 2>/dev/null || true
}

# whether nsd serves (after reading its zones it says it started)
serving() {
	grep -q 'nsd started' "$1/nsd.log" 2>/dev/null
}

check_zones() {
	local dir=$1 f
	for f in "$dir"/zones/*.zone; do
		$checkzone "$(basename "$f" .zone)" "$f" >/dev/null ||
			{ $checkzone "$(basename "$f" .zone)" "$f" >&2; exit 1; }
	done
}

netns_up() {
	local n=$1 ns=hkdns-$1
	ip netns add "$ns"
	ip link add "hkdns$n-h" type veth peer name "hkdns$n-n"
	ip link set "hkdns$n-n" netns "$ns"
	ip addr add "10.78.$n.1/24" dev "hkdns$n-h"
	ip link set "hkdns$n-h" up
	ip -n "$ns" addr add "10.78.$n.2/24" dev "hkdns$n-n"
	ip -n "$ns" link set "hkdns$n-n" up
	ip -n "$ns" link set lo up
}

start() {
	local dir=$1 n=$2 i pid want
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 254 ] ||
		{ echo "nsd.sh: N must be 1..254" >&2; exit 2; }
	dir=$(cd "$dir" && pwd)
	ls "$dir"/zones/*.zone >/dev/null 2>&1 ||
		{ echo "nsd.sh: no zone in $dir/zones" >&2; exit 1; }
	[ ! -e "/run/netns/hkdns-$n" ] ||
		{ echo "nsd.sh: namespace hkdns-$n exists" >&2; exit 1; }
	check_zones "$dir"
	conf "$dir" "$n" >"$dir/nsd.conf"
	echo "$n" >"$dir/net"
	netns_up "$n"
	# in the foreground (-d): its PID is $!, since ip netns exec execs it
	ip netns exec "hkdns-$n" $nsd -d -c "$dir/nsd.conf" </dev/null \
		>>"$dir/nsd.out" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"
	want=$(ls "$dir"/zones/*.zone | wc -l)
	for i in $(seq 100); do
		serving "$dir" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	serving "$dir" && [ "$(zones_read "$dir")" -ge "$want" ] || {
		echo "nsd.sh: nsd did not start:" >&2
		cat "$dir/nsd.out" "$dir/nsd.log" >&2 2>/dev/null || true
		stop "$dir"
		exit 1
	}
	echo "HK_NSD_RESOLVER=10.78.$n.2@53"
	echo "HK_NSD_SILENT=10.78.$n.3@53"
	echo "HK_NSD_PID=$pid"
}

ours() {
	local dir=$1 pid=$2
	# nsd renames its processes ("nsd: xfrd" is the first)
	[[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == nsd* ]] &&
	    grep -qF "$dir/nsd.conf" /proc/"$pid"/cmdline 2>/dev/null
}

# the PIDs of the serving processes: a reload forks new ones with the new
# zones, and the old ones end once they have answered what they had
servers() {
	local p
	for p in $(pgrep -f -- "$1/nsd.conf"); do
		[[ "$(cat /proc/"$p"/comm 2>/dev/null)" == "nsd: server"* ]] &&
			echo "$p"
	done
	return 0
}

# whether none of the PIDs $2... serves any more, and another one does
renewed() {
	local dir=$1 now p
	shift
	now=$(servers "$dir")
	[ -n "$now" ] || return 1
	for p in "$@"; do
		grep -qx "$p" <<<"$now" && return 1
	done
	return 0
}

reload() {
	local dir pid before old f i stamp
	dir=$(cd "$1" && pwd)
	pid=$(cat "$dir/pid")
	ours "$dir" "$pid" || { echo "nsd.sh: nsd is not running" >&2; exit 1; }
	check_zones "$dir"
	stamp=$(($(cat "$dir/stamp" 2>/dev/null || date +%s) + 1))
	echo "$stamp" >"$dir/stamp"
	for f in "$dir"/zones/*.zone; do
		touch -d "@$stamp" "$f"
	done
	before=$(zones_read "$dir")
	old=$(servers "$dir")
	kill -HUP "$pid"
	for i in $(seq 100); do
		# shellcheck disable=SC2086
		[ "$(zones_read "$dir")" -gt "$before" ] && renewed "$dir" $old &&
			return 0
		sleep 0.1
	done
	echo "nsd.sh: nsd did not read the zones again:" >&2
	tail -n 20 "$dir/nsd.log" >&2
	exit 1
}

stop() {
	local dir pid i n
	dir=$(realpath -m "$1")
	if [ -s "$dir/pid" ]; then
		pid=$(cat "$dir/pid")
		# only our nsd: a stale PID may be someone else's by now
		if ours "$dir" "$pid"; then
			kill "$pid"
			for i in $(seq 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
	fi
	if [ -s "$dir/net" ]; then
		n=$(cat "$dir/net")
		ip link del "hkdns$n-h" 2>/dev/null || true
		ip netns del "hkdns-$n" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

case ${1:-} in
start) start "$2" "$3" ;;
reload) reload "$2" ;;
stop) stop "$2" ;;
*) echo "usage: nsd.sh start DIR N | reload DIR | stop DIR" >&2; exit 2 ;;
esac
