/* SPDX-License-Identifier: ISC */
/*
 * dkimsyntax.c - the grammar of the bundle file "dkim".  See dkimsyntax.h.
 *
 * A key line's algorithm is read from the DER inside its PEM (the OID of
 * PKCS#8's AlgorithmIdentifier) with a few lines of TLV walking rather
 * than OpenSSL, so that the panel's renderer and the agent judge a file
 * the same way with the common layer alone; whether the key itself loads
 * is the agent's check (agent_dkim.c).  The checks across lines index the
 * file once and compare fields pairwise: a guest holds a few keys per
 * domain, and only lines of one domain are ever decoded twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "dkimsyntax.h"
#include "mapsyntax.h"

#define PEM_BEGIN	"-----BEGIN PRIVATE KEY-----\n"
#define PEM_END		"-----END PRIVATE KEY-----\n"

/* The next DER TLV of p[0..n) with tag `tag`: its value in *v, *vn; the
 * bytes after it in *rest, *rn.  0 when there is none. */
static int
der_next(const unsigned char *p, size_t n, unsigned char tag,
	 const unsigned char **v, size_t *vn, const unsigned char **rest,
	 size_t *rn)
{
	size_t len, hdr = 2;

	if (n < 2 || p[0] != tag)
		return 0;
	len = p[1];
	if (len & 0x80) {	/* long form: at most 2 length octets here */
		size_t k = len & 0x7f;

		if (k == 0 || k > 2 || n < 2 + k)
			return 0;
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		hdr += k;
	}
	if (len > n - hdr)
		return 0;
	*v = p + hdr;
	*vn = len;
	*rest = p + hdr + len;
	*rn = n - hdr - len;
	return 1;
}

/* The algorithm of a PKCS#8 PrivateKeyInfo (DER). */
static enum dkim_alg
der_alg(const unsigned char *der, size_t n)
{
	static const unsigned char rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
					     0x0d, 0x01, 0x01, 0x01 };
	static const unsigned char ed25519[] = { 0x2b, 0x65, 0x70 };
	const unsigned char *v, *rest;
	size_t vn, rn;

	if (!der_next(der, n, 0x30, &v, &vn, &rest, &rn) ||	/* SEQUENCE */
	    !der_next(v, vn, 0x02, &v, &vn, &rest, &rn) ||	/* version */
	    !der_next(rest, rn, 0x30, &v, &vn, &rest, &rn) ||	/* algorithm */
	    !der_next(v, vn, 0x06, &v, &vn, &rest, &rn))	/* its OID */
		return DKIM_ALG_NONE;
	if (vn == sizeof(rsa) && memcmp(v, rsa, vn) == 0)
		return DKIM_ALG_RSA;
	if (vn == sizeof(ed25519) && memcmp(v, ed25519, vn) == 0)
		return DKIM_ALG_ED25519;
	return DKIM_ALG_NONE;
}

enum dkim_alg
dkimsyntax_pem_alg(const unsigned char *pem, size_t n)
{
	char b64[DKIMSYNTAX_KEY_MAX];
	unsigned char der[DKIMSYNTAX_KEY_MAX];
	size_t bl = strlen(PEM_BEGIN), el = strlen(PEM_END), bn = 0, dn;

	if (n > sizeof(b64) || n < bl + el ||
	    memcmp(pem, PEM_BEGIN, bl) != 0 ||
	    memcmp(pem + n - el, PEM_END, el) != 0)
		return DKIM_ALG_NONE;
	/* The body: base64 lines, each ending in '\n' (no CR, no headers) */
	for (size_t i = bl; i < n - el; i++)
		if (pem[i] != '\n')
			b64[bn++] = (char)pem[i];
		else if (i == bl || pem[i - 1] == '\n')
			return DKIM_ALG_NONE;
	if (bn == 0 || pem[n - el - 1] != '\n' ||
	    base64_decode(b64, bn, der, &dn) < 0)
		return DKIM_ALG_NONE;
	return der_alg(der, dn);
}

/* Splits s[0..n) at its spaces into at most `max` words; the count. */
static size_t
words(const char *s, size_t n, const char *w[], size_t wn[], size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n && k < max; i++) {
		if (i < n && s[i] != ' ')
			continue;
		w[k] = s + start;
		wn[k++] = i - start;
		start = i + 1;
	}
	return start <= n ? max + 1 : k;	/* words left over: too many */
}

/* The fields of a line, unchecked but for their number. */
static const char *
split_fields(const char *s, size_t n, struct dkim_line *out)
{
	const char *w[4];
	size_t wn[4];

	memset(out, 0, sizeof(*out));
	if (words(s, n, w, wn, 4) != 4)
		return "expected \"key DOMAIN SELECTOR BASE64\" or "
		       "\"sign DOMAIN KEYDOMAIN SELECTOR\"";
	out->domain = w[1];
	out->domain_len = wn[1];
	if (wn[0] == 3 && memcmp(w[0], "key", 3) == 0) {
		out->keydomain = w[1];
		out->keydomain_len = wn[1];
		out->selector = w[2];
		out->selector_len = wn[2];
		out->b64 = w[3];
		out->b64_len = wn[3];
		return NULL;
	}
	if (wn[0] != 4 || memcmp(w[0], "sign", 4) != 0)
		return "the verb is not \"key\" or \"sign\"";
	out->sign = 1;
	out->keydomain = w[2];
	out->keydomain_len = wn[2];
	out->selector = w[3];
	out->selector_len = wn[3];
	return NULL;
}

/* The key's algorithm, decoding its base64 (DKIM_ALG_NONE if bad). */
static enum dkim_alg
key_alg(const struct dkim_line *l)
{
	unsigned char pem[DKIMSYNTAX_KEY_MAX];
	size_t len;

	if (!base64_valid(l->b64, l->b64_len, &len) || len == 0 ||
	    len > sizeof(pem) || base64_decode(l->b64, l->b64_len, pem,
					       &len) < 0)
		return DKIM_ALG_NONE;
	return dkimsyntax_pem_alg(pem, len);
}

const char *
dkimsyntax_line(const char *line, size_t n, struct dkim_line *out)
{
	const char *why = split_fields(line, n, out);
	size_t len;

	if (why != NULL)
		return why;
	if (!mapsyntax_domain(out->domain, out->domain_len) ||
	    !mapsyntax_domain(out->keydomain, out->keydomain_len))
		return "not a valid domain (lowercase A-label, two labels or "
		       "more)";
	if (!mapsyntax_label(out->selector, out->selector_len))
		return "the selector is not one DNS label ([a-z0-9-], 1..63, "
		       "no '-' at either end)";
	if (out->sign)
		return NULL;
	if (!base64_valid(out->b64, out->b64_len, &len) || len == 0)
		return "the key is not canonical base64 (RFC 4648, padded, "
		       "one line)";
	if (len > DKIMSYNTAX_KEY_MAX)
		return "the key is over 8192 octets";
	if ((out->alg = key_alg(out)) == DKIM_ALG_NONE)
		return "the key is not a PKCS#8 PEM (\"BEGIN PRIVATE KEY\") "
		       "of an RSA or Ed25519 key";
	return NULL;
}

static int
same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/* Index of the key line of (l->keydomain, l->selector) in v[0..n), or n. */
static size_t
find_key(const struct dkim_line *v, size_t n, const struct dkim_line *l)
{
	for (size_t k = 0; k < n; k++)
		if (!v[k].sign &&
		    same(v[k].domain, v[k].domain_len, l->keydomain,
			 l->keydomain_len) &&
		    same(v[k].selector, v[k].selector_len, l->selector,
			 l->selector_len))
			return k;
	return n;
}

/* Line i against lines [0..i) and the keys of v[0..n). */
static int
check_one(const struct dkim_line *v, size_t n, size_t i, struct hk_err *err)
{
	const struct dkim_line *l = &v[i];
	size_t k = l->sign ? find_key(v, n, l) : 0, kj;

	if (!l->sign) {
		if ((k = find_key(v, i, l)) < i)
			return hk_fail(err, HK_EINVAL, "dkim", "dkim line %zu: "
				       "a second key for this domain and "
				       "selector (line %zu)", i + 1, k + 1);
		return 0;
	}
	if (k == n)
		return hk_fail(err, HK_EINVAL, "dkim", "dkim line %zu: the "
			       "sign line names no key line", i + 1);
	for (size_t j = 0; j < i; j++) {
		if (!v[j].sign || !same(v[j].domain, v[j].domain_len,
					l->domain, l->domain_len))
			continue;
		kj = find_key(v, n, &v[j]);
		if (kj < n && key_alg(&v[kj]) == key_alg(&v[k]))
			return hk_fail(err, HK_EINVAL, "dkim", "dkim line %zu: "
				       "a second sign line for this domain "
				       "with a key of the same algorithm "
				       "(line %zu)", i + 1, j + 1);
	}
	return 0;
}

int
dkimsyntax_file(const char *data, size_t len, struct hk_err *err)
{
	struct dkim_line *v;
	size_t n = 0, pos = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; i < len; i++)
		cap += data[i] == '\n';
	if (cap == 0)
		return 0;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return hk_fail(err, HK_EINTERNAL, "dkim", "out of memory");
	while (pos < len && n < cap) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t ln = (size_t)(nl - (data + pos));

		if (split_fields(data + pos, ln, &v[n++]) != NULL) {
			rc = hk_fail(err, HK_EINVAL, "dkim", "dkim line %zu: "
				     "malformed", n);
			break;
		}
		pos += ln + 1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = check_one(v, n, i, err);
	free(v);
	return rc;
}
