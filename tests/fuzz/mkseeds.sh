#!/bin/sh
# SPDX-License-Identifier: ISC
# mkseeds.sh - writes the seed corpus of fuzz_api.c into corpus/ (kept in
# git; rerun after changing this list or the order of routes[]).
#
#   tests/fuzz/mkseeds.sh
#
# An input is: byte 0 the row of routes[] in fuzz_api.c, byte 1 the
# Content-Type (0 json, 1 json;charset, 2 JSON upper case, 3 text/plain,
# 4 none, 5 empty, 6 jsonp, 7 json+CRLF) plus 8 times the credential (0
# admin, 1 owner, 2 admin read-only, 3 owner "bearer", 4 wrong secret,
# 5 garbage, 6 none, 7 admin+CRLF), then the body.  A valid body for each
# route, then hostile ones.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)/corpus
rm -rf "$dir"
mkdir -p "$dir"

# shellcheck disable=SC2059 # the format's escapes make the bytes
head2() {	# ROUTE CT CRED: the two selector bytes
	printf "\\$(printf %03o "$1")\\$(printf %03o $(($2 + 8 * $3)))"
}
seed() {	# NAME ROUTE CT CRED BODY: BODY as it is
	n=$1; r=$2; c=$3; k=$4; shift 4
	{ head2 "$r" "$c" "$k"; printf '%s' "$1"; } >"$dir/$n"
}
seedb() {	# NAME ROUTE CT CRED FORMAT: BODY from printf FORMAT
	n=$1; r=$2; c=$3; k=$4; shift 4
	# shellcheck disable=SC2059 # FORMAT's escapes make the bytes
	{ head2 "$r" "$c" "$k"; printf "$1"; } >"$dir/$n"
}
repeat() {	# N TEXT
	i=0; while [ "$i" -lt "$1" ]; do printf '%s' "$2"; i=$((i + 1)); done
}

pw='"password":"long-enough-1"'
# shellcheck disable=SC2016 # a literal hash, no expansion wanted
hash='{SHA512-CRYPT}$6$fuzzsalt$abF8z.ziKjNGz/YeDjXgBK8xiDjfqNIR4AMVgEoRP217EoKCbuuaPudES/sT4h5qoJKKDdeqyc7B6WT7Eq6Rs.'
key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ'

# --- valid, one or more per route ---
seed domain-add 0 0 0 '{"name":"new.example","guest":"g1"}'
seed domain-add-owner 0 0 1 '{"name":"own.example","guest":"g1"}'
seed domain-add-idn 0 1 0 '{"name":"Bücher.example","guest":"g1"}'
seed mailbox-add-path 1 0 0 "{\"local_part\":\"yamada\",$pw,\"name\":\"Yamada Hanako\",\"quota\":\"2G\",\"active\":true}"
seed mailbox-add-hash 2 0 1 "{\"address\":\"kato@pc1.example\",\"password_hash\":\"$hash\"}"
seed mailbox-add-intquota 2 0 0 "{\"address\":\"sato@pc1.example\",$pw,\"quota\":1073741824}"
seed alias-add 3 0 1 '{"local_part":"sales","destinations":["matsui@pc1.example","Ext@Elsewhere.example"],"active":false}'
seed alias-catchall 3 0 0 '{"catch_all":true,"destinations":["matsui@pc1.example"]}'
seed alias-100-destinations 3 0 0 "{\"local_part\":\"many\",\"destinations\":[$(repeat 99 '"a@b.example",')\"z@b.example\"]}"
seed aliasdomain-add 4 0 0 '{"name":"al2.example","target":"pc1.example"}'
seed foreign-mailbox-add 5 0 1 "{\"local_part\":\"intruder\",$pw}"
seed foreign-alias-add 6 0 1 '{"local_part":"x","destinations":["a@b.example"]}'
seed domain-patch 7 0 0 '{"active":false,"backup_guest":"g3","max_mailboxes":10,"default_quota":"1G"}'
seed domain-patch-null 7 0 1 '{"backup_guest":null}'
seed domain-delete 8 4 0 ''
seed foreign-domain-patch 9 0 1 '{"active":false}'
seed mailbox-patch 10 0 1 '{"password":"another-long-1","name":"M","quota":"500M","active":true}'
seed mailbox-delete 11 4 1 ''
seed foreign-mailbox-patch 12 0 1 '{"active":false}'
seed alias-patch 13 0 0 '{"destinations":["matsui@pc1.example"],"active":true}'
seed alias-delete 14 4 1 ''
seed aliasdomain-delete 15 4 0 ''
seed aliasdomain-patch 38 0 1 '{"active":false}'
seed project-add 16 0 0 '{"name":"newproj","max_domains":5,"max_mailboxes":100,"max_storage":"10G"}'
seed project-patch 17 0 0 '{"max_domains":0,"max_storage":"1T"}'
seed project-delete 18 4 0 ''
seed account-add 19 0 0 "{\"login\":\"owner2\",\"role\":\"owner\",\"project\":\"lab\",$pw}"
seed account-patch 20 0 0 '{"disabled":true,"password":null}'
seed account-delete 21 4 0 ''
seed apikey-add 22 0 1 '{"read_only":true,"expires_at":4102444800}'
seed apikey-add-admin 22 0 0 '{"login":"owner1"}'
seed apikey-delete 23 4 1 ''
seed guest-add 24 0 0 "{\"name\":\"g9\",\"project\":\"lab\",\"ssh_host\":\"g9.example\",\"ssh_port\":2222,\"ssh_user\":\"root\",\"host_key\":\"$key\"}"
seed guest-patch 25 0 0 '{"ssh_host":"g1.example","ssh_port":22}'
seed guest-delete 26 4 0 ''
seed guest-push 27 4 0 ''
seed session-add 28 0 6 "{\"login\":\"admin1\",$pw}"
seed session-delete 29 4 1 ''
seed project-patch-edge 36 0 0 '{"max_storage":"1T"}'
seed mailbox-patch-edge 37 0 0 '{"quota":"1G"}'

# --- hostile ---
seed dup-keys 0 0 0 '{"name":"dup.example","name":"dup.example","guest":"g1"}'
seed dup-keys-mailbox 2 0 0 "{\"address\":\"dup@pc1.example\",$pw,$pw}"
seed dup-keys-nested 3 0 0 '{"local_part":"n","destinations":["a@b.example"],"active":true,"active":true}'
seed deep-nesting-closed 0 0 0 "{\"name\":$(repeat 1990 '[')$(repeat 1990 ']'),\"guest\":\"g1\"}"
seed deep-nesting-open 0 0 0 "$(repeat 4000 '[')"
seed deep-objects 7 0 0 "$(repeat 800 '{"a":')"
seedb invalid-utf8 0 0 0 '{"name":"\377\376.example","guest":"g1"}'
seedb overlong-utf8 1 0 0 '{"local_part":"\300\256","password":"long-enough-1"}'
seedb bad-escape-utf8 0 0 0 '{"name":"\\\303\251","guest":"g1"}'
seed long-unknown-field 0 0 0 "{\"$(repeat 40 'é')\":1}"
seed lone-surrogate 0 0 0 '{"name":"\ud800.example","guest":"g1"}'
seedb nul-raw 0 0 0 '{"name":"x\000.example","guest":"g1"}'
seed nul-escaped 0 0 0 '{"name":"x\u0000.example","guest":"g1"}'
seed crlf-name 2 0 0 "{\"address\":\"crlf@pc1.example\",$pw,\"name\":\"a\\r\\nX-Injected: 1\"}"
seed crlf-local 1 0 0 "{\"local_part\":\"a\\r\\nb\",$pw}"
seed crlf-destination 3 0 0 '{"local_part":"crlf","destinations":["a@b.example\r\nX: y"]}'
seed crlf-host 25 0 0 '{"ssh_host":"g1.example\nProxyCommand sh"}'
seed map-chars 3 0 0 '{"local_part":"a:b","destinations":["x,y@b.example"]}'
seed password-at-max 1 0 0 "{\"local_part\":\"longpw\",\"password\":\"$(repeat 1024 a)\"}"
seed password-over-max 10 0 1 "{\"password\":\"$(repeat 1025 a)\"}"
seed tab-password 10 0 0 '{"password":"long-enough\t1"}'
seed huge-integer 2 0 0 "{\"address\":\"big@pc1.example\",$pw,\"quota\":99999999999999999999999999}"
seed huge-float 2 0 0 "{\"address\":\"big@pc1.example\",$pw,\"quota\":1e999}"
seed negative-quota 1 0 0 "{\"local_part\":\"neg\",$pw,\"quota\":-1}"
seed int64-max-quota 1 0 0 "{\"local_part\":\"max\",$pw,\"quota\":9223372036854775807}"
seed huge-size-string 7 0 0 '{"default_quota":"99999999999999999999T"}'
seed huge-limit 16 0 0 '{"name":"p2","max_domains":18446744073709551616}'
seed negative-expiry 22 0 0 '{"expires_at":-1}'
seed huge-port 24 0 0 "{\"name\":\"g8\",\"project\":\"lab\",\"ssh_host\":\"h.example\",\"ssh_port\":65536,\"host_key\":\"$key\"}"
seed unknown-field 0 0 0 '{"name":"x.example","guest":"g1","admin":true}'
seed not-object 0 0 0 '[1,2]'
seed empty-body 0 0 0 ''
seed two-objects 0 0 0 '{}{}'
seed trailing-garbage 0 0 0 '{"name":"t.example","guest":"g1"}x'
seedb bom 0 0 0 '\357\273\277{"name":"bom.example","guest":"g1"}'
seed strlist-number 3 0 0 '{"local_part":"s","destinations":[1]}'
seed wrong-content-type 0 3 0 '{"name":"ct.example","guest":"g1"}'
seed no-content-type 0 4 0 '{"name":"ct.example","guest":"g1"}'
seed jsonp-content-type 0 6 0 '{"name":"ct.example","guest":"g1"}'
seed crlf-content-type 0 7 0 '{"name":"ct.example","guest":"g1"}'
seed charset-upper-case 0 2 1 '{"name":"ct.example","guest":"g1"}'
seed crlf-credential 0 0 7 '{"name":"cred.example","guest":"g1"}'
seed wrong-secret 0 0 4 '{"name":"cred.example","guest":"g1"}'
seed read-only-key 2 0 2 "{\"address\":\"ro@pc1.example\",$pw}"
seed owner-makes-admin 19 0 1 '{"login":"evil","role":"admin"}'
seed owner-key-for-admin 22 0 1 '{"login":"admin1"}'
seed crlf-uri 31 0 0 "{\"local_part\":\"u\",$pw}"
seed query-on-post 32 0 0 "{\"address\":\"q@pc1.example\",$pw}"
seed project-patch-other-empty 36 0 0 '{}'
# imports (routes 39-41): the body is a CSV file, content type 0 text/csv
seedb import-mailboxes 39 0 0 'address,password,name,quota,active\r\nfz1@pc1.example,long-enough-1,"Fuzz, One",1G,yes\r\nfz2@pc1.example,long-enough-2,,,no\r\n'
seedb import-mailboxes-owner-hash 39 0 1 "address,password_hash\\nfz3@pc1.example,$hash\\n"
seedb import-foreign 39 0 1 'address,password\nintruder@pc2.example,long-enough-1\n'
seedb import-aliases 40 0 0 'address,destinations,active\ninfo@pc1.example,"matsui@pc1.example, x@y.example",true\n@pc1.example,matsui@pc1.example,\n'
seedb import-dry-cp932 41 0 0 'address,password,name\nsj@pc1.example,long-enough-1,\x93\x63\x92\x86\n'
seedb import-formula 39 0 0 'address,password,name\nf@pc1.example,long-enough-1,=cmd|x\n'
# domain moves (routes 43-44): a dry run, a move, an owner's, a bad body;
# cancelling the first move
seed move-dry-run 43 0 0 '{"to":"g3","dry_run":true}'
seed move-start 43 0 0 '{"to":"g3"}'
seed move-owner 43 0 1 '{"to":"g3"}'
seed move-unknown-field 43 0 0 '{"to":"g3","force":true}'
seed move-cancel 44 4 0 ''
# self-service and two-factor sign-in (routes 45-57): the keys are no
# mailbox user (/me answers 404), an operator enrols and resets; a
# mailbox's vacation reply and forwarding with hostile strings
seed me-password 45 0 0 '{"current_password":"long-enough-1","password":"long-enough-2"}'
seed me-vacation 46 0 0 '{"text":"away"}'
seed me-vacation-clear 47 4 0 ''
seed me-forward 48 0 0 '{"addresses":["x@ext.example"],"keep":true}'
seed me-forward-clear 49 4 0 ''
seed totp-enrol 50 4 0 ''
seed totp-enrol-owner 50 4 1 ''
seed totp-confirm 51 0 0 '{"code":"123456"}'
seed totp-reset 52 4 0 ''
seedb vacation-sieve-breaking 53 0 0 '{"text":"a \\"quote\\" \\\\ back\\r\\n.\\r\\n\\u4f11\\u6687","subject":"Out \\"now\\"","start":"2026-01-01","end":"2026-12-31","days":7}'
seed vacation-end-before-start 53 0 1 '{"text":"a","start":"2026-12-31","end":"2026-01-01"}'
seed vacation-clear 54 4 0 ''
seed forward-keep 55 0 1 '{"addresses":["a@ext.example","tanaka@pc2.example"],"keep":true}'
seed forward-self 55 0 0 '{"addresses":["matsui@pc1.example"]}'
seed forward-clear 56 4 0 ''
seed vacation-foreign 57 0 1 '{"text":"not yours"}'
# DKIM keys (routes 58-62): made with each algorithm, size and a given
# selector, DNS-breaking selectors, sizes out of range; pc1's pending key
# "pend" activated (confirmed or not) and deleted, its active key "act"
# refused deletion; an owner on the other project's domain
seed dkim-new 58 0 0 '{}'
seed dkim-new-ed25519 58 0 1 '{"algorithm":"ed25519","selector":"Ed-2026"}'
seed dkim-new-rsa 58 0 0 '{"algorithm":"rsa","bits":1024,"selector":"r1"}'
seed dkim-selector-dot 58 0 0 '{"selector":"a.b"}'
seedb dkim-selector-breaking 58 0 0 '{"selector":"a;b=c\\r\\n\\u0000"}'
seed dkim-bits-low 58 0 0 '{"bits":512}'
seed dkim-bits-ed25519 58 0 0 '{"algorithm":"ed25519","bits":4096}'
seed dkim-algorithm 58 0 0 '{"algorithm":"dsa"}'
seed dkim-activate 59 0 1 '{"confirm":true}'
seed dkim-activate-unconfirmed 59 0 0 '{}'
seed dkim-delete-pending 60 4 0 ''
seed dkim-delete-active 61 4 0 ''
seed dkim-foreign 62 0 1 '{"algorithm":"ed25519"}'
