/* SPDX-License-Identifier: ISC */
/* fixture.h - a fresh migrated database with project "lab" and guest "g1"
 * (id 1), shared by the store, render and API tests.  SQLite in a temporary
 * directory, or, when HK_TEST_PG_BASE is set (a URL ending in '/', as
 * tests/pg.sh prints), a new PostgreSQL database per test: one suite, both
 * backends. */
#ifndef HK_TEST_FIXTURE_H
#define HK_TEST_FIXTURE_H

#include <stddef.h>

#include "db.h"
#include "store.h"

struct fixture {
	char dir[64];		/* SQLite: the temporary directory */
	char pgname[64];	/* PostgreSQL: the database, "" for SQLite */
	char url[512];		/* for a second connection */
	struct db *db;
	struct hk_actor admin;
};

int fixture_setup(void **state);
/* An API key for account login (made if missing: an owner of project,
 * or an operator when project is NULL) into token[len]. */
void fixture_key(struct fixture *f, const char *login, const char *project,
		 char *token, size_t len);
/* The first column of sql's first row; a failed query fails the test. */
int64_t fixture_int(struct fixture *f, const char *sql);
int fixture_teardown(void **state);

#endif
