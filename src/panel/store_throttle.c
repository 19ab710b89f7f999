/* SPDX-License-Identifier: ISC */
/*
 * store_throttle.c - the failed-login throttle: a count of recent
 * failures per key ("login:NAME", "addr:ADDRESS").  Past a key's free
 * failures each further one doubles the wait before the key may try again,
 * up to a ceiling; a key left alone for that ceiling starts afresh.  The
 * key is the name as given, so a name with no account is slowed exactly
 * like one with an account.  See store.h.
 */
#include "config.h"

#include "store.h"

int
store_throttle_wait(struct db *db, const char *key, int64_t now,
		    int64_t *wait, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(key) };
	int64_t until = 0;

	*wait = 0;
	if (db_query_int(db, "SELECT blocked_until FROM login_throttle WHERE "
			 "key = $1", p, 1, &until, err) < 0)
		return err->code == HK_ENOTFOUND ? 0 : -1;
	if (until > now)
		*wait = until - now;
	return 0;
}

/* The wait after the n-th failure: none up to free, then 1, 2, 4 ... s. */
static int64_t
backoff(int64_t n, int free, int max_delay)
{
	int64_t d = 1;

	if (n <= free)
		return 0;
	for (int64_t i = free + 1; i < n && d < max_delay; i++)
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
store_throttle_clear(struct db *db, const char *key, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(key) };

	return db_exec(db, "DELETE FROM login_throttle WHERE key = $1", p, 1,
		       NULL, err);
}
