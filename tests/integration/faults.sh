#!/bin/bash
# SPDX-License-Identifier: ISC
# faults.sh - pushes under faults, on a real panel and a real guest (its
# own Postfix, Dovecot and sshd in namespaces; see tests/guest):
#
#  1. the guest is powered off while 1,000 changes are made through the
#     API; it comes back, converges in one push, and every change is there;
#  2. hakomail-pushd is SIGKILLed at random points during pushes, 20 times,
#     while changes flow; after each kill the guest serves one complete
#     generation, and after the last restart it converges;
#  3. bundles truncated, corrupted, naming ../../etc/passwd or carrying a
#     map line with a newline are refused, the old generation serving;
#     a delta (tests/integration/mkdelta.py) on the generation serving is
#     applied (a new mailbox logs in, one gone is gone, what it keeps is
#     linked and not postmap'd again); one on another base, one whose
#     result is not what its checksum says, one cut short: refused;
#  4. files changed by hand on the guest are noticed, repaired, audited;
#  5. a guest whose host key changed is refused as such, nothing pushed,
#     until the operator pins the new key.
#
# Usage: faults.sh BUILDDIR   (as root; results appended to $HK_RESULTS)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: faults.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d)
. "$top/tests/lib.sh"
. "$top/tests/integration/panel_lib.sh"

churn_pid=
cleanup() {
	kill_children $churn_pid
	panel_down
	rm -rf "$tmp"
}
trap cleanup EXIT

# Short timeouts and backoff so that faults resolve in seconds; drift
# checks every 2 s.
export HK_PUSHD_CONF="timeout = 8
retry_max = 2
check_interval = 2
stagger_ms = 0"

echo "== faults: panel and guest f1 (database: ${HK_DB_URL:-SQLite})"
check "panel starts" panel_up || exit 1
check "guests f1 and f2 start and are pinned" eval 'guest_up f1 11 && guest_up f2 12' || exit 1
ip=$(guest_ip f1)
api POST domains '{"name":"f1.example","guest":"f1"}'
check_eq "f1.example on f1" 201 "$STATUS"
api POST domains '{"name":"f2.example","guest":"f2"}'
check "f1 and f2 in sync" until_ok 30 eval 'guest_in_sync f1 && guest_in_sync f2'

last_push() { sql "SELECT COALESCE(MAX(id), 0) FROM push"; }
pushes_ok_since() {	# pushes_ok_since ID: successful applies after ID
	sql "SELECT COUNT(*) FROM push WHERE id > $1 AND kind = 'apply' AND result = 'ok'"
}

# curl_batch FILE: runs the requests of a curl config file over one
# connection; prints one status per request.
curl_batch() { sed -i '$d' "$1"; curl -sS -K "$1"; }	# (no last "next")
request() {	# request METHOD PATH [BODY] >> config
	printf 'url = "%s/%s"\nrequest = "%s"\nheader = "Authorization: Bearer %s"\n' \
		"$base" "$2" "$1" "$KEY"
	printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\n'
	printf 'write-out = "%%{http_code}\\n"\n'
	[ -n "${3:-}" ] && printf 'data-binary = "%s"\n' "${3//\"/\\\"}"
	printf 'next\n'
}

echo "== faults 1: the guest is off while 1,000 changes are made"
"$hkguest" halt f1
mark=$(last_push)
{
	for i in $(seq 1 700); do
		request POST domains/f1.example/mailboxes \
			"{\"local_part\":\"u$i\",\"password\":\"pw-u$i-initial\"}"
	done
	for i in $(seq 1 150); do
		request PATCH "mailboxes/u$i@f1.example" "{\"password\":\"pw-u$i-changed\"}"
	done
	for i in $(seq 651 700); do request DELETE "mailboxes/u$i@f1.example"; done
	for i in $(seq 1 100); do
		request POST domains/f1.example/aliases \
			"{\"local_part\":\"al$i\",\"destinations\":[\"u$((i + 200))@f1.example\"]}"
	done
} >"$tmp/changes.curl"
curl_batch "$tmp/changes.curl" | sort | uniq -c >"$tmp/statuses"
check_eq "1,000 changes answered 2xx while the guest was off" \
	"$(printf '%7d 200\n%7d 201\n%7d 204' 150 800 50)" "$(cat "$tmp/statuses")"
check_eq "pushd calls it unreachable" unreachable \
	"$(until_ok 20 eval '[ "$(guest_field f1 state)" = unreachable ]'; guest_field f1 state)"
check "since when, and the next retry, are shown" \
	eval '[ "$(guest_field f1 unreachable_since)" -gt 0 ] && [ "$(guest_field f1 retry_at)" -gt 0 ]'
check "the CLI's status says unreachable since, and when it retries" \
	eval 'cli status | awk -F"\t" '\''$1 == "f1" && $3 == "unreachable" && $6 ~ /^2[0-9-]+ [0-9][0-9]:[0-9][0-9]$/ && $7 ~ /^2[0-9-]+ [0-9][0-9]:[0-9][0-9]$/'\'' | grep -q .'
check "no push succeeded while it was off" test "$(pushes_ok_since "$mark")" -eq 0
api POST domains/f2.example/mailboxes '{"local_part":"meanwhile","password":"pw-meanwhile-1"}'
t0=$(now_ms)
check "meanwhile f2, another guest, gets its change: f1 holds up nobody" \
	eval 'until_ok 10 guest_in_sync f2 && imap_login "$(guest_ip f2)" meanwhile@f2.example pw-meanwhile-1'
echo "  f2 in sync $(( $(now_ms) - t0 )) ms after its write, f1 $(guest_field f1 state)"
# An attempt begun while f1 was still off (a SYN being retried) may land
# once f1 is back, with the generation it rendered then (an older one if
# the changes were still being made).  So: the generation owed now came in
# one push, and no push begun after f1's return brought anything else.
back_ms=$(now_ms)
check "f1 comes back (same disk, same key)" eval '"$hkguest" start f1 11 >/dev/null'
check "f1 converges" until_ok 60 guest_in_sync f1
check_eq "in one push: the generation owed, once; nothing else begun after" "1 0" \
	"$(sql "SELECT (SELECT COUNT(*) FROM push p WHERE p.guest_id = g.id AND
		p.kind = 'apply' AND p.result = 'ok' AND p.finished_ms >= $back_ms AND
		p.gen = g.desired_gen), (SELECT COUNT(*) FROM push p WHERE p.guest_id =
		g.id AND p.kind = 'apply' AND p.started_ms >= $back_ms AND p.gen <>
		g.desired_gen) FROM guest g WHERE g.name = 'f1'" | tr '|\t' '  ')"
echo "    that push: $(sql "SELECT p.bundle || ', ' || p.bytes || ' bytes' FROM push p
	JOIN guest g ON g.id = p.guest_id WHERE g.name = 'f1' AND p.kind = 'apply'
	AND p.result = 'ok' ORDER BY p.id DESC LIMIT 1")"
expect=$(sql "SELECT m.local_part || '@f1.example f1.example/' || m.local_part || '/'
	FROM mailbox m JOIN domain d ON d.id = m.domain_id WHERE d.name = 'f1.example'" |
	LC_ALL=C sort)
got=$(guest_file f1 virtual_mailbox_maps | LC_ALL=C sort)
check_eq "the guest serves the 650 mailboxes the panel holds" "650 650" \
	"$(wc -l <<<"$expect") $(grep -c . <<<"$got")"
check "and exactly those" test "$expect" = "$got"
check_eq "the 100 aliases" 100 \
	"$("$hkguest" exec f1 grep -c '^al[0-9]*@f1.example u[0-9]*@f1.example$' /var/lib/hakomail/current/virtual_alias_maps)"
check "a changed password opens u7" imap_login "$ip" u7@f1.example pw-u7-changed
check "an unchanged one opens u400" imap_login "$ip" u400@f1.example pw-u400-initial
check "a deleted mailbox is gone (u660)" eval '! guest_passwd f1 | grep "^u660@" >/dev/null'

echo "== faults 2: pushd killed with SIGKILL 20 times during pushes"
# 20,000 more mailboxes (straight into the database: this is a fixture), so
# that each push takes long enough to be killed in the middle.
sql "INSERT INTO mailbox (domain_id, local_part, password_hash, created_at, updated_at)
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
	SELECT (SELECT id FROM domain WHERE name = 'f1.example'), 'bulk' || i,
	'{SHA512-CRYPT}\$6\$rounds=5000\$bulkbulk\$' || substr('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz', 1, 86),
	0, 0 FROM n" >/dev/null
# Changes keep flowing all through: quota updates, one request at a time.
(
	i=0
	while :; do
		i=$((i + 1))
		curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $KEY" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"quota\":$((i * 1048576))}" \
			"$base/mailboxes/u$((i % 600 + 1))@f1.example"
	done
) &
churn_pid=$!
mark=$(last_push)
torn=0 whole=0
for k in $(seq 1 20); do
	# a random point: 0.2 to 1.2 s into this pushd's life
	sleep "$(printf '%d.%03d' $((RANDOM % 2)) $((200 + RANDOM % 800)))"
	pid=$(pushd_pid)
	kill -KILL "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	if complete f1; then whole=$((whole + 1)); fi
	pushd_restart || break
done
kill "$churn_pid" 2>/dev/null; wait "$churn_pid" 2>/dev/null; churn_pid=
torn=$(sql "SELECT COUNT(*) FROM push WHERE id > $mark AND finished_ms IS NULL")
echo "  $torn of 20 kills landed while a push was under way ($(sql "SELECT COUNT(*)
	FROM push WHERE id > $mark AND finished_ms IS NULL AND bundle = 'delta'") of them a delta)"
check "kills landed during pushes" test "$torn" -ge 5
check_eq "after each kill the guest served one complete generation" 20 "$whole"
check "after the last restart f1 converges" until_ok 120 guest_in_sync f1
check "and serves one complete generation" complete f1
check_eq "the agent serves the generation the panel recorded" \
	"$(guest_field f1 applied_gen)" "$(served f1 | jq .generation)"
expect=$(sql "SELECT m.local_part || '@f1.example:' || m.quota_bytes FROM mailbox m
	JOIN domain d ON d.id = m.domain_id WHERE d.name = 'f1.example' AND m.quota_bytes > 0" |
	LC_ALL=C sort)
got=$(guest_passwd f1 | sed -n 's/^\([^:]*\):.*storage=\([0-9]*\)B$/\1:\2/p' |
	LC_ALL=C sort)
check "every quota change is on the guest" test -n "$expect" -a "$expect" = "$got"
check_eq "20,650 mailboxes served" 20650 \
	"$(guest_file f1 virtual_mailbox_maps | wc -l)"

echo "== faults 3: bad bundles are refused, the old generation serving"
# pushd is stopped meanwhile, so that nothing but these bundles reaches f1.
kill -TERM "$(pushd_pid)"; until_ok 10 eval '! kill -0 "$(pushd_pid)" 2>/dev/null'
files="virtual_mailbox_domains virtual_mailbox_maps virtual_alias_maps relay_domains relay_recipient_maps passwd"
gen=$(served f1 | jq .generation)
for m in $files; do
	guest_file f1 "$m" >"$tmp/f.$m"
done
sha() { sha256sum | cut -d' ' -f1; }
# mkbundle GEN NAME=FILE...: a bundle as pushd writes it (see src/common/bundle.h);
# with CORRUPT=NAME that file's body has one byte changed after its
# checksum was taken.
mkbundle() {
	local g=$1 nf n f; shift
	{
		printf 'HAKOMAIL-BUNDLE 1\ngeneration %s\n' "$g"
		for nf in "$@"; do
			n=${nf%%=*} f=${nf#*=}
			printf 'file %s %d %s\n' "$n" "$(stat -c %s "$f")" "$(file_sum "$n" <"$f")"
			if [ "${CORRUPT:-}" = "$n" ]; then sed '0,/u/s//v/' "$f"; else cat "$f"; fi
		done
	} >"$tmp/bundle.body"
	cat "$tmp/bundle.body"
	printf 'end %s\n' "$(sha <"$tmp/bundle.body")"
}
all() { for m in $files; do printf '%s=%s ' "$m" "$tmp/f.$m"; done; }
agent_ssh() {	# agent_ssh VERB < input: as pushd talks to it
	ssh -F none -T -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$HK_STATE/pushd/known_hosts/1" \
		-o HostKeyAlias=hakomail-guest-1 -o IdentitiesOnly=yes \
		-i "$HK_STATE/ssh/id_ed25519" "root@$ip" "$1"
}
# refused NAME REGEX < bundle: refused with an error matching REGEX, and
# the same generation still serving, complete.
refused() {
	agent_ssh apply >"$tmp/answer"
	check_eq "$1: refused" "false" "$(jq .ok "$tmp/answer")"
	check "$1: the answer says why ($(jq -r .error "$tmp/answer"))" \
		grep -Eq "$2" <(jq -r .error "$tmp/answer")
	check_eq "$1: generation $gen still serving" "$gen" "$(served f1 | jq .generation)"
}
# shellcheck disable=SC2046 # all: word splitting wanted
mkbundle $((gen + 1)) $(all) >"$tmp/good"
head -c $(($(stat -c %s "$tmp/good") / 2)) "$tmp/good" | refused "a truncated bundle" "truncated|bad size"
CORRUPT=virtual_mailbox_maps mkbundle $((gen + 1)) $(all) | refused "a corrupted bundle" "sha256 mismatch"
printf 'root:x:0:0::/root:/bin/sh\n' >"$tmp/evil"
mkbundle $((gen + 1)) "virtual_mailbox_domains=$tmp/f.virtual_mailbox_domains" "../../etc/passwd=$tmp/evil" |
	refused "a bundle naming ../../etc/passwd" "name not allowed"
{ head -n 1 "$tmp/f.passwd" | tr -d '\n'; printf '\nroot:x:0:0::/root:/bin/sh\n'; } >"$tmp/inj"
mkbundle $((gen + 1)) "virtual_mailbox_domains=$tmp/f.virtual_mailbox_domains" "passwd=$tmp/inj" |
	refused "a map line carrying a newline" "passwd line 2"
check "no trace of them on the guest" \
	eval '! "$hkguest" exec f1 grep -rqs "root:x:0:0" /var/lib/hakomail /etc/passwd.hakomail'
check "after the refusals the guest serves one complete generation" complete f1
check "and u7 still logs in" imap_login "$ip" u7@f1.example pw-u7-changed
# Only the intact bundle goes through (so the refusals were for the faults).
agent_ssh apply <"$tmp/good" >"$tmp/answer"
check_eq "the same bundle intact: applied" "true $((gen + 1))" \
	"$(jq -r '"\(.ok) \(.generation)"' "$tmp/answer")"

echo "== faults 3b: deltas by hand, on what serves, proven by their checksums"
# (tests/integration/mkdelta.py writes them without the panel's code)
g1=$((gen + 1))
mkdir -p "$tmp/base"
for m in $files transport trash sieve.list dkim.list; do
	guest_file f1 "$m" >"$tmp/base/$m"
done
hash=$(doveadm pw -s SHA512-CRYPT -p pw-delta-1)
pwline=$(awk -F: -v OFS=: -v h="$hash" '$1 == "u9@f1.example" {
	$1 = "delta1@f1.example"; $2 = h; sub(/\/u9$/, "/delta1", $6); print }' "$tmp/base/passwd")
mkdelta() { python3 "$top/tests/integration/mkdelta.py" "$@"; }
mkdelta $((g1 + 1)) "$g1" "$tmp/base" --add passwd "$pwline" \
	--add virtual_mailbox_maps "delta1@f1.example f1.example/delta1/" \
	--drop passwd u9@f1.example --drop virtual_mailbox_maps u9@f1.example >"$tmp/delta"
echo "    a delta of $(stat -c %s "$tmp/delta") bytes for a guest of $(wc -l <"$tmp/base/passwd") mailboxes"
agent_ssh apply <"$tmp/delta" >"$tmp/answer"
check_eq "a new mailbox and one gone, as a delta: applied" "true $((g1 + 1))" \
	"$(jq -r '"\(.ok) \(.generation)"' "$tmp/answer")"
check "the new mailbox logs in" imap_login "$ip" delta1@f1.example pw-delta-1
check_eq "the one gone is gone, the others are there" "0 1 $(wc -l <"$tmp/base/passwd")" \
	"$({ guest_passwd f1 | grep -c "^u9@"
	     "$hkguest" exec f1 postmap -q delta1@f1.example \
		"$(guest_table /var/lib/hakomail/current virtual_mailbox_maps)" |
		grep -c delta1
	     guest_passwd f1 | wc -l; } | tr '\n' ' ' | sed 's/ $//')"
inode() { "$hkguest" exec f1 stat -c %i "/var/lib/hakomail/gen/$1/$2"; }
check_eq "what the delta keeps is linked, its table not made again" \
	"$(inode "$g1" virtual_alias_maps) $(inode "$g1" virtual_alias_maps.cdb)" \
	"$(inode $((g1 + 1)) virtual_alias_maps) $(inode $((g1 + 1)) virtual_alias_maps.cdb)"
# a bucket of virtual_mailbox_maps that neither address reaches
# (src/common/bucket.h: the first hex digit of the MD5 of the address)
vb() { printf %s "$1" | md5sum | cut -c1; }
for b in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
	[ "$b" != "$(vb delta1@f1.example)" ] && [ "$b" != "$(vb u9@f1.example)" ] && break
done
check_eq "an untouched bucket of virtual_mailbox_maps is linked, its table not made again" \
	"$(inode "$g1" "virtual_mailbox_maps.d/$b") $(inode "$g1" "virtual_mailbox_maps.d/$b.cdb")" \
	"$(inode $((g1 + 1)) "virtual_mailbox_maps.d/$b") $(inode $((g1 + 1)) "virtual_mailbox_maps.d/$b.cdb")"
check "the bucket delta1 is in got a table of its own" test \
	"$(inode "$g1" "virtual_mailbox_maps.d/$(vb delta1@f1.example).cdb")" != \
	"$(inode $((g1 + 1)) "virtual_mailbox_maps.d/$(vb delta1@f1.example).cdb")"
check "the guest serves one complete generation" complete f1
gen=$((g1 + 1))
refused "the same delta again, to the generation serving" "send the whole bundle" <"$tmp/delta"
mkdelta $((gen + 1)) "$g1" "$tmp/base" --drop passwd u7@f1.example |
	refused "a delta on a generation no longer serving" "a delta on generation $g1, but $gen serves"
for m in passwd virtual_mailbox_maps; do
	guest_file f1 "$m" >"$tmp/base/$m"
done
mkdelta $((gen + 1)) "$gen" "$tmp/base" --drop passwd u8@f1.example --lie passwd |
	refused "a delta whose result is not what its checksum says" "does not come out as the panel rendered it"
mkdelta $((gen + 1)) "$gen" "$tmp/base" --drop passwd u8@f1.example >"$tmp/delta"
head -c $(($(stat -c %s "$tmp/delta") - 70)) "$tmp/delta" | refused "a delta cut short" "truncated"
check "after them u8 is still served" eval 'guest_passwd f1 | grep "^u8@" >/dev/null'
gen=$g1	# (what serves is gen + 1, as after the bundles above)

echo "== faults 4: changes made by hand on the guest are repaired"
# The guest now serves a generation the panel did not push (above); and a
# line is added to a map by hand, before pushd is back: started first, it
# may repair the generation before the line is added, into the repaired
# generation (as it did on a loaded machine).
"$hkguest" exec f1 sh -c "echo 'intruder@f1.example f1.example/intruder/' \
	>>/var/lib/hakomail/current/virtual_mailbox_maps.d/$(vb intruder@f1.example)"
pushd_restart
check "pushd notices and pushes a new generation" \
	until_ok 30 eval '[ "$(guest_field f1 applied_gen)" -gt $((gen + 1)) ] && guest_in_sync f1'
check "the hand-made line is gone" \
	eval '! guest_file f1 virtual_mailbox_maps | grep intruder >/dev/null'
check "the repair is in the audit log, by pushd" \
	eval 'sql "SELECT COUNT(*) FROM audit WHERE via = '\''pushd'\'' AND action = '\''guest.drift'\'' AND object = '\''f1'\''" | grep -qv "^0$"'
check "the guest serves one complete generation" complete f1
# A table rebuilt by hand (its text untouched) is noticed too.
before=$(guest_field f1 applied_gen)
"$hkguest" exec f1 sh -c 'cd /var/lib/hakomail/current && t=$(mktemp -d) &&
	printf "x@f1.example x\n" >"$t/x" && postmap -c /etc/postfix "cdb:$t/x" &&
	cat "$t/x.cdb" >virtual_alias_maps.cdb && rm -r "$t"'
check "a table replaced by hand: noticed and repaired" \
	until_ok 30 eval '[ "$(guest_field f1 applied_gen)" -gt "$before" ] && guest_in_sync f1 && complete f1'

echo "== faults 5: a guest whose host key changed is refused"
# f1 is reinstalled: a new host key, and every connection to it is gone.
"$hkguest" rekey f1 >/dev/null && "$hkguest" halt f1 && "$hkguest" start f1 11 >/dev/null
gen=$(served f1 | jq .generation)
mark=$(last_push)
api PATCH mailboxes/u8@f1.example '{"password":"pw-u8-after-rekey"}'
check_eq "a change for f1: 200" 200 "$STATUS"
check "f1 is marked failed" until_ok 30 eval '[ "$(guest_field f1 state)" = failed ]'
check "the error says the host key changed" \
	eval 'guest_field f1 last_error | grep -q "host key does not match"'
check_eq "nothing was pushed: the guest serves generation $gen" "$gen" "$(served f1 | jq .generation)"
check "u8's new password does not work on f1" eval '! imap_login "$ip" u8@f1.example pw-u8-after-rekey'
check "the operator pins the new key" \
	eval 'cli guest set f1 --host-key-file "$HK_GUEST_ROOT/f1/host_key.pub" >/dev/null'
check "then f1 converges" until_ok 30 guest_in_sync f1
check "and u8's new password works" imap_login "$ip" u8@f1.example pw-u8-after-rekey
