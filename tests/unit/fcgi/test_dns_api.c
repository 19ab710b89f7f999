/* SPDX-License-Identifier: ISC */
/* test_dns_api.c - GET /domains/D/dns through api_handle(): the records
 * read from the database (the guest's and the backup MX's mail host and
 * addresses, the DKIM keys in each state, the active alias domains) in
 * the list and in the zone text; a guest without a mail host gives a
 * record without a value, never a made-up one; another project's domain
 * is 404 as a missing one; ?check=true against a resolver that does not
 * answer marks every record failed (unchecked without a value) within
 * the timeout, and writes nothing.  The check against a real DNS server
 * is test_dnscheck's and the integration test's. */
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

struct world {
	struct fixture *f;
	struct hk_config cfg;
	char admin[128], owner[128];
};

static void
ok(int rc, const struct hk_err *err, const char *what)
{
	if (rc != 0)
		fail_msg("%s: %s", what, err->message);
}

/* pc1.example on g1 (mx1.example.net, 192.0.2.1 and 2001:db8::1), its
 * backup MX g2 (mx2.example.net), alias domain al.example (and the
 * inactive off.example), DKIM keys "old" (retiring), "cur" (active) and
 * "nxt" (pending); project other's other.example on g3, which has no
 * mail host yet. */
static void
seed(struct world *w)
{
	struct guest_in g2 = { "g2", "lab", "10.0.0.2", "root",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
		"mx2.example.net", "192.0.2.2" };
	struct guest_in g3 = { "g3", "other", "10.0.0.3", "root",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22, NULL, NULL };
	struct dkim_new in = { "ed25519", -1, "old", 0 };
	struct fixture *f = w->f;
	struct hk_err err;
	json_t *obj = NULL;

	ok(db_exec(f->db, "UPDATE guest SET mail_host = 'mx1.example.net', "
		   "mail_addrs = '192.0.2.1 2001:db8::1' WHERE name = 'g1'",
		   NULL, 0, NULL, &err), &err, "g1");
	ok(store_project_add(f->db, &f->admin, "other", NULL, &err), &err,
	   "other");
	ok(store_guest_add(f->db, &f->admin, &g2, &obj, &err), &err, "g2");
	json_decref(obj);
	ok(store_guest_add(f->db, &f->admin, &g3, &obj, &err), &err, "g3");
	json_decref(obj);
	ok(store_domain_add(f->db, &f->admin, "pc1.example", "g1", &obj,
			    &err), &err, "pc1");
	json_decref(obj);
	ok(store_domain_backup(f->db, &f->admin, "pc1.example", "g2", &err),
	   &err, "backup");
	ok(store_domain_add(f->db, &f->admin, "other.example", "g3", &obj,
			    &err), &err, "other");
	json_decref(obj);
	ok(store_aliasdomain_add(f->db, &f->admin, "al.example",
				 "pc1.example", &obj, &err), &err, "al");
	json_decref(obj);
	ok(store_aliasdomain_add(f->db, &f->admin, "off.example",
				 "pc1.example", &obj, &err), &err, "off");
	json_decref(obj);
	ok(db_exec(f->db, "UPDATE alias_domain SET active = 0 WHERE name = "
		   "'off.example'", NULL, 0, NULL, &err), &err, "off");
	for (int i = 0; i < 3; i++) {
		static const char *const sel[] = { "old", "cur", "nxt" };

		in.selector = sel[i];
		ok(store_dkim_create(f->db, &f->admin, &w->cfg.dkim,
				     "pc1.example", &in, &obj, &err), &err,
		   sel[i]);
		json_decref(obj);
		obj = NULL;
		if (i < 2)
			ok(store_dkim_activate(f->db, &f->admin, &w->cfg.dkim,
					       "pc1.example", sel[i], &obj,
					       &err), &err, sel[i]);
		json_decref(obj);
		obj = NULL;
	}
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
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
	snprintf(w->cfg.dns.dmarc_rua, sizeof(w->cfg.dns.dmarc_rua),
		 "dmarc@example.net");
	/* loopback's discard port: nothing answers, and nothing leaves */
	snprintf(w->cfg.dns.resolver, sizeof(w->cfg.dns.resolver),
		 "127.0.0.1@9");
	w->cfg.dns.timeout = 1;
	seed(w);
	fixture_key(w->f, "admin", NULL, w->admin, sizeof(w->admin));
	fixture_key(w->f, "own", "other", w->owner, sizeof(w->owner));
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;
	void *fs = w->f;

	fixture_teardown(&fs);
	free(w);
	return 0;
}

static struct exchange
get(struct world *w, const char *token, const char *uri)
{
	struct exchange x = ex("GET", uri, NULL);

	x.bearer = token;
	exchange_send(w->f, &w->cfg, &x);
	return x;
}

/* The record of purpose at name (NULL: none). */
static json_t *
record(json_t *answer, const char *name, const char *purpose)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(answer, "records"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")),
			   name) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "purpose")),
			   purpose) == 0)
			return r;
	return NULL;
}

static const char *
str(json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

static void
test_records(void **state)
{
	struct world *w = *state;
	struct exchange x = get(w, w->admin, "/api/v1/domains/pc1.example/dns");
	json_t *r;
	const char *zone;

	assert_int_equal(x.status, 200);
	r = record(x.json, "pc1.example", "mx");
	assert_non_null(r);
	assert_string_equal(str(r, "value"), "mx1.example.net");
	assert_int_equal(json_integer_value(json_object_get(r, "preference")),
			 10);
	r = record(x.json, "pc1.example", "spf");
	assert_string_equal(str(r, "value"),
			    "v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all");
	assert_string_equal(str(record(x.json, "_dmarc.pc1.example", "dmarc"),
				"value"),
			    "v=DMARC1; p=none; rua=mailto:dmarc@example.net");
	assert_string_equal(str(record(x.json, "cur._domainkey.pc1.example",
				       "dkim"), "action"), "publish");
	assert_string_equal(str(record(x.json, "nxt._domainkey.pc1.example",
				       "dkim"), "action"), "publish");
	r = record(x.json, "old._domainkey.pc1.example", "dkim");
	assert_string_equal(str(r, "action"), "keep");
	assert_true(json_integer_value(json_object_get(r, "keep_until")) > 0);
	assert_non_null(strstr(str(r, "value"), "v=DKIM1; k=ed25519; p="));
	/* the alias domain signs d=al.example with pc1's keys */
	assert_non_null(record(x.json, "cur._domainkey.al.example", "dkim"));
	assert_non_null(record(x.json, "al.example", "mx"));
	assert_null(record(x.json, "off.example", "mx"));
	zone = str(x.json, "zone");
	assert_non_null(strstr(zone, "pc1.example.\tIN\tMX\t20 "
			       "mx2.example.net.\n"));
	assert_non_null(strstr(zone, "cur._domainkey.al.example.\tIN\tTXT\t"
			       "\"v=DKIM1; k=ed25519; p="));
	json_decref(x.json);
}

/* g3 has no mail host: no made-up MX; an owner of other sees its own
 * domain and not pc1's. */
static void
test_scope_and_unset(void **state)
{
	struct world *w = *state;
	struct exchange x = get(w, w->owner,
				"/api/v1/domains/other.example/dns");
	json_t *r;

	assert_int_equal(x.status, 200);
	r = record(x.json, "other.example", "mx");
	assert_true(json_is_null(json_object_get(r, "value")));
	assert_non_null(strstr(str(r, "note"), "g3"));
	json_decref(x.json);
	x = get(w, w->owner, "/api/v1/domains/pc1.example/dns");
	assert_int_equal(x.status, 404);
	assert_string_equal(x.field, "domain");
	json_decref(x.json);
	x = get(w, w->admin, "/api/v1/domains/nosuch.example/dns");
	assert_int_equal(x.status, 404);
	json_decref(x.json);
	x = get(w, w->admin, "/api/v1/domains/pc1.example/dns?check=maybe");
	assert_int_equal(x.status, 400);
	json_decref(x.json);
}

/* Nothing answers: every record with a value failed, the others
 * unchecked; nothing written. */
static void
test_check_no_answer(void **state)
{
	struct world *w = *state;
	int64_t audits = fixture_int(w->f, "SELECT COUNT(*) FROM audit");
	struct exchange x = get(w, w->owner,
				"/api/v1/domains/other.example/dns?check=true");
	json_t *r;
	size_t i;

	assert_int_equal(x.status, 200);
	json_array_foreach(json_object_get(x.json, "records"), i, r)
		assert_string_equal(str(r, "status"),
				    json_is_null(json_object_get(r, "value")) ?
				    "unchecked" : "failed");
	assert_true(i > 0);
	assert_int_equal(fixture_int(w->f, "SELECT COUNT(*) FROM audit"),
			 audits);
	json_decref(x.json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_and_unset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check_no_answer, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
