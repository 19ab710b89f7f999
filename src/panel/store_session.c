/* SPDX-License-Identifier: ISC */
/*
 * store_session.c - sessions of the web panel: login with a password
 * (throttled, see store_throttle.c), the opaque cookie token checked on
 * each request, and logout.  Only the token's SHA-256 is stored; the CSRF
 * token is stored as is (alone it opens nothing).  See store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "log.h"
#include "pwhash.h"
#include "secret.h"
#include "store.h"

/* Verified when there is no account or no password, so that a missing
 * account costs the same time as a wrong password. */
#define DUMMY_HASH "{SHA512-CRYPT}$6$hakomaildummysal$jiMVskrDi9EkHKjQY." \
	"NrNGaKrka.ZzjiXD5CuqRNY/QX.6bz3J.1QucYrM.GGyxml9ctviT6A/eCHFxfltR200"

struct account_row {
	int found;
	struct hk_actor actor;
	char hash[PWHASH_MAX];
};

static int
take_account(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct account_row *a = ctx;

	(void)err;
	/* id, role, project_id, login, password_hash */
	a->found = 1;
	a->actor.account_id = strtoll(row->vals[0], NULL, 10);
	a->actor.is_admin = strcmp(row->vals[1], "admin") == 0;
	a->actor.project_id = row->vals[2] ? strtoll(row->vals[2], NULL, 10)
	    : -1;
	snprintf(a->actor.login, sizeof(a->actor.login), "%s", row->vals[3]);
	snprintf(a->hash, sizeof(a->hash), "%s",
		 row->vals[4] ? row->vals[4] : DUMMY_HASH);
	return 0;
}

void
store_login_keys(const char *login, const char *addr, struct login_keys *k)
{
	k->login[0] = '\0';
	if (login[0])
		snprintf(k->login, sizeof(k->login), "login:%s", login);
	snprintf(k->addr, sizeof(k->addr), "addr:%s", addr);
}

/* Holds both keys (always the name first: no two logins wait on each
 * other in a circle) and gives the longer of their waits. */
int
store_login_hold(struct db *db, const struct login_keys *k, int64_t now,
		 int64_t *wait, struct hk_err *err)
{
	int64_t w1 = 0, w2 = 0;

	if ((k->login[0] && store_throttle_hold(db, k->login, now, &w1,
						err) < 0) ||
	    store_throttle_hold(db, k->addr, now, &w2, err) < 0)
		return -1;
	*wait = w1 > w2 ? w1 : w2;
	return 0;
}

/* Whether login/password open an enabled account; fills a. */
static int
check_password(struct db *db, const char *login, const char *password,
	       struct account_row *a, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(login) };
	int ok;

	memset(a, 0, sizeof(*a));
	if (login[0] && db_query(db, "SELECT id, role, project_id, login, "
				 "password_hash FROM account WHERE login = $1 "
				 "AND disabled = 0", p, 1, take_account, a, NULL,
				 err) < 0)
		return -1;
	ok = pwhash_verify(password, a->found ? a->hash : DUMMY_HASH);
	return a->found && ok && strcmp(a->hash, DUMMY_HASH) != 0;
}

static int
insert_session(struct db *db, const struct account_row *a, const char *addr,
	       const struct session_policy *pol, int64_t now,
	       struct session_new *out, struct hk_err *err)
{
	char digest[65];
	struct db_param p[6];

	if (secret_random_hex(out->token, SESSION_TOKEN_HEX / 2, err) < 0 ||
	    secret_random_hex(out->csrf, SESSION_TOKEN_HEX / 2, err) < 0)
		return -1;
	sha256_hex(out->token, strlen(out->token), digest);
	out->expires_at = now + pol->lifetime;
	p[0] = DB_INTV(a->actor.account_id);
	p[1] = DB_TXT(digest);
	p[2] = DB_TXT(out->csrf);
	p[3] = DB_TXT(addr);
	p[4] = DB_INTV(now);
	p[5] = DB_INTV(out->expires_at);
	return db_exec(db, "INSERT INTO session (account_id, token_sha256, "
		       "csrf, address, created_at, last_seen_at, expires_at) "
		       "VALUES ($1, $2, $3, $4, $5, $5, $6)", p, 6, NULL, err);
}

/* The failure's bookkeeping, committed: the throttle must outlive the
 * refusal. */
int
store_login_failed(struct db *db, const struct session_policy *pol,
		   const struct login_keys *k, int64_t now,
		   enum hk_reason reason, struct hk_err *err)
{
	if ((k->login[0] && store_throttle_fail(db, k->login, now, pol->free,
						 pol->max_delay, err) < 0) ||
	    store_throttle_fail(db, k->addr, now, pol->free_addr,
				pol->max_delay, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return hk_failr(err, HK_EAUTH, NULL, reason, NULL);
}

int
store_session_login(struct db *db, const struct session_policy *pol,
		    const struct session_login *in, struct hk_actor *actor,
		    struct session_new *out, struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL), wait = 0;
	struct login_keys k;
	struct account_row a;
	int rc;

	store_login_keys(in->login, in->addr, &k);
	out->retry_after = 0;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_login_hold(db, &k, now, &wait, err) < 0)
		goto fail;
	if (wait > 0) {
		db_rollback(db);
		out->retry_after = wait;
		return hk_failr(err, HK_ETHROTTLED, NULL, HK_R_logins_throttled,
				"seconds", HK_NUM(wait), NULL);
	}
	if ((rc = check_password(db, in->login, in->password, &a, err)) < 0)
		goto fail;
	if (rc == 0)
		return store_login_failed(db, pol, &k, now, HK_R_wrong_login,
					  err);
	a.actor.read_only = 0;
	snprintf(a.actor.via, sizeof(a.actor.via), "web");
	if ((k.login[0] && store_throttle_clear(db, k.login, 1, err) < 0) ||
	    store_throttle_clear(db, k.addr, 0, err) < 0 ||
	    insert_session(db, &a, in->addr, pol, now, out, err) < 0 ||
	    store_audit(db, &a.actor, "session.login", a.actor.login,
			a.actor.project_id, json_pack("{s:s}", "address",
			in->addr), err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	*actor = a.actor;
	actor->expires_at = out->expires_at;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

struct session_row {
	int found;
	struct hk_actor actor;
	char csrf[SESSION_TOKEN_HEX + 1];
	int64_t last_seen, expires, revoked;
};

static int
take_session(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct session_row *s = ctx;

	(void)err;
	/* s.id, csrf, last_seen_at, expires_at, revoked_at, a.id, role,
	 * project_id, login */
	s->found = 1;
	s->actor.session_id = strtoll(row->vals[0], NULL, 10);
	snprintf(s->csrf, sizeof(s->csrf), "%s", row->vals[1]);
	s->last_seen = strtoll(row->vals[2], NULL, 10);
	s->expires = strtoll(row->vals[3], NULL, 10);
	s->actor.expires_at = s->expires;
	s->revoked = row->vals[4] != NULL;
	s->actor.account_id = strtoll(row->vals[5], NULL, 10);
	s->actor.is_admin = strcmp(row->vals[6], "admin") == 0;
	s->actor.project_id = row->vals[7] ? strtoll(row->vals[7], NULL, 10)
	    : -1;
	snprintf(s->actor.login, sizeof(s->actor.login), "%s", row->vals[8]);
	snprintf(s->actor.via, sizeof(s->actor.via), "web");
	return 0;
}

int
store_session_auth(struct db *db, const char *token, int idle,
		   struct hk_actor *actor, char csrf[SESSION_TOKEN_HEX + 1],
		   struct hk_err *err)
{
	char digest[65];
	struct db_param p[2] = { DB_TXT(digest) };
	int64_t now = (int64_t)time(NULL);
	struct session_row s;
	struct hk_err e;

	memset(&s, 0, sizeof(s));
	sha256_hex(token, strlen(token), digest);
	if (db_query(db, "SELECT s.id, s.csrf, s.last_seen_at, s.expires_at, "
		     "s.revoked_at, a.id, a.role, a.project_id, a.login FROM "
		     "session s JOIN account a ON a.id = s.account_id WHERE "
		     "s.token_sha256 = $1 AND a.disabled = 0", p, 1,
		     take_session, &s, NULL, err) < 0)
		return -1;
	if (!s.found || s.revoked || s.expires <= now ||
	    s.last_seen + idle <= now)
		return hk_failr(err, HK_EAUTH, NULL, HK_R_session_ended, NULL);
	*actor = s.actor;
	snprintf(csrf, SESSION_TOKEN_HEX + 1, "%s", s.csrf);
	/* At most one write a minute, decided on what was read: a read
	 * beside a long write (an import on SQLite holds the lock) stays a
	 * read.  The note is bookkeeping: failing to write it never fails
	 * the request it belongs to. */
	if (s.last_seen >= now - 60)
		return 0;
	p[0] = DB_INTV(s.actor.session_id);
	p[1] = DB_INTV(now);
	if (db_exec(db, "UPDATE session SET last_seen_at = $2 WHERE id = $1"
		    " AND last_seen_at < $2 - 60", p, 2, NULL, &e) < 0)
		log_warn("session %lld: last seen not noted: %s",
			 (long long)s.actor.session_id, e.message);
	return 0;
}

int
store_session_logout(struct db *db, const struct hk_actor *actor,
		     struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(actor->session_id),
				 DB_INTV((int64_t)time(NULL)) };

	if (actor->session_id <= 0)
		return hk_failr(err, HK_ENOTFOUND, "session",
				HK_R_not_a_session, NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_exec(db, "UPDATE session SET revoked_at = $2 WHERE id = $1 AND "
		    "revoked_at IS NULL", p, 2, NULL, err) < 0 ||
	    store_audit(db, actor, "session.logout", actor->login,
			actor->project_id, NULL, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
