/* SPDX-License-Identifier: ISC */
/*
 * fuzz_api_snap.c - fuzz_api's measure of "nothing written": an
 * order-independent digest of the whole database (see fuzz_api.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_api.h"
#include "fuzz_common.h"

/*
 * What requests write on purpose even when they are refused, unaudited
 * (column NULL: the whole table).  V_IGNORE: changes no later answer, so
 * it is left out of the snapshot.  V_RESET: may change later answers, so a
 * change of it is allowed but resets the database, to keep every input's
 * outcome independent of the ones before it.
 */
enum vkind { V_NONE, V_IGNORE, V_RESET };
static const struct {
	const char *table, *column;
	enum vkind kind;
} volatile_cols[] = {
	/* a key's last use, noted when it authenticates (store_apikey_auth)
	 * before the route or the body is looked at; once a minute */
	{ "api_key", "last_used_at", V_IGNORE },
	/* failed logins, counted by the refusal itself: the throttle that
	 * answers 429 later */
	{ "login_throttle", NULL, V_RESET },
	/* a session's last use (its idle timeout) */
	{ "session", "last_seen_at", V_RESET },
	/* an import's job: queued by the upload, ended by the import, whose
	 * own rows carry their audit entry */
	{ "import_job", NULL, V_RESET },
	{ NULL, NULL, V_NONE }
};

/* A snapshot (fuzz_api.h) takes half a millisecond under ASan, as long as
 * the request itself, so it is taken only when SQLite's total_changes()
 * moved (fz_snapshot). */

/* A row's hash is mixed before it is summed, so that rows do not cancel
 * out by simple coincidences of their FNV values. */
static uint64_t
mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* How column (NULL: the table as a whole) of table is volatile. */
static enum vkind
vkind(const char *table, const char *column)
{
	for (int i = 0; volatile_cols[i].table; i++)
		if (strcmp(volatile_cols[i].table, table) == 0 &&
		    (volatile_cols[i].column == NULL ? column == NULL :
		     column && strcmp(volatile_cols[i].column, column) == 0))
			return volatile_cols[i].kind;
	return V_NONE;
}

struct digest_ctx {
	const char *table;
	struct snap *s;
};

/* The one column whose text may hold line breaks and tabs: a vacation
 * reply's (sieve_script.h). */
static int
text_break(const char *table, const char *column, char c)
{
	return (c == '\r' || c == '\n' || c == '\t') &&
	    strcmp(table, "mailbox_sieve") == 0 &&
	    strcmp(column, "vacation_text") == 0;
}

static int
digest_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct digest_ctx *d = ctx;
	enum vkind whole = vkind(d->table, NULL);
	uint64_t h = fnv(FZ_FNV_BASIS, d->table,
			 strlen(d->table) + 1), vh = h;
	int has_reset = 0;

	(void)err;
	for (int i = 0; i < row->ncols; i++) {
		const char *v = row->vals[i] ? row->vals[i] : "";
		enum vkind k = whole ? whole : vkind(d->table, row->names[i]);
		uint64_t *hp = k == V_RESET ? &vh : &h;

		if (k == V_IGNORE)
			continue;
		has_reset |= k == V_RESET;
		*hp = fnv(*hp, row->names[i], strlen(row->names[i]) + 1);
		*hp = fnv(*hp, row->vals[i] ? "v" : "n", 1);
		*hp = fnv(*hp, v, strlen(v) + 1);
		for (const char *p = v; k == V_NONE && *p; p++)
			if (((unsigned char)*p < 0x20 || *p == 0x7f) &&
			    !text_break(d->table, row->names[i], *p))
				d->s->ctl++;
	}
	if (whole == V_NONE) {
		d->s->digest += mix(h);
		d->s->rows++;
	}
	if (has_reset) {
		d->s->vdigest += mix(vh);
		d->s->vrows++;
	}
	return 0;
}

/*
 * The database after the request "what" (cur NULL: in full, after the
 * setup or a reset; cur: the snapshot before it).  SQLite's total_changes() counts every row that an INSERT,
 * UPDATE or DELETE of this connection wrote, committed or rolled back,
 * triggers and foreign-key actions included; while it stands still
 * nothing can have changed, and the last snapshot stands.  Fails if the
 * request left a transaction open: BEGIN would not.
 */
void
fz_snapshot(struct snap *s, const struct snap *cur, const char *what)
{
	struct hk_err err;
	char sql[128];
	int64_t v[2], changes;

	if (db_begin(fzdb.db, 0, &err) < 0)
		fail_now("INVARIANT BROKEN: %s left a transaction open (%s)",
			 what, err.message);
	if (db_query_int(fzdb.db, "SELECT total_changes()", NULL, 0, &changes,
			 &err) < 0)
		fail_now("total_changes(): %s", err.message);
	if (cur != NULL && changes == cur->changes) {
		db_rollback(fzdb.db);
		*s = *cur;
		return;
	}
	memset(s, 0, sizeof(*s));
	s->changes = changes;
	for (int i = 0; i < fzdb.ntables; i++) {
		struct digest_ctx d = { fzdb.tables[i], s };

		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
			 fzdb.tables[i]);
		if (db_query(fzdb.db, sql, NULL, 0, digest_row, &d, NULL,
			     &err) < 0)
			fail_now("after %s: reading %s: %s", what, fzdb.tables[i], err.message);
	}
	if (db_query_ints(fzdb.db, "SELECT COUNT(*), COALESCE(MAX(id), 0) "
			  "FROM audit", NULL, 0, v, 2, &err) < 0)
		fail_now("after %s: reading audit: %s", what, err.message);
	db_rollback(fzdb.db);
	s->audit = v[0];
	s->audit_max = v[1];
}

/* Whether the data (volatile_cols[] aside) is the same. */
int
fz_snap_same(const struct snap *a, const struct snap *b)
{
	return a->digest == b->digest && a->rows == b->rows &&
	    a->ctl == b->ctl && a->audit == b->audit &&
	    a->audit_max == b->audit_max;
}

/* Whether nothing but V_IGNORE columns changed. */
int
fz_snap_unchanged(const struct snap *a, const struct snap *b)
{
	return fz_snap_same(a, b) && a->vdigest == b->vdigest && a->vrows == b->vrows;
}
