/* SPDX-License-Identifier: ISC */
/*
 * pfa_src_pgsql.c - a PostfixAdmin database on PostgreSQL, read only
 * (pfa_src.h), through libpq.
 *
 * The URL goes to libpq as it is, after a connect_timeout of 10 s that
 * it may override and before client_encoding UTF8, which it may not.
 * The session's transactions are READ ONLY, and the one it opens at once
 * is REPEATABLE READ and takes its snapshot there (a first SELECT): every
 * query sees the database as it was at open.  Each query runs in a
 * savepoint, so that a failed one does not abort the transaction for the
 * next (as it would in PostgreSQL alone).  Rows come one at a time
 * (PQsetSingleRowMode); the extended protocol takes exactly one
 * statement, so a second one in the text is refused, not run.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pfa_src_backend.h"

static int
fail_pg(PGconn *c, const PGresult *r, struct hk_err *err)
{
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);

	if (msg == NULL || *msg == '\0')
		msg = "no answer from the server";
	return hk_fail(err, HK_EDB, NULL, "postgresql: %.*s",
		       (int)strcspn(msg, "\n"), msg);
}

static void
ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* sql (statements without rows but for the last) on c; 0 or -1. */
static int
exec(PGconn *c, const char *sql, struct hk_err *err)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	int rc = 0;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		rc = fail_pg(c, r, err);
	PQclear(r);
	return rc;
}

static void *
pg_open(const struct pfa_url *u, struct hk_err *err)
{
	/* keyword order: the URL's own values override the ones before */
	const char *const keys[] = { "connect_timeout", "dbname",
				     "client_encoding", NULL };
	const char *const vals[] = { "10", u->url, "UTF8", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		if (c == NULL)
			hk_fail(err, HK_EDB, NULL, "postgresql: out of memory");
		else
			fail_pg(c, NULL, err);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, ignore_notice, NULL);
	if (exec(c, "SET SESSION CHARACTERISTICS AS TRANSACTION "
		 "ISOLATION LEVEL REPEATABLE READ, READ ONLY", err) < 0 ||
	    exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
		 "SELECT 1", err) < 0) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

static void
pg_close(void *conn)
{
	/* the transaction is rolled back as the connection ends */
	PQfinish(conn);
}

/* A COPY's data read and dropped, or its input ended: c answers the
 * next PQgetResult() with how the statement ended. */
static void
leave_copy(PGconn *c, ExecStatusType s)
{
	char *buf;

	if (s == PGRES_COPY_OUT) {
		while (PQgetCopyData(c, &buf, 0) > 0)
			PQfreemem(buf);
	} else {
		PQputCopyEnd(c, "not a SELECT");
	}
}

/* One row of r to fn, in *vals (made for the first row). */
static int
emit(const PGresult *r, const char ***vals, pfa_row_fn fn, void *ctx,
     struct hk_err *err)
{
	int n = PQnfields(r);

	if (*vals == NULL && (*vals = calloc((size_t)n + 1,
					     sizeof(**vals))) == NULL)
		return hk_fail(err, HK_EDB, NULL, "postgresql: out of memory");
	for (int i = 0; i < n; i++)
		(*vals)[i] = PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i);
	return fn(ctx, *vals, n, err);
}

/*
 * The rows of sql to fn, one result per row: 0, fn's non-zero return or
 * -1 (err), whichever came first.  Every result is read, so that the
 * connection is ready for the next query, after fn stopped too; *failed:
 * the statement failed on the server (its transaction is aborted).
 */
static int
stream(PGconn *c, const char *sql, pfa_row_fn fn, void *ctx, int *failed,
       struct hk_err *err)
{
	const char **vals = NULL;
	PGresult *r;
	int rc = 0;

	if (!PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0)) {
		*failed = 1;
		return fail_pg(c, NULL, err);
	}
	if (!PQsetSingleRowMode(c))
		rc = hk_fail(err, HK_EDB, NULL, "postgresql: no single-row "
			     "mode");
	while ((r = PQgetResult(c)) != NULL) {
		ExecStatusType s = PQresultStatus(r);

		if (s == PGRES_SINGLE_TUPLE) {
			if (rc == 0)
				rc = emit(r, &vals, fn, ctx, err);
		} else if (s == PGRES_COPY_OUT || s == PGRES_COPY_IN ||
			   s == PGRES_COPY_BOTH) {
			leave_copy(c, s);
		} else if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
			*failed = 1;
			if (rc == 0)
				rc = fail_pg(c, r, err);
		}
		PQclear(r);
	}
	free(vals);
	return rc;
}

static int
pg_query(void *conn, const char *sql, pfa_row_fn fn, void *ctx,
	 struct hk_err *err)
{
	PGconn *c = conn;
	int failed = 0, rc;

	if (exec(c, "SAVEPOINT pfa_query", err) < 0)
		return -1;
	rc = stream(c, sql, fn, ctx, &failed, err);
	if (failed)
		PQclear(PQexec(c, "ROLLBACK TO SAVEPOINT pfa_query"));
	/* err keeps the first failure's words, or fn's */
	if (exec(c, "RELEASE SAVEPOINT pfa_query", rc == 0 ? err : NULL) < 0 &&
	    rc == 0)
		rc = -1;
	return rc;
}

static int
pg_has_table(void *conn, const char *table, struct hk_err *err)
{
	const char *const vals[] = { table };
	PGresult *r = PQexecParams(conn, "SELECT 1 FROM pg_catalog.pg_class "
				   "WHERE relname = $1 AND relkind IN ('r', "
				   "'p', 'v', 'm', 'f') AND "
				   "pg_catalog.pg_table_is_visible(oid)", 1,
				   NULL, vals, NULL, NULL, 0);
	int rc = PQresultStatus(r) != PGRES_TUPLES_OK ? fail_pg(conn, r, err)
	    : PQntuples(r) > 0;

	PQclear(r);
	return rc;
}

const struct pfa_backend pfa_backend_pgsql = {
	.kind = "pgsql",
	.schemes = { "postgresql", "postgres" },
	.open = pg_open,
	.query = pg_query,
	.has_table = pg_has_table,
	.close = pg_close,
};
