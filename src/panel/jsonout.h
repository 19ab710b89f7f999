/* SPDX-License-Identifier: ISC */
/*
 * jsonout.h - a jansson value written as compact JSON into a strbuf,
 * and the one shape of an error a client sees.
 *
 * jansson's own json_dumps() spends about 7 ns a byte (a page of 100
 * mailboxes, 15 KB, took 116 us of a 290 us request); this writer copies
 * runs of plain characters whole and escapes only what RFC 8259 requires.
 * Strings in a jansson value are valid UTF-8 already (jansson checks them
 * on the way in), so they are copied as they are.
 */
#ifndef HK_JSONOUT_H
#define HK_JSONOUT_H

#include <jansson.h>

#include "err.h"
#include "strbuf.h"

#include <stddef.h>
#include <stdint.h>

/* Appends v to sb; returns 0, or -1 when sb refused to grow. */
int jsonout(struct strbuf *sb, const json_t *v);

/* The pieces, for text written without a jansson value (db_query_text):
 * a string of n bytes known to be UTF-8, the same checked first (-2 when
 * it is not UTF-8), an integer. */
int jsonout_string(struct strbuf *sb, const char *s, size_t n);
int jsonout_utf8(struct strbuf *sb, const char *s, size_t n);
int jsonout_integer(struct strbuf *sb, int64_t v);

/* An error as a client may see it, {"code","message","field","reason",
 * "params"}: the API's answers and an import job's error alike.  The
 * message of an internal error (hk_err_internal) is only "internal
 * error", with no reason or params; text that is not UTF-8 is cleaned.  A new reference, or NULL when out of memory. */
json_t *jsonout_error(const struct hk_err *err);

#endif
