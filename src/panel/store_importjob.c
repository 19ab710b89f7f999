/* SPDX-License-Identifier: ISC */
/*
 * store_importjob.c - import jobs, whatever door they came through (the
 * API's upload, the web panel's, hakomail import): queued, moved along by
 * whoever runs them, read by whoever polls.  A job is scoped like the
 * rest of a project: an owner sees the jobs of their project (an
 * operator's import into it too, once it has ended), an operator every
 * job.  See store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

/* Ended jobs are kept this long: a report of 10,000 problems is about a
 * megabyte, and a term's imports are looked at within days. */
#define JOB_KEEP_S	(30 * 86400)

#define JOB_COLUMNS \
	"j.id, j.kind, j.filename, j.dry_run, j.skip_invalid, j.upsert, " \
	"j.encoding, j.state, j.phase, j.done, j.total, j.rows, j.added, " \
	"j.updated, j.invalid, j.problems_more, j.error, j.actor, j.via, " \
	"p.name AS project, j.created_at, j.started_at, j.finished_at"
#define JOB_FROM \
	" FROM import_job j LEFT JOIN project p ON p.id = j.project_id " \
	"WHERE ($1 < 0 OR j.project_id = $1)"

/* The stored JSON texts shown as the values they are; 0/1 as booleans. */
static void
shape(json_t *job)
{
	static const char *const texts[] = { "error", "problems", NULL };
	static const char *const bools[] = { "dry_run", "skip_invalid",
		"upsert", "problems_more", NULL };

	for (int i = 0; texts[i]; i++) {
		const char *t = json_string_value(json_object_get(job,
								  texts[i]));
		json_t *v = t ? json_loads(t, 0, NULL) : NULL;

		if (v != NULL)
			json_object_set_new(job, texts[i], v);
	}
	for (int i = 0; bools[i]; i++)
		db_json_bool(job, bools[i]);
}

static int64_t
scope(const struct hk_actor *actor)
{
	return actor->is_admin ? -1 : actor->project_id;
}

int
store_import_job_add(struct db *db, const struct hk_actor *actor,
		     const struct import_job_in *in, int64_t *id,
		     json_t **out, struct hk_err *err)
{
	struct db_param p[11] = {
		actor->is_admin ? DB_NUL : DB_INTV(actor->project_id),
		DB_TXT(actor->login), DB_TXT(in->kind), DB_TXT(in->filename),
		DB_INTV(in->dry_run), DB_INTV(in->skip_invalid),
		DB_INTV(in->upsert), DB_TXT(in->encoding), DB_TXT(in->worker),
		DB_INTV((int64_t)time(NULL)), DB_TXT(actor->via) };
	int64_t active = 0;

	struct db_param old[1] = { DB_INTV((int64_t)time(NULL) - JOB_KEEP_S) };

	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_exec(db, "DELETE FROM import_job WHERE state IN ('done', "
		    "'checked', 'failed', 'interrupted') AND finished_at < $1",
		    old, 1, NULL, err) < 0 ||
	    db_query_int(db, "SELECT COUNT(*) FROM import_job WHERE state IN "
			 "('queued', 'running')", NULL, 0, &active, err) < 0)
		goto fail;
	if (active >= in->max_active) {
		hk_failr(err, HK_ETHROTTLED, NULL, HK_R_imports_busy, "count",
			 HK_NUM(active), NULL);
		goto fail;
	}
	if (db_query_int(db, "INSERT INTO import_job (project_id, actor, kind, "
			 "filename, dry_run, skip_invalid, upsert, encoding, "
			 "state, worker, created_at, via) VALUES ($1, $2, $3, "
			 "$4, $5, $6, $7, $8, 'queued', $9, $10, $11) "
			 "RETURNING id", p, 11, id, err) < 0) {
		if (err->code == HK_EEXIST)
			hk_failr(err, HK_EEXIST, NULL, HK_R_import_running,
				 NULL);
		goto fail;
	}
	if (db_commit(db, err) < 0)
		return -1;
	return store_import_job_get(db, actor, *id, out, err);
fail:
	db_rollback(db);
	return -1;
}

int
store_import_job_progress(struct db *db, int64_t id, const char *phase,
			  size_t done, size_t total, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(id), DB_TXT(phase),
				 DB_INTV((int64_t)done), DB_INTV((int64_t)total),
				 DB_INTV((int64_t)time(NULL)) };

	return db_exec(db, "UPDATE import_job SET state = 'running', phase = "
		       "$2, done = $3, total = $4, started_at = COALESCE("
		       "started_at, $5) WHERE id = $1 AND state IN ('queued', "
		       "'running')", p, 5, NULL, err);
}

int
store_import_job_finish(struct db *db, int64_t id,
			const struct import_job_result *res,
			struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL);
	struct db_param p[11] = { DB_INTV(id), DB_INTV(res->error != NULL),
		DB_INTV((int64_t)res->rows), DB_INTV((int64_t)res->added),
		DB_INTV((int64_t)res->updated), DB_INTV((int64_t)res->invalid),
		DB_TXT(res->problems ? res->problems : "[]"),
		DB_INTV(res->problems_more),
		res->error ? DB_TXT(res->error) : DB_NUL, DB_INTV(now),
		DB_INTV(res->project_id) };

	/* ran to its end: a dry run "checked", an import "done"; an
	 * operator's job goes to the one project its rows were in */
	return db_exec(db, "UPDATE import_job SET state = CASE WHEN $2 = 1 "
		       "THEN 'failed' WHEN dry_run = 1 THEN 'checked' ELSE "
		       "'done' END, phase = NULL, rows = $3, added = $4, "
		       "updated = $5, invalid = $6, problems = $7, "
		       "problems_more = $8, error = CAST($9 AS TEXT), "
		       "started_at = COALESCE(started_at, $10), finished_at = "
		       "$10, project_id = COALESCE(project_id, (SELECT id FROM "
		       "project WHERE id = $11)) WHERE id = $1", p, 11, NULL,
		       err);
}

int
store_import_job_get(struct db *db, const struct hk_actor *actor,
		     int64_t id, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(scope(actor)), DB_INTV(id) };

	if (db_query_object(db, "SELECT " JOB_COLUMNS ", j.problems" JOB_FROM
			    " AND j.id = $2", p, 2, out, err) < 0) {
		if (err->code == HK_ENOTFOUND)
			hk_failr(err, HK_ENOTFOUND, "id", HK_R_no_import, "id",
				 HK_NUM(id), NULL);
		return -1;
	}
	shape(*out);
	return 0;
}

int
store_import_job_list(struct db *db, const struct hk_actor *actor,
		      int64_t before_id, int limit, json_t **out,
		      struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(scope(actor)), DB_INTV(before_id),
				 DB_INTV(limit) };
	size_t i;
	json_t *job;

	if (db_query_json(db, "SELECT " JOB_COLUMNS JOB_FROM " AND ($2 <= 0 "
			  "OR j.id < $2) ORDER BY j.id DESC LIMIT $3", p, 3,
			  out, err) < 0)
		return -1;
	json_array_foreach(*out, i, job)
		shape(job);
	return 0;
}

/* An interrupted job's error, as the API shows errors. */
#define JOB_INTERRUPTED \
	"{\"code\":\"internal\",\"message\":\"%s: nothing was written; " \
	"run the import again\",\"field\":null}"

int
store_import_job_interrupt(struct db *db, int64_t id, const char *why,
			   struct hk_err *err)
{
	char error[512];
	struct db_param p[3] = { DB_INTV(id), DB_TXT(error),
				 DB_INTV((int64_t)time(NULL)) };

	/* why is the caller's own wording: no quote or backslash in it */
	snprintf(error, sizeof(error), JOB_INTERRUPTED, why);
	return db_exec(db, "UPDATE import_job SET state = 'interrupted', "
		       "phase = NULL, finished_at = $3, started_at = COALESCE("
		       "started_at, $3), error = $2 WHERE id = $1 AND state IN "
		       "('queued', 'running')", p, 3, NULL, err);
}

int
store_import_job_abandon(struct db *db, const char *worker, int prefix,
			 struct hk_err *err)
{
	char error[512];
	struct db_param p[4] = { DB_TXT(worker), DB_INTV(prefix),
				 DB_INTV((int64_t)time(NULL)), DB_TXT(error) };

	snprintf(error, sizeof(error), JOB_INTERRUPTED, "the worker running "
		 "the import stopped before its end");
	return db_exec(db, "UPDATE import_job SET state = 'interrupted', "
		       "phase = NULL, finished_at = $3, error = $4 WHERE state "
		       "IN ('queued', 'running') AND (worker = $1 OR ($2 = 1 "
		       "AND substr(worker, 1, length($1)) = $1))", p, 4, NULL,
		       err);
}

int
store_import_job_workers(struct db *db, const char *prefix, json_t **out,
			 struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(prefix) };

	return db_query_json(db, "SELECT DISTINCT worker FROM import_job "
			     "WHERE state IN ('queued', 'running') AND substr("
			     "worker, 1, length($1)) = $1", p, 1, out, err);
}
