/* SPDX-License-Identifier: ISC */
/*
 * store_session.h - web sessions of the panel (store_session.c) and the
 * sign-in's throttle (store_throttle.c).
 * The store's conventions (scoping by the actor, errors, transactions)
 * are store.h's.
 */
#ifndef HK_STORE_SESSION_H
#define HK_STORE_SESSION_H

#include <stdint.h>

#include "store.h"

/* --- web sessions (store_session.c) and the login throttle
 * (store_throttle.c) --- */
#define SESSION_TOKEN_HEX	64	/* 32 random bytes */
/* Checks login/password against the directory ([ldap]): 1 accepted, 0
 * refused, -1 with err when the directory cannot judge (down).  Called
 * outside any transaction of the sign-in's: a slow directory holds no
 * database lock. */
typedef int (*session_directory_fn)(const void *ctx, const char *login,
				    const char *password, struct hk_err *err);
struct session_policy {
	int lifetime, idle;		/* seconds */
	int free, free_addr;		/* failures before the waits begin */
	int max_delay;			/* the longest wait, seconds */
	int require_totp;		/* an enum conf_totp (conf.h) */
	session_directory_fn directory;	/* NULL: no directory */
	const void *directory_ctx;
};
struct session_login {
	const char *login;		/* as given ("" if malformed) */
	const char *password;
	const char *code;		/* the second factor's, or NULL */
	const char *addr;		/* the client's address */
};
struct session_new {
	char token[SESSION_TOKEN_HEX + 1];	/* for the cookie only */
	char csrf[SESSION_TOKEN_HEX + 1];
	int64_t expires_at;
	int64_t retry_after;		/* on HK_ETHROTTLED: seconds */
};
/*
 * A sign-in: a new session, audited, for
 *  - an enabled account, its password checked against the stored hash,
 *    or by pol->directory for an account of the directory; an account
 *    with a confirmed TOTP secret also needs in->code (a TOTP or a
 *    recovery code, store_totp_verify): without one, HK_EAUTH
 *    totp_code_needed and nothing counted (the password was right); the
 *    session then has actor->second_factor.  An account pol->require_totp
 *    covers that has none gets a session that must enrol (must_enrol);
 *  - or a mailbox user: in->login is the mailbox's full address, the
 *    mailbox and its domain active, its password checked against the
 *    mail password's hash (actor->mailbox_id).
 * HK_EAUTH alike for a wrong password, a missing or disabled account or
 * mailbox, an account without a password, and a wrong or used code (each
 * counted by the throttle); HK_ETHROTTLED (and out->retry_after) while
 * the name or the address must wait; the directory's own error when it
 * cannot judge (nothing counted).
 */
int store_session_login(struct db *db, const struct session_policy *pol,
			const struct session_login *in, struct hk_actor *actor,
			struct session_new *out, struct hk_err *err);
/* The session of a cookie token: live, not idle for pol->idle seconds,
 * its account enabled (or its mailbox and domain active); must_enrol as
 * pol->require_totp says now.  HK_EAUTH otherwise. */
int store_session_auth(struct db *db, const char *token,
		       const struct session_policy *pol,
		       struct hk_actor *actor,
		       char csrf[SESSION_TOKEN_HEX + 1], struct hk_err *err);
/* Ends the actor's session (HK_ENOTFOUND if it holds none). */
int store_session_logout(struct db *db, const struct hk_actor *actor,
			 struct hk_err *err);
/* Takes key's row for this write transaction (made if missing: a
 * parallel attempt waits for it, so every failure is counted before the
 * next attempt reads the wait) and gives the whole seconds key must still
 * wait (0: none). */
int store_throttle_hold(struct db *db, const char *key, int64_t now,
			int64_t *wait, struct hk_err *err);
/* Counts a failure for key (held); after `free` failures it must wait 1,
 * 2, 4 ... seconds, at most max_delay; quiet for max_delay, it starts
 * afresh. */
int store_throttle_fail(struct db *db, const char *key, int64_t now,
			int free, int max_delay, struct hk_err *err);
/* After a success: forgets key's failures (all: clear_all), or only
 * the row store_throttle_hold made for it. */
int store_throttle_clear(struct db *db, const char *key, int clear_all,
			 struct hk_err *err);
/* The sign-in's throttle, shared by every check a sign-in makes (the
 * password, a second factor's code): the keys of a login ("" if
 * malformed: no name key) and of the client's address. */
struct login_keys {
	char login[336];		/* "login:NAME", or "" */
	char addr[80];			/* "addr:ADDRESS" */
};
void store_login_keys(const char *login, const char *addr,
		      struct login_keys *k);
/* In a write transaction of the caller's: holds both keys
 * (store_throttle_hold) and gives the longer wait. */
int store_login_hold(struct db *db, const struct login_keys *k, int64_t now,
		     int64_t *wait, struct hk_err *err);
/* A failed check: counts it for both keys, commits the caller's
 * transaction (the count must outlive the refusal; roll back first
 * whatever else it held) and fails HK_EAUTH with reason. */
int store_login_failed(struct db *db, const struct session_policy *pol,
		       const struct login_keys *k, int64_t now,
		       enum hk_reason reason, struct hk_err *err);

#endif
