/* SPDX-License-Identifier: ISC */
/*
 * push_report.c - ask a leased guest for its report and keep what it
 * says.  See push_report.h.
 *
 * The guest tells, the panel decides: every figure is checked before it
 * is stored (report_from_json, then store_report_save, which refuses a
 * mailbox the guest should not hold), and a report that fails either
 * leaves the previous figures as they were.  Warnings are weighed after
 * the report is stored, in a transaction of their own: a failure there
 * costs the warnings of one interval, never the figures.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"
#include "push_report.h"
#include "push_ssh.h"
#include "report.h"
#include "store_report.h"

/* Why there is no report, for the log and the guest's report_error. */
static int
refused(struct db *db, const struct push_job *job, struct push_result *res,
	const char *why, struct hk_err *err)
{
	res->reported = -1;
	snprintf(res->report_error, sizeof(res->report_error), "%s", why);
	return store_report_refused(db, job->id, why, (int64_t)time(NULL),
				    err);
}

/* Raises and clears the warnings the new figures call for, and mails
 * what changed when [warn] mail_to says where. */
static void
weigh(struct db *db, const struct push_cfg *cfg, const struct push_job *job)
{
	struct hk_err err;
	json_t *changes = NULL;

	hk_err_clear(&err);
	if (store_warn_eval(db, job->id, cfg->warn, (int64_t)time(NULL),
			    &changes, &err) < 0) {
		log_error("guest %s: weighing warnings: %s", job->name,
			  err.message);
		return;
	}
	if (changes != NULL && cfg->mail_to != NULL &&
	    cfg->mail_to[0] != '\0' &&
	    notify_warnings(cfg->sendmail, cfg->mail_to, changes, &err) < 0)
		log_error("guest %s: mailing warnings to %s: %s", job->name,
			  cfg->mail_to, err.message);
	json_decref(changes);
}

static int
keep(struct db *db, const struct push_cfg *cfg, const struct push_job *job,
     const json_t *doc, struct push_result *res, struct hk_err *err)
{
	struct guest_report r;
	struct hk_err rerr;
	char why[sizeof(res->report_error)];
	int rc;

	hk_err_clear(&rerr);
	memset(&r, 0, sizeof(r));
	rc = report_from_json(doc, &r, &rerr);
	if (rc == 0)
		rc = store_report_save(db, job->id, &r, (int64_t)time(NULL),
				       &rerr);
	report_free(&r);
	if (rc < 0 && rerr.reason == HK_R_none && rerr.code != HK_EINVAL) {
		*err = rerr;	/* the database, not the report */
		return -1;
	}
	if (rc < 0) {
		snprintf(why, sizeof(why), "report refused: %s%s%.400s",
			 rerr.field, rerr.field[0] ? ": " : "", rerr.message);
		return refused(db, job, res, why, err);
	}
	res->reported = 1;
	weigh(db, cfg, job);
	return 0;
}

int
push_report(struct db *db, const struct push_cfg *cfg,
	    const struct push_job *job, struct push_result *res,
	    struct hk_err *err)
{
	struct push_ssh_answer ans;
	struct hk_err perr;
	char why[sizeof(res->report_error)];
	int rc;

	hk_err_clear(&perr);
	if (push_ssh(cfg, job, "report", NULL, 0, &ans, &perr) < 0)
		return refused(db, job, res, perr.message, err);
	if (!ans.ok) {
		snprintf(why, sizeof(why), "%s: %.480s", ans.state, ans.error);
		push_ssh_answer_free(&ans);
		return refused(db, job, res, why, err);
	}
	rc = keep(db, cfg, job, ans.files, res, err);
	push_ssh_answer_free(&ans);
	return rc;
}
