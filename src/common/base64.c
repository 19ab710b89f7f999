/* SPDX-License-Identifier: ISC */
/*
 * base64.c - strict RFC 4648 base64.  See base64.h.
 */
#include "config.h"

#include <string.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
base64_encode(struct strbuf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	char *o;

	if (strbuf_space(out, BASE64_LEN(n)) < 0)
		return -1;
	o = out->data + out->len;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		size_t left = n - i;

		v |= left > 1 ? (unsigned)p[i + 1] << 8 : 0;
		v |= left > 2 ? p[i + 2] : 0;
		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = left > 1 ? alphabet[v >> 6 & 63] : '=';
		*o++ = left > 2 ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	out->len = (size_t)(o - out->data);
	return 0;
}

/* The 6-bit value of c, or -1. */
static int
sym(char c)
{
	const char *at = c != '\0' ? strchr(alphabet, c) : NULL;

	return at != NULL ? (int)(at - alphabet) : -1;
}

/* Decodes (out may be NULL: only checks); the decoded length, or -1. */
static long long
walk(const char *s, size_t n, unsigned char *out)
{
	size_t len = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int last = i + 4 == n;
		int pad = last ? (s[n - 1] == '=') + (s[n - 2] == '=') : 0;
		unsigned v = 0;

		for (int k = 0; k < 4; k++) {
			int x = k >= 4 - pad ? 0 : sym(s[i + k]);

			if (x < 0)
				return -1;
			v = v << 6 | (unsigned)x;
		}
		/* no '=' but at the end; unused bits zero */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)) ||
		    (pad == 2 && s[i + 2] != '='))
			return -1;
		for (int k = 0; k < 3 - pad; k++, len++)
			if (out != NULL)
				out[len] = (unsigned char)(v >> (16 - 8 * k));
	}
	return (long long)len;
}

int
base64_valid(const char *s, size_t n, size_t *decoded)
{
	long long len = walk(s, n, NULL);

	if (len < 0)
		return 0;
	if (decoded != NULL)
		*decoded = (size_t)len;
	return 1;
}

int
base64_decode(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
	long long len = walk(s, n, out);

	if (len < 0)
		return -1;
	*outlen = (size_t)len;
	return 0;
}
