/* SPDX-License-Identifier: ISC */
/* test_totp.c - the second factor's model: RFC 4648's base32 vectors,
 * RFC 6238's SHA-1 vectors, the drift window, the otpauth:// URI and the
 * recovery codes' shape. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "totp.h"

/* RFC 4648 section 10 */
static const char *const b32_vectors[][2] = {
	{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
	{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI" },
};

static void
test_base32(void **state)
{
	char enc[32];
	unsigned char dec[32];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(b32_vectors) / sizeof(*b32_vectors);
	     i++) {
		const char *raw = b32_vectors[i][0], *want = b32_vectors[i][1];

		assert_int_equal(base32_encode((const unsigned char *)raw,
					       strlen(raw), enc, sizeof(enc)),
				 (int)strlen(want));
		assert_string_equal(enc, want);
		assert_int_equal(base32_decode(want, dec, sizeof(dec), &n), 0);
		assert_int_equal(n, strlen(raw));
		assert_memory_equal(dec, raw, n);
	}
	/* lower case and spaces, as people type a secret */
	assert_int_equal(base32_decode("mzxw 6ytb oi", dec, sizeof(dec), &n),
			 0);
	assert_int_equal(n, 6);
	assert_memory_equal(dec, "foobar", 6);
	/* refused: outside the alphabet, padding, impossible lengths, no room */
	assert_int_equal(base32_decode("MZXW1", dec, sizeof(dec), &n), -1);
	assert_int_equal(base32_decode("MY======", dec, sizeof(dec), &n), -1);
	assert_int_equal(base32_decode("M", dec, sizeof(dec), &n), -1);
	assert_int_equal(base32_decode("MZX", dec, sizeof(dec), &n), -1);
	assert_int_equal(base32_decode("MZXW6Y", dec, sizeof(dec), &n), -1);
	assert_int_equal(base32_decode("MZXW6YTBOI", dec, 5, &n), -1);
	assert_int_equal(base32_encode((const unsigned char *)"foobar", 6, enc,
				       10), -1);
}

/* RFC 6238 appendix B, SHA-1: the last six digits */
static const struct {
	int64_t t;
	const char *code;
} rfc6238[] = {
	{ 59, "287082" }, { 1111111109, "081804" }, { 1111111111, "050471" },
	{ 1234567890, "005924" }, { 2000000000, "279037" },
	{ 20000000000LL, "353130" },
};
#define RFC_KEY		"12345678901234567890"

static void
test_rfc6238(void **state)
{
	char code[TOTP_DIGITS + 1], b32[64];
	int64_t step;

	(void)state;
	assert_int_equal(base32_encode((const unsigned char *)RFC_KEY, 20, b32,
				       sizeof(b32)), 32);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(*rfc6238); i++) {
		assert_int_equal(totp_code((const unsigned char *)RFC_KEY, 20,
					   totp_step(rfc6238[i].t), code), 0);
		assert_string_equal(code, rfc6238[i].code);
		assert_int_equal(totp_verify(b32, rfc6238[i].code,
					     rfc6238[i].t, 0, &step), 1);
		assert_int_equal(step, totp_step(rfc6238[i].t));
	}
	assert_int_equal(totp_step(59), 1);
	assert_int_equal(totp_step(60), 2);
}

/* Steps -1, 0 and +1 of now's are accepted, -2 and +2 not; a step not
 * newer than `after` is not either. */
static void
test_drift(void **state)
{
	const char *b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	int64_t now = 1111111111, s = totp_step(now), step = 0;
	char code[TOTP_DIGITS + 1];

	(void)state;
	for (int d = -2; d <= 2; d++) {
		assert_int_equal(totp_code((const unsigned char *)RFC_KEY, 20,
					   s + d, code), 0);
		step = 0;
		assert_int_equal(totp_verify(b32, code, now, 0, &step),
				 d >= -1 && d <= 1);
		if (d >= -1 && d <= 1)
			assert_int_equal(step, s + d);
		/* the step already accepted, or an older one: refused */
		assert_int_equal(totp_verify(b32, code, now, s + d, &step), 0);
	}
	/* a newer step after an accepted one still goes */
	assert_int_equal(totp_code((const unsigned char *)RFC_KEY, 20, s + 1,
				   code), 0);
	assert_int_equal(totp_verify(b32, code, now, s, &step), 1);
	assert_int_equal(step, s + 1);
	/* not six digits; a secret that is no base32 */
	assert_int_equal(totp_verify(b32, "", now, 0, &step), 0);
	assert_int_equal(totp_verify(b32, "05047", now, 0, &step), 0);
	assert_int_equal(totp_verify(b32, "0504711", now, 0, &step), 0);
	assert_int_equal(totp_verify(b32, "05047a", now, 0, &step), 0);
	assert_int_equal(totp_verify("not base32!", "050471", now, 0, &step),
			 -1);
}

static void
test_secret_uri(void **state)
{
	char a[TOTP_SECRET_B32 + 1], b[TOTP_SECRET_B32 + 1], uri[TOTP_URI_MAX];
	unsigned char key[TOTP_KEY_MAX];
	struct hk_err err;
	size_t n;

	(void)state;
	assert_int_equal(totp_new_secret(a, &err), 0);
	assert_int_equal(totp_new_secret(b, &err), 0);
	assert_int_equal(strlen(a), TOTP_SECRET_B32);
	assert_string_not_equal(a, b);
	assert_int_equal(base32_decode(a, key, sizeof(key), &n), 0);
	assert_int_equal(n, TOTP_SECRET_BYTES);
	assert_int_equal(totp_uri("hakomail", "matsui", "GEZDGNBV", uri,
				  sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/hakomail:matsui?secret="
			    "GEZDGNBV&issuer=hakomail&algorithm=SHA1&digits=6"
			    "&period=30");
	/* label and issuer percent-encoded */
	assert_int_equal(totp_uri("hako mail", "a:b@c/d?&", "GEZDGNBV", uri,
				  sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/hako%20mail:a%3Ab%40c%2Fd%3F"
			    "%26?secret=GEZDGNBV&issuer=hako%20mail&algorithm="
			    "SHA1&digits=6&period=30");
	assert_int_equal(totp_uri("hakomail", "matsui", a, uri, 40), -1);
}

static void
test_recovery(void **state)
{
	char a[TOTP_RECOVERY_LEN + 1], b[TOTP_RECOVERY_LEN + 1];
	char norm[TOTP_RECOVERY_CHARS + 1];
	struct hk_err err;

	(void)state;
	assert_int_equal(totp_recovery_new(a, &err), 0);
	assert_int_equal(totp_recovery_new(b, &err), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), TOTP_RECOVERY_LEN);
	assert_true(a[4] == '-' && a[9] == '-');
	for (int i = 0; a[i]; i++)
		assert_true(a[i] == '-' || (a[i] >= 'a' && a[i] <= 'z') ||
			    (a[i] >= '2' && a[i] <= '7'));
	assert_int_equal(totp_recovery_norm("ABCD-efgh-2345", norm), 0);
	assert_string_equal(norm, "abcdefgh2345");
	assert_int_equal(totp_recovery_norm("abcd efgh 2345", norm), 0);
	assert_string_equal(norm, "abcdefgh2345");
	assert_int_equal(totp_recovery_norm("abcd-efgh-234", norm), -1);
	assert_int_equal(totp_recovery_norm("abcd-efgh-23456", norm), -1);
	assert_int_equal(totp_recovery_norm("abcd-efgh-2341", norm), -1);
	assert_int_equal(totp_recovery_norm("123456", norm), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_rfc6238),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_secret_uri),
		cmocka_unit_test(test_recovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
