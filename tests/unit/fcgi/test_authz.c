/* SPDX-License-Identifier: ISC */
/*
 * test_authz.c - the authorization matrix: every route of api_routes[]
 * with every credential (operator, owner of project A, owner of B, a
 * read-only operator key, none, an expired key) against objects of
 * project A and of project B.  Each cell asserts the status; a refusal
 * must leave the database exactly as it was, and an owner's answer must
 * never carry the other project's names.  A route without a row fails the
 * test, so a new endpoint cannot go in unexamined.
 *
 * The rows are authz_rows.c's.
 *
 * A mailbox user (m@a.example, signed in with its mail password) is the
 * last column: it reaches /me and its session only, every other route
 * is 403 (a row's 0 there), whatever the project.
 *
 * Rows name their object with "{p}" (the project's letter, a or b), "{k}"
 * (the prefix of a spare API key of that project's owner) and "{i}" (the
 * id of an import job of that project); the B column of a row is its A
 * column with the two owners swapped.  A request is run as a worker runs
 * it: with the work it leaves once answered (an import); an upload's body
 * goes as text/csv.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "authz_rows.h"
#include "fcgi/api.h"
#include "../fixture.h"
#include "pwhash.h"
#include "secret.h"
#include "store_dkim.h"
#include "store_move.h"

enum actor { ADMIN, OWNER_A, OWNER_B, READ_ONLY, MAILBOX_A, NOBODY, EXPIRED,
	     NACTOR };
static const char *const actor_name[NACTOR] = {
	"admin", "owner A", "owner B", "read-only key", "mailbox user A",
	"no credentials", "expired key"
};

/* The seeded world: two projects alike, and the credentials. */
struct world {
	struct fixture *f;
	char token[NACTOR][SECRET_TOKEN_LEN + 1];
	char cookie[SESSION_TOKEN_HEX + 16];	/* the mailbox user's */
	char csrf[SESSION_TOKEN_HEX + 1];
	char spare_prefix[2][SECRET_PREFIX_HEX + 1];	/* of oa, ob */
};

static void
ok(int rc, const struct hk_err *err, const char *what)
{
	if (rc != 0)
		fail_msg("seeding %s: %s", what, err->message);
}

/* A finished import job of the project (ids 1 for a, 2 for b: "{i}"). */
static void
seed_job(struct world *w, const char *project, const char *login)
{
	struct hk_actor owner = { .via = "api" };
	struct import_job_in in = { "mailboxes", "", "utf-8", 0, 0, 0, "h:1",
				    1 };
	struct import_job_result res = { 0, 0, 0, 0, "[]", 0, NULL, -1 };
	char sql[96];
	struct hk_err err;
	json_t *obj = NULL;
	int64_t id;

	snprintf(sql, sizeof(sql), "SELECT id FROM project WHERE name = '%s'",
		 project);
	owner.project_id = fixture_int(w->f, sql);
	snprintf(owner.login, sizeof(owner.login), "%s", login);
	ok(store_import_job_add(w->f->db, &owner, &in, &id, &obj, &err), &err,
	   "import job");
	json_decref(obj);
	ok(store_import_job_finish(w->f->db, id, &res, &err), &err, "job end");
}

/* A live move of v{p}.example to the project's second guest (ids 1 for
 * a, 2 for b: "{i}"), waiting in its copy. */
static void
seed_move(struct world *w, char p, const char *to)
{
	char dom[32], from[8];
	struct move_in in = { dom, to, 0, 90, 1000 };
	struct hk_err err;
	json_t *obj = NULL;

	snprintf(dom, sizeof(dom), "v%c.example", p);
	snprintf(from, sizeof(from), "g%c", p);
	ok(store_domain_add(w->f->db, &w->f->admin, dom, from, &obj, &err),
	   &err, dom);
	json_decref(obj);
	ok(store_move_start(w->f->db, &w->f->admin, &in, &obj, &err), &err,
	   "move");
	json_decref(obj);
}

/* What the guest's report left: its figures, a sample, its mailbox's
 * usage and two open warnings (the guest's and the mailbox's), so that
 * an owner's capacity and warnings answers have the other project's
 * names to leak. */
static void
seed_report(struct world *w, const char *guest, const char *addr)
{
	static const char *const sql[] = {
		"INSERT INTO guest_report SELECT id, 1000, 1000, 5, 0.1, 0.1, "
		"0.1, '3.7', '2.3', 100, 90, 10, 100, 9, 91, 0, 150, 0, 0, 7200,"
		" 1, 9, 1 FROM guest WHERE name = $1",
		"INSERT INTO guest_sample SELECT id, 0, 1000, 100, 90, 100, 9, 0,"
		" 150, 0, 7200, 1, 9, 0.1 FROM guest WHERE name = $1",
		"INSERT INTO mailbox_usage SELECT m.id, 9, 1, 1000 FROM mailbox "
		"m JOIN domain d ON d.id = m.domain_id JOIN guest g ON g.id = "
		"d.guest_id WHERE g.name = $1",
		"INSERT INTO warning (guest_id, project_id, kind, object, value,"
		" threshold, started_at) SELECT id, project_id, 'queue_deferred',"
		" name, 150, 100, 1000 FROM guest WHERE name = $1",
		"INSERT INTO warning (guest_id, project_id, kind, object, value,"
		" threshold, started_at) SELECT id, project_id, 'mailbox_quota', "
		"$2, 95, 90, 1000 FROM guest WHERE name = $1",
	};
	struct db_param p[2] = { DB_TXT(guest), DB_TXT(addr) };
	struct hk_err err;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		ok(db_exec(w->f->db, sql[i], p, i == 4 ? 2 : 1, NULL, &err),
		   &err, "report");
}

/* The [dkim] every request has (request()). */
static void
dkim_conf(struct dkim_conf *dc)
{
	snprintf(dc->key_file, sizeof(dc->key_file), "/nonexistent/dkim.key");
	memset(dc->key, 0x5a, sizeof(dc->key));
}

/* The domain's keys: "act" active, "pend" pending (Ed25519: quick). */
static void
seed_dkim(struct db *db, const struct hk_actor *admin, const char *dom)
{
	struct dkim_new in = { "ed25519", -1, "act", 0 };
	struct hk_config cfg;
	struct hk_err err;
	json_t *obj = NULL;

	conf_defaults(&cfg);
	dkim_conf(&cfg.dkim);
	ok(store_dkim_create(db, admin, &cfg.dkim, dom, &in, &obj, &err), &err,
	   "dkim act");
	json_decref(obj);
	ok(store_dkim_activate(db, admin, &cfg.dkim, dom, "act", &obj, &err),
	   &err, "dkim activate");
	json_decref(obj);
	in.selector = "pend";
	ok(store_dkim_create(db, admin, &cfg.dkim, dom, &in, &obj, &err), &err,
	   "dkim pend");
	json_decref(obj);
}

static void
seed_project(struct world *w, char p, const char *hash)
{
	struct db *db = w->f->db;
	const struct hk_actor *admin = &w->f->admin;
	char name[32], guest[32], guest2[32], dom[32], addr[64], xdom[32];
	char login[8], spare[8], token[SECRET_TOKEN_LEN + 1];
	char body[SECRET_BODY_HEX + 1];
	struct guest_in g = { guest, name, "10.0.0.1", "root", HOST_KEY, 22,
			      NULL, NULL };
	struct mailbox_in m = { "m", dom, hash, "", -1, 1 };
	struct alias_in a = { "al", dom, addr, 1 };
	struct account_in acc = { spare, "owner", name, hash, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	snprintf(name, sizeof(name), "p%c", p);
	snprintf(guest, sizeof(guest), "g%c", p);
	snprintf(guest2, sizeof(guest2), "g%c2", p);
	snprintf(dom, sizeof(dom), "%c.example", p);
	snprintf(xdom, sizeof(xdom), "x%c.example", p);
	snprintf(addr, sizeof(addr), "m@%c.example", p);
	snprintf(login, sizeof(login), "o%c", p);
	snprintf(spare, sizeof(spare), "s%c", p);
	ok(store_project_add(db, admin, name, NULL, &err), &err, name);
	ok(store_guest_add(db, admin, &g, &obj, &err), &err, guest);
	json_decref(obj);
	g.name = guest2;
	ok(store_guest_add(db, admin, &g, &obj, &err), &err, guest2);
	json_decref(obj);
	ok(store_domain_add(db, admin, dom, guest, &obj, &err), &err, dom);
	json_decref(obj);
	ok(store_mailbox_add(db, admin, &m, &obj, &err), &err, addr);
	json_decref(obj);
	m.local_part = "t";
	ok(store_mailbox_add(db, admin, &m, &obj, &err), &err, "t");
	json_decref(obj);
	ok(store_mailbox_delete(db, admin, "t", dom, 86400, NULL, &err), &err,
	   "t");
	ok(store_alias_add(db, admin, &a, &obj, &err), &err, "alias");
	json_decref(obj);
	ok(store_aliasdomain_add(db, admin, xdom, dom, &obj, &err), &err,
	   xdom);
	json_decref(obj);
	ok(store_account_add(db, admin, &acc, &obj, &err), &err, spare);
	json_decref(obj);
	seed_dkim(db, admin, dom);
	seed_job(w, name, login);
	seed_move(w, p, guest2);
	seed_report(w, guest, addr);
	fixture_key(w->f, login, name, w->token[p == 'a' ? OWNER_A : OWNER_B],
		    sizeof(w->token[0]));
	fixture_key(w->f, login, name, token, sizeof(token));
	assert_int_equal(secret_split_token(token, w->spare_prefix[p - 'a'],
					    body), 0);
}

/* m@a.example signed in with its mail password. */
static void
mailbox_session(struct world *w)
{
	struct session_policy pol = { 3600, 3600, 1000, 1000, 60, 0, NULL,
				      NULL };
	struct session_login in = { "m@a.example", "long-enough-1", NULL,
				    "192.0.2.9" };
	struct session_new s;
	struct hk_actor a;
	struct hk_err err;

	ok(store_session_login(w->f->db, &pol, &in, &a, &s, &err), &err,
	   "mailbox session");
	snprintf(w->cookie, sizeof(w->cookie), "hk_session=%s", s.token);
	snprintf(w->csrf, sizeof(w->csrf), "%s", s.csrf);
}

static void
seed(struct world *w)
{
	struct db *db = w->f->db;
	char hash[PWHASH_MAX], sql[160];
	struct hk_err err;

	ok(pwhash_make("long-enough-1", hash, &err), &err, "hash");
	seed_project(w, 'a', hash);
	seed_project(w, 'b', hash);
	ok(store_project_add(db, &w->f->admin, "pe", NULL, &err), &err, "pe");
	fixture_key(w->f, "admin", NULL, w->token[ADMIN], sizeof(w->token[0]));
	ok(store_apikey_create(db, &w->f->admin, "admin", 1, 0,
			       w->token[READ_ONLY], sizeof(w->token[0]), &err),
	   &err, "read-only key");
	ok(store_apikey_create(db, &w->f->admin, "admin", 0,
			       (int64_t)time(NULL) + 3600, w->token[EXPIRED],
			       sizeof(w->token[0]), &err), &err, "expired key");
	snprintf(sql, sizeof(sql), "UPDATE api_key SET expires_at = 1 WHERE "
		 "prefix = '%.12s'", w->token[EXPIRED] + 3);
	ok(db_exec(db, sql, NULL, 0, NULL, &err), &err, "expiry");
	w->token[NOBODY][0] = '\0';
	mailbox_session(w);
}

static void
world_up(struct world *w)
{
	void *state = NULL;

	fixture_setup(&state);
	w->f = state;
	seed(w);
}

static void
world_down(struct world *w)
{
	void *state = w->f;

	fixture_teardown(&state);
	w->f = NULL;
}

/* Every table the API may write, in a fixed order, as one string; the
 * keys' last use is left out: authenticating notes it, to the minute. */
static char *
snapshot(struct fixture *f)
{
	static const char *const sql[] = {
		"SELECT * FROM project ORDER BY id",
		"SELECT * FROM account ORDER BY id",
		"SELECT id, account_id, prefix, secret_sha256, read_only, "
		"expires_at, revoked_at, created_at FROM api_key ORDER BY id",
		"SELECT * FROM guest ORDER BY id",
		"SELECT * FROM domain ORDER BY id",
		"SELECT * FROM mailbox ORDER BY id",
		"SELECT * FROM alias ORDER BY id",
		"SELECT * FROM alias_domain ORDER BY id",
		"SELECT * FROM audit ORDER BY id",
		"SELECT * FROM push ORDER BY 1",
		"SELECT * FROM import_job ORDER BY id",
		"SELECT * FROM domain_move ORDER BY id",
		"SELECT * FROM account_totp ORDER BY account_id",
		"SELECT * FROM mailbox_sieve ORDER BY mailbox_id",
		"SELECT * FROM account_recovery_code ORDER BY id",
		"SELECT * FROM dkim_key ORDER BY id",
	};
	json_t *all = json_array(), *rows_ = NULL;
	struct hk_err err;
	char *text;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (db_query_json(f->db, sql[i], NULL, 0, &rows_, &err) != 0)
			fail_msg("%s: %s", sql[i], err.message);
		json_array_append_new(all, rows_);
		rows_ = NULL;
	}
	text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(all);
	return text;
}

/* s with every "{p}" made the letter p and "{k}" the spare key prefix. */
static void
expand(const struct world *w, const char *s, char p, char *out,
       size_t len)
{
	size_t n = 0;

	for (; *s && n + SECRET_PREFIX_HEX + 1 < len; s++) {
		if (strncmp(s, "{p}", 3) == 0) {
			out[n++] = p;
			s += 2;
		} else if (strncmp(s, "{k}", 3) == 0) {
			n += (size_t)snprintf(out + n, len - n, "%s",
					      w->spare_prefix[p - 'a']);
			s += 2;
		} else if (strncmp(s, "{i}", 3) == 0) {
			out[n++] = (char)('1' + (p - 'a'));
			s += 2;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
}

/* One request; *text gets the answer's body (caller frees). */
static int
request(struct world *w, enum actor who, const char *method,
	const char *uri, const char *ctype, const char *body, char **text)
{
	struct hk_config cfg;
	char bearer[SECRET_TOKEN_LEN + 16];
	struct api_ctx ctx = { w->f->db, &cfg };
	struct http_req req = { .method = method, .uri = uri,
				.content_type = ctype ? ctype : "application/json",
				.body = body, .body_len = body ? strlen(body) : 0 };
	struct http_resp resp;
	json_t *body_json;

	conf_defaults(&cfg);
	/* every credential tries the wrong password of one login: the
	 * throttle (test_session.c) is not what this matrix checks */
	cfg.login_free = 1000;
	dkim_conf(&cfg.dkim);
	/* a DNS check asks loopback's discard port, where nothing answers,
	 * never a resolver of the machine's */
	snprintf(cfg.dns.resolver, sizeof(cfg.dns.resolver), "127.0.0.1@9");
	cfg.dns.timeout = 1;
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake",
		 w->f->dir[0] ? w->f->dir : "/nonexistent");
	if (who == MAILBOX_A) {
		req.cookie = w->cookie;
		req.csrf_token = w->csrf;
	} else if (who != NOBODY) {
		snprintf(bearer, sizeof(bearer), "Bearer %s", w->token[who]);
		req.authorization = bearer;
	}
	api_handle(&ctx, &req, &resp);
	body_json = http_resp_json(&resp);
	*text = body_json ? json_dumps(body_json, JSON_COMPACT) : NULL;
	json_decref(body_json);
	http_resp_run_after(&resp);
	http_resp_free(&resp);
	return resp.status;
}

/* Whether path (no query) fits a route pattern ("*": one segment). */
static int
fits(const char *pattern, const char *path)
{
	size_t pn, sn;

	for (;;) {
		pn = strcspn(pattern, "/");
		sn = strcspn(path, "/?");
		if (!(pn == 1 && *pattern == '*' && sn > 0) &&
		    !(pn == sn && strncmp(pattern, path, pn) == 0))
			return 0;
		pattern += pn;
		path += sn;
		if (*pattern == '\0')
			return *path == '\0' || *path == '?';
		if (*path != '/')
			return 0;
		pattern++;
		path++;
	}
}

/* The route a row exercises (test_every_route_has_a_row: there is one). */
static const struct api_route *
route_of(const struct row *r)
{
	const struct api_route *rt;

	for (rt = api_routes; rt->method; rt++)
		if (strcmp(r->method, rt->method) == 0 &&
		    fits(rt->pattern, r->path))
			return rt;
	fail_msg("row %s %s matches no route", r->method, r->path);
	return NULL;
}

/* What another project's owner must never read. */
static const char *const foreign[2][5] = {
	{ "b.example\"", "\"pb\"", "\"gb\"", "\"ob\"", "\"sb\"" },	/* A */
	{ "a.example\"", "\"pa\"", "\"ga\"", "\"oa\"", "\"sa\"" },	/* B */
};

static int
expected(const struct row *r, enum actor who, char p)
{
	if (route_of(r)->flags & R_OPEN)
		return r->want[ADMIN];
	if (who == NOBODY || who == EXPIRED)
		return 401;
	if (who == MAILBOX_A)
		return r->want[MAILBOX_A] ? r->want[MAILBOX_A] : 403;
	if (p == 'b' && who == OWNER_A)
		return r->want[OWNER_B];
	if (p == 'b' && who == OWNER_B)
		return r->want[OWNER_A];
	return r->want[who];
}

/* One cell; the world is made anew after a write that succeeded. */
static void
cell(struct world *w, const struct row *r, enum actor who, char p)
{
	char path[256], uri[300], body[512], *before, *after, *text = NULL;
	int want = expected(r, who, p), got;

	expand(w, r->path, p, path, sizeof(path));
	snprintf(uri, sizeof(uri), "/api/v1/%s", path);
	if (r->body)
		expand(w, r->body, p, body, sizeof(body));
	before = snapshot(w->f);
	got = request(w, who, r->method, uri, route_of(r)->flags & R_UPLOAD ?
		      "text/csv" : NULL, r->body ? body : NULL, &text);
	after = snapshot(w->f);
	if (got != want)
		fail_msg("%s %s as %s: %d, want %d: %s", r->method, uri,
			 actor_name[who], got, want, text ? text : "");
	if (got >= 400 && strcmp(before, after) != 0)
		fail_msg("%s %s as %s: refused with %d but the database "
			 "changed", r->method, uri, actor_name[who], got);
	if (got < 300 && strcmp(r->method, "GET") != 0 &&
	    strcmp(before, after) == 0)
		fail_msg("%s %s as %s: %d but nothing was written", r->method,
			 uri, actor_name[who], got);
	/* (a refusal may echo the name asked for; an answer may not
	 * carry more) */
	if ((who == OWNER_A || who == OWNER_B || who == MAILBOX_A) &&
	    got < 300 && text != NULL && !(route_of(r)->flags & R_OPEN))
		for (int i = 0; i < 5; i++)
			if (strstr(text, foreign[who == OWNER_B][i]))
				fail_msg("%s %s as %s shows %s: %s", r->method,
					 uri, actor_name[who],
					 foreign[who == OWNER_B][i], text);
	free(before);
	free(after);
	free(text);
	if (got < 300 && strcmp(r->method, "GET") != 0) {
		world_down(w);
		world_up(w);
	}
}

static int
has_project(const char *s)
{
	return strstr(s, "{p}") != NULL || strstr(s, "{k}") != NULL ||
	    strstr(s, "{i}") != NULL;
}

static void
test_matrix(void **state)
{
	struct world w;

	(void)state;
	world_up(&w);
	for (size_t i = 0; i < authz_nrows; i++) {
		const struct row *r = &authz_rows[i];
		int per_project = has_project(r->path) ||
		    (r->body && has_project(r->body));

		for (char p = 'a'; p <= (per_project ? 'b' : 'a'); p++)
			for (int who = 0; who < NACTOR; who++)
				cell(&w, r, (enum actor)who, p);
	}
	world_down(&w);
}

/* Every route has a row, and every row a route. */
static void
test_every_route_has_a_row(void **state)
{
	(void)state;
	for (const struct api_route *rt = api_routes; rt->method; rt++) {
		size_t i;

		for (i = 0; i < authz_nrows; i++)
			if (strcmp(authz_rows[i].method, rt->method) == 0 &&
			    fits(rt->pattern, authz_rows[i].path))
				break;
		if (i == authz_nrows)
			fail_msg("route %s %s has no row in the authorization "
				 "matrix", rt->method, rt->pattern);
	}
	for (size_t i = 0; i < authz_nrows; i++)
		route_of(&authz_rows[i]);
}

/* A method a path does not take is 405 for the operator (with Allow),
 * and 401 to a stranger, who learns nothing about the path. */
static void
test_other_methods(void **state)
{
	static const char *const methods[] = { "GET", "POST", "PATCH",
					       "DELETE", "PUT" };
	struct world w;

	(void)state;
	world_up(&w);
	for (size_t i = 0; i < authz_nrows; i++) {
		char path[256], uri[300], *text = NULL;

		expand(&w, authz_rows[i].path, 'a', path, sizeof(path));
		path[strcspn(path, "?")] = '\0';
		snprintf(uri, sizeof(uri), "/api/v1/%s", path);
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]);
		     m++) {
			const struct api_route *rt;
			char *before = snapshot(w.f);

			for (rt = api_routes; rt->method; rt++)
				if (strcmp(rt->method, methods[m]) == 0 &&
				    fits(rt->pattern, path))
					break;
			if (rt->method != NULL) {
				free(before);
				continue;
			}
			assert_int_equal(request(&w, ADMIN, methods[m], uri,
						 NULL, NULL, &text), 405);
			free(text);
			assert_int_equal(request(&w, NOBODY, methods[m], uri,
						 NULL, NULL, &text), 401);
			free(text);
			text = snapshot(w.f);
			assert_string_equal(before, text);
			free(text);
			free(before);
		}
	}
	world_down(&w);
}

/* An owner naming an account it may not see (an operator, another
 * project's owner, another owner of its own project) gets the answer a
 * login that does not exist gets, byte for byte, and nothing is
 * written. */
static void
test_names_do_not_leak(void **state)
{
	static const char *const logins[] = { "admin", "ob", "sb", "sa" };
	char body[96], *before, *after, *ghost = NULL, *text = NULL;
	struct world w;

	(void)state;
	world_up(&w);
	before = snapshot(w.f);
	assert_int_equal(request(&w, OWNER_A, "POST", "/api/v1/api-keys",
				 NULL, "{\"login\":\"nosuch\"}", &ghost), 404);
	assert_non_null(ghost);
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		snprintf(body, sizeof(body), "{\"login\":\"%s\"}", logins[i]);
		assert_int_equal(request(&w, OWNER_A, "POST",
					 "/api/v1/api-keys", NULL, body,
					 &text), 404);
		if (text == NULL || strcmp(text, ghost) != 0)
			fail_msg("login %s: %s, but one that does not exist: "
				 "%s", logins[i], text ? text : "", ghost);
		free(text);
		text = NULL;
	}
	after = snapshot(w.f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(ghost);
	world_down(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_has_a_row),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_other_methods),
		cmocka_unit_test(test_names_do_not_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
