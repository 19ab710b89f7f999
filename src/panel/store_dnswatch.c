/* SPDX-License-Identifier: ISC */
/*
 * store_dnswatch.c - pushd's check of each domain's DNS records: the
 * claim, and what a check found recorded.  See store_dnswatch.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_dkim.h"
#include "store_dnswatch.h"

#define OBJECT_MAX	(DNSREC_NAME_MAX + 16)	/* "NAME PURPOSE" */

/* Row: domain_id, name, results */
static int
job_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct dnswatch_job *j = ctx;

	(void)err;
	j->domain_id = strtoll(row->vals[0], NULL, 10);
	snprintf(j->domain, sizeof(j->domain), "%s", row->vals[1]);
	j->previous = json_loads(row->vals[2] ? row->vals[2] : "[]", 0, NULL);
	if (!json_is_array(j->previous)) {	/* never as written: start over */
		json_decref(j->previous);
		j->previous = json_array();
	}
	return 0;
}

int
store_dnswatch_claim(struct db *db, int64_t now, int64_t interval_s,
		     struct dnswatch_job *job, struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(now), DB_INTV(now + interval_s),
				 DB_NUL };
	char sql[512];
	int64_t n = 0;

	memset(job, 0, sizeof(*job));
	snprintf(sql, sizeof(sql), "SELECT s.domain_id, d.name, s.results "
		 "FROM domain_dns s JOIN domain d ON d.id = s.domain_id WHERE "
		 "d.active = 1 AND s.next_at <= $1 ORDER BY s.next_at, "
		 "s.domain_id LIMIT 1%s", db_lock_rows(db));
	if (db_begin(db, 1, err) < 0)
		return -1;
	/* a domain not yet watched is due now */
	if (db_exec(db, "INSERT INTO domain_dns (domain_id, next_at) SELECT "
		    "d.id, 0 FROM domain d WHERE d.active = 1 AND NOT EXISTS "
		    "(SELECT 1 FROM domain_dns s WHERE s.domain_id = d.id) ON "
		    "CONFLICT (domain_id) DO NOTHING", NULL, 0, NULL, err) < 0 ||
	    db_query(db, sql, p, 1, job_row, job, NULL, err) < 0)
		goto fail;
	if (job->domain_id == 0) {
		db_rollback(db);
		return 0;
	}
	p[2] = DB_INTV(job->domain_id);
	if (db_exec(db, "UPDATE domain_dns SET next_at = $2 WHERE domain_id = "
		    "$3 AND next_at <= $1", p, 3, &n, err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	if (n == 1)
		return 1;
	store_dnswatch_job_free(job);
	return 0;
fail:
	db_rollback(db);
	store_dnswatch_job_free(job);
	return -1;
}

void
store_dnswatch_job_free(struct dnswatch_job *job)
{
	json_decref(job->previous);
	job->previous = NULL;
}

int
store_dnswatch_next_due(struct db *db, int64_t *at, struct hk_err *err)
{
	return db_query_int(db, "SELECT COALESCE(MIN(COALESCE(s.next_at, 0)), "
			    "-1) FROM domain d LEFT JOIN domain_dns s ON "
			    "s.domain_id = d.id WHERE d.active = 1", NULL, 0,
			    at, err);
}

/* --- what a check found --- */

struct save {
	struct db *db;
	const struct dnswatch_job *job;
	int64_t now, project_id, guest_id;
	struct hk_actor actor;		/* pushd, for the audit log */
	int changes;
};

/* The last check's status of (name, purpose), or "". */
static const char *
previous(const struct save *s, const struct dnsrec *r)
{
	const char *purpose = dnsrec_purpose_name(r->purpose);
	json_t *o;
	size_t i;

	json_array_foreach(s->job->previous, i, o) {
		const char *n = json_string_value(json_object_get(o, "name"));
		const char *p = json_string_value(json_object_get(o, "purpose"));

		if (n && p && !strcmp(n, r->name) && !strcmp(p, purpose))
			return json_string_value(json_object_get(o, "status"));
	}
	return "";
}

/* The open dns_record warning of object, 0: none. */
static int
open_warning(struct save *s, const char *object, int64_t *id,
	     struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(object) };

	if (db_query_int(s->db, "SELECT id FROM warning WHERE kind = "
			 "'dns_record' AND object = $1 AND ended_at IS NULL",
			 p, 1, id, err) == 0)
		return 0;
	if (err->code != HK_ENOTFOUND)
		return -1;
	hk_err_clear(err);
	*id = 0;
	return 0;
}

static json_t *
detail(const struct save *s, const struct dnsrec *r,
       const struct dnscheck_result *res)
{
	return json_pack("{s:s, s:s, s:s, s:s?}", "domain", s->job->domain,
			 "purpose", dnsrec_purpose_name(r->purpose), "status",
			 dnscheck_status_name(res->status), "found",
			 res->found);
}

static int
raise_warning(struct save *s, const char *object, const struct dnsrec *r,
	      const struct dnscheck_result *res, struct hk_err *err)
{
	json_t *d = detail(s, r, res);
	char *text = json_dumps(d, JSON_COMPACT);
	struct db_param p[5] = { DB_INTV(s->guest_id), DB_INTV(s->project_id),
				 DB_TXT(object), DB_INTV(s->now),
				 DB_TXT(text ? text : "{}") };
	int rc = db_exec(s->db, "INSERT INTO warning (guest_id, project_id, "
			 "kind, object, value, threshold, started_at, detail) "
			 "VALUES ($1, $2, 'dns_record', $3, 0, 0, $4, $5)", p,
			 5, NULL, err);

	free(text);
	if (rc < 0) {
		json_decref(d);
		return -1;
	}
	s->changes++;
	return store_audit(s->db, &s->actor, "warning.raised", object,
			   s->project_id, d, err);
}

static int
end_warning(struct save *s, int64_t id, const char *object,
	    const struct dnsrec *r, const struct dnscheck_result *res,
	    struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(id), DB_INTV(s->now) };

	if (db_exec(s->db, "UPDATE warning SET ended_at = $2 WHERE id = $1",
		    p, 2, NULL, err) < 0)
		return -1;
	s->changes++;
	return store_audit(s->db, &s->actor, "warning.cleared", object,
			   s->project_id, detail(s, r, res), err);
}

/* One record: a warning raised when it stopped matching, ended when it
 * matches again; a failed lookup, or a record to remove, changes
 * nothing. */
static int
settle(struct save *s, const struct dnsrec *r,
       const struct dnscheck_result *res, struct hk_err *err)
{
	char object[OBJECT_MAX];
	int64_t id;
	int bad = res->status == DNSCHECK_DIFFERENT ||
		  res->status == DNSCHECK_MISSING;

	if (r->action == DNSREC_REMOVE ||
	    (!bad && res->status != DNSCHECK_MATCH))
		return 0;
	snprintf(object, sizeof(object), "%s %s", r->name,
		 dnsrec_purpose_name(r->purpose));
	if (open_warning(s, object, &id, err) < 0)
		return -1;
	if (bad && id == 0 && strcmp(previous(s, r), "match") == 0)
		return raise_warning(s, object, r, res, err);
	if (!bad && id > 0)
		return end_warning(s, id, object, r, res, err);
	return 0;
}

/* The results as domain_dns keeps them. */
static char *
results_text(const struct dnsrec_list *list,
	     const struct dnscheck_result *res)
{
	json_t *a = json_array();
	char *text;

	for (size_t i = 0; a != NULL && i < list->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?}",
			"name", list->v[i].name, "purpose",
			dnsrec_purpose_name(list->v[i].purpose), "status",
			dnscheck_status_name(res[i].status), "found",
			res[i].found));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

static int
save_tx(struct save *s, const struct dnsrec_list *list,
	const struct dnscheck_result *res, struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(s->job->domain_id), DB_NUL, DB_NUL };
	int64_t v[2];
	char *text;
	int rc;

	if (db_query_ints(s->db, "SELECT project_id, guest_id FROM domain "
			  "WHERE id = $1", p, 1, v, 2, err) < 0)
		return -1;
	s->project_id = v[0];
	s->guest_id = v[1];
	for (size_t i = 0; i < list->n; i++)
		if (settle(s, &list->v[i], &res[i], err) < 0)
			return -1;
	if ((text = results_text(list, res)) == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	p[1] = DB_INTV(s->now);
	p[2] = DB_TXT(text);
	rc = db_exec(s->db, "UPDATE domain_dns SET checked_at = $2, results = "
		     "$3 WHERE domain_id = $1", p, 3, NULL, err);
	free(text);
	return rc;
}

/* --- the keys that follow from it --- */

/* Whether every DKIM record of selector is `status` (and there is one). */
static int
all_dkim(const struct dnsrec_list *list, const struct dnscheck_result *res,
	 const char *selector, enum dnscheck_status status)
{
	size_t len = strlen(selector), seen = 0;

	for (size_t i = 0; i < list->n; i++) {
		const char *n = list->v[i].name;

		if (list->v[i].purpose != DNSREC_P_DKIM ||
		    strncmp(n, selector, len) != 0 ||
		    strncmp(n + len, "._domainkey.", 12) != 0)
			continue;
		if (res[i].status != status)
			return 0;
		seen++;
	}
	return seen > 0;
}

struct key_ctx {
	struct save *s;
	const struct dkim_conf *dc;
	const struct dnsrec_list *list;
	const struct dnscheck_result *res;
	json_t *keys;
};

static int
follow_keys(struct key_ctx *k, struct hk_err *err)
{
	struct save *s = k->s;
	json_t *key, *obj = NULL;
	size_t i;

	json_array_foreach(k->keys, i, key) {
		const char *sel = json_string_value(json_object_get(key, "selector"));
		const char *state = json_string_value(json_object_get(key, "state"));
		int64_t until = json_integer_value(json_object_get(key, "remove_after"));
		int rc = 0;

		if (!strcmp(state, "pending") &&
		    all_dkim(k->list, k->res, sel, DNSCHECK_MATCH))
			rc = store_dkim_activate(s->db, &s->actor, k->dc,
						 s->job->domain, sel, &obj, err);
		else if (!strcmp(state, "retiring") && until <= s->now &&
			 all_dkim(k->list, k->res, sel, DNSCHECK_MISSING))
			rc = store_dkim_delete(s->db, &s->actor, k->dc,
					       s->job->domain, sel, err);
		else
			continue;
		json_decref(obj);
		obj = NULL;
		if (rc < 0)
			return -1;
		s->changes++;
	}
	return 0;
}

int
store_dnswatch_save(struct db *db, const struct dkim_conf *dc,
		    const struct dnswatch_job *job,
		    const struct dnsrec_list *list,
		    const struct dnscheck_result *results, int64_t now,
		    int *changes, struct hk_err *err)
{
	struct save s = { db, job, now, 0, 0, { 0 }, 0 };
	struct key_ctx k = { &s, dc, list, results, NULL };
	struct db_param p[1] = { DB_INTV(job->domain_id) };
	int rc;

	snprintf(s.actor.login, sizeof(s.actor.login), "pushd");
	snprintf(s.actor.via, sizeof(s.actor.via), "pushd");
	s.actor.is_admin = 1;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (save_tx(&s, list, results, err) < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	/* keys, by age: a later activation retires an earlier one */
	rc = db_query_json(db, "SELECT selector, state, COALESCE(remove_after, "
			   "0) AS remove_after FROM dkim_key WHERE domain_id = "
			   "$1 ORDER BY created_at, id", p, 1, &k.keys, err);
	if (rc == 0 && dc != NULL && dc->key_file[0] != '\0')
		rc = follow_keys(&k, err);
	json_decref(k.keys);
	if (changes != NULL)
		*changes = s.changes;
	return rc;
}
