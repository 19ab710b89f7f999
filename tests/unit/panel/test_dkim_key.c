/* SPDX-License-Identifier: ISC */
/* test_dkim_key.c - DKIM keys as dkim_key.c makes them: an RSA 2048 and
 * an Ed25519 key whose p= verifies what the private key signs (checked
 * with OpenSSL alone), the TXT record's value, the bounds on algorithm,
 * bits and selector, and the sealing: a round trip, and a clear failure
 * with another key, a flipped byte or another row's domain or
 * selector. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "dkim_key.h"

static const unsigned char key1[DKIM_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const unsigned char key2[DKIM_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 9 };

/* The public key p= stands for, as a verifier rebuilds it from DNS. */
static EVP_PKEY *
from_p(const char *algorithm, const char *p)
{
	unsigned char der[DKIM_PUBLIC_MAX];
	const unsigned char *q = der;
	size_t n = sizeof(der);

	assert_int_equal(base64_decode(p, strlen(p), der, &n), 0);
	if (strcmp(algorithm, "rsa") == 0)
		return d2i_PUBKEY(NULL, &q, (long)n);
	assert_int_equal(n, 32);
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, n);
}

/* The private key signs a message and p= verifies it (and not another). */
static void
sign_verify(const char *algorithm, const struct dkim_keypair *kp)
{
	static const unsigned char msg[] = "From: a@pc1.example\r\n";
	BIO *bio = BIO_new_mem_buf(kp->pem, (int)kp->pem_len);
	EVP_PKEY *priv = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	EVP_PKEY *pub = from_p(algorithm, kp->public_b64);
	const EVP_MD *md = strcmp(algorithm, "rsa") == 0 ? EVP_sha256() :
			   NULL;
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(priv);
	assert_non_null(pub);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, priv), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, msg,
					sizeof(msg) - 1), 1);
	EVP_MD_CTX_reset(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub), 1);
	assert_int_equal(EVP_DigestVerify(ctx, sig, siglen, msg,
					  sizeof(msg) - 1), 1);
	EVP_MD_CTX_reset(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub), 1);
	assert_int_not_equal(EVP_DigestVerify(ctx, sig, siglen, msg,
					      sizeof(msg) - 2), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	BIO_free(bio);
}

static void
test_generate(void **state)
{
	struct dkim_keypair kp;
	struct strbuf rec;
	struct hk_err err;

	(void)state;
	assert_int_equal(dkim_key_generate("rsa", 2048, &kp, &err), 0);
	assert_non_null(strstr(kp.pem, "-----BEGIN PRIVATE KEY-----"));
	sign_verify("rsa", &kp);
	strbuf_init(&rec, 0);
	assert_int_equal(dkim_key_record("rsa", kp.public_b64, &rec, &err), 0);
	assert_int_equal(strncmp(strbuf_str(&rec), "v=DKIM1; k=rsa; p=MII", 21),
			 0);
	assert_string_equal(strbuf_str(&rec) + 18, kp.public_b64);
	dkim_keypair_free(&kp);
	assert_null(kp.pem);

	assert_int_equal(dkim_key_generate("ed25519", 256, &kp, &err), 0);
	assert_non_null(strstr(kp.pem, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(strlen(kp.public_b64), 44);
	sign_verify("ed25519", &kp);
	strbuf_reset(&rec);
	assert_int_equal(dkim_key_record("ed25519", kp.public_b64, &rec,
					 &err), 0);
	assert_int_equal(strncmp(strbuf_str(&rec), "v=DKIM1; k=ed25519; p=",
				 22), 0);
	strbuf_free(&rec);
	dkim_keypair_free(&kp);
}

static void
refused(int rc, const struct hk_err *err, const char *field,
	enum hk_reason reason)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->code, HK_EINVAL);
	assert_string_equal(err->field, field);
	assert_int_equal(err->reason, reason);
}

static void
test_bounds(void **state)
{
	static const char *const bad[] = {
		"", "-a", "a-", "a.b", "a b", "a_b", "a\nb", "a=b", "a;b",
		"s\xc3\xa9l", "a\tb",
		"a123456789012345678901234567890123456789012345678901234567890123"
	};
	char sel[DKIM_SELECTOR_MAX + 1];
	struct dkim_keypair kp;
	struct hk_err err;

	(void)state;
	assert_int_equal(dkim_selector_check("HK2026-Mail", sel, &err), 0);
	assert_string_equal(sel, "hk2026-mail");
	assert_int_equal(dkim_selector_check(
		"a12345678901234567890123456789012345678901234567890123456789012",
		sel, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(dkim_selector_check(bad[i], sel, &err), &err,
			"selector", HK_R_dkim_selector);
	refused(dkim_selector_check(NULL, sel, &err), &err, "selector",
		HK_R_dkim_selector);
	refused(dkim_key_generate("dsa", 2048, &kp, &err), &err, "algorithm",
		HK_R_dkim_algorithm);
	refused(dkim_key_generate("RSA", 2048, &kp, &err), &err, "algorithm",
		HK_R_dkim_algorithm);
	refused(dkim_key_generate("rsa", 512, &kp, &err), &err, "bits",
		HK_R_dkim_bits_rsa);
	refused(dkim_key_generate("rsa", 1023, &kp, &err), &err, "bits",
		HK_R_dkim_bits_rsa);
	refused(dkim_key_generate("rsa", 1500, &kp, &err), &err, "bits",
		HK_R_dkim_bits_rsa);
	refused(dkim_key_generate("rsa", 8192, &kp, &err), &err, "bits",
		HK_R_dkim_bits_rsa);
	refused(dkim_key_generate("ed25519", 2048, &kp, &err), &err, "bits",
		HK_R_dkim_bits_ed25519);
	assert_int_equal(dkim_key_bits_check("rsa", 1024, &err), 0);
	assert_int_equal(dkim_key_bits_check("rsa", 4096, &err), 0);
}

/* Opening s must fail with a clear word. */
static void
no_open(const unsigned char *key, const char *domain, const char *sel,
	const char *s)
{
	struct hk_err err;
	char *plain = (char *)1;
	size_t len = 1;

	hk_err_clear(&err);
	assert_int_equal(dkim_key_open(key, domain, sel, s, &plain, &len,
				       &err), -1);
	assert_null(plain);
	assert_int_equal(len, 0);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "does not open"));
	assert_non_null(strstr(err.message, sel));
}

static void
test_seal(void **state)
{
	static const char pem[] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n"
				  "-----END PRIVATE KEY-----\n";
	struct strbuf a, b;
	struct hk_err err;
	char *plain, *t;
	size_t len;

	(void)state;
	strbuf_init(&a, 0);
	strbuf_init(&b, 0);
	assert_int_equal(dkim_key_seal(key1, "pc1.example", "hk1", pem,
				       strlen(pem), &a, &err), 0);
	assert_int_equal(dkim_key_seal(key1, "pc1.example", "hk1", pem,
				       strlen(pem), &b, &err), 0);
	assert_int_equal(strncmp(strbuf_str(&a), "v1:", 3), 0);
	assert_null(strstr(strbuf_str(&a), "PRIVATE"));
	/* a fresh nonce each time */
	assert_string_not_equal(strbuf_str(&a), strbuf_str(&b));
	assert_int_equal(dkim_key_open(key1, "pc1.example", "hk1",
				       strbuf_str(&a), &plain, &len, &err), 0);
	assert_int_equal(len, strlen(pem));
	assert_string_equal(plain, pem);
	dkim_key_wipe(plain, len);
	/* another key; another row (domain or selector) */
	no_open(key2, "pc1.example", "hk1", strbuf_str(&a));
	no_open(key1, "pc2.example", "hk1", strbuf_str(&a));
	no_open(key1, "pc1.example", "hk2", strbuf_str(&a));
	no_open(key1, "pc1.exampleh", "k1", strbuf_str(&a));
	/* every byte flipped in turn, and what is no sealed text */
	t = strdup(strbuf_str(&a));
	assert_non_null(t);
	for (size_t i = 0; t[i] != '\0'; i++) {
		char was = t[i];

		t[i] = t[i] == 'A' ? 'B' : 'A';
		no_open(key1, "pc1.example", "hk1", t);
		t[i] = was;
	}
	t[strlen(t) - 8] = '\0';
	no_open(key1, "pc1.example", "hk1", t);
	free(t);
	no_open(key1, "pc1.example", "hk1", "");
	no_open(key1, "pc1.example", "hk1", "v1:");
	no_open(key1, "pc1.example", "hk1", "v1:AAAA");
	no_open(key1, "pc1.example", "hk1", "v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAA");
	no_open(key1, "pc1.example", "hk1", NULL);
	strbuf_free(&a);
	strbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_seal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
