/* SPDX-License-Identifier: ISC */
/*
 * zwire.h - a bundle compressed for the wire (one zstd frame), when that
 * is smaller.  The agent tells a packed bundle by zstd's magic number (a
 * bundle's own first bytes are "HAKOMAIL") and unpacks it within the
 * bound it reads a bundle in: a frame that would grow past it, is cut
 * short, or has bytes after its end is refused before anything is parsed.
 */
#ifndef HK_ZWIRE_H
#define HK_ZWIRE_H

#include <stddef.h>

#include "err.h"
#include "strbuf.h"

/* Whether buf[0..n) starts as a zstd frame. */
int zwire_is_packed(const char *buf, size_t n);

/* in[0..n) packed into out (appended); HK_EINTERNAL on failure. */
int zwire_pack(const char *in, size_t n, struct strbuf *out,
	       struct hk_err *err);

/* The frame in[0..n) unpacked into out (appended), at most max bytes;
 * HK_EPROTO saying why otherwise. */
int zwire_unpack(const char *in, size_t n, struct strbuf *out, size_t max,
		 struct hk_err *err);

#endif
