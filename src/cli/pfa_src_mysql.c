/* SPDX-License-Identifier: ISC */
/*
 * pfa_src_mysql.c - a PostfixAdmin database on MariaDB or MySQL, read
 * only (pfa_src.h), through the MariaDB client library (libmariadb).
 *
 * mysql://[USER[:PASS]@]HOST[:PORT]/DB (or mariadb://), user, password
 * and database percent-decoded; "localhost" is the server's socket, as
 * in every MySQL client.  Connected within 10 s, each read answered
 * within 60 s, in utf8mb4.  The session's transactions are READ ONLY
 * and REPEATABLE READ, and the one it opens at once takes a consistent
 * snapshot: every query sees InnoDB's tables as they were at open.  Its
 * sql_mode adds ANSI_QUOTES and PIPES_AS_CONCAT, so that one SQL text
 * ("quoted" names, a || b) reads all three backends.  Rows come one at
 * a time (mysql_use_result); the server waits up to 10 minutes for the
 * caller to take the next (net_write_timeout).  One statement per
 * query: the client never asks for multi-statements.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <mysql.h>

#include "pfa_src_backend.h"

#define CONNECT_TIMEOUT_S	10
#define READ_TIMEOUT_S		60
#define NAME_MAX_BYTES		256	/* MySQL's names are 64 characters */

static int
fail_my(MYSQL *m, struct hk_err *err)
{
	return hk_fail(err, HK_EDB, NULL, "mysql: %s (%u)", mysql_error(m),
		       mysql_errno(m));
}

static int
bad_url(const struct pfa_url *u, const char *why, struct hk_err *err)
{
	return hk_failr(err, HK_EINVAL, "from", HK_R_pfa_url, "url", u->shown,
			"detail", why, NULL);
}

/* u as the one form this backend takes; its port into *port (0: the
 * default). */
static int
check_url(const struct pfa_url *u, unsigned *port, struct hk_err *err)
{
	const char *p = u->port;

	if (!u->authority)
		return bad_url(u, "not //HOST/DB", err);
	if (u->bad != NULL)
		return bad_url(u, u->bad, err);
	if (u->host[0] == '\0')
		return bad_url(u, "no host", err);
	if (u->path[0] == '\0')
		return bad_url(u, "no database name", err);
	if (strchr(u->path, '/') != NULL)
		return bad_url(u, "a '/' after the database name", err);
	if (u->has_query)
		return bad_url(u, "parameters (?...) are not taken", err);
	*port = 0;
	for (; *p >= '0' && *p <= '9' && *port <= 65535; p++)
		*port = *port * 10 + (unsigned)(*p - '0');
	if (*p != '\0' || (u->port[0] != '\0' && (*port == 0 ||
						   *port > 65535)))
		return bad_url(u, "a port not 1..65535", err);
	return 0;
}

/* Never reconnect by itself: a new connection would read outside the
 * snapshot, and not read only. */
static int
set_options(MYSQL *m)
{
	unsigned ct = CONNECT_TIMEOUT_S, rt = READ_TIMEOUT_S;
	my_bool reconnect = 0;

	return mysql_options(m, MYSQL_OPT_RECONNECT, &reconnect) ||
	    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct) ||
	    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt) ||
	    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rt) ||
	    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4") ? -1 : 0;
}

static int
exec(MYSQL *m, const char *sql, struct hk_err *err)
{
	return mysql_query(m, sql) != 0 ? fail_my(m, err) : 0;
}

static void *
my_open(const struct pfa_url *u, struct hk_err *err)
{
	MYSQL *m;
	unsigned port = 0;

	if (check_url(u, &port, err) < 0)
		return NULL;
	if ((m = mysql_init(NULL)) == NULL) {
		hk_fail(err, HK_EDB, NULL, "mysql: out of memory");
		return NULL;
	}
	if (set_options(m) < 0 ||
	    mysql_real_connect(m, u->host, u->has_user ? u->user : NULL,
			       u->has_pass ? u->pass : NULL, u->path, port,
			       NULL, 0) == NULL) {
		fail_my(m, err);
		goto fail;
	}
	if (exec(m, "SET SESSION net_write_timeout = 600, SESSION sql_mode = "
		 "CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), "
		 "'ANSI_QUOTES', 'PIPES_AS_CONCAT')", err) < 0 ||
	    exec(m, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ, "
		 "READ ONLY", err) < 0 ||
	    exec(m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
		 err) < 0)
		goto fail;
	return m;
fail:
	mysql_close(m);
	return NULL;
}

static void
my_close(void *conn)
{
	/* the transaction is rolled back as the connection ends */
	mysql_close(conn);
}

static int
my_query(void *conn, const char *sql, pfa_row_fn fn, void *ctx,
	 struct hk_err *err)
{
	MYSQL *m = conn;
	MYSQL_RES *res;
	MYSQL_ROW row;
	int n, rc = 0;

	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		return fail_my(m, err);
	if ((res = mysql_use_result(m)) == NULL)
		return mysql_field_count(m) == 0 ? 0 : fail_my(m, err);
	n = (int)mysql_num_fields(res);
	while (rc == 0 && (row = mysql_fetch_row(res)) != NULL)
		rc = fn(ctx, (const char *const *)row, n, err);
	/* NULL: the end, or the server gone (killed, timed out) */
	if (rc == 0 && mysql_errno(m) != 0)
		rc = fail_my(m, err);
	mysql_free_result(res);	/* reads and drops the rows fn left */
	return rc;
}

static int
one_row(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	(void)vals;
	(void)n;
	(void)err;
	*(int *)ctx = 1;
	return 0;
}

static int
my_has_table(void *conn, const char *table, struct hk_err *err)
{
	char name[2 * NAME_MAX_BYTES + 1], sql[sizeof(name) + 128];
	size_t len = strlen(table);
	int found = 0;

	if (len >= NAME_MAX_BYTES)
		return 0;	/* no name is that long */
	if (mysql_real_escape_string(conn, name, table, (unsigned long)len) ==
	    (unsigned long)-1)
		return fail_my(conn, err);
	snprintf(sql, sizeof(sql), "SELECT 1 FROM information_schema.tables "
		 "WHERE table_schema = DATABASE() AND table_name = '%s'", name);
	if (my_query(conn, sql, one_row, &found, err) != 0)
		return -1;
	return found;
}

const struct pfa_backend pfa_backend_mysql = {
	.kind = "mysql",
	.schemes = { "mysql", "mariadb" },
	.open = my_open,
	.query = my_query,
	.has_table = my_has_table,
	.close = my_close,
};
