/* SPDX-License-Identifier: ISC */
/*
 * db.h - the one database interface every part of the panel uses.
 *
 * A struct db is a connection to one of the backends (db_sqlite.c,
 * db_pgsql.c) chosen by the URL's scheme ("sqlite:PATH",
 * "postgresql://...").  Queries are
 * written once in SQL both backends accept, with $1..$n placeholders and
 * parameters bound by value (never pasted into the text).  Rows stream to a
 * callback; values arrive as text with a type tag, as libpq gives them.
 */
#ifndef HK_DB_H
#define HK_DB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "strbuf.h"

enum db_type { DB_NULL, DB_INT, DB_TEXT };

struct db_param {
	enum db_type type;
	const char *text;	/* DB_TEXT */
	int64_t num;		/* DB_INT */
};

#define DB_TXT(s)	((struct db_param){ .type = DB_TEXT, .text = (s) })
#define DB_INTV(n)	((struct db_param){ .type = DB_INT, .num = (n) })
#define DB_NUL		((struct db_param){ .type = DB_NULL })

struct db_row {
	int ncols;
	const char *const *names;
	const char *const *vals;	/* NULL for SQL NULL */
	const enum db_type *types;
};

/* Return 0 to go on, -1 to stop the query with err set. */
typedef int (*db_row_fn)(void *ctx, const struct db_row *row,
			 struct hk_err *err);

struct db;

/*
 * Opens a database that exists and holds every migration this program
 * knows; else fails HK_EDB on database.url saying what to run ("run:
 * hakomail init" for none, "run: hakomail migrate" for an older one).
 * It never makes a database.
 */
struct db *db_open(const char *url, struct hk_err *err);
/* Opens the database as it is, making an absent SQLite file: for
 * db_migrate() (hakomail init) and for making a database (tests). */
struct db *db_open_init(const char *url, struct hk_err *err);
void db_close(struct db *db);

/* Applies the backend's pending numbered migrations, each in a transaction. */
int db_migrate(struct db *db, int *applied, struct hk_err *err);

/* write != 0 takes the write lock up front (SQLite: BEGIN IMMEDIATE). */
int db_begin(struct db *db, int write, struct hk_err *err);
/* fn(arg) is called before each write: db_begin of a write transaction,
 * db_exec (a statement that returns no rows), db_copy.  A write may
 * wait for another's lock: a FastCGI worker hands its connections to
 * another thread first (fcgi_worker.h).  NULL: nothing is called. */
void db_on_write(struct db *db, void (*fn)(void *arg), void *arg);
int db_commit(struct db *db, struct hk_err *err);
void db_rollback(struct db *db);

/* A large write transaction is coming (on) or is over (off).  SQLite
 * gives the connection a larger page cache (8 MiB: an import's memory is
 * bounded by its file) and keeps its statement journals in memory. */
int db_bulk(struct db *db, int on, struct hk_err *err);

/*
 * Runs sql with params[0..n); each result row goes to fn (may be NULL).
 * *changes (may be NULL) gets the number of rows written.  A unique or
 * foreign-key violation fails with HK_EEXIST / HK_EINVAL, other failures
 * with HK_EDB.
 */
int db_query(struct db *db, const char *sql, const struct db_param *params,
	     int n, db_row_fn fn, void *ctx, int64_t *changes,
	     struct hk_err *err);

/*
 * A temporary table of this connection for a transaction's bulk rows
 * (db_copy), made with columns (an SQL column list of the caller's code)
 * the first time, and empty whenever a transaction begins to use it:
 * PostgreSQL truncates it at each commit (ON COMMIT DELETE ROWS), far
 * cheaper than deleting its rows; SQLite empties it here (its DELETE of
 * a whole table is a truncation too).  Call it inside the transaction.
 */
int db_temp_table(struct db *db, const char *name, const char *columns,
		  struct hk_err *err);

/*
 * Many rows into a table in one go (usually a temporary table that one
 * set-based statement then reads): n rows of the ncols columns cols, fn
 * putting row i's values into vals[0..ncols) (text it points to need
 * only live until fn is called again).  SQLite steps one prepared INSERT
 * per row (it has no round trips to save); PostgreSQL streams COPY FROM
 * STDIN, one round trip for them all where an INSERT per row would be n.
 * table and cols are identifiers of the caller's code, [a-z_][a-z0-9_]*
 * (HK_EINTERNAL otherwise), never input.  Failures as db_query's.
 */
typedef int (*db_copy_fn)(void *ctx, size_t i, struct db_param *vals,
			  struct hk_err *err);
#define DB_COPY_MAX_COLS	16
int db_copy(struct db *db, const char *table, const char *const *cols,
	    int ncols, size_t n, db_copy_fn fn, void *ctx,
	    struct hk_err *err);

/* Convenience over db_query. */
int db_exec(struct db *db, const char *sql, const struct db_param *params,
	    int n, int64_t *changes, struct hk_err *err);
/* *arr gets a new array of the rows as JSON objects (ints as integers);
 * whatever *arr held before is not touched (callers often reuse a freed
 * pointer variable). */
int db_query_json(struct db *db, const char *sql,
		  const struct db_param *params, int n, json_t **arr,
		  struct hk_err *err);
/* *out gets the one row as a JSON object; HK_ENOTFOUND (no field) when
 * there is no row. */
int db_query_object(struct db *db, const char *sql,
		    const struct db_param *params, int n, json_t **out,
		    struct hk_err *err);
/* Turns the 0/1 integer member `key` of an object, or of each object of
 * an array, into a JSON boolean (both backends keep booleans as
 * integers). */
void db_json_bool(json_t *rows, const char *key);
/* Rows straight to JSON text (db_text.c): appends to out the array of the
 * first `limit` rows as db_query_json() and db_json_bool() would make
 * them (the columns named in bools as true/false), without building them
 * as jansson values.  The query should ask for limit + 1 rows: when one
 * more came, next gets the `key` column of the last row written, else
 * "".  A stored value that is not UTF-8 fails HK_EDB. */
struct db_text_page {
	const char *const *bools;	/* NULL-terminated; may be NULL */
	int limit;
	const char *key;
	char *next;
	size_t nextlen;
	/* A sort on two columns: next is "KEY2:KEY" (a NULL KEY2 as -1,
	 * below every count), when key2 is not NULL. */
	const char *key2;
	long *rows;	/* where not NULL: how many rows came */
};
int db_query_text(struct db *db, const char *sql,
		  const struct db_param *params, int n,
		  const struct db_text_page *pg, struct strbuf *out,
		  struct hk_err *err);
/* One row as a JSON array of numbers appended to out, for a series too
 * long to build as jansson values: an integer column as it is, any other
 * value as the number its text is (a real keeps its '.': "1.0", never
 * "1"), and NULL or text that is no JSON number (NaN, Infinity) as null.
 * 0, or -1 when out refused to grow. */
int db_row_numbers(const struct db_row *row, struct strbuf *out);
/* The first column of the first row as an integer; HK_ENOTFOUND if none. */
int db_query_int(struct db *db, const char *sql,
		 const struct db_param *params, int n, int64_t *out,
		 struct hk_err *err);

/* The first row's first n columns as integers (NULL as 0); HK_ENOTFOUND
 * if there is no row. */
int db_query_ints(struct db *db, const char *sql,
		  const struct db_param *params, int np, int64_t *out, int n,
		  struct hk_err *err);

/*
 * Wake-ups from writers on any node.  db_listen() subscribes this
 * connection to channel; db_listen_fd() is the descriptor to poll() for
 * input; db_listen_drain() consumes what arrived and returns how many
 * notifications it held, or -1 when the connection is lost (reopen it).
 * Where the backend has no notifications db_listen() fails HK_EINVAL and
 * db_listen_fd() returns -1.
 */
int db_listen(struct db *db, const char *channel, struct hk_err *err);
int db_listen_fd(struct db *db);
int db_listen_drain(struct db *db);

/* The tail of a SELECT that leases the rows it returns to this
 * transaction, skipping rows another transaction holds. */
const char *db_lock_rows(const struct db *db);
/* The tail of a SELECT that keeps the rows it returns from being deleted
 * (or their keys changed) until this transaction ends; readers, and
 * writers of their other columns, go on. */
const char *db_lock_keys(const struct db *db);

/*
 * Substring search (q=) on mailboxes and aliases through the backend's
 * trigram indexes (migration 022), which give a listing candidates
 * (store_search.c):
 *  - candidates[kind] (0: mailboxes, 1: aliases): the SQL of the ids of
 *    the rows, in any domain, that may hold a fragment (every one that
 *    does, perhaps more), over its parameter $6: what arg() writes for
 *    the fragment, which returns -1 where the index cannot answer (fewer
 *    than three characters: no trigram; the listing scans); where arg is
 *    NULL, $6 is the listing's LIKE pattern of the fragment.  arg's
 *    windows say which of the fragment's trigrams (bit w: the one at
 *    its character w) the index is asked for; 0 lets it choose.
 *  - probe[kind] (NULL: none): the SQL of how many rows, up to $7, the
 *    index gives for $6, what arg() writes for one trigram: a trigram
 *    nearly every row holds costs a search more than it saves.
 *  - collect[kind] (NULL: none): where the index holds what the listing
 *    filters and sorts on, the SQL that collects its candidates instead
 *    of candidates[kind] over the listing's $1..$7: rows of how many
 *    candidates there are (up to $7) and one id that may be on the page
 *    (NULL for none), the page's rows among them and every one the
 *    index cannot say of.
 *  - ids: the SQL of the ids in $6, a JSON array of integers: the
 *    candidates the store collected once, which the page then reads
 *    (asking the index twice cost PostgreSQL's GIN a second bitmap).
 *  - window_sorted: whether a subquery's LIMIT, read in order, has its
 *    rows all read and sorted again above it (SQLite: the order of a
 *    subquery in FROM is not known above it), where PostgreSQL reads
 *    them only as far as the query needs.
 *  - fence: the tail of a subquery read in its own order, its rows
 *    tested only above it, which the planner must not open ("" where it
 *    does not): a scan reads a domain in order until its page is full,
 *    where PostgreSQL, estimating from the LIKE that few rows match,
 *    read and sorted the whole domain.
 *  - upkeep: writes do not index (it cost them too much); the steps that
 *    bring the index up to date, each in one write transaction that
 *    runs begin first (where not NULL): its plan, a query over $1 (at
 *    most how many rows) of one row: how many rows it does (0: none, and
 *    nothing more runs) and two bounds, which its statements get as $1
 *    and $2.  Ends with a step whose plan is NULL.
 */
struct db_search_step {
	const char *plan;
	const char *const *run;
};
struct db_search {
	const char *collect[2];
	const char *candidates[2];
	int (*arg)(const char *frag, uint64_t windows, char *out,
		   size_t size);
	const char *probe[2];
	const char *ids;
	const char *fence;
	int window_sorted;
	const char *begin;
	const struct db_search_step *upkeep;
};
#define DB_SEARCH_ARG_MAX	1024
const struct db_search *db_search(const struct db *db);

/* Backend name, e.g. "sqlite". */
const char *db_backend_name(const struct db *db);
/* 1 when the database is a library in this process (SQLite): a query
 * keeps its thread busy only while this CPU works, never waiting on a
 * server (a write may still wait on another's lock). */
int db_in_process(const struct db *db);

#endif
