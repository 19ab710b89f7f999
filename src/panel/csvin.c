/* SPDX-License-Identifier: ISC */
/*
 * csvin.c - the reader of the bulk CSV import.  See csvin.h.
 *
 * Import files come out of spreadsheets: UTF-8 with or without a BOM, or
 * CP932 as Excel writes it on a Japanese system.  The whole file is
 * checked and decoded before libcsv sees a byte, and every limit is
 * enforced while it is split, so a file is either read whole or refused
 * with the line at fault: nothing half-read reaches the importer.
 *
 * libcsv knows no line numbers.  It is fed one physical line at a time
 * (LF, CRLF or a lone CR ends one), so a row that starts while no row is
 * open starts on the line being fed, and a row or field ends on it; a
 * quoted field may span lines.  Spaces around fields are kept (RFC 4180
 * says they are part of the field).
 *
 * The cells are written over the text they are read from, one after the
 * other, each NUL-terminated: a cell is never longer than the bytes it
 * was read from (quotes and doubled quotes only shrink), and it ends on
 * or after its comma or line end, which have room for its NUL (the last
 * one of the file, on the byte past the text).  So the writing never
 * overtakes the reading, and a row is a pointer into one buffer: the file
 * costs its own size and 16 bytes a row, not a copy of every cell and a
 * pointer to each.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "csvin.h"
#include "utf8.h"

#define FEED_PIECE ((size_t)64 << 10)	/* bytes given to libcsv at once */

/* ---- lines and errors ---- */

/* The length of the physical line at s: through its LF, CRLF or lone CR. */
static size_t
line_len(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			return i + 1;
		if (s[i] == '\r')
			return i + 1 < n && s[i + 1] == '\n' ? i + 2 : i + 1;
	}
	return n;
}

/* The 1-based line of s[off], s being n bytes. */
static size_t
line_at(const char *s, size_t n, size_t off)
{
	size_t line = 1, i = 0, k;

	while (i < n && i + (k = line_len(s + i, n - i)) <= off) {
		i += k;
		line++;
	}
	return line;
}

/* name, at most max bytes of whole UTF-8 sequences, control characters
 * as '?', "..." when cut: safe in a message and in err->field. */
static const char *
clip(const char *name, size_t len, size_t max, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i = 0, o = 0, k;
	uint32_t cp;

	while (i < len && (k = utf8_seq(p + i, len - i, &cp)) != 0) {
		if (o + k > max || o + k + 4 > outsz) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (cp < 0x20 || cp == 0x7f)
			out[o] = '?';
		else
			memcpy(out + o, p + i, k);
		o += cp < 0x20 || cp == 0x7f ? 1 : k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

/* Refuses with field "line N" or "line N, column COL", the reason's
 * parameters as hk_failr takes them. */
static int
fail_at(struct hk_err *err, size_t line, const char *col,
	enum hk_reason reason, ...)
{
	char field[64];
	va_list ap;

	if (col != NULL)
		snprintf(field, sizeof(field), "line %zu, column %s", line,
			 col);
	else
		snprintf(field, sizeof(field), "line %zu", line);
	va_start(ap, reason);
	hk_failr_v(err, HK_EINVAL, field, reason, ap);
	va_end(ap);
	return -1;
}

/* ---- decoding ---- */

/* The offset of the first byte that is not whole UTF-8, or n. */
static size_t
utf8_bad(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	if (utf8_valid(s, n))
		return n;
	while (i < n && (k = utf8_seq(p + i, n - i, &cp)) != 0)
		i += k;
	return i;
}

#define ICONV_PIECE	((size_t)64 << 10)

/* Runs cd over s[0..n) a piece at a time, each piece's UTF-8 given to
 * put (dst and the bytes so far; dst NULL: only counted) into *outlen:
 * 0, or 1 with *bad the offset of the first byte that is not CP932, or
 * -1 (errno) on a system failure. */
static int
convert(iconv_t cd, const char *s, size_t n, char *dst, size_t *outlen,
	size_t *bad)
{
	char piece[ICONV_PIECE], *in = (char *)s, *o;
	size_t inleft = n, oleft, r;

	*outlen = 0;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		o = piece;
		oleft = sizeof(piece);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		if (dst != NULL)	/* never past what is still to read */
			memcpy(dst + *outlen, piece, (size_t)(o - piece));
		*outlen += (size_t)(o - piece);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno != EILSEQ && errno != EINVAL)
			return -1;
		*bad = (size_t)(in - s);
		return 1;
	}
	return 0;
}

/*
 * CP932 to UTF-8 into *out (with a byte to spare): 0, or 1 with *bad the
 * offset of the first byte that is not CP932, or -1 on a system failure.
 * Counted first, then decoded: with *own (s itself, malloc'd) into s,
 * grown to the decoded size with the CP932 moved to its end, so that the
 * file is never held twice (a character only grows: the decoded text
 * never overtakes what is left to read); *own is then *out's.
 */
static int
from_cp932(const char *s, size_t n, char **own, char **out, size_t *outlen,
	   size_t *bad, struct hk_err *err)
{
	const char *src = s;
	char *buf = NULL;
	size_t total = 0, got;
	iconv_t cd;
	int rc;

	if ((cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1)
		return hk_fail_errno(err, "iconv_open(UTF-8, CP932)");
	rc = convert(cd, s, n, NULL, &total, bad);
	if (rc == 0 && *own != NULL && total >= n &&
	    (buf = realloc(*own, total + 1)) != NULL) {
		*own = NULL;
		src = memmove(buf + total - n, buf, n);
	} else if (rc == 0 && *own == NULL)
		buf = malloc(total + 1);
	if (rc == 0 && buf == NULL)
		rc = -1;
	if (rc == 0 && (rc = convert(cd, src, n, buf, &got, bad)) == 0 &&
	    got != total)
		rc = -1, errno = EIO;
	iconv_close(cd);
	if (rc < 0) {
		if (buf != NULL && *own == NULL && src != s)
			*own = buf;	/* still the caller's to free */
		else
			free(buf);
		return hk_fail_errno(err, "decoding CP932");
	}
	*out = buf;
	*outlen = total;
	return rc;
}

struct text {
	const char *s;		/* the UTF-8 text, less any BOM */
	size_t n;
	char *own;		/* the decoded copy (with a byte to spare), if
				 * any */
};

static int
decode(const char *s, size_t n, char **own, enum csvin_encoding enc,
       struct text *t, enum csvin_encoding *got, struct hk_err *err)
{
	int bom = n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0, rc;
	size_t bad8 = 0, bad932 = 0;

	if (bom && enc == CSVIN_CP932)
		return fail_at(err, 1, NULL, HK_R_csv_bom_cp932, NULL);
	if (bom) {
		s += 3;
		n -= 3;
	}
	t->s = s;
	t->n = n;
	*got = CSVIN_UTF8;
	if (enc != CSVIN_CP932 && (bad8 = utf8_bad(s, n)) == n)
		return 0;
	if (enc == CSVIN_UTF8 || bom)
		return fail_at(err, line_at(s, n, bad8), NULL,
			       HK_R_csv_not_utf8, NULL);
	if ((rc = from_cp932(s, n, own, &t->own, &t->n, &bad932, err)) <= 0) {
		t->s = t->own;
		*got = CSVIN_CP932;
		return rc;
	}
	if (enc == CSVIN_CP932)
		return fail_at(err, line_at(s, n, bad932), NULL,
			       HK_R_csv_not_cp932, NULL);
	/* the line where the likelier of the two went wrong */
	return fail_at(err, line_at(s, n, bad8 > bad932 ? bad8 : bad932),
		       NULL, HK_R_csv_neither, NULL);
}

/* ---- splitting ---- */

struct split {
	const struct csvin_limits *lim;
	struct csvin_doc *doc;
	struct hk_err *err;
	int failed;
	size_t line;		/* the line being fed */
	int open;		/* a row has begun and not ended */
	size_t row_line;	/* where it began */
	size_t field_line;	/* where its next field begins */
	char *w;		/* where the next cell is written */
	char *row_cells;	/* where the open row's cells begin */
	size_t ncur;		/* its cells stored (up to the header's) */
	size_t nfields;		/* how many it has */
	int nonblank;		/* one has more than spaces and tabs */
	size_t caprows;
};

/* The name of column i for an error: the header's, or its number. */
static const char *
colname(const struct split *sp, size_t i, char *buf, size_t bufsz)
{
	const struct csvin_row *h = &sp->doc->header;
	const char *cell = csvin_cell(h, (int)i);

	if (h->cells != NULL && i < h->ncells && cell[0] != '\0')
		return clip(cell, strlen(cell), 24, buf, bufsz);
	snprintf(buf, bufsz, "%zu", i + 1);
	return buf;
}

/* The cell over the text already read (see the top of the file). */
static void
put_cell(struct split *sp, const char *s, size_t len)
{
	if (sp->ncur == 0)
		sp->row_cells = sp->w;
	if (len > 0)
		memmove(sp->w, s, len);
	sp->w[len] = '\0';
	sp->w += len + 1;
	sp->ncur++;
}

/* libcsv: a field ended. */
static void
on_field(void *s, size_t len, void *data)
{
	struct split *sp = data;
	const struct csvin_row *h = &sp->doc->header;
	char name[40];

	if (sp->failed)
		return;
	if (sp->nfields >= CSVIN_MAX_COLUMNS) {
		sp->failed = fail_at(sp->err, sp->row_line, NULL,
		    HK_R_csv_too_many_columns, "max",
		    HK_NUM(CSVIN_MAX_COLUMNS), NULL);
		return;
	}
	if (len > sp->lim->max_field) {
		sp->failed = fail_at(sp->err, sp->field_line,
		    colname(sp, sp->nfields, name, sizeof(name)),
		    HK_R_csv_field_too_long, "max",
		    HK_NUM(sp->lim->max_field), NULL);
		return;
	}
	for (const char *c = s ? s : "", *end = c + len;
	     c < end && !sp->nonblank; c++)
		sp->nonblank = *c != ' ' && *c != '\t';
	if (h->cells == NULL || sp->ncur < h->nfields)
		put_cell(sp, s ? s : "", len);
	sp->nfields++;
	sp->field_line = sp->line;
}

/* The row just ended, as a csvin_row. */
static void
make_row(struct split *sp, struct csvin_row *row)
{
	const struct csvin_row *h = &sp->doc->header;
	size_t n = h->cells ? h->nfields : sp->ncur;	/* (row may be h) */

	row->cells = sp->ncur > 0 ? sp->row_cells : "";
	row->line = (uint32_t)sp->row_line;
	row->ncells = (uint16_t)sp->ncur;
	row->nfields = (uint16_t)n;
}

static int
add_row(struct split *sp)
{
	struct csvin_doc *doc = sp->doc;
	struct csvin_row *grown;

	if (doc->header.cells == NULL)
		return make_row(sp, &doc->header), 0;
	if (sp->nfields > doc->header.nfields)
		return fail_at(sp->err, sp->row_line, NULL,
			       HK_R_csv_too_many_fields, "fields",
			       HK_NUM(sp->nfields), "header",
			       HK_NUM(doc->header.nfields), NULL);
	if (doc->nrows >= sp->lim->max_rows)
		return fail_at(sp->err, sp->row_line, NULL,
			       HK_R_csv_too_many_rows, "max",
			       HK_NUM(sp->lim->max_rows), NULL);
	if (doc->nrows == sp->caprows) {
		sp->caprows = sp->caprows ? 2 * sp->caprows : 64;
		grown = realloc(doc->rows, sp->caprows * sizeof(*grown));
		if (grown == NULL)
			return hk_fail(sp->err, HK_ESYS, NULL,
				       "out of memory");
		doc->rows = grown;
	}
	make_row(sp, &doc->rows[doc->nrows++]);
	return 0;
}

/* libcsv: a row ended.  Rows of nothing but spaces are skipped (their
 * cells given back). */
static void
on_row(int term, void *data)
{
	struct split *sp = data;

	(void)term;
	sp->open = 0;
	if (!sp->failed && sp->nonblank)
		sp->failed = add_row(sp);
	else if (sp->ncur > 0)
		sp->w = sp->row_cells;
	sp->ncur = sp->nfields = 0;
	sp->nonblank = 0;
}

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* Feeds s[0..n) to p in pieces, refusing a field that grows well past the
 * limit before libcsv has gathered it whole: libcsv grows a field a block
 * at a time, which for a field of many megabytes costs quadratic time.
 * (Up to a piece past the limit, the field is left to end, or to fail
 * otherwise first, as it would without this check.)  Returns the bytes
 * taken (n unless libcsv stopped). */
static size_t
feed_line(struct split *sp, struct csv_parser *p, const char *s, size_t n)
{
	char name[40];
	size_t off = 0, k, got;

	for (; off < n; off += k) {
		k = n - off < FEED_PIECE ? n - off : FEED_PIECE;
		got = csv_parse(p, s + off, k, on_field, on_row, sp);
		if (got != k || csv_error(p) != CSV_SUCCESS || sp->failed)
			return off + got;
		if (p->entry_pos > sp->lim->max_field + FEED_PIECE) {
			sp->failed = fail_at(sp->err, sp->field_line,
			    colname(sp, sp->nfields, name, sizeof(name)),
			    HK_R_csv_field_too_long, "max",
			    HK_NUM(sp->lim->max_field), NULL);
			return off + got;
		}
	}
	return n;
}

/* A whole row on a line without a quote: its fields are what lies
 * between the commas, as libcsv would give them (no_space: nothing
 * trimmed), only sooner.  Most rows of a large file are such lines, and
 * libcsv takes them a character at a time. */
static void
split_plain(struct split *sp, const char *s, size_t n)
{
	const char *comma;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return;		/* a blank line: libcsv gives nothing */
	while ((comma = memchr(s, ',', n)) != NULL && !sp->failed) {
		on_field((void *)s, (size_t)(comma - s), sp);
		n -= (size_t)(comma - s) + 1;
		s = comma + 1;
	}
	on_field((void *)s, n, sp);
	on_row('\n', sp);
}

/* Feeds s[0..n) to p a line at a time. */
static int
feed(struct split *sp, struct csv_parser *p, const char *s, size_t n)
{
	size_t off = 0, k;

	for (sp->line = 1; off < n; off += k, sp->line++) {
		int between_rows = !sp->open;

		k = line_len(s + off, n - off);
		if (!sp->open && s[off] != '\r' && s[off] != '\n') {
			sp->open = 1;
			sp->row_line = sp->field_line = sp->line;
		}
		if (between_rows && memchr(s + off, '"', k) == NULL) {
			split_plain(sp, s + off, k);
			if (sp->failed)
				return -1;
			continue;
		}
		if (feed_line(sp, p, s + off, k) != k ||
		    csv_error(p) != CSV_SUCCESS)
			break;
		if (sp->failed)
			return -1;
	}
	if (sp->failed)
		return -1;
	if (off < n && csv_error(p) == CSV_EPARSE)
		return fail_at(sp->err, sp->line, NULL,
			       HK_R_csv_quote, NULL);
	if (off < n)
		return hk_fail(sp->err, HK_ESYS, NULL, "csv: %s",
			       csv_strerror(csv_error(p)));
	sp->line--;
	if (csv_fini(p, on_field, on_row, sp) != 0 && !sp->failed)
		return fail_at(sp->err, sp->field_line, NULL,
			       HK_R_csv_unclosed, NULL);
	return sp->failed ? -1 : 0;
}

/* Splits s[0..n) (within doc->text, with a byte to spare after it) over
 * itself, from the start of doc->text on. */
static int
split(char *s, size_t n, const struct csvin_limits *lim,
      struct csvin_doc *doc, struct hk_err *err)
{
	struct split sp = { .lim = lim, .doc = doc, .err = err,
			    .w = doc->text };
	struct csv_parser p;
	struct csvin_row *fit;
	int rc;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	csv_set_space_func(&p, no_space);
	rc = feed(&sp, &p, s, n);
	csv_free(&p);
	if (rc == 0 && doc->header.cells == NULL)
		rc = fail_at(err, 1, NULL, HK_R_csv_no_header, NULL);
	/* the rows' array grown by doubling: what is past the last given
	 * back */
	if (rc == 0 && doc->nrows > 0 && doc->nrows < sp.caprows &&
	    (fit = realloc(doc->rows, doc->nrows * sizeof(*fit))) != NULL)
		doc->rows = fit;
	return rc;
}

/* The checks on the bytes as given, before any decoding. */
static int
check_bytes(const char *data, size_t len, const struct csvin_limits *lim,
	    struct hk_err *err)
{
	const char *nul;

	if (len > lim->max_bytes || len > UINT32_MAX)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_csv_too_large,
				"max", HK_NUM(lim->max_bytes), NULL);
	if (len == 0 || data == NULL)
		return fail_at(err, 1, NULL, HK_R_csv_no_header, NULL);
	if (len >= 2 && (memcmp(data, "\xff\xfe", 2) == 0 ||
			 memcmp(data, "\xfe\xff", 2) == 0))
		return fail_at(err, 1, NULL, HK_R_csv_utf16, NULL);
	/* a 0 byte is never inside a UTF-8 or CP932 character */
	if ((nul = memchr(data, '\0', len)) != NULL)
		return fail_at(err, line_at(data, len, (size_t)(nul - data)),
			       NULL, HK_R_csv_nul, NULL);
	return 0;
}

/* data decoded and split; own, when given, is data itself, the doc's to
 * keep (or free). */
static int
parse(const char *data, size_t len, char *own, enum csvin_encoding enc,
      const struct csvin_limits *lim, struct csvin_doc *doc,
      struct hk_err *err)
{
	static const struct csvin_limits dflt = CSVIN_DEFAULT_LIMITS;
	struct text t = { 0 };
	char *s = NULL;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (lim == NULL)
		lim = &dflt;
	if ((rc = check_bytes(data, len, lim, err)) == 0)
		rc = decode(data, len, &own, enc, &t, &doc->encoding, err);
	if (rc == 0 && t.own != NULL) {		/* decoded: a new text */
		free(own);
		own = NULL;
		doc->text = s = t.own;
	} else if (rc == 0 && own != NULL) {	/* as given, over itself */
		doc->text = own;
		s = own + (t.s - data);
		own = NULL;
	} else if (rc == 0 && (doc->text = malloc(t.n + 1)) != NULL) {
		memcpy(doc->text, t.s, t.n);
		s = doc->text;
	} else if (rc == 0)
		rc = hk_fail(err, HK_ESYS, NULL, "out of memory");
	free(own);
	if (rc == 0)
		rc = split(s, t.n, lim, doc, err);
	if (rc != 0)
		csvin_doc_free(doc);
	return rc;
}

int
csvin_parse(const char *data, size_t len, enum csvin_encoding enc,
	    const struct csvin_limits *lim, struct csvin_doc *doc,
	    struct hk_err *err)
{
	return parse(data, len, NULL, enc, lim, doc, err);
}

int
csvin_parse_own(char *data, size_t len, enum csvin_encoding enc,
		const struct csvin_limits *lim, struct csvin_doc *doc,
		struct hk_err *err)
{
	return parse(data, len, data, enc, lim, doc, err);
}

/* ---- columns and cells ---- */

static int
name_is(const char *name, size_t n, const char *known)
{
	size_t i;

	for (i = 0; i < n && known[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)known[i])
			return 0;
	}
	return i == n && known[i] == '\0';
}

static void
expected(const char *const *known, char *buf, size_t bufsz)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; known[k] != NULL && o < bufsz; k++) {
		int w = snprintf(buf + o, bufsz - o, "%s%s", k ? ", " : "",
				 known[k]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

int
csvin_columns(const struct csvin_doc *doc, const char *const *known,
	      int *col, struct hk_err *err)
{
	const struct csvin_row *h = &doc->header;
	char name[40], list[300];
	size_t nk, k, n;

	for (nk = 0; known[nk] != NULL; nk++)
		col[nk] = -1;
	expected(known, list, sizeof(list));
	for (size_t i = 0; i < h->nfields; i++) {
		const char *s = csvin_cell(h, (int)i);

		s += strspn(s, " \t");
		for (n = strlen(s); n > 0 && (s[n - 1] == ' ' ||
					      s[n - 1] == '\t'); n--)
			;
		if (n == 0)
			snprintf(name, sizeof(name), "%zu", i + 1);
		else
			clip(s, n, 24, name, sizeof(name));
		for (k = 0; k < nk && !name_is(s, n, known[k]); k++)
			;
		if (n == 0)
			return fail_at(err, h->line, name,
				       HK_R_csv_column_unnamed, "list", list,
				       NULL);
		if (k == nk)
			return fail_at(err, h->line, name,
				       HK_R_csv_column_unknown, "name", name,
				       "list", list, NULL);
		if (col[k] >= 0)
			return fail_at(err, h->line, name,
				       HK_R_csv_column_twice, "name", name,
				       "first", HK_NUM(col[k] + 1), "second",
				       HK_NUM(i + 1), NULL);
		col[k] = (int)i;
	}
	return 0;
}

const char *
csvin_cell(const struct csvin_row *row, int c)
{
	const char *s;

	if (row == NULL || c < 0 || c >= row->ncells)
		return "";
	for (s = row->cells; c > 0; c--)
		s += strlen(s) + 1;
	return s;
}

int
csvin_formula(const char *cell)
{
	return cell != NULL && cell[0] != '\0' &&
	    strchr("=+-@\t\r", cell[0]) != NULL;
}

void
csvin_doc_free(struct csvin_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->text);
	free(doc->rows);
	memset(doc, 0, sizeof(*doc));
}

int
csvin_encoding_parse(const char *name, enum csvin_encoding *enc,
		     struct hk_err *err)
{
	*enc = CSVIN_AUTO;
	if (name == NULL || strcasecmp(name, "auto") == 0)
		return 0;
	if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
		return *enc = CSVIN_UTF8, 0;
	if (strcasecmp(name, "cp932") == 0 ||
	    strcasecmp(name, "shift_jis") == 0 || strcasecmp(name, "sjis") == 0)
		return *enc = CSVIN_CP932, 0;
	return hk_failr(err, HK_EINVAL, "encoding", HK_R_encoding_unknown,
			"name", name, NULL);
}

const char *
csvin_encoding_name(enum csvin_encoding enc)
{
	switch (enc) {
	case CSVIN_UTF8:	return "utf-8";
	case CSVIN_CP932:	return "cp932";
	case CSVIN_AUTO:	break;
	}
	return "auto";
}
