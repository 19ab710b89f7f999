/* SPDX-License-Identifier: ISC */
/*
 * db_pgsql.c - the PostgreSQL backend (libpq), for operators who run
 * several panel and pushd nodes on one database.
 *
 * The URL is handed to libpq as it is ("postgresql://user@host/db?...").
 * Parameters go out as text, out-of-band ($1..$n, never in the query text);
 * results come back as text with a type tag from the column's type OID.
 * A read transaction is REPEATABLE READ, so that everything read in it -
 * a guest's whole map set - is one snapshot.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db_backend.h"

#define MAX_COLS	64
#define MAX_PARAMS	512	/* a batch of import rows */

/* Type OIDs (server/catalog/pg_type_d.h, stable across versions). */
#define INT8OID	20
#define INT2OID	21
#define INT4OID	23

static int
fail_pg(PGconn *c, PGresult *r, struct hk_err *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
	size_t n = strcspn(msg, "\n");

	if (state != NULL && strcmp(state, "23505") == 0)
		return hk_failr(err, HK_EEXIST, NULL, HK_R_already_exists,
				NULL);
	if (state != NULL && strcmp(state, "23503") == 0)
		return hk_failr(err, HK_EINVAL, NULL, HK_R_missing_reference,
				NULL);
	return hk_fail(err, HK_EDB, NULL, "postgresql: %.*s (%s)", (int)n, msg,
		       state ? state : "no sqlstate");
}

static void
ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* create: nothing to do; a PostgreSQL database is made by its
 * administrator (createdb), and an empty one is "no schema". */
static void *
pg_open(const char *url, int create, struct hk_err *err)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;

	(void)create;
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		const char *msg = c ? PQerrorMessage(c) : "out of memory";

		hk_fail(err, HK_EDB, "database.url", "cannot connect: %.*s",
			(int)strcspn(msg, "\n"), msg);
		PQfinish(c);
		return NULL;
	}
	/* Notices ("relation already exists, skipping") are not for stderr. */
	PQsetNoticeProcessor(c, ignore_notice, NULL);
	r = PQexec(c, "SET client_min_messages = warning");
	PQclear(r);
	return c;
}

static void
pg_close(void *conn)
{
	PQfinish(conn);
}

static int
pg_script(void *conn, const char *sql, struct hk_err *err)
{
	PGresult *r = PQexec(conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fail_pg(conn, r, err);
	PQclear(r);
	return ok ? 0 : -1;
}

static int
pg_begin(void *conn, int write, struct hk_err *err)
{
	return pg_script(conn, write ? "BEGIN" :
			 "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
}

static int
pg_commit(void *conn, struct hk_err *err)
{
	return pg_script(conn, "COMMIT", err);
}

static void
pg_rollback(void *conn)
{
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
}

static int
emit_rows(PGresult *r, db_row_fn fn, void *ctx, struct hk_err *err)
{
	const char *names[MAX_COLS], *vals[MAX_COLS];
	enum db_type types[MAX_COLS];
	struct db_row row = { PQnfields(r), names, vals, types };

	if (row.ncols > MAX_COLS)
		return hk_fail(err, HK_EINTERNAL, NULL, "too many columns");
	for (int i = 0; i < row.ncols; i++) {
		Oid t = PQftype(r, i);

		names[i] = PQfname(r, i);
		types[i] = t == INT8OID || t == INT4OID || t == INT2OID ?
		    DB_INT : DB_TEXT;
	}
	for (int k = 0; k < PQntuples(r); k++) {
		for (int i = 0; i < row.ncols; i++)
			vals[i] = PQgetisnull(r, k, i) ? NULL :
			    PQgetvalue(r, k, i);
		if (fn(ctx, &row, err) < 0)
			return -1;
	}
	return 0;
}

static int
pg_query(void *conn, const char *sql, const struct db_param *p, int n,
	 db_row_fn fn, void *ctx, int64_t *changes, struct hk_err *err)
{
	char nums[MAX_PARAMS][24];
	const char *vals[MAX_PARAMS];
	PGresult *r;
	int rc = 0;

	if (n > MAX_PARAMS)
		return hk_fail(err, HK_EINTERNAL, NULL, "too many parameters");
	for (int i = 0; i < n; i++) {
		if (p[i].type == DB_INT) {
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64, p[i].num);
			vals[i] = nums[i];
		} else {
			vals[i] = p[i].type == DB_TEXT ? p[i].text : NULL;
		}
	}
	r = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		if (fn != NULL)
			rc = emit_rows(r, fn, ctx, err);
		break;
	case PGRES_COMMAND_OK:
		if (changes != NULL)
			*changes = strtoll(PQcmdTuples(r), NULL, 10);
		break;
	default:
		rc = fail_pg(conn, r, err);
	}
	PQclear(r);
	return rc;
}

/* The channel is one of ours, a plain identifier: never user data. */
static int
pg_listen(void *conn, const char *channel, struct hk_err *err)
{
	char sql[96];

	for (const char *c = channel; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
			return hk_fail(err, HK_EINTERNAL, NULL, "bad channel");
	if ((size_t)snprintf(sql, sizeof(sql), "LISTEN %s", channel) >=
	    sizeof(sql))
		return hk_fail(err, HK_EINTERNAL, NULL, "bad channel");
	return pg_script(conn, sql, err);
}

static int
pg_listen_fd(void *conn)
{
	return PQsocket(conn);
}

static int
pg_listen_drain(void *conn)
{
	PGnotify *n;
	int count = 0;

	if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
		return -1;
	while ((n = PQnotifies(conn)) != NULL) {
		PQfreemem(n);
		count++;
	}
	return count;
}

const struct db_backend db_backend_pgsql = {
	.schemes = { "postgresql", "postgres", NULL },
	.open = pg_open,
	.close = pg_close,
	.script = pg_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.query = pg_query,
	.migrations = db_migrations_pgsql,
	/* on the search path, as the queries find their tables */
	.has_table = "SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 "
	    "ELSE 1 END",
	.listen = pg_listen,
	.listen_fd = pg_listen_fd,
	.listen_drain = pg_listen_drain,
	.lock_rows = " FOR UPDATE SKIP LOCKED",
};
