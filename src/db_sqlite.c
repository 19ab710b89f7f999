/*
 * db_sqlite.c - the embedded SQLite backend (the default).
 *
 * WAL so readers never wait for the writer, a busy timeout so concurrent
 * FastCGI workers queue for the write lock instead of failing, foreign keys
 * on.  Placeholders $1..$n are bound by name, so their order in the text
 * does not matter.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_backend.h"

#define BUSY_TIMEOUT_MS	10000
#define MAX_COLS	64

static int
fail_sqlite(sqlite3 *h, int rc, struct hk_err *err)
{
	int ext = sqlite3_extended_errcode(h);

	if (ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return hk_fail(err, HK_EEXIST, NULL, "already exists");
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return hk_fail(err, HK_EINVAL, NULL,
			       "refers to an object that does not exist");
	return hk_fail(err, HK_EDB, NULL, "sqlite: %s (%d)", sqlite3_errmsg(h),
		       rc);
}

static void *
sqlite_open(const char *url, struct hk_err *err)
{
	const char *path = url + strlen("sqlite:");
	sqlite3 *h = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		hk_fail(err, HK_EDB, "database.url", "cannot open %s: %s",
			path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(h, "PRAGMA journal_mode = WAL;"
			  "PRAGMA synchronous = NORMAL;"
			  "PRAGMA foreign_keys = ON;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail_sqlite(h, rc, err);
		sqlite3_close(h);
		return NULL;
	}
	return h;
}

static void
sqlite_close(void *conn)
{
	sqlite3_close(conn);
}

static int
sqlite_script(void *conn, const char *sql, struct hk_err *err)
{
	int rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail_sqlite(conn, rc, err);
}

static int
sqlite_begin(void *conn, int write, struct hk_err *err)
{
	return sqlite_script(conn, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static int
sqlite_commit(void *conn, struct hk_err *err)
{
	return sqlite_script(conn, "COMMIT", err);
}

static void
sqlite_rollback(void *conn)
{
	if (!sqlite3_get_autocommit(conn))
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
}

static int
bind_params(sqlite3 *h, sqlite3_stmt *st, const struct db_param *p, int n,
	    struct hk_err *err)
{
	char name[16];

	for (int i = 0; i < n; i++) {
		int idx, rc;

		snprintf(name, sizeof(name), "$%d", i + 1);
		if ((idx = sqlite3_bind_parameter_index(st, name)) == 0)
			continue;	/* not used by this statement */
		if (p[i].type == DB_INT)
			rc = sqlite3_bind_int64(st, idx, p[i].num);
		else if (p[i].type == DB_TEXT && p[i].text != NULL)
			rc = sqlite3_bind_text(st, idx, p[i].text, -1,
					       SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			return fail_sqlite(h, rc, err);
	}
	return 0;
}

static int
emit_row(sqlite3_stmt *st, db_row_fn fn, void *ctx, struct hk_err *err)
{
	const char *names[MAX_COLS], *vals[MAX_COLS];
	enum db_type types[MAX_COLS];
	struct db_row row = { sqlite3_column_count(st), names, vals, types };

	if (row.ncols > MAX_COLS)
		return hk_fail(err, HK_EINTERNAL, NULL, "too many columns");
	for (int i = 0; i < row.ncols; i++) {
		int t = sqlite3_column_type(st, i);

		names[i] = sqlite3_column_name(st, i);
		vals[i] = (const char *)sqlite3_column_text(st, i);
		types[i] = t == SQLITE_NULL ? DB_NULL :
		    t == SQLITE_INTEGER ? DB_INT : DB_TEXT;
	}
	return fn(ctx, &row, err);
}

static int
sqlite_query(void *conn, const char *sql, const struct db_param *p, int n,
	     db_row_fn fn, void *ctx, int64_t *changes, struct hk_err *err)
{
	sqlite3 *h = conn;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL)) != SQLITE_OK)
		return fail_sqlite(h, rc, err);
	if (bind_params(h, st, p, n, err) < 0)
		goto fail_quiet;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn != NULL && emit_row(st, fn, ctx, err) < 0)
			goto fail_quiet;
	if (rc != SQLITE_DONE) {
		fail_sqlite(h, rc, err);
		goto fail_quiet;
	}
	if (changes != NULL)
		*changes = sqlite3_changes(h);
	sqlite3_finalize(st);
	return 0;
fail_quiet:
	sqlite3_finalize(st);
	return -1;
}

const struct db_backend db_backend_sqlite = {
	.schemes = { "sqlite", NULL, NULL },
	.open = sqlite_open,
	.close = sqlite_close,
	.script = sqlite_script,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.query = sqlite_query,
	.migrations = db_migrations_sqlite,
};
