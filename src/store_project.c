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

int
store_project_limits(struct db *db, const char *name, int64_t max_domains,
		     int64_t max_mailboxes, int64_t max_storage,
		     struct hk_err *err)
{
	struct db_param p[4] = { DB_TXT(name), DB_INTV(max_domains),
				 DB_INTV(max_mailboxes), DB_INTV(max_storage) };
	int64_t n = 0;

	/* PostgreSQL would type a bare "$4 < 0" as a 32-bit integer. */
	if (db_exec(db, "UPDATE project SET max_domains = CASE WHEN $2 < 0 "
		    "THEN max_domains ELSE $2 END, max_mailboxes = CASE WHEN "
		    "$3 < 0 THEN max_mailboxes ELSE $3 END, max_storage_bytes "
		    "= CASE WHEN CAST($4 AS BIGINT) < 0 THEN max_storage_bytes "
		    "ELSE CAST($4 AS BIGINT) END WHERE name = $1", p, 4, &n,
		    err) < 0)
		return -1;
	if (n == 0)
		return hk_fail(err, HK_ENOTFOUND, "project", "no project %s",
			       name);
	return 0;
}

/* Each project with its limits and what it uses of them. */
int
store_project_list(struct db *db, json_t **out, struct hk_err *err)
{
	return db_query_json(db, "SELECT p.name, p.max_domains, (SELECT "
			     "COUNT(*) FROM domain d WHERE d.project_id = p.id) "
			     "AS domains, p.max_mailboxes, (SELECT COUNT(*) "
			     "FROM mailbox m JOIN domain d ON d.id = m.domain_id"
			     " WHERE d.project_id = p.id) AS mailboxes, "
			     "p.max_storage_bytes, (SELECT COALESCE(SUM("
			     "m.quota_bytes), 0) FROM mailbox m JOIN domain d ON"
			     " d.id = m.domain_id WHERE d.project_id = p.id) AS "
			     "storage_bytes FROM project p ORDER BY p.name",
			     NULL, 0, out, err);
}
