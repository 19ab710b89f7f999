/* SPDX-License-Identifier: ISC */
/*
 * store_search.c - which plan answers a substring search (q=) of a long
 * listing, mailboxes' or aliases', from the backend's trigram index
 * (migration 022, db_search()).  First the walk: the next search_walk
 * rows of the domain in order, tested as a scan tests them; when they
 * hold a page and one more, the page is the scan's (a fragment many rows
 * hold ends there, where the index would find most rows).  Else the
 * index gives candidates, the rows in any domain that may hold the
 * fragment; they are counted up to a bound (the count reads the index
 * alone, about 0.1 us each) and then:
 *  - few (at most search_few): the candidates themselves are fetched,
 *    tested by the listing's LIKE and sorted: a page costs what they
 *    are, not the domain's size;
 *  - many (at most search_many): the domain is walked in order, as a
 *    scan, a row tested only when it is a candidate (the ids read once
 *    into a temporary index): matches come often, and the page ends
 *    soon after its last;
 *  - more, or a fragment the index cannot answer (fewer than three
 *    characters: no trigram): the scan, the LIKE on each row in order.
 * Every plan tests the same LIKE, so each gives the scan's rows.
 * The writes do not index: store_search_upkeep() brings the index up
 * to date in batches, from pushd, and until then the rows it has not
 * seen are candidates of every search.  See store.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "store.h"

static long search_few = 3000, search_many = 30000, search_walk = 2000;

void
store_search_plans(long few, long many, long walk)
{
	search_few = few;
	search_many = many;
	search_walk = walk;
}

long
store_search_walk(const char *frag, struct db_param *p)
{
	if (search_walk <= 0 || !store_search_trigrams(frag))
		return 0;
	p[5] = DB_TXT("");
	p[6] = DB_INTV(search_walk);
	return search_walk;
}

int
store_search_trigrams(const char *frag)
{
	size_t chars = 0;

	for (; *frag != '\0' && chars < 3; frag++)
		chars += ((unsigned char)*frag & 0xc0) != 0x80;
	return chars >= 3;
}

int
store_search_plan(struct db *db, int kind, const char *frag,
		  struct db_param *p, char arg[DB_SEARCH_ARG_MAX],
		  struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	struct hk_err ignored;
	char sql[1024];
	int64_t found;
	int n;

	arg[0] = '\0';		/* (sent, unused, with a scan) */
	p[5] = DB_TXT(arg);
	p[6] = DB_INTV(search_many + 1);
	if (!store_search_trigrams(frag) ||
	    (ix->arg != NULL ? ix->arg(frag, arg, DB_SEARCH_ARG_MAX) :
	     store_like_pattern(frag, arg, DB_SEARCH_ARG_MAX, &ignored)) < 0)
		return SEARCH_SCAN;
	n = snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s LIMIT $7) x",
		     ix->candidates[kind]);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return hk_fail(err, HK_EINTERNAL, NULL, "search: SQL too long");
	if (db_query_int(db, sql, p, SEARCH_PARAMS, &found, err) < 0)
		return -1;
	return found > search_many ? SEARCH_SCAN : found > search_few ?
	    SEARCH_MANY : SEARCH_FEW;
}

/* The step's plan (db.h) into plan, in a transaction (write or not)
 * left open. */
static int
upkeep_plan(struct db *db, const struct db_search *ix,
	    const struct db_search_step *st, int write, struct db_param *p,
	    int64_t plan[3], struct hk_err *err)
{
	if (db_begin(db, write, err) < 0)
		return -1;
	if ((ix->begin != NULL &&
	     db_exec(db, ix->begin, NULL, 0, NULL, err) < 0) ||
	    db_query_ints(db, st->plan, p, 1, plan, 3, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* One step of the upkeep (db.h), in its own write transaction, adding
 * how many rows it did to *done.  Asked first in a read transaction:
 * most turns of pushd find nothing to do, and should not wait for the
 * writers. */
static int
upkeep_step(struct db *db, const struct db_search *ix,
	    const struct db_search_step *st, long batch, long *done,
	    struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(batch), DB_INTV(0) };
	int64_t plan[3] = { 0, 0, 0 };

	if (upkeep_plan(db, ix, st, 0, p, plan, err) < 0)
		return -1;
	db_rollback(db);
	if (plan[0] == 0)
		return 0;
	if (upkeep_plan(db, ix, st, 1, p, plan, err) < 0)
		return -1;
	if (plan[0] == 0) {
		db_rollback(db);	/* done meanwhile */
		return 0;
	}
	p[0] = DB_INTV(plan[1]);
	p[1] = DB_INTV(plan[2]);
	for (const char *const *sql = st->run; *sql != NULL; sql++)
		if (db_exec(db, *sql, p, 2, NULL, err) < 0)
			goto fail;
	if (db_commit(db, err) < 0)
		goto fail;
	*done += (long)plan[0];
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int
store_search_upkeep(struct db *db, long batch, long *done,
		    struct hk_err *err)
{
	const struct db_search *ix = db_search(db);

	*done = 0;
	for (const struct db_search_step *st = ix->upkeep;
	     st != NULL && st->plan != NULL && batch > 0; st++)
		if (upkeep_step(db, ix, st, batch, done, err) < 0)
			return -1;
	return 0;
}
