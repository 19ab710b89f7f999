# SPDX-License-Identifier: ISC
# panel_lib.sh - shared by the integration tests that run a real panel
# (deploy/panel.sh) and real guests (tests/guest/hkguest).  Source it after
# tests/lib.sh with top, build and tmp set; it sets the panel's environment.
#
# HK_DB_URL (optional) picks PostgreSQL, as in panel.sh; HK_STATE,
# HK_LISTEN and HK_GUEST_ROOT may be set to keep out of the tests' way.

: "${HK_STATE:=/run/hakomail-test/panel}" "${HK_LISTEN:=127.0.0.1:18080}"
: "${HK_GUEST_ROOT:=/run/hakomail-test/guests}"
export HK_STATE HK_LISTEN HK_GUEST_ROOT HK_BIN=$build/src HK_WWW=$top/www
export HK_AGENT=$build/src/hakomail-agent HK_PANEL_PUBKEY=$HK_STATE/ssh/id_ed25519.pub
hkguest=$top/tests/guest/hkguest
base=http://$HK_LISTEN/api/v1

cli() { "$HK_BIN/hakomail" -c "$HK_STATE/hakomail.conf" "$@"; }

# sql QUERY: the panel's database, one row per line, columns by '|'.
sql() {
	case ${HK_DB_URL:-} in
	'') sqlite3 "$HK_STATE/db/hakomail.db" "$1" ;;
	*) psql -XAtq "$HK_DB_URL" -c "$1" ;;
	esac
}

# api METHOD PATH [BODY]: sets STATUS and BODY ($KEY: an operator's key)
api() {
	STATUS=$(curl -sS -o "$tmp/body" -w '%{http_code}' -X "$1" \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$base/$2")
	BODY=$(cat "$tmp/body")
}

guest_field() {	# guest_field NAME FIELD: from the API
	local BODY STATUS
	api GET "guests/$1"
	jq -r --arg f "$2" '.[$f]' <<<"$BODY"
}

guest_in_sync() {	# guest_in_sync NAME
	local BODY STATUS
	api GET "guests/$1"
	[ "$(jq -r '.applied_gen >= .desired_gen and .state == "in_sync"' \
		<<<"$BODY")" = true ]
}

imap_login() {	# imap_login HOST USER PASS
	curl -s --max-time 10 "imap://$1/" -u "$2:$3" -X NOOP >/dev/null 2>&1
}

# panel_up: a fresh panel and no guests; HK_PUSHD_CONF is passed on.
panel_up() {
	"$hkguest" down-all >/dev/null 2>&1
	"$top/deploy/panel.sh" stop >/dev/null 2>&1
	rm -rf "$HK_STATE" "$HK_GUEST_ROOT"
	"$top/deploy/panel.sh" setup >"$tmp/setup.log" 2>&1 &&
		"$top/deploy/panel.sh" start >>"$tmp/setup.log" 2>&1 ||
		{ cat "$tmp/setup.log"; return 1; }
	cli project add lab >/dev/null && KEY=$(cli apikey create) &&
		test -n "$KEY"
}

# panel_down: stops it all; the panel's logs are kept under
# tests/artifacts/logs/ (a failure in CI is then read, not guessed).
panel_down() {
	local keep=$top/tests/artifacts/logs/${HK_LABEL:-run}-$(basename "$0" .sh)
	"$top/deploy/panel.sh" stop >/dev/null 2>&1
	mkdir -p "$keep" && cp "$HK_STATE"/log/*.log "$keep/" 2>/dev/null
	"$hkguest" down-all >/dev/null 2>&1
}

# guest_up NAME N: a running guest, pinned in the panel from its key file.
guest_up() {
	local ip
	ip=$("$hkguest" start "$1" "$2") || return 1
	cli guest add "$1" --project lab --host "$ip" \
		--host-key-file "$HK_GUEST_ROOT/$1/host_key.pub" >/dev/null
}

guest_ip() { "$hkguest" addr "$1"; }

# bucketed DIR NAME: the bucketed file NAME (src/common/bucket.h) of the
# generation directory DIR on a guest, put together from its buckets in the
# panel's order: by domain, then local part (to be run on the guest)
bucketed() {
	local sep=' ' glob='[0-9a-f]'
	[ "$2" = passwd ] && { sep=:; glob='[0-9a-f][0-9a-f]'; }
	"$hkguest" exec "$GUEST" sh -c "cat $1/$2.d/$glob" |
		awk -v FS="$sep" -v OFS='\t' '{ i = index($1, "@")
			print substr($1, i + 1), substr($1, 1, i - 1), $0 }' |
		LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2 | cut -f3-
}

# guest_passwd GUEST: the passwd the guest serves, from its buckets
# (src/agent/agent_bucket.h), in the panel's order.  Read it to the end
# (grep PATTERN >/dev/null, not grep -q: under pipefail, a reader that
# stops early fails the pipeline)
guest_passwd() { GUEST=$1 bucketed /var/lib/hakomail/current passwd; }

# guest_file GUEST NAME: the file NAME of the generation the guest serves
# (passwd and virtual_mailbox_maps put together from their buckets)
guest_file() {
	case $2 in
	passwd|virtual_mailbox_maps)
		GUEST=$1 bucketed /var/lib/hakomail/current "$2" ;;
	*)	"$hkguest" exec "$1" cat "/var/lib/hakomail/current/$2" ;;
	esac
}

# guest_table DIR NAME: the Postfix table of the map NAME in the generation
# directory DIR, as main.cf names it (virtual_mailbox_maps: its buckets'
# tables as one unionmap)
guest_table() {
	local b spec=
	if [ "$2" != virtual_mailbox_maps ]; then echo "cdb:$1/$2"; return; fi
	for b in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
		spec="$spec${spec:+, }cdb:$1/$2.d/$b"
	done
	echo "unionmap:{$spec}"
}

# file_sum NAME <FILE: the checksum a bundle gives the file NAME
# (src/common/bucket.h)
file_sum() { python3 "$top/tests/integration/mkdelta.py" --sum "$1"; }

# agent_ssh_argv GUEST COMMAND: sets argv to the ssh that pushd runs to
# reach GUEST's agent (the panel's key, the pinned host key) asking for
# COMMAND.
agent_ssh_argv() {
	local id
	id=$(sql "SELECT id FROM guest WHERE name = '$1'")
	argv=(ssh -F none -T -o BatchMode=yes -o StrictHostKeyChecking=yes
		-o UserKnownHostsFile="$HK_STATE/pushd/known_hosts/$id"
		-o GlobalKnownHostsFile=/dev/null
		-o HostKeyAlias="hakomail-guest-$id" -o IdentitiesOnly=yes
		-o IdentityFile="$HK_STATE/ssh/id_ed25519" -o LogLevel=ERROR
		-l root -- "$(guest_ip "$1")" "$2")
}

# served NAME: the agent's status JSON, asked on the guest itself.
served() {
	"$hkguest" exec "$1" "$HK_AGENT" -s /var/lib/hakomail status
}

# complete NAME: the guest serves one whole generation: its agent answers
# ok (it checks each table against the checksum taken when postmap built
# it), and each Postfix table answers every key of its text with the
# text's value (postmap's output and its source are one generation).
complete() {
	local m f
	[ "$(served "$1" | jq -r .ok)" = true ] || return 1
	# one generation's directory, whatever is published meanwhile
	f=/var/lib/hakomail/$("$hkguest" exec "$1" readlink /var/lib/hakomail/current) ||
		return 1
	for m in virtual_mailbox_maps virtual_alias_maps virtual_mailbox_domains; do
		if [ "$m" = virtual_mailbox_maps ]; then
			GUEST=$1 bucketed "$f" "$m"
		else
			"$hkguest" exec "$1" cat "$f/$m"
		fi | awk '{print $1, $2}' | LC_ALL=C sort >"$tmp/text" || return 1
		awk '{print $1}' "$tmp/text" | "$hkguest" exec "$1" postmap -q - \
			"$(guest_table "$f" "$m")" | awk '{print $1, $2}' |
			LC_ALL=C sort >"$tmp/table"
		cmp -s "$tmp/text" "$tmp/table" || return 1
	done
}

# panel_pid NAME: the PID of this panel's NAME (pushd, fcgi), as panel.sh
# recorded it, or nothing when the one its PID file names is gone (the
# number may since be another process's)
panel_pid() {
	local pid cmd
	pid=$(cat "$HK_STATE/run/$1.pid" 2>/dev/null) || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ " $cmd " == *" $HK_STATE/hakomail.conf "* ]] && echo "$pid"
}

pushd_pid() { panel_pid pushd; }

# fcgi_restart [CONF]: CONF (lines such as "[auth]" and "require_totp =
# all") appended to the panel's hakomail.conf, then hakomail-fcgi stopped
# by its PID and started again as panel.sh starts it, to read it anew.
fcgi_restart() {
	local pid i
	[ -n "${1:-}" ] && printf '%s\n' "$1" >>"$HK_STATE/hakomail.conf"
	if pid=$(panel_pid fcgi); then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -0 "$pid" 2>/dev/null && return 1
	fi
	rm -f "$HK_STATE/run/fcgi.sock"
	setsid "$HK_BIN/hakomail-fcgi" -c "$HK_STATE/hakomail.conf" </dev/null \
		>>"$HK_STATE/log/fcgi.log" 2>&1 &
	echo $! >"$HK_STATE/run/fcgi.pid"
	until_ok 10 test -S "$HK_STATE/run/fcgi.sock"
}

# pushd_restart: start pushd again (after a kill), as panel.sh does.
pushd_restart() {
	rm -f "$HK_STATE/run/pushd.sock"
	setsid "$HK_BIN/hakomail-pushd" -c "$HK_STATE/hakomail.conf" </dev/null \
		>>"$HK_STATE/log/pushd.log" 2>&1 &
	echo $! >"$HK_STATE/run/pushd.pid"
	until_ok 10 test -S "$HK_STATE/run/pushd.sock"
}
