/* SPDX-License-Identifier: ISC */
/*
 * pfa_src.c - a PostfixAdmin database read through the backend its URL
 * names (pfa_src_sqlite.c, pfa_src_pgsql.c, pfa_src_mysql.c).  See
 * pfa_src.h.
 *
 * The URL is split here once (struct pfa_url), and the password found
 * in it (the user's part, and a postgresql:// URL's password=
 * parameters) is kept aside: every backend failure is worded again as
 * pfa_unreadable with each such secret replaced by "***", since a
 * library may quote what it could not parse (libpq does, a malformed
 * percent-escape say) or a server what it refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "pfa_src_backend.h"
#include "strbuf.h"

#define SECRETS_MAX	8
#define SECRET_PIECE	4	/* a fragment of a password this long is one */

struct pfa_src {
	const struct pfa_backend *be;
	void *conn;
	char *shown;
	int nsecret;
	char secret[SECRETS_MAX][PFA_PART_MAX];
};

static const struct pfa_backend *const backends[] = {
	&pfa_backend_sqlite,
	&pfa_backend_pgsql,
	&pfa_backend_mysql,
	NULL
};

static const struct pfa_backend *
find_backend(const char *url)
{
	const char *colon = strchr(url, ':');
	size_t n = colon ? (size_t)(colon - url) : 0;

	for (int i = 0; colon != NULL && backends[i] != NULL; i++)
		for (int k = 0; k < 2 && backends[i]->schemes[k]; k++)
			if (strncmp(url, backends[i]->schemes[k], n) == 0 &&
			    backends[i]->schemes[k][n] == '\0')
				return backends[i];
	return NULL;
}

/* --- the URL's parts --- */

/* s[0..n) percent-decoded into out[PFA_PART_MAX]; NULL, or why not. */
static const char *
decode(const char *s, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi = i + 2 < n ? hex_value((unsigned char)s[i + 1])
			    : -1;

			c = hi < 0 ? -1 : hex_value((unsigned char)s[i + 2]);
			if (c < 0)
				return "a malformed percent-escape";
			c |= hi << 4;
			if (c == 0)
				return "a percent-escaped NUL (%00)";
			i += 2;
		}
		if (k + 1 >= PFA_PART_MAX)
			return "a part longer than 511 bytes";
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return NULL;
}

/* s[0..n) as written into out[size]; NULL, or why not. */
static const char *
copy_part(const char *s, size_t n, char *out, size_t size)
{
	if (n >= size)
		return "a part longer than 511 bytes";
	memcpy(out, s, n);
	out[n] = '\0';
	return NULL;
}

/* HOST[:PORT] of [a, end): an IPv6 address in brackets, without them. */
static const char *
split_host(const char *a, const char *end, struct pfa_url *u)
{
	const char *colon;

	if (*a == '[') {
		const char *close = memchr(a, ']', (size_t)(end - a));

		if (close == NULL || (close + 1 != end && close[1] != ':'))
			return "a malformed [address]";
		colon = close + 1 == end ? NULL : close + 1;
		if (copy_part(a + 1, (size_t)(close - a - 1), u->host,
			      sizeof(u->host)))
			return "a host longer than 511 bytes";
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		if (copy_part(a, (size_t)((colon ? colon : end) - a), u->host,
			      sizeof(u->host)))
			return "a host longer than 511 bytes";
	}
	if (colon != NULL && copy_part(colon + 1, (size_t)(end - colon - 1),
				       u->port, sizeof(u->port)))
		return "a malformed port";
	return NULL;
}

/* //[USER[:PASS]@]HOST[:PORT][/PATH][?QUERY] of a (after the scheme). */
static const char *
split_authority(const char *a, struct pfa_url *u)
{
	const char *at = strrchr(a, '@'), *host = at ? at + 1 : a;
	const char *end = host + strcspn(host, "/?"), *why = NULL;
	const char *path_end = end + strcspn(end, "?");

	if (at != NULL) {
		const char *colon = memchr(a, ':', (size_t)(at - a));

		u->has_user = 1;
		u->has_pass = colon != NULL;
		why = decode(a, (size_t)((colon ? colon : at) - a), u->user);
		if (why == NULL && colon != NULL)
			why = decode(colon + 1, (size_t)(at - colon - 1),
				     u->pass);
	}
	if (why == NULL)
		why = split_host(host, end, u);
	if (why == NULL && *end == '/')
		why = decode(end + 1, (size_t)(path_end - end - 1), u->path);
	if (why == NULL && *path_end == '?') {
		u->has_query = 1;
		why = copy_part(path_end + 1, strlen(path_end + 1), u->query,
				sizeof(u->query));
	}
	return why;
}

static void
split_url(const char *url, struct pfa_url *u)
{
	const char *rest = strchr(url, ':') + 1;

	u->url = url;
	if (strncmp(rest, "//", 2) == 0) {
		u->authority = 1;
		u->bad = split_authority(rest + 2, u);
	} else {
		u->bad = copy_part(rest, strlen(rest), u->path,
				   sizeof(u->path));
	}
}

/* --- passwords: masked in what is shown, scrubbed from what fails --- */

static void
add_secret(struct pfa_src *src, const char *s, size_t n)
{
	if (n == 0 || n >= PFA_PART_MAX || src->nsecret == SECRETS_MAX)
		return;
	for (int i = 0; i < src->nsecret; i++)
		if (strlen(src->secret[i]) == n &&
		    memcmp(src->secret[i], s, n) == 0)
			return;
	memcpy(src->secret[src->nsecret], s, n);
	src->secret[src->nsecret++][n] = '\0';
}

/* A password as written at s[0..n): itself, decoded, and the pieces a
 * library might quote alone after splitting the URL otherwise than we
 * did (at an '@', a '/' or a ':' left unencoded). */
static void
add_password(struct pfa_src *src, const char *s, size_t n)
{
	char dec[PFA_PART_MAX];

	add_secret(src, s, n);
	if (decode(s, n, dec) == NULL)
		add_secret(src, dec, strlen(dec));
	for (size_t i = 0, k; i < n; i += k + 1) {
		k = strcspn(s + i, "@/:?#&,");
		k = k > n - i ? n - i : k;
		if (k >= SECRET_PIECE && k < n)
			add_secret(src, s + i, k);
	}
}

/* Marks in m[] the password of url: after the user's ':' up to the last
 * '@', and the value of every password= parameter. */
static void
mark_passwords(const char *url, char *m)
{
	const char *rest = strchr(url, ':') + 1, *at, *colon, *p;

	if (strncmp(rest, "//", 2) != 0)
		return;
	if ((at = strrchr(rest, '@')) != NULL &&
	    (colon = memchr(rest + 2, ':', (size_t)(at - rest - 2))) != NULL)
		memset(m + (colon + 1 - url), 1, (size_t)(at - colon - 1));
	for (p = strchr(rest, '?'); p != NULL; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, "password=", 9) == 0)
			memset(m + (p + 10 - url), 1, strcspn(p + 10, "&"));
}

/* src->shown (each password as "***") and src->secret[] from the URL. */
static int
mask_url(struct pfa_src *src, const char *url)
{
	size_t len = strlen(url), i = 0, k;
	char *m = calloc(1, len + 1);
	struct strbuf sb;

	if (m == NULL)
		return -1;
	mark_passwords(url, m);
	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "");
	while (i < len) {
		for (k = i; k < len && m[k] == m[i]; k++)
			;
		if (m[i]) {
			add_password(src, url + i, k - i);
			strbuf_puts(&sb, "***");
		} else {
			strbuf_append(&sb, url + i, k - i);
		}
		i = k;
	}
	free(m);
	if (sb.overflow) {
		strbuf_free(&sb);
		return -1;
	}
	src->shown = sb.data;
	return 0;
}

/* Each secret in s[size] replaced by "***". */
static void
scrub(const struct pfa_src *src, char *s, size_t size)
{
	for (int i = 0; i < src->nsecret; i++) {
		const char *sec = src->secret[i], *p = s, *hit;
		size_t n = strlen(sec);
		struct strbuf sb;

		if (strstr(s, sec) == NULL)
			continue;
		strbuf_init(&sb, 0);
		while ((hit = strstr(p, sec)) != NULL) {
			strbuf_append(&sb, p, (size_t)(hit - p));
			strbuf_puts(&sb, "***");
			p = hit + n;
		}
		strbuf_puts(&sb, p);
		/* on a failed allocation: nothing of s is kept */
		snprintf(s, size, "%s", sb.overflow ? "(out of memory)" :
			 strbuf_str(&sb));
		strbuf_free(&sb);
	}
}

/* After a backend failed: its own words, without a password, under
 * pfa_unreadable; a URL it refused is already worded (pfa_url). */
static int
reword(const struct pfa_src *src, struct hk_err *err)
{
	char detail[sizeof(err->message)];

	if (err == NULL)
		return -1;
	if (err->reason != HK_R_none) {
		for (int i = 0; i < err->nparams; i++)
			scrub(src, err->params[i].value,
			      sizeof(err->params[i].value));
		scrub(src, err->message, sizeof(err->message));
		return -1;
	}
	snprintf(detail, sizeof(detail), "%s", err->message);
	scrub(src, detail, sizeof(detail));
	return hk_failr(err, HK_EUNAVAIL, "from", HK_R_pfa_unreadable, "url",
			src->shown, "detail", detail, NULL);
}

/* --- the interface --- */

struct pfa_src *
pfa_src_open(const char *url, struct hk_err *err)
{
	const struct pfa_backend *be = find_backend(url);
	struct pfa_src *src;
	struct pfa_url *u;

	if (be == NULL) {
		/* no scheme, no password found: shown only without an '@' */
		hk_failr(err, HK_EINVAL, "from", HK_R_pfa_url, "url",
			 strchr(url, '@') ? "the URL" : url, "detail",
			 "no known scheme", NULL);
		return NULL;
	}
	src = calloc(1, sizeof(*src));
	u = calloc(1, sizeof(*u));
	if (src == NULL || u == NULL || mask_url(src, url) < 0) {
		free(src);
		free(u);
		hk_fail(err, HK_EINTERNAL, "from", "out of memory");
		return NULL;
	}
	src->be = be;
	split_url(url, u);
	u->shown = src->shown;
	src->conn = be->open(u, err);
	explicit_bzero(u, sizeof(*u));
	free(u);
	if (src->conn == NULL) {
		reword(src, err);
		pfa_src_close(src);
		return NULL;
	}
	return src;
}

/* The caller's fn, and whether it was what stopped the query. */
struct relay {
	pfa_row_fn fn;
	void *ctx;
	int stopped;
};

static int
relay_row(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	struct relay *r = ctx;
	int rc = r->fn(r->ctx, vals, n, err);

	r->stopped = rc != 0;
	return rc;
}

int
pfa_src_query(struct pfa_src *src, const char *sql, pfa_row_fn fn,
	      void *ctx, struct hk_err *err)
{
	struct relay r = { fn, ctx, 0 };
	int rc = src->be->query(src->conn, sql, relay_row, &r, err);

	if (rc != 0 && !r.stopped)
		return reword(src, err);
	return rc;
}

int
pfa_src_has_table(struct pfa_src *src, const char *table,
		  struct hk_err *err)
{
	int rc = src->be->has_table(src->conn, table, err);

	return rc < 0 ? reword(src, err) : rc;
}

const char *
pfa_src_kind(const struct pfa_src *src)
{
	return src->be->kind;
}

const char *
pfa_src_url_shown(const struct pfa_src *src)
{
	return src->shown;
}

void
pfa_src_close(struct pfa_src *src)
{
	if (src == NULL)
		return;
	if (src->conn != NULL)
		src->be->close(src->conn);
	free(src->shown);
	explicit_bzero(src->secret, sizeof(src->secret));
	free(src);
}
