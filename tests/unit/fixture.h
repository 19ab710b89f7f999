/* fixture.h - a fresh migrated SQLite database with project "lab" and guest
 * "g1" (id 1), shared by the store and render tests. */
#ifndef HK_TEST_FIXTURE_H
#define HK_TEST_FIXTURE_H

#include "db.h"
#include "store.h"

struct fixture {
	char dir[64];
	struct db *db;
	struct hk_actor admin;
};

int fixture_setup(void **state);
int fixture_teardown(void **state);

#endif
