/* SPDX-License-Identifier: ISC */
/*
 * dkim_key.c - DKIM keys made, shown as records, sealed and opened with
 * OpenSSL's EVP.  See dkim_key.h.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base64.h"
#include "dkim_key.h"

#define NONCE_LEN	12
#define TAG_LEN		16
#define SEAL_PREFIX	"v1:"
/* The associated data: what the sealed text belongs to. */
#define AAD_TAG		"hakomail-dkim-v1"
/* The longest PEM sealed: a 4096-bit RSA PKCS#8 key is about 3.3 KB. */
#define PEM_MAX		8192

int
dkim_key_algorithm_check(const char *algorithm, struct hk_err *err)
{
	if (algorithm == NULL || (strcmp(algorithm, "rsa") != 0 &&
				  strcmp(algorithm, "ed25519") != 0))
		return hk_failr(err, HK_EINVAL, "algorithm",
				HK_R_dkim_algorithm, NULL);
	return 0;
}

int
dkim_key_bits_check(const char *algorithm, int bits, struct hk_err *err)
{
	if (strcmp(algorithm, "ed25519") == 0)
		return bits == DKIM_ED25519_BITS ? 0 :
		       hk_failr(err, HK_EINVAL, "bits",
				HK_R_dkim_bits_ed25519, NULL);
	if (bits < DKIM_RSA_MIN || bits > DKIM_RSA_MAX ||
	    bits % DKIM_RSA_STEP != 0)
		return hk_failr(err, HK_EINVAL, "bits", HK_R_dkim_bits_rsa,
				NULL);
	return 0;
}

int
dkim_selector_check(const char *in, char out[DKIM_SELECTOR_MAX + 1],
		    struct hk_err *err)
{
	size_t n = 0;

	for (; in != NULL && in[n] != '\0'; n++) {
		char ch = in[n];

		if (n >= DKIM_SELECTOR_MAX)
			break;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-'))
			break;
		out[n] = ch;
	}
	if (in == NULL || n == 0 || in[n] != '\0' || out[0] == '-' ||
	    out[n - 1] == '-') {
		out[0] = '\0';
		return hk_failr(err, HK_EINVAL, "selector", HK_R_dkim_selector,
				NULL);
	}
	out[n] = '\0';
	return 0;
}

/* --- making a key --- */

static int
ossl_fail(struct hk_err *err, const char *what)
{
	return hk_fail(err, HK_ESYS, NULL, "OpenSSL: %s failed", what);
}

static EVP_PKEY *
make_pkey(const char *algorithm, int bits, struct hk_err *err)
{
	int rsa = strcmp(algorithm, "rsa") == 0;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(rsa ? EVP_PKEY_RSA :
						EVP_PKEY_ED25519, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    (rsa && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) <= 0) ||
	    EVP_PKEY_keygen(ctx, &pkey) <= 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		ossl_fail(err, "key generation");
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* The PKCS#8 PEM of pkey into kp->pem. */
static int
take_pem(EVP_PKEY *pkey, struct dkim_keypair *kp, struct hk_err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long n;

	if (bio == NULL || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
						    NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0 || n > PEM_MAX ||
	    (kp->pem = malloc((size_t)n + 1)) == NULL) {
		BIO_free(bio);
		return ossl_fail(err, "PEM encoding");
	}
	memcpy(kp->pem, data, (size_t)n);
	kp->pem[n] = '\0';
	kp->pem_len = (size_t)n;
	BIO_free(bio);	/* a secure-memory BIO wipes what it held */
	return 0;
}

/* DKIM's p= of pkey: RSA's SubjectPublicKeyInfo, Ed25519's raw 32 bytes
 * (RFC 8463). */
static int
take_public(EVP_PKEY *pkey, int rsa, struct dkim_keypair *kp,
	    struct hk_err *err)
{
	unsigned char buf[DKIM_PUBLIC_MAX / 4 * 3], *p = buf;
	size_t n = sizeof(buf);
	struct strbuf b64;
	int len, rc;

	if (rsa) {
		if ((len = i2d_PUBKEY(pkey, NULL)) <= 0 ||
		    (size_t)len > sizeof(buf) || i2d_PUBKEY(pkey, &p) != len)
			return ossl_fail(err, "public key encoding");
		n = (size_t)len;
	} else if (EVP_PKEY_get_raw_public_key(pkey, buf, &n) != 1) {
		return ossl_fail(err, "public key encoding");
	}
	strbuf_init(&b64, DKIM_PUBLIC_MAX);
	rc = base64_encode(&b64, buf, n);
	if (rc == 0)
		snprintf(kp->public_b64, sizeof(kp->public_b64), "%s",
			 strbuf_str(&b64));
	strbuf_free(&b64);
	return rc < 0 ? hk_fail(err, HK_EINTERNAL, NULL, "p= too long") : 0;
}

int
dkim_key_generate(const char *algorithm, int bits, struct dkim_keypair *kp,
		  struct hk_err *err)
{
	EVP_PKEY *pkey;
	int rc;

	memset(kp, 0, sizeof(*kp));
	if (dkim_key_algorithm_check(algorithm, err) < 0 ||
	    dkim_key_bits_check(algorithm, bits, err) < 0 ||
	    (pkey = make_pkey(algorithm, bits, err)) == NULL)
		return -1;
	rc = take_pem(pkey, kp, err);
	if (rc == 0)
		rc = take_public(pkey, strcmp(algorithm, "rsa") == 0, kp, err);
	EVP_PKEY_free(pkey);
	if (rc < 0)
		dkim_keypair_free(kp);
	return rc;
}

void
dkim_keypair_free(struct dkim_keypair *kp)
{
	dkim_key_wipe(kp->pem, kp->pem_len);
	kp->pem = NULL;
	kp->pem_len = 0;
}

void
dkim_key_wipe(char *plain, size_t len)
{
	if (plain == NULL)
		return;
	OPENSSL_cleanse(plain, len + 1);
	free(plain);
}

int
dkim_key_record(const char *algorithm, const char *public_b64,
		struct strbuf *out, struct hk_err *err)
{
	if (dkim_key_algorithm_check(algorithm, err) < 0)
		return -1;
	if (strbuf_printf(out, "v=DKIM1; k=%s; p=%s", algorithm,
			  public_b64) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	return 0;
}

/* --- sealing --- */

/* AAD_TAG NUL domain NUL selector: the row the text belongs to (the
 * NULs keep "a.b" + "c" apart from "a" + "b.c"). */
static int
aad(struct strbuf *out, const char *domain, const char *selector)
{
	return strbuf_append(out, AAD_TAG, sizeof(AAD_TAG)) < 0 ||
	       strbuf_append(out, domain, strlen(domain) + 1) < 0 ||
	       strbuf_append(out, selector, strlen(selector)) < 0 ? -1 : 0;
}

/* AES-256-GCM one way or the other over in[0..n) into out (room for n);
 * tag is written (enc) or checked (dec). */
static int
gcm(int enc, const unsigned char *key, const unsigned char *nonce,
    const struct strbuf *ad, const unsigned char *in, size_t n,
    unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0, ok;

	ok = ctx != NULL && n <= INT_MAX &&
	     EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
			       enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
				 NULL) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)
			      strbuf_str(ad), (int)ad->len) == 1 &&
	     EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
					 tag) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
					  tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
dkim_key_seal(const unsigned char key[DKIM_KEY_LEN], const char *domain,
	      const char *selector, const char *plain, size_t len,
	      struct strbuf *out, struct hk_err *err)
{
	struct strbuf ad;
	unsigned char *buf;
	int rc = -1;

	if (len > PEM_MAX)
		return hk_fail(err, HK_EINTERNAL, NULL, "key too long to seal");
	if ((buf = malloc(NONCE_LEN + len + TAG_LEN)) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	strbuf_init(&ad, 0);
	if (RAND_bytes(buf, NONCE_LEN) != 1)
		ossl_fail(err, "RAND_bytes");
	else if (aad(&ad, domain, selector) < 0)
		hk_fail(err, HK_ESYS, NULL, "out of memory");
	else if (gcm(1, key, buf, &ad, (const unsigned char *)plain, len,
		     buf + NONCE_LEN, buf + NONCE_LEN + len) < 0)
		ossl_fail(err, "AES-256-GCM sealing");
	else if (strbuf_puts(out, SEAL_PREFIX) < 0 ||
		 base64_encode(out, buf, NONCE_LEN + len + TAG_LEN) < 0)
		hk_fail(err, HK_ESYS, NULL, "out of memory");
	else
		rc = 0;
	strbuf_free(&ad);
	free(buf);
	return rc;
}

static int
not_open(struct hk_err *err, const char *domain, const char *selector,
	 const char *why)
{
	return hk_fail(err, HK_EPROTO, NULL, "the DKIM key %s of %s does not "
		       "open: %s", selector, domain, why);
}

/* The decoded sealed text (after its prefix) into *raw, *n bytes. */
static int
unwrap(const char *sealed, unsigned char **raw, size_t *n)
{
	size_t slen;

	*raw = NULL;
	if (sealed == NULL || strncmp(sealed, SEAL_PREFIX,
				      strlen(SEAL_PREFIX)) != 0)
		return -1;
	sealed += strlen(SEAL_PREFIX);
	slen = strlen(sealed);
	if (slen > BASE64_LEN(NONCE_LEN + PEM_MAX + TAG_LEN) ||
	    !base64_valid(sealed, slen, n) || *n < NONCE_LEN + TAG_LEN + 1 ||
	    (*raw = malloc(slen / 4 * 3)) == NULL)
		return -1;
	if (base64_decode(sealed, slen, *raw, n) < 0) {
		free(*raw);
		*raw = NULL;
		return -1;
	}
	return 0;
}

int
dkim_key_open(const unsigned char key[DKIM_KEY_LEN], const char *domain,
	      const char *selector, const char *sealed, char **plain,
	      size_t *len, struct hk_err *err)
{
	unsigned char *raw;
	struct strbuf ad;
	size_t n, m;
	int rc;

	*plain = NULL;
	*len = 0;
	if (unwrap(sealed, &raw, &n) < 0)
		return not_open(err, domain, selector, "not a sealed key "
				"(v1:BASE64)");
	m = n - NONCE_LEN - TAG_LEN;
	strbuf_init(&ad, 0);
	if ((*plain = malloc(m + 1)) == NULL || aad(&ad, domain, selector) < 0) {
		free(*plain);
		*plain = NULL;
		rc = hk_fail(err, HK_ESYS, NULL, "out of memory");
	} else if (gcm(0, key, raw, &ad, raw + NONCE_LEN, m,
		       (unsigned char *)*plain, raw + NONCE_LEN + m) < 0) {
		dkim_key_wipe(*plain, m);
		*plain = NULL;
		rc = not_open(err, domain, selector, "another [dkim] key_file "
			      "key, or the stored text was altered or belongs "
			      "to another key");
	} else {
		(*plain)[m] = '\0';
		*len = m;
		rc = 0;
	}
	strbuf_free(&ad);
	free(raw);
	return rc;
}
