/* SPDX-License-Identifier: ISC */
/*
 * secret.c - randomness from the kernel (getrandom: a FastCGI worker
 * that makes a session's tokens need not set up OpenSSL's generator,
 * about 0.6 MiB of resident pages), digests and comparison via OpenSSL.
 * See secret.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "secret.h"

int
secret_random_hex(char *out, size_t n, struct hk_err *err)
{
	unsigned char buf[64];
	ssize_t got;

	if (n > sizeof(buf))
		return hk_fail(err, HK_EINTERNAL, NULL, "no randomness");
	/* up to 256 bytes come whole once the pool is ready; it blocks
	 * only before that, early in a boot */
	while ((got = getrandom(buf, n, 0)) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)n)
		return hk_fail(err, HK_EINTERNAL, NULL, "no randomness");
	hex_encode(buf, n, out);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int
secret_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

int
secret_new_token(char token[SECRET_TOKEN_LEN + 1],
		 char prefix[SECRET_PREFIX_HEX + 1],
		 char body[SECRET_BODY_HEX + 1], struct hk_err *err)
{
	if (secret_random_hex(prefix, SECRET_PREFIX_HEX / 2, err) < 0 ||
	    secret_random_hex(body, SECRET_BODY_HEX / 2, err) < 0)
		return -1;
	snprintf(token, SECRET_TOKEN_LEN + 1, "hk_%s_%s", prefix, body);
	return 0;
}

static int
all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
secret_split_token(const char *token, char prefix[SECRET_PREFIX_HEX + 1],
		   char body[SECRET_BODY_HEX + 1])
{
	const char *p = token + 3, *b = p + SECRET_PREFIX_HEX + 1;

	if (strlen(token) != SECRET_TOKEN_LEN || strncmp(token, "hk_", 3) ||
	    p[SECRET_PREFIX_HEX] != '_' || !all_hex(p, SECRET_PREFIX_HEX) ||
	    !all_hex(b, SECRET_BODY_HEX))
		return -1;
	memcpy(prefix, p, SECRET_PREFIX_HEX);
	prefix[SECRET_PREFIX_HEX] = '\0';
	memcpy(body, b, SECRET_BODY_HEX);
	body[SECRET_BODY_HEX] = '\0';
	return 0;
}
