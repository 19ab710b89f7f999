/* SPDX-License-Identifier: ISC */
/*
 * store_account.c - the people who use the panel: operators (role admin,
 * every project) and project owners (role owner, one project).  An
 * account may have a password (for the web panel) and API keys; a
 * disabled account keeps its audit trail but none of its keys work.
 * Only an operator manages accounts.  See store.h.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "store.h"

#define ACCOUNT_SELECT \
	"SELECT a.login, a.role, p.name AS project, a.disabled, " \
	"CASE WHEN a.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, " \
	"a.directory, (SELECT COUNT(*) FROM account_totp t WHERE " \
	"t.account_id = a.id AND t.confirmed_at IS NOT NULL) AS totp, " \
	"a.created_at, " \
	"(SELECT COUNT(*) FROM api_key k WHERE k.account_id = a.id AND " \
	"k.revoked_at IS NULL) AS live_keys FROM account a " \
	"LEFT JOIN project p ON p.id = a.project_id "

/* The listing's 0/1 columns as booleans (of one object or an array). */
static void
account_bools(json_t *rows)
{
	db_json_bool(rows, "disabled");
	db_json_bool(rows, "has_password");
	db_json_bool(rows, "directory");
	db_json_bool(rows, "totp");
}

static int
get_account(struct db *db, const char *login, json_t **out,
	    struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(login) };

	if (db_query_object(db, ACCOUNT_SELECT "WHERE a.login = $1", p, 1, out,
			    err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"login", HK_R_no_account, "login", login, NULL) : -1;
	account_bools(*out);
	return 0;
}

int
store_account_get(struct db *db, const struct hk_actor *actor,
		  const char *login, json_t **out, struct hk_err *err)
{
	if (!actor->is_admin)
		return hk_failr(err, HK_EFORBIDDEN, NULL,
				HK_R_operator_reads_accounts, NULL);
	return get_account(db, login, out, err);
}

static int
insert_account(struct db *db, const struct account_in *in,
	       struct hk_err *err)
{
	int64_t project = -1;
	struct db_param p[6];

	if (strcmp(in->role, "owner") == 0) {
		if (in->project == NULL)
			return hk_failr(err, HK_EINVAL, "project",
					HK_R_owner_needs_project, NULL);
		if (store_project_id(db, in->project, &project, err) < 0)
			return -1;
	} else if (strcmp(in->role, "admin") != 0) {
		return hk_failr(err, HK_EINVAL, "role", HK_R_role_invalid,
				NULL);
	} else if (in->project != NULL) {
		return hk_failr(err, HK_EINVAL, "project",
				HK_R_operator_no_project, NULL);
	}
	p[0] = DB_TXT(in->login);
	p[1] = in->password_hash ? DB_TXT(in->password_hash) : DB_NUL;
	p[2] = DB_TXT(in->role);
	p[3] = project >= 0 ? DB_INTV(project) : DB_NUL;
	p[4] = DB_INTV((int64_t)time(NULL));
	p[5] = DB_INTV(in->directory != 0);
	if (db_exec(db, "INSERT INTO account (login, password_hash, role, "
		    "project_id, created_at, updated_at, directory) VALUES ($1,"
		    " CAST($2 AS TEXT), $3, CAST($4 AS BIGINT), $5, $5, $6)", p,
		    6, NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_failr(err, HK_EEXIST,
			"login", HK_R_account_exists, "login", in->login, NULL) : -1;
	return 0;
}

int
store_account_add(struct db *db, const struct hk_actor *actor,
		  const struct account_in *in, json_t **out,
		  struct hk_err *err)
{
	*out = NULL;
	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (insert_account(db, in, err) < 0 ||
	    get_account(db, in->login, out, err) < 0 ||
	    store_audit_change(db, actor, "account.add", in->login,
			       store_account_project(db, in->login), NULL,
			       json_deep_copy(*out), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_account_list(struct db *db, const struct hk_actor *actor,
		   const struct page_in *page, json_t **out, char *next,
		   struct hk_err *err)
{
	struct page_bind pb;

	if (!actor->is_admin)
		return hk_failr(err, HK_EFORBIDDEN, NULL,
				HK_R_operator_lists_accounts, NULL);
	/* "active" filters on enabled (1) or disabled (0) accounts */
	if (store_page_bind(page, actor, &pb, err) < 0 ||
	    db_query_json(db, ACCOUNT_SELECT "WHERE " PAGE_WHERE("a.login",
			  "1 - a.disabled") PAGE_TAIL("a.login"), pb.p, 4, out,
			  err) < 0)
		return -1;
	store_page_cut(*out, page, "login", next);
	account_bools(*out);
	return 0;
}

int64_t
store_account_project(struct db *db, const char *login)
{
	struct db_param p[1] = { DB_TXT(login) };
	struct hk_err ignored;
	int64_t id;

	if (db_query_int(db, "SELECT project_id FROM account WHERE login = $1 "
			 "AND project_id IS NOT NULL", p, 1, &id,
			 &ignored) < 0)
		return -1;
	return id;
}

/* A new password or a disabled account must not leave an old login
 * open. */
int
store_account_end_sessions(struct db *db, const char *login,
			   struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(login), DB_INTV((int64_t)time(NULL)) };

	return db_exec(db, "UPDATE session SET revoked_at = $2 WHERE "
		       "revoked_at IS NULL AND account_id = (SELECT id FROM "
		       "account WHERE login = $1)", p, 2, NULL, err);
}

/* Revokes the account's live API keys: a password changed because it
 * leaked may have made some. */
static int
end_keys(struct db *db, const char *login, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(login), DB_INTV((int64_t)time(NULL)) };

	return db_exec(db, "UPDATE api_key SET revoked_at = $2 WHERE "
		       "revoked_at IS NULL AND account_id = (SELECT id FROM "
		       "account WHERE login = $1)", p, 2, NULL, err);
}

/* Runs one UPDATE or DELETE of the account `login` (its $1), ends its
 * sessions (and its keys: keys), and audits the account as it was and
 * as it is (NULL once deleted). */
static int
change_account(struct db *db, const struct hk_actor *actor, const char *login,
	       const char *action, const char *sql, const struct db_param *p,
	       int np, int keys, struct hk_err *err)
{
	json_t *before = NULL, *after = NULL;
	int deleting = strncmp(sql, "DELETE", 6) == 0;
	int64_t project;

	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	project = store_account_project(db, login);
	if (get_account(db, login, &before, err) < 0 ||
	    store_account_end_sessions(db, login, err) < 0 ||
	    (keys && end_keys(db, login, err) < 0) ||
	    db_exec(db, sql, p, np, NULL, err) < 0 ||
	    (!deleting && get_account(db, login, &after, err) < 0)) {
		json_decref(before);
		db_rollback(db);
		return -1;
	}
	return store_commit_change(db, actor, action, login, project, before,
				   after, err);
}


/* An operator signed in through the panel must not lock itself out. */
static int
not_self(struct db *db, const struct hk_actor *actor, const char *login,
	 struct hk_err *err)
{
	struct db_param q[2] = { DB_TXT(login), DB_INTV(actor->account_id) };
	int64_t self = 0;

	if (store_operator(actor, err) < 0)
		return -1;
	if (actor->account_id <= 0)
		return 0;
	if (db_query_int(db, "SELECT COUNT(*) FROM account WHERE login = $1 "
			 "AND id = $2", q, 2, &self, err) < 0)
		return -1;
	if (self)
		return hk_failr(err, HK_EINVAL, "login", HK_R_account_self,
				NULL);
	return 0;
}

/* The audit's name for what the patch does. */
static const char *
patch_action(const struct account_patch *patch)
{
	if ((patch->set_password && patch->disabled >= 0) ||
	    patch->directory >= 0)
		return "account.update";
	if (patch->set_password)
		return patch->password_hash ? "account.password" :
		    "account.password_clear";
	if (patch->disabled >= 0)
		return patch->disabled ? "account.disable" : "account.enable";
	return "account.update";
}

int
store_account_update(struct db *db, const struct hk_actor *actor,
		      const char *login, const struct account_patch *patch,
		      struct hk_err *err)
{
	struct db_param p[6] = { DB_TXT(login), DB_INTV(patch->disabled),
				 DB_INTV(patch->set_password ? 1 : 0),
				 patch->password_hash ?
				 DB_TXT(patch->password_hash) : DB_NUL,
				 DB_INTV((int64_t)time(NULL)),
				 DB_INTV(patch->directory) };
	const char *action = patch_action(patch);

	if (patch->disabled == 1 && not_self(db, actor, login, err) < 0)
		return -1;
	return change_account(db, actor, login, action, "UPDATE account SET "
			      "disabled = CASE WHEN $2 < 0 THEN disabled ELSE "
			      "$2 END, password_hash = CASE WHEN $3 = 1 THEN "
			      "CAST($4 AS TEXT) ELSE password_hash END, "
			      "directory = CASE WHEN $6 < 0 THEN directory ELSE "
			      "$6 END, updated_at = $5 WHERE login = $1", p, 6,
			      patch->set_password && patch->revoke_keys, err);
}

int
store_account_password(struct db *db, const struct hk_actor *actor,
		       const char *login, const char *hash,
		       struct hk_err *err)
{
	struct account_patch patch = { -1, 1, hash, 0, -1 };

	return store_account_update(db, actor, login, &patch, err);
}

int
store_account_disable(struct db *db, const struct hk_actor *actor,
		      const char *login, int disabled, struct hk_err *err)
{
	struct account_patch patch = { disabled ? 1 : 0, 0, NULL, 0, -1 };

	return store_account_update(db, actor, login, &patch, err);
}

int
store_account_delete(struct db *db, const struct hk_actor *actor,
		     const char *login, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(login) };

	if (not_self(db, actor, login, err) < 0)
		return -1;
	/* Its API keys go with it (ON DELETE CASCADE). */
	return change_account(db, actor, login, "account.delete", "DELETE FROM "
			      "account WHERE login = $1", p, 1, 0, err);
}

int
store_account_first_admin(struct db *db, const struct hk_actor *actor,
			  const char *login, int *made, struct hk_err *err)
{
	struct account_in in = { login, "admin", NULL, NULL, 0 };
	json_t *obj = NULL;
	int64_t n = 0;

	*made = 0;
	if (db_query_int(db, "SELECT COUNT(*) FROM account WHERE role = "
			 "'admin'", NULL, 0, &n, err) < 0)
		return -1;
	if (n > 0)
		return 0;
	if (store_account_add(db, actor, &in, &obj, err) < 0)
		return -1;
	json_decref(obj);
	*made = 1;
	return 0;
}
