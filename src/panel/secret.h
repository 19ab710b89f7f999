/* SPDX-License-Identifier: ISC */
/*
 * secret.h - tokens (the kernel's randomness) and their digests
 * (OpenSSL): random API keys, SHA-256 of what we store instead of
 * secrets, constant-time comparison.
 */
#ifndef HK_SECRET_H
#define HK_SECRET_H

#include <stddef.h>

#include "err.h"

#define SECRET_PREFIX_HEX	12	/* 6 random bytes */
#define SECRET_BODY_HEX		64	/* 32 random bytes */
/* "hk_" PREFIX "_" BODY */
#define SECRET_TOKEN_LEN	(3 + SECRET_PREFIX_HEX + 1 + SECRET_BODY_HEX)

/* Fills out with 2*n lowercase hex digits of fresh randomness. */
int secret_random_hex(char *out, size_t n, struct hk_err *err);

/* Constant-time equality of two NUL-terminated strings of equal length. */
int secret_equal(const char *a, const char *b);

/* A new API token; prefix is its public part, body its secret. */
int secret_new_token(char token[SECRET_TOKEN_LEN + 1],
		     char prefix[SECRET_PREFIX_HEX + 1],
		     char body[SECRET_BODY_HEX + 1], struct hk_err *err);

/* Splits a presented token; returns 0 if it has the right shape. */
int secret_split_token(const char *token, char prefix[SECRET_PREFIX_HEX + 1],
		       char body[SECRET_BODY_HEX + 1]);

#endif
