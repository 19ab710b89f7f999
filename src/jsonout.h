/*
 * jsonout.h - a jansson value written as compact JSON into a strbuf.
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

#include "strbuf.h"

/* Appends v to sb; returns 0, or -1 when sb refused to grow. */
int jsonout(struct strbuf *sb, const json_t *v);

#endif
