/* SPDX-License-Identifier: ISC */
/*
 * import_dests.c - an alias file's destinations held to the rule a single
 * alias is held to (store_alias.c): a destination in one of the project's
 * own domains or alias domains that names nothing there, while that
 * domain has no catch-all, would bounce and is refused.  What "names
 * something" means here adds the file itself: an address (or a catch-all)
 * another good row of the file defines counts as it will be once written,
 * wherever that row stands.  See import_ctx.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "import_ctx.h"

#define DEST_CACHE	256	/* destination domains remembered */

/* A destination domain as the database answered for one project. */
struct dest_dom {
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	int64_t project_id;
	int64_t id;		/* -1: none of the project's */
	int dom;		/* its index in c->doms, or -1 */
};

struct dests {
	struct ictx *c;
	uint32_t *slot;		/* row index + 1 of the file's good rows */
	size_t size;
	struct dest_dom cache[DEST_CACHE];
	int ncache;
};

static uint64_t
key_hash(int dom, const char *local)
{
	char d[16];

	snprintf(d, sizeof(d), "%d@", dom);
	return fnv1a(fnv1a(FNV1A_START, d), local);
}

/* Whether a good row of the file is local@(c->doms[dom]), or the slot
 * where it would be. */
static size_t
find(const struct dests *s, int dom, const char *local, int *found)
{
	size_t k = key_hash(dom, local) & (s->size - 1);

	char other[MAPSYNTAX_LOCAL_MAX + 1];

	for (; s->slot[k] != 0; k = (k + 1) & (s->size - 1)) {
		const struct mrow *r = &s->c->rows[s->slot[k] - 1];

		if (r->dom != dom)
			continue;
		import_local(s->c, r, other);
		if (strcmp(other, local) == 0)
			return *found = 1, k;
	}
	return *found = 0, k;
}

/* The file's good rows whose domain exists, by domain and local part. */
static int
index_rows(struct dests *s)
{
	struct ictx *c = s->c;
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	int found;

	s->size = 64;
	while (s->size < 2 * c->n)
		s->size *= 2;
	if ((s->slot = calloc(s->size, sizeof(*s->slot))) == NULL)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		const struct mrow *r = &c->rows[i];
		size_t k;

		if (r->bad || r->dom < 0 || !c->doms[r->dom].found)
			continue;
		import_local(c, r, local);
		k = find(s, r->dom, local, &found);
		if (!found)
			s->slot[k] = (uint32_t)(i + 1);
	}
	return 0;
}

/* The destination domain for a project, asked once (up to DEST_CACHE
 * of them; past that, every time). */
static int
dest_domain(struct dests *s, int64_t project_id, const char *name,
	    struct dest_dom *out, struct hk_err *err)
{
	struct ictx *c = s->c;

	for (int i = 0; i < s->ncache; i++)
		if (s->cache[i].project_id == project_id &&
		    strcmp(s->cache[i].name, name) == 0)
			return *out = s->cache[i], 0;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->project_id = project_id;
	out->dom = -1;
	if (store_alias_dest_domain(c->db, project_id, name, &out->id,
				    err) < 0)
		return -1;
	for (int k = 0; out->id >= 0 && k < c->ndoms; k++)
		if (c->doms[k].found && c->doms[k].ref.id == out->id)
			out->dom = k;
	if (s->ncache < DEST_CACHE)
		s->cache[s->ncache++] = *out;
	return 0;
}

/* 1 when local@d names nothing: not in the file, not in the database. */
static int
bounces(struct dests *s, const struct dest_dom *d, const char *local,
	struct hk_err *err)
{
	int found, rc;

	if (d->id < 0)
		return 0;
	if (d->dom >= 0) {
		(void)find(s, d->dom, local, &found);
		if (found)
			return 0;
		(void)find(s, d->dom, "", &found);
		if (found)
			return 0;
	}
	if ((rc = store_alias_dest_named(s->c->db, d->id, local, err)) < 0)
		return -1;
	return !rc;
}

/* Row r's destinations; a problem in "destinations" for the first that
 * would bounce.  -1 only on a database failure. */
static int
check_row(struct dests *s, struct mrow *r, struct strbuf *sb,
	  struct hk_err *err)
{
	struct ictx *c = s->c;
	int64_t project_id = c->doms[r->dom].ref.project_id;
	char addr[MAPSYNTAX_ADDRESS_MAX + 1];
	struct dest_dom d;
	struct hk_err e;
	const char *p;

	if (import_dests(c, r, sb, &e) < 0) {	/* (checked before) */
		import_refused(c, r, "destinations", &e);
		return 0;
	}
	p = strbuf_str(sb);

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");
		char *at;
		int rc;

		snprintf(addr, sizeof(addr), "%.*s", (int)n, p);
		p += n + (p[n] == ',');
		if ((at = strrchr(addr, '@')) == NULL)
			continue;
		*at = '\0';
		if (dest_domain(s, project_id, at + 1, &d, err) < 0 ||
		    (rc = bounces(s, &d, addr, err)) < 0)
			return -1;
		if (rc) {
			store_alias_dest_refuse(&e, addr, at + 1);
			import_refused(c, r, "destinations", &e);
			return 0;
		}
	}
	return 0;
}

/* One pass over the good rows: how many turned bad, or -1. */
static long
check_pass(struct dests *s, struct hk_err *err)
{
	struct ictx *c = s->c;
	size_t before = c->rep->invalid;
	struct strbuf sb;
	int rc = 0;

	free(s->slot);
	if (index_rows(s) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	strbuf_init(&sb, 0);
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct mrow *r = &c->rows[i];

		if (!r->bad && r->dom >= 0 && c->doms[r->dom].found)
			rc = check_row(s, r, &sb, err);
	}
	strbuf_free(&sb);
	return rc < 0 ? -1 : (long)(c->rep->invalid - before);
}

int
import_check_dests(struct ictx *c, struct hk_err *err)
{
	struct dests *s = calloc(1, sizeof(*s));
	long bad;

	if (s == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	s->c = c;
	/* Rows written past bad ones (skip_invalid) must not lean on them:
	 * again until no row turns bad.  Without it, one bad row is
	 * enough to write nothing, and its report is the first cause. */
	do
		bad = check_pass(s, err);
	while (bad > 0 && c->o->skip_invalid);
	free(s->slot);
	free(s);
	return bad < 0 ? -1 : 0;
}
