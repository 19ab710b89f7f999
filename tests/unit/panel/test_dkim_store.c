/* SPDX-License-Identifier: ISC */
/* test_dkim_store.c - a domain's DKIM keys in the store (store_dkim.c):
 * made pending with default and given selectors, listed without their
 * private part, every bad input refused naming its field with nothing
 * written, activation retiring the previous key of its algorithm only,
 * deletion, who may do what, the push daemon's read (opened PEM that
 * OpenSSL loads; a row's sealed key copied to another does not open),
 * no private key in the audit log, and migration 017 on a database made
 * by the migrations before it; on whichever backend the fixture gives. */
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
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../fixture.h"
#include "store_dkim.h"

static struct dkim_conf dc = { "/etc/hakomail/dkim.key", { 7, 7, 7 }, 1024,
			       7 };

static void
domain(struct fixture *f, const char *name, const char *guest)
{
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(f->db, &f->admin, name, guest, &obj, &err) != 0)
		fail_msg("domain %s: %s", name, err.message);
	json_decref(obj);
}

/* lab: pc1.example and pc3.example on g1; project other with its guest
 * g2 and other.example, whose backup MX is g2 too. */
static int
setup(void **state)
{
	struct guest_in g = { "g2", "other", "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct fixture *f;
	struct hk_err err;
	json_t *obj = NULL;

	fixture_setup(state);
	f = *state;
	domain(f, "pc1.example", "g1");
	domain(f, "pc3.example", "g1");
	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g, &obj, &err), 0);
	json_decref(obj);
	domain(f, "other.example", "g2");
	return 0;
}

/* A key made as the admin; its selector into sel (may be NULL). */
static void
make(struct fixture *f, const char *dom, const char *alg, const char *sel,
     char *out)
{
	struct dkim_new in = { alg, -1, sel, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_dkim_create(f->db, &f->admin, &dc, dom, &in, &obj, &err) != 0)
		fail_msg("dkim %s %s: %s", dom, sel ? sel : "-", err.message);
	if (out != NULL)
		snprintf(out, DKIM_SELECTOR_MAX + 1, "%s", json_string_value(
			 json_object_get(obj, "selector")));
	json_decref(obj);
}

static int64_t
gen(struct fixture *f)
{
	return fixture_int(f, "SELECT desired_gen FROM guest WHERE name = "
			   "'g1'");
}

static const char *
field(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static void
test_create_list(void **state)
{
	struct fixture *f = *state;
	char want[32], sel[DKIM_SELECTOR_MAX + 1], name[128], *text;
	int64_t g0 = gen(f);
	struct dkim_new in = { NULL, -1, NULL, 0 };
	time_t now = time(NULL);
	struct hk_err err;
	json_t *arr = NULL, *k, *obj = NULL;

	/* the defaults: RSA of [dkim] rsa_bits, today's selector */
	dc.rsa_bits = 2048;
	assert_int_equal(store_dkim_create(f->db, &f->admin, &dc,
					   "pc1.example", &in, &obj, &err), 0);
	dc.rsa_bits = 1024;
	strftime(want, sizeof(want), "hk%Y%m%dr", gmtime(&now));
	assert_string_equal(field(obj, "selector"), want);
	assert_string_equal(field(obj, "algorithm"), "rsa");
	assert_int_equal(json_integer_value(json_object_get(obj, "bits")),
			 2048);
	assert_string_equal(field(obj, "state"), "pending");
	snprintf(name, sizeof(name), "%s._domainkey.pc1.example", want);
	assert_string_equal(field(obj, "record_name"), name);
	assert_int_equal(strncmp(field(obj, "record_value"),
				 "v=DKIM1; k=rsa; p=MII", 21), 0);
	assert_true(json_is_null(json_object_get(obj, "activated_at")));
	assert_null(json_object_get(obj, "private_enc"));
	json_decref(obj);
	assert_int_equal(gen(f), g0 + 1);
	/* taken: -2, -3; Ed25519's own */
	make(f, "pc1.example", NULL, NULL, sel);
	assert_int_equal(strncmp(sel, want, strlen(want)), 0);
	assert_string_equal(sel + strlen(want), "-2");
	make(f, "pc1.example", "rsa", NULL, sel);
	assert_string_equal(sel + strlen(want), "-3");
	make(f, "pc1.example", "ed25519", NULL, sel);
	want[strlen(want) - 1] = 'e';
	assert_string_equal(sel, want);
	make(f, "pc1.example", "ed25519", "Mail-2026", sel);
	assert_string_equal(sel, "mail-2026");
	assert_int_equal(store_dkim_list(f->db, &f->admin, &dc, "pc1.example",
					 &arr, &err), 0);
	assert_int_equal(json_array_size(arr), 5);
	k = json_array_get(arr, 4);
	assert_string_equal(field(k, "selector"), "mail-2026");
	assert_int_equal(strncmp(field(k, "record_value"),
				 "v=DKIM1; k=ed25519; p=", 22), 0);
	assert_int_equal(json_integer_value(json_object_get(k, "bits")), 256);
	text = json_dumps(arr, 0);
	assert_null(strstr(text, "PRIVATE"));
	assert_null(strstr(text, "v1:"));
	free(text);
	json_decref(arr);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'dkim.create'"), 5);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM dkim_key WHERE "
				     "private_enc LIKE 'v1:%' AND private_enc "
				     "NOT LIKE '%PRIVATE%'"), 5);
}

/* Refused as expected, and nothing written. */
static void
refused_new(struct fixture *f, const struct hk_actor *who,
	    const struct dkim_conf *conf, const char *dom,
	    const struct dkim_new *in, enum hk_errcode code, const char *fld,
	    enum hk_reason reason)
{
	int64_t keys = fixture_int(f, "SELECT COUNT(*) FROM dkim_key");
	int64_t audits = fixture_int(f, "SELECT COUNT(*) FROM audit");
	int64_t g0 = gen(f);
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	if (store_dkim_create(f->db, who, conf, dom, in, &obj, &err) != -1)
		fail_msg("%s %s accepted", dom, in->selector ? in->selector :
			 "-");
	assert_null(obj);
	assert_int_equal(err.code, code);
	if (fld != NULL)
		assert_string_equal(err.field, fld);
	assert_int_equal(err.reason, reason);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM dkim_key"), keys);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit"), audits);
	assert_int_equal(gen(f), g0);
}

static void
test_refusals(void **state)
{
	static const char *const sels[] = {
		"a.b", "a b", "a_b", "a\nb", "a=b", "a;b", "-a", "a-", "",
		"a123456789012345678901234567890123456789012345678901234567890123"
	};
	struct fixture *f = *state;
	struct hk_actor owner = { .project_id = 1, .login = "tanaka",
				  .via = "api" };
	struct hk_actor ro = { .is_admin = 1, .read_only = 1, .login = "ro",
			       .via = "api" };
	struct dkim_conf none = dc;
	struct dkim_new in = { "rsa", -1, NULL, 0 };

	make(f, "pc1.example", "ed25519", "taken", NULL);
	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		in.selector = sels[i];
		refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EINVAL,
			    "selector", HK_R_dkim_selector);
	}
	in.selector = "ok";
	in.bits = 512;
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EINVAL, "bits",
		    HK_R_dkim_bits_rsa);
	in.bits = 8192;
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EINVAL, "bits",
		    HK_R_dkim_bits_rsa);
	in.bits = 0;
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EINVAL, "bits",
		    HK_R_dkim_bits_rsa);
	in.bits = 2048;
	in.algorithm = "ed25519";
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EINVAL, "bits",
		    HK_R_dkim_bits_ed25519);
	in.bits = -1;
	in.algorithm = "dsa";
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EINVAL,
		    "algorithm", HK_R_dkim_algorithm);
	in.algorithm = "ed25519";
	/* another project's domain, as one that does not exist */
	refused_new(f, &owner, &dc, "other.example", &in, HK_ENOTFOUND,
		    "domain", HK_R_no_domain);
	refused_new(f, &owner, &dc, "none.example", &in, HK_ENOTFOUND,
		    "domain", HK_R_no_domain);
	refused_new(f, &ro, &dc, "pc1.example", &in, HK_EFORBIDDEN, NULL,
		    HK_R_read_only_key);
	none.key_file[0] = '\0';
	refused_new(f, &f->admin, &none, "pc1.example", &in, HK_EUNAVAIL,
		    NULL, HK_R_dkim_not_configured);
	in.selector = "TAKEN";
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EEXIST,
		    "selector", HK_R_dkim_selector_taken);
	/* a rotation needs an active key of its algorithm */
	in.selector = NULL;
	in.rotate = 1;
	refused_new(f, &f->admin, &dc, "pc1.example", &in, HK_EEXIST,
		    "algorithm", HK_R_dkim_rotate_none);
	/* the owner of lab: its own domain */
	in.rotate = 0;
	in.selector = "own";
	{
		json_t *obj = NULL;
		struct hk_err err;

		assert_int_equal(store_dkim_create(f->db, &owner, &dc,
			"pc1.example", &in, &obj, &err), 0);
		json_decref(obj);
	}
}

static json_t *
key_of(struct fixture *f, const char *dom, const char *sel)
{
	json_t *arr = NULL, *k, *out = NULL;
	struct hk_err err;
	size_t i;

	assert_int_equal(store_dkim_list(f->db, &f->admin, &dc, dom, &arr,
					 &err), 0);
	json_array_foreach(arr, i, k)
		if (strcmp(field(k, "selector"), sel) == 0)
			out = json_incref(k);
	json_decref(arr);
	assert_non_null(out);
	return out;
}

static void
state_is(struct fixture *f, const char *sel, const char *want)
{
	json_t *k = key_of(f, "pc1.example", sel);

	if (strcmp(field(k, "state"), want) != 0)
		fail_msg("%s is %s, not %s", sel, field(k, "state"), want);
	json_decref(k);
}

static void
activate(struct fixture *f, const char *sel, int rc, enum hk_reason reason)
{
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	assert_int_equal(store_dkim_activate(f->db, &f->admin, &dc,
					     "pc1.example", sel, &obj, &err),
			 rc);
	if (rc == 0)
		assert_string_equal(field(obj, "state"), "active");
	else
		assert_int_equal(err.reason, reason);
	json_decref(obj);
}

static void
test_activate(void **state)
{
	struct fixture *f = *state;
	struct dkim_new rot = { "rsa", -1, "r2", 1 };
	struct hk_err err;
	json_t *k, *obj = NULL;
	int64_t g0, at;

	make(f, "pc1.example", "rsa", "r1", NULL);
	make(f, "pc1.example", "ed25519", "e1", NULL);
	activate(f, "r1", 0, HK_R_none);
	activate(f, "e1", 0, HK_R_none);
	activate(f, "r1", -1, HK_R_dkim_not_pending);
	activate(f, "nope", -1, HK_R_no_such_dkim_key);
	/* a rotation: r2 made while r1 is active, then activated */
	assert_int_equal(store_dkim_create(f->db, &f->admin, &dc, "pc1.example",
					   &rot, &obj, &err), 0);
	json_decref(obj);
	state_is(f, "r1", "active");
	g0 = gen(f);
	activate(f, "r2", 0, HK_R_none);
	assert_int_equal(gen(f), g0 + 1);
	state_is(f, "r1", "retiring");
	state_is(f, "r2", "active");
	state_is(f, "e1", "active");	/* the other algorithm's stays */
	k = key_of(f, "pc1.example", "r1");
	at = json_integer_value(json_object_get(k, "retired_at"));
	assert_true(at > 0);
	assert_int_equal(json_integer_value(json_object_get(k,
			 "remove_after")), at + 7 * 86400);
	json_decref(k);
	activate(f, "r1", -1, HK_R_dkim_not_pending);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'dkim.activate'"), 3);
	/* the active key stays; a retiring one goes */
	assert_int_equal(store_dkim_delete(f->db, &f->admin, &dc,
					   "pc1.example", "r2", &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(err.reason, HK_R_dkim_delete_active);
	assert_int_equal(store_dkim_delete(f->db, &f->admin, &dc,
					   "pc1.example", "r1", &err), 0);
	assert_int_equal(store_dkim_delete(f->db, &f->admin, &dc,
					   "pc1.example", "r1", &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, HK_R_no_such_dkim_key);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM dkim_key"), 2);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'dkim.delete'"), 1);
}

/* What the push daemon's read gave. */
struct got {
	int n;
	char seen[8][96];
	char pem_line[8][80];	/* the PEM's first base64 line */
};

static int
take(void *ctx, const struct dkim_signing *k, struct hk_err *err)
{
	struct got *g = ctx;
	BIO *bio = BIO_new_mem_buf(k->pem, (int)k->pem_len);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	const char *nl = strchr(k->pem, '\n');

	(void)err;
	assert_non_null(pkey);
	assert_int_equal(EVP_PKEY_id(pkey), strcmp(k->algorithm, "rsa") == 0 ?
			 EVP_PKEY_RSA : EVP_PKEY_ED25519);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	assert_true(g->n < 8);
	snprintf(g->seen[g->n], sizeof(g->seen[0]), "%s/%s/%s", k->domain,
		 k->selector, k->state);
	snprintf(g->pem_line[g->n], sizeof(g->pem_line[0]), "%.40s", nl + 1);
	g->n++;
	return 0;
}

/* Every text of table's rows as one string. */
static char *
dump(struct fixture *f, const char *sql)
{
	json_t *rows = NULL;
	struct hk_err err;
	char *text;

	assert_int_equal(db_query_json(f->db, sql, NULL, 0, &rows, &err), 0);
	text = json_dumps(rows, 0);
	json_decref(rows);
	return text;
}

static void
test_signing(void **state)
{
	struct fixture *f = *state;
	struct dkim_conf other = dc;
	struct got g = { 0 };
	struct hk_err err;
	char *audit, *list;

	make(f, "pc1.example", "rsa", "old", NULL);
	activate(f, "old", 0, HK_R_none);
	make(f, "pc1.example", "rsa", "new", NULL);
	activate(f, "new", 0, HK_R_none);	/* old: retiring */
	make(f, "pc1.example", "ed25519", "ed", NULL);
	make(f, "pc3.example", "rsa", "p3", NULL);
	make(f, "other.example", "rsa", "o", NULL);
	assert_int_equal(store_dkim_signing(f->db, &dc, 1, take, &g, &err), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.seen[0], "pc1.example/ed/pending");
	assert_string_equal(g.seen[1], "pc1.example/new/active");
	assert_string_equal(g.seen[2], "pc3.example/p3/pending");
	/* no private key in the audit log or the listings */
	audit = dump(f, "SELECT * FROM audit");
	list = dump(f, "SELECT d.name, k.selector, k.public_key FROM dkim_key "
		    "k JOIN domain d ON d.id = k.domain_id");
	assert_null(strstr(audit, "PRIVATE"));
	for (int i = 0; i < g.n; i++) {
		assert_int_equal(strlen(g.pem_line[i]), 40);
		assert_null(strstr(audit, g.pem_line[i]));
		assert_null(strstr(list, g.pem_line[i]));
	}
	free(audit);
	free(list);
	/* another key_file's key: the whole read fails, clearly */
	other.key[0] ^= 1;
	g.n = 0;
	assert_int_equal(store_dkim_signing(f->db, &other, 1, take, &g, &err),
			 -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "does not open"));
	/* a row's sealed key copied to another row does not open there */
	assert_int_equal(db_exec(f->db, "UPDATE dkim_key SET private_enc = "
				 "(SELECT private_enc FROM dkim_key WHERE "
				 "selector = 'p3') WHERE selector = 'ed'", NULL,
				 0, NULL, &err), 0);
	assert_int_equal(store_dkim_signing(f->db, &dc, 1, take, &g, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "ed of pc1.example"));
	/* a guest with none */
	g.n = 0;
	assert_int_equal(store_dkim_signing(f->db, &dc, 999, take, &g, &err),
			 0);
	assert_int_equal(g.n, 0);
}

/* What migrations 022 to 025 made (the search indexes, and on
 * PostgreSQL mailbox's unique key that holds the walk's columns), on
 * either backend. */
static void
undo_022(struct fixture *f)
{
	static const char *const sqlite[] = {
		"DROP TRIGGER mailbox_search_update",
		"DROP TRIGGER mailbox_search_delete",
		"DROP TRIGGER alias_search_update",
		"DROP TRIGGER alias_search_delete", "DROP TABLE search_pending",
		"DROP TABLE search_mark", "DROP TABLE mailbox_search",
		"DROP TABLE alias_search", "DROP INDEX alias_address",
		"DROP INDEX mailbox_walk", NULL
	}, *const pgsql[] = {
		"DROP TABLE mailbox_search", "DROP TABLE alias_search",
		"DROP TABLE search_fresh", "DROP INDEX alias_address",
		"ALTER TABLE mailbox DROP CONSTRAINT mailbox_address, "
		"ADD UNIQUE (domain_id, local_part)",
		"DROP FUNCTION hakomail_search_fresh CASCADE",
		"DROP FUNCTION hakomail_search_mailbox_text CASCADE",
		"DROP FUNCTION hakomail_search_alias_text CASCADE",
		"DROP FUNCTION hakomail_search_gone CASCADE",
		"DROP FUNCTION hakomail_search_mailbox_active CASCADE", NULL
	};
	struct hk_err err;

	for (const char *const *sql = strcmp(db_backend_name(f->db),
					     "sqlite") == 0 ? sqlite : pgsql;
	     *sql != NULL; sql++)
		assert_int_equal(db_exec(f->db, *sql, NULL, 0, NULL, &err), 0);
}

/* A database made by the migrations before 017, with data, then
 * migrated. */
static void
test_migrate(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	int applied = 0;

	make(f, "pc1.example", "ed25519", "gone", NULL);
	assert_int_equal(db_exec(f->db, "DROP TABLE dkim_key", NULL, 0, NULL,
				 &err), 0);
	/* and what the migrations after it added (018: guest's mail_host,
	 * mail_addrs; 019: domain_dns; 020: migrated_domain; 021:
	 * guest_change, push's bytes and bundle; 022 to 025: the search
	 * indexes), as migrations apply only above the highest one */
	undo_022(f);
	assert_int_equal(db_exec(f->db, "DROP TABLE guest_change", NULL, 0,
				 NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "ALTER TABLE push DROP COLUMN bytes",
				 NULL, 0, NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "ALTER TABLE push DROP COLUMN bundle",
				 NULL, 0, NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "DROP TABLE migrated_domain", NULL, 0,
				 NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "DROP TABLE domain_dns", NULL, 0, NULL,
				 &err), 0);
	assert_int_equal(db_exec(f->db, "ALTER TABLE guest DROP COLUMN "
				 "mail_host", NULL, 0, NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "ALTER TABLE guest DROP COLUMN "
				 "mail_addrs", NULL, 0, NULL, &err), 0);
	assert_int_equal(db_exec(f->db, "DELETE FROM schema_migration WHERE "
				 "version >= 17", NULL, 0, NULL, &err), 0);
	assert_int_equal(db_migrate(f->db, &applied, &err), 0);
	assert_int_equal(applied, 9);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM dkim_key"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"), 3);
	make(f, "pc1.example", "ed25519", "back", NULL);
	make(f, "pc1.example", "ed25519", "two", NULL);
	activate(f, "back", 0, HK_R_none);
	/* the partial index: one active key per domain and algorithm */
	assert_int_equal(db_exec(f->db, "UPDATE dkim_key SET state = 'active' "
				 "WHERE selector = 'two'", NULL, 0, NULL, &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_list, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_activate, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_signing, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_migrate, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
