/* SPDX-License-Identifier: ISC */
/*
 * bundle.c - writing and strictly parsing the push bundle.  See bundle.h.
 *
 * The parser walks the buffer once, line by line, and refuses the first
 * thing that is not exactly what bundle_write() produces: a header line
 * that is not byte-for-byte canonical, a name outside the whitelist or out
 * of order, a size that runs past the end, a body line that fails
 * mapsyntax_line(), a checksum that does not match, a byte after the "end"
 * line.  Errors are HK_EPROTO and say what and where ("bundle line 3",
 * "passwd line 12").  The writer runs the same body checks (HK_EINVAL) so
 * that the panel can never emit a bundle the agent would refuse.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "bundle.h"
#include "bucket.h"
#include "digest.h"
#include "dkimsyntax.h"
#include "mapdelta.h"
#include "mapsyntax.h"

#define HEADER_LINE_MAX	256	/* longest "file ..." line is 135 octets */

const char *const bundle_names[] = {
	"virtual_mailbox_domains",
	"virtual_mailbox_maps",
	"virtual_alias_maps",
	"relay_domains",
	"relay_recipient_maps",
	"transport",
	"passwd",
	"trash",
	"sieve",
	"dkim",
	NULL
};

/* Index of s[0..n) in bundle_names, or -1. */
static int
name_index(const char *s, size_t n)
{
	for (int i = 0; bundle_names[i] != NULL; i++)
		if (strlen(bundle_names[i]) == n &&
		    memcmp(bundle_names[i], s, n) == 0)
			return i;
	return -1;
}

int
bundle_is_postfix_map(const char *name)
{
	if (name == NULL || name_index(name, strlen(name)) < 0)
		return 0;
	return strcmp(name, "passwd") != 0 && strcmp(name, "trash") != 0 &&
	       strcmp(name, "sieve") != 0 && strcmp(name, "dkim") != 0;
}

/* Exactly 64 lowercase hex digits. */
static int
is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* One line of the file `name`: mapsyntax_line()'s, or for "dkim"
 * dkimsyntax_line()'s. */
static int
line_ok(const char *name, const char *s, size_t n, struct hk_err *err)
{
	struct dkim_line dl;
	const char *why;

	if (strcmp(name, "dkim") != 0)
		return mapsyntax_line(name, s, n, err);
	why = n == 0 ? "empty line" : dkimsyntax_line(s, n, &dl);
	if (why != NULL)
		return hk_fail(err, HK_EINVAL, "dkim", "%s", why);
	return 0;
}

/*
 * Checks a file body: empty, or lines each ending in '\n' and each passing
 * mapsyntax_line() (dkimsyntax_line() for "dkim"), and for "dkim" the
 * checks across its lines
 * (dkimsyntax_file()).  Failures carry `code` and name the file and line.
 */
static int
check_body(const char *name, const char *data, size_t len,
	   enum hk_errcode code, struct hk_err *err)
{
	struct hk_err lerr;
	size_t pos = 0, lineno = 0;

	if (len > 0 && data[len - 1] != '\n')
		return hk_fail(err, code, name,
			       "%s: last line does not end in a newline", name);
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = (size_t)(nl - (data + pos));

		lineno++;
		if (line_ok(name, data + pos, n, &lerr) < 0)
			return hk_fail(err, code, name, "%s line %zu: %s",
				       name, lineno, lerr.message);
		pos += n + 1;
	}
	if (strcmp(name, "dkim") == 0 && dkimsyntax_file(data, len, &lerr) < 0)
		return hk_fail(err, code, name, "%s", lerr.message);
	return 0;
}

/* Parser state: buf[0..len), the next byte at pos, bundle lines so far. */
struct cursor {
	const char *buf;
	size_t len;
	size_t pos;
	size_t lineno;
};

/* Takes the next header line (without its '\n'). */
static int
next_line(struct cursor *c, const char **line, size_t *n, struct hk_err *err)
{
	size_t avail = c->len - c->pos;
	const char *nl;

	c->lineno++;
	if (avail == 0)
		return hk_fail(err, HK_EPROTO, "bundle",
			       "bundle line %zu: truncated (no \"end\" line)",
			       c->lineno);
	nl = memchr(c->buf + c->pos, '\n',
		    avail < HEADER_LINE_MAX ? avail : HEADER_LINE_MAX);
	if (nl == NULL)
		return hk_fail(err, HK_EPROTO, "bundle",
			       "bundle line %zu: truncated or overlong line",
			       c->lineno);
	*line = c->buf + c->pos;
	*n = (size_t)(nl - *line);
	c->pos += *n + 1;
	return 0;
}

static int
starts(const char *line, size_t n, const char *word)
{
	size_t wn = strlen(word);

	return n >= wn && memcmp(line, word, wn) == 0;
}

/* A delta's "base B" line, if the next line is one. */
static int
parse_base(struct cursor *c, struct bundle *b, struct hk_err *err)
{
	struct cursor peek = *c;
	const char *line;
	size_t n;

	if (next_line(&peek, &line, &n, err) < 0)
		return -1;
	if (!starts(line, n, "base "))
		return 0;
	*c = peek;
	if (!mapsyntax_decimal(line + 5, n - 5, UINT64_MAX, &b->base) ||
	    b->base == 0 || b->base >= b->generation)
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line 3: "
			       "expected \"base B\" with B a decimal > 0, "
			       "below the generation, without leading zeros");
	return 0;
}

static int
parse_preamble(struct cursor *c, struct bundle *b, struct hk_err *err)
{
	const char *line;
	size_t n, mn = strlen(BUNDLE_MAGIC);

	if (next_line(c, &line, &n, err) < 0)
		return -1;
	if (n != mn || memcmp(line, BUNDLE_MAGIC, mn) != 0)
		return hk_fail(err, HK_EPROTO, "bundle",
			       "bundle line 1: not \"" BUNDLE_MAGIC "\"");
	if (next_line(c, &line, &n, err) < 0)
		return -1;
	if (!starts(line, n, "generation ") ||
	    !mapsyntax_decimal(line + 11, n - 11, UINT64_MAX, &b->generation) || b->generation == 0)
		return hk_fail(err, HK_EPROTO, "bundle",
			       "bundle line 2: expected \"generation N\" with N a "
			       "decimal > 0 without leading zeros");
	return parse_base(c, b, err);
}

/* Splits "NAME SIZE SHA" (after "file ") into its three words. */
static int
file_words(const char *s, size_t n, const char *w[3], size_t wn[3])
{
	for (int i = 0; i < 2; i++) {
		const char *sp = memchr(s, ' ', n);

		if (sp == NULL)
			return 0;
		w[i] = s;
		wn[i] = (size_t)(sp - s);
		n -= wn[i] + 1;
		s = sp + 1;
	}
	w[2] = s;
	wn[2] = n;
	return 1;
}

/* The index of name w[0..wn) on bundle line `at`, which must come after
 * *last (in a delta, right after it: every file is named). */
static int
name_after(const char *w, size_t wn, size_t at, int last,
	   const struct bundle *b, struct hk_err *err)
{
	int idx = name_index(w, wn);

	if (idx < 0)
		return hk_fail(err, HK_EPROTO, "bundle",
			       "bundle line %zu: file name not allowed", at);
	if (idx <= last)
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "file %s duplicated or out of order",
			       at, bundle_names[idx]);
	if (b->base != 0 && idx != last + 1)
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "the delta does not say what becomes of %s",
			       at, bundle_names[last + 1]);
	return idx;
}

/* An edit's body: keyed edits (mapdelta.h) to a keyed file. */
static int
check_edits(const char *name, const char *data, size_t len, size_t at,
	    struct hk_err *err)
{
	struct hk_err lerr;

	if (!mapdelta_keyed(name))
		return hk_fail(err, HK_EPROTO, name, "bundle line %zu: %s is "
			       "not a keyed file: no edits", at, name);
	if (mapdelta_check(name, data, len, &lerr) < 0)
		return hk_fail(err, HK_EPROTO, name, "%s", lerr.message);
	return 0;
}

/* One "file|edit NAME SIZE SHA" line (already read, its word's length
 * skip) and its body. */
static int
parse_file(struct cursor *c, const char *line, size_t n, size_t skip,
	   int *last, struct bundle *b, struct hk_err *err)
{
	struct bundle_file *f = &b->files[b->nfiles];
	const char *w[3];
	size_t wn[3], at = c->lineno;
	uint64_t size;
	int idx, edit = skip == 5 && starts(line, n, "edit ");

	if (!file_words(line + skip, n - skip, w, wn))
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "expected \"%.4s NAME SIZE SHA256\"", at, line);
	if ((idx = name_after(w[0], wn[0], at, *last, b, err)) < 0)
		return -1;
	if (!mapsyntax_decimal(w[1], wn[1], UINT64_MAX, &size) || size > c->len - c->pos)
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "file %s: bad size or truncated body",
			       at, bundle_names[idx]);
	if (!is_hex64(w[2], wn[2]))
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "file %s: checksum is not 64 lowercase hex digits",
			       at, bundle_names[idx]);
	f->name = bundle_names[idx];
	f->data = c->buf + c->pos;
	f->len = (size_t)size;
	f->how = edit ? BUNDLE_EDIT : BUNDLE_WHOLE;
	if (edit) {
		memcpy(f->sha256, w[2], 64);
		f->sha256[64] = '\0';
		if (check_edits(f->name, f->data, f->len, at, err) < 0)
			return -1;
	} else {
		bucket_file_sum(f->name, f->data, f->len, f->sha256);
		if (memcmp(f->sha256, w[2], 64) != 0)
			return hk_fail(err, HK_EPROTO, f->name, "%s (bundle "
				       "line %zu): sha256 mismatch", f->name,
				       at);
		if (check_body(f->name, f->data, f->len, HK_EPROTO, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < f->len; i++)
		c->lineno += f->data[i] == '\n';
	c->pos += f->len;
	*last = idx;
	b->nfiles++;
	return 0;
}

/* One "keep NAME SHA" line (already read). */
static int
parse_keep(struct cursor *c, const char *line, size_t n, int *last,
	   struct bundle *b, struct hk_err *err)
{
	struct bundle_file *f = &b->files[b->nfiles];
	const char *sp = memchr(line + 5, ' ', n - 5);
	size_t at = c->lineno;
	int idx;

	if (sp == NULL || !is_hex64(sp + 1, (size_t)(line + n - sp - 1)))
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "expected \"keep NAME SHA256\"", at);
	if ((idx = name_after(line + 5, (size_t)(sp - line - 5), at, *last, b,
			      err)) < 0)
		return -1;
	f->name = bundle_names[idx];
	f->data = NULL;
	f->len = 0;
	f->how = BUNDLE_KEEP;
	memcpy(f->sha256, sp + 1, 64);
	f->sha256[64] = '\0';
	*last = idx;
	b->nfiles++;
	return 0;
}

/* The "end SHA" line starting at `start` (already read). */
static int
parse_end(struct cursor *c, const char *line, size_t n, size_t start,
	  struct bundle *b, struct hk_err *err)
{
	if (n != 4 + 64 || !is_hex64(line + 4, 64))
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "expected \"end SHA256\"", c->lineno);
	if (c->pos != c->len)
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "%zu bytes after the \"end\" line", c->lineno,
			       c->len - c->pos);
	sha256_hex(c->buf, start, b->sha256);
	if (memcmp(b->sha256, line + 4, 64) != 0)
		return hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu: "
			       "sha256 of the whole bundle mismatch", c->lineno);
	return 0;
}

static int
parse_all(const char *buf, size_t len, struct bundle *b, struct hk_err *err)
{
	struct cursor c = { buf, len, 0, 0 };
	const char *line;
	size_t n, start;
	int last = -1, rc;

	if (parse_preamble(&c, b, err) < 0)
		return -1;
	for (;;) {
		start = c.pos;
		if (next_line(&c, &line, &n, err) < 0)
			return -1;
		if (starts(line, n, "end "))
			return b->base != 0 && bundle_names[last + 1] != NULL ?
			    hk_fail(err, HK_EPROTO, "bundle", "bundle line %zu:"
				    " the delta does not say what becomes of "
				    "%s", c.lineno, bundle_names[last + 1]) :
			    parse_end(&c, line, n, start, b, err);
		if (starts(line, n, "file "))
			rc = parse_file(&c, line, n, 5, &last, b, err);
		else if (b->base != 0 && starts(line, n, "edit "))
			rc = parse_file(&c, line, n, 5, &last, b, err);
		else if (b->base != 0 && starts(line, n, "keep "))
			rc = parse_keep(&c, line, n, &last, b, err);
		else
			rc = hk_fail(err, HK_EPROTO, "bundle", "bundle line "
				     "%zu: expected \"file\"%s or \"end\"",
				     c.lineno, b->base != 0 ?
				     ", \"keep\", \"edit\"" : "");
		if (rc < 0)
			return -1;
	}
}

int
bundle_parse(const char *buf, size_t len, struct bundle *b,
	     struct hk_err *err)
{
	memset(b, 0, sizeof(*b));
	if (buf == NULL)
		return hk_fail(err, HK_EPROTO, "bundle", "no bundle");
	if (len > BUNDLE_MAX_SIZE)
		return hk_fail(err, HK_EPROTO, "bundle",
			       "bundle larger than %zu bytes", BUNDLE_MAX_SIZE);
	if (parse_all(buf, len, b, err) < 0) {
		memset(b, 0, sizeof(*b));	/* nothing half-parsed escapes */
		return -1;
	}
	return 0;
}

/* One of the caller's files, as its how says: a whole one's body checked
 * and its sha256 filled; a kept or edited one's sha256 the caller's. */
static int
check_one(struct bundle_file *f, int delta, struct hk_err *err)
{
	struct hk_err lerr;

	if (f->data == NULL && f->len > 0)
		return hk_fail(err, HK_EINVAL, f->name, "%s: no data", f->name);
	if (f->how != BUNDLE_WHOLE && (!delta || !is_hex64(f->sha256,
	    strlen(f->sha256))))
		return hk_fail(err, HK_EINVAL, f->name, "%s: kept or edited "
			       "outside a delta, or without the result's "
			       "sha256", f->name);
	if (f->how == BUNDLE_KEEP)
		return f->len == 0 ? 0 : hk_fail(err, HK_EINVAL, f->name,
						  "%s: kept with data", f->name);
	if (f->how == BUNDLE_EDIT) {
		if (!mapdelta_keyed(f->name))
			return hk_fail(err, HK_EINVAL, f->name, "%s: not a "
				       "keyed file: no edits", f->name);
		if (mapdelta_check(f->name, f->len ? f->data : "", f->len,
				   &lerr) < 0)
			return hk_fail(err, HK_EINVAL, f->name, "%s",
				       lerr.message);
		return 0;
	}
	if (check_body(f->name, f->len ? f->data : "", f->len, HK_EINVAL,
		       err) < 0)
		return -1;
	bucket_file_sum(f->name, f->len ? f->data : "", f->len, f->sha256);
	if (strlen(f->sha256) != 64)
		return hk_fail(err, HK_EINTERNAL, f->name, "%s: sha256 failed",
			       f->name);
	return 0;
}

/* Checks the caller's files (names, order, bodies) and fills the sha256
 * of the whole ones; a delta names every file. */
static int
check_files(struct bundle_file *files, size_t n, int delta,
	    struct hk_err *err)
{
	int last = -1, idx;

	if (n > BUNDLE_MAX_FILES || (n > 0 && files == NULL))
		return hk_fail(err, HK_EINVAL, "bundle", "bad file list");
	for (size_t i = 0; i < n; i++) {
		struct bundle_file *f = &files[i];

		if (f->name == NULL ||
		    (idx = name_index(f->name, strlen(f->name))) < 0)
			return hk_fail(err, HK_EINVAL, "bundle",
				       "file %zu: name not allowed", i);
		if (idx <= last || (delta && idx != last + 1))
			return hk_fail(err, HK_EINVAL, "bundle", "file %s "
				       "duplicated or out of order, or a file "
				       "left out of a delta", f->name);
		if (check_one(f, delta, err) < 0)
			return -1;
		last = idx;
	}
	if (delta && bundle_names[last + 1] != NULL)
		return hk_fail(err, HK_EINVAL, "bundle", "a delta without %s",
			       bundle_names[last + 1]);
	return 0;
}

/* Appends everything but the "end" line; returns 0 or -1 on overflow. */
static int
emit(struct strbuf *out, uint64_t gen, uint64_t base,
     const struct bundle_file *files, size_t n)
{
	static const char *const word[] = { "file", "keep", "edit" };

	if (strbuf_printf(out, "%s\ngeneration %llu\n", BUNDLE_MAGIC,
			  (unsigned long long)gen) < 0 ||
	    (base != 0 && strbuf_printf(out, "base %llu\n",
					(unsigned long long)base) < 0))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct bundle_file *f = &files[i];
		int rc = f->how == BUNDLE_KEEP ?
		    strbuf_printf(out, "keep %s %s\n", f->name, f->sha256) :
		    strbuf_printf(out, "%s %s %zu %s\n", word[f->how],
				  f->name, f->len, f->sha256);

		if (rc < 0 || strbuf_append(out, f->data, f->len) < 0)
			return -1;
	}
	return 0;
}

static int
write_any(struct strbuf *out, uint64_t gen, uint64_t base,
	  struct bundle_file *files, size_t n, char whole_sha256[65],
	  struct hk_err *err)
{
	size_t start = out->len;
	char sha[65];

	if (gen == 0 || (base != 0 && base >= gen))
		return hk_fail(err, HK_EINVAL, "generation", "generation must "
			       "be > 0, and past a delta's base");
	if (check_files(files, n, base != 0, err) < 0)
		return -1;
	if (emit(out, gen, base, files, n) < 0)
		goto toobig;
	sha256_hex(out->data + start, out->len - start, sha);
	if (strlen(sha) != 64)
		goto toobig;
	if (strbuf_printf(out, "end %s\n", sha) < 0 ||
	    out->len - start > BUNDLE_MAX_SIZE)
		goto toobig;
	if (whole_sha256 != NULL)
		memcpy(whole_sha256, sha, sizeof(sha));
	return 0;
toobig:
	out->len = start;	/* leave out as it was */
	if (out->data != NULL)
		out->data[start] = '\0';
	return hk_fail(err, HK_ETOOBIG, "bundle", "bundle would exceed %zu "
		       "bytes (or out of memory)", BUNDLE_MAX_SIZE);
}

int
bundle_write(struct strbuf *out, uint64_t gen, struct bundle_file *files,
	     size_t n, char whole_sha256[65], struct hk_err *err)
{
	for (size_t i = 0; i < n && files != NULL; i++)
		files[i].how = BUNDLE_WHOLE;
	return write_any(out, gen, 0, files, n, whole_sha256, err);
}

int
bundle_write_delta(struct strbuf *out, uint64_t gen, uint64_t base,
		   struct bundle_file *files, size_t n,
		   char whole_sha256[65], struct hk_err *err)
{
	if (base == 0)
		return hk_fail(err, HK_EINVAL, "base", "a delta needs a base");
	return write_any(out, gen, base, files, n, whole_sha256, err);
}
