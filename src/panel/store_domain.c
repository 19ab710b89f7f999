/* SPDX-License-Identifier: ISC */
/*
 * store_domain.c - domains, each served by one guest.  See store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "validate.h"

static int64_t
scope(const struct hk_actor *a)
{
	return a->is_admin ? -1 : a->project_id;
}

/* Adds display_name (the U-label) to one domain object. */
static void
add_display_name(json_t *d)
{
	char u[1024];

	validate_domain_display(json_string_value(json_object_get(d, "name")),
				u, sizeof(u));
	json_object_set_new(d, "display_name", json_string(u));
	db_json_bool(d, "active");
}

struct ref_ctx {
	int found;
	struct domain_ref *ref;
};

static int
take_ref(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct ref_ctx *rc = ctx;

	(void)err;
	rc->found = 1;
	rc->ref->id = strtoll(row->vals[0], NULL, 10);
	rc->ref->project_id = strtoll(row->vals[1], NULL, 10);
	rc->ref->guest_id = strtoll(row->vals[2], NULL, 10);
	rc->ref->backup_guest_id = row->vals[3] ?
	    strtoll(row->vals[3], NULL, 10) : -1;
	return 0;
}

int
store_domain_ref(struct db *db, const struct hk_actor *actor,
		 const char *name, struct domain_ref *ref, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(scope(actor)) };
	struct ref_ctx rc = { 0, ref };

	if (db_query(db, "SELECT id, project_id, guest_id, backup_guest_id "
		     "FROM domain WHERE name = $1 AND ($2 < 0 OR project_id = "
		     "$2)", p, 2, take_ref, &rc, NULL, err) < 0)
		return -1;
	if (!rc.found)
		return hk_failr(err, HK_ENOTFOUND, "domain", HK_R_no_domain,
				"domain", name, NULL);
	return 0;
}

#define DOMAIN_SELECT \
	"SELECT d.name, g.name AS guest, b.name AS backup_guest, d.active, " \
	"d.created_at, d.max_mailboxes, d.default_quota_bytes, " \
	"(SELECT COUNT(*) FROM mailbox m WHERE m.domain_id = d.id) " \
	"AS mailboxes FROM domain d JOIN guest g ON g.id = d.guest_id " \
	"LEFT JOIN guest b ON b.id = d.backup_guest_id "

int
store_domain_get(struct db *db, const struct hk_actor *actor,
		 const char *name, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(scope(actor)) };

	if (db_query_object(db, DOMAIN_SELECT "WHERE d.name = $1 AND ($2 < 0 "
			    "OR d.project_id = $2)", p, 2, out, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"domain", HK_R_no_domain, "domain", name, NULL) : -1;
	add_display_name(*out);
	return 0;
}

int
store_domain_list(struct db *db, const struct hk_actor *actor,
		  const struct page_in *page, json_t **out, char *next,
		  struct hk_err *err)
{
	struct page_bind pb;
	size_t i;
	json_t *d;

	if (store_page_bind(page, actor, &pb, err) < 0 ||
	    db_query_json(db, DOMAIN_SELECT "WHERE ($5 < 0 OR d.project_id = "
			  "$5) AND " PAGE_WHERE("d.name", "d.active")
			  PAGE_TAIL("d.name"), pb.p, 5, out, err) < 0)
		return -1;
	store_page_cut(*out, page, "name", next);
	json_array_foreach(*out, i, d)
		add_display_name(d);
	return 0;
}

static int
insert_domain(struct db *db, const struct hk_actor *actor, const char *name,
	      const char *guest, int bump, struct hk_err *err)
{
	struct db_param p[3] = { DB_TXT(guest), DB_INTV(scope(actor)),
				 DB_INTV((int64_t)time(NULL)) };
	struct db_param q[4];
	struct domain_ref ref;
	int64_t gid, pid, n = 0;
	int rc;

	if (db_query_int(db, "SELECT id FROM guest WHERE name = $1 AND "
			 "($2 < 0 OR project_id = $2)", p, 2, &gid, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"guest", HK_R_no_guest, "guest", guest, NULL) : -1;
	q[0] = DB_INTV(gid);
	if (db_query_int(db, "SELECT project_id FROM guest WHERE id = $1",
			 q, 1, &pid, err) < 0)
		return -1;
	if (store_limit_domain(db, pid, err) < 0)
		return -1;
	q[1] = DB_INTV(pid);
	q[2] = DB_TXT(name);
	q[3] = p[2];
	/* One namespace for domains and alias domains. */
	rc = db_exec(db, "INSERT INTO domain (guest_id, project_id, name, "
		     "created_at) SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT),"
		     " CAST($3 AS TEXT), CAST($4 AS BIGINT) WHERE NOT EXISTS "
		     "(SELECT 1 FROM alias_domain WHERE name = $3)", q, 4, &n,
		     err);
	if (rc < 0 && err->code != HK_EEXIST)
		return -1;
	if (rc < 0 || n == 0)
		return hk_failr(err, HK_EEXIST, "name", HK_R_domain_exists,
				"domain", name, NULL);
	ref.guest_id = gid;
	ref.backup_guest_id = -1;
	if (bump && store_guest_bump(db, &ref, err) < 0)
		return -1;
	return store_audit(db, actor, "domain.add", name, pid,
			   json_pack("{s:s}", "guest", guest), err);
}

int
store_domain_insert(struct db *db, const struct hk_actor *actor,
		    const char *name, const char *guest, struct hk_err *err)
{
	return insert_domain(db, actor, name, guest, 0, err);
}

int
store_domain_add(struct db *db, const struct hk_actor *actor,
		 const char *name, const char *guest, json_t **out,
		 struct hk_err *err)
{
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (insert_domain(db, actor, name, guest, 1, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return store_domain_get(db, actor, name, out, err);
}

int
store_domain_moving(struct db *db, const struct domain_ref *ref,
		    const char *name, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(ref->id) };
	int64_t id = 0;

	if (db_query_int(db, "SELECT id FROM domain_move WHERE domain_id = $1 "
			 "AND live = 1", p, 1, &id, err) < 0)
		return err->code == HK_ENOTFOUND ? 0 : -1;
	return hk_failr(err, HK_EEXIST, "domain", HK_R_domain_moving,
			"domain", name, "move", HK_NUM(id), NULL);
}

/* The id of guest `name` in the domain's project, not its primary. */
static int
backup_id(struct db *db, const struct domain_ref *ref, const char *name,
	  int64_t *id, struct hk_err *err)
{
	struct db_param p[3] = { DB_TXT(name), DB_INTV(ref->project_id),
				 DB_INTV(ref->guest_id) };

	if (db_query_int(db, "SELECT id FROM guest WHERE name = $1 AND "
			 "project_id = $2 AND id <> $3", p, 3, id, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"backup_guest", HK_R_no_other_guest, "guest", name,
			NULL) : -1;
	return 0;
}

/* The patch's fields, $1 the domain's id; the old backup loses the
 * domain and the new one gains it. */
static int
apply_patch(struct db *db, struct domain_ref *ref,
	    const struct domain_patch *patch, struct hk_err *err)
{
	struct domain_ref old = *ref;
	struct db_param p[6] = { DB_INTV(ref->id), DB_INTV(patch->active),
				 DB_INTV(patch->max_mailboxes),
				 DB_INTV(patch->default_quota),
				 DB_INTV(patch->set_backup ? 1 : 0), DB_NUL };
	int64_t id = -1;

	if (patch->set_backup && patch->backup_guest != NULL &&
	    backup_id(db, ref, patch->backup_guest, &id, err) < 0)
		return -1;
	if (id >= 0)
		p[5] = DB_INTV(id);
	if (patch->set_backup)
		ref->backup_guest_id = id;
	if (db_exec(db, "UPDATE domain SET active = CASE WHEN $2 < 0 THEN "
		    "active ELSE $2 END, max_mailboxes = CASE WHEN $3 < 0 THEN "
		    "max_mailboxes ELSE $3 END, default_quota_bytes = CASE WHEN "
		    "CAST($4 AS BIGINT) < 0 THEN default_quota_bytes ELSE "
		    "CAST($4 AS BIGINT) END, backup_guest_id = CASE WHEN $5 = 1 "
		    "THEN CAST($6 AS BIGINT) ELSE backup_guest_id END WHERE id "
		    "= $1", p, 6, NULL, err) < 0 ||
	    store_guest_bump(db, &old, err) < 0)
		return -1;
	return patch->set_backup ? store_guest_bump(db, ref, err) : 0;
}

int
store_domain_update(struct db *db, const struct hk_actor *actor,
		    const char *name, const struct domain_patch *patch,
		    json_t **out, struct hk_err *err)
{
	json_t *before = NULL, *after = NULL;
	struct domain_ref ref;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	/* A move renders the domain by its guests and whether it is active:
	 * those stay as they are until it ended. */
	if (store_domain_ref(db, actor, name, &ref, err) < 0 ||
	    ((patch->set_backup || patch->active >= 0) &&
	     store_domain_moving(db, &ref, name, err) < 0) ||
	    store_domain_get(db, actor, name, &before, err) < 0 ||
	    apply_patch(db, &ref, patch, err) < 0 ||
	    store_domain_get(db, actor, name, &after, err) < 0)
		goto fail;
	if (out != NULL)
		*out = json_incref(after);
	if (store_commit_change(db, actor, "domain.update", name,
				ref.project_id, before, after, err) == 0)
		return 0;
	if (out != NULL) {
		json_decref(*out);
		*out = NULL;
	}
	return -1;
fail:
	json_decref(after);
	return store_abort(db, before);
}

int
store_domain_limits(struct db *db, const struct hk_actor *actor,
		    const char *name, int64_t max_mailboxes,
		    int64_t default_quota, struct hk_err *err)
{
	struct domain_patch patch = { -1, max_mailboxes, default_quota, 0,
				      NULL };

	return store_domain_update(db, actor, name, &patch, NULL, err);
}

int
store_domain_backup(struct db *db, const struct hk_actor *actor,
		    const char *name, const char *backup, struct hk_err *err)
{
	struct domain_patch patch = { -1, -1, -1, 1, backup };

	return store_domain_update(db, actor, name, &patch, NULL, err);
}

int
store_domain_active(struct db *db, const struct hk_actor *actor,
		    const char *name, int active, struct hk_err *err)
{
	struct domain_patch patch = { active ? 1 : 0, -1, -1, 0, NULL };

	return store_domain_update(db, actor, name, &patch, NULL, err);
}

/* Without force, a domain that still holds mailboxes, aliases or alias
 * domains is kept: deleting it would take all of them. */
static int
domain_empty(struct db *db, const struct domain_ref *ref, const char *name,
	     struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(ref->id) };
	int64_t n[3];

	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM mailbox WHERE "
			  "domain_id = $1), (SELECT COUNT(*) FROM alias WHERE "
			  "domain_id = $1), (SELECT COUNT(*) FROM alias_domain "
			  "WHERE target_domain_id = $1)", p, 1, n, 3, err) < 0)
		return -1;
	if (n[0] || n[1] || n[2])
		return hk_failr(err, HK_EEXIST, "domain", HK_R_domain_not_empty,
				"domain", name, "mailboxes", HK_NUM(n[0]),
				"aliases", HK_NUM(n[1]), "alias_domains",
				HK_NUM(n[2]), NULL);
	return 0;
}

int
store_domain_delete(struct db *db, const struct hk_actor *actor,
		    const char *name, int force, int64_t purge_after_s,
		    struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[1];
	json_t *before = NULL;
	int64_t trashed = 0;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, name, &ref, err) < 0 ||
	    store_domain_moving(db, &ref, name, err) < 0 ||
	    (!force && domain_empty(db, &ref, name, err) < 0) ||
	    store_domain_get(db, actor, name, &before, err) < 0 ||
	    store_trash_put_domain(db, &ref, name, (int64_t)time(NULL),
				   purge_after_s, &trashed, err) < 0)
		goto fail;
	json_object_set_new(before, "mailboxes_trashed", json_integer(trashed));
	p[0] = DB_INTV(ref.id);
	/* Mailboxes, aliases and alias domains go by ON DELETE CASCADE. */
	if (db_exec(db, "DELETE FROM domain WHERE id = $1", p, 1, NULL,
		    err) < 0 ||
	    store_guest_bump(db, &ref, err) < 0)
		goto fail;
	return store_commit_change(db, actor, "domain.delete", name,
				   ref.project_id, before, NULL, err);
fail:
	return store_abort(db, before);
}
