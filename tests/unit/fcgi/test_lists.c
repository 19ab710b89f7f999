/* SPDX-License-Identifier: ISC */
/*
 * test_lists.c - every listing of the API pages by keyset: walked a page
 * at a time (limit 1 and 2) it yields exactly the whole listing, in the
 * order of its key, each item once; q keeps the items whose key holds the
 * fragment, active and domain filter; a cursor that is not a key of the
 * listing is refused naming "cursor".
 */
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
#include "../fixture.h"

static struct hk_config cfg;
static char token[256];		/* the operator's, made by seed() */

struct listing {
	const char *path;	/* below /api/v1/ */
	const char *key;	/* the member the listing is sorted by */
	const char *search;	/* a q that keeps some but not all */
	const char *filter;	/* a filter that keeps some but not all */
	const char *bad_cursor;
};

static const struct listing listings[] = {
	{ "domains", "name", "b", "active=false", "a..b" },
	{ "domains/d1.example/mailboxes", "local_part", "m", "active=false",
	  "a..b" },
	{ "domains/d1.example/aliases", "address", "al", "active=false",
	  "nosuch" },
	{ "alias-domains", "name", "x1", "domain=d3.example", "-x" },
	{ "guests", "name", "g2", NULL, "G1" },
	{ "projects", "name", "p", NULL, "a b" },
	{ "accounts", "login", "o", "active=false", "A" },
	{ "api-keys", "prefix", NULL, NULL, "xyz" },
};

static int
get(struct fixture *f, const char *uri, json_t **body)
{
	char bearer[300];
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = "GET", .uri = uri,
				.authorization = bearer };
	struct http_resp resp;

	snprintf(bearer, sizeof(bearer), "Bearer %s", token);
	api_handle(&ctx, &req, &resp);
	*body = http_resp_json(&resp);
	http_resp_free(&resp);
	return resp.status;
}

static void
ok(int rc, const struct hk_err *err)
{
	if (rc != 0)
		fail_msg("seeding: %s", err->message);
}

static void
seed(struct fixture *f)
{
	const struct hk_actor *a = &f->admin;
	struct mailbox_in m = { NULL, "d1.example", "{SHA512-CRYPT}$6$x$y", "",
				-1, 1 };
	struct alias_in al = { NULL, "d1.example", "m1@d1.example", 1 };
	struct guest_in g = { "g2", "lab", "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct account_in acc = { NULL, "owner", "lab", NULL, 0 };
	static const char *const locals[] = { "m1", "m2", "zed", "m_3",
					      "a.b", "m-4" };
	static const char *const aliases[] = { "", "al1", "al2", "0x",
					       "al.z" };
	static const char *const logins[] = { "o1", "o2", "x1", "o_3" };
	char key[256];
	struct hk_err err;
	json_t *obj = NULL;

	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake",
		 f->dir[0] ? f->dir : "/nonexistent");
	fixture_key(f, "admin", NULL, token, sizeof(token));
	ok(store_project_add(f->db, a, "p2", NULL, &err), &err);
	ok(store_project_add(f->db, a, "q3", NULL, &err), &err);
	ok(store_guest_add(f->db, a, &g, &obj, &err), &err);
	json_decref(obj);
	g.name = "g3";
	ok(store_guest_add(f->db, a, &g, &obj, &err), &err);
	json_decref(obj);
	for (int i = 1; i <= 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s%d.example", i % 2 ? "d" : "b",
			 i);
		ok(store_domain_add(f->db, a, name, i % 2 ? "g1" : "g2", &obj,
				    &err), &err);
		json_decref(obj);
	}
	ok(store_domain_active(f->db, a, "b2.example", 0, &err), &err);
	for (size_t i = 0; i < sizeof(locals) / sizeof(locals[0]); i++) {
		m.local_part = locals[i];
		m.active = i % 3 != 0;
		ok(store_mailbox_add(f->db, a, &m, &obj, &err), &err);
		json_decref(obj);
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		al.local_part = aliases[i];
		al.active = i != 2;
		ok(store_alias_add(f->db, a, &al, &obj, &err), &err);
		json_decref(obj);
	}
	ok(store_aliasdomain_add(f->db, a, "x1.example", "d1.example", &obj,
				 &err), &err);
	json_decref(obj);
	ok(store_aliasdomain_add(f->db, a, "x2.example", "d3.example", &obj,
				 &err), &err);
	json_decref(obj);
	ok(store_aliasdomain_add(f->db, a, "y2.example", "d3.example", &obj,
				 &err), &err);
	json_decref(obj);
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		acc.login = logins[i];
		ok(store_account_add(f->db, a, &acc, &obj, &err), &err);
		json_decref(obj);
		fixture_key(f, logins[i], "lab", key, sizeof(key));
	}
	ok(store_account_disable(f->db, a, "o2", 1, &err), &err);
}

/* The items of one GET (which must answer 200). */
static json_t *
items_of(struct fixture *f, const char *path, const char *query,
	 char *next, size_t nextlen)
{
	char uri[512];
	json_t *body = NULL, *items;
	const char *nc;
	int st;

	snprintf(uri, sizeof(uri), "/api/v1/%s%s%s", path, query ? "?" : "",
		 query ? query : "");
	if ((st = get(f, uri, &body)) != 200)
		fail_msg("GET %s: %d", uri, st);
	items = json_incref(json_object_get(body, "items"));
	nc = json_string_value(json_object_get(body, "next_cursor"));
	if (next != NULL)
		snprintf(next, nextlen, "%s", nc ? nc : "");
	json_decref(body);
	return items;
}

/* Every page of limit items, joined; each page but the last is full. */
static json_t *
walk(struct fixture *f, const struct listing *l, int limit,
     const char *filter)
{
	char query[512], next[400] = "";
	json_t *all = json_array();

	do {
		json_t *page;

		snprintf(query, sizeof(query), "limit=%d%s%s%s%s", limit,
			 next[0] ? "&cursor=" : "", next, filter ? "&" : "",
			 filter ? filter : "");
		page = items_of(f, l->path, query, next, sizeof(next));
		if (next[0] && json_array_size(page) != (size_t)limit)
			fail_msg("%s: a page of %zu before the end", l->path,
				 json_array_size(page));
		json_array_extend(all, page);
		json_decref(page);
	} while (next[0]);
	return all;
}

static void
same(const char *what, json_t *a, json_t *b)
{
	char *sa = json_dumps(a, JSON_COMPACT), *sb = json_dumps(b, JSON_COMPACT);

	if (strcmp(sa, sb) != 0)
		fail_msg("%s:\n  %s\nvs\n  %s", what, sa, sb);
	free(sa);
	free(sb);
}

/* Keys strictly ascending (each item once), in the backend's order of the
 * listing: the same order the database gives the whole listing. */
static void
check_order(const struct listing *l, json_t *items)
{
	for (size_t i = 1; i < json_array_size(items); i++) {
		const char *a = json_string_value(json_object_get(
			json_array_get(items, i - 1), l->key));
		const char *b = json_string_value(json_object_get(
			json_array_get(items, i), l->key));

		if (a == NULL || b == NULL || strcmp(a, b) == 0)
			fail_msg("%s: item %zu repeats or lacks %s", l->path, i,
				 l->key);
	}
}

static void
check_listing(struct fixture *f, const struct listing *l)
{
	json_t *whole = items_of(f, l->path, "limit=1000", NULL, 0), *w, *fl;
	char uri[512];
	json_t *body = NULL;
	int st;

	if (json_array_size(whole) < 3)
		fail_msg("%s: seeded only %zu", l->path,
			 json_array_size(whole));
	check_order(l, whole);
	for (int limit = 1; limit <= 2; limit++) {
		w = walk(f, l, limit, NULL);
		same(l->path, whole, w);
		json_decref(w);
	}
	for (int i = 0; i < 2; i++) {
		const char *filter = i == 0 ? NULL : l->filter;
		char q[80];

		if (i == 0 && l->search == NULL)
			continue;
		if (i == 1 && filter == NULL)
			continue;
		if (i == 0)
			snprintf(q, sizeof(q), "q=%s", l->search);
		fl = walk(f, l, 1, i == 0 ? q : filter);
		if (json_array_size(fl) == 0 ||
		    json_array_size(fl) >= json_array_size(whole))
			fail_msg("%s?%s keeps %zu of %zu", l->path,
				 i == 0 ? q : filter, json_array_size(fl),
				 json_array_size(whole));
		for (size_t k = 0; i == 0 && k < json_array_size(fl); k++)
			assert_non_null(strstr(json_string_value(
				json_object_get(json_array_get(fl, k), l->key)),
				l->search));
		json_decref(fl);
	}
	snprintf(uri, sizeof(uri), "/api/v1/%s?cursor=%s", l->path,
		 l->bad_cursor);
	st = get(f, uri, &body);
	if (st != 400 || strcmp(json_string_value(json_object_get(
	    json_object_get(body, "error"), "field")), "cursor") != 0)
		fail_msg("%s with cursor %s: %d", l->path, l->bad_cursor, st);
	json_decref(body);
	json_decref(whole);
}

static void
test_listings(void **state)
{
	struct fixture *f = *state;

	seed(f);
	for (size_t i = 0; i < sizeof(listings) / sizeof(listings[0]); i++)
		check_listing(f, &listings[i]);
}

/* The filters keep exactly what they say. */
static void
test_filters(void **state)
{
	struct fixture *f = *state;
	json_t *l;

	seed(f);
	l = items_of(f, "alias-domains", "domain=d3.example", NULL, 0);
	assert_int_equal(json_array_size(l), 2);
	json_decref(l);
	l = items_of(f, "domains", "active=false", NULL, 0);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(l, 0), "name")), "b2.example");
	json_decref(l);
	l = items_of(f, "accounts", "active=false", NULL, 0);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(l, 0), "login")), "o2");
	json_decref(l);
	/* the catch-all is an alias like the others, "@domain" in byte
	 * order: after "0x@", before "al1@" */
	l = items_of(f, "domains/d1.example/aliases", NULL, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(l, 0), "address")), "0x@d1.example");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(l, 1), "address")), "@d1.example");
	json_decref(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listings, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_filters, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
