/* SPDX-License-Identifier: ISC */
/*
 * strbuf.h - a growable byte buffer with a hard ceiling (after Postfix's
 * vstring).  The buffer is always NUL-terminated; appends past the ceiling
 * fail instead of growing without bound, so untrusted input can never make
 * a buffer larger than its owner allowed.
 */
#ifndef HK_STRBUF_H
#define HK_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data;	/* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;	/* ceiling on len; 0 means SIZE_MAX / 2 */
	int overflow;	/* set once an append was refused */
};

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);	/* len = 0, keeps memory */
/* Back to len (what was appended since goes), keeping memory; a
 * longer len changes nothing. */
void strbuf_truncate(struct strbuf *sb, size_t len);

/* Each returns 0, or -1 (and sets overflow) on ceiling or allocation failure. */
int strbuf_append(struct strbuf *sb, const void *p, size_t n);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap);

/* Room for extra more bytes (and the NUL): then up to extra bytes may be
 * stored at data + len directly, len raised and the NUL put back (as
 * Postfix's VSTRING_SPACE).  0, or -1 as the appends. */
int strbuf_space(struct strbuf *sb, size_t extra);

/* Text so far ("" when empty). */
const char *strbuf_str(const struct strbuf *sb);

#endif
