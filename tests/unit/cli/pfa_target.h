/* SPDX-License-Identifier: ISC */
/*
 * pfa_target.h - test_pfa_src.c's database of its own on one backend:
 * made with its tables by target_setup() through a side connection
 * (read-write, the test's own), dropped by target_teardown().
 */
#ifndef HK_TEST_PFA_TARGET_H
#define HK_TEST_PFA_TARGET_H

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#define SECRET	"Sekr1tPw"
#define BIG_ROWS	20000
#define FILLER		500	/* bytes a row of big carries */

enum kind { SQ, PG, MY };

extern const char *const kind_names[];

struct target {
	enum kind kind;
	char url[600];		/* the reader's */
	char shown[600];	/* the same with its password as *** */
	char dir[64];		/* SQLite: the test's directory */
	char db[64];		/* PostgreSQL, MariaDB: the test's database */
	const char *base;
	sqlite3 *sq;		/* the side connection, read-write */
	PGconn *pg;
	MYSQL *my;
	char my_user[64], my_pass[64], my_host[64];
	unsigned my_port;
};

/* sql run on the side connection; a failure fails the test. */
void side(struct target *t, const char *sql);
/* cmocka's setup and teardown: *state is the target. */
int target_setup(void **state);
int target_teardown(void **state);

#endif
