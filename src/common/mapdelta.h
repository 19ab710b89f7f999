/* SPDX-License-Identifier: ISC */
/*
 * mapdelta.h - keyed edits to the large files of a bundle, so that a push
 * carries what changed rather than the whole guest (bundle.h's "edit").
 *
 * The keyed files are passwd ("KEY:..."), virtual_mailbox_maps,
 * virtual_alias_maps, relay_recipient_maps and sieve ("KEY ...").  A key
 * is an address, "local@domain", or "@domain"; each key is on one line at
 * most, and lines are in key order: by domain, then local part, for
 * passwd, virtual_mailbox_maps and sieve (one mailbox a line, in the
 * order the panel lists them); by the key's bytes for the others.
 *
 * Edits are lines, in three groups, in this order:
 *   =DOMAIN   drop every line whose key is in DOMAIN ("...@DOMAIN",
 *             "@DOMAIN"); domains in increasing byte order
 *   -KEY      drop the line of KEY, if any; keys in increasing byte order
 *   +LINE     put LINE in, in place of the line of its key if any; a line
 *             of the file's grammar (mapsyntax_line), in key order
 * No domain, key or added key twice.  What the edits do not drop stays.
 * The result is in key order again if the base was: mapdelta_apply()
 * refuses a base out of order (a file edited by hand), and the bundle's
 * checksum of the result proves the rest.
 *
 * Portable C (the agent links it); nothing here writes a file.
 */
#ifndef HK_MAPDELTA_H
#define HK_MAPDELTA_H

#include <stddef.h>

#include "err.h"
#include "strbuf.h"

/* Whether the bundle file `name` is one of the keyed files. */
int mapdelta_keyed(const char *name);

/* The length of the key of line s[0..n) of keyed file `name`: up to its
 * first ':' (passwd) or ' ' (the others), or the whole line. */
size_t mapdelta_keylen(const char *name, const char *s, size_t n);

/* <0, 0, >0 as key a sorts before, with, after key b in `name`. */
int mapdelta_cmp(const char *name, const char *a, size_t an, const char *b,
		 size_t bn);

/* Checks edits[0..len) for keyed file `name`: grammar, groups, order.
 * HK_EINVAL naming the file and the edit's line. */
int mapdelta_check(const char *name, const char *edits, size_t len,
		   struct hk_err *err);

/* Appends base[0..blen) with edits[0..elen) (checked by mapdelta_check)
 * made to out.  HK_EPROTO when the base is not in key order or out is full
 * (nothing useful is in out then). */
int mapdelta_apply(const char *name, const char *base, size_t blen,
		   const char *edits, size_t elen, struct strbuf *out,
		   struct hk_err *err);

/* Whether the lines of text[0..len) (each ending in '\n') are in key
 * order, no key twice. */
int mapdelta_in_order(const char *name, const char *text, size_t len);

/* Sorts the lines of text[0..len) (each ending in '\n') of keyed file
 * `name` into key order, in place; 0, or -1 out of memory. */
int mapdelta_sort(const char *name, char *text, size_t len);

#endif
