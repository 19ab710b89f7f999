/* SPDX-License-Identifier: ISC */
/*
 * store_totp.c - the second factor of panel accounts: a TOTP secret
 * (totp.c), enrolled, confirmed by a first code, checked at sign-in with
 * no code accepted twice, and ten single-use recovery codes kept as
 * their SHA-256.  See store.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "store_totp.h"
#include "totp.h"

#define TOTP_ISSUER	"hakomail"

/* The account `login` as the actor may reach it: an operator any, an
 * owner itself only (the query never reaches another account, so every
 * other name is answered like one that does not exist). */
static int
totp_account(struct db *db, const struct hk_actor *actor, const char *login,
	     int64_t *id, int64_t *project, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(login),
				 DB_INTV(actor->is_admin ? -1 :
					 actor->account_id) };
	int64_t v[2];

	if (db_query_ints(db, "SELECT id, COALESCE(project_id, -1) FROM "
			  "account WHERE login = $1 AND ($2 < 0 OR id = $2)",
			  p, 2, v, 2, err) < 0) {
		if (err->code != HK_ENOTFOUND)
			return -1;
		return hk_failr(err, HK_ENOTFOUND, "login",
				HK_R_no_such_account, NULL);
	}
	*id = v[0];
	*project = v[1];
	return 0;
}

struct totp_row {
	int found, confirmed;
	char secret[2 * TOTP_KEY_MAX];
	int64_t last_step;
};

static int
take_totp(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct totp_row *t = ctx;

	(void)err;
	/* secret, confirmed_at, last_step */
	t->found = 1;
	snprintf(t->secret, sizeof(t->secret), "%s", row->vals[0]);
	t->confirmed = row->vals[1] != NULL;
	t->last_step = strtoll(row->vals[2], NULL, 10);
	return 0;
}

static int
read_totp(struct db *db, int64_t id, struct totp_row *t, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(id) };

	memset(t, 0, sizeof(*t));
	return db_query(db, "SELECT secret, confirmed_at, last_step FROM "
			"account_totp WHERE account_id = $1", p, 1, take_totp,
			t, NULL, err);
}

/* The write's account and its second factor, in a write transaction
 * begun here (rolled back on failure). */
static int
begin_totp(struct db *db, const struct hk_actor *actor, const char *login,
	   int64_t *id, int64_t *project, struct totp_row *t,
	   struct hk_err *err)
{
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (totp_account(db, actor, login, id, project, err) < 0 ||
	    read_totp(db, *id, t, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

static int
put_secret(struct db *db, int64_t id, const char *secret, int64_t now,
	   struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(id), DB_TXT(secret), DB_INTV(now) };

	return db_exec(db, "INSERT INTO account_totp (account_id, secret, "
		       "created_at, confirmed_at, last_step) VALUES ($1, $2, "
		       "$3, NULL, 0) ON CONFLICT (account_id) DO UPDATE SET "
		       "secret = excluded.secret, created_at = "
		       "excluded.created_at, confirmed_at = NULL, last_step = 0",
		       p, 3, NULL, err);
}

int
store_totp_enrol(struct db *db, const struct hk_actor *actor,
		 const char *login, json_t **out, struct hk_err *err)
{
	char secret[TOTP_SECRET_B32 + 1], uri[TOTP_URI_MAX];
	int64_t id, project, now = (int64_t)time(NULL);
	struct totp_row t;
	int rc = -1;

	if (totp_new_secret(secret, err) < 0)
		return -1;
	if (totp_uri(TOTP_ISSUER, login, secret, uri, sizeof(uri)) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "otpauth URI too long");
	if (begin_totp(db, actor, login, &id, &project, &t, err) < 0)
		goto out;
	OPENSSL_cleanse(t.secret, sizeof(t.secret));
	if (t.confirmed) {
		db_rollback(db);
		hk_failr(err, HK_EEXIST, "login", HK_R_totp_enrolled, "login",
			 login, NULL);
		goto out;
	}
	/* audited too: a new secret replaces one not yet confirmed */
	if (put_secret(db, id, secret, now, err) < 0 ||
	    store_audit(db, actor, "account.totp.begin", login, project,
			NULL, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		goto out;
	}
	*out = json_pack("{s:s, s:s}", "secret", secret, "uri", uri);
	rc = *out ? 0 : hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(uri, sizeof(uri));
	return rc;
}

/* Replaces the account's recovery codes by TOTP_RECOVERY_COUNT new ones,
 * appended to codes as they are shown; only their digests are kept. */
static int
new_recovery_codes(struct db *db, int64_t id, json_t *codes,
		   struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(id) };
	char code[TOTP_RECOVERY_LEN + 1], norm[TOTP_RECOVERY_CHARS + 1];
	char digest[65];

	if (db_exec(db, "DELETE FROM account_recovery_code WHERE account_id = "
		    "$1", p, 1, NULL, err) < 0)
		return -1;
	for (int i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		if (totp_recovery_new(code, err) < 0)
			return -1;
		if (totp_recovery_norm(code, norm) < 0)
			return hk_fail(err, HK_EINTERNAL, NULL, "recovery code");
		sha256_hex(norm, strlen(norm), digest);
		p[1] = DB_TXT(digest);
		if (db_exec(db, "INSERT INTO account_recovery_code (account_id,"
			    " code_sha256) VALUES ($1, $2)", p, 2, NULL,
			    err) < 0 ||
		    json_array_append_new(codes, json_string(code)) < 0)
			return -1;
	}
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(norm, sizeof(norm));
	return 0;
}

/* The confirmation's code against the unconfirmed secret t; its step
 * into *step. */
static int
confirm_code(const struct totp_row *t, const char *login, const char *code,
	     int64_t now, int64_t *step, struct hk_err *err)
{
	int rc;

	if (!t->found)
		return hk_failr(err, HK_ENOTFOUND, "login",
				HK_R_totp_not_enrolled, "login", login, NULL);
	if (t->confirmed)
		return hk_failr(err, HK_EEXIST, "login", HK_R_totp_enrolled,
				"login", login, NULL);
	if ((rc = totp_verify(t->secret, code, now, t->last_step, step)) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "TOTP check failed");
	if (rc == 0)
		return hk_failr(err, HK_EINVAL, "code", HK_R_totp_bad_code,
				NULL);
	return 0;
}

static int
mark_confirmed(struct db *db, int64_t id, int64_t now, int64_t step,
	       struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(id), DB_INTV(now), DB_INTV(step) };

	return db_exec(db, "UPDATE account_totp SET confirmed_at = $2, "
		       "last_step = $3 WHERE account_id = $1", p, 3, NULL, err);
}

/* The confirming session, when it is the account's own, has passed its
 * second factor (a key or another's session: nothing). */
static int
session_passed(struct db *db, const struct hk_actor *actor, int64_t id,
	       struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(actor->session_id), DB_INTV(id) };

	if (actor->session_id <= 0 || actor->account_id != id)
		return 0;
	return db_exec(db, "UPDATE session SET second_factor = 1 WHERE id = "
		       "$1 AND account_id = $2", p, 2, NULL, err);
}

int
store_totp_confirm(struct db *db, const struct hk_actor *actor,
		   const char *login, const char *code, int64_t now,
		   json_t **out, struct hk_err *err)
{
	int64_t id, project, step = 0;
	struct totp_row t;
	json_t *codes = json_array();
	int rc = -1;

	if (codes == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	if (begin_totp(db, actor, login, &id, &project, &t, err) < 0) {
		json_decref(codes);
		return -1;
	}
	if (confirm_code(&t, login, code, now, &step, err) < 0 ||
	    mark_confirmed(db, id, now, step, err) < 0 ||
	    session_passed(db, actor, id, err) < 0 ||
	    new_recovery_codes(db, id, codes, err) < 0 ||
	    store_audit(db, actor, "account.totp.enrol", login, project,
			json_pack("{s:i}", "recovery_codes",
				  TOTP_RECOVERY_COUNT), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(codes);
	} else if ((*out = json_pack("{s:o}", "recovery_codes", codes)))
		rc = 0;
	else
		hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	OPENSSL_cleanse(t.secret, sizeof(t.secret));
	return rc;
}

/* An unused recovery code of the account, now used: 1, else 0. */
static int
use_recovery(struct db *db, int64_t id, const char *norm, int64_t now,
	     struct hk_err *err)
{
	char digest[65];
	struct db_param p[3] = { DB_INTV(id), DB_TXT(digest), DB_INTV(now) };
	int64_t n = 0;

	sha256_hex(norm, strlen(norm), digest);
	if (db_exec(db, "UPDATE account_recovery_code SET used_at = $3 WHERE "
		    "account_id = $1 AND code_sha256 = $2 AND used_at IS NULL",
		    p, 3, &n, err) < 0)
		return -1;
	return n == 1;
}

/* A TOTP code newer than the last accepted, which it becomes: 1, else
 * 0.  The update is conditional, so that of two sign-ins racing with
 * one code only one wins. */
static int
use_code(struct db *db, int64_t id, const struct totp_row *t,
	 const char *code, int64_t now, struct hk_err *err)
{
	struct db_param p[2];
	int64_t step = 0, n = 0;
	int rc = totp_verify(t->secret, code, now, t->last_step, &step);

	if (rc < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "TOTP check failed");
	if (rc == 0)
		return 0;
	p[0] = DB_INTV(id);
	p[1] = DB_INTV(step);
	if (db_exec(db, "UPDATE account_totp SET last_step = $2 WHERE "
		    "account_id = $1 AND last_step < $2", p, 2, &n, err) < 0)
		return -1;
	return n == 1;
}

int
store_totp_verify(struct db *db, int64_t account_id, const char *code,
		  int64_t now, int *recovery, struct hk_err *err)
{
	char norm[TOTP_RECOVERY_CHARS + 1];
	struct totp_row t;
	int is_recovery, rc = 0;

	if (read_totp(db, account_id, &t, err) < 0)
		return -1;
	is_recovery = totp_recovery_norm(code, norm) == 0;
	if (t.found && t.confirmed)
		rc = is_recovery ? use_recovery(db, account_id, norm, now, err)
		    : use_code(db, account_id, &t, code, now, err);
	OPENSSL_cleanse(t.secret, sizeof(t.secret));
	OPENSSL_cleanse(norm, sizeof(norm));
	if (rc < 0)
		return -1;
	if (rc == 0)
		return hk_failr(err, HK_EAUTH, "code", HK_R_totp_bad_code,
				NULL);
	if (recovery)
		*recovery = is_recovery;
	return 0;
}

int
store_totp_status(struct db *db, const struct hk_actor *actor,
		  const char *login, json_t **out, struct hk_err *err)
{
	int64_t id, project, v[3];
	struct db_param p[1];

	if (totp_account(db, actor, login, &id, &project, err) < 0)
		return -1;
	p[0] = DB_INTV(id);
	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM account_totp WHERE "
			  "account_id = $1), (SELECT COUNT(*) FROM "
			  "account_totp WHERE account_id = $1 AND confirmed_at "
			  "IS NOT NULL), (SELECT COUNT(*) FROM "
			  "account_recovery_code WHERE account_id = $1 AND "
			  "used_at IS NULL)", p, 1, v, 3, err) < 0)
		return -1;
	*out = json_pack("{s:b, s:b, s:I}", "enrolled", v[0] > 0, "confirmed",
			 v[1] > 0, "recovery_codes_left", (json_int_t)v[2]);
	return *out ? 0 : hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
}

int
store_totp_reset(struct db *db, const struct hk_actor *actor,
		 const char *login, struct hk_err *err)
{
	int64_t id, project, n1 = 0, n2 = 0;
	struct totp_row t;
	struct db_param p[1];

	if (store_operator(actor, err) < 0 ||
	    begin_totp(db, actor, login, &id, &project, &t, err) < 0)
		return -1;
	OPENSSL_cleanse(t.secret, sizeof(t.secret));
	p[0] = DB_INTV(id);
	if (db_exec(db, "DELETE FROM account_totp WHERE account_id = $1", p, 1,
		    &n1, err) < 0 ||
	    db_exec(db, "DELETE FROM account_recovery_code WHERE account_id = "
		    "$1", p, 1, &n2, err) < 0)
		goto fail;
	if (n1 + n2 == 0) {
		hk_failr(err, HK_ENOTFOUND, "login", HK_R_totp_not_enrolled,
			 "login", login, NULL);
		goto fail;
	}
	if (store_account_end_sessions(db, login, err) < 0 ||
	    store_audit(db, actor, "account.totp.reset", login, project,
			json_pack("{s:b}", "confirmed", t.confirmed), err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}
