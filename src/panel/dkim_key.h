/* SPDX-License-Identifier: ISC */
/*
 * dkim_key.h - a domain's DKIM keys as the panel makes and keeps them:
 * made with OpenSSL (RSA of 1024, 2048, 3072 or 4096 bits, or Ed25519),
 * the public part as DKIM's p= and the TXT record it goes in, the
 * private part (PKCS#8 PEM) sealed for the database with AES-256-GCM
 * under [dkim] key_file's key, and the selector's syntax.
 *
 * A sealed key is "v1:" + base64(nonce (12) | ciphertext | tag (16)), a
 * fresh random nonce each time, the tag over the domain's name and the
 * selector too: a sealed key copied to another row does not open there.
 * Every failure to open (another key, altered text, another row) is a
 * clear error, never a crash.  Plaintext buffers are wiped when freed.
 */
#ifndef HK_DKIM_KEY_H
#define HK_DKIM_KEY_H

#include <stddef.h>

#include "err.h"
#include "strbuf.h"

#define DKIM_KEY_LEN		32	/* the sealing key, bytes */
#define DKIM_SELECTOR_MAX	63	/* one DNS label */
#define DKIM_RSA_MIN		1024
#define DKIM_RSA_MAX		4096
#define DKIM_RSA_STEP		1024	/* RSA sizes are multiples of it */
#define DKIM_RSA_DEFAULT	2048
#define DKIM_ED25519_BITS	256
/* p= of the largest key: the base64 of a 4096-bit RSA key's
 * SubjectPublicKeyInfo (550 bytes) */
#define DKIM_PUBLIC_MAX		800

struct dkim_keypair {
	char *pem;			/* PKCS#8 PEM, NUL-terminated; wiped
					 * by dkim_keypair_free */
	size_t pem_len;
	char public_b64[DKIM_PUBLIC_MAX + 1];	/* DKIM's p= */
};

/* "rsa" or "ed25519" (field "algorithm", HK_EINVAL otherwise). */
int dkim_key_algorithm_check(const char *algorithm, struct hk_err *err);
/* bits for algorithm: RSA a multiple of DKIM_RSA_STEP in
 * DKIM_RSA_MIN..DKIM_RSA_MAX, Ed25519 DKIM_ED25519_BITS (field "bits"). */
int dkim_key_bits_check(const char *algorithm, int bits, struct hk_err *err);
/* The selector lowercased into out: one DNS label of 1..63 of a-z, 0-9
 * and '-', neither starting nor ending with '-' (field "selector"). */
int dkim_selector_check(const char *in, char out[DKIM_SELECTOR_MAX + 1],
			struct hk_err *err);

/* A new key (algorithm and bits as checked above) into *kp. */
int dkim_key_generate(const char *algorithm, int bits,
		      struct dkim_keypair *kp, struct hk_err *err);
void dkim_keypair_free(struct dkim_keypair *kp);

/* The TXT record's value: "v=DKIM1; k=rsa; p=..." ("k=ed25519"),
 * appended to out. */
int dkim_key_record(const char *algorithm, const char *public_b64,
		    struct strbuf *out, struct hk_err *err);

/* plain[0..len) sealed for the row (domain, selector), appended to out. */
int dkim_key_seal(const unsigned char key[DKIM_KEY_LEN], const char *domain,
		  const char *selector, const char *plain, size_t len,
		  struct strbuf *out, struct hk_err *err);
/* The sealed text opened into *plain (NUL-terminated, *len bytes; free
 * it with dkim_key_wipe).  HK_EPROTO on any failure, saying which row. */
int dkim_key_open(const unsigned char key[DKIM_KEY_LEN], const char *domain,
		  const char *selector, const char *sealed, char **plain,
		  size_t *len, struct hk_err *err);
/* Wipes and frees plain[0..len] (NULL is nothing). */
void dkim_key_wipe(char *plain, size_t len);

#endif
