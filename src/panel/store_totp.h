/* SPDX-License-Identifier: ISC */
/*
 * store_totp.h - the second factor of panel accounts: TOTP and recovery
 * codes (store_totp.c).
 * The store's conventions (scoping by the actor, errors, transactions)
 * are store.h's.
 */
#ifndef HK_STORE_TOTP_H
#define HK_STORE_TOTP_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* --- the second factor: TOTP and recovery codes (store_totp.c) ---
 * An operator acts on any account, an owner on itself only (any other
 * login is HK_ENOTFOUND, exactly like one that does not exist); writes
 * refuse a read-only key.  The secret leaves the store once, at
 * enrolment; recovery codes once, at confirmation (only their SHA-256
 * is kept). */
/* A new unconfirmed secret for login (replacing an unconfirmed one),
 * audited (account.totp.begin); HK_EEXIST totp_enrolled when a confirmed
 * one exists.  *out gets {"secret", "uri"}. */
int store_totp_enrol(struct db *db, const struct hk_actor *actor,
		     const char *login, json_t **out, struct hk_err *err);
/* Confirms the unconfirmed secret with a first valid code at now
 * (HK_EINVAL field "code" totp_bad_code; HK_ENOTFOUND
 * totp_not_enrolled without one), records its step and makes
 * TOTP_RECOVERY_COUNT recovery codes: *out gets {"recovery_codes":
 * [...]}.  Audited (account.totp.enrol). */
#define TOTP_RECOVERY_COUNT	10
int store_totp_confirm(struct db *db, const struct hk_actor *actor,
		       const char *login, const char *code, int64_t now,
		       json_t **out, struct hk_err *err);
/* For the sign-in, after the password, in its write transaction
 * (between store_login_hold and store_login_failed, which counts a
 * refusal like a wrong password): accepts a TOTP code of a step within
 * one of now's and newer than the last accepted (which it becomes), or
 * an unused recovery code (dashes and case ignored; then used).  Writes
 * nothing on a refusal: HK_EAUTH totp_bad_code, alike for a wrong code,
 * a code used before and an account without a confirmed secret.
 * *recovery (may be NULL) says whether a recovery code was used. */
int store_totp_verify(struct db *db, int64_t account_id, const char *code,
		      int64_t now, int *recovery, struct hk_err *err);
/* {"enrolled": bool, "confirmed": bool, "recovery_codes_left": N}. */
int store_totp_status(struct db *db, const struct hk_actor *actor,
		      const char *login, json_t **out, struct hk_err *err);
/* Operators only: removes login's secret and recovery codes and ends its
 * sessions; HK_ENOTFOUND totp_not_enrolled when it has neither.
 * Audited (account.totp.reset). */
int store_totp_reset(struct db *db, const struct hk_actor *actor,
		     const char *login, struct hk_err *err);

#endif
