/* SPDX-License-Identifier: ISC */
/*
 * pwhash.c - SHA512-CRYPT hashes through libxcrypt, and hashes carried in
 * from another system.  See pwhash.h.
 */
#include "config.h"

#include <ctype.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base64.h"
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

int
pwhash_panel_verifies(const char *hash)
{
	static const char *const crypts[] = { "{SHA512-CRYPT}$6$",
		"{SHA256-CRYPT}$5$", "{BLF-CRYPT}$2", "{MD5-CRYPT}$1$", NULL };

	for (int i = 0; crypts[i]; i++)
		if (strncmp(hash, crypts[i], strlen(crypts[i])) == 0)
			return 1;
	return 0;
}

/* Schemes Dovecot verifies from the stored value alone (its
 * password-scheme list, less those that need the user name). */
static const char *const carried[] = {
	"SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "MD5-CRYPT",
	"ARGON2I", "ARGON2ID", "SSHA512", "SSHA256", "SSHA", "SMD5",
	"SHA512", "SHA256", "SHA", "PLAIN-MD5", "LDAP-MD5", "CRAM-MD5", NULL
};

/* A bare crypt(3) value's scheme, or NULL. */
static const char *
crypt_scheme(const char *s)
{
	if (strncmp(s, "$1$", 3) == 0)
		return "MD5-CRYPT";
	if (strncmp(s, "$5$", 3) == 0)
		return "SHA256-CRYPT";
	if (strncmp(s, "$6$", 3) == 0)
		return "SHA512-CRYPT";
	if (strncmp(s, "$2a$", 4) == 0 || strncmp(s, "$2b$", 4) == 0 ||
	    strncmp(s, "$2y$", 4) == 0)
		return "BLF-CRYPT";
	return NULL;
}

static int
all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "{SCHEME}" + body into out when the result is a well-formed map value. */
static int
put(const char *scheme, const char *body, char out[PWHASH_MAX])
{
	int n = snprintf(out, PWHASH_MAX, "{%s}%s", scheme, body);

	return n > 0 && n < PWHASH_MAX && mapsyntax_hash(out, (size_t)n) ?
	    0 : -1;
}

/* {SHA512-CRYPT.B64}: PostfixAdmin's sha512.b64, a $6$ value in base64. */
static int
put_b64_crypt(const char *body, char out[PWHASH_MAX])
{
	unsigned char dec[PWHASH_MAX];
	size_t n = strlen(body), len;

	if (n / 4 * 3 >= sizeof(dec) || base64_decode(body, n, dec, &len) < 0)
		return -1;
	dec[len] = '\0';
	if (strlen((char *)dec) != len || strncmp((char *)dec, "$6$", 3) != 0)
		return -1;
	return put("SHA512-CRYPT", (char *)dec, out);
}

/* A "{SCHEME}..." value's scheme upper-cased into scheme[32], *body
 * after the brace; -1 when it has none. */
static int
scheme_of(const char *stored, char scheme[32], const char **body)
{
	const char *end = stored[0] == '{' ? strchr(stored, '}') : NULL;
	size_t n = end ? (size_t)(end - stored - 1) : 0;

	if (end == NULL || n == 0 || n >= 32)
		return -1;
	for (size_t i = 0; i < n; i++)
		scheme[i] = (char)toupper((unsigned char)stored[1 + i]);
	scheme[n] = '\0';
	*body = end + 1;
	return 0;
}

static int
is_clear_scheme(const char *scheme)
{
	return strcmp(scheme, "PLAIN") == 0 || strcmp(scheme, "CLEAR") == 0 ||
	    strcmp(scheme, "CLEARTEXT") == 0;
}

/* A hash of a known form, carried into out: 0, or -1. */
static int
carry_hash(const char *stored, char out[PWHASH_MAX])
{
	char scheme[32];
	const char *body, *crypt;
	size_t n = strlen(stored);

	if (scheme_of(stored, scheme, &body) == 0) {
		if (strcmp(scheme, "SHA512-CRYPT.B64") == 0)
			return put_b64_crypt(body, out);
		for (int i = 0; carried[i]; i++)
			if (strcmp(scheme, carried[i]) == 0)
				return put(carried[i], body, out);
		return -1;
	}
	if ((crypt = crypt_scheme(stored)) != NULL)
		return put(crypt, stored, out);
	if (n == 32 && all_hex(stored, n)) {
		char lower[33];

		for (size_t i = 0; i <= n; i++)
			lower[i] = (char)tolower((unsigned char)stored[i]);
		return put("PLAIN-MD5", lower, out);
	}
	return -1;
}

const char *
pwhash_cleartext(const char *stored, int cleartext)
{
	char scheme[32], out[PWHASH_MAX];
	const char *body;

	if (stored == NULL || *stored == '\0')
		return NULL;
	if (scheme_of(stored, scheme, &body) == 0)
		return is_clear_scheme(scheme) && *body ? body : NULL;
	if (stored[0] == '*' || stored[0] == '!')
		return NULL;	/* crypt(3)'s mark of a locked account */
	return cleartext && carry_hash(stored, out) < 0 ? stored : NULL;
}

/* What a refused value looks like, never the value: its "{SCHEME}" when
 * it has a plain one, else "empty" or "unrecognized" (into buf). */
static const char *
form_of(const char *stored, char buf[PWHASH_MAX])
{
	size_t n = 1;

	if (stored == NULL || *stored == '\0')
		return "empty";
	if (stored[0] == '*' || stored[0] == '!')
		return "locked";
	if (stored[0] != '{')
		return "unrecognized";
	while (n < 32 && (isalnum((unsigned char)stored[n]) ||
			  stored[n] == '-' || stored[n] == '.'))
		n++;
	if (stored[n] != '}')
		return "unrecognized";
	snprintf(buf, PWHASH_MAX, "%.*s", (int)n + 1, stored);
	return buf;
}

int
pwhash_carry(const char *stored, int cleartext, const char *field,
	     char out[PWHASH_MAX], struct hk_err *err)
{
	const char *plain = pwhash_cleartext(stored, cleartext);

	if (plain != NULL)
		return pwhash_make(plain, out, err);
	if (stored != NULL && strlen(stored) < PWHASH_MAX &&
	    carry_hash(stored, out) == 0)
		return 0;
	return hk_failr(err, HK_EINVAL, field, HK_R_hash_unknown, "form",
			form_of(stored, out), NULL);
}
