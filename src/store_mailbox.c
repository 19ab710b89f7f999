/*
 * store_mailbox.c - mailboxes: one local part in one domain, with its own
 * password.  See store.h.
 */
#include "config.h"

#include <time.h>

#include "store.h"

#define MAILBOX_SELECT \
	"SELECT m.local_part || '@' || d.name AS address, m.local_part, " \
	"d.name AS domain, m.name, m.quota_bytes, m.active, m.created_at, " \
	"m.updated_at FROM mailbox m JOIN domain d ON d.id = m.domain_id "

static int
find_domain(struct db *db, const struct hk_actor *actor, const char *name,
	    struct domain_ref *ref, struct hk_err *err)
{
	return store_domain_ref(db, actor, name, ref, err);
}

static int
insert_mailbox(struct db *db, const struct domain_ref *ref,
	       const struct mailbox_in *in, struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL), n = 0;
	struct db_param p[7] = { DB_INTV(ref->id), DB_TXT(in->local_part),
				 DB_TXT(in->password_hash), DB_TXT(in->name),
				 DB_INTV(in->quota_bytes),
				 DB_INTV(in->active ? 1 : 0), DB_INTV(now) };

	if (db_query_int(db, "SELECT COUNT(*) FROM alias WHERE domain_id = $1"
			 " AND local_part = $2", p, 2, &n, err) < 0)
		return -1;
	if (n > 0)
		return hk_fail(err, HK_EEXIST, "local_part",
			       "%s@%s is an alias", in->local_part, in->domain);
	if (db_exec(db, "INSERT INTO mailbox (domain_id, local_part, "
		    "password_hash, name, quota_bytes, active, created_at, "
		    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)", p, 7,
		    NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_fail(err, HK_EEXIST,
		    "local_part", "mailbox %s@%s exists", in->local_part,
		    in->domain) : -1;
	return store_guest_bump(db, ref, err);
}

static int
get_mailbox(struct db *db, const struct mailbox_in *in, json_t **out,
	    struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(in->domain), DB_TXT(in->local_part) };
	json_t *arr = NULL;

	if (db_query_json(db, MAILBOX_SELECT "WHERE d.name = $1 AND "
			  "m.local_part = $2", p, 2, &arr, err) < 0 ||
	    json_array_size(arr) != 1) {
		json_decref(arr);
		return hk_fail(err, HK_EINTERNAL, NULL,
			       "mailbox vanished after insert");
	}
	db_json_bool(arr, "active");
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

int
store_mailbox_add(struct db *db, const struct hk_actor *actor,
		  const struct mailbox_in *in, json_t **out,
		  struct hk_err *err)
{
	struct domain_ref ref;

	if (actor->read_only)
		return hk_fail(err, HK_EFORBIDDEN, NULL, "read-only key");
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (find_domain(db, actor, in->domain, &ref, err) < 0 ||
	    insert_mailbox(db, &ref, in, err) < 0 ||
	    get_mailbox(db, in, out, err) < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
store_mailbox_list(struct db *db, const struct hk_actor *actor,
		   const char *domain, json_t **out, struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[1];

	if (find_domain(db, actor, domain, &ref, err) < 0)
		return -1;
	p[0] = DB_INTV(ref.id);
	if (db_query_json(db, MAILBOX_SELECT "WHERE m.domain_id = $1 "
			  "ORDER BY m.local_part", p, 1, out, err) < 0)
		return -1;
	db_json_bool(*out, "active");
	return 0;
}
