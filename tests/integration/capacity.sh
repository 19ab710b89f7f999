#!/bin/bash
# SPDX-License-Identifier: ISC
# capacity.sh - the panel sees its guests, on real components: pushd asks
# each guest's hakomail-agent for its report over SSH, stores it, and
# weighs warnings; the API, the CLI and /metrics show it.
#
#   cp1: mail delivered over SMTP; the panel's figures are Dovecot's; a
#        mailbox near its quota warns, and over it refuses delivery
#   cp2: its relay does not answer: the deferred queue grows and warns;
#        then it goes down: its last figures stay, with their age
#   cp3: a broken agent (not JSON, too large, negative figures, a mailbox
#        the panel does not know): each report refused and logged, the
#        figures before it kept
#   cp4: a small mail filesystem filled step by step under a clock the
#        test moves (faketime): the series grows, days to full falls, the
#        disk warning is raised once and cleared when space is freed
#
# Usage: capacity.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: capacity.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"
: "${HK_CAP_N0:=50}"	# guests cp1..cp4 are numbers N0+1..N0+4

cleanup() {
	panel_down
	rm -rf "$tmp"
}
trap cleanup EXIT

interval=2
export HK_PUSHD_CONF="check_interval = 0
[report]
interval = $interval
[warn]
disk_percent = 40
queue_deferred = 3
mailbox_percent = 90
[metrics]
allow = 127.0.0.1"

echo "== capacity: a panel and four guests (database: ${HK_DB_URL:-SQLite})"
check "panel starts" panel_up || exit 1

# A broken agent for cp3: the real one, except that a report is spoiled
# as the file /run/spoil (the guest's own /run) says.
cat >"$tmp/spoilt-agent" <<EOF
#!/bin/bash
real=$build/src/hakomail-agent
mode=\$(cat /run/spoil 2>/dev/null)
if [ "\${SSH_ORIGINAL_COMMAND:-}" != report ] || [ -z "\$mode" ]; then
	exec "\$real" "\$@"
fi
case \$mode in
not-json) echo '{"ok":true,"generation":1,"report":{"at":' ;;
huge) head -c 70000000 /dev/zero | tr '\0' ' '; echo '{}' ;;
negative) "\$real" "\$@" | jq -c '.report.fs.bytes_free = -5' ;;
unknown) "\$real" "\$@" | jq -c '.report.mailboxes += [["ghost@c3.example", 1, 1]]' ;;
esac
EOF
chmod 0755 "$tmp/spoilt-agent"
# cp2's relay is a port where nothing listens: mail to elsewhere defers.
printf 'default_transport = smtp\nrelayhost = [127.0.0.1]:2\n' >"$tmp/relay.cf"

check "cp1 starts" guest_up cp1 $((HK_CAP_N0 + 1)) || exit 1
HK_POSTFIX_MAIN_EXTRA=$tmp/relay.cf check "cp2 starts (a relay that does not answer)" \
	guest_up cp2 $((HK_CAP_N0 + 2)) || exit 1
HK_AGENT=$tmp/spoilt-agent check "cp3 starts (a broken agent)" \
	guest_up cp3 $((HK_CAP_N0 + 3)) || exit 1
for i in 1 2 3; do api POST domains "{\"name\":\"c$i.example\",\"guest\":\"cp$i\"}"; done
api POST domains/c1.example/mailboxes '{"local_part":"taro","password":"taro-Secret-91","quota":"100K"}'
check_eq "a mailbox with a 100 KiB quota" 201 "$STATUS"
api POST domains/c3.example/mailboxes '{"local_part":"jiro","password":"jiro-Secret-92"}'
check "every guest in sync" until_ok 60 eval 'guest_in_sync cp1 && guest_in_sync cp2 && guest_in_sync cp3'

# report_at GUEST: when the panel stored the guest's last report ("" none)
report_at() { sql "SELECT r.at FROM guest_report r JOIN guest g ON g.id = r.guest_id WHERE g.name = '$1'"; }
# a_report_after GUEST T: a report of the guest stored after T
a_report_after() { local a; a=$(report_at "$1"); [ -n "$a" ] && [ "$a" -gt "$2" ]; }
check "each guest's report is collected" until_ok 30 eval \
	'[ -n "$(report_at cp1)" ] && [ -n "$(report_at cp2)" ]'

echo "== capacity: a mailbox's usage as Dovecot counts it"
send_mail() {	# send_mail HOST RCPT KIB: a message of about KIB KiB
	{ printf 'From: cap@hakomail.test\r\nTo: %s\r\nSubject: %s KiB\r\n\r\n' "$2" "$3"
	  head -c $(($3 * 1024)) /dev/zero | tr '\0' 'x' | fold -w 76 | sed 's/$/\r/'
	} >"$tmp/msg"
	curl -s --max-time 15 "smtp://$1" --mail-from cap@hakomail.test \
		--mail-rcpt "$2" -T "$tmp/msg"
}
cp1=$(guest_ip cp1)
# dovecot_usage: "BYTES MESSAGES" as doveadm counts taro's mailbox
dovecot_usage() {
	"$hkguest" exec cp1 doveadm -f flow quota get -u taro@c1.example |
		awk '/Type=STORAGE/ { for (i = 1; i <= NF; i++) if ($i ~ /^Value=/) b = substr($i, 7) * 1024 }
		     /Type=MESSAGE/ { for (i = 1; i <= NF; i++) if ($i ~ /^Value=/) m = substr($i, 7) }
		     END { print b, m }'
}
# panel_usage: the same from the API, the bytes rounded up to KiB and
# back as doveadm prints them (the panel has them exact, from Dovecot's
# quota clone file)
panel_usage() {
	api GET mailboxes/taro@c1.example
	jq -r '"\((((.used_bytes // -1) + 1023) / 1024 | floor) * 1024) \(.messages)"' <<<"$BODY"
}
# One delivery at a time: two LMTP deliveries at once may write the quota
# clone file in the wrong order (Dovecot's quota_clone documents the race;
# the next change to the mailbox corrects it), and the figures compared
# here are the ones after the last delivery.
delivered() { [ "$(dovecot_usage | cut -d" " -f2)" = "$1" ]; }
send_mail "$cp1" taro@c1.example 20
until_ok 20 delivered 1
send_mail "$cp1" taro@c1.example 30
check "two messages delivered (Dovecot counts 2)" until_ok 20 delivered 2
check "the panel shows the mailbox's bytes and messages as Dovecot counts them" \
	until_ok 20 eval '[ "$(panel_usage)" = "$(dovecot_usage)" ]' ||
	echo "    panel: $(panel_usage); Dovecot: $(dovecot_usage)"
check_eq "usage is in the mailbox list too" \
	"$(api GET mailboxes/taro@c1.example; jq -r .used_bytes <<<"$BODY")" \
	"$(api GET 'domains/c1.example/mailboxes?sort=used_bytes'; jq -r '.items[0].used_bytes' <<<"$BODY")"
open_warning() {	# open_warning KIND OBJECT: it is open, in GET /warnings
	api GET warnings
	[ "$(jq --arg k "$1" --arg o "$2" '[.items[] | select(.kind == $k and .object == $o and .ended_at == null)] | length' <<<"$BODY")" = 1 ]
}
send_mail "$cp1" taro@c1.example 45
check "at 90% of its quota the mailbox warns" until_ok 20 open_warning mailbox_quota taro@c1.example
before=$(dovecot_usage)
send_mail "$cp1" taro@c1.example 40
check "over its quota, delivery is refused with Dovecot's over-quota answer" until_ok 20 \
	grep -q '5\.2\.2' "$HK_GUEST_ROOT/cp1/log/postfix.log"
check_eq "and the mailbox holds what it held" "$before" "$(dovecot_usage)"
check_eq "the warning was raised once" 1 \
	"$(sql "SELECT COUNT(*) FROM warning WHERE kind = 'mailbox_quota' AND object = 'taro@c1.example'")"
check "the raise is in the audit log" eval \
	"[ \"\$(sql \"SELECT COUNT(*) FROM audit WHERE action = 'warning.raised' AND via = 'pushd'\")\" -ge 1 ]"

echo "== capacity: a queue that does not drain"
cp2=$(guest_ip cp2)
for i in 1 2 3 4; do
	"$hkguest" exec cp2 /usr/sbin/sendmail -f cap@c2.example "far$i@elsewhere.example" \
		</dev/null >/dev/null 2>&1
done
deferred() { api GET guests/cp2/capacity; jq -r .queue.deferred <<<"$BODY"; }
check "the deferred queue the guest reports grows to 4" until_ok 40 eval '[ "$(deferred)" = 4 ]'
check "more than queue_deferred deferred: the queue warns" until_ok 20 open_warning queue_deferred cp2
api GET guests/cp2/capacity
check_eq "the oldest deferred message has an age" true \
	"$(jq '.queue.oldest_deferred_s >= 0' <<<"$BODY")"

echo "== capacity: /metrics for Prometheus"
curl -s -o "$tmp/metrics" -w '%{http_code}' "http://$HK_LISTEN/metrics" >"$tmp/st"
check_eq "GET /metrics from an allowed address" 200 "$(cat "$tmp/st")"
check "promtool check metrics passes" promtool check metrics <"$tmp/metrics"
check "the guests' disks and queues are in it" eval \
	"grep -q '^hakomail_guest_queue_messages{guest=\"cp2\",queue=\"deferred\"} 4$' '$tmp/metrics' &&
	 grep -q '^hakomail_warning_open{kind=\"queue_deferred\",object=\"cp2\",guest=\"cp2\"} 1$' '$tmp/metrics'"

echo "== capacity: a guest that goes down"
"$hkguest" halt cp2
down_at=$(report_at cp2)
t=$(date +%s)
check "the other guests are still asked" until_ok 20 a_report_after cp1 $((t + 1))
# (ssh gives up on the halted guest after [pushd] timeout)
check "its next report fails" until_ok 60 eval \
	"[ -n \"\$(sql \"SELECT report_error FROM guest WHERE name = 'cp2'\")\" ]"
check_eq "cp2 keeps its last figures" "$down_at" "$(report_at cp2)"
api GET guests/cp2/capacity
check_eq "with their age and why there is no newer report" "true true 4" \
	"$(jq -r '"\(.age_s >= 2) \(.report_error | test("unreachable")) \(.queue.deferred)"' <<<"$BODY")"

echo "== capacity: reports that are refused"
refused_for() {	# refused_for MODE PATTERN: the next report is refused so
	# (the mode replaced by a rename: a report that read the file while
	# it was being rewritten found it empty, and was a good one)
	"$hkguest" exec cp3 sh -c "echo $1 >/run/spoil.new && mv /run/spoil.new /run/spoil"
	until_ok 40 eval "sql \"SELECT report_error FROM guest WHERE name = 'cp3'\" | grep -q '$2'"
}
check "a report that is not JSON is refused" refused_for not-json 'nonsense'
# The figures once reports are spoiled (read before, a good report still
# on its way could land after them: a race seen under load).
good_at=$(report_at cp3)
good=$(sql "SELECT fs_bytes_free, mailboxes FROM guest_report r JOIN guest g ON g.id = r.guest_id WHERE g.name = 'cp3'")
check "a report over the size cap is refused" refused_for huge 'larger than'
check "negative figures are refused" refused_for negative 'fs.bytes_free'
check "a mailbox the panel does not know is refused" refused_for unknown 'ghost@c3.example'
check_eq "the figures before them stay" "$good_at $good" \
	"$(report_at cp3) $(sql "SELECT fs_bytes_free, mailboxes FROM guest_report r JOIN guest g ON g.id = r.guest_id WHERE g.name = 'cp3'")"
check "pushd logged each refusal" eval \
	"[ \"\$(grep -c 'guest cp3: no report' '$HK_STATE/log/pushd.log')\" -ge 4 ]"
"$hkguest" exec cp3 rm -f /run/spoil
check "a good report is taken again" until_ok 20 a_report_after cp3 "$good_at"

echo "== capacity: a small mail filesystem filling up, on a clock the test moves"
# cp4's mail root is a 16 MiB tmpfs; the daemon pushd stops, and pushd -1
# runs under faketime at six-hour steps ending now, with cp4 due each time.
# (a worker finishes its job first: a report asked of the halted cp2
# ends at [pushd] timeout, 30 s)
pid=$(pushd_pid); kill "$pid"
check "the daemon pushd stops" until_ok 60 eval '! kill -0 $pid 2>/dev/null'
check "cp4 starts" guest_up cp4 $((HK_CAP_N0 + 4)) || exit 1
"$hkguest" exec cp4 sh -c 'mount -t tmpfs -o size=16m,mode=0755 tmpfs /var/mail/vhosts && chown 5000:5000 /var/mail/vhosts'
api POST domains '{"name":"c4.example","guest":"cp4"}'
conf=$HK_STATE/hakomail.conf
# at UNIX CMD...: CMD with its clock at UNIX (and going on from there)
at() {
	local t=$1; shift
	TZ=UTC faketime -f "@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" "$@"
}
run_at() {	# run_at UNIX: pushd -1 at that time (it drops to its user)
	sql "UPDATE guest SET report_at = 0 WHERE name = 'cp4'" >/dev/null
	at "$1" "$HK_BIN/hakomail-pushd" -c "$conf" -1 >>"$HK_STATE/log/pushd.log" 2>&1
}
days_at() {	# days_at UNIX: days to full as the CLI says at that time
	at "$1" "$HK_BIN/hakomail" -c "$conf" --json capacity cp4 |
		jq -r '.[0].disk | if .trend == "ok" then .days_to_full else .trend end'
}
now=$(date +%s)
start=$((now - 7 * 6 * 3600 - 600))
prev= falling=1 trends=
for k in 0 1 2 3 4 5 6 7; do
	at=$((start + k * 6 * 3600))
	"$hkguest" exec cp4 dd if=/dev/zero of=/var/mail/vhosts/fill$k bs=1M count=1 status=none
	run_at "$at"
	d=$(days_at $((at + 60)))
	trends="$trends $d"
	# once a figure, each next one smaller
	if [ -n "$prev" ]; then
		[[ $d =~ ^[0-9.]+$ ]] &&
			awk -v a="$d" -v b="$prev" 'BEGIN { exit !(a + 0 < b + 0) }' ||
			falling=0
	fi
	[[ $d =~ ^[0-9.]+$ ]] && prev=$d
done
check_eq "eight samples in the series" 8 \
	"$(sql "SELECT COUNT(*) FROM guest_sample s JOIN guest g ON g.id = s.guest_id WHERE g.name = 'cp4'")"
check "under 24 hours of samples: not enough data" eval "[[ '$trends' == ' not_enough_data not_enough_data not_enough_data not_enough_data '* ]]"
check "then days to full is a figure, falling as the disk fills ($trends)" \
	eval "[ $falling = 1 ] && [[ '$trends' != *not_growing* ]] && [[ '${trends##* }' =~ ^[0-9.]+$ ]]"
check_eq "the disk warning was raised once" 1 \
	"$(sql "SELECT COUNT(*) FROM warning WHERE kind = 'disk_used' AND object = 'cp4'")"
"$hkguest" exec cp4 sh -c 'rm -f /var/mail/vhosts/fill*'
run_at $((now - 60))
check_eq "and cleared when space was freed" "1 0" \
	"$(sql "SELECT COUNT(*), COUNT(*) - COUNT(ended_at) FROM warning WHERE kind = 'disk_used' AND object = 'cp4'" | tr '|' ' ')"

echo "== capacity: the CLI"
cli capacity >"$tmp/cap" 2>&1
check "hakomail capacity lists every guest" eval \
	"[ \$(grep -c '^cp[1-4]	' '$tmp/cap') = 4 ]"
check "hakomail warnings lists the open ones" eval \
	"cli warnings | grep -q 'queue_deferred	cp2'"
