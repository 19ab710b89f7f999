/* SPDX-License-Identifier: ISC */
/* test_store.c - the mail model on SQLite: scoping, conflicts, dirty
 * generations, API keys. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"
#include "../fixture.h"
#include "store.h"

static int64_t
desired_gen(struct db *db)
{
	int64_t g = -1;
	struct hk_err err;

	assert_int_equal(db_query_int(db, "SELECT desired_gen FROM guest "
				      "WHERE name = 'g1'", NULL, 0, &g, &err), 0);
	return g;
}

static void
add_mailbox(struct fixture *f, const struct hk_actor *a, const char *lp,
	    const char *dom, int expect_rc, enum hk_errcode expect_code)
{
	struct mailbox_in in = { lp, dom, "{SHA512-CRYPT}$6$abcdefgh$xyz",
				 "", 0, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	assert_int_equal(store_mailbox_add(f->db, a, &in, &obj, &err),
			 expect_rc);
	assert_int_equal(err.code, expect_code);
	json_decref(obj);
}

static void
test_domain_and_mailbox(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *obj = NULL, *list = NULL;
	int64_t g0 = desired_gen(f->db);
	struct page_in pin = { "pc1.example", NULL, 10, NULL, -1, 0 };
	char next[PAGE_CURSOR_MAX + 1];

	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "guest")),
			    "g1");
	json_decref(obj);
	assert_int_equal(desired_gen(f->db), g0 + 1);
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_string_equal(err.field, "name");
	assert_int_equal(desired_gen(f->db), g0 + 1);	/* rolled back */

	add_mailbox(f, &f->admin, "matsui", "pc1.example", 0, HK_OK);
	assert_int_equal(desired_gen(f->db), g0 + 2);
	add_mailbox(f, &f->admin, "matsui", "pc1.example", -1, HK_EEXIST);
	add_mailbox(f, &f->admin, "matsui", "nosuch.example", -1, HK_ENOTFOUND);
	assert_int_equal(desired_gen(f->db), g0 + 2);
	assert_int_equal(store_mailbox_list(f->db, &f->admin, &pin, &list,
					    next, &err), 0);
	assert_string_equal(next, "");
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "address")), "matsui@pc1.example");
	assert_null(json_object_get(json_array_get(list, 0), "password_hash"));
	json_decref(list);
	/* domains come back with their U-label and a boolean active */
	assert_int_equal(store_domain_add(f->db, &f->admin,
					  "xn--pss25c.example", "g1", &obj,
					  &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj,
		"display_name")), "大学.example");
	assert_true(json_is_true(json_object_get(obj, "active")));
	json_decref(obj);
	assert_int_equal(store_domain_list(f->db, &f->admin, NULL, &list,
					   NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 1), "display_name")), "大学.example");
	json_decref(list);
	list = NULL;
}

static void
test_alias_blocks_mailbox(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *obj = NULL;

	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(db_exec(f->db, "INSERT INTO alias (domain_id, "
		"local_part, destinations, created_at) SELECT id, 'info', "
		"'matsui@pc1.example', 0 FROM domain", NULL, 0, NULL, &err), 0);
	add_mailbox(f, &f->admin, "info", "pc1.example", -1, HK_EEXIST);
}

static void
test_tenant_scope(void **state)
{
	struct fixture *f = *state;
	struct hk_actor other = { .project_id = 999 }, ro = { .is_admin = 1,
							      .read_only = 1 };
	struct hk_err err;
	json_t *obj = NULL, *list = NULL;

	/* Another project's owner cannot see or use g1, and is told "no
	 * such", exactly as for a guest that does not exist. */
	assert_int_equal(store_domain_add(f->db, &other, "pc9.example", "g1",
					  &obj, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(store_domain_get(f->db, &other, "pc1.example", &obj,
					  &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_domain_list(f->db, &other, NULL, &list, NULL,
					   &err), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	add_mailbox(f, &other, "x", "pc1.example", -1, HK_ENOTFOUND);
	add_mailbox(f, &ro, "x", "pc1.example", -1, HK_EFORBIDDEN);
}

static void
test_apikeys(void **state)
{
	struct fixture *f = *state;
	char token[256], bad[256];
	struct hk_actor a;
	struct hk_err err;

	fixture_key(f, "admin", NULL, token, sizeof(token));
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), 0);
	assert_true(a.is_admin);
	assert_string_equal(a.login, "admin");
	snprintf(bad, sizeof(bad), "%s", token);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	assert_int_equal(store_apikey_auth(f->db, bad, &a, &err), -1);
	assert_int_equal(err.code, HK_EAUTH);
	assert_int_equal(store_apikey_auth(f->db, "hk_nonsense", &a, &err), -1);
	assert_int_equal(db_exec(f->db, "UPDATE api_key SET expires_at = 1",
				 NULL, 0, NULL, &err), 0);
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), -1);
	/* only the digest of the secret part is stored, never the secret */
	{
		const char *body = strrchr(token, '_') + 1;
		char digest[65];
		int64_t n = -1;

		sha256_hex(body, strlen(body), digest);
		assert_int_equal(db_query_int(f->db, "SELECT COUNT(*) FROM "
			"api_key WHERE secret_sha256 = $1", (struct db_param[]){
			DB_TXT(digest) }, 1, &n, &err), 0);
		assert_int_equal(n, 1);
		assert_int_equal(db_query_int(f->db, "SELECT COUNT(*) FROM "
			"api_key WHERE secret_sha256 = $1 OR prefix = $1",
			(struct db_param[]){ DB_TXT(body) }, 1, &n, &err), 0);
		assert_int_equal(n, 0);
	}
}

static void
test_backup_mx(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "lab", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct guest_in g9 = { "g9", "other", "10.0.0.9", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t pid, gen2;

	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err),
			 0);
	json_decref(obj);
	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	assert_int_equal(store_project_id(f->db, "other", &pid, &err), 0);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g9, &obj, &err),
			 0);
	json_decref(obj);
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(db_query_int(f->db, "SELECT desired_gen FROM guest "
				      "WHERE name = 'g2'", NULL, 0, &gen2,
				      &err), 0);
	assert_int_equal(store_domain_backup(f->db, &f->admin, "pc1.example",
					     "g2", &err), 0);
	assert_int_equal(db_query_int(f->db, "SELECT desired_gen - $1 FROM "
		"guest WHERE name = 'g2'", (struct db_param[]){ DB_INTV(gen2) },
		1, &gen2, &err), 0);
	assert_int_equal(gen2, 1);	/* the backup now owes a push */
	assert_int_equal(store_domain_get(f->db, &f->admin, "pc1.example",
					  &obj, &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj,
		"backup_guest")), "g2");
	json_decref(obj);
	/* not its own primary, not another project's guest */
	assert_int_equal(store_domain_backup(f->db, &f->admin, "pc1.example",
					     "g1", &err), -1);
	assert_string_equal(err.field, "backup_guest");
	assert_int_equal(store_domain_backup(f->db, &f->admin, "pc1.example",
					     "g9", &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_domain_backup(f->db, &f->admin, "pc1.example",
					     NULL, &err), 0);
	assert_int_equal(store_domain_get(f->db, &f->admin, "pc1.example",
					  &obj, &err), 0);
	assert_true(json_is_null(json_object_get(obj, "backup_guest")));
	json_decref(obj);
}

/* A page is written as text straight from the rows: a stored value that
 * is not UTF-8 (written around the panel) fails the page instead of
 * going out as broken JSON.  SQLite only: PostgreSQL's UTF8 database
 * refuses such a value on the way in. */
static void
test_page_text_checks_utf8(void **state)
{
	struct fixture *f = *state;
	struct page_in pin = { "pc1.example", NULL, 10, NULL, -1, 0 };
	char next[PAGE_CURSOR_MAX + 1];
	struct strbuf sb;
	struct hk_err err;
	json_t *obj = NULL;

	if (f->pgname[0] != '\0')
		return;
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	add_mailbox(f, &f->admin, "matsui", "pc1.example", 0, HK_OK);
	strbuf_init(&sb, 0);
	assert_int_equal(store_mailbox_page(f->db, &f->admin, &pin, &sb, next,
					    &err), 0);
	assert_non_null(strstr(strbuf_str(&sb), "\"active\":true"));
	strbuf_reset(&sb);
	assert_int_equal(db_exec(f->db, "UPDATE mailbox SET name = "
				 "CAST(X'C328' AS TEXT)", NULL, 0, NULL, &err),
			 0);
	assert_int_equal(store_mailbox_page(f->db, &f->admin, &pin, &sb, next,
					    &err), -1);
	assert_int_equal(err.code, HK_EDB);
	strbuf_free(&sb);
}

/* db_open() on db's URL fails, saying to run `want`. */
static void
open_refused(const char *url, const char *want)
{
	struct hk_err err;

	hk_err_clear(&err);
	assert_null(db_open(url, &err));
	assert_int_equal(err.code, HK_EDB);
	assert_string_equal(err.field, "database.url");
	assert_non_null(strstr(err.message, want));
}

/* A program other than hakomail init opens only a database made and up
 * to date, and says what to run instead of a query's "no such table";
 * on SQLite it never makes the file. */
static void
test_open_needs_schema(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	struct db *db;
	char url[128], *path;

	assert_non_null(db = db_open(f->url, &err));
	db_close(db);
	assert_int_equal(db_exec(f->db, "DELETE FROM schema_migration WHERE "
				 "version = (SELECT MAX(version) FROM "
				 "schema_migration)", NULL, 0, NULL, &err), 0);
	open_refused(f->url, "run: hakomail migrate");
	assert_int_equal(db_exec(f->db, "DROP TABLE schema_migration", NULL,
				 0, NULL, &err), 0);
	open_refused(f->url, "no schema: run: hakomail init");
	if (f->pgname[0] != '\0')
		return;
	snprintf(url, sizeof(url), "sqlite:%s/none.db", f->dir);
	path = url + strlen("sqlite:");
	open_refused(url, "no database at");
	assert_int_equal(access(path, F_OK), -1);
	assert_non_null(db = db_open_init(url, &err));	/* init makes it */
	db_close(db);
	open_refused(url, "no schema: run: hakomail init");
	assert_int_equal(unlink(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domain_and_mailbox,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alias_blocks_mailbox,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tenant_scope,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_apikeys,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_page_text_checks_utf8,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_backup_mx,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_open_needs_schema,
			fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
