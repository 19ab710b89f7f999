/*
 * store_project.c - projects, the unit of tenancy.  See store.h.
 */
#include "config.h"

#include <time.h>

#include "store.h"

int
store_project_add(struct db *db, const char *name, int64_t *id,
		  struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV((int64_t)time(NULL)) };

	if (db_exec(db, "INSERT INTO project (name, created_at) VALUES "
		    "($1, $2)", p, 2, NULL, err) < 0) {
		if (err->code == HK_EEXIST)
			hk_fail(err, HK_EEXIST, "name", "project %s exists",
				name);
		return -1;
	}
	return store_project_id(db, name, id, err);
}

int
store_project_id(struct db *db, const char *name, int64_t *id,
		 struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(name) };

	if (db_query_int(db, "SELECT id FROM project WHERE name = $1", p, 1,
			 id, err) < 0) {
		if (err->code == HK_ENOTFOUND)
			hk_fail(err, HK_ENOTFOUND, "project",
				"no project %s", name);
		return -1;
	}
	return 0;
}
