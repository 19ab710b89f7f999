/* SPDX-License-Identifier: ISC */
/*
 * store_apikey.c - API keys: made here, shown once, kept as the SHA-256 of
 * their secret part, looked up by their public prefix.  See store.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "log.h"
#include "secret.h"
#include "store.h"

/* The enabled account `login` the actor may make a key for.  An owner
 * may name only itself: the query never reaches another account, so any
 * other name (an operator, another project's owner) is answered exactly
 * like one that does not exist. */
static int
key_account(struct db *db, const struct hk_actor *actor, const char *login,
	    int64_t *id, int64_t *project, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(login),
				 DB_INTV(actor->is_admin ? -1 :
					 actor->account_id) };
	int64_t v[3];

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_query_ints(db, "SELECT id, disabled, COALESCE(project_id, -1) "
			  "FROM account WHERE login = $1 AND ($2 < 0 OR id = "
			  "$2)", p, 2, v, 3, err) < 0) {
		if (err->code != HK_ENOTFOUND)
			return -1;
		if (!actor->is_admin)
			return hk_failr(err, HK_ENOTFOUND, "login",
					HK_R_no_such_account, NULL);
		return hk_failr(err, HK_ENOTFOUND, "login", HK_R_no_account,
				"login", login, NULL);
	}
	if (v[1])
		return hk_failr(err, HK_EINVAL, "login", HK_R_account_disabled,
				"login", login, NULL);
	*id = v[0];
	*project = v[2];
	return 0;
}

static int
insert_key(struct db *db, int64_t account, const char *prefix,
	   const char *digest, int read_only, int64_t expires_at,
	   struct hk_err *err)
{
	struct db_param p[6] = { DB_INTV(account), DB_TXT(prefix),
				 DB_TXT(digest), DB_INTV(read_only ? 1 : 0),
				 DB_INTV((int64_t)time(NULL)),
				 expires_at > 0 ? DB_INTV(expires_at) : DB_NUL };

	return db_exec(db, "INSERT INTO api_key (account_id, prefix, "
		       "secret_sha256, read_only, created_at, expires_at) VALUES "
		       "($1, $2, $3, $4, $5, CAST($6 AS BIGINT))", p, 6, NULL,
		       err);
}

int
store_apikey_create(struct db *db, const struct hk_actor *actor,
		    const char *login, int read_only, int64_t expires_at,
		    char *token, size_t tokenlen, struct hk_err *err)
{
	char tok[SECRET_TOKEN_LEN + 1], prefix[SECRET_PREFIX_HEX + 1];
	char body[SECRET_BODY_HEX + 1], digest[65];
	int64_t account = 0, project = -1;

	if (tokenlen < sizeof(tok))
		return hk_fail(err, HK_EINTERNAL, NULL, "token buffer");
	/* what an expiring credential makes must not outlive it */
	if (actor->expires_at > 0 && (expires_at <= 0 ||
				      expires_at > actor->expires_at))
		return hk_failr(err, HK_EINVAL, "expires_at",
				HK_R_expires_too_late, "max",
				HK_NUM(actor->expires_at), NULL);
	if (secret_new_token(tok, prefix, body, err) < 0)
		return -1;
	sha256_hex(body, strlen(body), digest);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (key_account(db, actor, login, &account, &project, err) < 0 ||
	    insert_key(db, account, prefix, digest, read_only, expires_at,
		       err) < 0 ||
	    store_audit_change(db, actor, "apikey.create", prefix, project,
			       NULL, json_pack("{s:s, s:b, s:I}", "login",
			       login, "read_only", read_only, "expires_at",
			       (json_int_t)expires_at), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	snprintf(token, tokenlen, "%s", tok);
	return 0;
}

static void note_use(struct db *db, const char *prefix, int64_t now);

struct key_row {
	int found;
	char digest[65];
	struct hk_actor actor;
	int64_t expires_at, revoked_at, last_used_at;
};

static int
take_key(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct key_row *k = ctx;

	(void)err;
	/* secret_sha256, account_id, role, project_id, read_only, expires_at,
	 * revoked_at, login, last_used_at */
	k->found = 1;
	snprintf(k->digest, sizeof(k->digest), "%s", row->vals[0]);
	k->actor.account_id = strtoll(row->vals[1], NULL, 10);
	k->actor.is_admin = strcmp(row->vals[2], "admin") == 0;
	k->actor.project_id = row->vals[3] ? strtoll(row->vals[3], NULL, 10)
	    : -1;
	k->actor.read_only = strcmp(row->vals[4], "0") != 0;
	k->expires_at = row->vals[5] ? strtoll(row->vals[5], NULL, 10) : 0;
	k->revoked_at = row->vals[6] ? strtoll(row->vals[6], NULL, 10) : 0;
	snprintf(k->actor.login, sizeof(k->actor.login), "%s", row->vals[7]);
	k->last_used_at = row->vals[8] ? strtoll(row->vals[8], NULL, 10) : 0;
	return 0;
}

int
store_apikey_auth(struct db *db, const char *token, struct hk_actor *actor,
		  struct hk_err *err)
{
	char prefix[SECRET_PREFIX_HEX + 1], body[SECRET_BODY_HEX + 1];
	char digest[65];
	struct key_row k;
	struct db_param p[1];
	int64_t now = (int64_t)time(NULL);

	memset(&k, 0, sizeof(k));
	if (secret_split_token(token, prefix, body) < 0)
		return hk_failr(err, HK_EAUTH, NULL, HK_R_invalid_credentials,
				NULL);
	p[0] = DB_TXT(prefix);
	if (db_query(db, "SELECT k.secret_sha256, a.id, a.role, a.project_id,"
		     " k.read_only, k.expires_at, k.revoked_at, a.login, "
		     "k.last_used_at FROM "
		     "api_key k JOIN account a ON a.id = k.account_id WHERE "
		     "k.prefix = $1 AND a.disabled = 0", p, 1, take_key, &k, NULL, err) < 0)
		return -1;
	sha256_hex(body, strlen(body), digest);
	if (!k.found || !secret_equal(digest, k.digest) || k.revoked_at ||
	    (k.expires_at && k.expires_at <= now))
		return hk_failr(err, HK_EAUTH, NULL, HK_R_invalid_credentials,
				NULL);
	*actor = k.actor;
	actor->expires_at = k.expires_at;
	if (k.last_used_at < now - 60)
		note_use(db, prefix, now);
	return 0;
}

/* At most one write a minute per key (the caller decides on what it
 * read): reads stay reads under load and beside a long write.  The note
 * is bookkeeping: failing to write it never fails the request. */
static void
note_use(struct db *db, const char *prefix, int64_t now)
{
	struct db_param p[2] = { DB_TXT(prefix), DB_INTV(now) };
	struct hk_err err;

	if (db_exec(db, "UPDATE api_key SET last_used_at = $2 WHERE prefix "
		    "= $1 AND (last_used_at IS NULL OR last_used_at < "
		    "$2 - 60)", p, 2, NULL, &err) < 0)
		log_warn("api key %s: last use not noted: %s", prefix,
			 err.message);
}

int
store_apikey_list(struct db *db, const struct hk_actor *actor,
		  const struct page_in *page, json_t **out, char *next,
		  struct hk_err *err)
{
	struct page_bind pb;

	if (store_page_bind(page, actor, &pb, err) < 0 ||
	    db_query_json(db, "SELECT k.prefix, a.login, a.role, k.read_only, "
			  "k.created_at, k.expires_at, k.revoked_at, "
			  "k.last_used_at FROM api_key k JOIN account a ON a.id "
			  "= k.account_id WHERE ($5 < 0 OR a.project_id = $5) "
			  "AND " PAGE_WHERE("k.prefix", "$4")
			  PAGE_TAIL("k.prefix"), pb.p, 5, out, err) < 0)
		return -1;
	store_page_cut(*out, page, "prefix", next);
	db_json_bool(*out, "read_only");
	return 0;
}

int
store_apikey_revoke(struct db *db, const struct hk_actor *actor,
		    const char *prefix, struct hk_err *err)
{
	struct db_param p[3] = { DB_TXT(prefix), DB_INTV((int64_t)time(NULL)),
				 DB_INTV(actor->is_admin ? -1 :
					 actor->account_id) };
	int64_t n = 0, project = -1;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	/* An owner revokes only its own keys. */
	if (db_exec(db, "UPDATE api_key SET revoked_at = $2 WHERE prefix = $1 "
		    "AND revoked_at IS NULL AND ($3 < 0 OR account_id = $3)",
		    p, 3, &n, err) < 0)
		goto fail;
	if (n == 0) {
		hk_failr(err, HK_ENOTFOUND, "prefix", HK_R_no_live_key,
			 "prefix", prefix, NULL);
		goto fail;
	}
	if (db_query_int(db, "SELECT COALESCE(a.project_id, -1) FROM api_key k"
			 " JOIN account a ON a.id = k.account_id WHERE k.prefix "
			 "= $1", p, 1, &project, err) < 0 ||
	    store_audit_change(db, actor, "apikey.revoke", prefix, project,
			       NULL, NULL, err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}
