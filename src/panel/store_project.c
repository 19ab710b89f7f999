/* SPDX-License-Identifier: ISC */
/*
 * store_project.c - projects, the unit of tenancy: an operator makes
 * them, sets their limits and deletes them once they are empty.  See
 * store.h.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "store.h"

#define PROJECT_SELECT \
	"SELECT name, max_domains, max_mailboxes, max_storage_bytes FROM " \
	"project "

static int
get_project(struct db *db, const char *name, json_t **out,
	    struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(name) };

	if (db_query_object(db, PROJECT_SELECT "WHERE name = $1", p, 1, out,
			    err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"project", HK_R_no_project, "project", name, NULL) : -1;
	return 0;
}

int
store_project_id(struct db *db, const char *name, int64_t *id,
		 struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(name) };

	if (db_query_int(db, "SELECT id FROM project WHERE name = $1", p, 1,
			 id, err) < 0) {
		if (err->code == HK_ENOTFOUND)
			hk_failr(err, HK_ENOTFOUND, "project", HK_R_no_project,
				 "project", name, NULL);
		return -1;
	}
	return 0;
}

/* In the caller's transaction. */
static int
set_limits(struct db *db, const char *name, const struct project_limits *l,
	   struct hk_err *err)
{
	struct db_param p[4] = { DB_TXT(name), DB_INTV(l->max_domains),
				 DB_INTV(l->max_mailboxes),
				 DB_INTV(l->max_storage) };
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
		return hk_failr(err, HK_ENOTFOUND, "project", HK_R_no_project,
				"project", name, NULL);
	return 0;
}

static int
insert_project(struct db *db, const char *name, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV((int64_t)time(NULL)) };

	if (db_exec(db, "INSERT INTO project (name, created_at) VALUES "
		    "($1, $2)", p, 2, NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_failr(err, HK_EEXIST, "name",
			HK_R_project_exists, "project", name, NULL) : -1;
	return 0;
}

/* Sets the limits (after inserting the project when adding) and audits
 * the project as it was and as it is. */
static int
write_project(struct db *db, const struct hk_actor *actor, const char *name,
	      const struct project_limits *lim, int adding,
	      struct hk_err *err)
{
	json_t *before = NULL, *after = NULL;
	int64_t id;

	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if ((adding ? insert_project(db, name, err) :
	     get_project(db, name, &before, err)) < 0 ||
	    set_limits(db, name, lim, err) < 0 ||
	    get_project(db, name, &after, err) < 0 ||
	    store_project_id(db, name, &id, err) < 0) {
		json_decref(after);
		return store_abort(db, before);
	}
	return store_commit_change(db, actor, adding ? "project.add" :
				   "project.limits", name, id, before, after,
				   err);
}

int
store_project_add(struct db *db, const struct hk_actor *actor,
		  const char *name, const struct project_limits *lim,
		  struct hk_err *err)
{
	static const struct project_limits none = { -1, -1, -1 };

	return write_project(db, actor, name, lim ? lim : &none, 1, err);
}

int
store_project_limits(struct db *db, const struct hk_actor *actor,
		     const char *name, const struct project_limits *lim,
		     struct hk_err *err)
{
	return write_project(db, actor, name, lim, 0, err);
}

/* What still lives in project $1, named for the operator. */
static int
project_empty(struct db *db, int64_t id, const char *name,
	      struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(id) };
	int64_t n[3];

	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM guest WHERE "
			  "project_id = $1), (SELECT COUNT(*) FROM domain WHERE "
			  "project_id = $1), (SELECT COUNT(*) FROM alias_domain"
			  " WHERE project_id = $1)", p, 1, n, 3, err) < 0)
		return -1;
	if (n[0] || n[1] || n[2])
		return hk_failr(err, HK_EEXIST, "project",
				HK_R_project_not_empty, "project", name,
				"guests", HK_NUM(n[0]), "domains", HK_NUM(n[1]),
				"alias_domains", HK_NUM(n[2]), NULL);
	return 0;
}

int
store_project_delete(struct db *db, const struct hk_actor *actor,
		     const char *name, struct hk_err *err)
{
	struct db_param p[1];
	json_t *before = NULL;
	int64_t id;

	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (get_project(db, name, &before, err) < 0 ||
	    store_project_id(db, name, &id, err) < 0 ||
	    project_empty(db, id, name, err) < 0)
		goto fail;
	p[0] = DB_INTV(id);
	/* Owner accounts (and their keys) go with it by ON DELETE CASCADE;
	 * the audit log keeps the project's id. */
	if (db_exec(db, "DELETE FROM project WHERE id = $1", p, 1, NULL,
		    err) < 0)
		goto fail;
	return store_commit_change(db, actor, "project.delete", name, id,
				   before, NULL, err);
fail:
	return store_abort(db, before);
}

/* Each project with its limits and what it uses of them. */
/* Every project with its limits and what it uses, as the actor may see
 * them (an owner: its own); $5 the scope, $6 one name or NULL. */
#define PROJECT_SQL \
	"SELECT p.name, p.max_domains, (SELECT COUNT(*) FROM domain d " \
	"WHERE d.project_id = p.id) AS domains, p.max_mailboxes, (SELECT " \
	"COUNT(*) FROM mailbox m JOIN domain d ON d.id = m.domain_id WHERE " \
	"d.project_id = p.id) AS mailboxes, p.max_storage_bytes, " \
	STORE_STORAGE_USED("p.id") " AS storage_bytes " \
	"FROM project p WHERE ($5 < 0 OR p.id = $5) AND (CAST($6 AS TEXT) " \
	"IS NULL OR p.name = $6) AND " PAGE_WHERE("p.name", "$4") \
	PAGE_TAIL("p.name")

static int
project_query(struct db *db, const struct hk_actor *actor,
	      const struct page_in *page, const char *name, json_t **out,
	      struct hk_err *err)
{
	struct page_bind pb;
	struct db_param p[6];

	if (store_page_bind(page, actor, &pb, err) < 0)
		return -1;
	memcpy(p, pb.p, sizeof(pb.p));
	p[5] = name ? DB_TXT(name) : DB_NUL;
	return db_query_json(db, PROJECT_SQL, p, 6, out, err);
}

int
store_project_list(struct db *db, const struct hk_actor *actor,
		   const struct page_in *page, json_t **out, char *next,
		   struct hk_err *err)
{
	if (project_query(db, actor, page, NULL, out, err) < 0)
		return -1;
	store_page_cut(*out, page, "name", next);
	return 0;
}

int
store_project_get(struct db *db, const struct hk_actor *actor,
		  const char *name, json_t **out, struct hk_err *err)
{
	json_t *arr = NULL;

	*out = NULL;
	if (project_query(db, actor, NULL, name, &arr, err) < 0)
		return -1;
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return *out ? 0 : hk_failr(err, HK_ENOTFOUND, "project",
				   HK_R_no_such_project, NULL);
}
