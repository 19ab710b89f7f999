/* SPDX-License-Identifier: ISC */
/*
 * zwire.c - zstd on the wire.  See zwire.h.
 */
#include "config.h"

#include <string.h>

#include <zstd.h>

#include "zwire.h"

#define LEVEL	3	/* zstd's default: most of the gain, little CPU */

int
zwire_is_packed(const char *buf, size_t n)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	return n >= 4 && memcmp(buf, magic, 4) == 0;
}

int
zwire_pack(const char *in, size_t n, struct strbuf *out, struct hk_err *err)
{
	size_t bound = ZSTD_compressBound(n), got;

	if (strbuf_space(out, bound) < 0)
		return hk_fail(err, HK_EINTERNAL, "bundle", "out of memory "
			       "packing %zu bytes", n);
	got = ZSTD_compress(out->data + out->len, bound, in, n, LEVEL);
	if (ZSTD_isError(got))
		return hk_fail(err, HK_EINTERNAL, "bundle", "zstd: %s",
			       ZSTD_getErrorName(got));
	out->len += got;
	out->data[out->len] = '\0';
	return 0;
}

/* One step of the stream into out's free room (growing it, within max). */
static size_t
step(ZSTD_DStream *ds, ZSTD_inBuffer *ib, struct strbuf *out, size_t max,
     int *full)
{
	size_t room = out->len < max ? max - out->len : 0, chunk, r;
	ZSTD_outBuffer ob;

	chunk = room < ZSTD_DStreamOutSize() ? room : ZSTD_DStreamOutSize();
	if (chunk == 0 || strbuf_space(out, chunk) < 0) {
		*full = 1;
		return 0;
	}
	ob.dst = out->data + out->len;
	ob.size = chunk;
	ob.pos = 0;
	r = ZSTD_decompressStream(ds, &ob, ib);
	out->len += ob.pos;
	out->data[out->len] = '\0';
	return r;
}

int
zwire_unpack(const char *in, size_t n, struct strbuf *out, size_t max,
	     struct hk_err *err)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t start = out->len, r = 1;
	const char *why = NULL;
	int full = 0;

	if (ds == NULL || ZSTD_isError(ZSTD_initDStream(ds)))
		why = "cannot start zstd";
	while (why == NULL && r != 0) {
		size_t in_at = ib.pos, out_at = out->len;

		r = step(ds, &ib, out, start + max, &full);
		if (full)
			why = "unpacks past the largest bundle";
		else if (ZSTD_isError(r))
			why = ZSTD_getErrorName(r);
		else if (r != 0 && ib.pos == in_at && out->len == out_at)
			why = "cut short";	/* no input left to go on */
	}
	if (why == NULL && ib.pos != ib.size)
		why = "bytes after the frame";
	ZSTD_freeDStream(ds);
	if (why != NULL) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return hk_fail(err, HK_EPROTO, "bundle", "packed bundle: %s",
			       why);
	}
	return 0;
}
