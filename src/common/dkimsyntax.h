/* SPDX-License-Identifier: ISC */
/*
 * dkimsyntax.h - the grammar of the bundle file "dkim" (OpenDKIM's keys
 * and what each domain signs with), shared by the panel and the agent
 * like mapsyntax.h, whose value checks it uses (bundle.c runs it for the
 * lines of "dkim" instead of mapsyntax_line()).  Pure checks: no
 * OpenSSL (the agent loads each key with it on top of this), no locale.
 *
 *   key DOMAIN SELECTOR BASE64     a private key: canonical base64
 *                                  (base64.h) of its PEM, PKCS#8
 *                                  ("-----BEGIN PRIVATE KEY-----"), whose
 *                                  algorithm is RSA or Ed25519;
 *                                  1..DKIMSYNTAX_KEY_MAX octets decoded
 *   sign DOMAIN KEYDOMAIN SELECTOR mail From: exactly DOMAIN is signed as
 *                                  d=DOMAIN s=SELECTOR with the key of
 *                                  (KEYDOMAIN, SELECTOR)
 *
 * DOMAIN and KEYDOMAIN are mapsyntax_domain()s, SELECTOR one LDH label
 * (mapsyntax_label()).  Across the file: (DOMAIN, SELECTOR) of key lines
 * unique, every sign line names a key line, and at most one sign line per
 * (DOMAIN, algorithm of its key): an RSA and an Ed25519 signature side by
 * side, never two of one kind.  A key without a sign line is allowed (a
 * new selector is pushed before signing switches to it).
 */
#ifndef HK_DKIMSYNTAX_H
#define HK_DKIMSYNTAX_H

#include <stddef.h>

#include "err.h"

#define DKIMSYNTAX_KEY_MAX	8192	/* a key's PEM, decoded */

enum dkim_alg { DKIM_ALG_NONE = 0, DKIM_ALG_RSA, DKIM_ALG_ED25519 };

/* One line split into its fields (pointers into the line). */
struct dkim_line {
	int sign;			/* 0: a key line, 1: a sign line */
	const char *domain;
	size_t domain_len;
	const char *keydomain;		/* a key line: its domain */
	size_t keydomain_len;
	const char *selector;
	size_t selector_len;
	const char *b64;		/* a key line: the key; else NULL */
	size_t b64_len;
	enum dkim_alg alg;		/* a key line: its algorithm */
};

/* Splits and checks one line (without its '\n').  NULL when it is well
 * formed (*out filled), else a short reason that never echoes it. */
const char *dkimsyntax_line(const char *line, size_t n,
			    struct dkim_line *out);

/* The algorithm of a PKCS#8 PEM (what a key line's base64 decodes to):
 * the OID of its AlgorithmIdentifier, or DKIM_ALG_NONE. */
enum dkim_alg dkimsyntax_pem_alg(const unsigned char *pem, size_t n);

/* The checks across lines of data[0..len), whose lines each passed
 * dkimsyntax_line().  0, or -1 with HK_EINVAL, field "dkim", and a
 * message "dkim line N: ..." naming the offending line. */
int dkimsyntax_file(const char *data, size_t len, struct hk_err *err);

#endif
