/*
 * store_alias.c - aliases (forwards to one or many addresses, a domain's
 * catch-all) and alias domains.  An address is a mailbox or an alias,
 * never both; a name is a domain or an alias domain, never both.
 * See store.h.
 */
#include "config.h"

#include <time.h>

#include "store.h"

#define ALIAS_SELECT \
	"SELECT CASE WHEN a.local_part = '' THEN '@' || d.name ELSE " \
	"a.local_part || '@' || d.name END AS address, a.local_part, " \
	"d.name AS domain, a.destinations, a.active, a.created_at FROM " \
	"alias a JOIN domain d ON d.id = a.domain_id "

static int
insert_alias(struct db *db, const struct domain_ref *ref,
	     const struct alias_in *in, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(ref->id), DB_TXT(in->local_part),
				 DB_TXT(in->destinations),
				 DB_INTV(in->active ? 1 : 0),
				 DB_INTV((int64_t)time(NULL)) };
	int64_t n = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM mailbox WHERE domain_id = "
			 "$1 AND local_part = $2", p, 2, &n, err) < 0)
		return -1;
	if (n > 0)
		return hk_fail(err, HK_EEXIST, "local_part", "%s@%s is a "
			       "mailbox", in->local_part, in->domain);
	if (db_exec(db, "INSERT INTO alias (domain_id, local_part, "
		    "destinations, active, created_at) VALUES ($1, $2, $3, $4,"
		    " $5)", p, 5, NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_fail(err, HK_EEXIST,
		    "local_part", "alias %s@%s exists", in->local_part,
		    in->domain) : -1;
	return store_guest_bump(db, ref, err);
}

/* The one object of sql, with active as a boolean. */
static int
select_one(struct db *db, const char *sql, const struct db_param *p, int n,
	   json_t **out, struct hk_err *err)
{
	if (db_query_object(db, sql, p, n, out, err) < 0)
		return -1;
	db_json_bool(*out, "active");
	return 0;
}

int
store_alias_add(struct db *db, const struct hk_actor *actor,
		const struct alias_in *in, json_t **out, struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[2] = { DB_TXT(in->domain), DB_TXT(in->local_part) };

	*out = NULL;
	if (actor->read_only)
		return hk_fail(err, HK_EFORBIDDEN, NULL, "read-only key");
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, in->domain, &ref, err) < 0 ||
	    insert_alias(db, &ref, in, err) < 0 ||
	    select_one(db, ALIAS_SELECT "WHERE d.name = $1 AND a.local_part = "
		       "$2", p, 2, out, err) < 0 ||
	    store_audit(db, actor, "alias.add", json_string_value(
		json_object_get(*out, "address")), ref.project_id,
		json_pack("{s:s}", "destinations", in->destinations), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_alias_list(struct db *db, const struct hk_actor *actor,
		 const char *domain, json_t **out, struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[1];

	if (store_domain_ref(db, actor, domain, &ref, err) < 0)
		return -1;
	p[0] = DB_INTV(ref.id);
	if (db_query_json(db, ALIAS_SELECT "WHERE a.domain_id = $1 ORDER BY "
			  "a.local_part", p, 1, out, err) < 0)
		return -1;
	db_json_bool(*out, "active");
	return 0;
}

#define ALIASDOMAIN_SELECT \
	"SELECT x.name, d.name AS target, x.active, x.created_at FROM " \
	"alias_domain x JOIN domain d ON d.id = x.target_domain_id "

static int
insert_aliasdomain(struct db *db, const struct domain_ref *ref,
		   const char *name, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(ref->project_id), DB_TXT(name),
				 DB_INTV(ref->id),
				 DB_INTV((int64_t)time(NULL)) };
	int64_t n = 0;
	int rc;

	/* One namespace for domains and alias domains. */
	rc = db_exec(db, "INSERT INTO alias_domain (project_id, name, "
		     "target_domain_id, created_at) SELECT CAST($1 AS BIGINT),"
		     " CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS BIGINT)"
		     " WHERE NOT EXISTS (SELECT 1 FROM domain WHERE name = $2)",
		     p, 4, &n, err);
	if (rc < 0 && err->code != HK_EEXIST)
		return -1;
	if (rc < 0 || n == 0)
		return hk_fail(err, HK_EEXIST, "name", "%s is already a domain "
			       "or an alias domain", name);
	return store_guest_bump(db, ref, err);
}

int
store_aliasdomain_add(struct db *db, const struct hk_actor *actor,
		      const char *name, const char *target, json_t **out,
		      struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[1] = { DB_TXT(name) };

	*out = NULL;
	if (actor->read_only)
		return hk_fail(err, HK_EFORBIDDEN, NULL, "read-only key");
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, target, &ref, err) < 0) {
		if (err->code == HK_ENOTFOUND)
			hk_fail(err, HK_ENOTFOUND, "target", "no domain %s",
				target);
		goto fail;
	}
	if (insert_aliasdomain(db, &ref, name, err) < 0 ||
	    select_one(db, ALIASDOMAIN_SELECT "WHERE x.name = $1", p, 1, out,
		       err) < 0 ||
	    store_audit(db, actor, "alias_domain.add", name, ref.project_id,
			json_pack("{s:s}", "target", target), err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	json_decref(*out);
	*out = NULL;
	return -1;
}

int
store_aliasdomain_list(struct db *db, const struct hk_actor *actor,
		       json_t **out, struct hk_err *err)
{
	struct db_param p[1] = {
		DB_INTV(actor->is_admin ? -1 : actor->project_id) };

	if (db_query_json(db, ALIASDOMAIN_SELECT "WHERE ($1 < 0 OR "
			  "x.project_id = $1) ORDER BY x.name", p, 1, out,
			  err) < 0)
		return -1;
	db_json_bool(*out, "active");
	return 0;
}
