/* SPDX-License-Identifier: ISC */
/*
 * utf8.c - UTF-8 sequences, checked.  See utf8.h.
 */
#include "config.h"

#include <string.h>

#include "utf8.h"

size_t
utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 :
	    (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t v = n == 1 ? s[0] : n == 2 ? s[0] & 0x1fu :
	    n == 3 ? s[0] & 0x0fu : s[0] & 0x07u;

	if (n == 0 || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3fu);
	}
	/* the shortest form only, and scalar values only */
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
	    (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80) {	/* most text is ASCII: no decoding */
			i++;
			continue;
		}
		if ((len = utf8_seq(p + i, n - i, &cp)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t
utf8_copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		for (n = size - 1; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80;
		     n--)
			;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return n;
}
