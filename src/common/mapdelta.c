/* SPDX-License-Identifier: ISC */
/*
 * mapdelta.c - keyed edits to a sorted map file.  See mapdelta.h.
 *
 * Applying edits is one merge of two sorted lists (the base's lines and
 * the added lines) with two sorted lists looked up on the way (dropped
 * domains and keys): linear in the base, whatever the edits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mapdelta.h"
#include "mapsyntax.h"

static const char *const keyed[] = {
	"virtual_mailbox_maps", "virtual_alias_maps", "relay_recipient_maps",
	"passwd", "sieve", NULL
};

int
mapdelta_keyed(const char *name)
{
	for (int i = 0; name != NULL && keyed[i] != NULL; i++)
		if (strcmp(name, keyed[i]) == 0)
			return 1;
	return 0;
}

/* One mailbox a line, in the panel's order: domain, then local part. */
static int
by_domain(const char *name)
{
	return strcmp(name, "passwd") == 0 || strcmp(name, "sieve") == 0 ||
	       strcmp(name, "virtual_mailbox_maps") == 0;
}

size_t
mapdelta_keylen(const char *name, const char *s, size_t n)
{
	const char *end = memchr(s, strcmp(name, "passwd") == 0 ? ':' : ' ',
				 n);

	return end != NULL ? (size_t)(end - s) : n;
}

/* Bytes, a prefix first. */
static int
bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

/* The domain of key k[0..n): after its '@' (the whole key if none). */
static size_t
domain_at(const char *k, size_t n)
{
	const char *at = memchr(k, '@', n);

	return at != NULL ? (size_t)(at - k) + 1 : 0;
}

static int
order_cmp(int domain_major, const char *a, size_t an, const char *b,
	  size_t bn)
{
	size_t da, db;
	int c;

	if (!domain_major)
		return bytes_cmp(a, an, b, bn);
	da = domain_at(a, an);
	db = domain_at(b, bn);
	c = bytes_cmp(a + da, an - da, b + db, bn - db);
	if (c != 0)
		return c;
	return bytes_cmp(a, da ? da - 1 : an, b, db ? db - 1 : bn);
}

int
mapdelta_cmp(const char *name, const char *a, size_t an, const char *b,
	     size_t bn)
{
	return order_cmp(by_domain(name), a, an, b, bn);
}

struct span {
	const char *p;
	size_t n;	/* the line without '\n' (an edit: without its sign) */
	size_t k;	/* its key's length */
};

/* The edits, in their three groups. */
struct edits {
	struct span *v;		/* every edit, in order */
	size_t ndom, ndel, nadd;	/* group sizes, in that order */
};

/* A dropped key: an address or "@domain". */
static int
key_ok(const char *s, size_t n)
{
	if (n > 0 && s[0] == '@')
		return mapsyntax_domain(s + 1, n - 1);
	return mapsyntax_address(s, n);
}

/* One edit line s[0..n) of group g (0 '=', 1 '-', 2 '+') after prev. */
static const char *
edit_ok(const char *name, int g, const struct span *e,
	const struct span *prev, int domain_major)
{
	struct hk_err lerr;

	if (g == 0 && !mapsyntax_domain(e->p, e->n))
		return "not a domain";
	if (g == 1 && !key_ok(e->p, e->n))
		return "not an address or @domain";
	if (g == 2 && mapsyntax_line(name, e->p, e->n, &lerr) < 0)
		return lerr.message[0] ? "not a line of the file" : "bad line";
	if (prev != NULL && order_cmp(g == 2 && domain_major, prev->p, prev->k,
				      e->p, e->k) >= 0)
		return "out of order or twice";
	return NULL;
}

/* Splits and checks edits; e->v allocated (NULL when there are none). */
static int
parse_edits(const char *name, const char *s, size_t len, struct edits *e,
	    enum hk_errcode code, struct hk_err *err)
{
	size_t count = 0, pos, lineno = 0;
	int group = 0, domain_major = by_domain(name);
	const char *why;

	memset(e, 0, sizeof(*e));
	if (len > 0 && s[len - 1] != '\n')
		return hk_fail(err, code, name, "%s edits: last line does not "
			       "end in a newline", name);
	for (pos = 0; pos < len; pos++)
		count += s[pos] == '\n';
	if (count > 0 && (e->v = calloc(count, sizeof(*e->v))) == NULL)
		return hk_fail(err, HK_EINTERNAL, name, "out of memory");
	for (pos = 0; pos < len; lineno++) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		struct span *sp = &e->v[lineno];
		int g = s[pos] == '=' ? 0 : s[pos] == '-' ? 1 : s[pos] == '+' ?
		    2 : -1;

		sp->p = s + pos + 1;
		sp->n = (size_t)(nl - (s + pos)) - (g >= 0);
		sp->k = g == 2 ? mapdelta_keylen(name, sp->p, sp->n) : sp->n;
		why = g < 0 ? "not =, - or +" : g < group ?
		    "out of its group's place" : edit_ok(name, g, sp,
		    g == group && lineno > 0 ? sp - 1 : NULL, domain_major);
		if (why != NULL) {
			free(e->v);
			e->v = NULL;
			return hk_fail(err, code, name, "%s edit %zu: %s",
				       name, lineno + 1, why);
		}
		group = g;
		*(g == 0 ? &e->ndom : g == 1 ? &e->ndel : &e->nadd) += 1;
		pos = (size_t)(nl - s) + 1;
	}
	return 0;
}

int
mapdelta_check(const char *name, const char *edits, size_t len,
	       struct hk_err *err)
{
	struct edits e;

	if (!mapdelta_keyed(name))
		return hk_fail(err, HK_EINVAL, name, "%s: not a keyed file",
			       name != NULL ? name : "(none)");
	if (parse_edits(name, edits, len, &e, HK_EINVAL, err) < 0)
		return -1;
	free(e.v);
	return 0;
}

/* Whether s[0..n) is among v[0..count) (in byte order). */
static int
found(const struct span *v, size_t count, const char *s, size_t n)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = bytes_cmp(v[mid].p, v[mid].n, s, n);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Whether the base line with key k[0..kn) is dropped by the '=' or '-'
 * edits. */
static int
dropped(const struct edits *e, const char *k, size_t kn)
{
	size_t d = domain_at(k, kn);

	return found(e->v + e->ndom, e->ndel, k, kn) ||
	       (d > 0 && found(e->v, e->ndom, k + d, kn - d));
}

static int
put(struct strbuf *out, const char *p, size_t n)
{
	return strbuf_append(out, p, n) < 0 || strbuf_append(out, "\n", 1) < 0
	    ? -1 : 0;
}

/* The merge; -1 with a reason in *why. */
static int
merge(const char *name, const char *base, size_t blen,
      const struct edits *e, struct strbuf *out, const char **why)
{
	const struct span *add = e->v + e->ndom + e->ndel;
	size_t ia = 0, pos = 0, pk = 0;
	int dm = by_domain(name);
	const char *prev = NULL;

	*why = "out of room";
	while (pos < blen) {
		const char *l = base + pos, *nl = memchr(l, '\n', blen - pos);
		size_t n, k;

		if (nl == NULL)
			return *why = "base: last line without a newline", -1;
		n = (size_t)(nl - l);
		k = mapdelta_keylen(name, l, n);
		if (prev != NULL && order_cmp(dm, prev, pk, l, k) >= 0)
			return *why = "base: lines not in key order", -1;
		for (; ia < e->nadd && order_cmp(dm, add[ia].p, add[ia].k, l,
						 k) < 0; ia++)
			if (put(out, add[ia].p, add[ia].n) < 0)
				return -1;
		if (ia < e->nadd && order_cmp(dm, add[ia].p, add[ia].k, l,
					      k) == 0) {
			if (put(out, add[ia].p, add[ia].n) < 0)
				return -1;
			ia++;
		} else if (!dropped(e, l, k) && put(out, l, n) < 0) {
			return -1;
		}
		prev = l;
		pk = k;
		pos += n + 1;
	}
	for (; ia < e->nadd; ia++)
		if (put(out, add[ia].p, add[ia].n) < 0)
			return -1;
	return 0;
}

int
mapdelta_apply(const char *name, const char *base, size_t blen,
	       const char *edits, size_t elen, struct strbuf *out,
	       struct hk_err *err)
{
	struct edits e;
	const char *why;
	int rc;

	if (!mapdelta_keyed(name))
		return hk_fail(err, HK_EPROTO, name, "%s: not a keyed file",
			       name != NULL ? name : "(none)");
	if (parse_edits(name, edits, elen, &e, HK_EPROTO, err) < 0)
		return -1;
	/* room for it all at once: no copying as it grows */
	rc = strbuf_space(out, blen + elen) < 0 ? (why = "out of room", -1) :
	    merge(name, base, blen, &e, out, &why);
	free(e.v);
	if (rc < 0)
		return hk_fail(err, HK_EPROTO, name, "%s: %s", name, why);
	return 0;
}

/* Merge sort of v[0..n) by key, tmp as scratch (qsort has no context). */
static void
sort_spans(int dm, struct span *v, struct span *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, o = 0;

	if (n < 2)
		return;
	sort_spans(dm, v, tmp, h);
	sort_spans(dm, v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[o++] = order_cmp(dm, v[j].p, v[j].k, v[i].p, v[i].k) < 0 ?
		    v[j++] : v[i++];
	while (i < h)
		tmp[o++] = v[i++];
	while (j < n)
		tmp[o++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

int
mapdelta_sort(const char *name, char *text, size_t len)
{
	struct span *v, *tmp;
	size_t n = 0, i = 0, pos, o = 0;
	char *copy;

	if (len > 0 && text[len - 1] != '\n')
		return -1;
	for (pos = 0; pos < len; pos++)
		n += text[pos] == '\n';
	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	tmp = calloc(n, sizeof(*tmp));
	copy = malloc(len);
	if (v == NULL || tmp == NULL || copy == NULL) {
		free(v);
		free(tmp);
		free(copy);
		return -1;
	}
	memcpy(copy, text, len);
	for (pos = 0; pos < len && i < n; i++) {
		const char *nl = memchr(copy + pos, '\n', len - pos);

		v[i].p = copy + pos;
		v[i].n = (size_t)(nl - v[i].p);
		v[i].k = mapdelta_keylen(name, v[i].p, v[i].n);
		pos += v[i].n + 1;
	}
	sort_spans(by_domain(name), v, tmp, n);
	for (i = 0; i < n; i++) {
		memcpy(text + o, v[i].p, v[i].n);
		o += v[i].n;
		text[o++] = '\n';
	}
	free(v);
	free(tmp);
	free(copy);
	return 0;
}

int
mapdelta_in_order(const char *name, const char *text, size_t len)
{
	int dm = by_domain(name);
	const char *prev = NULL;
	size_t pos = 0, pk = 0;

	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n, k;

		if (nl == NULL)
			return 0;
		n = (size_t)(nl - l);
		k = mapdelta_keylen(name, l, n);
		if (prev != NULL && order_cmp(dm, prev, pk, l, k) >= 0)
			return 0;
		prev = l;
		pk = k;
		pos += n + 1;
	}
	return 1;
}
