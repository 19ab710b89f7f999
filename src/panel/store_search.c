/* SPDX-License-Identifier: ISC */
/*
 * store_search.c - which plan answers a substring search (q=) of a long
 * listing, mailboxes' or aliases', from the backend's trigram index
 * (migration 022, db_search()).  First the walk: the next search_walk
 * rows of the domain in order, tested as a scan tests them; when they
 * hold a page and one more, the page is the scan's (a fragment many rows
 * hold ends there, where the index would find most rows).  Else the
 * index gives candidates, the rows in any domain that may hold the
 * fragment, asked for by the trigrams few rows hold where the backend
 * can tell (a trigram nearly every row holds costs more to AND than it
 * leaves out); their ids are collected, up to a bound, and then:
 *  - few (at most search_few): the rows of those ids are fetched,
 *    tested by the listing's LIKE and sorted: a page costs what they
 *    are (about 5 us each, a row read), not the domain's size.  The
 *    page reads the ids collected, not the index again: on PostgreSQL
 *    each asking reads the posting lists and rechecks the rows;
 *  - more, or a fragment the index cannot answer (fewer than three
 *    characters: no trigram): the scan, the LIKE on each row in order,
 *    from an index that holds what it tests (0.3 us a row): where more
 *    rows hold the fragment, the page is full sooner.  (Walking the
 *    domain testing only the candidates, once a third plan, cost more
 *    than this scan: the candidates' ids had to be read first.)
 * Every plan tests the same LIKE, so each gives the scan's rows.
 * The writes do not index: store_search_upkeep() brings the index up
 * to date in batches, from pushd, and until then the rows it has not
 * seen are candidates of every search.  See store.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "strbuf.h"

static long search_few = 2000, search_walk = 2000;

void
store_search_plans(long few, long walk)
{
	search_few = few;
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

/* A walk whose rows hold the fragment at least once in SEARCH_DENSE
 * (1 in 250) is followed by a longer one, the scan up to what should
 * fill the page and half as much again, at most SEARCH_REWALK walks:
 * where the fragment is that common, the scan (0.3 us a row, from an
 * index of what it tests) ends sooner than collecting the candidates,
 * which are more than search_few (that cost PostgreSQL 5 ms, and then
 * the scan).  Where the rows the walk read hold the fragment and those
 * after hardly do, the longer walk is lost: at most 32,000 rows read,
 * 5 to 10 ms. */
#define SEARCH_DENSE	250
#define SEARCH_REWALK	16

long
store_search_rewalk(long found, long limit, struct db_param *p)
{
	long need;

	if (search_walk <= 0 || found <= 0 ||
	    found * SEARCH_DENSE < search_walk)
		return 0;
	need = search_walk * (limit + 1) / found * 3 / 2;
	if (need > search_walk * SEARCH_REWALK)
		need = search_walk * SEARCH_REWALK;
	if (need <= search_walk)
		return 0;
	p[6] = DB_INTV(need);
	return need;
}

/* How many characters frag has (UTF-8, checked before), counted up to
 * max. */
static int
chars_of(const char *frag, int max)
{
	int chars = 0;

	for (; *frag != '\0' && chars < max; frag++)
		chars += ((unsigned char)*frag & 0xc0) != 0x80;
	return chars;
}

int
store_search_trigrams(const char *frag)
{
	return chars_of(frag, 3) >= 3;
}

/* How many of the fragment's trigrams are probed, how many rows make
 * one common (SEARCH_COMMON times search_few), and how many rare ones
 * are enough: each ANDed costs about its list's length (0.07 us a row:
 * "ser" of "user", in 510,000 rows, costs 5 to 12 ms), and two lists of
 * a few thousand leave few candidates.  A probe reads at most its
 * bound. */
#define SEARCH_PROBES	6
#define SEARCH_COMMON	4
#define SEARCH_RARE	2

/* Into *windows, the fragment's trigrams that few rows hold (db.h), or
 * 0 where the index has no probe or all are common. */
static int
rare_windows(struct db *db, int kind, const char *frag, uint64_t *windows,
	     struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	struct db_param p[SEARCH_PARAMS] = { DB_NUL, DB_NUL, DB_NUL, DB_NUL,
		DB_NUL, DB_NUL, DB_INTV(SEARCH_COMMON * search_few + 1) };
	char term[DB_SEARCH_ARG_MAX];
	int named = chars_of(frag, 66) - 2, take, rare = 0;	/* <= 64 */

	*windows = 0;
	if (ix->probe[kind] == NULL || named < 2)
		return 0;
	take = named < SEARCH_PROBES ? named : SEARCH_PROBES;
	for (int t = 0; t < take && rare < SEARCH_RARE; t++) {
		uint64_t w = UINT64_C(1) << (t * (named - 1) / (take - 1));
		int64_t n;

		if (ix->arg(frag, w, term, sizeof(term)) < 0)
			return 0;
		p[5] = DB_TXT(term);
		if (db_query_int(db, ix->probe[kind], p, SEARCH_PARAMS, &n,
				 err) < 0)
			return -1;
		if (n <= SEARCH_COMMON * search_few) {
			*windows |= w;
			rare++;
		}
	}
	return 0;
}

struct candidates {
	struct strbuf *ids;	/* a JSON array */
	int counted;		/* rows of a count and an id (a collect) */
	int64_t n;		/* how many candidates */
	int64_t listed;		/* how many ids in ids */
};

/* Whether s is a decimal number, as an id or a count is. */
static int
is_number(const char *s)
{
	return s != NULL && s[0] != '\0' && s[strspn(s, "0123456789")] == '\0';
}

/* A row of candidates onto ctx: an id (db.h's candidates), or how many
 * there are and an id or NULL (its collect). */
static int
add_candidate(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct candidates *c = ctx;
	const char *id = row->vals[c->counted];

	if (row->ncols != c->counted + 1)
		return hk_fail(err, HK_EINTERNAL, NULL, "search: bad row");
	if (c->counted) {
		if (!is_number(row->vals[0]))
			return hk_fail(err, HK_EINTERNAL, NULL,
				       "search: bad count");
		c->n = strtoll(row->vals[0], NULL, 10);
		if (id == NULL)
			return 0;
	} else
		c->n++;
	if (!is_number(id))
		return hk_fail(err, HK_EINTERNAL, NULL, "search: bad id");
	if (strbuf_puts(c->ids, c->listed++ > 0 ? "," : "") < 0 ||
	    strbuf_puts(c->ids, id) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "search: ids too long");
	return 0;
}

/* The SQL that collects the candidates of kind, into sql: the backend's
 * collect where it has one, else its candidates, at most $7 of them.  1
 * for a collect, 0 for candidates.  (A collect picks the page's rows by
 * the index's text, the local part, a newline and the name: for a
 * fragment with no newline, as the listing's LIKE; one with a newline no
 * listing row holds, and the page tests each row again.) */
static int
collect_sql(const struct db_search *ix, int kind, char *sql, size_t size,
	    struct hk_err *err)
{
	int collect = ix->collect[kind] != NULL;
	int n = collect ? snprintf(sql, size, "%s", ix->collect[kind]) :
	    snprintf(sql, size, "SELECT x.* FROM (%s LIMIT $7) x",
		     ix->candidates[kind]);

	if (n < 0 || (size_t)n >= size)
		return hk_fail(err, HK_EINTERNAL, NULL, "search: SQL too long");
	return collect;
}

/* Into ids (a JSON array), the candidates (up to search_few + 1) the
 * index gives for frag's trigrams in windows, asked by arg, which p's
 * $6 holds, or those of them that may be on the page (collect_sql());
 * into *found how many candidates.  1 where the index cannot answer. */
static int
collect_candidates(struct db *db, int kind, const char *frag,
		   uint64_t windows, struct db_param *p, char *arg,
		   struct strbuf *ids, int64_t *found, struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	struct candidates c = { ids, 0, 0, 0 };
	struct hk_err ignored;
	char sql[2048];

	if ((ix->arg != NULL ? ix->arg(frag, windows, arg, DB_SEARCH_ARG_MAX) :
	     store_like_pattern(frag, arg, DB_SEARCH_ARG_MAX, &ignored)) < 0)
		return 1;
	if ((c.counted = collect_sql(ix, kind, sql, sizeof(sql), err)) < 0)
		return -1;
	strbuf_reset(ids);
	if (strbuf_puts(ids, "[") < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "search: no memory");
	if (db_query(db, sql, p, SEARCH_PARAMS, add_candidate, &c, NULL,
		     err) < 0)
		return -1;
	*found = c.n;
	return strbuf_puts(ids, "]") < 0 ?
	    hk_fail(err, HK_EINTERNAL, NULL, "search: ids too long") : 0;
}

int
store_search_plan(struct db *db, int kind, const char *frag,
		  struct db_param *p, struct strbuf *ids, struct hk_err *err)
{
	char arg[DB_SEARCH_ARG_MAX];
	uint64_t windows;
	int64_t found = 0;
	int rc;

	p[5] = DB_TXT("");	/* (sent, unused, with a scan) */
	p[6] = DB_INTV(search_few + 1);
	if (!store_search_trigrams(frag))
		return SEARCH_SCAN;
	if (rare_windows(db, kind, frag, &windows, err) < 0)
		return -1;
	p[5] = DB_TXT(arg);
	rc = collect_candidates(db, kind, frag, windows, p, arg, ids, &found,
				err);
	/* the rare trigrams alone left too many: the common ones too */
	if (rc == 0 && found > search_few && windows != 0)
		rc = collect_candidates(db, kind, frag, 0, p, arg, ids,
					&found, err);
	p[5] = DB_TXT(strbuf_str(ids));
	if (rc != 0 || found > search_few) {
		p[5] = DB_TXT("");
		return rc < 0 ? -1 : SEARCH_SCAN;
	}
	return SEARCH_FEW;
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
