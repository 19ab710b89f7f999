/* SPDX-License-Identifier: ISC */
/*
 * authz_rows.c - the authorization matrix (see test_authz.c's head
 * comment for what a row says and how "{p}", "{k}" and "{i}" expand).
 */
#include "config.h"

#include "authz_rows.h"

const struct row authz_rows[] = {
	/* the login takes no credentials: every column alike */
	{ "POST", "session", "{\"login\":\"s{p}\",\"password\":"
	  "\"long-enough-1\"}", ALL(201) },
	{ "POST", "session", "{\"login\":\"s{p}\",\"password\":"
	  "\"long-enough-2\"}", ALL(401) },
	/* keys hold no session to end */
	{ "DELETE", "session", NULL, { 404, 404, 404, 404, 204 } },
	{ "GET", "whoami", NULL, { 200, 200, 200, 200, 200 } },
	{ "GET", "me", NULL, { 200, 200, 200, 200, 200 } },
	{ "PUT", "me/password", "{\"current_password\":\"long-enough-1\","
	  "\"password\":\"long-enough-9\"}", { 404, 404, 404, 404, 200 } },
	/* a mailbox user's own vacation and forwarding; an account has no
	 * mailbox of its own */
	{ "GET", "me/settings", NULL, { 404, 404, 404, 404, 200 } },
	{ "PUT", "me/vacation", "{\"text\":\"away\"}",
	  { 404, 404, 404, 404, 200 } },
	{ "DELETE", "me/vacation", NULL, { 404, 404, 404, 404, 204 } },
	{ "PUT", "me/forward", "{\"addresses\":[\"x@ext.example\"]}",
	  { 404, 404, 404, 404, 200 } },
	{ "DELETE", "me/forward", NULL, { 404, 404, 404, 404, 204 } },
	/* a panel account's own second factor (the key's account) */
	{ "GET", "me/totp", NULL, ALL(200) },
	{ "POST", "me/totp", NULL, { 201, 201, 201, 403 } },
	{ "POST", "me/totp/confirm", "{\"code\":\"123456\"}",
	  { 404, 404, 404, 403 } },
	{ "DELETE", "accounts/s{p}/totp", NULL, { 404, 403, 403, 403 } },
	{ "GET", "audit?limit=5", NULL, ALL(200) },
	{ "GET", "projects", NULL, ALL(200) },
	{ "POST", "projects", "{\"name\":\"pn\",\"max_domains\":3}",
	  { 201, 403, 403, 403 } },
	{ "GET", "projects/p{p}", NULL, { 200, 200, 404, 200 } },
	{ "PATCH", "projects/p{p}", "{\"max_mailboxes\":7}",
	  { 200, 403, 403, 403 } },
	{ "DELETE", "projects/p{p}", NULL, { 409, 403, 403, 403 } },
	{ "DELETE", "projects/pe", NULL, { 204, 403, 403, 403 } },
	{ "GET", "accounts", NULL, { 200, 403, 403, 200 } },
	{ "POST", "accounts", "{\"login\":\"nu\",\"role\":\"owner\","
	  "\"project\":\"pa\"}", { 201, 403, 403, 403 } },
	{ "GET", "accounts/s{p}", NULL, { 200, 403, 403, 200 } },
	{ "PATCH", "accounts/s{p}", "{\"disabled\":true}",
	  { 200, 403, 403, 403 } },
	{ "DELETE", "accounts/s{p}", NULL, { 204, 403, 403, 403 } },
	{ "GET", "api-keys", NULL, ALL(200) },
	{ "POST", "api-keys", "{\"read_only\":true}", { 201, 201, 201, 403 } },
	{ "POST", "api-keys", "{\"login\":\"o{p}\"}", { 201, 201, 404, 403 } },
	{ "DELETE", "api-keys/{k}", NULL, { 204, 204, 404, 403 } },
	{ "GET", "guests", NULL, ALL(200) },
	{ "POST", "guests", "{\"name\":\"gn\",\"project\":\"p{p}\","
	  "\"ssh_host\":\"10.0.0.9\",\"host_key\":\"" HOST_KEY "\"}",
	  { 201, 403, 403, 403 } },
	{ "GET", "guests/g{p}", NULL, { 200, 200, 404, 200 } },
	{ "PATCH", "guests/g{p}", "{\"ssh_port\":2222}",
	  { 200, 403, 403, 403 } },
	{ "PATCH", "guests/g{p}", "{\"mail_host\":\"mx.example.net\","
	  "\"mail_addrs\":[\"192.0.2.1\"]}", { 200, 403, 403, 403 } },
	{ "DELETE", "guests/g{p}", NULL, { 409, 403, 403, 403 } },
	{ "DELETE", "guests/g{p}2", NULL, { 204, 403, 403, 403 } },
	{ "POST", "guests/g{p}/push", NULL, { 202, 403, 403, 403 } },
	{ "GET", "guests/g{p}/capacity", NULL, { 200, 200, 404, 200 } },
	{ "GET", "guests/g{p}/capacity?since=0&step=3600", NULL,
	  { 200, 200, 404, 200 } },
	{ "GET", "warnings?all=true", NULL, ALL(200) },
	{ "GET", "domains", NULL, ALL(200) },
	{ "POST", "domains", "{\"name\":\"new{p}.example\",\"guest\":"
	  "\"g{p}\"}", { 201, 201, 404, 403 } },
	{ "GET", "domains/{p}.example", NULL, { 200, 200, 404, 200 } },
	{ "PATCH", "domains/{p}.example", "{\"active\":false,"
	  "\"max_mailboxes\":9}", { 200, 200, 404, 403 } },
	{ "DELETE", "domains/{p}.example", NULL, { 409, 409, 404, 403 } },
	{ "DELETE", "domains/{p}.example?force=true", NULL,
	  { 204, 204, 404, 403 } },
	{ "GET", "domains/{p}.example/mailboxes", NULL,
	  { 200, 200, 404, 200 } },
	{ "POST", "domains/{p}.example/mailboxes", "{\"local_part\":\"nm\","
	  "\"password\":\"long-enough-1\"}", { 201, 201, 404, 403 } },
	{ "POST", "mailboxes", "{\"address\":\"nm@{p}.example\","
	  "\"password\":\"long-enough-1\"}", { 201, 201, 404, 403 } },
	{ "GET", "mailboxes/m@{p}.example", NULL, { 200, 200, 404, 200 } },
	{ "PATCH", "mailboxes/m@{p}.example", "{\"name\":\"M\","
	  "\"quota\":\"1G\"}", { 200, 200, 404, 403 } },
	{ "DELETE", "mailboxes/m@{p}.example", NULL, { 204, 204, 404, 403 } },
	{ "GET", "mailboxes/m@{p}.example/settings", NULL,
	  { 200, 200, 404, 200 } },
	{ "PUT", "mailboxes/m@{p}.example/vacation", "{\"text\":\"away\","
	  "\"days\":3}", { 200, 200, 404, 403 } },
	{ "DELETE", "mailboxes/m@{p}.example/vacation", NULL,
	  { 204, 204, 404, 403 } },
	{ "PUT", "mailboxes/m@{p}.example/forward", "{\"addresses\":"
	  "[\"x@ext.example\"],\"keep\":true}", { 200, 200, 404, 403 } },
	{ "DELETE", "mailboxes/m@{p}.example/forward", NULL,
	  { 204, 204, 404, 403 } },
	/* t@ is in the trash (seeded): back for operators only */
	{ "POST", "mailboxes/t@{p}.example/restore", NULL,
	  { 200, 403, 403, 403 } },
	/* DKIM keys: "act" (active) and "pend" (pending) are seeded */
	{ "GET", "domains/{p}.example/dkim", NULL, { 200, 200, 404, 200 } },
	{ "POST", "domains/{p}.example/dkim", "{\"algorithm\":\"ed25519\"}",
	  { 201, 201, 404, 403 } },
	{ "POST", "domains/{p}.example/dkim/pend/activate",
	  "{\"confirm\":true}", { 200, 200, 404, 403 } },
	/* unconfirmed: looked up, at a resolver that does not answer */
	{ "POST", "domains/{p}.example/dkim/pend/activate", "{}",
	  { 409, 409, 404, 403 } },
	{ "DELETE", "domains/{p}.example/dkim/pend", NULL,
	  { 204, 204, 404, 403 } },
	{ "DELETE", "domains/{p}.example/dkim/act", NULL,
	  { 409, 409, 404, 403 } },
	/* the records a domain needs; checked against a resolver that does
	 * not answer (request()): every record "failed", still a 200 */
	{ "GET", "domains/{p}.example/dns", NULL, { 200, 200, 404, 200 } },
	{ "GET", "domains/{p}.example/dns?check=true", NULL,
	  { 200, 200, 404, 200 } },
	/* a bad query is refused before the domain is looked up */
	{ "GET", "domains/{p}.example/dns?check=yes", NULL, ALL(400) },
	{ "GET", "domains/{p}.example/aliases", NULL,
	  { 200, 200, 404, 200 } },
	{ "POST", "domains/{p}.example/aliases", "{\"local_part\":\"na\","
	  "\"destinations\":[\"m@{p}.example\"]}", { 201, 201, 404, 403 } },
	{ "GET", "aliases/al@{p}.example", NULL, { 200, 200, 404, 200 } },
	{ "PATCH", "aliases/al@{p}.example", "{\"active\":false}",
	  { 200, 200, 404, 403 } },
	{ "DELETE", "aliases/al@{p}.example", NULL, { 204, 204, 404, 403 } },
	{ "GET", "alias-domains", NULL, ALL(200) },
	{ "POST", "alias-domains", "{\"name\":\"y{p}.example\",\"target\":"
	  "\"{p}.example\"}", { 201, 201, 404, 403 } },
	{ "GET", "alias-domains/x{p}.example", NULL, { 200, 200, 404, 200 } },
	{ "PATCH", "alias-domains/x{p}.example", "{\"active\":false}",
	  { 200, 200, 404, 403 } },
	{ "DELETE", "alias-domains/x{p}.example", NULL,
	  { 204, 204, 404, 403 } },
	/* an owner's upload naming the other project's domain makes a job
	 * that fails (test_importjob.c); a read-only key makes none */
	{ "POST", "imports?kind=mailboxes", "address,password_hash\n"
	  "ni@{p}.example," CSV_HASH "\n", { 202, 202, 202, 403 } },
	{ "GET", "imports?limit=5", NULL, ALL(200) },
	{ "GET", "imports/{i}", NULL, { 200, 200, 404, 200 } },
	{ "GET", "export/mailboxes?domain={p}.example", NULL,
	  { 200, 200, 404, 200 } },
	{ "GET", "export/mailboxes?project=p{p}&with_hashes=true", NULL,
	  { 200, 403, 403, 200 } },
	{ "GET", "export/aliases?domain={p}.example", NULL,
	  { 200, 200, 404, 200 } },
	/* a move of v{p}.example to g{p}2 is seeded ("{i}": its id); a dry
	 * run writes nothing, which this matrix takes for a failed write
	 * (test_moves.c has it) */
	{ "POST", "domains/{p}.example/move", "{\"to\":\"g{p}2\"}",
	  { 202, 403, 403, 403 } },
	{ "GET", "moves?live=true", NULL, ALL(200) },
	{ "GET", "moves?domain=v{p}.example", NULL, ALL(200) },
	{ "GET", "moves/{i}", NULL, { 200, 200, 404, 200 } },
	{ "POST", "moves/{i}/cancel", NULL, { 200, 403, 403, 403 } },
	/* no address is allowed here: an operator's key, or nothing */
	{ "GET", "metrics", NULL, { 200, 403, 403, 200 } },
};

const size_t authz_nrows = sizeof(authz_rows) / sizeof(authz_rows[0]);
