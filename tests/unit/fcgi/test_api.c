/* SPDX-License-Identifier: ISC */
/* test_api.c - api_handle() without FastCGI: authentication, routing and
 * hostile bodies give the right 4xx with the field named, and write
 * nothing. */
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
static char token[256];

static int
setup(void **state)
{
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake", f->dir);
	cfg.pw_min = 10;
	fixture_key(f, "admin", NULL, token, sizeof(token));
	return 0;
}

/* One request; *out (when not NULL) gets the answer's body. */
static int
request(struct fixture *f, const char *method, const char *uri,
	const char *body, const char *auth, json_t **out)
{
	char bearer[300];
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = method, .uri = uri,
				.content_type = "application/json",
				.body = body, .body_len = body ? strlen(body) : 0 };
	struct http_resp resp;

	snprintf(bearer, sizeof(bearer), "Bearer %s", auth ? auth : token);
	req.authorization = bearer;
	api_handle(&ctx, &req, &resp);
	if (out != NULL)
		*out = http_resp_json(&resp);
	http_resp_free(&resp);
	return resp.status;
}

static int
get(struct fixture *f, const char *uri, json_t **out)
{
	return request(f, "GET", uri, NULL, NULL, out);
}

static int
call(struct fixture *f, const char *method, const char *uri,
     const char *body, const char *auth, const char *field_want)
{
	json_t *resp = NULL;
	int status = request(f, method, uri, body, auth, &resp);

	if (field_want != NULL) {
		json_t *e = json_object_get(resp, "error");
		const char *field = json_string_value(json_object_get(e,
								     "field"));
		const char *why = json_string_value(json_object_get(e,
								   "reason"));

		if (field == NULL || strcmp(field, field_want) != 0)
			fail_msg("%s %s: field %s, want %s", method, uri,
				 field ? field : "(none)", field_want);
		/* every refusal has its reason, for the clients' words */
		if (why == NULL || *why == '\0' ||
		    !json_is_object(json_object_get(e, "params")))
			fail_msg("%s %s: no reason or params", method, uri);
	}
	json_decref(resp);
	return status;
}

static int64_t
count(struct fixture *f, const char *table)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return fixture_int(f, sql);
}

static void
test_create_and_refuse(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *uri, *body, *field;
		int status;
	} bad[] = {
		{ "/api/v1/domains", "{\"name\":\"a b.example\",\"guest\":\"g1\"}", "name", 400 },
		{ "/api/v1/domains", "{\"name\":\"x.example\"}", "guest", 400 },
		{ "/api/v1/domains", "{\"name\":\"x.example\",\"guest\":\"g1\",\"x\":1}", "x", 400 },
		{ "/api/v1/domains", "{\"name\":1,\"guest\":\"g1\"}", "name", 400 },
		{ "/api/v1/domains", "{\"name\":\"x.example\",\"name\":\"y.example\",\"guest\":\"g1\"}", "body", 400 },
		{ "/api/v1/domains", "[1,2]", "body", 400 },
		{ "/api/v1/domains", "{\"name\":\"x.example\",\"guest\":\"g1\"", "body", 400 },
		{ "/api/v1/domains", "{\"name\":\"x\\u0000.example\",\"guest\":\"g1\"}", "body", 400 },
		{ "/api/v1/domains", "{\"name\":\"\xff.example\",\"guest\":\"g1\"}", "body", 400 },
		{ "/api/v1/domains", "{\"name\":\"x.example\",\"guest\":\"g9\"}", "guest", 404 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"a\\nb\",\"password\":\"long-enough-1\"}", "local_part", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"a,b\",\"password\":\"long-enough-1\"}", "local_part", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"ab\",\"password\":\"short\"}", "password", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"ab\",\"password\":\"long-enough\\n1\"}", "password", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"ab\"}", "password", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"ab\",\"password_hash\":\"{PLAIN}x\"}", "password_hash", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"ab\",\"password\":\"long-enough-1\",\"quota\":\"5Q\"}", "quota", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"local_part\":\"ab\",\"password\":\"long-enough-1\",\"name\":\"a\\tb\"}", "name", 400 },
		{ "/api/v1/domains/pc1.example/mailboxes", "{\"address\":\"ab@pc1.example\",\"password\":\"long-enough-1\"}", "address", 400 },
		{ "/api/v1/domains/nosuch.example/mailboxes", "{\"local_part\":\"ab\",\"password\":\"long-enough-1\"}", "domain", 404 },
		{ "/api/v1/mailboxes", "{\"address\":\"ab:c@pc1.example\",\"password\":\"long-enough-1\"}", "address", 400 },
		{ "/api/v1/mailboxes", "{\"address\":\"matsui@pc1.example\",\"password\":\"long-enough-1\"}", "local_part", 409 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"sales\",\"destinations\":[]}", "destinations", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"sales\",\"destinations\":\"a@b.example\"}", "destinations", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"sales\",\"destinations\":[\"a\\nb@x.example\"]}", "destinations", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"sales\",\"destinations\":[\"a@b.example\",\"c,d@e.example\"]}", "destinations", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"sales\",\"destinations\":[\"|/bin/sh\"]}", "destinations", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"sales\",\"catch_all\":true,\"destinations\":[\"a@b.example\"]}", "local_part", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"destinations\":[\"a@b.example\"]}", "local_part", 400 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"matsui\",\"destinations\":[\"a@b.example\"]}", "local_part", 409 },
		{ "/api/v1/domains/pc1.example/aliases", "{\"local_part\":\"info\",\"destinations\":[\"a@b.example\"]}", "local_part", 409 },
		{ "/api/v1/alias-domains", "{\"name\":\"pc1.example\",\"target\":\"pc1.example\"}", "name", 409 },
		{ "/api/v1/alias-domains", "{\"name\":\"al.example\",\"target\":\"nosuch.example\"}", "target", 404 },
		{ "/api/v1/alias-domains", "{\"name\":\"al..example\",\"target\":\"pc1.example\"}", "name", 400 },
		{ "/api/v1/projects", "{\"name\":\"big\",\"max_domains\":10000000000}", "max_domains", 400 },
		{ "/api/v1/projects", "{\"name\":\"big\",\"max_mailboxes\":-1}", "max_mailboxes", 400 },
		{ "/api/v1/domains?force=true", "{\"name\":\"q.example\",\"guest\":\"g1\"}", "force", 400 },
		{ "/api/v1/guests", "{\"name\":\"g9\",\"project\":\"lab\",\"ssh_host\":\"10.0.0.9\",\"ssh_port\":70000,\"host_key\":\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3\"}", "ssh_port", 400 },
		{ "/api/v1/guests", "{\"name\":\"g9\",\"project\":\"lab\",\"ssh_host\":\"-oProxyCommand=x\",\"host_key\":\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3\"}", "ssh_host", 400 },
		{ "/api/v1/mailboxes", "{\"address\":\"info@pc1.example\",\"password\":\"long-enough-1\"}", "local_part", 409 },
	};
	int64_t domains, mailboxes, aliases, gen;
	struct hk_err err;

	assert_int_equal(call(f, "POST", "/api/v1/domains", "{\"name\":"
			      "\"PC1.example\",\"guest\":\"g1\"}", NULL, NULL),
			 201);
	assert_int_equal(call(f, "POST", "/api/v1/mailboxes", "{\"address\":"
			      "\"matsui@pc1.example\",\"password\":"
			      "\"long-enough-1\",\"quota\":\"1G\"}", NULL, NULL),
			 201);
	assert_int_equal(call(f, "POST", "/api/v1/domains/pc1.example/aliases",
			      "{\"local_part\":\"Info\",\"destinations\":["
			      "\"matsui@pc1.example\",\"Ext@Elsewhere.example\","
			      "\"matsui@PC1.example\"]}", NULL, NULL), 201);
	domains = count(f, "domain");
	mailboxes = count(f, "mailbox");
	aliases = count(f, "alias") + count(f, "alias_domain");
	assert_int_equal(db_query_int(f->db, "SELECT desired_gen FROM guest",
				      NULL, 0, &gen, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = call(f, "POST", bad[i].uri, bad[i].body, NULL,
			      bad[i].field);
		if (st != bad[i].status)
			fail_msg("case %zu (%s): status %d, want %d", i,
				 bad[i].body, st, bad[i].status);
	}
	assert_int_equal(count(f, "domain"), domains);
	assert_int_equal(count(f, "mailbox"), mailboxes);
	assert_int_equal(count(f, "alias") + count(f, "alias_domain"), aliases);
	{	/* stored canonical: lowercased, duplicates dropped */
		json_t *arr = NULL;

		assert_int_equal(db_query_json(f->db, "SELECT destinations FROM "
			"alias", NULL, 0, &arr, &err), 0);
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(arr, 0), "destinations")),
			"matsui@pc1.example,ext@elsewhere.example");
		json_decref(arr);
	}
	assert_int_equal(db_query_int(f->db, "SELECT desired_gen FROM guest",
				      NULL, 0, &domains, &err), 0);
	assert_int_equal(domains, gen);		/* no guest marked dirty */
	{	/* shown as given: an array, canonical */
		json_t *body = NULL, *d;

		assert_int_equal(get(f, "/api/v1/aliases/info@pc1.example",
				     &body), 200);
		d = json_object_get(body, "destinations");
		assert_int_equal(json_array_size(d), 2);
		assert_string_equal(json_string_value(json_array_get(d, 1)),
				    "ext@elsewhere.example");
		json_decref(body);
	}
}

static void
test_auth_and_routes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(call(f, "GET", "/api/v1/domains", NULL, "", NULL),
			 401);
	assert_int_equal(call(f, "GET", "/api/v1/domains", NULL,
			      "hk_000000000000_00", NULL), 401);
	/* unknown paths look the same as known ones to a stranger */
	assert_int_equal(call(f, "GET", "/api/v1/nosuch", NULL, "", NULL),
			 401);
	assert_int_equal(call(f, "GET", "/api/v1/domains", NULL, NULL, NULL),
			 200);
	assert_int_equal(call(f, "GET", "/api/v1/nosuch", NULL, NULL, "path"),
			 404);
	assert_int_equal(call(f, "DELETE", "/api/v1/domains", NULL, NULL,
			      NULL), 405);
	assert_int_equal(call(f, "GET", "/api/v1/domains/a%2Fb/mailboxes",
			      NULL, NULL, "path"), 400);
	assert_int_equal(call(f, "GET", "/api/v1/domains/a%0Ab", NULL, NULL,
			      "path"), 400);
	assert_int_equal(call(f, "GET", "/api/v1/domains//mailboxes", NULL,
			      NULL, "path"), 400);
	assert_int_equal(call(f, "GET", "/api/v1/domains/nosuch.example",
			      NULL, NULL, "domain"), 404);
}

/* What a hostile client sends besides a bad field: a wrong content type,
 * a body over the limit, nesting 5000 deep, line breaks in headers.  Each
 * a 4xx naming what is wrong, and nothing written. */
static void
test_hostile_transport(void **state)
{
	struct fixture *f = *state;
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = "POST", .uri = "/api/v1/domains",
				.content_type = "text/plain" };
	struct http_resp resp;
	char bearer[300], *big;
	int64_t audit = fixture_int(f, "SELECT COUNT(*) FROM audit");
	size_t n = HTTP_MAX_BODY + 1;

	snprintf(bearer, sizeof(bearer), "Bearer %s", token);
	req.authorization = bearer;
	req.body = "{\"name\":\"t.example\",\"guest\":\"g1\"}";
	req.body_len = strlen(req.body);
	api_handle(&ctx, &req, &resp);
	assert_int_equal(resp.status, 400);
	http_resp_free(&resp);
	req.content_type = "application/json";
	assert_non_null(big = malloc(n));
	memset(big, ' ', n);
	req.body = big;
	req.body_len = n;
	api_handle(&ctx, &req, &resp);
	assert_int_equal(resp.status, 413);
	http_resp_free(&resp);
	/* {"name":[[[[...]]]]} */
	memcpy(big, "{\"name\":", 8);
	memset(big + 8, '[', 5000);
	memset(big + 5008, ']', 5000);
	big[10008] = '}';
	req.body_len = 10009;
	api_handle(&ctx, &req, &resp);
	assert_int_equal(resp.status, 400);
	http_resp_free(&resp);
	free(big);
	/* a header's line break goes nowhere: not into a cookie, not past
	 * the CSRF check */
	req.uri = "/api/v1/session";
	req.authorization = NULL;
	req.body = "{\"login\":\"admin\\r\\nSet-Cookie: x=1\",\"password\":"
		   "\"long-enough-1\"}";
	req.body_len = strlen(req.body);
	api_handle(&ctx, &req, &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.set_cookie, "");
	http_resp_free(&resp);
	req.uri = "/api/v1/domains";
	req.body = "{\"name\":\"t.example\",\"guest\":\"g1\"}";
	req.body_len = strlen(req.body);
	req.cookie = "hk_session=0000\r\nX-Evil: 1";
	req.csrf_token = "x\r\nX-Evil: 1";
	api_handle(&ctx, &req, &resp);
	assert_int_equal(resp.status, 401);
	http_resp_free(&resp);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"), audit);
	assert_int_equal(count(f, "domain"), 0);
}

/* Found by the fuzzer (tests/fuzz): each was a 500 or an answer with no
 * body. */
static void
test_fuzzer_finds(void **state)
{
	struct fixture *f = *state;
	char body[700];
	json_t *resp = NULL;

	/* an error text quoting a token cut inside a UTF-8 sequence, and a
	 * field name cut by the error's buffer: still a JSON answer */
	assert_int_equal(request(f, "POST", "/api/v1/domains",
		"{\"name\":\"\\\xc3\xa9\",\"guest\":\"g1\"}", NULL, &resp),
		400);
	assert_non_null(json_object_get(resp, "error"));
	json_decref(resp);
	{
		size_t n = (size_t)snprintf(body, sizeof(body), "{\"");

		for (int i = 0; i < 40; i++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
					      "\xc3\xa9");
		snprintf(body + n, sizeof(body) - n, "\":1}");
	}
	assert_int_equal(request(f, "POST", "/api/v1/domains", body, NULL,
				 &resp), 400);
	assert_non_null(json_string_value(json_object_get(json_object_get(
		resp, "error"), "field")));
	json_decref(resp);
	/* quotas adding up past 2^63: the project still shows, a storage
	 * limit still holds */
	assert_int_equal(call(f, "POST", "/api/v1/domains", "{\"name\":"
			      "\"q.example\",\"guest\":\"g1\"}", NULL, NULL), 201);
	for (int i = 0; i < 2; i++) {
		snprintf(body, sizeof(body), "{\"address\":\"big%d@q.example\","
			 "\"password\":\"long-enough-1\",\"quota\":"
			 "9223372036854775807}", i);
		assert_int_equal(call(f, "POST", "/api/v1/mailboxes", body,
				      NULL, NULL), 201);
	}
	assert_int_equal(get(f, "/api/v1/projects/lab", &resp), 200);
	assert_int_equal(json_integer_value(json_object_get(resp,
		"storage_bytes")), INT64_MAX);
	json_decref(resp);
	assert_int_equal(call(f, "PATCH", "/api/v1/projects/lab",
			      "{\"max_storage\":\"1G\"}", NULL, NULL), 200);
	assert_int_equal(call(f, "POST", "/api/v1/mailboxes", "{\"address\":"
			      "\"small@q.example\",\"password\":\"long-enough-1\","
			      "\"quota\":1}", NULL, "max_storage_bytes"), 403);
	/* a password past what crypt hashes: refused by the policy */
	snprintf(body, sizeof(body), "{\"address\":\"long@q.example\","
		 "\"password\":\"%0600d\"}", 0);
	assert_int_equal(call(f, "POST", "/api/v1/mailboxes", body, NULL,
			      "password"), 400);
}

/* An account's PATCH is one transaction: refused as a whole (an account
 * disabling itself keeps its old password too), or done as a whole in one
 * audit entry. */
static void
test_account_patch_whole(void **state)
{
	struct fixture *f = *state;
	int64_t audit;

	assert_int_equal(call(f, "POST", "/api/v1/accounts", "{\"login\":"
			      "\"tanaka\",\"role\":\"owner\",\"project\":\"lab\"}",
			      NULL, NULL), 201);
	audit = fixture_int(f, "SELECT COUNT(*) FROM audit");
	assert_int_equal(call(f, "PATCH", "/api/v1/accounts/admin",
			      "{\"disabled\":true,\"password\":"
			      "\"another-long-1\"}", NULL, "login"), 400);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account WHERE "
				     "login = 'admin' AND password_hash IS "
				     "NULL AND disabled = 0"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"), audit);
	assert_int_equal(call(f, "PATCH", "/api/v1/accounts/tanaka",
			      "{\"disabled\":true,\"password\":"
			      "\"another-long-1\"}", NULL, NULL), 200);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account WHERE "
				     "login = 'tanaka' AND password_hash IS "
				     "NOT NULL AND disabled = 1"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'account.update'"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"),
			 audit + 1);
}

/* The audit log pages by entry id, newest first; a project's figures are
 * integers on both backends. */
static void
test_audit_pages_and_numbers(void **state)
{
	struct fixture *f = *state;
	char uri[128], next[32] = "";
	int64_t total, seen = 0;
	json_t *body;

	assert_int_equal(call(f, "POST", "/api/v1/domains", "{\"name\":"
			      "\"a.example\",\"guest\":\"g1\"}", NULL, NULL), 201);
	assert_int_equal(call(f, "POST", "/api/v1/mailboxes", "{\"address\":"
			      "\"m@a.example\",\"password\":\"long-enough-1\","
			      "\"quota\":\"3G\"}", NULL, NULL), 201);
	total = fixture_int(f, "SELECT COUNT(*) FROM audit");
	assert_true(total >= 3);
	do {
		snprintf(uri, sizeof(uri), "/api/v1/audit?limit=2%s%s",
			 next[0] ? "&cursor=" : "", next);
		assert_int_equal(get(f, uri, &body), 200);
		seen += (int64_t)json_array_size(json_object_get(body,
								 "items"));
		next[0] = '\0';
		if (json_is_integer(json_object_get(body, "next_cursor")))
			snprintf(next, sizeof(next), "%lld", (long long)
				 json_integer_value(json_object_get(body,
				 "next_cursor")));
		else
			assert_true(json_is_null(json_object_get(body,
							"next_cursor")));
		json_decref(body);
	} while (next[0]);
	assert_int_equal(seen, total);
	/* an entry's detail is the object it was written as */
	assert_int_equal(get(f, "/api/v1/audit?limit=1", &body), 200);
	assert_true(json_is_object(json_object_get(json_array_get(
		json_object_get(body, "items"), 0), "detail")));
	json_decref(body);
	assert_int_equal(get(f, "/api/v1/projects/lab", &body), 200);
	assert_true(json_is_integer(json_object_get(body, "storage_bytes")));
	assert_int_equal(json_integer_value(json_object_get(body,
		"storage_bytes")), 3LL << 30);
	json_decref(body);
}

/* Sizes as people type them through every API door that takes one; a
 * display name with an invisible format character refused naming the
 * field, and nothing written. */
static void
test_sizes_and_invisible_names(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *method, *uri, *body, *field;
	} bad[] = {
		{ "POST", "/api/v1/mailboxes", "{\"address\":\"c@s.example\","
		  "\"password\":\"long-enough-1\",\"quota\":\"2 XB\"}",
		  "quota" },
		{ "PATCH", "/api/v1/domains/s.example",
		  "{\"default_quota\":\"0.5\"}", "default_quota" },
		{ "PATCH", "/api/v1/projects/lab",
		  "{\"max_storage\":\"1,5G\"}", "max_storage" },
		{ "POST", "/api/v1/mailboxes", "{\"address\":\"c@s.example\","
		  "\"password\":\"long-enough-1\",\"name\":"
		  "\"Taro\\u202egnp.exe\"}", "name" },
		{ "POST", "/api/v1/domains/s.example/mailboxes",
		  "{\"local_part\":\"c\",\"password\":\"long-enough-1\","
		  "\"name\":\"\xe2\x81\xa6松本\"}", "name" },
		{ "PATCH", "/api/v1/mailboxes/a@s.example",
		  "{\"name\":\"松本\\u200b太郎\"}", "name" },
		{ "PATCH", "/api/v1/mailboxes/a@s.example",
		  "{\"name\":\"x\\udb40\\udc01\"}", "name" },
	};
	int64_t mailboxes, audit;

	assert_int_equal(call(f, "POST", "/api/v1/domains", "{\"name\":"
			      "\"s.example\",\"guest\":\"g1\"}", NULL, NULL),
			 201);
	assert_int_equal(call(f, "POST", "/api/v1/mailboxes", "{\"address\":"
			      "\"a@s.example\",\"password\":\"long-enough-1\","
			      "\"quota\":\"2 GB\",\"name\":\"松本 太郎\"}",
			      NULL, NULL), 201);
	assert_int_equal(call(f, "POST", "/api/v1/domains/s.example/mailboxes",
			      "{\"local_part\":\"b\",\"password\":"
			      "\"long-enough-1\",\"quota\":\"1.5G\"}", NULL,
			      NULL), 201);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox "
				     "WHERE local_part = 'a'"), 2LL << 30);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox "
				     "WHERE local_part = 'b'"), 3LL << 29);
	assert_int_equal(call(f, "PATCH", "/api/v1/mailboxes/a@s.example",
			      "{\"quota\":\"500MB\"}", NULL, NULL), 200);
	assert_int_equal(call(f, "PATCH", "/api/v1/domains/s.example",
			      "{\"default_quota\":\"2gib\"}", NULL, NULL),
			 200);
	assert_int_equal(call(f, "PATCH", "/api/v1/projects/lab",
			      "{\"max_storage\":\"50 TiB\"}", NULL, NULL),
			 200);
	assert_int_equal(call(f, "POST", "/api/v1/projects", "{\"name\":"
			      "\"p2\",\"max_storage\":\"1.5 tb\"}", NULL,
			      NULL),
			 201);
	assert_int_equal(fixture_int(f, "SELECT quota_bytes FROM mailbox "
				     "WHERE local_part = 'a'"), 500LL << 20);
	assert_int_equal(fixture_int(f, "SELECT default_quota_bytes FROM "
				     "domain WHERE name = 's.example'"),
			 2LL << 30);
	assert_int_equal(fixture_int(f, "SELECT max_storage_bytes FROM "
				     "project WHERE name = 'lab'"),
			 50LL << 40);
	assert_int_equal(fixture_int(f, "SELECT max_storage_bytes FROM "
				     "project WHERE name = 'p2'"), 3LL << 39);
	mailboxes = fixture_int(f, "SELECT COUNT(*) FROM mailbox");
	audit = fixture_int(f, "SELECT COUNT(*) FROM audit");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = call(f, bad[i].method, bad[i].uri, bad[i].body, NULL,
			      bad[i].field);

		if (st != 400)
			fail_msg("case %zu (%s): status %d, want 400", i,
				 bad[i].body, st);
	}
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox"),
			 mailboxes);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"), audit);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM mailbox WHERE "
				     "local_part = 'a' AND "
				     "name = '松本 太郎'"),
			 1);
	assert_int_equal(fixture_int(f, "SELECT default_quota_bytes FROM "
				     "domain WHERE name = 's.example'"),
			 2LL << 30);
	assert_int_equal(fixture_int(f, "SELECT max_storage_bytes FROM "
				     "project WHERE name = 'lab'"),
			 50LL << 40);
}

/* A refusal names its reason and parameters beside the English: the
 * clients word it themselves (issue 15 item 4). */
static void
test_reasons_and_params(void **state)
{
	struct fixture *f = *state;
	json_t *resp = NULL, *e, *params;

	assert_int_equal(call(f, "POST", "/api/v1/domains", "{\"name\":"
			      "\"pc1.example\",\"guest\":\"g1\"}", NULL, NULL),
			 201);
	assert_int_equal(call(f, "POST", "/api/v1/mailboxes", "{\"address\":"
			      "\"matsui@pc1.example\",\"password\":"
			      "\"long-enough-1\"}", NULL, NULL), 201);
	assert_int_equal(request(f, "POST", "/api/v1/mailboxes",
		"{\"address\":\"matsui@pc1.example\",\"password\":"
		"\"long-enough-1\"}", NULL, &resp), 409);
	e = json_object_get(resp, "error");
	params = json_object_get(e, "params");
	assert_string_equal(json_string_value(json_object_get(e, "reason")),
			    "mailbox_exists");
	assert_string_equal(json_string_value(json_object_get(params,
			    "local")), "matsui");
	assert_string_equal(json_string_value(json_object_get(params,
			    "domain")), "pc1.example");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "mailbox matsui@pc1.example exists");
	json_decref(resp);
	/* a number is a parameter too */
	assert_int_equal(request(f, "POST", "/api/v1/mailboxes",
		"{\"address\":\"new@pc1.example\",\"password\":\"short\"}",
		NULL, &resp), 400);
	e = json_object_get(resp, "error");
	assert_string_equal(json_string_value(json_object_get(e, "reason")),
			    "at_least_characters");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(e, "params"), "min")), "10");
	json_decref(resp);
	/* a method the route does not take */
	assert_int_equal(request(f, "PUT", "/api/v1/domains", "{}", NULL,
				 &resp), 405);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		resp, "error"), "reason")), "method_not_allowed");
	json_decref(resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_refuse, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_account_patch_whole,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fuzzer_finds, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reasons_and_params,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_transport, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_audit_pages_and_numbers,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_auth_and_routes, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_sizes_and_invisible_names, setup,
			fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
