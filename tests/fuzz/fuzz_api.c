/* SPDX-License-Identifier: ISC */
/*
 * fuzz_api.c - a libFuzzer target for the API's request bodies, through
 * the real routing, parsing and validation code: each input is one request
 * to api_handle(), the function the FastCGI workers call, over a real
 * SQLite database made by the project's own migrations and store functions.
 *
 *   byte 0	the route: a row of routes[] (modulo their number)
 *   byte 1	bits 0-2: the Content-Type (ctypes[]); bits 3-5: the
 *		credential (enum cred); bits 6-7 unused
 *   bytes 2..	the body, exactly as a client sent it (not NUL-terminated,
 *		so that ASan sees any read past its end)
 *
 * Whatever the input:
 *   - the status is 200..499: never a 5xx, never 0;
 *   - the response body is a JSON object (none for 204 No Content); from
 *     400 on it has error.code and error.message (strings), and
 *     error.field, if present, is a string or null;
 *   - a refused request (>= 400) wrote nothing, and no request leaves a
 *     transaction open;
 *   - a route that takes a body never accepts one that a strict parse
 *     refuses (wrong Content-Type, over the route's limit, malformed JSON,
 *     duplicate keys, invalid UTF-8, not an object);
 *   - a committed write has its audit entry, stores no control character
 *     (but a vacation reply's line breaks and tabs),
 *     and an owner's write is audited under the owner's project only;
 *   - no answer carries a password or a hash; an Allow header is clean.
 * A broken invariant prints "fuzz_api: ..." to stderr and aborts, so that
 * libFuzzer keeps the input as a crash artifact.
 *
 * Half of the mutations are made on the body as JSON (see the end of this
 * file), so that valid bodies turn into other valid bodies, with a
 * duplicate key or one more field, not only into broken ones.
 *
 * Bodies over HTTP_MAX_BODY (1 MiB) cannot be reached with a -max_len that
 * explores well (4096), so LLVMFuzzerInitialize checks them once, on every
 * route: one byte over the limit is refused 413, exactly the limit is not.
 *
 * Built and run by tests/fuzz/build.sh and tests/fuzz/run.sh.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "fcgi/api.h"
#include "fuzz_common.h"
#include "pwhash.h"
#include "secret.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Every write route, those of src/fcgi/api.c's table and those being added
 * (a route that does not exist yet answers 404 or 405, which is fine).
 * Append new rows at the end: the seeds in corpus/ name a row by its
 * index (see mkseeds.sh).  "{key}" stands for the owner key's prefix.
 */
static const struct fz_route {
	const char *method, *uri;
} routes[] = {
	/* 0 */ { "POST", "/api/v1/domains" },
	/* 1 */ { "POST", "/api/v1/domains/pc1.example/mailboxes" },
	/* 2 */ { "POST", "/api/v1/mailboxes" },
	/* 3 */ { "POST", "/api/v1/domains/pc1.example/aliases" },
	/* 4 */ { "POST", "/api/v1/alias-domains" },
	/* 5 */ { "POST", "/api/v1/domains/pc2.example/mailboxes" },
	/* 6 */ { "POST", "/api/v1/domains/pc2.example/aliases" },
	/* 7 */ { "PATCH", "/api/v1/domains/pc1.example" },
	/* 8 */ { "DELETE", "/api/v1/domains/pc1.example" },
	/* 9 */ { "PATCH", "/api/v1/domains/pc2.example" },
	/* 10 */ { "PATCH", "/api/v1/mailboxes/matsui@pc1.example" },
	/* 11 */ { "DELETE", "/api/v1/mailboxes/matsui@pc1.example" },
	/* 12 */ { "PATCH", "/api/v1/mailboxes/tanaka@pc2.example" },
	/* 13 */ { "PATCH", "/api/v1/aliases/info@pc1.example" },
	/* 14 */ { "DELETE", "/api/v1/aliases/info@pc1.example" },
	/* 15 */ { "DELETE", "/api/v1/alias-domains/al1.example" },
	/* 16 */ { "POST", "/api/v1/projects" },
	/* 17 */ { "PATCH", "/api/v1/projects/lab" },
	/* 18 */ { "DELETE", "/api/v1/projects/lab" },
	/* 19 */ { "POST", "/api/v1/accounts" },
	/* 20 */ { "PATCH", "/api/v1/accounts/owner1" },
	/* 21 */ { "DELETE", "/api/v1/accounts/owner1" },
	/* 22 */ { "POST", "/api/v1/api-keys" },
	/* 23 */ { "DELETE", "/api/v1/api-keys/{key}" },
	/* 24 */ { "POST", "/api/v1/guests" },
	/* 25 */ { "PATCH", "/api/v1/guests/g1" },
	/* 26 */ { "DELETE", "/api/v1/guests/g1" },
	/* 27 */ { "POST", "/api/v1/guests/g1/push" },
	/* 28 */ { "POST", "/api/v1/session" },
	/* 29 */ { "DELETE", "/api/v1/session" },
	/* 30 */ { "PUT", "/api/v1/domains" },
	/* 31 */ { "POST", "/api/v1/domains/pc1.example%0d%0aX-Injected:%201"
		   "/mailboxes" },
	/* 32 */ { "POST", "/api/v1/mailboxes?x=1" },
	/* 33 */ { "GET", "/api/v1/domains/pc1.example/mailboxes?limit=2" },
	/* 34 */ { "DELETE", "/api/v1/domains/pc2.example" },
	/* 35 */ { "DELETE", "/api/v1/alias-domains/pc1.example" },
	/* 36 */ { "PATCH", "/api/v1/projects/other" },
	/* 37 */ { "PATCH", "/api/v1/mailboxes/huge@pc2.example" },
	/* 38 */ { "PATCH", "/api/v1/alias-domains/al1.example" },
	/* 39 */ { "POST", "/api/v1/imports?kind=mailboxes" },
	/* 40 */ { "POST", "/api/v1/imports?kind=aliases&upsert=true" },
	/* 41 */ { "POST", "/api/v1/imports?kind=mailboxes&dry_run=true&"
		   "skip_invalid=true&encoding=cp932" },
	/* 42 */ { "POST", "/api/v1/mailboxes/matsui@pc1.example/restore?id=1" },
	/* 43 */ { "POST", "/api/v1/domains/pc1.example/move" },
	/* 44 */ { "POST", "/api/v1/moves/1/cancel" },
	/* 45 */ { "PUT", "/api/v1/me/password" },
	/* 46 */ { "PUT", "/api/v1/me/vacation" },
	/* 47 */ { "DELETE", "/api/v1/me/vacation" },
	/* 48 */ { "PUT", "/api/v1/me/forward" },
	/* 49 */ { "DELETE", "/api/v1/me/forward" },
	/* 50 */ { "POST", "/api/v1/me/totp" },
	/* 51 */ { "POST", "/api/v1/me/totp/confirm" },
	/* 52 */ { "DELETE", "/api/v1/accounts/owner1/totp" },
	/* 53 */ { "PUT", "/api/v1/mailboxes/matsui@pc1.example/vacation" },
	/* 54 */ { "DELETE", "/api/v1/mailboxes/matsui@pc1.example/vacation" },
	/* 55 */ { "PUT", "/api/v1/mailboxes/matsui@pc1.example/forward" },
	/* 56 */ { "DELETE", "/api/v1/mailboxes/matsui@pc1.example/forward" },
	/* 57 */ { "PUT", "/api/v1/mailboxes/tanaka@pc2.example/vacation" },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const ctypes[8] = {
	"application/json",
	"application/json; charset=utf-8",
	"Application/JSON",
	"text/plain",
	NULL,				/* no Content-Type at all */
	"",
	"application/jsonp",
	"application/json\r\nX-Injected: 1",
};
/* The same choices for a route that takes a file (an import). */
static const char *const upload_ctypes[8] = {
	"text/csv",
	"text/csv; charset=utf-8",
	"Text/CSV",
	"text/plain",
	NULL,
	"",
	"text/csvx",
	"text/csv\r\nX-Injected: 1",
};

enum cred {
	CRED_ADMIN, CRED_OWNER, CRED_READONLY, CRED_OWNER_LOWER,
	CRED_WRONG_SECRET, CRED_GARBAGE, CRED_NONE, CRED_INJECTED, NCRED
};
static const char *const cred_names[NCRED] = {
	"admin", "owner", "admin read-only", "owner 'bearer'",
	"owner prefix, wrong secret", "garbage", "none", "admin + CRLF"
};

/*
 * What requests write on purpose even when they are refused, unaudited
 * (column NULL: the whole table).  V_IGNORE: changes no later answer, so
 * it is left out of the snapshot.  V_RESET: may change later answers, so a
 * change of it is allowed but resets the database, to keep every input's
 * outcome independent of the ones before it.
 */
enum vkind { V_NONE, V_IGNORE, V_RESET };
static const struct {
	const char *table, *column;
	enum vkind kind;
} volatile_cols[] = {
	/* a key's last use, noted when it authenticates (store_apikey_auth)
	 * before the route or the body is looked at; once a minute */
	{ "api_key", "last_used_at", V_IGNORE },
	/* failed logins, counted by the refusal itself: the throttle that
	 * answers 429 later */
	{ "login_throttle", NULL, V_RESET },
	/* a session's last use (its idle timeout) */
	{ "session", "last_seen_at", V_RESET },
	/* an import's job: queued by the upload, ended by the import, whose
	 * own rows carry their audit entry */
	{ "import_job", NULL, V_RESET },
	{ NULL, NULL, V_NONE }
};

/*
 * "Nothing written" is measured over the whole database, not by the audit
 * log alone: every change of tenant data is audited in its own transaction
 * (store_audit.c), but not every committed write is: volatile_cols[]
 * above, and a guest's push state (pushd's store_guest_pushed) are not.
 * So a snapshot is an order-independent digest of every row of every
 * table, with the row count, the audit count and highest id, and the
 * number of control characters stored; the V_RESET data has a digest of
 * its own.  It takes half a millisecond under ASan, as long as the request
 * itself, so it is taken only when SQLite's total_changes() moved (below).
 */
struct snap {
	uint64_t digest, vdigest;
	int64_t rows, vrows, ctl, audit, audit_max;
	int64_t changes;	/* total_changes() then: not compared */
};

struct call {
	size_t route;
	int ct;
	enum cred cred;
	const char *body;		/* may be NULL when len == 0 */
	size_t len;
};

/*
 * The one database every input runs against is fzdb (fuzz_common.c).  A
 * request that changed it (a successful write) is followed by a reset:
 * the file is replaced by the pristine copy made in LLVMFuzzerInitialize.
 * So nothing accumulates over millions of runs, creates never run out of
 * names or hit a limit, and a crash artifact reproduces on its own
 * (fuzz_api FILE).  Sequences of writes are the unit tests' business, not
 * this target's.
 */
static struct {
	struct hk_config cfg;
	char admin[SECRET_TOKEN_LEN + 1], readonly[SECRET_TOKEN_LEN + 1];
	char owner[SECRET_TOKEN_LEN + 1];
	char authbuf[NCRED][SECRET_TOKEN_LEN + 64];
	const char *auth[NCRED];
	char uri[NROUTES][256];
	int takes_body[NROUTES];
	size_t body_limit[NROUTES];	/* api_body_limit()'s */
	int64_t owner_project;
	struct snap cur;		/* of the database as it is now */
} fz;

const struct fz_target fz_target = { "fuzz_api", NULL };

/* s[0..n) with C escapes into out, cut to fit. */
static const char *
escaped(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; s != NULL && i < n && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
					      c);
	}
	out[o] = '\0';
	return s == NULL ? "(none)" : out;
}

/* --- the database snapshot --- */

/* A row's hash is mixed before it is summed, so that rows do not cancel
 * out by simple coincidences of their FNV values. */
static uint64_t
mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* How column (NULL: the table as a whole) of table is volatile. */
static enum vkind
vkind(const char *table, const char *column)
{
	for (int i = 0; volatile_cols[i].table; i++)
		if (strcmp(volatile_cols[i].table, table) == 0 &&
		    (volatile_cols[i].column == NULL ? column == NULL :
		     column && strcmp(volatile_cols[i].column, column) == 0))
			return volatile_cols[i].kind;
	return V_NONE;
}

struct digest_ctx {
	const char *table;
	struct snap *s;
};

/* The one column whose text may hold line breaks and tabs: a vacation
 * reply's (sieve_script.h). */
static int
text_break(const char *table, const char *column, char c)
{
	return (c == '\r' || c == '\n' || c == '\t') &&
	    strcmp(table, "mailbox_sieve") == 0 &&
	    strcmp(column, "vacation_text") == 0;
}

static int
digest_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct digest_ctx *d = ctx;
	enum vkind whole = vkind(d->table, NULL);
	uint64_t h = fnv(FZ_FNV_BASIS, d->table,
			 strlen(d->table) + 1), vh = h;
	int has_reset = 0;

	(void)err;
	for (int i = 0; i < row->ncols; i++) {
		const char *v = row->vals[i] ? row->vals[i] : "";
		enum vkind k = whole ? whole : vkind(d->table, row->names[i]);
		uint64_t *hp = k == V_RESET ? &vh : &h;

		if (k == V_IGNORE)
			continue;
		has_reset |= k == V_RESET;
		*hp = fnv(*hp, row->names[i], strlen(row->names[i]) + 1);
		*hp = fnv(*hp, row->vals[i] ? "v" : "n", 1);
		*hp = fnv(*hp, v, strlen(v) + 1);
		for (const char *p = v; k == V_NONE && *p; p++)
			if (((unsigned char)*p < 0x20 || *p == 0x7f) &&
			    !text_break(d->table, row->names[i], *p))
				d->s->ctl++;
	}
	if (whole == V_NONE) {
		d->s->digest += mix(h);
		d->s->rows++;
	}
	if (has_reset) {
		d->s->vdigest += mix(vh);
		d->s->vrows++;
	}
	return 0;
}

static const char *describe(const struct call *c);

/*
 * The database after request c (NULL: in full, after the setup or a
 * reset).  SQLite's total_changes() counts every row that an INSERT,
 * UPDATE or DELETE of this connection wrote, committed or rolled back,
 * triggers and foreign-key actions included; while it stands still
 * nothing can have changed, and the last snapshot stands.  Fails if the
 * request left a transaction open: BEGIN would not.
 */
static void
snapshot(struct snap *s, const struct call *c)
{
	struct hk_err err;
	char sql[128];
	int64_t v[2], changes;

	if (db_begin(fzdb.db, 0, &err) < 0)
		fail_now("INVARIANT BROKEN: %s left a transaction open (%s)",
			 c ? describe(c) : "the setup", err.message);
	if (db_query_int(fzdb.db, "SELECT total_changes()", NULL, 0, &changes,
			 &err) < 0)
		fail_now("total_changes(): %s", err.message);
	if (c != NULL && changes == fz.cur.changes) {
		db_rollback(fzdb.db);
		*s = fz.cur;
		return;
	}
	memset(s, 0, sizeof(*s));
	s->changes = changes;
	for (int i = 0; i < fzdb.ntables; i++) {
		struct digest_ctx d = { fzdb.tables[i], s };

		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
			 fzdb.tables[i]);
		if (db_query(fzdb.db, sql, NULL, 0, digest_row, &d, NULL,
			     &err) < 0)
			fail_now("after %s: reading %s: %s", c ? describe(c)
				 : "the setup", fzdb.tables[i], err.message);
	}
	if (db_query_ints(fzdb.db, "SELECT COUNT(*), COALESCE(MAX(id), 0) "
			  "FROM audit", NULL, 0, v, 2, &err) < 0)
		fail_now("after %s: reading audit: %s", c ? describe(c) :
			 "the setup", err.message);
	db_rollback(fzdb.db);
	s->audit = v[0];
	s->audit_max = v[1];
}

/* Whether the data (volatile_cols[] aside) is the same. */
static int
same(const struct snap *a, const struct snap *b)
{
	return a->digest == b->digest && a->rows == b->rows &&
	    a->ctl == b->ctl && a->audit == b->audit &&
	    a->audit_max == b->audit_max;
}

/* Whether nothing but V_IGNORE columns changed. */
static int
unchanged(const struct snap *a, const struct snap *b)
{
	return same(a, b) && a->vdigest == b->vdigest && a->vrows == b->vrows;
}

/* At exit, before fz_db_remove(): the wake socket is in fzdb.dir. */
static void
cleanup(void)
{
	unlink(fz.cfg.wake_socket);
	fprintf(stderr, "fuzz_api: %lu database resets (after as many "
		"writes)\n", fzdb.resets);
}

/* --- the fixture: everything through the store, as the CLI does --- */

/* Projects lab (the owner's) and other; their guests and domains. */
static void
seed_places(const struct hk_actor *op)
{
	static const char *const guests[][3] = {	/* name project host */
		{ "g1", "lab", "127.0.0.1" },
		{ "g2", "other", "127.0.0.2" },
		{ "g3", "lab", "127.0.0.3" },		/* a backup MX */
	};
	struct hk_err err;
	json_t *obj = NULL;

	must(store_project_add(fzdb.db, op, "lab", NULL, &err), &err, "lab");
	must(store_project_add(fzdb.db, op, "other", NULL, &err), &err,
	     "other");
	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		struct guest_in g = { guests[i][0], guests[i][1],
			guests[i][2], "root",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			NULL, NULL };

		must(store_guest_add(fzdb.db, op, &g, &obj, &err), &err,
		     guests[i][0]);
		json_decref(obj);
	}
	must(store_domain_add(fzdb.db, op, "pc1.example", "g1", &obj, &err),
	     &err, "pc1.example");
	json_decref(obj);
	must(store_domain_add(fzdb.db, op, "pc2.example", "g2", &obj, &err),
	     &err, "pc2.example");
	json_decref(obj);
}

/* Mailboxes matsui@pc1, tanaka@pc2 and huge@pc2, the alias info@pc1,
 * the alias domain al1.example.  Project other's quotas add up past
 * INT64_MAX, as they may while it has no storage limit: every sum over
 * them is taken at the edge. */
static void
seed_mail(const struct hk_actor *op)
{
	static const struct { const char *local, *domain; int64_t quota; }
	mailboxes[] = {
		{ "matsui", "pc1.example", -1 },
		{ "tanaka", "pc2.example", 1 },
		{ "huge", "pc2.example", INT64_MAX },
	};
	struct alias_in al = { "info", "pc1.example", "matsui@pc1.example",
			       1 };
	char hash[PWHASH_MAX];
	struct hk_err err;
	json_t *obj = NULL;

	must(pwhash_make("long-enough-1", hash, &err), &err, "hash");
	for (size_t i = 0; i < sizeof(mailboxes) / sizeof(mailboxes[0]);
	     i++) {
		struct mailbox_in mb = { mailboxes[i].local,
			mailboxes[i].domain, hash, "Name",
			mailboxes[i].quota, 1 };

		must(store_mailbox_add(fzdb.db, op, &mb, &obj, &err), &err,
		     mailboxes[i].local);
		json_decref(obj);
	}
	must(store_alias_add(fzdb.db, op, &al, &obj, &err), &err, "info");
	json_decref(obj);
	must(store_aliasdomain_add(fzdb.db, op, "al1.example", "pc1.example",
				   &obj, &err), &err, "al1.example");
	json_decref(obj);
}

static void
seed_keys(const struct hk_actor *op)
{
	struct account_in admin = { "admin1", "admin", NULL, NULL, 0 };
	struct account_in owner = { "owner1", "owner", "lab", NULL, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	must(store_account_add(fzdb.db, op, &admin, &obj, &err), &err,
	     "admin1");
	json_decref(obj);
	must(store_account_add(fzdb.db, op, &owner, &obj, &err), &err,
	     "owner1");
	json_decref(obj);
	must(store_apikey_create(fzdb.db, op, "admin1", 0, 0, fz.admin,
				 sizeof(fz.admin), &err), &err, "admin key");
	must(store_apikey_create(fzdb.db, op, "admin1", 1, 0, fz.readonly,
				 sizeof(fz.readonly), &err), &err, "ro key");
	must(store_apikey_create(fzdb.db, op, "owner1", 0, 0, fz.owner,
				 sizeof(fz.owner), &err), &err, "owner key");
	must(store_project_id(fzdb.db, "lab", &fz.owner_project, &err), &err,
	     "lab's id");
}

/* Authorization header values, and the URIs with {key} filled in. */
static void
set_requests(void)
{
	/* "hk_" PREFIX "_" BODY */
	const char *prefix = fz.owner + 3;
	char (*a)[sizeof(fz.authbuf[0])] = fz.authbuf;
	size_t n = sizeof(a[0]);

	snprintf(a[CRED_ADMIN], n, "Bearer %s", fz.admin);
	snprintf(a[CRED_OWNER], n, "Bearer %s", fz.owner);
	snprintf(a[CRED_READONLY], n, "Bearer %s", fz.readonly);
	snprintf(a[CRED_OWNER_LOWER], n, "bearer %s", fz.owner);
	snprintf(a[CRED_WRONG_SECRET], n, "Bearer hk_%.*s_%064d",
		 SECRET_PREFIX_HEX, prefix, 0);
	snprintf(a[CRED_GARBAGE], n, "Bearer garbage");
	snprintf(a[CRED_INJECTED], n, "Bearer %s\r\nX-Injected: 1",
		 fz.admin);
	for (int i = 0; i < NCRED; i++)
		fz.auth[i] = i == CRED_NONE ? NULL : a[i];
	for (size_t i = 0; i < NROUTES; i++) {
		const char *u = routes[i].uri, *k = strstr(u, "{key}");

		if (k == NULL)
			snprintf(fz.uri[i], sizeof(fz.uri[i]), "%s", u);
		else
			snprintf(fz.uri[i], sizeof(fz.uri[i]), "%.*s%.*s%s",
				 (int)(k - u), u, SECRET_PREFIX_HEX, prefix,
				 k + 5);
	}
}

/* A fresh database in a new directory; then its pristine copy. */
static void
make_db(void)
{
	struct hk_actor op;

	fz_db_make("hk-fuzz");
	atexit(cleanup);
	fz_db_admin(&op);
	seed_places(&op);
	seed_mail(&op);
	seed_keys(&op);
	fz_db_freeze();
}

/* --- one request and its invariants --- */

/* The Content-Type of a call: a file's route gets upload_ctypes[]. */
static const char *
ctype_of(const struct call *c)
{
	return fz.body_limit[c->route] > HTTP_MAX_BODY ? upload_ctypes[c->ct]
	    : ctypes[c->ct];
}

/* The request in words, for a message (in a static buffer). */
static const char *
describe(const struct call *c)
{
	static char out[1024];
	char ct[96], body[256];
	const char *t = ctype_of(c);

	snprintf(out, sizeof(out), "%s %s, Content-Type %s, credential %s, "
		 "%zu-byte body \"%s\"%s", routes[c->route].method,
		 fz.uri[c->route], escaped(t, t ? strlen(t) : 0, ct,
		 sizeof(ct)), cred_names[c->cred], c->len, escaped(c->body,
		 c->len < 48 ? c->len : 48, body, sizeof(body)),
		 c->len > 48 ? "..." : "");
	return out;
}

/* The name of a member that must never be answered, or NULL. */
static const char *
secret_member(json_t *v)
{
	static const char *const names[] = { "password", "password_hash",
					     "secret_sha256", NULL };
	const char *key, *bad;
	json_t *e;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, e) {
			for (int k = 0; names[k]; k++)
				if (strcmp(key, names[k]) == 0)
					return key;
			if ((bad = secret_member(e)) != NULL)
				return bad;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if ((bad = secret_member(e)) != NULL)
				return bad;
	}
	return NULL;
}

/* What parse_body must accept, decided without it: the media type
 * application/json (any case, maybe with parameters), at most
 * HTTP_MAX_BODY bytes, one JSON object without duplicate keys.  A file
 * (an import) is text/csv, at most HTTP_MAX_UPLOAD bytes; what is in it
 * is the CSV reader's to judge (fuzz_csv.c). */
static int
strict_body_ok(const struct call *c)
{
	const char *ct = ctype_of(c);
	json_t *v;
	int ok;

	if (fz.body_limit[c->route] > HTTP_MAX_BODY)
		return ct != NULL && strncasecmp(ct, "text/csv", 8) == 0 &&
		    (ct[8] == '\0' || ct[8] == ';') &&
		    c->len <= fz.body_limit[c->route];

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';') || c->len > HTTP_MAX_BODY)
		return 0;
	v = json_loadb(c->body ? c->body : "", c->len,
		       JSON_REJECT_DUPLICATES, NULL);
	ok = json_is_object(v);
	json_decref(v);
	return ok;
}

/* The answer's body as JSON (a new reference, or NULL: a listing's
 * may come as text), and the end of an answer. */
static json_t *
answer_json(const struct http_resp *resp)
{
	return http_resp_json(resp);
}

static void
answer_free(struct http_resp *resp)
{
	http_resp_free(resp);
}

/* The shape of the answer (body: answer_json's), whatever the database
 * did. */
static const char *
bad_answer(const struct http_resp *resp, json_t *body)
{
	json_t *e = json_object_get(body, "error");
	json_t *field = json_object_get(e, "field");

	if (resp->status < 200 || resp->status > 499)
		return "status out of 200..499";
	if (resp->status == 204)
		return body == NULL ? NULL : "204 with a body";
	if (!json_is_object(body))
		return "response body is not a JSON object";
	if (resp->status >= 400 &&
	    (!json_is_string(json_object_get(e, "code")) ||
	     !json_is_string(json_object_get(e, "message"))))
		return "refusal without error.code and error.message strings";
	/* a refusal says why for the clients to word it (reasons.def) */
	if (resp->status >= 400 &&
	    (!json_is_string(json_object_get(e, "reason")) ||
	     !json_is_object(json_object_get(e, "params"))))
		return "refusal without error.reason and error.params";
	if (field != NULL && !json_is_string(field) && !json_is_null(field))
		return "error.field is neither a string nor null";
	if (resp->status == 405 && resp->allow[0] == '\0')
		return "405 without Allow";
	for (const char *p = resp->allow; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "control character in the Allow header";
	if (secret_member(body) != NULL)
		return "a password or hash in the response";
	return NULL;
}

/* An owner's write audited under another project's id. */
static int64_t
foreign_audit(const struct snap *before)
{
	struct db_param p[2] = { DB_INTV(before->audit_max),
				 DB_INTV(fz.owner_project) };
	struct hk_err err;
	int64_t n = 0;

	if (db_query_int(fzdb.db, "SELECT COUNT(*) FROM audit WHERE id > $1 "
			 "AND project_id IS NOT NULL AND project_id <> $2",
			 p, 2, &n, &err) < 0)
		fail_now("reading audit: %s", err.message);
	return n;
}

/* What the request did to the database, if that was wrong. */
static const char *
bad_effect(const struct call *c, int status, const struct snap *before,
	   const struct snap *after)
{
	int owner = c->cred == CRED_OWNER || c->cred == CRED_OWNER_LOWER;

	if (status >= 400)
		return same(before, after) ? NULL :
		    "a refused request wrote to the database";
	if (fz.takes_body[c->route] && !strict_body_ok(c))
		return "accepted a body that a strict parse refuses";
	if (same(before, after))
		return NULL;
	if (after->audit <= before->audit)
		return "committed a write without an audit entry";
	if (after->ctl > before->ctl)
		return "stored a control character";
	if (owner && foreign_audit(before) > 0)
		return "an owner's write reached another project";
	return NULL;
}

struct result {
	int status;
	char field[64];
};

static void
run(const struct call *c, struct result *res)
{
	struct api_ctx ctx = { fzdb.db, &fz.cfg };
	struct http_req req = {
		.method = routes[c->route].method, .uri = fz.uri[c->route],
		.content_type = ctype_of(c), .authorization = fz.auth[c->cred],
		.body = c->body, .body_len = c->len
	};
	struct http_resp resp;
	struct snap after;
	const char *bad, *field;
	json_t *body;

	api_handle(&ctx, &req, &resp);
	body = answer_json(&resp);
	http_resp_run_after(&resp);	/* an import, as the worker runs it */
	snapshot(&after, c);
	if ((bad = bad_answer(&resp, body)) != NULL ||
	    (bad = bad_effect(c, resp.status, &fz.cur, &after)) != NULL) {
		char *text = body ? json_dumps(body, JSON_COMPACT |
					       JSON_ENSURE_ASCII) : NULL;

		fail_now("INVARIANT BROKEN: %s\n  request: %s\n  answer: %d "
			 "%s%s%s\n  audit rows %lld -> %lld, rows %lld -> %lld",
			 bad, describe(c), resp.status, text ? text : "(no body)",
			 resp.internal[0] ? "\n  internal: " : "",
			 resp.internal, (long long)fz.cur.audit,
			 (long long)after.audit, (long long)fz.cur.rows,
			 (long long)after.rows);
	}
	res->status = resp.status;
	field = json_string_value(json_object_get(json_object_get(body,
	    "error"), "field"));
	snprintf(res->field, sizeof(res->field), "%s", field ? field : "");
	json_decref(body);
	answer_free(&resp);
	if (!unchanged(&fz.cur, &after)) {
		fz_db_reset();
		snapshot(&fz.cur, NULL);
	} else {
		fz.cur = after;		/* a V_IGNORE write: the new count */
	}
}

/* --- the checks made once --- */

/* Whether uri's path below API_PREFIX matches a route pattern of
 * src/fcgi/api.c ("*" is one segment). */
static int
uri_matches(const char *uri, const char *pattern)
{
	const char *u = uri + strlen(API_PREFIX), *p = pattern;
	const char *end = u + strcspn(u, "?#");

	for (;;) {
		size_t un = strcspn(u, "/?#"), pn = strcspn(p, "/");

		if (!((pn == 1 && *p == '*' && un > 0) ||
		      (un == pn && strncmp(u, p, pn) == 0)))
			return 0;
		u += un;
		p += pn;
		if (*p == '\0')
			return u == end;
		if (u == end)
			return 0;
		u++;
		p++;
	}
}

/* Every write route of src/fcgi/api.c's table has a row in routes[]: a route
 * the fuzzer cannot reach would pass untested. */
static void
check_coverage(void)
{
	for (const struct api_route *r = api_routes; r->method; r++) {
		size_t i = 0;

		if (strcmp(r->method, "GET") == 0)
			continue;
		while (i < NROUTES && (strcmp(routes[i].method, r->method) ||
				       !uri_matches(routes[i].uri, r->pattern)))
			i++;
		if (i == NROUTES)
			fail_now("setup: the write route %s %s has no row in "
				 "routes[] of tests/fuzz/fuzz_api.c: append one",
				 r->method, r->pattern);
	}
}

/* Which routes parse a body: those that refuse a wrong Content-Type. */
static void
probe_bodies(void)
{
	struct result r;

	for (size_t i = 0; i < NROUTES; i++) {
		struct call c = { i, 3, CRED_ADMIN, "{}", 2 };	/* text/plain */

		run(&c, &r);
		fz.takes_body[i] = r.status == 415 || (r.status == 400 &&
		    strcmp(r.field, "content-type") == 0);
	}
}

/* One byte over a route's limit (HTTP_MAX_BODY, or HTTP_MAX_UPLOAD for
 * a file) is 413 on every route that takes a body; exactly the limit is
 * not.  A valid object padded with spaces, so that only the size can be
 * wrong. */
static void
check_body_limit(void)
{
	size_t max = HTTP_MAX_UPLOAD + 1;
	char *big = malloc(max);
	struct result r;

	if (big == NULL)
		fail_now("setup: out of memory");
	for (size_t i = 0; i < NROUTES; i++) {
		size_t n = fz.body_limit[i] + 1;
		struct call c = { i, 0, CRED_ADMIN, big, n };

		memset(big, ' ', n);
		big[0] = '{';
		big[n - 1] = '}';
		run(&c, &r);
		if (fz.takes_body[i] && r.status != 413)
			fail_now("INVARIANT BROKEN: %s %s: a body of %zu bytes "
				 "answered %d, not 413", routes[i].method,
				 fz.uri[i], n, r.status);
		big[n - 2] = '}';
		c.len = n - 1;
		run(&c, &r);
		if (r.status == 413)
			fail_now("INVARIANT BROKEN: %s %s: a body of exactly "
				 "%zu bytes answered 413", routes[i].method,
				 fz.uri[i], n - 1);
	}
	free(big);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t nbody = 0;

	(void)argc;
	(void)argv;
	check_coverage();
	make_db();
	conf_defaults(&fz.cfg);
	snprintf(fz.cfg.wake_socket, sizeof(fz.cfg.wake_socket), "%s/wake",
		 fzdb.dir);
	set_requests();
	for (size_t i = 0; i < NROUTES; i++)
		fz.body_limit[i] = api_body_limit(routes[i].method, fz.uri[i]);
	snapshot(&fz.cur, NULL);
	if (fz.cur.ctl != 0)
		fail_now("setup: the fixture holds control characters");
	probe_bodies();
	check_body_limit();
	for (size_t i = 0; i < NROUTES; i++)
		nbody += (size_t)fz.takes_body[i];
	fprintf(stderr, "fuzz_api: %zu routes (%zu take a body), %d tables, "
		"database in %s; body limit checked\n", NROUTES, nbody,
		fzdb.ntables, fzdb.dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct call c;
	struct result r;

	if (size < 2)
		return 0;
	c.route = data[0] % NROUTES;
	c.ct = data[1] & 7;
	c.cred = (enum cred)((data[1] >> 3) & 7);
	c.body = size > 2 ? (const char *)data + 2 : NULL;
	c.len = size - 2;
	run(&c, &r);
	return 0;
}

/*
 * --- structure-aware mutations ---
 *
 * libFuzzer's byte mutations find what breaks the parser, but seldom turn
 * one valid body into another: a duplicate key in a body that is otherwise
 * accepted, or one more field that changes what a handler does.  So half
 * of the mutations work on the body as JSON instead: drop, add, duplicate
 * or change a member, or send the body to another route, with another
 * Content-Type or credential.  The other half, and every input whose body
 * is not a JSON object, get libFuzzer's own (with the dictionary).
 */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

/* Names the API declares (api.dict has them too); a missing one only
 * makes this less sharp. */
static const char *const field_names[] = {
	"active", "address", "backup_guest", "catch_all", "default_quota",
	"destinations", "disabled", "expires_at", "guest", "host_key",
	"local_part", "login", "max_domains", "max_mailboxes", "max_storage",
	"name", "password", "password_hash", "project", "quota", "read_only",
	"role", "ssh_host", "ssh_port", "ssh_user", "target", NULL
};

/* Strings the fixture gives a meaning to, and some it must refuse. */
static const char *const field_strings[] = {
	"pc1.example", "pc2.example", "new.example", "g1", "g2", "g3", "lab",
	"other", "matsui@pc1.example", "tanaka@pc2.example", "x@b.example",
	"matsui", "info", "owner1", "admin1", "admin", "owner",
	"long-enough-1", "2G", "0", "1T", "", "a\nb", "a:b", "a,b",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", NULL
};

static const json_int_t field_ints[] = {
	0, 1, -1, 22, 65535, 65536, 4102444800, INT32_MAX, INT64_MAX,
	INT64_MIN
};

static unsigned
next_rand(unsigned *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 17;
	*r ^= *r << 5;
	return *r;
}

static size_t
count_of(const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return n;
}

static json_t *
random_value(unsigned *r)
{
	size_t ns = count_of(field_strings);
	json_t *a;

	switch (next_rand(r) % 6) {
	case 0:
		return json_boolean(next_rand(r) & 1);
	case 1:
		return json_null();
	case 2:
		return json_integer(field_ints[next_rand(r) %
		    (sizeof(field_ints) / sizeof(field_ints[0]))]);
	case 3:
		a = json_array();
		for (unsigned i = next_rand(r) % 3 + 1; i > 0; i--)
			json_array_append_new(a, json_string(
			    field_strings[next_rand(r) % ns]));
		return a;
	default:
		return json_string(field_strings[next_rand(r) % ns]);
	}
}

/* A member of o at random, or NULL when it has none. */
static const char *
random_key(json_t *o, unsigned *r)
{
	size_t n = json_object_size(o), pick;
	const char *key;
	json_t *v;

	if (n == 0)
		return NULL;
	pick = next_rand(r) % n;
	json_object_foreach(o, key, v)
		if (pick-- == 0)
			return key;
	return NULL;
}

/* The object's text with member key written twice (jansson's objects
 * cannot hold a duplicate, so it is spliced into the text). */
static char *
dump_with_duplicate(json_t *o, const char *key)
{
	json_t *k = json_string(key);
	char *text = json_dumps(o, JSON_COMPACT);
	char *kt = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
	char *vt = json_dumps(json_object_get(o, key), JSON_ENCODE_ANY |
			      JSON_COMPACT);
	char *out = NULL;
	size_t n;

	if (text && kt && vt && (out = malloc((n = strlen(text) + strlen(kt) +
	    strlen(vt) + 3))) != NULL)
		snprintf(out, n, "{%s:%s,%s", kt, vt, text + 1);
	json_decref(k);
	free(text);
	free(kt);
	free(vt);
	return out;
}

/* One change to the request; returns the body's new text or NULL. */
static char *
mutate_json(uint8_t *head, json_t *o, unsigned *r)
{
	const char *key = random_key(o, r);

	switch (next_rand(r) % 7) {
	case 0:
		if (key)
			json_object_del(o, key);
		break;
	case 1:
		if (key)
			return dump_with_duplicate(o, key);
		break;
	case 2:
		if (key) {
			json_object_set_new(o, key, random_value(r));
			break;
		}
		/* FALLTHROUGH */
	case 3:
	case 4:
		json_object_set_new(o, field_names[next_rand(r) %
		    count_of(field_names)], random_value(r));
		break;
	case 5:
		head[0] = (uint8_t)next_rand(r);
		break;
	default:
		head[1] = (uint8_t)next_rand(r);
		break;
	}
	return json_dumps(o, JSON_COMPACT);
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			unsigned int seed)
{
	unsigned r = seed | 1;
	json_t *o = NULL;
	char *text = NULL;
	size_t n = 0;
	int done = 0;

	if (size >= 2 && max_size > 2 && (next_rand(&r) & 1))
		o = json_loadb((const char *)data + 2, size - 2, 0, NULL);
	if (json_is_object(o))
		text = mutate_json(data, o, &r);
	if (text != NULL && (n = strlen(text)) + 2 <= max_size) {
		memcpy(data + 2, text, n);
		done = 1;
	}
	json_decref(o);
	free(text);
	return done ? n + 2 : LLVMFuzzerMutate(data, size, max_size);
}
