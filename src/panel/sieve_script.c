/* SPDX-License-Identifier: ISC */
/*
 * sieve_script.c - a mailbox's vacation reply and forwarding as a Sieve
 * script.  See sieve_script.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sieve_script.h"
#include "utf8.h"
#include "validate.h"

#define EOL "\r\n"	/* RFC 5228's only line ending */

/* One line of UTF-8 without control characters, at most
 * SIEVE_SUBJECT_MAX characters; NULL or "" is no subject. */
static int
check_subject(const char *s, struct hk_err *err)
{
	static const char field[] = "vacation.subject";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, len, chars = 0;
	uint32_t cp;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (!utf8_valid(s, n))
		return hk_failr(err, HK_EINVAL, field, HK_R_not_utf8_text,
				NULL);
	if (strpbrk(s, "\r\n") != NULL)
		return hk_failr(err, HK_EINVAL, field, HK_R_subject_one_line,
				NULL);
	for (; i < n; i += len, chars++) {
		len = utf8_seq(p + i, n - i, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return hk_failr(err, HK_EINVAL, field,
					HK_R_control_characters, NULL);
	}
	if (chars > SIEVE_SUBJECT_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_at_most_characters,
				"max", HK_NUM(SIEVE_SUBJECT_MAX), NULL);
	return 0;
}

/* UTF-8 text of 1..SIEVE_TEXT_MAX octets whose only control characters
 * are line breaks and tabs (a reply is text for people; an escape or a
 * NUL has no business in it): quoting keeps the rest. */
static int
check_text(const char *s, struct hk_err *err)
{
	static const char field[] = "vacation.text";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, len;
	uint32_t cp;

	if (n == 0)
		return hk_failr(err, HK_EINVAL, field, HK_R_empty, NULL);
	if (n > SIEVE_TEXT_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_longer_than_bytes,
				"max", HK_NUM(SIEVE_TEXT_MAX), NULL);
	if (!utf8_valid(s, n))
		return hk_failr(err, HK_EINVAL, field, HK_R_not_utf8_text,
				NULL);
	for (size_t i = 0; i < n; i += len) {
		len = utf8_seq(p + i, n - i, &cp);
		if ((cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') ||
		    (cp >= 0x7f && cp < 0xa0))
			return hk_failr(err, HK_EINVAL, field,
					HK_R_control_characters, NULL);
	}
	return 0;
}

/* Whether s is a calendar date YYYY-MM-DD (Gregorian, leap years). */
static int
is_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return m != 2 || d < 29 ||
	       (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* The dates and the period: YYYY-MM-DD strings order as their days. */
static int
check_dates(const struct sieve_vacation *v, struct hk_err *err)
{
	if (v->start != NULL && !is_date(v->start))
		return hk_failr(err, HK_EINVAL, "vacation.start",
				HK_R_date_form, NULL);
	if (v->end != NULL && !is_date(v->end))
		return hk_failr(err, HK_EINVAL, "vacation.end", HK_R_date_form,
				NULL);
	if (v->start != NULL && v->end != NULL && strcmp(v->end, v->start) < 0)
		return hk_failr(err, HK_EINVAL, "vacation.end",
				HK_R_date_end_before_start, "start", v->start,
				NULL);
	if (v->days < SIEVE_DAYS_MIN || v->days > SIEVE_DAYS_MAX)
		return hk_failr(err, HK_EINVAL, "vacation.days",
				HK_R_integer_range, "min",
				HK_NUM(SIEVE_DAYS_MIN), "max",
				HK_NUM(SIEVE_DAYS_MAX), NULL);
	return 0;
}

static int
check_vacation(const struct sieve_vacation *v, struct hk_err *err)
{
	if (v->text == NULL)
		return 0;
	if (check_subject(v->subject, err) < 0 || check_text(v->text, err) < 0)
		return -1;
	return check_dates(v, err);
}

/* Canonical, each once (validate_destinations), none the mailbox's own. */
static int
check_forward(const struct sieve_forward *f, const char *own,
	      struct sieve_forwards *out, struct hk_err *err)
{
	static const char field[] = "forward.addresses";
	struct strbuf list;
	const char *p;
	int rc = 0;

	out->n = 0;
	if (f->n == 0)
		return 0;
	if (f->n > SIEVE_FORWARD_MAX)
		return hk_failr(err, HK_EINVAL, field, HK_R_destinations_count,
				"max", HK_NUM(SIEVE_FORWARD_MAX), NULL);
	strbuf_init(&list, 0);
	if (validate_destinations(f->addresses, f->n, field, &list, err) < 0) {
		strbuf_free(&list);
		return -1;
	}
	for (p = strbuf_str(&list); *p != '\0' && rc == 0; out->n++) {
		size_t len = strcspn(p, ",");

		snprintf(out->addr[out->n], sizeof(out->addr[0]), "%.*s",
			 (int)len, p);
		if (strcmp(out->addr[out->n], own) == 0)
			rc = hk_failr(err, HK_EINVAL, field,
				      HK_R_forward_to_self, "address", own,
				      NULL);
		p += len + (p[len] == ',');
	}
	strbuf_free(&list);
	return rc;
}

/* The mailbox's own address, canonical, into own. */
static int
check_own(const char *address, char own[MAPSYNTAX_ADDRESS_MAX + 1],
	  struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];

	if (validate_address(address, "address", local, domain, err) < 0)
		return -1;
	snprintf(own, MAPSYNTAX_ADDRESS_MAX + 1, "%s@%s", local, domain);
	return 0;
}

/* The whole check, with the own address and the forwards canonical. */
static int
check_all(const struct sieve_settings *s, char own[MAPSYNTAX_ADDRESS_MAX + 1],
	  struct sieve_forwards *fwd, struct hk_err *err)
{
	if (check_own(s->address, own, err) < 0 ||
	    check_vacation(&s->vacation, err) < 0)
		return -1;
	return check_forward(&s->forward, own, fwd, err);
}

int
sieve_script_check(const struct sieve_settings *s, struct sieve_forwards *fwd,
		   struct hk_err *err)
{
	char own[MAPSYNTAX_ADDRESS_MAX + 1];
	struct sieve_forwards scratch;

	return check_all(s, own, fwd ? fwd : &scratch, err);
}

/* s[0..n) as a Sieve quoted string: '"' and '\' escaped, every line
 * break CRLF.  At most two octets out for each in, and the quotes. */
static int
put_quoted_n(struct strbuf *sb, const char *s, size_t n)
{
	char *o;

	if (strbuf_space(sb, 2 * n + 2) < 0)
		return -1;
	o = sb->data + sb->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			*o++ = '\\';
			*o++ = s[i];
		} else if (s[i] == '\r' || s[i] == '\n') {
			*o++ = '\r';
			*o++ = '\n';
			i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n';
		} else {
			*o++ = s[i];
		}
	}
	*o++ = '"';
	*o = '\0';
	sb->len = (size_t)(o - sb->data);
	return 0;
}

static int
put_quoted(struct strbuf *sb, const char *s)
{
	return put_quoted_n(sb, s, strlen(s));
}

/* The reply's text without its last line break, if it ends in one:
 * Pigeonhole ends the reply's body with CRLF itself, so a text typed
 * with a final line break (as an editor saves it) would get an empty
 * line more.  Its length. */
static size_t
text_len(const char *text)
{
	size_t n = strlen(text);

	if (n > 0 && text[n - 1] == '\n')	/* LF, or CRLF's LF */
		n--;
	if (n > 0 && text[n - 1] == '\r')	/* CRLF's CR, or a lone CR */
		n--;
	return n;
}

/* require [...]; with only what the script uses, or nothing. */
static int
put_require(struct strbuf *sb, const struct sieve_settings *s)
{
	const struct sieve_vacation *v = &s->vacation;
	int dates = v->text != NULL && (v->start != NULL || v->end != NULL);

	if (v->text == NULL)
		return 0;
	return strbuf_printf(sb, "require [%s\"vacation\"];" EOL,
			     dates ? "\"date\", \"relational\", " : "");
}

/* "if" and the period's tests, when the reply has a start or an end. */
static int
put_period(struct strbuf *sb, const struct sieve_vacation *v)
{
	static const char test[] = "currentdate :value \"%s\" \"date\" \"%s\"";
	int both = v->start != NULL && v->end != NULL;

	if (v->start == NULL && v->end == NULL)
		return 0;
	if (strbuf_puts(sb, both ? "if allof (" : "if ") < 0 ||
	    (v->start != NULL && strbuf_printf(sb, test, "ge", v->start) < 0) ||
	    (both && strbuf_puts(sb, ", ") < 0) ||
	    (v->end != NULL && strbuf_printf(sb, test, "le", v->end) < 0))
		return -1;
	return strbuf_puts(sb, both ? ") {" EOL : " {" EOL);
}

static int
put_vacation(struct strbuf *sb, const struct sieve_vacation *v,
	     const char *own)
{
	int period = v->start != NULL || v->end != NULL;
	int subject = v->subject != NULL && *v->subject != '\0';

	if (v->text == NULL)
		return 0;
	if (put_period(sb, v) < 0 ||
	    strbuf_printf(sb, "%svacation :days %d", period ? "\t" : "",
			  v->days) < 0 ||
	    (subject && (strbuf_puts(sb, " :subject ") < 0 ||
			 put_quoted(sb, v->subject) < 0)) ||
	    strbuf_puts(sb, " :addresses [") < 0 || put_quoted(sb, own) < 0 ||
	    strbuf_puts(sb, "] ") < 0 ||
	    put_quoted_n(sb, v->text, text_len(v->text)) < 0 ||
	    strbuf_puts(sb, ";" EOL) < 0)
		return -1;
	return period ? strbuf_puts(sb, "}" EOL) : 0;
}

static int
put_forward(struct strbuf *sb, const struct sieve_forwards *fwd, int keep)
{
	for (size_t i = 0; i < fwd->n; i++)
		if (strbuf_puts(sb, "redirect ") < 0 ||
		    put_quoted(sb, fwd->addr[i]) < 0 ||
		    strbuf_puts(sb, ";" EOL) < 0)
			return -1;
	return fwd->n > 0 && keep ? strbuf_puts(sb, "keep;" EOL) : 0;
}

int
sieve_script_render(const struct sieve_settings *s, struct strbuf *out,
		    struct hk_err *err)
{
	char own[MAPSYNTAX_ADDRESS_MAX + 1];
	struct sieve_forwards fwd;

	strbuf_reset(out);
	if (check_all(s, own, &fwd, err) < 0)
		return -1;
	if (s->vacation.text == NULL && fwd.n == 0)
		return 0;
	if (strbuf_printf(out, "# %s: vacation reply and forwarding, as set "
			  "in hakomail (changes here are replaced)" EOL,
			  own) < 0 ||
	    put_require(out, s) < 0 || put_vacation(out, &s->vacation, own) < 0 ||
	    put_forward(out, &fwd, s->forward.keep) < 0) {
		strbuf_reset(out);
		return hk_fail(err, HK_EINTERNAL, NULL,
			       "the Sieve script is over its buffer's ceiling");
	}
	return 0;
}
