/* SPDX-License-Identifier: ISC */
/*
 * store_search.c - which plan answers a substring search (q=) of a long
 * listing, mailboxes' or aliases', from the backend's trigram index
 * (migration 022, db_search()).  The index gives candidates, the rows in
 * any domain that may hold the fragment; they are counted up to a bound
 * (the count reads the index alone, about 0.1 us each) and then:
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
 * Where the writes do not keep the index (SQLite), store_search_upkeep()
 * brings it up to date in batches, from pushd.  See store.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "store.h"

static long search_few = 3000, search_many = 30000;

void
store_search_plans(long few, long many)
{
	search_few = few;
	search_many = many;
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
store_search_plan(struct db *db, const char *candidates, const char *frag,
		  struct db_param *p, char arg[DB_SEARCH_ARG_MAX],
		  struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	char sql[512];
	int64_t found;
	int n;

	p[5] = DB_TXT(arg);
	p[6] = DB_INTV(search_many + 1);
	if (candidates == NULL || ix->arg == NULL ||
	    ix->arg(frag, arg, DB_SEARCH_ARG_MAX) < 0)
		return SEARCH_SCAN;
	n = snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s LIMIT $7) x",
		     candidates);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return hk_fail(err, HK_EINTERNAL, NULL, "search: SQL too long");
	if (db_query_int(db, sql, p, SEARCH_PARAMS, &found, err) < 0)
		return -1;
	return found > search_many ? SEARCH_SCAN : found > search_few ?
	    SEARCH_MANY : SEARCH_FEW;
}

int
store_search_upkeep(struct db *db, long batch, long *done,
		    struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	struct db_param p[2] = { DB_INTV(batch), DB_INTV(0) };
	int64_t end[2] = { 1, INT64_MAX };	/* fewer than batch: all */
	int64_t left = 0;

	*done = 0;
	if (ix->upkeep == NULL || batch < 1)
		return 0;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_query_int(db, ix->noted, p, 1, &left, err) < 0)
		goto fail;
	p[0] = DB_INTV(batch - 1);
	if (left >= batch &&
	    db_query_ints(db, ix->batch_end, p, 1, end, 2, err) < 0)
		goto fail;
	p[0] = DB_INTV(end[0]);
	p[1] = DB_INTV(end[1]);
	for (const char *const *sql = ix->upkeep; left > 0 && *sql; sql++)
		if (db_exec(db, *sql, p, 2, NULL, err) < 0)
			goto fail;
	if (db_commit(db, err) < 0)
		goto fail;
	*done = left;
	return 0;
fail:
	db_rollback(db);
	return -1;
}
