/* SPDX-License-Identifier: ISC */
/*
 * store_throttle.c - the failed-login throttle: a count of recent
 * failures per key ("login:NAME", "addr:ADDRESS").  After a key's free
 * failures it must wait before it may try again, a wait that doubles with
 * each further failure, up to a ceiling; a key left alone for that
 * ceiling starts afresh.  The key is the name as given, so a name with no
 * account is slowed exactly like one with an account.  See store.h.
 */
#include "config.h"

#include "store.h"
#include "store_session.h"

/*
 * The row is taken first (an upsert that changes nothing locks it on
 * PostgreSQL; SQLite's write transaction excludes every other writer), so
 * that an attempt made beside another reads the wait only once that one's
 * failure is counted: under READ COMMITTED a plain read would let every
 * parallel attempt through.  A wait of d seconds ends after the whole
 * second last_at + d, so that no attempt is heard early across a second's
 * boundary.
 */
int
store_throttle_hold(struct db *db, const char *key, int64_t now,
		    int64_t *wait, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(key) };
	int64_t v[2] = { 0, 0 };	/* blocked_until, last_at */

	*wait = 0;
	if (db_exec(db, "INSERT INTO login_throttle (key, failures, last_at, "
		    "blocked_until) VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO "
		    "UPDATE SET failures = login_throttle.failures", p, 1,
		    NULL, err) < 0 ||
	    db_query_ints(db, "SELECT blocked_until, last_at FROM "
			  "login_throttle WHERE key = $1", p, 1, v, 2,
			  err) < 0)
		return -1;
	if (v[0] > v[1] && v[0] >= now)
		*wait = v[0] - now + 1;
	return 0;
}

/* The wait after the n-th failure: none before the free-th, then 1, 2,
 * 4 ... s. */
static int64_t
backoff(int64_t n, int free, int max_delay)
{
	int64_t d = 1;

	if (n < free)
		return 0;
	for (int64_t i = free; i < n && d < max_delay; i++)
		d *= 2;
	return d < max_delay ? d : max_delay;
}

int
store_throttle_fail(struct db *db, const char *key, int64_t now, int free,
		    int max_delay, struct hk_err *err)
{
	struct db_param q[1] = { DB_TXT(key) };
	struct db_param p[4];
	int64_t v[2] = { 0, 0 }, n;

	if (db_query_ints(db, "SELECT failures, last_at FROM login_throttle "
			  "WHERE key = $1", q, 1, v, 2, err) < 0 &&
	    err->code != HK_ENOTFOUND)
		return -1;
	/* quiet for the longest wait: the count starts again */
	n = (v[1] + max_delay < now ? 0 : v[0]) + 1;
	p[0] = DB_TXT(key);
	p[1] = DB_INTV(n);
	p[2] = DB_INTV(now);
	p[3] = DB_INTV(now + backoff(n, free, max_delay));
	return db_exec(db, "INSERT INTO login_throttle (key, failures, last_at,"
		       " blocked_until) VALUES ($1, $2, $3, $4) ON CONFLICT "
		       "(key) DO UPDATE SET failures = excluded.failures, "
		       "last_at = excluded.last_at, blocked_until = "
		       "excluded.blocked_until", p, 4, NULL, err);
}

int
store_throttle_clear(struct db *db, const char *key, int clear_all,
		     struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(key), DB_INTV(clear_all ? 1 : 0) };

	return db_exec(db, "DELETE FROM login_throttle WHERE key = $1 AND "
		       "($2 = 1 OR failures = 0)", p, 2, NULL, err);
}
