/* SPDX-License-Identifier: ISC */
/*
 * totp.c - base32, TOTP, the otpauth:// URI and recovery codes.
 * See totp.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "secret.h"
#include "totp.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t len = (n * 8 + 4) / 5, o = 0;
	unsigned int acc = 0, bits = 0;

	if (outlen <= len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

static int
b32_value(int c)
{
	c = toupper((unsigned char)c);
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
base32_decode(const char *in, unsigned char *out, size_t outlen, size_t *n)
{
	unsigned int acc = 0, bits = 0;
	size_t o = 0, letters = 0;

	for (; *in; in++) {
		int v;

		if (*in == ' ')
			continue;
		if ((v = b32_value(*in)) < 0)
			return -1;
		letters++;
		acc = (acc << 5 | (unsigned int)v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* 1, 3 or 6 letters past a whole 8 are no encoding's end */
	switch (letters % 8) {
	case 1: case 3: case 6:
		return -1;
	}
	*n = o;
	return 0;
}

int64_t
totp_step(int64_t t)
{
	return t / TOTP_PERIOD;
}

int
totp_code(const unsigned char *key, size_t keylen, int64_t step,
	  char out[TOTP_DIGITS + 1])
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, off;
	uint32_t bin;

	for (int i = 7; i >= 0; i--, step >>= 8)
		msg[i] = (unsigned char)(step & 0xff);
	if (keylen > TOTP_KEY_MAX ||
	    HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac,
		 &maclen) == NULL || maclen != 20)
		return -1;
	/* RFC 4226 5.3: dynamic truncation */
	off = mac[19] & 0xf;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	      (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	snprintf(out, TOTP_DIGITS + 1, "%06u", (unsigned)(bin % 1000000));
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

static int
six_digits(const char *code)
{
	for (int i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return code[TOTP_DIGITS] == '\0';
}

int
totp_verify(const char *secret_b32, const char *code, int64_t now,
	    int64_t after, int64_t *step)
{
	unsigned char key[TOTP_KEY_MAX];
	char want[TOTP_DIGITS + 1];
	int64_t s = totp_step(now), hit = 0;
	size_t keylen;
	int rc = 0;

	if (base32_decode(secret_b32, key, sizeof(key), &keylen) < 0 ||
	    keylen == 0)
		return -1;
	/* every candidate computed, none skipped early */
	for (int64_t d = -TOTP_DRIFT; d <= TOTP_DRIFT; d++) {
		if (totp_code(key, keylen, s + d, want) < 0) {
			rc = -1;
			break;
		}
		if (secret_equal(want, code) && s + d > after && !hit)
			hit = s + d;
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (rc < 0 || !six_digits(code) || !hit)
		return rc;
	*step = hit;
	return 1;
}

int
totp_new_secret(char out[TOTP_SECRET_B32 + 1], struct hk_err *err)
{
	unsigned char buf[TOTP_SECRET_BYTES];

	if (RAND_bytes(buf, sizeof(buf)) != 1)
		return hk_fail(err, HK_EINTERNAL, NULL, "no randomness");
	if (base32_encode(buf, sizeof(buf), out, TOTP_SECRET_B32 + 1) < 0) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return hk_fail(err, HK_EINTERNAL, NULL, "secret buffer");
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* RFC 3986: all but the unreserved characters as %XX; the length
 * written, or -1 if it does not fit. */
static int
pct_encode(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		int n;

		if (isalnum(c) || strchr("-._~", c))
			n = snprintf(out + o, len - o, "%c", c);
		else
			n = snprintf(out + o, len - o, "%%%02X", c);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
	}
	if (o >= len)
		return -1;
	out[o] = '\0';
	return (int)o;
}

int
totp_uri(const char *issuer, const char *login, const char *secret_b32,
	 char *out, size_t len)
{
	char is[3 * 64 + 1], lo[3 * 128 + 1];
	int n;

	if (pct_encode(issuer, is, sizeof(is)) < 0 ||
	    pct_encode(login, lo, sizeof(lo)) < 0)
		return -1;
	n = snprintf(out, len, "otpauth://totp/%s:%s?secret=%s&issuer=%s&"
		     "algorithm=SHA1&digits=%d&period=%d", is, lo, secret_b32,
		     is, TOTP_DIGITS, TOTP_PERIOD);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1], struct hk_err *err)
{
	unsigned char buf[8];
	char enc[16];

	if (RAND_bytes(buf, sizeof(buf)) != 1)
		return hk_fail(err, HK_EINTERNAL, NULL, "no randomness");
	/* 13 letters; the first 12 hold 60 whole random bits */
	if (base32_encode(buf, sizeof(buf), enc, sizeof(enc)) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "code buffer");
	for (int i = 0; i < TOTP_RECOVERY_CHARS; i++)
		enc[i] = (char)tolower((unsigned char)enc[i]);
	snprintf(out, TOTP_RECOVERY_LEN + 1, "%.4s-%.4s-%.4s", enc, enc + 4,
		 enc + 8);
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(enc, sizeof(enc));
	return 0;
}

int
totp_recovery_norm(const char *in, char out[TOTP_RECOVERY_CHARS + 1])
{
	size_t o = 0;

	for (; *in; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (o >= TOTP_RECOVERY_CHARS || b32_value(*in) < 0)
			return -1;
		out[o++] = (char)tolower((unsigned char)*in);
	}
	out[o] = '\0';
	return o == TOTP_RECOVERY_CHARS ? 0 : -1;
}
