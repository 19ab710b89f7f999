/*
 * store_domain.c - domains, each served by one guest.  See store.h.
 */
#include "config.h"

#include <time.h>

#include "store.h"
#include "validate.h"

static int64_t
scope(const struct hk_actor *a)
{
	return a->is_admin ? -1 : a->project_id;
}

/* Adds display_name (the U-label) to every object of arr. */
static void
add_display_names(json_t *arr)
{
	size_t i;
	json_t *d;

	json_array_foreach(arr, i, d) {
		char u[1024];

		validate_domain_display(json_string_value(
			json_object_get(d, "name")), u, sizeof(u));
		json_object_set_new(d, "display_name", json_string(u));
	}
	db_json_bool(arr, "active");
}

#define DOMAIN_SELECT \
	"SELECT d.name, g.name AS guest, d.active, d.created_at, " \
	"(SELECT COUNT(*) FROM mailbox m WHERE m.domain_id = d.id) " \
	"AS mailboxes FROM domain d JOIN guest g ON g.id = d.guest_id "

int
store_domain_get(struct db *db, const struct hk_actor *actor,
		 const char *name, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(scope(actor)) };
	json_t *arr = NULL;

	if (db_query_json(db, DOMAIN_SELECT "WHERE d.name = $1 AND ($2 < 0 "
			  "OR d.project_id = $2)", p, 2, &arr, err) < 0) {
		json_decref(arr);
		return -1;
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return hk_fail(err, HK_ENOTFOUND, "domain", "no domain %s",
			       name);
	}
	add_display_names(arr);
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

int
store_domain_list(struct db *db, const struct hk_actor *actor, json_t **out,
		  struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(scope(actor)) };

	if (db_query_json(db, DOMAIN_SELECT "WHERE ($1 < 0 OR d.project_id = "
			  "$1) ORDER BY d.name", p, 1, out, err) < 0)
		return -1;
	add_display_names(*out);
	return 0;
}

static int
insert_domain(struct db *db, const struct hk_actor *actor, const char *name,
	      const char *guest, struct hk_err *err)
{
	struct db_param p[3] = { DB_TXT(guest), DB_INTV(scope(actor)),
				 DB_INTV((int64_t)time(NULL)) };
	struct db_param q[4];
	int64_t gid, pid;

	if (db_query_int(db, "SELECT id FROM guest WHERE name = $1 AND "
			 "($2 < 0 OR project_id = $2)", p, 2, &gid, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_fail(err, HK_ENOTFOUND,
		    "guest", "no guest %s", guest) : -1;
	q[0] = DB_INTV(gid);
	if (db_query_int(db, "SELECT project_id FROM guest WHERE id = $1",
			 q, 1, &pid, err) < 0)
		return -1;
	q[1] = DB_INTV(pid);
	q[2] = DB_TXT(name);
	q[3] = p[2];
	if (db_exec(db, "INSERT INTO domain (guest_id, project_id, name, "
		    "created_at) VALUES ($1, $2, $3, $4)", q, 4, NULL,
		    err) < 0)
		return err->code == HK_EEXIST ? hk_fail(err, HK_EEXIST,
		    "name", "domain %s exists", name) : -1;
	return db_exec(db, "UPDATE guest SET desired_gen = desired_gen + 1, "
		       "state = 'pending' WHERE id = $1", q, 1, NULL, err);
}

int
store_domain_add(struct db *db, const struct hk_actor *actor,
		 const char *name, const char *guest, json_t **out,
		 struct hk_err *err)
{
	if (actor->read_only)
		return hk_fail(err, HK_EFORBIDDEN, NULL, "read-only key");
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (insert_domain(db, actor, name, guest, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return store_domain_get(db, actor, name, out, err);
}
