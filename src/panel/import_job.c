/* SPDX-License-Identifier: ISC */
/*
 * import_job.c - an import run as a job (the API's, the web panel's and
 * the CLI's alike): its progress, at most five writes a second, outside
 * the import's write transaction; its end (the report, its problems with
 * their reasons, or what it may say of its failure) written in the
 * import's own transaction when rows are written, so that a job never
 * claims rows that were not; "interrupted" when a shutdown stopped it.
 * See import.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "import.h"
#include "jsonout.h"
#include "log.h"
#include "store.h"

#define JOB_PROGRESS_MS	200	/* at most five writes a second */

struct job_ctx {
	struct db *db;
	int64_t id;
	const struct import_opts *outer;
	char phase[8];
	long long last_ms;
};

/* Whether the import ran to its end: written, or, for a dry run, judged
 * (run()'s "N of M rows have problems" is its result). */
static int
job_ran(const struct import_opts *o, int rc, const struct hk_err *e,
	const struct import_report *rep)
{
	return rc == 0 || (o->dry_run && e->code == HK_EINVAL &&
			   rep->invalid > 0 && strcmp(e->field, "file") == 0);
}

/* A problem's parameters as a JSON object of strings. */
static json_t *
problem_params(const struct import_problem *p)
{
	json_t *o = json_object();
	const char *name, *value;

	for (int i = 0; o && import_problem_param(p, i, &name, &value) == 0;
	     i++)
		json_object_set_new(o, name, json_string(value));
	return o;
}

static char *
problems_json(const struct import_report *rep)
{
	json_t *arr = json_array();
	char *text;

	for (size_t i = 0; arr && i < rep->nproblems; i++) {
		const struct import_problem *p = &rep->problems[i];

		json_array_append_new(arr, json_pack("{s:I, s:s?, s:s, s:s*, "
			"s:o*}", "line", (json_int_t)p->line, "column",
			p->column[0] ? p->column : NULL, "reason", p->reason,
			"reason_id", p->why ? hk_reason_name(p->why) : NULL,
			"params", p->why ? problem_params(p) : NULL));
	}
	text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	return text;
}

/* What a job's reader may see of its failure, as the API's errors say
 * it; an internal failure's cause goes to the log instead. */
static char *
error_json(int64_t id, const struct hk_err *e)
{
	json_t *obj = jsonout_error(e);
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	if (hk_err_internal(e->code))
		log_error("import %lld: %s: %s", (long long)id,
			  hk_errcode_name(e->code), e->message);
	json_decref(obj);
	return text;
}

static int
job_end(struct db *db, int64_t id, const struct import_report *rep,
	const struct hk_err *failure, struct hk_err *err)
{
	char *problems = problems_json(rep);
	char *error = failure ? error_json(id, failure) : NULL;
	struct import_job_result res = { rep->rows, rep->added, rep->updated,
		rep->invalid, problems, rep->truncated,
		failure ? (error ? error : "{}") : NULL, rep->project_id };
	int rc = store_import_job_finish(db, id, &res, err);

	free(problems);
	free(error);
	return rc;
}

/* In "write" past 0 the connection is inside the import's transaction,
 * where a write would show nobody anything until the end. */
static void
job_progress(void *ctx, const char *phase, size_t done, size_t total)
{
	struct job_ctx *j = ctx;
	long long t = clock_mono_ms();
	struct hk_err err;

	if (j->outer->progress != NULL)
		j->outer->progress(j->outer->progress_ctx, phase, done, total);
	if (strcmp(phase, "write") == 0 && done > 0)
		return;
	if (strcmp(phase, j->phase) == 0 && done < total &&
	    t - j->last_ms < JOB_PROGRESS_MS)
		return;
	snprintf(j->phase, sizeof(j->phase), "%s", phase);
	j->last_ms = t;
	/* only progress: a failure here is not the import's */
	(void)store_import_job_progress(j->db, j->id, phase, done, total,
					&err);
}

static int
job_commit(void *ctx, const struct import_report *rep, struct hk_err *err)
{
	struct job_ctx *j = ctx;

	return job_end(j->db, j->id, rep, NULL, err);
}

int
import_job_run(struct db *db, const struct hk_actor *actor, int64_t id,
	       int aliases, const struct csvin_doc *doc,
	       const struct import_opts *o, struct import_report *rep,
	       struct hk_err *err)
{
	struct job_ctx j = { db, id, o, "", 0 };
	struct import_opts jo = *o;
	struct hk_err ferr;
	int rc;

	jo.progress = job_progress;
	jo.progress_ctx = &j;
	jo.before_commit = job_commit;
	jo.commit_ctx = &j;
	job_progress(&j, "check", 0, doc->nrows);
	rc = (aliases ? import_aliases : import_mailboxes)(db, actor, doc, &jo,
							   rep, err);
	/* stopped by a shutdown: nothing written, and the job says so */
	if (rc < 0 && o->stop != NULL && *o->stop &&
	    strcmp(err->field, IMPORT_STOPPED) == 0) {
		if (store_import_job_interrupt(db, id, "the panel was stopped "
					       "before the import ended",
					       &ferr) < 0)
			log_error("import %lld: %s", (long long)id,
				  ferr.message);
		return rc;
	}
	/* an import that committed ended its job in the transaction */
	if ((rc < 0 || o->dry_run) &&
	    job_end(db, id, rep, job_ran(o, rc, err, rep) ? NULL : err,
		    &ferr) < 0)
		log_error("import %lld: %s", (long long)id, ferr.message);
	return rc;
}

int
import_job_fail(struct db *db, int64_t id, const struct hk_err *failure,
		struct hk_err *err)
{
	struct import_report rep = { .project_id = -1 };

	return job_end(db, id, &rep, failure, err);
}
