/* SPDX-License-Identifier: ISC */
/*
 * utf8.h - the one UTF-8 decoder of hakomail: validation of what clients
 * send (validate.c), of what goes out as JSON text (jsonout.c, http.c).
 */
#ifndef HK_UTF8_H
#define HK_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the UTF-8 sequence at s, of at most avail bytes,
 * with its scalar value in *cp; 0 when it is not a whole, shortest-form
 * sequence of a Unicode scalar value (no surrogate, nothing past
 * U+10FFFF). */
size_t utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp);

/* Whether s[0..n) is all UTF-8. */
int utf8_valid(const char *s, size_t n);

/* Copies s[0..n) into dst[size] (size > 0), NUL-terminated, cut if it
 * must be where a character begins (a continuation byte is never kept
 * without its lead); returns the length copied. */
size_t utf8_copy(char *dst, size_t size, const char *s, size_t n);

#endif
