/* SPDX-License-Identifier: ISC */
/*
 * pwhash.h - password hashes that Dovecot verifies as they are stored:
 * "{SHA512-CRYPT}$6$..." made by libxcrypt's crypt_r() with a salt from
 * crypt_gensalt_rn() (the OS's randomness); and those another system
 * stored, carried as Dovecot needs them (pwhash_carry).
 */
#ifndef HK_PWHASH_H
#define HK_PWHASH_H

#include <stddef.h>

#include "err.h"

#define PWHASH_MAX 256

/* Hashes a (validated) plain password with SHA512-CRYPT. */
int pwhash_make(const char *password, char out[PWHASH_MAX],
		struct hk_err *err);

/* Accepts a pre-hashed value in a scheme Dovecot knows and we allow:
 * {SHA512-CRYPT}$6$, {SHA256-CRYPT}$5$, {BLF-CRYPT}$2y$. */
int pwhash_check_prehashed(const char *hash, const char *field,
			   struct hk_err *err);

/* The hash to store for a mailbox from exactly one of plain (validated
 * against min..max, then hashed) and prehashed (checked, kept as given). */
int pwhash_accept(const char *plain, const char *prehashed, int min, int max,
		  char out[PWHASH_MAX], struct hk_err *err);

/* 1 when password matches a {SCHEME}crypt hash, else 0. */
int pwhash_verify(const char *password, const char *hash);

/* 1 when pwhash_verify can verify hash (the crypt(3) schemes: the
 * panel's own sign-ins work with it), else 0 (Dovecot may still). */
int pwhash_panel_verifies(const char *hash);

/*
 * A password as another system stored it (PostfixAdmin, say), in the
 * form Dovecot verifies as it is stored, for a mailbox moving in:
 *   "{SCHEME}..." of a scheme Dovecot verifies (the crypt(3) ones,
 *     ARGON2I/ARGON2ID, SSHA512/SSHA256/SSHA/SMD5, SHA512/SHA256/SHA,
 *     PLAIN-MD5, LDAP-MD5, CRAM-MD5) kept; {SHA512-CRYPT.B64} decoded to
 *     {SHA512-CRYPT}$6$...;
 *   bare "$1$", "$5$", "$6$", "$2a$"/"$2b$"/"$2y$" given their scheme;
 *   32 hex digits (PHP's md5()) as {PLAIN-MD5};
 *   clear text ("{PLAIN}", "{CLEAR}", "{CLEARTEXT}", or with cleartext
 *     anything else that is no hash, but for crypt(3)'s mark of a locked
 *     account, a leading '*' or '!') hashed with SHA512-CRYPT here.
 * Anything else is refused (HK_EINVAL, field, hash_unknown with its
 * scheme or form; never the value).
 */
int pwhash_carry(const char *stored, int cleartext, const char *field,
		 char out[PWHASH_MAX], struct hk_err *err);
/* The password in stored when pwhash_carry takes it for clear text
 * (a pointer into stored), else NULL. */
const char *pwhash_cleartext(const char *stored, int cleartext);

#endif
