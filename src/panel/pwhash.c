/* SPDX-License-Identifier: ISC */
/*
 * pwhash.c - SHA512-CRYPT hashes through libxcrypt.  See pwhash.h.
 */
#include "config.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mapsyntax.h"
#include "pwhash.h"
#include "validate.h"

static const struct {
	const char *scheme, *prefix;
} schemes[] = {
	{ "{SHA512-CRYPT}", "$6$" },
	{ "{SHA256-CRYPT}", "$5$" },
	{ "{BLF-CRYPT}", "$2y$" },
	{ NULL, NULL }
};

int
pwhash_make(const char *password, char out[PWHASH_MAX], struct hk_err *err)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;

	if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return hk_fail_errno(err, "crypt_gensalt_rn");
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return hk_fail_errno(err, "calloc");
	h = crypt_r(password, salt, cd);
	if (h == NULL || h[0] == '*') {
		free(cd);
		return hk_fail(err, HK_EINTERNAL, NULL, "crypt_r failed");
	}
	snprintf(out, PWHASH_MAX, "{SHA512-CRYPT}%s", h);
	free(cd);
	return 0;
}

int
pwhash_check_prehashed(const char *hash, const char *field,
		       struct hk_err *err)
{
	size_t n = hash ? strlen(hash) : 0;

	if (n == 0 || n >= PWHASH_MAX || !mapsyntax_hash(hash, n))
		goto bad;
	for (int i = 0; schemes[i].scheme; i++) {
		size_t sl = strlen(schemes[i].scheme);

		if (strncmp(hash, schemes[i].scheme, sl) == 0 &&
		    strncmp(hash + sl, schemes[i].prefix,
			    strlen(schemes[i].prefix)) == 0 &&
		    n > sl + strlen(schemes[i].prefix) + 8)
			return 0;
	}
bad:
	return hk_failr(err, HK_EINVAL, field, HK_R_hash_scheme, NULL);
}

int
pwhash_verify(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *crypted = strchr(hash, '}'), *h;
	int ok = 0;

	if (hash[0] != '{' || crypted == NULL)
		return 0;
	crypted++;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	h = crypt_r(password, crypted, cd);
	if (h != NULL && h[0] != '*' && strlen(h) == strlen(crypted))
		ok = CRYPTO_memcmp(h, crypted, strlen(h)) == 0;
	free(cd);
	return ok;
}

int
pwhash_accept(const char *plain, const char *prehashed, int min, int max,
	      char out[PWHASH_MAX], struct hk_err *err)
{
	if ((plain == NULL) == (prehashed == NULL))
		return hk_failr(err, HK_EINVAL, "password",
				HK_R_password_or_hash, NULL);
	if (prehashed != NULL) {
		if (pwhash_check_prehashed(prehashed, "password_hash", err) < 0)
			return -1;
		snprintf(out, PWHASH_MAX, "%s", prehashed);
		return 0;
	}
	if (validate_password(plain, "password", min, max, err) < 0)
		return -1;
	return pwhash_make(plain, out, err);
}
