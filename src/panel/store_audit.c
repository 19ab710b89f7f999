/* SPDX-License-Identifier: ISC */
/*
 * store_audit.c - the audit log: who changed what, when, through which
 * door.  Written in the same transaction as the change it records, so the
 * log never claims a change that was rolled back, nor misses one that
 * was committed.  See store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static int
via_ok(const char *via)
{
	static const char *const doors[] = { "api", "web", "cli", "import",
					     "pushd", NULL };

	for (int i = 0; doors[i]; i++)
		if (strcmp(via, doors[i]) == 0)
			return 1;
	return 0;
}

/* Takes a reference to detail (json_pack's result may be NULL). */
int
store_audit(struct db *db, const struct hk_actor *actor, const char *action,
	    const char *object, int64_t project_id, json_t *detail,
	    struct hk_err *err)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)
	    : NULL;
	struct db_param p[7] = {
		DB_INTV((int64_t)time(NULL)),
		DB_TXT(actor->login[0] ? actor->login : "unknown"),
		DB_TXT(actor->via), DB_TXT(action), DB_TXT(object),
		project_id >= 0 ? DB_INTV(project_id) : DB_NUL,
		DB_TXT(text ? text : "{}") };
	int rc;

	json_decref(detail);
	if (!via_ok(actor->via)) {
		free(text);
		return hk_fail(err, HK_EINTERNAL, NULL, "audit: actor without "
			       "a valid door (via)");
	}
	rc = db_exec(db, "INSERT INTO audit (at, actor, via, action, object, "
		     "project_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		     p, 7, NULL, err);
	free(text);
	return rc;
}

int
store_audit_change(struct db *db, const struct hk_actor *actor,
		   const char *action, const char *object, int64_t project_id,
		   json_t *before, json_t *after, struct hk_err *err)
{
	json_t *detail = json_object();

	if (before != NULL)
		json_object_set_new(detail, "before", before);
	if (after != NULL)
		json_object_set_new(detail, "after", after);
	return store_audit(db, actor, action, object, project_id, detail, err);
}

int
store_commit_change(struct db *db, const struct hk_actor *actor,
		    const char *action, const char *object, int64_t project_id,
		    json_t *before, json_t *after, struct hk_err *err)
{
	if (store_audit_change(db, actor, action, object, project_id, before,
			       after, err) < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
store_abort(struct db *db, json_t *before)
{
	json_decref(before);
	db_rollback(db);
	return -1;
}

int
store_operator(const struct hk_actor *actor, struct hk_err *err)
{
	if (!actor->is_admin)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_operator_only,
				NULL);
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	return 0;
}

int
store_audit_list(struct db *db, const struct hk_actor *actor,
		 int64_t before_id, int limit, json_t **out, struct hk_err *err)
{
	struct db_param p[3] = {
		DB_INTV(actor->is_admin ? -1 : actor->project_id),
		DB_INTV(before_id), DB_INTV(limit) };

	size_t i;
	json_t *e;

	if (db_query_json(db, "SELECT id, at, actor, via, action, object, "
			  "detail FROM audit WHERE ($1 < 0 OR project_id = "
			  "$1) AND ($2 <= 0 OR id < $2) ORDER BY id DESC "
			  "LIMIT $3", p, 3, out, err) < 0)
		return -1;
	/* detail is stored as JSON text: shown as the object it is */
	json_array_foreach(*out, i, e) {
		const char *d = json_string_value(json_object_get(e, "detail"));
		json_t *v = d ? json_loads(d, 0, NULL) : NULL;

		if (v != NULL)
			json_object_set_new(e, "detail", v);
	}
	return 0;
}
