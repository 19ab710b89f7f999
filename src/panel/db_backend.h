/* SPDX-License-Identifier: ISC */
/*
 * db_backend.h - what a database backend provides to db.c (after
 * OpenSMTPD's table_backend): one small struct of function pointers.
 * Only db.c and the backends include this.
 */
#ifndef HK_DB_BACKEND_H
#define HK_DB_BACKEND_H

#include "db.h"

struct db_migration {
	int version;
	const char *name;
	const char *sql;	/* several statements */
};

struct db_backend {
	const char *schemes[3];	/* URL prefixes up to ':'; [0] is the name */
	int in_process;		/* queries run on the caller's CPU: no server
				 * to wait on (db_in_process) */
	/* The whole URL; create: make an absent database (SQLite's file),
	 * else an absent one fails naming what to run. */
	void *(*open)(const char *url, int create, struct hk_err *err);
	void (*close)(void *conn);
	int (*script)(void *conn, const char *sql, struct hk_err *err);
	int (*begin)(void *conn, int write, struct hk_err *err);
	int (*commit)(void *conn, struct hk_err *err);
	void (*rollback)(void *conn);
	int (*query)(void *conn, const char *sql, const struct db_param *p,
		     int n, db_row_fn fn, void *ctx, int64_t *changes,
		     struct hk_err *err);
	/* db_temp_table(): what its CREATE ends with, and whether it must
	 * be emptied by a DELETE (no ON COMMIT clause). */
	const char *temp_table_tail;
	int temp_table_delete;
	/* db_copy(), its table and columns checked by db.c. */
	int (*copy)(void *conn, const char *table, const char *const *cols,
		    int ncols, size_t n, db_copy_fn fn, void *ctx,
		    struct hk_err *err);
	const struct db_migration *migrations;
	/* A query of one row, one column: 1 when the table named $1 exists,
	 * else 0. */
	const char *has_table;
	/* Notifications between nodes (LISTEN/NOTIFY); NULL where the
	 * backend has none (SQLite: one node, woken by wake.c). */
	int (*listen)(void *conn, const char *channel, struct hk_err *err);
	int (*listen_fd)(void *conn);
	int (*listen_drain)(void *conn);
	/* A large write transaction comes (on) or went (off); NULL where
	 * nothing changes. */
	int (*bulk)(void *conn, int on, struct hk_err *err);
	/* What a SELECT that leases rows ends with ("" when the write
	 * transaction already excludes every other writer). */
	const char *lock_rows;
	/* What a SELECT that keeps its rows from being deleted ends with
	 * ("" as above). */
	const char *lock_keys;
	/* q= on mailboxes through the backend's trigram index (022). */
	struct db_search search;
};

extern const struct db_backend db_backend_sqlite;
extern const struct db_backend db_backend_pgsql;
extern const struct db_migration db_migrations_sqlite[];
extern const struct db_migration db_migrations_pgsql[];

#endif
