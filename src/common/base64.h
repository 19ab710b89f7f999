/* SPDX-License-Identifier: ISC */
/*
 * base64.h - RFC 4648 base64 (the standard alphabet, '=' padding, no line
 * breaks), for the bundle's "sieve" lines: the panel encodes, the agent
 * checks and decodes.  No allocation but the caller's.
 *
 * Strict: a decoder that takes only what the encoder writes, so one
 * script has one encoding (and one line, and one checksum): length a
 * multiple of 4, padding only at the end, and the unused low bits of the
 * last symbol zero.
 */
#ifndef HK_BASE64_H
#define HK_BASE64_H

#include <stddef.h>

#include "strbuf.h"

/* The encoded length of n octets. */
#define BASE64_LEN(n)	(((n) + 2) / 3 * 4)

/* Appends the encoding of data[0..n) to out: 0, or -1 as strbuf's. */
int base64_encode(struct strbuf *out, const void *data, size_t n);

/* Whether s[0..n) is a canonical encoding; *decoded (may be NULL) gets
 * its decoded length. */
int base64_valid(const char *s, size_t n, size_t *decoded);

/* Decodes the canonical s[0..n) into out[0..*outlen), out having room
 * for n / 4 * 3 octets: 0, or -1 when s is not canonical. */
int base64_decode(const char *s, size_t n, unsigned char *out,
		  size_t *outlen);

#endif
