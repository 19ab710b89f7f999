/* SPDX-License-Identifier: ISC */
/*
 * mapsyntax.h - the strict grammar of every value that may stand in a map
 * line, shared by the panel (after normalization, before rendering) and the
 * agent (before a byte of a bundle is written).  Pure ASCII checks, no
 * locale, no allocation.
 *
 * Domain:     A-labels only: LDH labels [a-z0-9-] of 1..63 octets, no label
 *             starting or ending with '-', at least two labels, total
 *             <= 253 octets, lowercase, no trailing dot.
 * Local part: [a-z0-9._+-], 1..64 octets, no leading, trailing or double dot.
 * Address:    local@domain (catch-all: "@domain", only where a map allows it).
 * Hash:       "{SCHEME}" followed by [A-Za-z0-9./$=+_-] only (crypt(3) and
 *             base64 alphabets), 1..512 octets; SCHEME is [A-Z0-9-]+.
 * Path:       absolute, [A-Za-z0-9._/+-], no "." or ".." component, no "//",
 *             at most MAPSYNTAX_PATH_MAX octets (a trailing '/' is allowed).
 * None of these admits a newline, CR, NUL, colon, comma, space or any other
 * control character, so no value can split or extend a map line.
 */
#ifndef HK_MAPSYNTAX_H
#define HK_MAPSYNTAX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MAPSYNTAX_DOMAIN_MAX	253
#define MAPSYNTAX_LOCAL_MAX	64
#define MAPSYNTAX_ADDRESS_MAX	(MAPSYNTAX_LOCAL_MAX + 1 + MAPSYNTAX_DOMAIN_MAX)
#define MAPSYNTAX_HASH_MAX	512
#define MAPSYNTAX_PATH_MAX	1024
#define MAPSYNTAX_SIEVE_MAX	65536	/* a Sieve script, decoded */

/* Each returns 1 when s[0..n) is well formed, else 0. */
int mapsyntax_label(const char *s, size_t n);	/* one LDH label */
int mapsyntax_domain(const char *s, size_t n);
int mapsyntax_localpart(const char *s, size_t n);
int mapsyntax_address(const char *s, size_t n);	/* local@domain */
int mapsyntax_hash(const char *s, size_t n);
int mapsyntax_path(const char *s, size_t n);

/* Canonical decimal: [0-9]+ without leading zeros, at most max.  Returns 1
 * and sets *out when s[0..n) is one, else 0. */
int mapsyntax_decimal(const char *s, size_t n, uint64_t max, uint64_t *out);

/*
 * Checks one line (without its '\n') of the bundle file `file` against
 * that file's grammar.  Returns 0, or -1 with err naming the file
 * (HK_EINVAL, err->field = file, err->message = what is wrong; the line
 * itself is never echoed).  Fields are separated by exactly one ' ' (or
 * ':' in passwd); no leading or trailing blanks.
 *   virtual_mailbox_domains  "DOMAIN OK"
 *   virtual_mailbox_maps     "ADDRESS DOMAIN/LOCAL/"
 *   virtual_alias_maps       "KEY DEST[,DEST...]"  KEY = ADDRESS or "@DOMAIN",
 *                            DEST = ADDRESS; or "@DOMAIN @DOMAIN" (an
 *                            alias domain's catch-all: user part kept)
 *   relay_domains            "DOMAIN OK"
 *   relay_recipient_maps     "ADDRESS OK" or "@DOMAIN OK"
 *   transport                "DOMAIN relay:[HOST]:PORT" (a domain moved
 *                            away: its mail goes on to the guest that now
 *                            has it; HOST LDH labels or an IPv6 literal,
 *                            PORT 1..65535)
 *   passwd                   "ADDRESS:HASH:UID:GID::HOME::EXTRA"  (Dovecot
 *                            passwd-file; UID/GID decimal 1..4294967294
 *                            without leading zeros (never 0: no mail user
 *                            is root); HOME a Path;
 *                            EXTRA space-separated key=value of
 *                            [A-Za-z0-9_=*:.+-] with a non-empty key, may
 *                            be empty)
 *   trash                    "trash ID ADDRESS": the mailbox's maildir is
 *                            to be in the trash as ID; "restore ID
 *                            ADDRESS": trash ID back to the mailbox's
 *                            home.  ID decimal 1..2^63-1 without leading
 *                            zeros.
 *   sieve                    "ADDRESS BASE64": the mailbox's Sieve script
 *                            (sieve_script.h), in canonical base64 (RFC
 *                            4648, padded, no line break: base64.h),
 *                            1..MAPSYNTAX_SIEVE_MAX octets decoded; the
 *                            agent compiles it (its syntax is sievec's).
 * The bundle file "dkim" has a grammar of its own, on top of these
 * values: dkimsyntax.h.
 * The DOMAIN/LOCAL/ of virtual_mailbox_maps is checked for syntax only; it
 * need not repeat the key (a renamed mailbox may keep its maildir).
 */
int mapsyntax_line(const char *file, const char *line, size_t n,
		   struct hk_err *err);

#endif
