/* SPDX-License-Identifier: ISC */
/*
 * pfa_src.h - a PostfixAdmin database, read and never written: SQLite,
 * PostgreSQL or MariaDB/MySQL behind one small struct of function
 * pointers (pfa_src.c dispatches on the URL; one file per backend:
 * pfa_src_sqlite.c, pfa_src_pgsql.c, pfa_src_mysql.c).  Only the
 * hakomail command links these (and so libmariadb).
 *
 * URLs:
 *   sqlite:PATH                                 (PATH absolute or relative)
 *   postgresql://[USER[:PASS]@]HOST[:PORT]/DB[?...]   (also postgres://;
 *                                                given to libpq as it is)
 *   mysql://[USER[:PASS]@]HOST[:PORT]/DB        (also mariadb://; user,
 *                                                password and database
 *                                                percent-decoded; no
 *                                                ?parameters; HOST
 *                                                localhost: the socket)
 * The user's part ends at the URL's last '@' (a password may hold '@'
 * or '/' unencoded; a database name with an '@' needs %40).  An absent
 * SQLite file is an error, never made.
 *
 * Read only, as the backend allows it: SQLite opened with
 * SQLITE_OPEN_READONLY and PRAGMA query_only; PostgreSQL in one
 * transaction BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; MariaDB in
 * SET SESSION TRANSACTION READ ONLY, START TRANSACTION WITH CONSISTENT
 * SNAPSHOT.  So every query of one pfa_src sees one snapshot, taken at
 * pfa_src_open() (of InnoDB's tables on MariaDB, PostfixAdmin's), and a
 * write through it fails.  On SQLite without WAL, that snapshot's read
 * lock makes PostfixAdmin's writes wait (or fail busy) until
 * pfa_src_close().
 * MariaDB's session adds ANSI_QUOTES and PIPES_AS_CONCAT to its sql_mode,
 * so that one SQL text ("quoted" names, a || b) reads all three.
 *
 * Errors (struct hk_err, field "from"): a URL of no known scheme or a
 * malformed one (HK_EINVAL, reason pfa_url); a database that cannot be
 * opened or connected to, or a query that fails, including a server that
 * goes away in the middle of a read (HK_EUNAVAIL, reason pfa_unreadable,
 * the backend's words in its {detail}).  A failed query leaves src usable
 * (but not after its server went away).  A password in the URL never
 * appears in an error's message: the backends' words are scrubbed of it.
 */
#ifndef HK_PFA_SRC_H
#define HK_PFA_SRC_H

#include "err.h"

struct pfa_src;

/* One row: vals[0..n) as text, NULL for SQL NULL, valid until fn
 * returns; booleans as the backend gives them (the caller's SQL should
 * normalize them, as CASE WHEN active THEN 1 ELSE 0 END does on all
 * three).  A non-zero return stops the query, which then returns it, err
 * as fn left it.  fn must not use the pfa_src it is reading (its
 * connection is busy with the rows). */
typedef int (*pfa_row_fn)(void *ctx, const char *const *vals, int n,
			  struct hk_err *err);

struct pfa_src *pfa_src_open(const char *url, struct hk_err *err);

/* Runs sql, one SELECT without parameters (a second statement in the
 * text is refused), calling fn for each row in order; rows are streamed
 * (never all held in memory at once) on all three backends. */
int pfa_src_query(struct pfa_src *src, const char *sql, pfa_row_fn fn,
		  void *ctx, struct hk_err *err);

/* 1 when a table (or view) of that name exists, 0 when not, -1 on error. */
int pfa_src_has_table(struct pfa_src *src, const char *table,
		      struct hk_err *err);

/* "sqlite", "pgsql" or "mysql". */
const char *pfa_src_kind(const struct pfa_src *src);

/* The URL with any password replaced by "***", for messages and the
 * audit log (static storage inside src). */
const char *pfa_src_url_shown(const struct pfa_src *src);

void pfa_src_close(struct pfa_src *src);

#endif
