/* SPDX-License-Identifier: ISC */
/* test_accounts.c - accounts, API keys, and deleting projects and guests,
 * on whichever backend the fixture gives. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "pwhash.h"
#include "store.h"

static int
add_account(struct fixture *f, const struct hk_actor *a, const char *login,
	    const char *role, const char *project, struct hk_err *err)
{
	struct account_in in = { login, role, project, NULL, 0 };
	json_t *obj = NULL;
	int rc;

	hk_err_clear(err);
	rc = store_account_add(f->db, a, &in, &obj, err);
	json_decref(obj);
	return rc;
}

static int64_t
count(struct fixture *f, const char *sql)
{
	return fixture_int(f, sql);
}

static void
test_account_rules(void **state)
{
	struct fixture *f = *state;
	struct hk_actor owner = { .project_id = 1, .via = "api",
				  .login = "o" };
	struct hk_err err;
	json_t *list = NULL, *a;

	assert_int_equal(add_account(f, &f->admin, "ops", "admin", NULL, &err),
			 0);
	assert_int_equal(add_account(f, &f->admin, "tanaka", "owner", "lab",
				     &err), 0);
	/* refused, naming the field, and nothing written */
	assert_int_equal(add_account(f, &f->admin, "ops", "admin", NULL, &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_string_equal(err.field, "login");
	assert_int_equal(add_account(f, &f->admin, "x", "owner", NULL, &err),
			 -1);
	assert_string_equal(err.field, "project");
	assert_int_equal(add_account(f, &f->admin, "x", "owner", "nosuch",
				     &err), -1);
	assert_string_equal(err.field, "project");
	assert_int_equal(add_account(f, &f->admin, "x", "admin", "lab", &err),
			 -1);
	assert_string_equal(err.field, "project");
	assert_int_equal(add_account(f, &f->admin, "x", "root", NULL, &err),
			 -1);
	assert_string_equal(err.field, "role");
	assert_int_equal(add_account(f, &owner, "x", "owner", "lab", &err),
			 -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM account"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE action = "
			       "'account.add'"), 2);
	/* the listing says whether there is a password, never the hash */
	assert_int_equal(store_account_list(f->db, &f->admin, NULL, &list,
					    NULL, &err), 0);
	assert_int_equal(json_array_size(list), 2);
	a = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(a, "login")),
			    "tanaka");
	assert_string_equal(json_string_value(json_object_get(a, "project")),
			    "lab");
	assert_true(json_is_false(json_object_get(a, "has_password")));
	assert_null(json_object_get(a, "password_hash"));
	json_decref(list);
	list = NULL;
	assert_int_equal(store_account_list(f->db, &owner, NULL, &list, NULL,
					    &err), -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
}

static void
test_account_password(void **state)
{
	struct fixture *f = *state;
	char hash[PWHASH_MAX], stored[PWHASH_MAX + 8];
	struct db_param p[1] = { DB_TXT("tanaka") };
	struct hk_err err;
	json_t *row = NULL;

	assert_int_equal(add_account(f, &f->admin, "tanaka", "owner", "lab",
				     &err), 0);
	assert_int_equal(pwhash_make("correct horse battery", hash, &err), 0);
	assert_int_equal(store_account_password(f->db, &f->admin, "tanaka",
						hash, &err), 0);
	assert_int_equal(db_query_object(f->db, "SELECT password_hash FROM "
					 "account WHERE login = $1", p, 1,
					 &row, &err), 0);
	snprintf(stored, sizeof(stored), "%s", json_string_value(
		json_object_get(row, "password_hash")));
	json_decref(row);
	assert_true(pwhash_verify("correct horse battery", stored));
	assert_false(pwhash_verify("wrong horse battery", stored));
	/* the audit entry records the change, not the hash */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE action = "
			       "'account.password' AND detail LIKE "
			       "'%\"has_password\":true%' AND detail NOT LIKE "
			       "'%$6$%'"), 1);
	assert_int_equal(store_account_password(f->db, &f->admin, "tanaka",
						NULL, &err), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM account WHERE "
			       "password_hash IS NULL"), 1);
	assert_int_equal(store_account_password(f->db, &f->admin, "nosuch",
						hash, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_string_equal(err.field, "login");
}

static void
test_disabled_account_keys(void **state)
{
	struct fixture *f = *state;
	char token[256], second[256];
	struct hk_actor a;
	struct hk_err err;

	fixture_key(f, "tanaka", "lab", token, sizeof(token));
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), 0);
	assert_false(a.is_admin);
	assert_int_equal(store_account_disable(f->db, &f->admin, "tanaka", 1,
					       &err), 0);
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), -1);
	assert_int_equal(err.code, HK_EAUTH);
	/* no new key for a disabled account */
	assert_int_equal(store_apikey_create(f->db, &f->admin, "tanaka", 0, 0,
					     second, sizeof(second), &err), -1);
	assert_string_equal(err.field, "login");
	assert_int_equal(store_account_disable(f->db, &f->admin, "tanaka", 0,
					       &err), 0);
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), 0);
	/* an account cannot lock itself out */
	assert_int_equal(store_account_disable(f->db, &a, "tanaka", 1, &err),
			 -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	a.is_admin = 1;
	assert_int_equal(store_account_disable(f->db, &a, "tanaka", 1, &err),
			 -1);
	assert_int_equal(err.code, HK_EINVAL);
	/* deleting takes its keys */
	assert_int_equal(store_account_delete(f->db, &f->admin, "tanaka",
					      &err), 0);
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), -1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM api_key"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE action IN "
			       "('account.disable', 'account.enable', "
			       "'account.delete', 'apikey.create')"), 4);
}

static void
test_owner_keys(void **state)
{
	struct fixture *f = *state;
	char token[256], other[256];
	struct hk_actor a;
	struct hk_err err;

	fixture_key(f, "tanaka", "lab", token, sizeof(token));
	fixture_key(f, "suzuki", "lab", other, sizeof(other));
	assert_int_equal(store_apikey_auth(f->db, token, &a, &err), 0);
	snprintf(a.via, sizeof(a.via), "api");
	/* an owner makes and revokes keys for itself only */
	assert_int_equal(store_apikey_create(f->db, &a, "suzuki", 0, 0, other,
					     sizeof(other), &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(store_apikey_create(f->db, &a, "tanaka", 1, 0, other,
					     sizeof(other), &err), 0);
	assert_int_equal(store_apikey_revoke(f->db, &a, "0000000000000000",
					     &err), -1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM api_key WHERE "
			       "revoked_at IS NULL"), 3);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE action = "
			       "'apikey.create' AND project_id = 1"), 3);
}

static void
test_delete_project_and_guest(void **state)
{
	struct fixture *f = *state;
	struct hk_err err;
	json_t *obj = NULL;

	assert_int_equal(add_account(f, &f->admin, "tanaka", "owner", "lab",
				     &err), 0);
	assert_int_equal(store_domain_add(f->db, &f->admin, "pc1.example",
					  "g1", &obj, &err), 0);
	json_decref(obj);
	/* in use: refused, naming what is left, nothing deleted */
	assert_int_equal(store_project_delete(f->db, &f->admin, "lab", &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_non_null(strstr(err.message, "1 guests, 1 domains"));
	assert_int_equal(store_guest_delete(f->db, &f->admin, "g1", &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM guest"), 1);
	assert_int_equal(store_domain_delete(f->db, &f->admin, "pc1.example",
					     0, 86400, &err), 0);
	assert_int_equal(store_guest_delete(f->db, &f->admin, "g1", &err), 0);
	assert_int_equal(store_project_delete(f->db, &f->admin, "lab", &err),
			 0);
	/* the owner goes with the project; the audit log stays */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM account"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE action IN "
			       "('guest.delete', 'project.delete')"), 2);
	assert_int_equal(store_project_delete(f->db, &f->admin, "lab", &err),
			 -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
}

static void
test_guest_update(void **state)
{
	struct fixture *f = *state;
	struct guest_in moved = { .name = "g1", .host = "10.0.0.7",
				  .port = 2222 };
	struct hk_actor owner = { .project_id = 1, .via = "api" };
	struct hk_err err;
	json_t *obj = NULL;
	int64_t gen = fixture_int(f, "SELECT desired_gen FROM guest");

	assert_int_equal(store_guest_update(f->db, &owner, &moved, &obj, &err),
			 -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_null(obj);
	moved.name = "nosuch";
	assert_int_equal(store_guest_update(f->db, &f->admin, &moved, &obj,
					    &err), -1);
	assert_string_equal(err.field, "guest");
	moved.name = "g1";
	assert_int_equal(store_guest_update(f->db, &f->admin, &moved, &obj,
					    &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj,
			    "ssh_host")), "10.0.0.7");
	json_decref(obj);
	/* the user and the pinned key are kept; a push is owed at once */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest WHERE "
				     "ssh_port = 2222 AND ssh_user = 'root' AND "
				     "host_key LIKE 'ssh-ed25519 %' AND "
				     "retry_at = 0"), 1);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"),
			 gen + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_account_rules,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_account_password,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_disabled_account_keys,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_owner_keys,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_delete_project_and_guest,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_guest_update,
						fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
