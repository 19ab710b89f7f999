/* SPDX-License-Identifier: ISC */
/*
 * pfa_src_sqlite.c - a PostfixAdmin database in an SQLite file, read only
 * (pfa_src.h).
 *
 * sqlite:PATH is opened with SQLITE_OPEN_READONLY, never CREATE (an
 * absent file is an error, not a new empty database), PRAGMA query_only
 * on, and one read transaction begun and read at once: every query sees
 * the file as it was at open.  In a rollback-journal database (not WAL)
 * that read lock makes PostfixAdmin's writers wait until the close.
 * Rows come one sqlite3_step() at a time.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "pfa_src_backend.h"

#define BUSY_TIMEOUT_MS	10000	/* PostfixAdmin writing meanwhile */

static int
fail_sq(sqlite3 *h, struct hk_err *err)
{
	return hk_fail(err, HK_EDB, NULL, "sqlite: %s",
		       h ? sqlite3_errmsg(h) : "out of memory");
}

static void *
sq_open(const struct pfa_url *u, struct hk_err *err)
{
	/* as the panel's own sqlite:PATH: everything after the colon */
	const char *path = strchr(u->url, ':') + 1;
	sqlite3 *h = NULL;
	struct stat st;

	if (*path == '\0') {
		hk_failr(err, HK_EINVAL, "from", HK_R_pfa_url, "url", u->shown,
			 "detail", "no file named", NULL);
		return NULL;
	}
	/* the URL, with the path, is in the message pfa_src.c makes */
	if (stat(path, &st) < 0) {
		hk_fail(err, HK_EDB, NULL, "%s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		hk_fail(err, HK_EDB, NULL, "not a regular file");
		return NULL;
	}
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA query_only = ON; BEGIN;"
			 "SELECT count(*) FROM sqlite_master;", NULL, NULL,
			 NULL) != SQLITE_OK)
		goto fail;
	return h;
fail:
	fail_sq(h, err);
	sqlite3_close(h);
	return NULL;
}

static void
sq_close(void *conn)
{
	/* the read transaction ends with the connection */
	sqlite3_close(conn);
}

/* One statement of sql prepared into *st; the text after it must be
 * empty: a second statement would be silently left out. */
static int
prepare(sqlite3 *h, const char *sql, sqlite3_stmt **st, struct hk_err *err)
{
	const char *tail = NULL;

	if (sqlite3_prepare_v2(h, sql, -1, st, &tail) != SQLITE_OK)
		return fail_sq(h, err);
	if (*st == NULL)
		return hk_fail(err, HK_EDB, NULL, "sqlite: no statement");
	if (tail != NULL && tail[strspn(tail, " \t\r\n;")] != '\0') {
		sqlite3_finalize(*st);
		*st = NULL;
		return hk_fail(err, HK_EDB, NULL, "sqlite: more than one "
			       "statement");
	}
	return 0;
}

/* The current row's columns into vals[n] (NULL for SQL NULL). */
static int
row_vals(sqlite3 *h, sqlite3_stmt *st, const char **vals, int n,
	 struct hk_err *err)
{
	for (int i = 0; i < n; i++) {
		vals[i] = (const char *)sqlite3_column_text(st, i);
		if (vals[i] == NULL &&
		    sqlite3_column_type(st, i) != SQLITE_NULL)
			return fail_sq(h, err);	/* out of memory */
	}
	return 0;
}

static int
sq_query(void *conn, const char *sql, pfa_row_fn fn, void *ctx,
	 struct hk_err *err)
{
	sqlite3 *h = conn;
	sqlite3_stmt *st = NULL;
	const char **vals;
	int n, rc = 0, step = SQLITE_DONE;

	if (prepare(h, sql, &st, err) < 0)
		return -1;
	n = sqlite3_column_count(st);
	if ((vals = calloc((size_t)n + 1, sizeof(*vals))) == NULL) {
		sqlite3_finalize(st);
		return hk_fail(err, HK_EDB, NULL, "sqlite: out of memory");
	}
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row_vals(h, st, vals, n, err)) == 0)
			rc = fn(ctx, vals, n, err);
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail_sq(h, err);
	free(vals);
	sqlite3_finalize(st);
	return rc;
}

static int
sq_has_table(void *conn, const char *table, struct hk_err *err)
{
	sqlite3 *h = conn;
	sqlite3_stmt *st = NULL;
	int step;

	/* SQLite's names are case-insensitive, as its lookups */
	if (prepare(h, "SELECT 1 FROM sqlite_master WHERE type IN "
		    "('table', 'view') AND name = ?1 COLLATE NOCASE", &st,
		    err) < 0)
		return -1;
	if (sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK) {
		fail_sq(h, err);
		sqlite3_finalize(st);
		return -1;
	}
	step = sqlite3_step(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		fail_sq(h, err);
	sqlite3_finalize(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

const struct pfa_backend pfa_backend_sqlite = {
	.kind = "sqlite",
	.schemes = { "sqlite", NULL },
	.open = sq_open,
	.query = sq_query,
	.has_table = sq_has_table,
	.close = sq_close,
};
