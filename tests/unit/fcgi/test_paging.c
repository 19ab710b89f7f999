/* SPDX-License-Identifier: ISC */
/* test_paging.c - keyset pages of a domain's mailboxes and fetching one by
 * address, through the store and through api_handle(): every mailbox
 * exactly once and in order, the filters, the refusals with their field
 * named, and another project's objects answered like missing ones. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fcgi/api.h"
#include "digest.h"
#include "../fixture.h"
#include "secret.h"

#define NSEED	2345
/* Wildcards of LIKE and its escape character stand in local parts too. */
static const char *const specials[] = { "a_b", "axb", "a.b", "a+b", "a-b" };
#define NSPECIAL	(sizeof(specials) / sizeof(specials[0]))
#define NALL		(NSEED + (int)NSPECIAL)

struct entry {
	char name[16];
	int active;
};

struct paging {
	struct fixture *f;
	struct entry e[NALL];	/* every mailbox, sorted after seeding */
	char *sorted[NALL];	/* their local parts, in byte order */
	struct hk_actor stranger;	/* owner of project "other" */
	char token[256], stranger_token[256];
	struct hk_config cfg;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

/* The names go in unpadded ("u10" < "u2") and not in order, so that only
 * the ORDER BY can sort them. */
static void
seed(struct paging *pg)
{
	struct db *db = pg->f->db;
	struct hk_err err;
	int64_t dom;
	struct db_param p[4];

	assert_int_equal(db_query_int(db, "SELECT id FROM domain WHERE name ="
				      " 'pc1.example'", NULL, 0, &dom, &err), 0);
	assert_int_equal(db_begin(db, 1, &err), 0);
	for (int i = 0; i < NALL; i++) {
		int k = (i * 7919) % NALL;	/* a permutation: 7919 is prime */

		struct entry *e = &pg->e[i];

		if (k < NSEED)
			snprintf(e->name, sizeof(e->name), "u%d", k);
		else
			snprintf(e->name, sizeof(e->name), "%s",
				 specials[k - NSEED]);
		e->active = k % 7 != 0;
		p[0] = DB_INTV(dom);
		p[1] = DB_TXT(e->name);
		p[2] = DB_TXT("{SHA512-CRYPT}$6$abcdefgh$xyz");
		p[3] = DB_INTV(e->active);
		assert_int_equal(db_exec(db, "INSERT INTO mailbox (domain_id, "
			"local_part, password_hash, active, created_at, "
			"updated_at) VALUES ($1, $2, $3, $4, 0, 0)", p, 4, NULL,
			&err), 0);
	}
	assert_int_equal(db_commit(db, &err), 0);
	qsort(pg->e, NALL, sizeof(pg->e[0]), by_name);
	for (int i = 0; i < NALL; i++)
		pg->sorted[i] = pg->e[i].name;
}

/* A key of an owner of project `project` (the store makes only operator
 * keys): the same rows the store would write. */
static int
setup(void **state)
{
	struct paging *pg = calloc(1, sizeof(*pg));
	struct hk_err err;
	json_t *obj = NULL;
	int64_t other;

	assert_non_null(pg);
	fixture_setup(state);
	pg->f = *state;
	conf_defaults(&pg->cfg);
	snprintf(pg->cfg.wake_socket, sizeof(pg->cfg.wake_socket), "%s/wake",
		 pg->f->dir);
	assert_int_equal(store_domain_add(pg->f->db, &pg->f->admin,
					  "pc1.example", "g1", &obj, &err), 0);
	json_decref(obj);
	seed(pg);
	assert_int_equal(store_project_add(pg->f->db, &pg->f->admin, "other",
					   NULL, &err), 0);
	assert_int_equal(store_project_id(pg->f->db, "other", &other, &err),
			 0);
	pg->stranger.project_id = other;
	fixture_key(pg->f, "admin", NULL, pg->token, sizeof(pg->token));
	fixture_key(pg->f, "stranger", "other", pg->stranger_token,
		    sizeof(pg->stranger_token));
	*state = pg;
	return 0;
}

static int
teardown(void **state)
{
	struct paging *pg = *state;

	*state = pg->f;
	free(pg);
	return fixture_teardown(state);
}

/* One store page; returns its size, appends its local parts to got. */
static size_t
page(struct paging *pg, struct page_in *in, char next[PAGE_CURSOR_MAX + 1],
     const char **got, size_t ngot)
{
	struct hk_err err;
	json_t *items = NULL, *it;
	size_t i;

	if (store_mailbox_list(pg->f->db, &pg->f->admin, in, &items, next,
			       &err) != 0)
		fail_msg("store_mailbox_list: %s", err.message);
	json_array_foreach(items, i, it) {
		const char *lp = json_string_value(json_object_get(it,
								   "local_part"));

		assert_non_null(lp);
		assert_true(json_is_boolean(json_object_get(it, "active")));
		assert_null(json_object_get(it, "password_hash"));
		assert_true(ngot + i < NALL);
		got[ngot + i] = strdup(lp);
	}
	i = json_array_size(items);
	json_decref(items);
	return i;
}

/* Walks every page of `in` and checks the result against want[0..nwant). */
static void
walk(struct paging *pg, struct page_in in, char *const *want, size_t nwant)
{
	const char *got[NALL];
	char next[PAGE_CURSOR_MAX + 1], after[PAGE_CURSOR_MAX + 1];
	size_t n = 0, pages = 0, k;

	in.after = NULL;
	do {
		k = page(pg, &in, next, got, n);
		assert_true(k <= (size_t)in.limit);
		/* a cursor only after a full page: no empty last page */
		if (next[0] != '\0') {
			assert_int_equal(k, in.limit);
			assert_string_equal(next, got[n + k - 1]);
		}
		n += k;
		pages++;
		snprintf(after, sizeof(after), "%s", next);
		in.after = after;
	} while (next[0] != '\0');
	assert_int_equal(n, nwant);
	assert_int_equal(pages, nwant == 0 ? 1 :
			 (nwant + (size_t)in.limit - 1) / (size_t)in.limit);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(got[i], want[i]);
		free((char *)got[i]);
	}
}

static void
test_walk_all(void **state)
{
	struct paging *pg = *state;
	struct page_in in = { "pc1.example", NULL, 100, NULL, -1, 0 };
	char next[PAGE_CURSOR_MAX + 1];
	const char *one[1];

	walk(pg, in, pg->sorted, NALL);
	in.limit = 50;		/* divides NALL: the last page is full */
	walk(pg, in, pg->sorted, NALL);
	in.limit = 1;
	walk(pg, in, pg->sorted, NALL);
	in.limit = PAGE_LIMIT_MAX;
	walk(pg, in, pg->sorted, NALL);
	/* after the last one: an empty page and no cursor */
	in.after = pg->sorted[NALL - 1];
	assert_int_equal(page(pg, &in, next, one, 0), 0);
	assert_string_equal(next, "");
	/* a cursor need not exist: it is a position, not a row */
	in.after = "u5000";
	in.limit = 1;
	assert_int_equal(page(pg, &in, next, one, 0), 1);
	assert_string_equal(one[0], "u501");
	assert_string_equal(next, "u501");
	free((char *)one[0]);
}

/* want = the sorted names passing the filter. */
static size_t
filtered(struct paging *pg, const char *search, int active, char **want)
{
	size_t n = 0;

	for (int i = 0; i < NALL; i++) {
		struct entry *e = &pg->e[i];

		if ((search == NULL || strstr(e->name, search) != NULL) &&
		    (active < 0 || e->active == active))
			want[n++] = e->name;
	}
	return n;
}

static void
test_filters(void **state)
{
	struct paging *pg = *state;
	static const struct { const char *search; int active; } c[] = {
		{ "a_b", -1 }, { "_", -1 }, { ".", -1 }, { "+", -1 },
		{ "u12", -1 }, { "u1", 0 }, { NULL, 0 }, { NULL, 1 },
		{ "zzz", -1 }, { "5", 1 },
	};
	char *want[NALL];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct page_in in = { "pc1.example", NULL, 7, c[i].search,
				      c[i].active, 0 };
		size_t n = filtered(pg, c[i].search, c[i].active, want);

		walk(pg, in, want, n);
	}
	assert_int_equal(filtered(pg, "_", -1, want), 1);	/* a_b only */
}

static void
test_refusals(void **state)
{
	struct paging *pg = *state;
	static const struct { int limit, active; const char *field; } c[] = {
		{ 0, -1, "limit" }, { PAGE_LIMIT_MAX + 1, -1, "limit" },
		{ -5, -1, "limit" }, { 10, 2, "active" },
	};
	struct hk_err err;
	char next[PAGE_CURSOR_MAX + 1];
	json_t *items = NULL;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct page_in in = { "pc1.example", NULL, c[i].limit, NULL,
				      c[i].active, 0 };

		assert_int_equal(store_mailbox_list(pg->f->db, &pg->f->admin,
						    &in, &items, next, &err), -1);
		assert_int_equal(err.code, HK_EINVAL);
		assert_string_equal(err.field, c[i].field);
		assert_null(items);
	}
}

static void
test_scope(void **state)
{
	struct paging *pg = *state;
	struct page_in in = { "pc1.example", NULL, 10, NULL, -1, 0 };
	struct hk_actor owner = { .project_id = 1 };
	char next[PAGE_CURSOR_MAX + 1];
	struct hk_err err;
	json_t *obj = NULL;

	assert_int_equal(store_project_id(pg->f->db, "lab", &owner.project_id,
					  &err), 0);
	assert_int_equal(store_mailbox_list(pg->f->db, &owner, &in, &obj,
					    next, &err), 0);
	assert_int_equal(json_array_size(obj), 10);
	json_decref(obj);
	obj = NULL;
	assert_int_equal(store_mailbox_list(pg->f->db, &pg->stranger, &in,
					    &obj, next, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_null(obj);

	assert_int_equal(store_mailbox_get(pg->f->db, &owner, "a_b",
					   "pc1.example", &obj, &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "address")),
			    "a_b@pc1.example");
	assert_true(json_is_boolean(json_object_get(obj, "active")));
	assert_null(json_object_get(obj, "password_hash"));
	json_decref(obj);
	obj = NULL;
	assert_int_equal(store_mailbox_get(pg->f->db, &pg->stranger, "a_b",
					   "pc1.example", &obj, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_string_equal(err.field, "address");
	assert_int_equal(store_mailbox_get(pg->f->db, &owner, "axxb",
					   "pc1.example", &obj, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_string_equal(err.field, "address");
	assert_null(obj);
}

/* GET uri as the operator (or with token); *body (may be NULL) gets the
 * response body. */
static int
get(struct paging *pg, const char *uri, const char *token, json_t **body)
{
	char bearer[300];
	struct api_ctx ctx = { pg->f->db, &pg->cfg };
	struct http_req req = { .method = "GET", .uri = uri,
				.authorization = bearer };
	struct http_resp resp;

	snprintf(bearer, sizeof(bearer), "Bearer %s",
		 token ? token : pg->token);
	api_handle(&ctx, &req, &resp);
	if (body != NULL)
		*body = http_resp_json(&resp);
	http_resp_free(&resp);
	return resp.status;
}

static const char *
error_field(json_t *body)
{
	const char *f = json_string_value(json_object_get(json_object_get(
		body, "error"), "field"));

	return f ? f : "(none)";
}

static void
test_api_refusals(void **state)
{
	struct paging *pg = *state;
	static const struct { const char *query, *field; } c[] = {
		{ "limit=0", "limit" }, { "limit=1001", "limit" },
		{ "limit=abc", "limit" }, { "limit=-1", "limit" },
		{ "limit=1e2", "limit" }, { "limit=+5", "limit" },
		{ "limit=%2010", "limit" }, { "limit=", "limit" },
		{ "limit", "limit" }, { "limit=99999999999999999999", "limit" },
		{ "limit=5&limit=6", "limit" }, { "foo=1", "foo" },
		{ "limit=5&x=", "x" }, { "&", "query" }, { "limit=5&", "query" },
		{ "%6Cimit=5", "query" }, { "LIMIT=5", "query" },
		{ "cursor=a..b", "cursor" }, { "cursor=a%0Ab", "cursor" },
		{ "cursor=a%00b", "cursor" }, { "cursor=a%zz", "cursor" },
		{ "cursor=a%4", "cursor" }, { "cursor=a:b", "cursor" },
		{ "cursor=%ff", "cursor" }, { "q=a%0Ab", "q" }, { "q=%ff", "q" },
		{ "q=a%7F", "q" }, { "q=a%C2%85", "q" }, { "active=yes", "active" },
		{ "active=1", "active" }, { "active=true&active=false", "active" },
	};
	char uri[256];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t *body = NULL;
		int st;

		snprintf(uri, sizeof(uri), "/api/v1/domains/pc1.example/"
			 "mailboxes?%s", c[i].query);
		st = get(pg, uri, NULL, &body);
		if (st != 400 || strcmp(error_field(body), c[i].field) != 0)
			fail_msg("?%s: status %d field %s, want 400 %s",
				 c[i].query, st, error_field(body), c[i].field);
		json_decref(body);
	}
	assert_int_equal(get(pg, "/api/v1/mailboxes/a_b@pc1.example?x=1",
			     NULL, NULL), 400);
}

/* Follows next_cursor through the API; returns the number of items. */
static size_t
api_walk(struct paging *pg, const char *query, char **want)
{
	char uri[512], cursor[PAGE_CURSOR_MAX + 1] = "";
	size_t n = 0;

	for (;;) {
		json_t *body = NULL, *it, *next;
		size_t i;

		snprintf(uri, sizeof(uri), "/api/v1/domains/PC1.example/"
			 "mailboxes?%s%s%s", query, cursor[0] ? "&cursor=" :
			 "", cursor);
		assert_int_equal(get(pg, uri, NULL, &body), 200);
		json_array_foreach(json_object_get(body, "items"), i, it)
			assert_string_equal(json_string_value(json_object_get(
				it, "local_part")), want[n++]);
		next = json_object_get(body, "next_cursor");
		assert_true(json_is_null(next) || json_is_string(next));
		if (json_is_null(next)) {
			json_decref(body);
			return n;
		}
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		json_decref(body);
	}
}

static void
test_api_pages(void **state)
{
	struct paging *pg = *state;
	char *want[NALL];
	json_t *body = NULL;

	/* the default limit is 100 */
	assert_int_equal(get(pg, "/api/v1/domains/pc1.example/mailboxes",
			     NULL, &body), 200);
	assert_int_equal(json_array_size(json_object_get(body, "items")),
			 PAGE_LIMIT_DEFAULT);
	json_decref(body);
	assert_int_equal(api_walk(pg, "limit=1000", pg->sorted), NALL);
	assert_int_equal(api_walk(pg, "q=A_B&limit=1", want),
			 filtered(pg, "a_b", -1, want));
	assert_int_equal(api_walk(pg, "active=false&limit=33&q=u2", want),
			 filtered(pg, "u2", 0, want));
	/* '+' is itself, not a space; %2B is the same */
	assert_int_equal(api_walk(pg, "q=a+b", want),
			 filtered(pg, "a+b", -1, want));
	assert_int_equal(api_walk(pg, "q=a%2Bb&active=true", want),
			 filtered(pg, "a+b", 1, want));
	assert_int_equal(get(pg, "/api/v1/domains/pc1.example/mailboxes?"
			     "cursor=zzz", NULL, &body), 200);
	assert_int_equal(json_array_size(json_object_get(body, "items")), 0);
	assert_true(json_is_null(json_object_get(body, "next_cursor")));
	json_decref(body);
}

/* The local parts a search through the API finds, in order, joined by
 * spaces. */
static char *
found(struct paging *pg, const char *q, char *out, size_t size)
{
	char uri[256];
	json_t *body = NULL, *it;
	size_t i, len = 0;

	snprintf(uri, sizeof(uri), "/api/v1/domains/pc1.example/mailboxes?"
		 "limit=1000&q=%s", q);
	out[0] = '\0';
	assert_int_equal(get(pg, uri, NULL, &body), 200);
	json_array_foreach(json_object_get(body, "items"), i, it)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					len ? " " : "", json_string_value(
					json_object_get(it, "local_part")));
	json_decref(body);
	return out;
}

/* A search finds display names too: in Japanese, ASCII whatever its
 * case, LIKE's own characters as themselves; through the API and through
 * the store (the CLI's door). */
static void
test_search_names(void **state)
{
	struct paging *pg = *state;
	static const char *const names[][2] = {
		{ "u1", "松本 太郎" }, { "u2", "Matsumoto Jiro" },
		{ "u3", "100% sure_x" },
	};
	struct page_in page = { "pc1.example", NULL, 100, "松本", -1, 0 };
	char buf[512], next[PAGE_CURSOR_MAX + 1];
	struct hk_err err;
	json_t *items = NULL;

	for (size_t i = 0; i < 3; i++) {
		struct db_param p[2] = { DB_TXT(names[i][1]),
					 DB_TXT(names[i][0]) };

		assert_int_equal(db_exec(pg->f->db, "UPDATE mailbox SET name ="
					 " $1 WHERE local_part = $2", p, 2,
					 NULL, &err), 0);
	}
	assert_string_equal(found(pg, "%E6%9D%BE%E6%9C%AC", buf,
				  sizeof(buf)), "u1");
	assert_string_equal(found(pg, "%E5%A4%AA%E9%83%8E", buf,
				  sizeof(buf)), "u1");
	assert_string_equal(found(pg, "MATSUMOTO", buf, sizeof(buf)), "u2");
	assert_string_equal(found(pg, "matsumoto%20jiro", buf, sizeof(buf)),
			    "u2");
	assert_string_equal(found(pg, "100%25", buf, sizeof(buf)), "u3");
	assert_string_equal(found(pg, "e_x", buf, sizeof(buf)), "u3");
	assert_string_equal(found(pg, "%E3%81%82", buf, sizeof(buf)), "");
	/* the local parts still match as before, names or not */
	assert_string_equal(found(pg, "u233", buf, sizeof(buf)),
			    "u233 u2330 u2331 u2332 u2333 u2334 u2335 u2336 "
			    "u2337 u2338 u2339");
	assert_int_equal(store_mailbox_list(pg->f->db, &pg->f->admin, &page,
					    &items, next, &err), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(items, 0), "local_part")), "u1");
	json_decref(items);
	page.search = "MATSU";
	assert_int_equal(store_mailbox_list(pg->f->db, &pg->f->admin, &page,
					    &items, next, &err), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
}

static void
test_api_get_and_scope(void **state)
{
	struct paging *pg = *state;
	static const char *const missing[] = {
		"/api/v1/mailboxes/nosuch@pc1.example",
		"/api/v1/mailboxes/a..b@pc1.example",
		"/api/v1/mailboxes/noat",
		"/api/v1/mailboxes/a_b@nosuch.example",
		"/api/v1/mailboxes/a_b@bad_domain",
	};
	json_t *body = NULL, *theirs = NULL, *none = NULL;

	assert_int_equal(get(pg, "/api/v1/mailboxes/A_B%40PC1.example", NULL,
			     &body), 200);
	assert_string_equal(json_string_value(json_object_get(body,
		"address")), "a_b@pc1.example");
	json_decref(body);
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		assert_int_equal(get(pg, missing[i], NULL, &body), 404);
		assert_string_equal(error_field(body), "address");
		json_decref(body);
	}
	/* another project's mailbox and domain look exactly like none */
	assert_int_equal(get(pg, "/api/v1/mailboxes/a_b@pc1.example",
			     pg->stranger_token, &theirs), 404);
	assert_int_equal(get(pg, "/api/v1/mailboxes/nosuch@pc1.example",
			     pg->stranger_token, &none), 404);
	assert_true(json_equal(theirs, none));
	json_decref(theirs);
	json_decref(none);
	assert_int_equal(get(pg, "/api/v1/domains/pc1.example/mailboxes",
			     pg->stranger_token, &body), 404);
	assert_string_equal(error_field(body), "domain");
	json_decref(body);
	assert_int_equal(get(pg, "/api/v1/domains/pc1.example/mailboxes",
			     pg->token, NULL), 200);
}

/* Usage as a guest's report would leave it: u0..u9 reported (u3 and u7
 * alike, so the local part breaks the tie), the rest never. */
static void
seed_usage(struct paging *pg)
{
	static const int64_t used[10] = { 50, 900, 10, 400, 0, 70, 20, 400,
					  5, 600 };
	struct hk_err err;

	for (int i = 0; i < 10; i++) {
		char lp[16];
		struct db_param p[2];

		snprintf(lp, sizeof(lp), "u%d", i);
		p[0] = DB_INTV(used[i]);
		p[1] = DB_TXT(lp);
		assert_int_equal(db_exec(pg->f->db, "INSERT INTO mailbox_usage "
			"(mailbox_id, used_bytes, messages, at) SELECT id, $1, "
			"2, 777 FROM mailbox WHERE local_part = $2", p, 2, NULL,
			&err), 0);
	}
}

static void
test_api_sort_by_usage(void **state)
{
	struct paging *pg = *state;
	static const char *const want[] = { "u1", "u9", "u3", "u7", "u5",
					    "u0", "u6", "u2", "u8", "u4" };
	char uri[512];
	const char *cursor = NULL;
	json_t *body = NULL, *it;
	size_t n = 0, i;

	seed_usage(pg);
	do {
		snprintf(uri, sizeof(uri), "/api/v1/domains/pc1.example/"
			 "mailboxes?sort=used_bytes&limit=5%s%s",
			 cursor ? "&cursor=" : "", cursor ? cursor : "");
		json_t *prev = body;

		assert_int_equal(get(pg, uri, NULL, &body), 200);
		json_decref(prev);
		json_array_foreach(json_object_get(body, "items"), i, it) {
			assert_true(n < 10);
			assert_string_equal(json_string_value(json_object_get(
				it, "local_part")), want[n]);
			assert_int_equal(json_integer_value(json_object_get(
				it, "usage_at")), 777);
			n++;
		}
		cursor = json_string_value(json_object_get(body,
							   "next_cursor"));
	} while (n < 10 && cursor != NULL);
	assert_int_equal(n, 10);
	/* after u4 (0 bytes), the never-reported, by local part */
	assert_string_equal(cursor, "0:u4");
	snprintf(uri, sizeof(uri), "/api/v1/domains/pc1.example/mailboxes?"
		 "sort=used_bytes&limit=2&cursor=0:u4");
	json_decref(body);
	assert_int_equal(get(pg, uri, NULL, &body), 200);
	it = json_array_get(json_object_get(body, "items"), 0);
	assert_true(json_is_null(json_object_get(it, "used_bytes")));
	assert_string_equal(json_string_value(json_object_get(it,
		"local_part")), "a+b");
	assert_string_equal(json_string_value(json_object_get(body,
		"next_cursor")), "-1:a-b");
	json_decref(body);
	/* a mailbox object carries its usage too */
	assert_int_equal(get(pg, "/api/v1/mailboxes/u9@pc1.example", NULL,
			     &body), 200);
	assert_int_equal(json_integer_value(json_object_get(body,
		"used_bytes")), 600);
	assert_int_equal(json_integer_value(json_object_get(body,
		"messages")), 2);
	json_decref(body);
	for (const char *const *bad = (const char *const []){
	     "sort=size", "sort=used_bytes&cursor=u4", "sort=used_bytes&"
	     "cursor=-2:u4", "sort=used_bytes&cursor=x:u4", "sort=used_bytes&"
	     "cursor=5:A..B", NULL }; *bad; bad++) {
		snprintf(uri, sizeof(uri), "/api/v1/domains/pc1.example/"
			 "mailboxes?%s", *bad);
		assert_int_equal(get(pg, uri, NULL, &body), 400);
		assert_string_equal(error_field(body), strstr(*bad, "cursor")
				    ? "cursor" : "sort");
		json_decref(body);
	}
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_walk_all), T(test_filters), T(test_refusals),
		T(test_scope), T(test_api_refusals), T(test_api_pages),
		T(test_api_get_and_scope), T(test_search_names),
		T(test_api_sort_by_usage),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
