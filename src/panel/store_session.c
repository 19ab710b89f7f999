/* SPDX-License-Identifier: ISC */
/*
 * store_session.c - sessions of the web panel: the sign-in (a panel
 * account's password or directory, its second factor; or a mailbox
 * user's mail password), throttled (store_throttle.c); the opaque cookie
 * token checked on each request; and logout.  Only the token's SHA-256 is
 * stored; the CSRF token is stored as is (alone it opens nothing).  See
 * store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "digest.h"
#include "log.h"
#include "pwhash.h"
#include "secret.h"
#include "store.h"
#include "store_session.h"
#include "store_totp.h"
#include "validate.h"

/* Verified when there is no account or no password, so that a missing
 * account costs the same time as a wrong password. */
#define DUMMY_HASH "{SHA512-CRYPT}$6$hakomaildummysal$jiMVskrDi9EkHKjQY." \
	"NrNGaKrka.ZzjiXD5CuqRNY/QX.6bz3J.1QucYrM.GGyxml9ctviT6A/eCHFxfltR200"

struct account_row {
	int found, directory, totp;
	int64_t audit_project;		/* a mailbox user's: its project */
	struct hk_actor actor;
	char hash[PWHASH_MAX];
};

static int
take_account(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct account_row *a = ctx;

	(void)err;
	/* id, role, project_id, login, password_hash, directory, totp */
	a->found = 1;
	a->directory = strcmp(row->vals[5], "0") != 0;
	a->totp = strcmp(row->vals[6], "0") != 0;
	a->actor.account_id = strtoll(row->vals[0], NULL, 10);
	a->actor.is_admin = strcmp(row->vals[1], "admin") == 0;
	a->actor.project_id = row->vals[2] ? strtoll(row->vals[2], NULL, 10)
	    : -1;
	snprintf(a->actor.login, sizeof(a->actor.login), "%s", row->vals[3]);
	snprintf(a->hash, sizeof(a->hash), "%s",
		 row->vals[4] ? row->vals[4] : DUMMY_HASH);
	a->audit_project = a->actor.project_id;
	return 0;
}

static int
take_mailbox(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct account_row *a = ctx;

	(void)err;
	/* m.id, m.password_hash, d.project_id */
	a->found = 1;
	a->actor.mailbox_id = strtoll(row->vals[0], NULL, 10);
	snprintf(a->hash, sizeof(a->hash), "%s", row->vals[1]);
	a->audit_project = strtoll(row->vals[2], NULL, 10);
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

/* Whether login/password open an enabled account; fills a.  A
 * directory's account takes the directory's verdict, asked before
 * (ask_directory: 1 right, 0 wrong, NO_VERDICT none). */
#define NO_VERDICT	(-2)
static int
check_password(struct db *db, const struct session_policy *pol,
	       const char *login, const char *password, int verdict,
	       struct account_row *a, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(login) };
	int ok;

	memset(a, 0, sizeof(*a));
	if (login[0] && db_query(db, "SELECT a.id, a.role, a.project_id, "
				 "a.login, a.password_hash, a.directory, "
				 "(SELECT COUNT(*) FROM account_totp t WHERE "
				 "t.account_id = a.id AND t.confirmed_at IS "
				 "NOT NULL) FROM account a WHERE a.login = $1 "
				 "AND a.disabled = 0", p, 1, take_account, a,
				 NULL, err) < 0)
		return -1;
	if (a->found && a->directory) {
		if (pol->directory == NULL)
			log_warn("sign-in of %s: a directory account, but no "
				 "[ldap] directory is set", login);
		/* none: it became one since it was asked (a refusal) */
		return verdict == 1;
	}
	ok = pwhash_verify(password, a->found ? a->hash : DUMMY_HASH);
	return a->found && ok && strcmp(a->hash, DUMMY_HASH) != 0;
}

/* Whether address/password open an active mailbox of an active domain
 * (address canonical, as the API gives it); fills a as a mailbox
 * user: project 0, so that no project's objects are its. */
static int
check_mailbox(struct db *db, const char *address, const char *password,
	      struct account_row *a, struct hk_err *err)
{
	const char *at = strchr(address, '@');
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	struct db_param p[2] = { DB_TXT(local), DB_TXT(at ? at + 1 : "") };
	int ok;

	memset(a, 0, sizeof(*a));
	if (at != NULL && (size_t)(at - address) <= MAPSYNTAX_LOCAL_MAX) {
		snprintf(local, sizeof(local), "%.*s", (int)(at - address),
			 address);
		if (db_query(db, "SELECT m.id, m.password_hash, d.project_id "
			     "FROM mailbox m JOIN domain d ON d.id = "
			     "m.domain_id WHERE m.local_part = $1 AND d.name "
			     "= $2 AND m.active = 1 AND d.active = 1", p, 2,
			     take_mailbox, a, NULL, err) < 0)
			return -1;
	}
	ok = pwhash_verify(password, a->found ? a->hash : DUMMY_HASH);
	a->actor.project_id = 0;
	snprintf(a->actor.login, sizeof(a->actor.login), "%s", address);
	return a->found && ok;
}

static int
insert_session(struct db *db, const struct account_row *a, const char *addr,
	       const struct session_policy *pol, int64_t now,
	       struct session_new *out, struct hk_err *err)
{
	char digest[65];
	struct db_param p[8];

	if (secret_random_hex(out->token, SESSION_TOKEN_HEX / 2, err) < 0 ||
	    secret_random_hex(out->csrf, SESSION_TOKEN_HEX / 2, err) < 0)
		return -1;
	sha256_hex(out->token, strlen(out->token), digest);
	out->expires_at = now + pol->lifetime;
	p[0] = a->actor.mailbox_id ? DB_NUL : DB_INTV(a->actor.account_id);
	p[1] = DB_TXT(digest);
	p[2] = DB_TXT(out->csrf);
	p[3] = DB_TXT(addr);
	p[4] = DB_INTV(now);
	p[5] = DB_INTV(out->expires_at);
	p[6] = a->actor.mailbox_id ? DB_INTV(a->actor.mailbox_id) : DB_NUL;
	p[7] = DB_INTV(a->actor.second_factor);
	return db_exec(db, "INSERT INTO session (account_id, token_sha256, "
		       "csrf, address, created_at, last_seen_at, expires_at, "
		       "mailbox_id, second_factor) VALUES ($1, $2, $3, $4, $5,"
		       " $5, $6, $7, $8)", p, 8, NULL, err);
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

/* Whether an account without a second factor must enrol one. */
static int
must_enrol(const struct session_policy *pol, const struct hk_actor *a)
{
	return a->mailbox_id == 0 &&
	    (pol->require_totp == CONF_TOTP_ALL ||
	     (pol->require_totp == CONF_TOTP_OPERATORS && a->is_admin));
}

/* The first factor: 1 right, 0 wrong, -1 with err. */
static int
first_factor(struct db *db, const struct session_policy *pol,
	     const struct session_login *in, int verdict,
	     struct account_row *a, struct hk_err *err)
{
	if (strchr(in->login, '@') != NULL)
		return check_mailbox(db, in->login, in->password, a, err);
	return check_password(db, pol, in->login, in->password, verdict, a,
			      err);
}

/*
 * A directory account's password, asked of the directory before the
 * sign-in's write transaction: a directory that is slow or down must not
 * hold the database's write lock (on SQLite, every writer's) for its
 * timeout.  A login that must wait never reaches the directory (the
 * transaction then refuses it).  1 right, 0 wrong, NO_VERDICT when login
 * is no directory account (or must wait); -1 with err when the database
 * fails or the directory cannot judge (nothing counted).
 */
static int
ask_directory(struct db *db, const struct session_policy *pol,
	      const struct session_login *in, const struct login_keys *k,
	      int64_t now, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(in->login) };
	int64_t directory = 0, wait = 0;
	int rc;

	if (pol->directory == NULL || in->login[0] == '\0' ||
	    strchr(in->login, '@') != NULL)
		return NO_VERDICT;
	if (db_query_int(db, "SELECT directory FROM account WHERE login = $1"
			 " AND disabled = 0", p, 1, &directory, err) < 0)
		return err->code == HK_ENOTFOUND ? NO_VERDICT : -1;
	if (directory == 0)
		return NO_VERDICT;
	if (db_begin(db, 1, err) < 0)
		return -1;
	rc = store_login_hold(db, k, now, &wait, err);
	db_rollback(db);
	if (rc < 0)
		return -1;
	if (wait > 0)
		return NO_VERDICT;
	return pol->directory(pol->directory_ctx, in->login, in->password,
			      err);
}

/* The second factor of an account that has one: 1 passed (*how says
 * with what), 0 a wrong or used code, -1 with err (totp_code_needed
 * when none was given). */
static int
second_factor(struct db *db, const struct session_login *in, int64_t id,
	      int64_t now, const char **how, struct hk_err *err)
{
	int recovery = 0;

	if (in->code == NULL || in->code[0] == '\0')
		return hk_failr(err, HK_EAUTH, "code", HK_R_totp_code_needed,
				NULL);
	if (store_totp_verify(db, id, in->code, now, &recovery, err) < 0)
		return err->code == HK_EAUTH ? 0 : -1;
	*how = recovery ? "recovery" : "totp";
	return 1;
}

/* The new session's bookkeeping: the throttle forgiven, the row, the
 * audit; then committed. */
static int
open_session(struct db *db, const struct session_policy *pol,
	     const struct session_login *in, const struct login_keys *k,
	     struct account_row *a, const char *how, int64_t now,
	     struct session_new *out, struct hk_err *err)
{
	snprintf(a->actor.via, sizeof(a->actor.via), "web");
	if ((k->login[0] && store_throttle_clear(db, k->login, 1, err) < 0) ||
	    store_throttle_clear(db, k->addr, 0, err) < 0 ||
	    insert_session(db, a, in->addr, pol, now, out, err) < 0 ||
	    store_audit(db, &a->actor, "session.login", a->actor.login,
			a->audit_project, json_pack("{s:s, s:s}", "address",
			in->addr, "second_factor", how), err) < 0)
		return -1;
	return db_commit(db, err);
}

int
store_session_login(struct db *db, const struct session_policy *pol,
		    const struct session_login *in, struct hk_actor *actor,
		    struct session_new *out, struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL), wait = 0;
	const char *how = "none";
	struct login_keys k;
	struct account_row a;
	int rc, verdict;

	store_login_keys(in->login, in->addr, &k);
	out->retry_after = 0;
	if ((verdict = ask_directory(db, pol, in, &k, now, err)) == -1 ||
	    db_begin(db, 1, err) < 0)
		return -1;
	if (store_login_hold(db, &k, now, &wait, err) < 0)
		goto fail;
	if (wait > 0) {
		db_rollback(db);
		out->retry_after = wait;
		return hk_failr(err, HK_ETHROTTLED, NULL, HK_R_logins_throttled,
				"seconds", HK_NUM(wait), NULL);
	}
	if ((rc = first_factor(db, pol, in, verdict, &a, err)) < 0)
		goto fail;
	if (rc == 0)
		return store_login_failed(db, pol, &k, now, HK_R_wrong_login,
					  err);
	if (a.totp) {
		if ((rc = second_factor(db, in, a.actor.account_id, now, &how,
					err)) < 0)
			goto fail;
		if (rc == 0)
			return store_login_failed(db, pol, &k, now,
						  HK_R_totp_bad_code, err);
		a.actor.second_factor = 1;
	} else
		a.actor.must_enrol = must_enrol(pol, &a.actor);
	if (open_session(db, pol, in, &k, &a, how, now, out, err) < 0)
		goto fail;
	*actor = a.actor;
	actor->expires_at = out->expires_at;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

struct session_row {
	int found, totp;
	struct hk_actor actor;
	char csrf[SESSION_TOKEN_HEX + 1];
	int64_t last_seen, expires, revoked;
};

/* The session's account (a.id, a.role, a.project_id, a.login) or its
 * mailbox (m.id, its address) from row->vals[5..]. */
static void
take_session_who(struct session_row *s, const char *const *v)
{
	if (v[5] == NULL) {
		s->actor.mailbox_id = strtoll(v[9], NULL, 10);
		s->actor.project_id = 0;
		snprintf(s->actor.login, sizeof(s->actor.login), "%s",
			 v[10]);
		return;
	}
	s->actor.account_id = strtoll(v[5], NULL, 10);
	s->actor.is_admin = strcmp(v[6], "admin") == 0;
	s->actor.project_id = v[7] ? strtoll(v[7], NULL, 10) : -1;
	snprintf(s->actor.login, sizeof(s->actor.login), "%s", v[8]);
	s->totp = strcmp(v[12], "0") != 0;
}

static int
take_session(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct session_row *s = ctx;

	(void)err;
	/* s.id, csrf, last_seen_at, expires_at, revoked_at, a.id, role,
	 * project_id, login, s.mailbox_id, address, second_factor, totp */
	s->found = 1;
	s->actor.session_id = strtoll(row->vals[0], NULL, 10);
	snprintf(s->csrf, sizeof(s->csrf), "%s", row->vals[1]);
	s->last_seen = strtoll(row->vals[2], NULL, 10);
	s->expires = strtoll(row->vals[3], NULL, 10);
	s->actor.expires_at = s->expires;
	s->revoked = row->vals[4] != NULL;
	take_session_who(s, row->vals);
	s->actor.second_factor = strcmp(row->vals[11], "0") != 0;
	snprintf(s->actor.via, sizeof(s->actor.via), "web");
	return 0;
}

/* A live session's row: its account enabled, or its mailbox and that
 * mailbox's domain active. */
#define SESSION_SELECT \
	"SELECT s.id, s.csrf, s.last_seen_at, s.expires_at, s.revoked_at, " \
	"a.id, a.role, a.project_id, a.login, s.mailbox_id, " \
	"m.local_part || '@' || d.name, s.second_factor, " \
	"(SELECT COUNT(*) FROM account_totp t WHERE t.account_id = a.id " \
	"AND t.confirmed_at IS NOT NULL) FROM session s LEFT JOIN account a " \
	"ON a.id = s.account_id AND a.disabled = 0 LEFT JOIN mailbox m ON " \
	"m.id = s.mailbox_id AND m.active = 1 LEFT JOIN domain d ON d.id = " \
	"m.domain_id AND d.active = 1 WHERE s.token_sha256 = $1 AND " \
	"(a.id IS NOT NULL OR d.id IS NOT NULL)"

int
store_session_auth(struct db *db, const char *token,
		   const struct session_policy *pol, struct hk_actor *actor,
		   char csrf[SESSION_TOKEN_HEX + 1], struct hk_err *err)
{
	char digest[65];
	struct db_param p[2] = { DB_TXT(digest) };
	int64_t now = (int64_t)time(NULL);
	struct session_row s;
	struct hk_err e;

	memset(&s, 0, sizeof(s));
	sha256_hex(token, strlen(token), digest);
	if (db_query(db, SESSION_SELECT, p, 1, take_session, &s, NULL,
		     err) < 0)
		return -1;
	if (!s.found || s.revoked || s.expires <= now ||
	    s.last_seen + pol->idle <= now)
		return hk_failr(err, HK_EAUTH, NULL, HK_R_session_ended, NULL);
	*actor = s.actor;
	actor->must_enrol = !s.totp && must_enrol(pol, actor);
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
