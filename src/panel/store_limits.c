/* SPDX-License-Identifier: ISC */
/*
 * store_limits.c - a project's and a domain's limits, which hold whichever
 * door a write comes through (API, CLI, import), because the store checks
 * them inside the write's own transaction.  See store.h.
 */
#include "config.h"

#include "store.h"

/* A row lock on the project for the rest of the transaction (PostgreSQL;
 * SQLite's BEGIN IMMEDIATE already excludes other writers). */
int
store_limit_lock(struct db *db, int64_t project_id, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(project_id) };

	return db_exec(db, "UPDATE project SET max_domains = max_domains "
		       "WHERE id = $1", p, 1, NULL, err);
}

int
store_limit_domain(struct db *db, int64_t project_id, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(project_id) };
	int64_t v[2];

	if (store_limit_lock(db, project_id, err) < 0 ||
	    db_query_ints(db, "SELECT max_domains, (SELECT COUNT(*) FROM "
			  "domain WHERE project_id = $1) FROM project WHERE "
			  "id = $1", p, 1, v, 2, err) < 0)
		return -1;
	if (v[0] > 0 && v[1] >= v[0])
		return hk_failr(err, HK_ELIMIT, "max_domains",
				HK_R_project_max_domains, "max", HK_NUM(v[0]),
				NULL);
	return 0;
}

/* Mailboxes and the sum of their quotas in project $1. */
static int
project_usage(struct db *db, int64_t project_id, int64_t use[2],
	      struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(project_id) };

	return db_query_ints(db, "SELECT (SELECT COUNT(*) FROM mailbox m JOIN "
			     "domain d ON d.id = m.domain_id WHERE "
			     "d.project_id = $1), " STORE_STORAGE_USED("$1"), p,
			     1, use, 2, err);
}

static int
check_storage(int64_t max, int64_t used, int64_t quota, struct hk_err *err)
{
	if (max <= 0)
		return 0;
	if (quota == 0)
		return hk_failr(err, HK_ELIMIT, "quota",
				HK_R_storage_needs_quota, NULL);
	if (quota > max - used)
		return hk_failr(err, HK_ELIMIT, "max_storage_bytes",
				HK_R_storage_left, "left", HK_NUM((max - used)),
				"asked", HK_NUM(quota), NULL);
	return 0;
}

int
store_limit_mailbox(struct db *db, const struct domain_ref *ref,
		    int64_t *quota, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(ref->id) };
	int64_t lim[4], use[2] = { 0, 0 }, in_domain = 0;

	/* project max mailboxes, max storage; domain max, default quota */
	if (store_limit_lock(db, ref->project_id, err) < 0 ||
	    db_query_ints(db, "SELECT p.max_mailboxes, p.max_storage_bytes, "
			  "d.max_mailboxes, d.default_quota_bytes FROM domain "
			  "d JOIN project p ON p.id = d.project_id WHERE d.id = "
			  "$1", p, 1, lim, 4, err) < 0)
		return -1;
	if (*quota < 0)
		*quota = lim[3];
	if ((lim[0] > 0 || lim[1] > 0) &&
	    project_usage(db, ref->project_id, use, err) < 0)
		return -1;
	if (lim[0] > 0 && use[0] >= lim[0])
		return hk_failr(err, HK_ELIMIT, "max_mailboxes",
				HK_R_project_max_mailboxes, "max",
				HK_NUM(lim[0]), NULL);
	if (lim[2] > 0 && (db_query_int(db, "SELECT COUNT(*) FROM mailbox "
	    "WHERE domain_id = $1", p, 1, &in_domain, err) < 0))
		return -1;
	if (lim[2] > 0 && in_domain >= lim[2])
		return hk_failr(err, HK_ELIMIT, "max_mailboxes",
				HK_R_domain_max_mailboxes, "max",
				HK_NUM(lim[2]), NULL);
	return check_storage(lim[1], use[1], *quota, err);
}

int
store_limit_quota(struct db *db, const struct domain_ref *ref,
		  int64_t old_quota, int64_t new_quota, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(ref->project_id) };
	int64_t max, use[2];

	if (store_limit_lock(db, ref->project_id, err) < 0 ||
	    db_query_int(db, "SELECT max_storage_bytes FROM project WHERE id = "
			 "$1", p, 1, &max, err) < 0)
		return -1;
	if (max <= 0 || new_quota == old_quota)
		return 0;
	if (project_usage(db, ref->project_id, use, err) < 0)
		return -1;
	return check_storage(max, use[1] - old_quota, new_quota, err);
}
