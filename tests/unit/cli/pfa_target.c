/* SPDX-License-Identifier: ISC */
/*
 * pfa_target.c - test_pfa_src.c's database of its own, made and dropped
 * through a side connection.  See pfa_target.h.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include "pfa_target.h"

const char *const kind_names[] = { "sqlite", "pgsql", "mysql" };

/* --- the side connection --- */

void
side(struct target *t, const char *sql)
{
	char *msg = NULL;
	PGresult *r;
	ExecStatusType s;

	switch (t->kind) {
	case SQ:
		if (sqlite3_exec(t->sq, sql, NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("%s: %s", sql, msg);
		break;
	case PG:
		r = PQexec(t->pg, sql);
		s = PQresultStatus(r);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQresultErrorMessage(r));
		PQclear(r);
		break;
	case MY:
		if (mysql_query(t->my, sql) != 0)
			fail_msg("%s: %s", sql, mysql_error(t->my));
		mysql_free_result(mysql_store_result(t->my));
		break;
	}
}

static MYSQL *
my_connect(struct target *t, const char *db)
{
	MYSQL *m = mysql_init(NULL);

	assert_non_null(m);
	assert_int_equal(mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4"),
			 0);
	if (mysql_real_connect(m, t->my_host, t->my_user, t->my_pass, db,
			       t->my_port, NULL, 0) == NULL)
		fail_msg("%s: %s", t->base, mysql_error(m));
	return m;
}

static void
pg_admin(struct target *t, const char *fmt)
{
	char url[512], sql[128];
	PGconn *c;

	snprintf(url, sizeof(url), "%spostgres", t->base);
	snprintf(sql, sizeof(sql), fmt, t->db);
	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", url, PQerrorMessage(c));
	t->pg = c;
	side(t, sql);
	PQfinish(c);
	t->pg = NULL;
}

static const char *const schema[] = {
	"CREATE TABLE mailbox (username VARCHAR(255) NOT NULL PRIMARY KEY, "
	"name VARCHAR(255), quota BIGINT, active INTEGER NOT NULL)",
	"CREATE TABLE big (id INTEGER NOT NULL PRIMARY KEY, "
	"filler VARCHAR(600) NOT NULL)",
	"CREATE VIEW mailbox_view AS SELECT username FROM mailbox",
	"INSERT INTO mailbox VALUES ('a@x.example', '松井 太郎', 1024, 1)",
	"INSERT INTO mailbox VALUES ('b@x.example', NULL, NULL, 0)",
	NULL
};

static const char *const fill_big[] = {
	[SQ] = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
	"FROM c WHERE n < 20000) INSERT INTO big SELECT n, "
	"replace(hex(zeroblob(250)), '0', 'x') FROM c",
	[PG] = "INSERT INTO big SELECT g, repeat('x', 500) "
	"FROM generate_series(1, 20000) g",
	[MY] = "INSERT INTO big SELECT seq, REPEAT('x', 500) "
	"FROM seq_1_to_20000",
};

static void
side_open(struct target *t)
{
	char path[128], sql[128];

	switch (t->kind) {
	case SQ:
		snprintf(t->dir, sizeof(t->dir), "/tmp/hk-pfa-XXXXXX");
		assert_non_null(mkdtemp(t->dir));
		snprintf(path, sizeof(path), "%s/pfa.db", t->dir);
		assert_int_equal(sqlite3_open_v2(path, &t->sq,
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
			SQLITE_OK);
		side(t, "PRAGMA journal_mode = WAL");
		snprintf(t->url, sizeof(t->url), "sqlite:%s", path);
		break;
	case PG:
		pg_admin(t, "CREATE DATABASE %s");
		snprintf(t->url, sizeof(t->url), "%s%s", t->base, t->db);
		t->pg = PQconnectdb(t->url);
		if (PQstatus(t->pg) != CONNECTION_OK)
			fail_msg("%s: %s", t->url, PQerrorMessage(t->pg));
		break;
	case MY:
		t->my = my_connect(t, NULL);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s CHARACTER SET "
			 "utf8mb4", t->db);
		side(t, sql);
		assert_int_equal(mysql_select_db(t->my, t->db), 0);
		snprintf(t->url, sizeof(t->url), "%s%s", t->base, t->db);
		break;
	}
}

/* t->shown: t->url with the password of its user, if any, as ***. */
static void
mask(struct target *t)
{
	const char *a = strstr(t->url, "://"), *at = strchr(t->url, '@');
	const char *colon = a ? strchr(a + 3, ':') : NULL;

	if (at == NULL || colon == NULL || colon > at)
		snprintf(t->shown, sizeof(t->shown), "%s", t->url);
	else
		snprintf(t->shown, sizeof(t->shown), "%.*s***%s",
			 (int)(colon + 1 - t->url), t->url, at);
}

int
target_setup(void **state)
{
	struct target *t = *state;

	snprintf(t->db, sizeof(t->db), "hk_pfa_%ld", (long)getpid());
	side_open(t);
	mask(t);
	for (int i = 0; schema[i] != NULL; i++)
		side(t, schema[i]);
	side(t, fill_big[t->kind]);
	return 0;
}

/* A reader a failed test left open holds its tables' metadata locks,
 * for which DROP DATABASE would wait for ever: ended first. */
static void
my_kill_readers(struct target *t)
{
	char sql[160];
	MYSQL_RES *res;
	MYSQL_ROW row;

	snprintf(sql, sizeof(sql), "SELECT id FROM information_schema."
		 "processlist WHERE db = '%s' AND id <> CONNECTION_ID()", t->db);
	if (mysql_query(t->my, sql) != 0 ||
	    (res = mysql_store_result(t->my)) == NULL)
		fail_msg("%s: %s", sql, mysql_error(t->my));
	while ((row = mysql_fetch_row(res)) != NULL) {
		snprintf(sql, sizeof(sql), "KILL CONNECTION %s", row[0]);
		if (mysql_query(t->my, sql) != 0)	/* gone meanwhile */
			continue;
	}
	mysql_free_result(res);
}

int
target_teardown(void **state)
{
	struct target *t = *state;
	char path[128], sql[128];

	switch (t->kind) {
	case SQ:
		sqlite3_close(t->sq);
		for (const char *const *s = (const char *const[]){ "pfa.db",
		     "pfa.db-wal", "pfa.db-shm", "text.db", NULL }; *s; s++) {
			snprintf(path, sizeof(path), "%s/%s", t->dir, *s);
			unlink(path);
		}
		rmdir(t->dir);
		break;
	case PG:
		PQfinish(t->pg);
		pg_admin(t, "DROP DATABASE %s WITH (FORCE)");
		break;
	case MY:
		my_kill_readers(t);
		snprintf(sql, sizeof(sql), "DROP DATABASE %s", t->db);
		side(t, sql);
		mysql_close(t->my);
		break;
	}
	return 0;
}

