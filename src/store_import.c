/*
 * store_import.c - what a bulk import asks of the store, row by row inside
 * the import's one transaction (import_mailbox.c): whether an address is
 * taken, the limits and usage of a project and a domain read once, and
 * plain inserts and updates.  Unlike store_mailbox_add() these neither
 * audit nor mark the guest dirty per row: the import writes one audit
 * entry and bumps each affected guest once (store_guest_bump_ids).
 * See store.h.
 */
#include "config.h"

#include <time.h>

#include "store.h"

int
store_import_lookup(struct db *db, const struct domain_ref *ref,
		    const char *local, struct import_taken *t,
		    struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(ref->id), DB_TXT(local) };
	int64_t v[3];

	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM mailbox WHERE "
			  "domain_id = $1 AND local_part = $2), (SELECT "
			  "COUNT(*) FROM alias WHERE domain_id = $1 AND "
			  "local_part = $2), (SELECT COALESCE(MAX(quota_bytes),"
			  " 0) FROM mailbox WHERE domain_id = $1 AND "
			  "local_part = $2)", p, 2, v, 3, err) < 0)
		return -1;
	t->mailbox = v[0] > 0;
	t->alias = v[1] > 0;
	t->quota_bytes = v[2];
	return 0;
}

int
store_import_usage(struct db *db, const struct domain_ref *ref,
		   struct import_usage *u, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(ref->project_id), DB_INTV(ref->id) };
	int64_t v[7];

	if (db_query_ints(db, "SELECT p.max_mailboxes, (SELECT COUNT(*) FROM "
			  "mailbox m JOIN domain d ON d.id = m.domain_id WHERE "
			  "d.project_id = $1), p.max_storage_bytes, "
			  STORE_STORAGE_USED("$1") ", x.max_mailboxes, (SELECT "
			  "COUNT(*) FROM mailbox WHERE domain_id = $2), "
			  "x.default_quota_bytes FROM project p, domain x WHERE "
			  "p.id = $1 AND x.id = $2", p, 2, v, 7, err) < 0)
		return -1;
	u->project_max = v[0];
	u->project_mailboxes = v[1];
	u->storage_max = v[2];
	u->storage = v[3];
	u->domain_max = v[4];
	u->domain_mailboxes = v[5];
	u->default_quota = v[6];
	return 0;
}

int
store_import_put(struct db *db, const struct domain_ref *ref,
		 const struct mailbox_in *in, int update, struct hk_err *err)
{
	struct db_param p[7] = { DB_INTV(ref->id), DB_TXT(in->local_part),
				 in->password_hash ? DB_TXT(in->password_hash) :
				 DB_NUL, in->name ? DB_TXT(in->name) : DB_NUL,
				 DB_INTV(in->quota_bytes), DB_INTV(in->active),
				 DB_INTV((int64_t)time(NULL)) };

	if (update)
		return db_exec(db, "UPDATE mailbox SET password_hash = COALESCE("
			       "CAST($3 AS TEXT), password_hash), name = "
			       "COALESCE(CAST($4 AS TEXT), name), quota_bytes = "
			       "CASE WHEN CAST($5 AS BIGINT) < 0 THEN quota_bytes"
			       " ELSE CAST($5 AS BIGINT) END, active = CASE WHEN"
			       " $6 < 0 THEN active ELSE $6 END, updated_at = $7"
			       " WHERE domain_id = $1 AND local_part = $2", p, 7,
			       NULL, err);
	return db_exec(db, "INSERT INTO mailbox (domain_id, local_part, "
		       "password_hash, name, quota_bytes, active, created_at, "
		       "updated_at) VALUES ($1, $2, $3, COALESCE(CAST($4 AS "
		       "TEXT), ''), $5, $6, $7, $7)", p, 7, NULL, err);
}

int
store_import_alias_put(struct db *db, const struct domain_ref *ref,
		       const char *local, const char *destinations,
		       int active, int update, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(ref->id), DB_TXT(local),
				 DB_TXT(destinations), DB_INTV(active),
				 DB_INTV((int64_t)time(NULL)) };

	if (update)
		return db_exec(db, "UPDATE alias SET destinations = $3, active "
			       "= CASE WHEN $4 < 0 THEN active ELSE $4 END WHERE"
			       " domain_id = $1 AND local_part = $2", p, 4, NULL,
			       err);
	return db_exec(db, "INSERT INTO alias (domain_id, local_part, "
		       "destinations, active, created_at) VALUES ($1, $2, $3, "
		       "CASE WHEN $4 < 0 THEN 1 ELSE $4 END, $5)", p, 5, NULL,
		       err);
}
