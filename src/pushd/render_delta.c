/* SPDX-License-Identifier: ISC */
/*
 * render_delta.c - a guest's files from the change log and the files of
 * the generation it serves.  See render_delta.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mapdelta.h"
#include "render_delta.h"
#include "store.h"

/* The keys the log names, owned. */
struct keys {
	struct render_key *v;
	size_t n, cap;
	int all;		/* a change of anything */
};

static int
oom(struct hk_err *err)
{
	return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
}

static int
key_add(struct keys *k, const char *domain, const char *local,
	struct hk_err *err)
{
	char *d, *l = NULL;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct render_key *v = realloc(k->v, cap * sizeof(*v));

		if (v == NULL)
			return oom(err);
		k->v = v;
		k->cap = cap;
	}
	if ((d = strdup(domain)) == NULL ||
	    (local != NULL && (l = strdup(local)) == NULL)) {
		free(d);
		return oom(err);
	}
	k->v[k->n].domain = d;
	k->v[k->n++].local_part = l;
	return 0;
}

static void
keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free((char *)k->v[i].domain);
		free((char *)k->v[i].local_part);
	}
	free(k->v);
}

static int
logged(void *ctx, const char *domain, const char *local, struct hk_err *err)
{
	struct keys *k = ctx;

	if (strcmp(domain, STORE_CHANGE_ALL) == 0) {
		k->all = 1;
		return 0;
	}
	return key_add(k, domain, local, err);
}

/* For alias domain rows of one domain: the same key in each. */
struct widen {
	struct keys *k;
	const char *local;
};

static int
alias_domain_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct widen *w = ctx;

	return key_add(w->k, row->vals[0], w->local, err);
}

/* Each key again in each alias domain of its domain. */
static int
widen(struct db *db, struct keys *k, struct hk_err *err)
{
	size_t n = k->n;

	for (size_t i = 0; i < n; i++) {
		struct widen w = { k, k->v[i].local_part };
		struct db_param p[1] = { DB_TXT(k->v[i].domain) };

		if (db_query(db, "SELECT x.name FROM alias_domain x JOIN domain "
			     "t ON t.id = x.target_domain_id WHERE t.name = $1",
			     p, 1, alias_domain_row, &w, NULL, err) < 0)
			return -1;
	}
	return 0;
}

/* By domain, a whole domain before its addresses, then local part. */
static int
key_cmp(const void *a, const void *b)
{
	const struct render_key *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);

	if (c != 0)
		return c;
	if (x->local_part == NULL || y->local_part == NULL)
		return (x->local_part != NULL) - (y->local_part != NULL);
	return strcmp(x->local_part, y->local_part);
}

/* Sorted, each once, no address of a whole domain. */
static void
normalize(struct keys *k)
{
	size_t o = 0;

	if (k->n == 0)
		return;
	qsort(k->v, k->n, sizeof(*k->v), key_cmp);
	for (size_t i = 0; i < k->n; i++) {
		const struct render_key *last = o ? &k->v[o - 1] : NULL;

		if (last != NULL && strcmp(last->domain, k->v[i].domain) == 0 &&
		    (last->local_part == NULL || key_cmp(last, &k->v[i]) == 0)) {
			free((char *)k->v[i].domain);
			free((char *)k->v[i].local_part);
			continue;
		}
		k->v[o++] = k->v[i];
	}
	k->n = o;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "=" and "-" edits, which every keyed file shares: domains, then
 * addresses, each in byte order. */
static int
drops(const struct keys *k, struct strbuf *out, struct hk_err *err)
{
	char **addr = calloc(k->n ? k->n : 1, sizeof(*addr));
	size_t na = 0;
	int bad = addr == NULL;

	for (size_t i = 0; !bad && i < k->n; i++) {
		struct strbuf a;

		if (k->v[i].local_part == NULL) {
			bad = strbuf_printf(out, "=%s\n", k->v[i].domain) < 0;
			continue;
		}
		strbuf_init(&a, 0);
		bad = strbuf_printf(&a, "%s@%s", k->v[i].local_part,
				    k->v[i].domain) < 0;
		addr[na++] = a.data;
	}
	if (!bad)
		qsort(addr, na, sizeof(*addr), str_cmp);
	for (size_t i = 0; !bad && i < na; i++)
		bad = strbuf_printf(out, "-%s\n", addr[i]) < 0;
	for (size_t i = 0; addr != NULL && i < na; i++)
		free(addr[i]);
	free(addr);
	return bad ? oom(err) : 0;
}

/* The edits e of bucketed file i made to the base's buckets they
 * reach. */
static int
edit_buckets(int i, const struct strbuf *e, const struct served *base,
	     struct render_delta *d, struct hk_err *err)
{
	const char *name = bundle_names[i];
	const struct served_buckets *was = base->bk[i];
	struct served_buckets *now, *eb = served_buckets_new();
	int rc;

	if (eb == NULL || was == NULL ||
	    (now = d->bk[i] = served_buckets_new()) == NULL) {
		served_buckets_free(eb);
		return was == NULL ? hk_fail(err, HK_EINTERNAL, name, "the "
					     "base holds no buckets of %s",
					     name) : oom(err);
	}
	rc = bucket_split_edits(name, strbuf_str(e), e->len, eb->b,
				now->touched, err);
	for (int b = 0; rc == 0 && b < bucket_count(name); b++) {
		if (!now->touched[b])
			continue;
		rc = mapdelta_apply(name, strbuf_str(&was->b[b]), was->b[b].len,
				    strbuf_str(&eb->b[b]), eb->b[b].len,
				    &now->b[b], err);
		if (rc == 0)
			sha256_hex(strbuf_str(&now->b[b]), now->b[b].len,
				   now->sums[b]);
	}
	served_buckets_free(eb);
	return rc;
}

/* File i: the edits (the drops, then lines[] sorted, each as "+") made
 * to the base. */
static int
edit_file(int i, const struct strbuf *dropped, struct strbuf *lines,
	  const struct served *base, struct render_delta *d,
	  struct hk_err *err)
{
	const char *name = bundle_names[i];
	struct strbuf *e = &d->edits[i];
	size_t pos = 0;

	if (mapdelta_sort(name, lines->data, lines->len) < 0 ||
	    strbuf_append(e, dropped->data, dropped->len) < 0)
		return oom(err);
	while (pos < lines->len) {
		const char *l = lines->data + pos;
		size_t n = (size_t)((char *)memchr(l, '\n', lines->len - pos) - l);

		if (strbuf_puts(e, "+") < 0 || strbuf_append(e, l, n + 1) < 0)
			return oom(err);
		pos += n + 1;
	}
	if (bucket_file(name))
		return edit_buckets(i, e, base, d, err);
	return mapdelta_apply(name, strbuf_str(&base->files[i]),
			      base->files[i].len, strbuf_str(e), e->len,
			      &d->files.files[i], err);
}

/* What the log names, read in the caller's transaction. */
static int
read_keys(struct db *db, int64_t guest_id, int64_t base_gen,
	  struct render_delta *d, struct keys *k, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };

	if (db_query_int(db, "SELECT desired_gen FROM guest WHERE id = $1", p,
			 1, &d->files.generation, err) < 0 ||
	    store_change_list(db, guest_id, base_gen, d->files.generation,
			      logged, k, err) < 0)
		return -1;
	if (k->all)
		return 0;
	if (widen(db, k, err) < 0)
		return -1;
	normalize(k);
	return 0;
}

static int
make_files(const struct keys *k, struct render_out *lines,
	   const struct served *base, struct render_delta *d,
	   struct hk_err *err)
{
	struct strbuf dropped;
	int rc;

	strbuf_init(&dropped, 0);
	rc = drops(k, &dropped, err);
	for (int i = 0; rc == 0 && bundle_names[i] != NULL; i++) {
		if (mapdelta_keyed(bundle_names[i])) {
			rc = edit_file(i, &dropped, &lines->files[i], base, d,
				       err);
			continue;
		}
		strbuf_free(&d->files.files[i]);
		d->files.files[i] = lines->files[i];	/* taken */
		strbuf_init(&lines->files[i], 0);
	}
	strbuf_free(&dropped);
	return rc;
}

int
render_delta(struct db *db, int64_t guest_id, int64_t base_gen,
	     const struct render_opts *opts, const struct served *base,
	     struct render_delta *d, struct hk_err *err)
{
	struct render_out lines;
	struct keys k = { NULL, 0, 0, 0 };
	int rc;

	memset(d, 0, sizeof(*d));
	memset(&lines, 0, sizeof(lines));
	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		strbuf_init(&d->files.files[i], BUNDLE_MAX_SIZE / 2);
		strbuf_init(&d->edits[i], BUNDLE_MAX_SIZE / 2);
	}
	if (db_begin(db, 0, err) < 0)
		return -1;
	rc = read_keys(db, guest_id, base_gen, d, &k, err);
	if (rc == 0 && !k.all)
		rc = render_guest_keys(db, guest_id, opts, k.v, k.n, &lines,
				       err);
	db_rollback(db);	/* read-only: nothing to commit */
	d->whole = k.all;
	if (rc == 0 && !k.all)
		rc = make_files(&k, &lines, base, d, err);
	render_out_free(&lines);
	keys_free(&k);
	return rc;
}

size_t
render_delta_len(const struct render_delta *d, const struct served *base,
		 int i)
{
	const struct served_buckets *now = d->bk[i], *was = base->bk[i];
	size_t n = 0;

	if (!bucket_file(bundle_names[i]))
		return d->files.files[i].len;
	for (int b = 0; was != NULL && b < BUCKETS; b++)
		n += now != NULL && now->touched[b] ? now->b[b].len :
		    was->b[b].len;
	return n;
}

void
render_delta_bucket_sum(const struct render_delta *d,
			const struct served *base, int i, char out[65])
{
	const struct served_buckets *now = d->bk[i], *was = base->bk[i];
	char sums[BUCKETS][65];

	for (int b = 0; was != NULL && b < BUCKETS; b++)
		memcpy(sums[b], now != NULL && now->touched[b] ? now->sums[b] :
		       was->sums[b], 65);
	if (was == NULL)
		out[0] = '\0';	/* never a checksum */
	else
		bucket_sum_of(bundle_names[i], sums, out);
}

/* The touched buckets of now moved into was. */
static void
buckets_onto(struct served_buckets *now, struct served_buckets *was)
{
	for (int b = 0; now != NULL && was != NULL && b < BUCKETS; b++) {
		if (!now->touched[b])
			continue;
		strbuf_free(&was->b[b]);
		was->b[b] = now->b[b];
		strbuf_init(&now->b[b], 0);
		memcpy(was->sums[b], now->sums[b], 65);
	}
}

void
render_delta_onto(struct render_delta *d, struct served *base,
		  char sums[][65])
{
	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		if (base->bk[i] != NULL) {
			buckets_onto(d->bk[i], base->bk[i]);
			continue;
		}
		strbuf_free(&base->files[i]);
		base->files[i] = d->files.files[i];
		strbuf_init(&d->files.files[i], 0);
	}
	memcpy(base->sums, sums, sizeof(base->sums));
	base->generation = d->files.generation;
}

void
render_delta_free(struct render_delta *d)
{
	render_out_free(&d->files);
	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		strbuf_free(&d->edits[i]);
		served_buckets_free(d->bk[i]);
		d->bk[i] = NULL;
	}
}
