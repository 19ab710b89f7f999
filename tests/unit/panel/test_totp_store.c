/* SPDX-License-Identifier: ISC */
/* test_totp_store.c - the second factor in the store (store_totp.c):
 * enrol, confirm, verify at sign-in within the login throttle, status,
 * reset, and who may do which, on whichever backend the fixture gives. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "digest.h"
#include "store_totp.h"
#include "store_session.h"
#include "totp.h"

#define NOW	1111111111	/* any time: the store takes the caller's */

struct who {
	struct hk_actor owner;		/* "tanaka", owner of lab */
	struct hk_actor stranger;	/* "sato", owner of "other" */
	int64_t owner_id, stranger_id;
};

static void
add(struct fixture *f, const char *login, const char *project)
{
	struct account_in in = { login, project ? "owner" : "admin", project,
				 NULL, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_account_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("account %s: %s", login, err.message);
	json_decref(obj);
}

static int64_t
account_id(struct fixture *f, const char *login)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT id FROM account WHERE login = '%s'",
		 login);
	return fixture_int(f, sql);
}

static void
actors(struct fixture *f, struct who *w)
{
	struct hk_err err;

	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	add(f, "tanaka", "lab");
	add(f, "sato", "other");
	add(f, "ops", NULL);
	memset(w, 0, sizeof(*w));
	w->owner_id = account_id(f, "tanaka");
	w->owner = (struct hk_actor){ .account_id = w->owner_id,
				      .project_id = 1, .login = "tanaka",
				      .via = "web" };
	w->stranger_id = account_id(f, "sato");
	w->stranger = (struct hk_actor){ .account_id = w->stranger_id,
					 .project_id = fixture_int(f,
					 "SELECT id FROM project WHERE name = "
					 "'other'"),
					 .login = "sato", .via = "web" };
}

/* Enrols login as actor; the secret into secret[]. */
static void
enrol(struct fixture *f, const struct hk_actor *a, const char *login,
      char secret[TOTP_SECRET_B32 + 1])
{
	struct hk_err err;
	json_t *out = NULL;
	const char *uri;

	if (store_totp_enrol(f->db, a, login, &out, &err) != 0)
		fail_msg("enrol %s: %s", login, err.message);
	snprintf(secret, TOTP_SECRET_B32 + 1, "%s",
		 json_string_value(json_object_get(out, "secret")));
	assert_int_equal(strlen(secret), TOTP_SECRET_B32);
	uri = json_string_value(json_object_get(out, "uri"));
	assert_non_null(uri);
	assert_non_null(strstr(uri, secret));
	assert_int_equal(strncmp(uri, "otpauth://totp/hakomail:", 24), 0);
	json_decref(out);
}

static void
code_at(const char *secret, int64_t t, char code[TOTP_DIGITS + 1])
{
	unsigned char key[TOTP_KEY_MAX];
	size_t n;

	assert_int_equal(base32_decode(secret, key, sizeof(key), &n), 0);
	assert_int_equal(totp_code(key, n, totp_step(t), code), 0);
}

/* A code that is none of the steps near t. */
static void
wrong_code(const char *secret, int64_t t, char code[TOTP_DIGITS + 1])
{
	char c[16];
	int clash;

	for (int i = 0; i < 1000; i++) {
		snprintf(c, sizeof(c), "%06d", 123456 + i);
		memcpy(code, c, TOTP_DIGITS + 1);
		clash = 0;
		for (int d = -1; d <= 1; d++) {
			code_at(secret, t + d * TOTP_PERIOD, c);
			clash |= strcmp(c, code) == 0;
		}
		if (!clash)
			return;
	}
	fail_msg("no wrong code found");
}

static int
verify(struct fixture *f, int64_t id, const char *code, int64_t now,
       int *recovery, struct hk_err *err)
{
	int rc;

	hk_err_clear(err);
	assert_int_equal(db_begin(f->db, 1, err), 0);
	rc = store_totp_verify(f->db, id, code, now, recovery, err);
	if (rc == 0)
		assert_int_equal(db_commit(f->db, err), 0);
	else
		db_rollback(f->db);
	return rc;
}

/* Confirms; the recovery codes into codes (a new reference). */
static void
confirm(struct fixture *f, const struct hk_actor *a, const char *login,
	const char *secret, int64_t now, json_t **codes)
{
	char code[TOTP_DIGITS + 1];
	struct hk_err err;
	json_t *out = NULL;

	code_at(secret, now, code);
	if (store_totp_confirm(f->db, a, login, code, now, &out, &err) != 0)
		fail_msg("confirm %s: %s", login, err.message);
	*codes = json_incref(json_object_get(out, "recovery_codes"));
	json_decref(out);
}

static void
test_enrol_confirm_verify(void **state)
{
	struct fixture *f = *state;
	char s1[TOTP_SECRET_B32 + 1], secret[TOTP_SECRET_B32 + 1];
	char code[TOTP_DIGITS + 1];
	struct hk_err err;
	struct who w;
	json_t *codes = NULL, *out = NULL;
	int64_t id;

	actors(f, &w);
	id = w.owner_id;
	/* an unconfirmed secret is replaced by the next enrolment */
	enrol(f, &w.owner, "tanaka", s1);
	enrol(f, &w.owner, "tanaka", secret);
	assert_string_not_equal(s1, secret);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account_totp"),
			 1);
	/* an unconfirmed secret opens nothing */
	code_at(secret, NOW, code);
	assert_int_equal(verify(f, id, code, NOW, NULL, &err), -1);
	assert_int_equal(err.code, HK_EAUTH);
	assert_int_equal(err.reason, HK_R_totp_bad_code);
	/* a wrong code does not confirm: nothing written */
	wrong_code(secret, NOW, code);
	assert_int_equal(store_totp_confirm(f->db, &w.owner, "tanaka", code,
					    NOW, &out, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "code");
	assert_int_equal(err.reason, HK_R_totp_bad_code);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account_totp "
				     "WHERE confirmed_at IS NOT NULL"), 0);
	confirm(f, &w.owner, "tanaka", secret, NOW, &codes);
	assert_int_equal(json_array_size(codes), TOTP_RECOVERY_COUNT);
	json_decref(codes);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'account.totp.enrol' AND object "
				     "= 'tanaka'"), 1);
	/* confirmed: no second enrolment, no second confirmation */
	assert_int_equal(store_totp_enrol(f->db, &w.owner, "tanaka", &out,
					  &err), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(err.reason, HK_R_totp_enrolled);
	code_at(secret, NOW + TOTP_PERIOD, code);
	assert_int_equal(store_totp_confirm(f->db, &w.owner, "tanaka", code,
					    NOW + TOTP_PERIOD, &out, &err), -1);
	assert_int_equal(err.reason, HK_R_totp_enrolled);
	/* the code that confirmed is not accepted at sign-in: its step is
	 * used; the next step's code is, once */
	code_at(secret, NOW, code);
	assert_int_equal(verify(f, id, code, NOW, NULL, &err), -1);
	assert_int_equal(err.reason, HK_R_totp_bad_code);
	code_at(secret, NOW + TOTP_PERIOD, code);
	assert_int_equal(verify(f, id, code, NOW + TOTP_PERIOD, NULL, &err), 0);
	assert_int_equal(verify(f, id, code, NOW + TOTP_PERIOD, NULL, &err),
			 -1);
	assert_int_equal(err.code, HK_EAUTH);
	assert_int_equal(err.reason, HK_R_totp_bad_code);
	/* drift: the code of the step after now's, not twice; nor an older
	 * step's once a newer one went */
	code_at(secret, NOW + 3 * TOTP_PERIOD, code);
	assert_int_equal(verify(f, id, code, NOW + 2 * TOTP_PERIOD, NULL,
				&err), 0);
	assert_int_equal(verify(f, id, code, NOW + 3 * TOTP_PERIOD, NULL,
				&err), -1);
	code_at(secret, NOW + 2 * TOTP_PERIOD, code);
	assert_int_equal(verify(f, id, code, NOW + 2 * TOTP_PERIOD, NULL,
				&err), -1);
	/* two steps away: refused */
	code_at(secret, NOW + 10 * TOTP_PERIOD, code);
	assert_int_equal(verify(f, id, code, NOW + 8 * TOTP_PERIOD, NULL,
				&err), -1);
	assert_int_equal(verify(f, id, code, NOW + 12 * TOTP_PERIOD, NULL,
				&err), -1);
	assert_int_equal(verify(f, id, code, NOW + 11 * TOTP_PERIOD, NULL,
				&err), 0);
}

/* Ten codes, shown once, kept only as digests; each goes once. */
static void
test_recovery_codes(void **state)
{
	struct fixture *f = *state;
	char secret[TOTP_SECRET_B32 + 1], norm[TOTP_RECOVERY_CHARS + 1];
	char sql[256], digest[65], typed[32];
	struct hk_err err;
	struct who w;
	json_t *codes = NULL, *st = NULL;
	int recovery = 0;

	actors(f, &w);
	enrol(f, &f->admin, "ops", secret);
	confirm(f, &f->admin, "ops", secret, NOW, &codes);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM "
				     "account_recovery_code"), 10);
	for (size_t i = 0; i < json_array_size(codes); i++) {
		const char *c = json_string_value(json_array_get(codes, i));

		assert_int_equal(strlen(c), TOTP_RECOVERY_LEN);
		assert_int_equal(totp_recovery_norm(c, norm), 0);
		/* neither the code nor its letters are in the table */
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM "
			 "account_recovery_code WHERE code_sha256 LIKE '%%%s%%'"
			 " OR code_sha256 LIKE '%%%s%%'", c, norm);
		assert_int_equal(fixture_int(f, sql), 0);
		sha256_hex(norm, strlen(norm), digest);
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM "
			 "account_recovery_code WHERE code_sha256 = '%s'",
			 digest);
		assert_int_equal(fixture_int(f, sql), 1);
	}
	/* the secret is kept (it must be: the codes are computed from it),
	 * the status never shows it */
	assert_int_equal(store_totp_status(f->db, &f->admin, "ops", &st, &err),
			 0);
	assert_null(json_object_get(st, "secret"));
	assert_true(json_is_true(json_object_get(st, "enrolled")));
	assert_true(json_is_true(json_object_get(st, "confirmed")));
	assert_int_equal(json_integer_value(json_object_get(st,
			 "recovery_codes_left")), 10);
	json_decref(st);
	/* typed in upper case without dashes: accepted, once */
	snprintf(typed, sizeof(typed), "%s",
		 json_string_value(json_array_get(codes, 3)));
	assert_int_equal(totp_recovery_norm(typed, norm), 0);
	for (char *p = norm; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	assert_int_equal(verify(f, account_id(f, "ops"), norm, NOW + 600,
				&recovery, &err), 0);
	assert_int_equal(recovery, 1);
	assert_int_equal(verify(f, account_id(f, "ops"), typed, NOW + 600,
				&recovery, &err), -1);
	assert_int_equal(err.reason, HK_R_totp_bad_code);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM "
				     "account_recovery_code WHERE used_at IS "
				     "NOT NULL"), 1);
	/* another account's code opens nothing */
	assert_int_equal(verify(f, w.owner_id, json_string_value(
				json_array_get(codes, 4)), NOW, NULL, &err), -1);
	assert_int_equal(store_totp_status(f->db, &f->admin, "ops", &st, &err),
			 0);
	assert_int_equal(json_integer_value(json_object_get(st,
			 "recovery_codes_left")), 9);
	json_decref(st);
	json_decref(codes);
}

/* An owner reaches its own account only; every other is answered like
 * one that does not exist. */
static void
test_scope(void **state)
{
	struct fixture *f = *state;
	char secret[TOTP_SECRET_B32 + 1], code[TOTP_DIGITS + 1];
	const char *others[] = { "sato", "ops", "nosuch" };
	struct hk_err err, gone;
	struct who w;
	json_t *out = NULL;

	actors(f, &w);
	enrol(f, &f->admin, "sato", secret);
	code_at(secret, NOW, code);
	assert_int_equal(store_totp_status(f->db, &w.owner, "nosuch", &out,
					   &gone), -1);
	for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++) {
		assert_int_equal(store_totp_enrol(f->db, &w.owner, others[i],
						  &out, &err), -1);
		assert_int_equal(err.code, gone.code);
		assert_int_equal(err.reason, gone.reason);
		assert_string_equal(err.message, gone.message);
		assert_int_equal(store_totp_confirm(f->db, &w.owner, others[i],
						    code, NOW, &out, &err), -1);
		assert_int_equal(err.code, HK_ENOTFOUND);
		assert_string_equal(err.message, gone.message);
		assert_int_equal(store_totp_status(f->db, &w.owner, others[i],
						   &out, &err), -1);
		assert_string_equal(err.message, gone.message);
	}
	assert_int_equal(gone.code, HK_ENOTFOUND);
	assert_int_equal(gone.reason, HK_R_no_such_account);
	/* sato's secret is as the operator left it */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account_totp "
				     "WHERE confirmed_at IS NULL"), 1);
	/* its own account: yes; read-only keys write nothing */
	enrol(f, &w.owner, "tanaka", secret);
	w.owner.read_only = 1;
	assert_int_equal(store_totp_enrol(f->db, &w.owner, "tanaka", &out,
					  &err), -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_int_equal(store_totp_status(f->db, &w.owner, "tanaka", &out,
					   &err), 0);
	assert_true(json_is_true(json_object_get(out, "enrolled")));
	assert_true(json_is_false(json_object_get(out, "confirmed")));
	json_decref(out);
}

/* Reset: an operator's alone, audited, the sessions ended. */
static void
test_reset(void **state)
{
	struct fixture *f = *state;
	char secret[TOTP_SECRET_B32 + 1];
	struct hk_err err;
	struct who w;
	json_t *codes = NULL, *st = NULL;
	struct db_param p[1];

	actors(f, &w);
	enrol(f, &w.owner, "tanaka", secret);
	confirm(f, &w.owner, "tanaka", secret, NOW, &codes);
	json_decref(codes);
	p[0] = DB_INTV(w.owner_id);
	assert_int_equal(db_exec(f->db, "INSERT INTO session (account_id, "
				 "token_sha256, csrf, address, created_at, "
				 "last_seen_at, expires_at) VALUES ($1, 'x', "
				 "'y', '127.0.0.1', 1, 1, 9999999999)", p, 1,
				 NULL, &err), 0);
	assert_int_equal(store_totp_reset(f->db, &w.owner, "tanaka", &err),
			 -1);
	assert_int_equal(err.code, HK_EFORBIDDEN);
	assert_int_equal(err.reason, HK_R_operator_only);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account_totp"),
			 1);
	assert_int_equal(store_totp_reset(f->db, &f->admin, "tanaka", &err),
			 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account_totp"),
			 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM "
				     "account_recovery_code"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM session WHERE "
				     "revoked_at IS NULL"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'account.totp.reset' AND object "
				     "= 'tanaka' AND actor = 'test'"), 1);
	assert_int_equal(store_totp_status(f->db, &w.owner, "tanaka", &st,
					   &err), 0);
	assert_true(json_is_false(json_object_get(st, "enrolled")));
	assert_int_equal(json_integer_value(json_object_get(st,
			 "recovery_codes_left")), 0);
	json_decref(st);
	/* nothing left to reset; no such account */
	assert_int_equal(store_totp_reset(f->db, &f->admin, "tanaka", &err),
			 -1);
	assert_int_equal(err.reason, HK_R_totp_not_enrolled);
	assert_int_equal(store_totp_reset(f->db, &f->admin, "nosuch", &err),
			 -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, HK_R_no_such_account);
	/* enrolled again from scratch; deleting the account takes it all */
	enrol(f, &w.owner, "tanaka", secret);
	confirm(f, &w.owner, "tanaka", secret, NOW, &codes);
	json_decref(codes);
	assert_int_equal(store_account_delete(f->db, &f->admin, "tanaka",
					      &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM account_totp"),
			 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM "
				     "account_recovery_code"), 0);
}

/* A wrong code at sign-in counts in the password's throttle: the same
 * keys, the same waits. */
static void
test_throttle(void **state)
{
	struct fixture *f = *state;
	struct session_policy pol = { 43200, 1800, 2, 50, 900, 0, NULL, NULL };
	char secret[TOTP_SECRET_B32 + 1], code[TOTP_DIGITS + 1];
	struct login_keys k;
	struct hk_err err;
	struct who w;
	json_t *codes = NULL;
	int64_t wait = -1;

	actors(f, &w);
	enrol(f, &w.owner, "tanaka", secret);
	confirm(f, &w.owner, "tanaka", secret, NOW, &codes);
	json_decref(codes);
	wrong_code(secret, NOW + 60, code);
	store_login_keys("tanaka", "192.0.2.7", &k);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_begin(f->db, 1, &err), 0);
		assert_int_equal(store_login_hold(f->db, &k, NOW + 60, &wait,
						  &err), 0);
		assert_int_equal(wait, 0);
		assert_int_equal(store_totp_verify(f->db, w.owner_id, code,
						   NOW + 60, NULL, &err), -1);
		assert_int_equal(store_login_failed(f->db, &pol, &k, NOW + 60,
						    err.reason, &err), -1);
		assert_int_equal(err.code, HK_EAUTH);
		assert_int_equal(err.reason, HK_R_totp_bad_code);
	}
	assert_int_equal(fixture_int(f, "SELECT failures FROM login_throttle "
				     "WHERE key = 'login:tanaka'"), 2);
	assert_int_equal(db_begin(f->db, 1, &err), 0);
	assert_int_equal(store_login_hold(f->db, &k, NOW + 60, &wait, &err), 0);
	db_rollback(f->db);
	assert_true(wait > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrol_confirm_verify,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_recovery_codes,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scope, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reset, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_throttle, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
