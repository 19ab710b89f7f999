/* SPDX-License-Identifier: ISC */
/*
 * store_push.c - pushd's side of the guest table: leases, outcomes, drift
 * repairs and the push history.  See store.h.
 *
 * A lease is two columns, lease_owner and lease_until, taken in one short
 * write transaction.  With PostgreSQL the SELECT that picks the guest ends
 * in FOR UPDATE SKIP LOCKED, so two nodes claiming at once never pick the
 * same row and never wait for each other; with SQLite BEGIN IMMEDIATE
 * already admits one writer at a time.  No transaction stays open during
 * the push itself: writers bumping a guest's generation never wait for a
 * slow guest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

#define HISTORY_KEEP	200	/* rows of push history kept per guest */

#define DIRTY	"g.desired_gen > g.applied_gen"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Row: id, project_id, name, ssh_host, ssh_port, ssh_user, host_key,
 * desired_gen, applied_gen, failures, applied_files, dirty, check_due,
 * report_due */
static int
job_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct push_job *job = ctx;
	const char *const *v = row->vals;

	job->id = strtoll(v[0], NULL, 10);
	job->project_id = strtoll(v[1], NULL, 10);
	job->name = strdup(v[2]);
	job->host = strdup(v[3]);
	job->port = (int)strtol(v[4], NULL, 10);
	job->user = strdup(v[5]);
	job->host_key = strdup(v[6]);
	job->desired_gen = strtoll(v[7], NULL, 10);
	job->applied_gen = strtoll(v[8], NULL, 10);
	job->failures = (int)strtol(v[9], NULL, 10);
	job->applied_files = dup_or_null(v[10]);
	job->dirty = strcmp(v[11], "1") == 0;
	job->check_due = strcmp(v[12], "1") == 0;
	job->report_due = strcmp(v[13], "1") == 0;
	if (job->name == NULL || job->host == NULL || job->user == NULL ||
	    job->host_key == NULL || (v[10] != NULL && !job->applied_files))
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	return 0;
}

void
store_push_job_free(struct push_job *job)
{
	free(job->name);
	free(job->host);
	free(job->user);
	free(job->host_key);
	free(job->applied_files);
	memset(job, 0, sizeof(*job));
}

#define CHECK_DUE	"($2 = 1 AND g.check_at <= $1)"
#define REPORT_DUE	"($3 = 1 AND g.report_at <= $1)"

#define JOB_SELECT "SELECT g.id, g.project_id, g.name, g.ssh_host, " \
	"g.ssh_port, g.ssh_user, g.host_key, g.desired_gen, g.applied_gen, " \
	"g.failures, g.applied_files, CASE WHEN " DIRTY " THEN 1 ELSE 0 END, " \
	"CASE WHEN " CHECK_DUE " THEN 1 ELSE 0 END, CASE WHEN " REPORT_DUE \
	" THEN 1 ELSE 0 END FROM guest g "

static int
pick(struct db *db, const struct push_lease *l, struct push_job *job,
     struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(l->now), DB_INTV(l->checks ? 1 : 0),
				 DB_INTV(l->reports ? 1 : 0) };
	char sql[1280];

	snprintf(sql, sizeof(sql), JOB_SELECT "WHERE "
		 "(g.lease_owner IS NULL OR g.lease_until < $1) AND ((" DIRTY
		 " AND g.retry_at <= $1) OR (g.desired_gen <= g.applied_gen "
		 "AND (" CHECK_DUE " OR " REPORT_DUE "))) ORDER BY CASE WHEN "
		 DIRTY " THEN 0 ELSE 1 END, g.retry_at, g.check_at, "
		 "g.report_at, g.id LIMIT 1%s", db_lock_rows(db));
	return db_query(db, sql, p, 3, job_row, job, NULL, err);
}

/* Guest $4 if no one holds it, whatever falls due when. */
static int
pick_id(struct db *db, const struct push_lease *l, int64_t id,
	struct push_job *job, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(l->now), DB_INTV(l->checks ? 1 : 0),
				 DB_INTV(l->reports ? 1 : 0), DB_INTV(id) };
	char sql[1024];

	snprintf(sql, sizeof(sql), JOB_SELECT "WHERE g.id = $4 AND "
		 "(g.lease_owner IS NULL OR g.lease_until < $1)%s",
		 db_lock_rows(db));
	return db_query(db, sql, p, 4, job_row, job, NULL, err);
}

int
store_push_job_of(struct db *db, int64_t guest_id, struct push_job *job,
		  struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(0), DB_INTV(0), DB_INTV(0),
				 DB_INTV(guest_id) };

	memset(job, 0, sizeof(*job));
	if (db_query(db, JOB_SELECT "WHERE g.id = $4", p, 4, job_row, job,
		     NULL, err) < 0)
		return -1;
	if (job->name == NULL)
		return hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_such_guest,
				NULL);
	return 0;
}

/* Leases what pick or pick_id (id > 0) picked.  The UPDATE checks the
 * lease again: without row locks (or with a backend whose SELECT would
 * not take them) a race ends as "none". */
static int
claim(struct db *db, const struct push_lease *l, int64_t id,
      struct push_job *job, struct hk_err *err)
{
	int64_t n = 0;

	memset(job, 0, sizeof(*job));
	if (db_begin(db, 1, err) < 0)
		return -1;
	if ((id > 0 ? pick_id(db, l, id, job, err) : pick(db, l, job,
							  err)) < 0)
		goto fail;
	if (job->name == NULL) {
		db_rollback(db);
		return 0;
	}
	/* An unreachable or failed guest keeps saying so while retried. */
	if (db_exec(db, "UPDATE guest SET lease_owner = $2, lease_until = $3,"
		    " state = CASE WHEN desired_gen > applied_gen AND state IN "
		    "('pending', 'in_sync') THEN 'pushing' ELSE state END "
		    "WHERE id = $1 AND (lease_owner "
		    "IS NULL OR lease_until < $4)", (struct db_param[]){
		    DB_INTV(job->id), DB_TXT(l->node),
		    DB_INTV(l->now + l->seconds), DB_INTV(l->now) }, 4, &n,
		    err) < 0 || db_commit(db, err) < 0)
		goto fail;
	if (n == 1)
		return 1;
	store_push_job_free(job);
	return 0;
fail:
	db_rollback(db);
	store_push_job_free(job);
	return -1;
}

int
store_push_claim(struct db *db, const struct push_lease *l,
		 struct push_job *job, struct hk_err *err)
{
	return claim(db, l, 0, job, err);
}

int
store_push_claim_guest(struct db *db, const struct push_lease *l,
		       int64_t guest_id, struct push_job *job,
		       struct hk_err *err)
{
	return claim(db, l, guest_id, job, err);
}

int
store_push_release_node(struct db *db, const char *node, int64_t *n,
			struct hk_err *err)
{
	return db_exec(db, "UPDATE guest SET lease_owner = NULL, lease_until ="
		       " 0, state = CASE WHEN state <> 'pushing' THEN state "
		       "WHEN desired_gen > applied_gen THEN 'pending' ELSE "
		       "'in_sync' END WHERE lease_owner = $1",
		       (struct db_param[]){ DB_TXT(node) }, 1, n, err);
}

int
store_push_started(struct db *db, const struct push_job *job,
		   const char *node, const char *kind, int64_t now_ms,
		   int64_t *push_id, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(job->id), DB_INTV(job->desired_gen),
				 DB_INTV(now_ms), DB_TXT(node), DB_TXT(kind) };

	return db_query_int(db, "INSERT INTO push (guest_id, gen, started_at,"
			    " started_ms, node, kind) VALUES ($1, $2, CAST($3 AS "
			    "BIGINT) / 1000, $3, $4, $5) RETURNING id", p, 5, push_id,
			    err);
}

int
store_push_sending(struct db *db, int64_t push_id, const char *bundle,
		   int64_t bytes, struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(push_id), DB_TXT(bundle),
				 DB_INTV(bytes) };

	return db_exec(db, "UPDATE push SET bundle = $2, bytes = $3 WHERE id "
		       "= $1", p, 3, NULL, err);
}

/* Closes the history row and keeps the last HISTORY_KEEP of the guest. */
static int
history_done(struct db *db, const struct push_outcome *o,
	     struct hk_err *err)
{
	struct db_param p[7] = { DB_INTV(o->push_id), DB_INTV(o->now_ms),
				 DB_TXT(o->ok ? "ok" : o->state),
				 o->ok ? DB_NUL : DB_TXT(o->error),
				 DB_INTV(o->job->id),
				 o->bundle ? DB_INTV(o->bytes) : DB_NUL,
				 o->bundle ? DB_TXT(o->bundle) : DB_NUL };

	if (db_exec(db, "UPDATE push SET finished_at = CAST($2 AS BIGINT) / "
		    "1000, finished_ms = $2, result = $3, error = $4, bytes = "
		    "$6, bundle = $7 WHERE id = $1 AND guest_id = $5", p, 7,
		    NULL, err) < 0)
		return -1;
	return db_exec(db, "DELETE FROM push WHERE guest_id = $1 AND id <= "
		       "(SELECT id FROM push WHERE guest_id = $1 ORDER BY id "
		       "DESC LIMIT 1 OFFSET $2)", (struct db_param[]){
		       DB_INTV(o->job->id), DB_INTV(HISTORY_KEEP) }, 2, NULL,
		       err);
}

static int
record_ok(struct db *db, const struct push_outcome *o, int64_t *n,
	  struct hk_err *err)
{
	struct db_param p[8] = { DB_INTV(o->job->id), DB_INTV(o->gen),
				 DB_INTV(o->now_ms / 1000),
				 o->files ? DB_TXT(o->files) : DB_NUL,
				 DB_INTV(o->check_at), DB_TXT(o->node),
				 DB_INTV(o->check), DB_INTV(o->report_at) };

	/* A check leaves last_push_at: it says when maps last went out. */
	return db_exec(db, "UPDATE guest SET applied_gen = CASE WHEN "
		       "applied_gen > $2 THEN applied_gen ELSE $2 END, state = "
		       "CASE WHEN desired_gen > $2 THEN 'pending' ELSE "
		       "'in_sync' END, last_error = NULL, last_push_at = CASE "
		       "WHEN $7 = 1 THEN last_push_at ELSE $3 END, "
		       "failures = 0, retry_at = 0, unreachable_since = NULL, "
		       "applied_files = COALESCE(CAST($4 AS TEXT), applied_files), "
		       "check_at = $5, report_at = CASE WHEN $8 > 0 THEN $8 "
		       "ELSE report_at END, lease_owner = NULL,"
		       " lease_until = 0 WHERE id = $1 AND lease_owner = $6", p,
		       8, n, err);
}

/* A failed push leaves the guest dirty, to be retried at retry_at; a
 * failed check of a clean guest is retried at check_at. */
static int
record_failure(struct db *db, const struct push_outcome *o, int64_t *n,
	       struct hk_err *err)
{
	struct db_param p[7] = { DB_INTV(o->job->id), DB_INTV(o->now_ms / 1000),
				 DB_TXT(o->state), DB_TXT(o->error),
				 DB_INTV(o->retry_at), DB_TXT(o->node),
				 DB_INTV(o->report_at) };

	return db_exec(db, "UPDATE guest SET state = CASE WHEN desired_gen > "
		       "applied_gen OR $3 = 'unreachable' THEN $3 ELSE "
		       "'failed' END, last_error = $4, last_push_at = $2, "
		       "failures = failures + 1, retry_at = CASE WHEN "
		       "desired_gen > applied_gen THEN $5 ELSE retry_at END, "
		       "check_at = CASE WHEN desired_gen > applied_gen THEN "
		       "check_at ELSE $5 END, unreachable_since = CASE WHEN "
		       "$3 = 'unreachable' THEN COALESCE(unreachable_since, $2)"
		       " ELSE NULL END, report_at = CASE WHEN $7 > 0 THEN $7 "
		       "ELSE report_at END, lease_owner = NULL, lease_until = 0"
		       " WHERE id = $1 AND lease_owner = $6", p, 7, n, err);
}

/* What a repair costs: a new generation past both what the panel wanted
 * and what the guest serves, owed at once, and a line in the audit log. */
static int
repair(struct db *db, const struct push_outcome *o, struct hk_err *err)
{
	struct hk_actor pushd = { .account_id = -1, .project_id = -1 };
	struct db_param p[2] = { DB_INTV(o->job->id), DB_INTV(o->served) };

	snprintf(pushd.login, sizeof(pushd.login), "%s", o->node);
	snprintf(pushd.via, sizeof(pushd.via), "pushd");
	if (db_exec(db, "UPDATE guest SET desired_gen = CASE WHEN desired_gen"
		    " > CAST($2 AS BIGINT) THEN desired_gen + 1 ELSE CAST($2 "
		    "AS BIGINT) + 1 END, state = "
		    "'pending', retry_at = 0 WHERE id = $1", p, 2, NULL,
		    err) < 0 || store_change_all(db, o->job->id, err) < 0)
		return -1;
	return store_audit(db, &pushd, o->repair_action, o->job->name,
			   o->job->project_id, json_incref(o->repair_detail),
			   err);
}

int
store_push_done(struct db *db, const struct push_outcome *o,
		struct hk_err *err)
{
	int64_t n = 0;
	int rc;

	if (db_begin(db, 1, err) < 0)
		return -1;
	rc = o->ok ? record_ok(db, o, &n, err) : record_failure(db, o, &n, err);
	/* what the guest serves now needs no change log up to it */
	if (rc == 0 && o->ok && n == 1)
		rc = store_change_prune(db, o->job->id, o->gen, err);
	if (rc == 0 && o->push_id > 0)
		rc = history_done(db, o, err);
	if (rc == 0 && n == 1 && o->repair_action != NULL)
		rc = repair(db, o, err);
	if (rc == 0)
		rc = db_commit(db, err);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	if (n == 0)
		return hk_failr(err, HK_EEXIST, "lease", HK_R_lease_lost,
				"guest", o->job->name, NULL);
	return 0;
}

int
store_push_report_done(struct db *db, const struct push_job *job,
		       const char *node, int64_t report_at, struct hk_err *err)
{
	int64_t n = 0;

	if (db_exec(db, "UPDATE guest SET report_at = $2, lease_owner = NULL,"
		    " lease_until = 0 WHERE id = $1 AND lease_owner = $3",
		    (struct db_param[]){ DB_INTV(job->id), DB_INTV(report_at),
		    DB_TXT(node) }, 3, &n, err) < 0)
		return -1;
	if (n == 0)
		return hk_failr(err, HK_EEXIST, "lease", HK_R_lease_lost,
				"guest", job->name, NULL);
	return 0;
}

/* A clean guest falls due at its next check or report, whichever of
 * them the lease looks for comes first. */
int
store_push_next_due(struct db *db, const struct push_lease *l, int64_t *at,
		    struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(l->checks ? 1 : 0),
				 DB_INTV(l->reports ? 1 : 0) };

	*at = -1;
	if (db_query_int(db, "SELECT MIN(CASE WHEN lease_owner IS NOT NULL "
			 "THEN lease_until WHEN desired_gen > applied_gen THEN "
			 "retry_at WHEN $1 = 1 AND ($2 = 0 OR check_at < "
			 "report_at) THEN check_at ELSE report_at END) FROM "
			 "guest WHERE lease_owner IS NOT NULL OR desired_gen > "
			 "applied_gen OR $1 = 1 OR $2 = 1", p, 2, at, err) < 0 &&
	    err->code != HK_ENOTFOUND)
		return -1;
	return 0;
}
