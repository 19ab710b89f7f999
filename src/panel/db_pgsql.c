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
#include "strbuf.h"

#define MAX_COLS	64
#define MAX_PARAMS	512	/* a batch of import rows */

/* Type OIDs (server/catalog/pg_type_d.h, stable across versions). */
#define INT8OID	20
#define INT2OID	21
#define INT4OID	23
#define TEXTOID	25

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
	/* Notices ("relation already exists, skipping") are not for stderr.
	 * No JIT: every query here is short, and the search index's upkeep,
	 * estimated dear, spent 80 ms compiling what ran in 2. */
	PQsetNoticeProcessor(c, ignore_notice, NULL);
	r = PQexec(c, "SET client_min_messages = warning; SET jit = off");
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

/*
 * The types of the parameters sql does not name: PostgreSQL infers a
 * parameter's type from where it stands, and refuses one that stands
 * nowhere, where SQLite lets a statement leave some of its parameters
 * aside (a listing's plans share one array).  0 (inferred) for the
 * others.  A '$' in a string literal counts as named: inferred, as
 * before.
 */
static void
unnamed_types(const char *sql, const struct db_param *p, int n, Oid *types)
{
	char named[MAX_PARAMS] = { 0 };

	for (const char *s = strchr(sql, '$'); s != NULL;
	     s = strchr(s + 1, '$')) {
		long k = strtol(s + 1, NULL, 10);

		if (k >= 1 && k <= n)
			named[k - 1] = 1;
	}
	for (int i = 0; i < n; i++)
		types[i] = named[i] ? 0 : p[i].type == DB_INT ? INT8OID :
		    TEXTOID;
}

static int
pg_query(void *conn, const char *sql, const struct db_param *p, int n,
	 db_row_fn fn, void *ctx, int64_t *changes, struct hk_err *err)
{
	char nums[MAX_PARAMS][24];
	const char *vals[MAX_PARAMS];
	Oid types[MAX_PARAMS];
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
	unnamed_types(sql, p, n, types);
	r = PQexecParams(conn, sql, n, types, vals, NULL, NULL, 0);
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

/* --- db_copy(): COPY FROM STDIN in its text format --- */

#define COPY_CHUNK	(64 * 1024)	/* sent whenever this much is held */

/* An integer in decimal, without printf's parsing of a format: a
 * report's 100,000 rows are 400,000 of them, and printf was a tenth of
 * storing it. */
static int
copy_int(struct strbuf *sb, int64_t n)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = n < 0 ? -(uint64_t)n : (uint64_t)n;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (n < 0)
		*--p = '-';
	return strbuf_append(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/* One value of a row: \N for NULL, text with its backslash, tab,
 * newline and carriage return escaped as COPY reads them. */
static int
copy_value(struct strbuf *sb, const struct db_param *v)
{
	const char *s = v->text, *run;

	if (v->type == DB_INT)
		return copy_int(sb, v->num);
	if (v->type != DB_TEXT || s == NULL)
		return strbuf_puts(sb, "\\N");
	for (run = s; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" :
		    *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;

		if (esc == NULL)
			continue;
		if (strbuf_append(sb, run, (size_t)(s - run)) < 0 ||
		    strbuf_puts(sb, esc) < 0)
			return -1;
		run = s + 1;
	}
	return strbuf_append(sb, run, (size_t)(s - run));
}

/* One row, its values separated by tabs, ended by a newline. */
static int
copy_row(struct strbuf *sb, const struct db_param *v, int ncols)
{
	for (int k = 0; k < ncols; k++)
		if ((k > 0 && strbuf_puts(sb, "\t") < 0) ||
		    copy_value(sb, &v[k]) < 0)
			return -1;
	return strbuf_puts(sb, "\n");
}

/* The rows, streamed; on a failure the COPY is ended with an error so
 * that the server discards it (the caller rolls back). */
static int
copy_rows(PGconn *conn, int ncols, size_t n, db_copy_fn fn, void *ctx,
	  struct hk_err *err)
{
	struct db_param v[DB_COPY_MAX_COLS];
	struct strbuf sb;
	int rc = 0;

	strbuf_init(&sb, 0);
	for (size_t i = 0; i < n && rc == 0; i++) {
		memset(v, 0, sizeof(v));
		if ((rc = fn(ctx, i, v, err)) < 0)
			break;
		if (copy_row(&sb, v, ncols) < 0)
			rc = hk_fail(err, HK_ESYS, NULL, "out of memory");
		else if ((sb.len >= COPY_CHUNK || i + 1 == n) &&
			 PQputCopyData(conn, sb.data, (int)sb.len) != 1)
			rc = fail_pg(conn, NULL, err);
		if (sb.len >= COPY_CHUNK || i + 1 == n)
			strbuf_reset(&sb);
	}
	strbuf_free(&sb);
	if (PQputCopyEnd(conn, rc == 0 ? NULL : "aborted") != 1 && rc == 0)
		rc = fail_pg(conn, NULL, err);
	return rc;
}

static int
pg_copy(void *conn, const char *table, const char *const *cols, int ncols,
	size_t n, db_copy_fn fn, void *ctx, struct hk_err *err)
{
	char sql[1024];
	size_t len = (size_t)snprintf(sql, sizeof(sql), "COPY %s (", table);
	PGresult *r;
	int rc;

	for (int i = 0; i < ncols && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s",
					i ? ", " : "", cols[i]);
	if (len >= sizeof(sql) - 16)
		return hk_fail(err, HK_EINTERNAL, NULL, "db_copy: too long");
	snprintf(sql + len, sizeof(sql) - len, ") FROM STDIN");
	r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		rc = fail_pg(conn, r, err);
		PQclear(r);
		return rc;
	}
	PQclear(r);
	rc = copy_rows(conn, ncols, n, fn, ctx, err);
	/* the COPY's own outcome (a constraint, a bad value), then none */
	while ((r = PQgetResult(conn)) != NULL) {
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = fail_pg(conn, r, err);
		PQclear(r);
	}
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

/*
 * The upkeep of the indexes (022): a batch of the rows of the ranges
 * noted, the lowest ids first, indexed with their text as it is (read
 * FOR SHARE: an update of a row waits, then its trigger finds the row
 * indexed); the ranges then forget them.  In one snapshot (REPEATABLE
 * READ), so that a range another transaction notes meanwhile is not
 * forgotten, and by one node at a time (the lock's number is hakomail's
 * own: "search" in ASCII).  Each range is looked up on its own
 * (LATERAL, and OFFSET 0 so that the planner does not pull it up): as a
 * join on BETWEEN, the planner walked the whole table in id order, for
 * 25 ms a row on 510,000.
 */
#define FRESH_IDS(kind, table) "SELECT x.id FROM search_fresh f CROSS " \
	"JOIN LATERAL (SELECT id FROM " table " WHERE id BETWEEN f.lo AND " \
	"f.hi OFFSET 0) x WHERE f.kind = " kind
#define FRESH_PLAN(kind, table) "SELECT count(*), coalesce(min(id), 0), " \
	"coalesce(max(id), 0) FROM (" FRESH_IDS(kind, table) " AND " \
	"pg_try_advisory_xact_lock(126879263777640) ORDER BY x.id LIMIT $1) y"
#define FRESH_DONE(kind) \
	"DELETE FROM search_fresh WHERE kind = " kind " AND hi <= $2", \
	"UPDATE search_fresh SET lo = $2 + 1 WHERE kind = " kind \
	" AND lo <= $2"
#define INDEX_AS(table) " FOR SHARE ON CONFLICT (id) DO UPDATE SET doc = " \
	"excluded.doc WHERE " table ".doc <> excluded.doc"

static const char *const mailbox_fresh[] = {
	"INSERT INTO mailbox_search (id, doc, domain_id, local_part, active) "
	"SELECT id, local_part || chr(10) || lower(name), domain_id, "
	"local_part, active FROM mailbox WHERE id BETWEEN $1 AND $2 FOR "
	"SHARE ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, local_part "
	"= excluded.local_part, active = excluded.active WHERE (mailbox_search"
	".doc, mailbox_search.active) IS DISTINCT FROM (excluded.doc, "
	"excluded.active)", FRESH_DONE("0"), NULL
}, *const alias_fresh[] = {
	"INSERT INTO alias_search (id, doc) SELECT id, local_part || '@' "
	"FROM alias WHERE id BETWEEN $1 AND $2" INDEX_AS("alias_search"),
	FRESH_DONE("1"), NULL
};

/*
 * A mailbox search's candidates (024: the index holds each row's domain,
 * local part and active flag) and, in the same pass, which of them may
 * be on the page: those of the listing's domain after its cursor ($1,
 * $2) with its active flag ($5, -1: either), the first $4 in order (the
 * index's text is the row's, so they hold the fragment), and every row
 * not indexed yet, for the page to test.
 */
#define MAILBOX_COLLECT "WITH c AS MATERIALIZED (SELECT id, domain_id, " \
	"local_part, active FROM mailbox_search WHERE doc LIKE $6 ESCAPE " \
	"'\\' UNION ALL SELECT x.id, NULL, NULL, NULL FROM search_fresh f " \
	"CROSS JOIN LATERAL (SELECT id FROM mailbox WHERE id BETWEEN f.lo " \
	"AND f.hi OFFSET 0) x WHERE f.kind = 0 LIMIT $7) SELECT n.n, x.id " \
	"FROM (SELECT count(*) AS n FROM c) n LEFT JOIN (SELECT id FROM c " \
	"WHERE domain_id IS NULL UNION ALL (SELECT id FROM c WHERE " \
	"domain_id = $1 AND local_part > $2 AND ($5 < 0 OR active = $5) " \
	"ORDER BY local_part LIMIT $4)) x ON true"

static const struct db_search_step pg_upkeep[] = {
	{ FRESH_PLAN("0", "mailbox"), mailbox_fresh },
	{ FRESH_PLAN("1", "alias"), alias_fresh }, { NULL, NULL }
};

const struct db_backend db_backend_pgsql = {
	.schemes = { "postgresql", "postgres", NULL },
	.open = pg_open,
	.close = pg_close,
	.script = pg_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.query = pg_query,
	.copy = pg_copy,
	.temp_table_tail = " ON COMMIT DELETE ROWS",
	.migrations = db_migrations_pgsql,
	/* on the search path, as the queries find their tables */
	.has_table = "SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 "
	    "ELSE 1 END",
	.listen = pg_listen,
	.listen_fd = pg_listen_fd,
	.listen_drain = pg_listen_drain,
	.lock_rows = " FOR UPDATE SKIP LOCKED",
	.lock_keys = " FOR KEY SHARE",
	/* pg_trgm's GIN indexes (022), and the rows of the ranges not
	 * indexed yet */
	.search = { .collect = { MAILBOX_COLLECT, NULL }, .candidates = {
		"SELECT id FROM mailbox_search WHERE doc LIKE $6 ESCAPE '\\' "
		"UNION ALL " FRESH_IDS("0", "mailbox"),
		"SELECT id FROM alias_search WHERE doc LIKE $6 ESCAPE '\\' "
		"UNION ALL " FRESH_IDS("1", "alias") },
		    .arg = NULL, .ids = "SELECT CAST(value AS BIGINT) FROM "
		    "json_array_elements_text(CAST($6 AS JSON))",
		    .fence = "OFFSET 0",
		    .begin = "SET TRANSACTION ISOLATION LEVEL "
		    "REPEATABLE READ", .upkeep = pg_upkeep },
};
