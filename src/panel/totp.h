/* SPDX-License-Identifier: ISC */
/*
 * totp.h - the second factor's model: RFC 4648 base32, RFC 6238 TOTP
 * (HMAC-SHA1 through OpenSSL, 30-second steps, 6 digits), the otpauth://
 * URI an authenticator app reads, and the single-use recovery codes.
 * Nothing here touches the database (store_totp.c does).
 */
#ifndef HK_TOTP_H
#define HK_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TOTP_PERIOD		30	/* seconds a step lasts */
#define TOTP_DIGITS		6
#define TOTP_DRIFT		1	/* steps accepted either side of now */
#define TOTP_SECRET_BYTES	20	/* RFC 4226's recommended 160 bits */
#define TOTP_SECRET_B32		32	/* its base32 length, no padding */
#define TOTP_KEY_MAX		64	/* the longest key totp_verify decodes */
#define TOTP_URI_MAX		512
/* "xxxx-xxxx-xxxx": 12 base32 letters (60 bits), lower case */
#define TOTP_RECOVERY_CHARS	12
#define TOTP_RECOVERY_LEN	(TOTP_RECOVERY_CHARS + 2)

/* in[0..n) as upper-case base32 without padding, NUL-terminated, into
 * out[outlen]; the length written, or -1 if out is too small. */
int base32_encode(const unsigned char *in, size_t n, char *out,
		  size_t outlen);

/* The bytes of in (either case, no padding, spaces ignored) into
 * out[outlen]; *n gets how many.  -1 on a letter outside the alphabet,
 * a length no encoding has, or a too small out. */
int base32_decode(const char *in, unsigned char *out, size_t outlen,
		  size_t *n);

/* The step that time t is in. */
int64_t totp_step(int64_t t);

/* The code of step for key[0..keylen) as TOTP_DIGITS digits; -1 only if
 * OpenSSL fails. */
int totp_code(const unsigned char *key, size_t keylen, int64_t step,
	      char out[TOTP_DIGITS + 1]);

/* Whether code is that of a step within TOTP_DRIFT of now's and newer
 * than `after` (the newest step already accepted, 0: none), for the
 * base32 secret: 1 and *step the step it matched, 0 if not, -1 when the
 * secret does not decode or OpenSSL fails.  Every candidate is computed
 * and compared in constant time, so the answer's timing tells nothing. */
int totp_verify(const char *secret_b32, const char *code, int64_t now,
		int64_t after, int64_t *step);

/* A fresh secret from RAND_bytes, in base32. */
int totp_new_secret(char out[TOTP_SECRET_B32 + 1], struct hk_err *err);

/* otpauth://totp/ISSUER:LOGIN?secret=…&issuer=ISSUER&algorithm=SHA1&
 * digits=6&period=30, issuer and login percent-encoded; -1 if it does
 * not fit out[len]. */
int totp_uri(const char *issuer, const char *login, const char *secret_b32,
	     char *out, size_t len);

/* A fresh recovery code, "xxxx-xxxx-xxxx". */
int totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1], struct hk_err *err);

/* The code as it is hashed: dashes and spaces dropped, lower case; -1
 * if what is left is not TOTP_RECOVERY_CHARS base32 letters. */
int totp_recovery_norm(const char *in, char out[TOTP_RECOVERY_CHARS + 1]);

#endif
