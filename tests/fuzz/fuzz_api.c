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
#include "fuzz_api.h"
#include "fuzz_common.h"
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
	/* 58 */ { "POST", "/api/v1/domains/pc1.example/dkim" },
	/* 59 */ { "POST", "/api/v1/domains/pc1.example/dkim/pend/activate" },
	/* 60 */ { "DELETE", "/api/v1/domains/pc1.example/dkim/pend" },
	/* 61 */ { "DELETE", "/api/v1/domains/pc1.example/dkim/act" },
	/* 62 */ { "POST", "/api/v1/domains/pc2.example/dkim" },
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
	struct fz_api_keys keys;
	char authbuf[NCRED][SECRET_TOKEN_LEN + 64];
	const char *auth[NCRED];
	char uri[NROUTES][256];
	int takes_body[NROUTES];
	size_t body_limit[NROUTES];	/* api_body_limit()'s */
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

/* At exit, before fz_db_remove(): the wake socket is in fzdb.dir. */
static void
cleanup(void)
{
	unlink(fz.cfg.wake_socket);
	fprintf(stderr, "fuzz_api: %lu database resets (after as many "
		"writes)\n", fzdb.resets);
}

/* Authorization header values, and the URIs with {key} filled in. */
static void
set_requests(void)
{
	/* "hk_" PREFIX "_" BODY */
	const char *prefix = fz.keys.owner + 3;
	char (*a)[sizeof(fz.authbuf[0])] = fz.authbuf;
	size_t n = sizeof(a[0]);

	snprintf(a[CRED_ADMIN], n, "Bearer %s", fz.keys.admin);
	snprintf(a[CRED_OWNER], n, "Bearer %s", fz.keys.owner);
	snprintf(a[CRED_READONLY], n, "Bearer %s", fz.keys.readonly);
	snprintf(a[CRED_OWNER_LOWER], n, "bearer %s", fz.keys.owner);
	snprintf(a[CRED_WRONG_SECRET], n, "Bearer hk_%.*s_%064d",
		 SECRET_PREFIX_HEX, prefix, 0);
	snprintf(a[CRED_GARBAGE], n, "Bearer garbage");
	snprintf(a[CRED_INJECTED], n, "Bearer %s\r\nX-Injected: 1",
		 fz.keys.admin);
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
	fz_api_seed(&op, &fz.cfg.dkim, &fz.keys);
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
				 DB_INTV(fz.keys.owner_project) };
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
		return fz_snap_same(before, after) ? NULL :
		    "a refused request wrote to the database";
	if (fz.takes_body[c->route] && !strict_body_ok(c))
		return "accepted a body that a strict parse refuses";
	if (fz_snap_same(before, after))
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
	fz_snapshot(&after, &fz.cur, describe(c));
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
	if (!fz_snap_unchanged(&fz.cur, &after)) {
		fz_db_reset();
		fz_snapshot(&fz.cur, NULL, "the setup");
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
	conf_defaults(&fz.cfg);
	make_db();	/* and its [dkim] */
	snprintf(fz.cfg.wake_socket, sizeof(fz.cfg.wake_socket), "%s/wake",
		 fzdb.dir);
	/* a DKIM key activated unconfirmed is looked up: at loopback's
	 * discard port, where nothing answers (a second lost), never at
	 * the machine's resolver */
	snprintf(fz.cfg.dns.resolver, sizeof(fz.cfg.dns.resolver),
		 "127.0.0.1@9");
	fz.cfg.dns.timeout = 1;
	set_requests();
	for (size_t i = 0; i < NROUTES; i++)
		fz.body_limit[i] = api_body_limit(routes[i].method, fz.uri[i]);
	fz_snapshot(&fz.cur, NULL, "the setup");
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
