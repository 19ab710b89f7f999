/* SPDX-License-Identifier: ISC */
/*
 * store_guest.c - guests: registration, listing, and the generation
 * bookkeeping that tells pushd what it owes (pushd's own side is
 * store_push.c).  See store.h.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "store.h"

#define GUEST_COLS \
	"g.id, g.name, p.name AS project, g.ssh_host, g.ssh_port, " \
	"g.ssh_user, g.desired_gen, g.applied_gen, g.state, g.last_error, " \
	"g.last_push_at, g.retry_at, g.unreachable_since, g.mail_host, " \
	"g.mail_addrs"

/* mail_addrs as the database holds it ("A B", or null) -> ["A", "B"]. */
static void
addrs_array(json_t *guest)
{
	const char *p = json_string_value(json_object_get(guest, "mail_addrs"));
	json_t *list = json_array();

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, " ");

		if (n > 0)
			json_array_append_new(list, json_stringn(p, n));
		p += n + (p[n] == ' ');
	}
	json_object_set_new(guest, "mail_addrs", list);
}

int
store_guest_get(struct db *db, const struct hk_actor *actor,
		const char *name, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(actor->is_admin ? -1 :
						       actor->project_id) };

	if (db_query_object(db, "SELECT " GUEST_COLS " FROM guest g JOIN "
			    "project p ON p.id = g.project_id WHERE g.name = $1"
			    " AND ($2 < 0 OR g.project_id = $2)", p, 2, out,
			    err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"guest", HK_R_no_guest, "guest", name, NULL) : -1;
	addrs_array(*out);
	return 0;
}

static int
insert_guest(struct db *db, const struct guest_in *in, int64_t pid,
	     struct hk_err *err)
{
	struct db_param p[9] = { DB_INTV(pid), DB_TXT(in->name),
				 DB_TXT(in->host), DB_INTV(in->port),
				 DB_TXT(in->user), DB_TXT(in->host_key),
				 DB_INTV((int64_t)time(NULL)),
				 in->mail_host && *in->mail_host ?
				 DB_TXT(in->mail_host) : DB_NUL,
				 in->mail_addrs && *in->mail_addrs ?
				 DB_TXT(in->mail_addrs) : DB_NUL };

	if (db_exec(db, "INSERT INTO guest (project_id, name, ssh_host, "
		    "ssh_port, ssh_user, host_key, created_at, mail_host, "
		    "mail_addrs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		    p, 9, NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_failr(err, HK_EEXIST, "name",
			HK_R_guest_exists, "guest", in->name, NULL) : -1;
	return 0;
}

int
store_guest_add(struct db *db, const struct hk_actor *actor,
		const struct guest_in *in, json_t **out, struct hk_err *err)
{
	int64_t pid;

	*out = NULL;
	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (store_project_id(db, in->project, &pid, err) < 0 ||
	    insert_guest(db, in, pid, err) < 0 ||
	    store_guest_get(db, actor, in->name, out, err) < 0 ||
	    store_audit_change(db, actor, "guest.add", in->name, pid, NULL,
			       json_pack("{s:O, s:s}", "guest", *out,
					 "host_key", in->host_key), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int
write_guest(struct db *db, const struct guest_in *in, struct hk_err *err)
{
	struct db_param p[5] = { DB_TXT(in->name),
				 in->host ? DB_TXT(in->host) : DB_NUL,
				 DB_INTV(in->port),
				 in->user ? DB_TXT(in->user) : DB_NUL,
				 in->host_key ? DB_TXT(in->host_key) : DB_NUL };

	/* A guest that moved is owed a push at once, failures forgotten. */
	return db_exec(db, "UPDATE guest SET ssh_host = COALESCE(CAST($2 AS "
		       "TEXT), ssh_host), ssh_port = CASE WHEN $3 <= 0 THEN "
		       "ssh_port ELSE $3 END, ssh_user = COALESCE(CAST($4 AS "
		       "TEXT), ssh_user), host_key = COALESCE(CAST($5 AS TEXT), "
		       "host_key), desired_gen = desired_gen + 1, state = "
		       "'pending', failures = 0, retry_at = 0 WHERE name = $1",
		       p, 5, NULL, err);
}

/* mail_host and mail_addrs as given: NULL keeps, "" clears. */
static int
write_mail(struct db *db, const struct guest_in *in, struct hk_err *err)
{
	struct db_param p[5] = { DB_TXT(in->name),
				 DB_INTV(in->mail_host != NULL),
				 in->mail_host && *in->mail_host ?
				 DB_TXT(in->mail_host) : DB_NUL,
				 DB_INTV(in->mail_addrs != NULL),
				 in->mail_addrs && *in->mail_addrs ?
				 DB_TXT(in->mail_addrs) : DB_NUL };

	return db_exec(db, "UPDATE guest SET mail_host = CASE WHEN $2 = 1 "
		       "THEN CAST($3 AS TEXT) ELSE mail_host END, mail_addrs = "
		       "CASE WHEN $4 = 1 THEN CAST($5 AS TEXT) ELSE mail_addrs "
		       "END WHERE name = $1", p, 5, NULL, err);
}

/* Whether in changes how the guest is reached: then (or when it changes
 * nothing: a plain "push again") it is owed a push. */
static int
ssh_change(const struct guest_in *in)
{
	return in->host || in->user || in->host_key || in->port > 0 ||
	    (in->mail_host == NULL && in->mail_addrs == NULL);
}

int
store_guest_update(struct db *db, const struct hk_actor *actor,
		   const struct guest_in *in, json_t **out, struct hk_err *err)
{
	json_t *before = NULL, *seen;
	int64_t pid;

	*out = NULL;
	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (store_guest_get(db, actor, in->name, &before, err) < 0 ||
	    (ssh_change(in) && write_guest(db, in, err) < 0) ||
	    write_mail(db, in, err) < 0 ||
	    store_guest_get(db, actor, in->name, out, err) < 0 ||
	    store_project_id(db, json_string_value(json_object_get(before,
			     "project")), &pid, err) < 0) {
		json_decref(*out);
		*out = NULL;
		return store_abort(db, before);
	}
	seen = json_deep_copy(*out);
	if (in->host_key != NULL)
		json_object_set_new(seen, "host_key", json_string(in->host_key));
	if (store_commit_change(db, actor, "guest.update", in->name, pid,
				before, seen, err) < 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A guest still serving (or backing up) a domain is not deleted: its
 * domains must move or go first. */
static int
guest_unused(struct db *db, const char *name, int64_t id, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(id) };
	int64_t n[2];

	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM domain WHERE "
			  "guest_id = $1), (SELECT COUNT(*) FROM domain WHERE "
			  "backup_guest_id = $1)", p, 1, n, 2, err) < 0)
		return -1;
	if (n[0] || n[1])
		return hk_failr(err, HK_EEXIST, "guest", HK_R_guest_in_use,
				"guest", name, "domains", HK_NUM(n[0]),
				"backups", HK_NUM(n[1]), NULL);
	return 0;
}

int
store_guest_delete(struct db *db, const struct hk_actor *actor,
		   const char *name, struct hk_err *err)
{
	json_t *before = NULL;
	struct db_param p[1];
	int64_t id, pid;

	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (store_guest_get(db, actor, name, &before, err) < 0)
		goto fail;
	id = json_integer_value(json_object_get(before, "id"));
	p[0] = DB_INTV(id);
	if (guest_unused(db, name, id, err) < 0 ||
	    db_query_int(db, "SELECT project_id FROM guest WHERE id = $1", p,
			 1, &pid, err) < 0 ||
	    db_exec(db, "DELETE FROM guest WHERE id = $1", p, 1, NULL,
		    err) < 0)
		goto fail;
	return store_commit_change(db, actor, "guest.delete", name, pid,
				   before, NULL, err);
fail:
	return store_abort(db, before);
}

int
store_guest_list(struct db *db, const struct hk_actor *actor,
		 const struct page_in *page, json_t **out, char *next,
		 struct hk_err *err)
{
	struct page_bind pb;

	if (store_page_bind(page, actor, &pb, err) < 0 ||
	    db_query_json(db, "SELECT " GUEST_COLS " FROM guest g JOIN "
			  "project p ON p.id = g.project_id WHERE ($5 < 0 OR "
			  "g.project_id = $5) AND " PAGE_WHERE("g.name", "$4")
			  PAGE_TAIL("g.name"), pb.p, 5, out, err) < 0)
		return -1;
	for (size_t i = 0; i < json_array_size(*out); i++)
		addrs_array(json_array_get(*out, i));
	store_page_cut(*out, page, "name", next);
	return 0;
}

int
store_guest_push(struct db *db, const struct hk_actor *actor,
		 const char *name, json_t **out, struct hk_err *err)
{
	int64_t project = -1;
	struct db_param p[1] = { DB_TXT(name) };

	*out = NULL;
	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	if (store_guest_touch(db, name, err) < 0 ||
	    db_query_int(db, "SELECT project_id FROM guest WHERE name = $1", p,
			 1, &project, err) < 0 ||
	    store_audit(db, actor, "guest.push", name, project, NULL,
			err) < 0 ||
	    store_guest_get(db, actor, name, out, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
