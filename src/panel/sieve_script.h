/* SPDX-License-Identifier: ISC */
/*
 * sieve_script.h - a mailbox's vacation reply and forwarding, checked and
 * rendered as the one Sieve script (RFC 5228) Dovecot's Pigeonhole runs
 * when mail is delivered to the mailbox.
 *
 * Promises:
 *  - sieve_script_check() refuses, naming the field, every setting the
 *    script could not mean exactly (below); sieve_script_render() checks
 *    first, so nothing unchecked is ever rendered.
 *  - Every string the user typed stands in a Sieve quoted string with
 *    '\' and '"' escaped (RFC 5228 2.4.2), so the script means exactly
 *    what was typed: no input can end the string, add a command or change
 *    another one.  A line with only "." means nothing in a quoted string
 *    (only in a multi-line "text:" one, which is never used).
 *  - A text's line breaks (CRLF, LF or a lone CR) are all CRLF in the
 *    script: the only line break a Sieve string holds (Pigeonhole refuses
 *    a lone CR) and how the reply's lines end on the wire anyway.  The
 *    text's last line break, if it ends in one, is left out: Pigeonhole
 *    ends the reply's body with CRLF itself, so the body is the text
 *    exactly (a text without a final line break gets the CRLF that ends
 *    a message's last line on the wire).
 *  - The script requires only the extensions it uses: "vacation" for a
 *    reply, "date" and "relational" (currentdate :value "ge"/"le") when
 *    the reply has a start or an end date; forwarding needs none.
 *
 * Forwarding is a Sieve redirect, not an alias: an address is either a
 * mailbox or an alias, never both (the data model), so a mailbox that
 * forwards and keeps a copy could only be an alias pointing back at a
 * mailbox of another name; as a redirect in the mailbox's own script the
 * mailbox stays a mailbox, its vacation reply and its forwarding live in
 * one script and one row, and a forward to the mailbox itself is refused
 * here (a loop through aliases needs the database: the caller's).
 * A copy is kept with core Sieve's explicit "keep" rather than the
 * "copy" extension's "redirect :copy": the same delivery, no extension
 * to require, and the script says in words that the mailbox keeps it.
 * Pigeonhole allows 4 redirects a message by default: a guest serving
 * these scripts sets sieve_max_redirects to SIEVE_FORWARD_MAX.
 *
 * Dates are the guest's local dates (currentdate with no :zone), both
 * days inclusive; "YYYY-MM-DD" strings compare as dates.
 */
#ifndef HK_SIEVE_SCRIPT_H
#define HK_SIEVE_SCRIPT_H

#include <stddef.h>

#include "err.h"
#include "mapsyntax.h"
#include "strbuf.h"

#define SIEVE_SUBJECT_MAX	200	/* characters (code points) */
#define SIEVE_TEXT_MAX		16384	/* octets of UTF-8 */
#define SIEVE_DAYS_MIN		1
#define SIEVE_DAYS_MAX		30
#define SIEVE_FORWARD_MAX	10

/* A vacation reply, when text is not NULL. */
struct sieve_vacation {
	const char *subject;	/* NULL or "": Pigeonhole's "Auto: " + theirs */
	const char *text;	/* the reply: 1..SIEVE_TEXT_MAX octets */
	const char *start;	/* "YYYY-MM-DD" or NULL: from that day on */
	const char *end;	/* "YYYY-MM-DD" or NULL: until that day */
	int days;		/* one reply per sender per days days */
};

/* Forwarding, when n > 0: to addresses[0..n), keeping a copy or not. */
struct sieve_forward {
	const char *const *addresses;
	size_t n;
	int keep;
};

struct sieve_settings {
	const char *address;	/* the mailbox's own (field "address") */
	struct sieve_vacation vacation;
	struct sieve_forward forward;
};

/* The forward addresses canonical (lower case, IDNA A-label), each once,
 * in the order given. */
struct sieve_forwards {
	size_t n;
	char addr[SIEVE_FORWARD_MAX][MAPSYNTAX_ADDRESS_MAX + 1];
};

/*
 * 0, with fwd (may be NULL) the canonical forward addresses; or -1 with
 * err HK_EINVAL, its field one of address, vacation.subject (not UTF-8,
 * not one line, a control character, over SIEVE_SUBJECT_MAX characters),
 * vacation.text (empty, over SIEVE_TEXT_MAX octets, not UTF-8, a control
 * character other than a line break or a tab),
 * vacation.start and vacation.end (not a calendar date YYYY-MM-DD; the
 * end before the start), vacation.days (not SIEVE_DAYS_MIN..MAX),
 * forward.addresses (over SIEVE_FORWARD_MAX, not an address, the
 * mailbox's own address).
 */
int sieve_script_check(const struct sieve_settings *s,
		       struct sieve_forwards *fwd, struct hk_err *err);

/* Checks s, then puts its script in out (reset first); out is left empty
 * when s has neither a vacation reply nor forwarding: no script.  -1 with
 * err as sieve_script_check, or HK_EINTERNAL if out's ceiling is hit. */
int sieve_script_render(const struct sieve_settings *s, struct strbuf *out,
			struct hk_err *err);

#endif
