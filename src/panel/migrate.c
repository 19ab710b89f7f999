/* SPDX-License-Identifier: ISC */
/*
 * migrate.c - a migration run: judged whole (migrate_judge.c), then, when
 * nothing stands in the way, written in one transaction
 * (migrate_write.c); what is said of each item kept for the report.  See
 * migrate.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "migrate_ctx.h"
#include "store.h"

/* --- the run --- */

static int
alloc_ctx(struct mctx *c)
{
	const struct mig_set *s = c->set;

	c->doms = calloc(s->n_domains + 1, sizeof(*c->doms));
	c->mb = calloc(s->n_mailboxes + 1, sizeof(*c->mb));
	if (c->carried == NULL)
		c->carried = calloc(s->n_mailboxes + 1, sizeof(*c->carried));
	c->al = calloc(s->n_aliases + 1, sizeof(*c->al));
	c->ad_op = calloc(s->n_aliasdoms + 1, sizeof(*c->ad_op));
	c->ad_target = calloc(s->n_aliasdoms + 1, sizeof(*c->ad_target));
	c->ad_target_id = calloc(s->n_aliasdoms + 1,
				 sizeof(*c->ad_target_id));
	c->adm_op = calloc(s->n_admins + 1, sizeof(*c->adm_op));
	c->adm_login = calloc(s->n_admins + 1, sizeof(*c->adm_login));
	c->adm_hash = calloc(s->n_admins + 1, sizeof(*c->adm_hash));
	c->rep->problems = calloc(MIG_PROBLEMS_MAX, sizeof(*c->rep->problems));
	return c->doms && c->mb && c->carried && c->al && c->ad_op && c->ad_target &&
	    c->ad_target_id && c->adm_op && c->adm_login && c->adm_hash &&
	    c->rep->problems ? 0 : -1;
}

/* Back to nothing judged, for the judgement under the write lock. */
static void
reset_ctx(struct mctx *c)
{
	const struct mig_set *s = c->set;

	memset(c->doms, 0, s->n_domains * sizeof(*c->doms));
	memset(c->mb, 0, s->n_mailboxes * sizeof(*c->mb));
	memset(c->al, 0, s->n_aliases * sizeof(*c->al));
	memset(c->ad_op, 0, s->n_aliasdoms * sizeof(*c->ad_op));
	memset(c->adm_op, 0, s->n_admins * sizeof(*c->adm_op));
	free(c->olds);
	free(c->ix);
	c->olds = NULL;
	c->ix = NULL;
	c->nolds = c->capolds = c->ixcap = c->done = 0;
	c->fatal = 0;
	memset(c->rep->count, 0, sizeof(c->rep->count));
	c->rep->nproblems = c->rep->nnotes = c->rep->nkept = 0;
}

static void
free_ctx(struct mctx *c)
{
	free(c->doms);
	free(c->mb);
	free(c->carried);
	free(c->al);
	free(c->ad_op);
	free(c->ad_target);
	free(c->ad_target_id);
	free(c->adm_op);
	free(c->adm_login);
	free(c->adm_hash);
	free(c->olds);
	free(c->ix);
}

/* Problems first, then notes, each in the order they were said. */
static void
problems_first(struct mig_report *rep)
{
	struct mig_problem *sorted = calloc(rep->nkept + 1, sizeof(*sorted));
	size_t n = 0;

	if (sorted == NULL)
		return;		/* (then in the order said) */
	for (int note = 0; note <= 1; note++)
		for (size_t i = 0; i < rep->nkept; i++)
			if (rep->problems[i].note == note)
				sorted[n++] = rep->problems[i];
	memcpy(rep->problems, sorted, n * sizeof(*sorted));
	free(sorted);
}

static int
refuse(const struct mig_report *rep, struct hk_err *err)
{
	return hk_failr(err, HK_EINVAL, "from", HK_R_migrate_problems,
			"count", HK_NUM(rep->nproblems), NULL);
}

/* The write, in one transaction with the check made again under its
 * lock (what the dry run saw may have changed since). */
static int
apply(struct mctx *c, struct hk_err *err)
{
	size_t before = c->rep->nproblems;

	if (db_bulk(c->db, 1, err) < 0 || db_begin(c->db, 1, err) < 0)
		return -1;
	if (store_limit_lock(c->db, c->project_id, err) < 0 ||
	    mig_judge(c, err) < 0)
		goto fail;
	if (c->rep->nproblems > before &&
	    (!c->o->skip_invalid || c->fatal)) {
		refuse(c->rep, err);
		goto fail;
	}
	if (mig_write(c, err) < 0 || db_commit(c->db, err) < 0)
		goto fail;
	(void)db_bulk(c->db, 0, NULL);
	return 0;
fail:
	db_rollback(c->db);
	(void)db_bulk(c->db, 0, NULL);
	return -1;
}

/* Judged once in a read transaction; a clean or skippable set is then
 * judged again and written under the write lock. */
static int
run(struct mctx *c, struct hk_err *err)
{
	int rc;

	if (db_begin(c->db, 0, err) < 0)
		return -1;
	rc = mig_judge(c, err);
	db_rollback(c->db);
	if (rc < 0)
		return -1;
	if (c->rep->nproblems > 0 && (!c->o->skip_invalid || c->fatal))
		return refuse(c->rep, err);
	if (c->o->dry_run)
		return 0;
	reset_ctx(c);	/* judged afresh: the write's own counts */
	return apply(c, err);
}

int
migrate_run(struct db *db, const struct hk_actor *actor, struct mig_set *set,
	    const struct mig_opts *o, struct mig_report *rep,
	    struct hk_err *err)
{
	struct mctx c = { .db = db, .actor = actor, .set = set, .o = o,
			  .rep = rep };
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	rep->project_id = -1;
	if (store_operator(actor, err) < 0)
		return -1;
	if (alloc_ctx(&c) < 0)
		hk_fail(err, HK_ESYS, NULL, "out of memory");
	else if (store_project_id(db, o->project, &c.project_id, err) == 0) {
		rep->project_id = c.project_id;
		rc = run(&c, err);
	} else if (err->code == HK_ENOTFOUND)
		hk_failr(err, HK_ENOTFOUND, "project", HK_R_no_project,
			 "project", o->project, NULL);
	if (rep->problems != NULL)
		problems_first(rep);
	free_ctx(&c);
	return rc;
}

void
mig_report_free(struct mig_report *rep)
{
	free(rep->problems);
	memset(rep, 0, sizeof(*rep));
}
