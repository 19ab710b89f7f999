/* SPDX-License-Identifier: ISC */
/*
 * store_import.c - what a bulk import asks of the store, row by row inside
 * the import's one transaction (import.c): whether an address is
 * taken, the limits and usage of a project and a domain read once, and
 * plain inserts and updates.  Unlike store_mailbox_add() these neither
 * audit nor mark the guest dirty per row: the import writes one audit
 * entry and bumps each affected guest once (store_guest_bump_ids).
 * See store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "store.h"

int
store_import_lookup(struct db *db, const struct domain_ref *ref,
		    const char *local, struct import_taken *t,
		    struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(ref->id), DB_TXT(local) };
	int64_t v[3];

	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM mailbox WHERE "
			  "domain_id = $1 AND local_part = $2), (SELECT "
			  "COUNT(*) FROM alias WHERE domain_id = $1 AND "
			  "local_part = $2), (SELECT COALESCE(MAX(quota_bytes),"
			  " 0) FROM mailbox WHERE domain_id = $1 AND "
			  "local_part = $2)", p, 2, v, 3, err) < 0)
		return -1;
	t->mailbox = v[0] > 0;
	t->alias = v[1] > 0;
	t->quota_bytes = v[2];
	return 0;
}

int
store_import_usage(struct db *db, const struct domain_ref *ref,
		   struct import_usage *u, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(ref->project_id), DB_INTV(ref->id) };
	int64_t v[7];

	if (db_query_ints(db, "SELECT p.max_mailboxes, (SELECT COUNT(*) FROM "
			  "mailbox m JOIN domain d ON d.id = m.domain_id WHERE "
			  "d.project_id = $1), p.max_storage_bytes, "
			  STORE_STORAGE_USED("$1") ", x.max_mailboxes, (SELECT "
			  "COUNT(*) FROM mailbox WHERE domain_id = $2), "
			  "x.default_quota_bytes FROM project p, domain x WHERE "
			  "p.id = $1 AND x.id = $2", p, 2, v, 7, err) < 0)
		return -1;
	u->project_max = v[0];
	u->project_mailboxes = v[1];
	u->storage_max = v[2];
	u->storage = v[3];
	u->domain_max = v[4];
	u->domain_mailboxes = v[5];
	u->default_quota = v[6];
	return 0;
}

int
store_import_alias_put(struct db *db, const struct domain_ref *ref,
		       const char *local, const char *destinations,
		       int active, int update, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(ref->id), DB_TXT(local),
				 DB_TXT(destinations), DB_INTV(active),
				 DB_INTV((int64_t)time(NULL)) };

	if (update)
		return db_exec(db, "UPDATE alias SET destinations = $3, active "
			       "= CASE WHEN $4 < 0 THEN active ELSE $4 END WHERE"
			       " domain_id = $1 AND local_part = $2", p, 4, NULL,
			       err);
	return db_exec(db, "INSERT INTO alias (domain_id, local_part, "
		       "destinations, active, created_at) VALUES ($1, $2, $3, "
		       "CASE WHEN $4 < 0 THEN 1 ELSE $4 END, $5)", p, 5, NULL,
		       err);
}

/* --- every taken address of a domain, for a large file --- */

struct taken_load {
	struct import_taken_set *set;
	size_t cap;
};


static int
take_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct taken_load *tl = ctx;
	struct import_taken_set *s = tl->set;

	if (s->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 1024;
		void *v = realloc(s->h, cap * sizeof(*s->h));

		if (v == NULL)
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
		s->h = v;
		tl->cap = cap;
	}
	s->h[s->n++] = fnv1a(FNV1A_START, row->vals[0]);
	return 0;
}

static int
by_hash(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
store_import_taken_all(struct db *db, const struct domain_ref *ref,
		       struct import_taken_set *set, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(ref->id) };
	struct taken_load tl = { set, 0 };

	memset(set, 0, sizeof(*set));
	if (db_query(db, "SELECT local_part FROM mailbox WHERE domain_id = $1 "
		     "UNION ALL SELECT local_part FROM alias WHERE domain_id = "
		     "$1", p, 1, take_row, &tl, NULL, err) < 0) {
		store_import_taken_free(set);
		return -1;
	}
	if (set->n > 1)	/* (an empty domain: no array at all) */
		qsort(set->h, set->n, sizeof(*set->h), by_hash);
	return 0;
}

int
store_import_taken_maybe(const struct import_taken_set *set,
			 const char *local)
{
	uint64_t h = fnv1a(FNV1A_START, local);
	size_t lo = 0, hi = set->n;

	while (lo < hi) {	/* the first entry not below h */
		size_t mid = lo + (hi - lo) / 2;

		if (set->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < set->n && set->h[lo] == h;
}

void
store_import_taken_free(struct import_taken_set *set)
{
	free(set->h);
	memset(set, 0, sizeof(*set));
}

/* --- new mailboxes, many at a time: db_copy (COPY on PostgreSQL, one
 * prepared INSERT stepped row by row on SQLite: each backend's fastest
 * bulk path; a multi-row INSERT ran at a tenth of COPY's speed) --- */

static const char *const mailbox_cols[] = {
	"domain_id", "local_part", "password_hash", "name", "quota_bytes",
	"active", "created_at", "updated_at"
};

struct batch_rows {
	const struct import_batch *b;
	int64_t now;
};

static int
batch_row(void *ctx, size_t i, struct db_param *v, struct hk_err *err)
{
	const struct batch_rows *br = ctx;
	const struct mailbox_in *in = &br->b->in[i];

	(void)err;
	v[0] = DB_INTV(br->b->domain_id[i]);
	v[1] = DB_TXT(in->local_part);
	v[2] = DB_TXT(in->password_hash);
	v[3] = DB_TXT(in->name != NULL ? in->name : "");
	v[4] = DB_INTV(in->quota_bytes);
	v[5] = DB_INTV(in->active);
	v[6] = DB_INTV(br->now);
	v[7] = DB_INTV(br->now);
	return 0;
}

int
store_import_batch_flush(struct db *db, struct import_batch *b,
			 struct hk_err *err)
{
	struct batch_rows br = { b, (int64_t)time(NULL) };
	int rc;

	if (b->n == 0)
		return 0;
	rc = db_copy(db, "mailbox", mailbox_cols,
		     (int)(sizeof(mailbox_cols) / sizeof(mailbox_cols[0])),
		     (size_t)b->n, batch_row, &br, err);
	b->n = 0;
	return rc;
}

int
store_import_batch_add(struct db *db, struct import_batch *b,
		       const struct domain_ref *ref,
		       const struct mailbox_in *in, struct hk_err *err)
{
	b->domain_id[b->n] = ref->id;
	b->in[b->n++] = *in;
	return b->n == IMPORT_BATCH ? store_import_batch_flush(db, b, err) : 0;
}
