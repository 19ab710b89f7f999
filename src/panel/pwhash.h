/* SPDX-License-Identifier: ISC */
/*
 * pwhash.h - password hashes that Dovecot verifies as they are stored:
 * "{SHA512-CRYPT}$6$..." made by libxcrypt's crypt_r() with a salt from
 * crypt_gensalt_rn() (the OS's randomness).
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

#endif
