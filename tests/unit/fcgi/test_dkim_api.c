/* SPDX-License-Identifier: ISC */
/* test_dkim_api.c - /domains/D/dkim through api_handle(): a key made,
 * listed, activated with the caller's confirmation (unconfirmed, refused
 * 409 naming "confirm" while DNS does not show the record; the check
 * against a real DNS server is the integration test's), a rotation,
 * deletion; bad input refused naming
 * its field with nothing written; without [dkim] key_file 503
 * dkim_not_configured; and no answer ever carries a private key ("PRIVATE"
 * nor any line of the PEMs the push daemon's read opens). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"
#include "store_dkim.h"

#define MAX_BODIES	64

struct world {
	struct fixture *f;
	struct hk_config cfg;
	char token[128];
	char *bodies[MAX_BODIES];	/* every answer's text */
	int nbodies;
};

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct hk_err err;
	json_t *obj = NULL;
	void *fs = NULL;

	assert_non_null(w);
	fixture_setup(&fs);
	w->f = fs;
	conf_defaults(&w->cfg);
	snprintf(w->cfg.wake_socket, sizeof(w->cfg.wake_socket), "%s/wake",
		 w->f->dir[0] ? w->f->dir : "/nonexistent");
	snprintf(w->cfg.dkim.key_file, sizeof(w->cfg.dkim.key_file),
		 "/nonexistent/dkim.key");
	memset(w->cfg.dkim.key, 0x42, sizeof(w->cfg.dkim.key));
	w->cfg.dkim.rsa_bits = 1024;
	/* loopback's discard port: nothing answers, nothing leaves */
	snprintf(w->cfg.dns.resolver, sizeof(w->cfg.dns.resolver),
		 "127.0.0.1@9");
	w->cfg.dns.timeout = 1;
	assert_int_equal(store_domain_add(w->f->db, &w->f->admin,
					  "pc1.example", "g1", &obj, &err), 0);
	json_decref(obj);
	fixture_key(w->f, "admin", NULL, w->token, sizeof(w->token));
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;
	void *fs = w->f;

	for (int i = 0; i < w->nbodies; i++)
		free(w->bodies[i]);
	fixture_teardown(&fs);
	free(w);
	return 0;
}

/* One request as the operator; the answer's text kept. */
static int
send(struct world *w, struct exchange *x, const char *method,
     const char *uri, const char *body)
{
	*x = ex(method, uri, body);
	x->bearer = w->token;
	exchange_send(w->f, &w->cfg, x);
	if (x->json != NULL && w->nbodies < MAX_BODIES)
		w->bodies[w->nbodies++] = json_dumps(x->json, 0);
	return x->status;
}

static int64_t
keys(struct world *w)
{
	return fixture_int(w->f, "SELECT COUNT(*) FROM dkim_key");
}

/* A refusal: status, field (NULL: none) and nothing written. */
static void
refused(struct world *w, const char *method, const char *uri,
	const char *body, int status, const char *field)
{
	int64_t before = keys(w);
	int64_t audits = fixture_int(w->f, "SELECT COUNT(*) FROM audit");
	struct exchange x;

	if (send(w, &x, method, uri, body) != status)
		fail_msg("%s %s %s: %d, want %d: %s", method, uri,
			 body ? body : "", x.status, status, x.message);
	if (field != NULL)
		assert_string_equal(x.field, field);
	assert_int_equal(keys(w), before);
	assert_int_equal(fixture_int(w->f, "SELECT COUNT(*) FROM audit"),
			 audits);
	json_decref(x.json);
}

#define URI	"/api/v1/domains/pc1.example/dkim"

static void
test_refusals(void **state)
{
	struct world *w = *state;

	refused(w, "POST", URI, "{\"selector\":\"a.b\"}", 400, "selector");
	refused(w, "POST", URI, "{\"selector\":\"a_b\"}", 400, "selector");
	refused(w, "POST", URI, "{\"selector\":\"a\\nb\"}", 400, "selector");
	/* a NUL does not get past the JSON parser */
	refused(w, "POST", URI, "{\"selector\":\"a\\u0000b\"}", 400, "body");
	refused(w, "POST", URI, "{\"selector\":\"a=b;\"}", 400, "selector");
	refused(w, "POST", URI, "{\"bits\":512}", 400, "bits");
	refused(w, "POST", URI, "{\"bits\":1023}", 400, "bits");
	refused(w, "POST", URI, "{\"bits\":8192}", 400, "bits");
	refused(w, "POST", URI, "{\"bits\":-1}", 400, "bits");
	refused(w, "POST", URI, "{\"algorithm\":\"dsa\"}", 400, "algorithm");
	refused(w, "POST", URI, "{\"algorithm\":\"ed25519\",\"bits\":1024}",
		400, "bits");
	refused(w, "POST", URI, "{\"private_key\":\"x\"}", 400, "private_key");
	refused(w, "POST", "/api/v1/domains/none.example/dkim", "{}", 404,
		"domain");
	refused(w, "POST", URI "/nope/activate", "{\"confirm\":true}", 404,
		"selector");
	refused(w, "DELETE", URI "/a.b", NULL, 404, "selector");
	w->cfg.dkim.key_file[0] = '\0';
	refused(w, "POST", URI, "{}", 503, NULL);
	assert_non_null(strstr(w->bodies[w->nbodies - 1],
			       "dkim_not_configured"));
	refused(w, "GET", URI, NULL, 503, NULL);
}

static const char *
str(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* The first line of base64 of each PEM the push daemon gets. */
struct lines {
	int n;
	char line[8][65];
};

static int
take_line(void *ctx, const struct dkim_signing *k, struct hk_err *err)
{
	struct lines *l = ctx;
	const char *nl = strchr(k->pem, '\n');

	(void)err;
	if (l->n < 8 && nl != NULL)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%.*s",
			 (int)strcspn(nl + 1, "\n"), nl + 1);
	return 0;
}

static void
test_life(void **state)
{
	struct world *w = *state;
	struct exchange x;
	struct lines l = { 0 };
	struct hk_err err;
	char uri[256], r1[64];

	assert_int_equal(send(w, &x, "POST", URI, "{}"), 201);
	assert_string_equal(str(x.json, "state"), "pending");
	assert_int_equal(json_integer_value(json_object_get(x.json, "bits")),
			 1024);
	snprintf(r1, sizeof(r1), "%s", str(x.json, "selector"));
	json_decref(x.json);
	/* unconfirmed, activation needs the record seen in DNS: the
	 * resolver here does not answer (setup), so it is not */
	snprintf(uri, sizeof(uri), URI "/%s/activate", r1);
	refused(w, "POST", uri, "{}", 409, "confirm");
	assert_non_null(strstr(w->bodies[w->nbodies - 1],
			       "\"reason\": \"dkim_not_published\""));
	assert_non_null(strstr(w->bodies[w->nbodies - 1], "(failed: "));
	refused(w, "POST", uri, "{\"confirm\":false}", 409, "confirm");
	assert_int_equal(send(w, &x, "POST", uri, "{\"confirm\":true}"), 200);
	assert_string_equal(str(x.json, "state"), "active");
	json_decref(x.json);
	/* a rotation: a new key while one is active, then activated */
	assert_int_equal(send(w, &x, "POST", URI, "{\"selector\":\"R2\","
			      "\"bits\":2048}"), 201);
	assert_string_equal(str(x.json, "selector"), "r2");
	assert_string_equal(str(x.json, "record_name"),
			    "r2._domainkey.pc1.example");
	json_decref(x.json);
	assert_int_equal(send(w, &x, "POST", URI, "{\"algorithm\":\"ed25519\","
			      "\"selector\":\"e1\"}"), 201);
	json_decref(x.json);
	assert_int_equal(send(w, &x, "POST", URI "/r2/activate",
			      "{\"confirm\":true}"), 200);
	json_decref(x.json);
	assert_int_equal(send(w, &x, "GET", URI, NULL), 200);
	assert_int_equal(json_array_size(json_object_get(x.json, "items")), 3);
	json_decref(x.json);
	snprintf(uri, sizeof(uri), URI "/%s", r1);
	assert_int_equal(send(w, &x, "DELETE", URI "/r2", NULL), 409);
	json_decref(x.json);
	assert_int_equal(send(w, &x, "DELETE", uri, NULL), 204);
	json_decref(x.json);
	assert_int_equal(send(w, &x, "GET", "/api/v1/audit?limit=100", NULL),
			 200);
	json_decref(x.json);
	/* no answer (the audit log's included) carries a private key */
	assert_int_equal(store_dkim_signing(w->f->db, &w->cfg.dkim, 1,
					    take_line, &l, &err), 0);
	assert_int_equal(l.n, 2);
	for (int i = 0; i < w->nbodies; i++) {
		assert_null(strstr(w->bodies[i], "PRIVATE"));
		assert_null(strstr(w->bodies[i], "v1:"));
		for (int k = 0; k < l.n; k++) {
			assert_int_equal(strlen(l.line[k]) >= 44, 1);
			assert_null(strstr(w->bodies[i], l.line[k]));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_life, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
