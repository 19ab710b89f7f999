/* SPDX-License-Identifier: ISC */
/*
 * validate.h - turning untrusted input into the canonical values the
 * database and the maps hold.  Used by the API, the CLI and (later) the CSV
 * import alike, so one rule holds whichever door a value came in by.
 *
 * Each function writes the canonical form into a caller buffer and returns
 * 0, or returns -1 with err {HK_EINVAL, field, reason}.  Canonical values
 * always pass the matching mapsyntax_*() check.
 */
#ifndef HK_VALIDATE_H
#define HK_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mapsyntax.h"
#include "strbuf.h"

/*
 * IDNA2008 (libidn2, with UTS#46 mapping): "大学.example" and
 * "xn--..." both give the lowercase A-label.  UTS#46 drops some invisibles
 * (U+00AD, U+200B, U+FEFF) as it maps; IDNA2008 refuses a stray U+200D.
 *
 * Look-alike policy (UTS#39, ICU uspoof), on the U-label of every non-ASCII
 * label however it was given; ASCII labels skip it:
 *  - each label is "highly restrictive": one script plus Common/Inherited,
 *    or Latin with Han+Hiragana+Katakana, Han+Bopomofo or Han+Hangul (so
 *    no "pаypal" with a Cyrillic а); no invisible or repeated combining
 *    marks; digits from one number system only;
 *  - a label whose confusable skeleton is an ASCII host label ("рау",
 *    all Cyrillic, is "pay") is refused, unless its non-ASCII characters
 *    are all Latin letters in modern use (Turkish ı, Danish æ: "kırmızı").
 * Refusals are HK_EINVAL on field, naming the label in both forms.
 */
int validate_domain(const char *in, const char *field,
		    char out[MAPSYNTAX_DOMAIN_MAX + 1], struct hk_err *err);

/* A-label to U-label for display; on failure copies the A-label. */
void validate_domain_display(const char *alabel, char *out, size_t outlen);

/* Lowercases ASCII; then [a-z0-9._+-], no edge or double dots, <= 64. */
int validate_localpart(const char *in, const char *field,
		       char out[MAPSYNTAX_LOCAL_MAX + 1], struct hk_err *err);

/* "local@domain", each part as above. */
int validate_address(const char *in, const char *field,
		     char local[MAPSYNTAX_LOCAL_MAX + 1],
		     char domain[MAPSYNTAX_DOMAIN_MAX + 1], struct hk_err *err);

/* Forwarding destinations: 1..VALIDATE_DEST_MAX addresses (internal or
 * external), each canonicalized as validate_address() does, duplicates
 * dropped, joined with ',' into out (as a map line wants them). */
#define VALIDATE_DEST_MAX 100
int validate_destinations(const char *const *list, size_t n,
			  const char *field, struct strbuf *out,
			  struct hk_err *err);

/* A guest's public mail addresses (SPF): 0..VALIDATE_MAIL_ADDRS_MAX
 * numeric IPv4 or IPv6 addresses (no prefix length, no zone), each as
 * inet_ntop writes it, none twice, joined with ' ' into out ("" for
 * none). */
#define VALIDATE_MAIL_ADDRS_MAX 8
int validate_mail_addrs(const char *const *list, size_t n,
			const char *field, struct strbuf *out,
			struct hk_err *err);

/* Plain password: min..max octets of UTF-8, no control characters. */
int validate_password(const char *in, const char *field, int min, int max,
		      struct hk_err *err);

/* Display name: <= 256 octets of UTF-8, no control characters and no
 * invisible format character (Unicode general category Cf: bidi
 * controls U+202A-202E and U+2066-2069, zero widths U+200B-200F, U+00AD,
 * U+FEFF, tags...), which would make the panel show what is not there. */
int validate_display_name(const char *in, const char *field,
			  struct hk_err *err);

/*
 * A size -> bytes: a number ("2", "1.5"), optional spaces, an optional
 * unit K, M, G or T alone or with B or iB, or B; case does not matter.
 * Units are powers of 1024 as Dovecot reads them: "2GB", "2 GB", "2GiB"
 * and "2g" are all 2147483648; "1024" is bytes, "0" is no limit.  A
 * fraction is rounded down to a whole byte (a limit never grows past
 * what was asked, and less than a byte is nothing anyone sees), but a
 * size above 0 that would round to 0 ("0.5") is refused, since 0 is no
 * limit.  Refused: empty, a sign, no digit after the point, an unknown
 * unit, spaces before or after, over INT64_MAX, over VALIDATE_SIZE_MAX.
 */
#define VALIDATE_SIZE_MAX 64
int validate_quota(const char *in, const char *field, int64_t *bytes,
		   struct hk_err *err);

/* Object names (projects, guests, logins): [a-z0-9][a-z0-9_-]*, <= 63. */
int validate_slug(const char *in, const char *field, struct hk_err *err);

/* An SSH host: a DNS name of LDH labels (an IPv4 literal is one) or an
 * IPv6 literal; so never an option to ssh ('-...') nor a user@host. */
int validate_host(const char *in, const char *field, struct hk_err *err);

/* An SSH public key line "TYPE BASE64 [comment]" -> "TYPE BASE64". */
int validate_host_key(const char *in, const char *field, char *out,
		      size_t outlen, struct hk_err *err);

/* Whether s is well-formed UTF-8 without control characters. */
int validate_utf8_text(const char *s, size_t n);

#endif
