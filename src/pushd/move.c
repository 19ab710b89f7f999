/* SPDX-License-Identifier: ISC */
/*
 * move.c - one worker's turn at a domain move.  See move.h.
 *
 * Each phase first makes sure the guest it depends on serves the
 * generation its step needs (wait_gen, set when the step was recorded),
 * pushing that guest at once under the guest's own lease: the cut-over's
 * three pushes follow each other without waiting for a scheduler, so the
 * time in which neither guest takes logins is about one push.  Copies go
 * in batches of a few mailboxes; each mailbox copied is recorded before
 * the next batch, and the cancel flag is read between batches.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "move.h"
#include "move_dsync.h"
#include "push_report.h"

#define BATCH_PER_PAIR	4

enum { GO_ON, WAIT, ENDED };

struct run {
	struct db *db;
	const struct push_cfg *pc;
	const struct move_cfg *mc;
	struct move_job *job;
	struct push_job src, dst;	/* the two guests' ssh identities */
	long long t0;			/* ms, when this turn began */
	int64_t next_at;		/* WAIT: due again then */
	char error[512];		/* WAIT: why, "" for none */
	struct hk_err *err;
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* A wait that counts as a failure (the backoff grows); returns WAIT. */
static int
wait_failed(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->next_at = now_s() + push_backoff((int)r->job->failures + 1,
					    r->pc->retry_max_s);
	log_warn("move %lld (%s, %s): waiting: %s", (long long)r->job->id,
		 r->job->domain, r->job->phase, r->error);
	return WAIT;
}

/* A plain wait: due again in `after` seconds. */
static int
wait_for(struct run *r, int64_t at)
{
	r->error[0] = '\0';
	r->next_at = at;
	return WAIT;
}

static int
advance(struct run *r, const char *phase, const char *why)
{
	struct move_step st = { phase, now_s(), r->mc->relay_days,
				r->mc->purge_days, why };
	const char *from = r->job->phase;
	char was[sizeof(r->job->phase)];

	snprintf(was, sizeof(was), "%s", from);
	if (store_move_advance(r->db, r->job, r->pc->node, &st, r->err) < 0)
		return -1;
	log_info("move %lld (%s): %s -> %s (step %d)%s%s",
		 (long long)r->job->id, r->job->domain, was, phase,
		 r->job->step, why ? ": " : "", why ? why : "");
	return r->job->step == 4 ? ENDED : GO_ON;
}

/* The guest is serving generation gen or later: pushed now if not. */
static int
applied(struct run *r, int64_t guest_id, int64_t gen)
{
	struct push_lease l = { r->pc->node, now_s(), r->mc->lease_s, 0, 0 };
	struct push_job g;
	struct push_result res;
	int rc;

	if (store_push_job_of(r->db, guest_id, &g, r->err) < 0)
		return -1;
	rc = g.applied_gen >= gen ? GO_ON : -2;
	store_push_job_free(&g);
	if (rc == GO_ON)
		return GO_ON;
	if ((rc = store_push_claim_guest(r->db, &l, guest_id, &g, r->err)) < 0)
		return -1;
	if (rc == 0)	/* a worker is pushing it: look again soon */
		return wait_for(r, now_s() + 1);
	rc = push_run(r->db, r->pc, &g, &res, r->err);
	if (rc == 0 && res.ok && res.gen >= gen)
		rc = GO_ON;
	else if (rc == 0)
		rc = wait_failed(r, "guest %s does not serve generation %lld "
				 "yet: %s", g.name, (long long)gen, res.ok ?
				 "a newer change came first" : res.error);
	store_push_job_free(&g);
	return rc;
}

/* Whether this turn should end here (pushd stopping, budget spent). */
static int
turn_over(const struct run *r)
{
	return *r->mc->stopping || clock_mono_ms() - r->t0 >
	    (long long)r->mc->budget_s * 1000;
}

/* What a batch came to, recorded mailbox by mailbox as each copy ends. */
struct batch {
	struct run *r;
	int pass;
	int db_failed;
	const struct dsync_task *bad;	/* the first that failed */
};

static void
task_done(void *ctx, struct dsync_task *t)
{
	struct batch *b = ctx;
	struct run *r = b->r;

	if (!t->ok) {
		if (b->bad == NULL)
			b->bad = t;
		return;
	}
	if (!b->db_failed &&
	    store_move_mailbox_done(r->db, r->job, r->pc->node, t->tag,
				    b->pass, t->bytes, t->messages, t->new_state,
				    now_s(), r->err) < 0)
		b->db_failed = 1;
}

/* A copy that runs long keeps the move's lease; a lease lost (taken by
 * another claim) stops the batch. */
static int
task_tick(void *ctx)
{
	struct batch *b = ctx;
	struct run *r = b->r;

	if (b->db_failed)
		return -1;
	if (store_move_renew(r->db, r->job, r->pc->node, now_s(),
			     r->mc->lease_s, r->err) < 0) {
		b->db_failed = 1;
		return -1;
	}
	return 0;
}

/* The first failure of a batch makes the move wait. */
static int
batch_end(struct run *r, const struct batch *b)
{
	if (b->db_failed)
		return -1;
	if (b->bad == NULL)
		return GO_ON;
	if (b->bad->again)
		return wait_failed(r, "%s: doveadm asked for another run",
				   b->bad->address);
	return wait_failed(r, "%s: %s", b->bad->address, b->bad->error[0] ?
			   b->bad->error : "not copied");
}

/* Every mailbox of the domain through pass (1 backup, else sync -1). */
static int
copy_pass(struct run *r, int pass)
{
	size_t max = (size_t)r->mc->parallel * BATCH_PER_PAIR, n;
	struct move_mailbox mb[16 * BATCH_PER_PAIR];
	struct dsync_task t[16 * BATCH_PER_PAIR];
	int rc;

	for (;;) {
		struct batch b = { r, pass, 0, NULL };
		struct dsync_hooks h = { task_done, task_tick, &b };

		if (turn_over(r))
			return wait_for(r, now_s());
		if (pass == 1 && store_move_cancel_asked(r->db, r->job,
							 r->err) != 0)
			return r->job->cancel ? advance(r, "cancelled", NULL) :
			    -1;
		if (store_move_pending(r->db, r->job, pass, mb, max, &n,
				       r->err) < 0)
			return -1;
		if (n == 0)
			return GO_ON;
		memset(t, 0, sizeof(t));
		for (size_t i = 0; i < n; i++) {
			t[i].address = mb[i].address;
			t[i].catchup = pass > 1;
			/* The catch-up merges all: the copy's state may miss
			 * what was delivered while it ran.  The last sync
			 * starts from the catch-up's state (nothing reaches
			 * the source's mailboxes while that runs), so it
			 * leaves alone what users have since moved or deleted
			 * on the target. */
			t[i].from_state = pass == 3 ? mb[i].state : NULL;
			t[i].tag = mb[i].id;
		}
		if (move_dsync_run(r->pc, &r->src, &r->dst, t, n,
				   r->mc->parallel, &h, r->err) < 0)
			log_error("move %lld: %s", (long long)r->job->id,
				  r->err->message);
		rc = batch_end(r, &b);
		for (size_t i = 0; i < n; i++)
			free(t[i].new_state);
		store_move_mailboxes_free(mb, n);
		if (rc != GO_ON)
			return rc;
	}
}

/* A target that never reported: its figures first, then the room. */
static int
room_known(struct run *r)
{
	struct push_result res;
	json_t *plan = NULL;
	int rc = GO_ON;

	if (store_move_plan(r->db, r->job->domain_id, r->job->to_id,
			    r->mc->disk_percent, &plan, r->err) < 0)
		return -1;
	if (json_is_null(json_object_get(plan, "room"))) {
		json_decref(plan);
		plan = NULL;
		if (push_report(r->db, r->pc, &r->dst, &res, r->err) < 0 ||
		    store_move_plan(r->db, r->job->domain_id, r->job->to_id,
				    r->mc->disk_percent, &plan, r->err) < 0)
			return -1;
		if (json_is_null(json_object_get(plan, "room")))
			rc = wait_failed(r, "no report from guest %s yet: %s",
					 r->dst.name, res.report_error);
		else if (store_move_no_room(plan, r->dst.name, r->err) < 0)
			rc = advance(r, "failed", r->err->message);
	}
	json_decref(plan);
	return rc;
}

static int
step_copy(struct run *r)
{
	int rc;

	if (r->job->cancel)
		return advance(r, "cancelled", NULL);
	if ((rc = applied(r, r->job->to_id, r->job->wait_gen)) != GO_ON ||
	    (rc = room_known(r)) != GO_ON || (rc = copy_pass(r, 1)) != GO_ON)
		return rc;
	return advance(r, "cutover", NULL);
}

/* Step 1 waits for the target to take the mail, step 2 for the source to
 * relay it; then the domain is the target's (catchup). */
static int
step_cutover(struct run *r)
{
	struct move_job *j = r->job;
	int rc = applied(r, j->step == 1 ? j->to_id : j->from_id,
			 j->wait_gen);

	if (rc != GO_ON)
		return rc;
	return advance(r, j->step == 1 ? "cutover" : "catchup", NULL);
}

static int
step(struct run *r)
{
	struct move_job *j = r->job;
	int rc;

	if (strcmp(j->phase, "copy") == 0)
		return step_copy(r);
	if (strcmp(j->phase, "cutover") == 0)
		return step_cutover(r);
	if (strcmp(j->phase, "catchup") == 0) {
		if ((rc = applied(r, j->to_id, j->wait_gen)) != GO_ON ||
		    (rc = copy_pass(r, 2)) != GO_ON)
			return rc;
		return advance(r, "relay", NULL);
	}
	if (strcmp(j->phase, "relay") == 0)
		return now_s() < j->finish_at ? wait_for(r, j->finish_at) :
		    advance(r, "finish", NULL);
	if (strcmp(j->phase, "finish") == 0) {
		/* what reached the source's mailboxes after the catch-up */
		if ((rc = copy_pass(r, 3)) != GO_ON)
			return rc;
		return advance(r, "done", NULL);
	}
	return ENDED;
}

static int
load_guests(struct run *r)
{
	if (store_push_job_of(r->db, r->job->from_id, &r->src, r->err) < 0)
		return -1;
	if (store_push_job_of(r->db, r->job->to_id, &r->dst, r->err) < 0) {
		store_push_job_free(&r->src);
		return -1;
	}
	return 0;
}

int
move_run(struct db *db, const struct push_cfg *pc, const struct move_cfg *mc,
	 struct move_job *job, struct hk_err *err)
{
	struct run r = { .db = db, .pc = pc, .mc = mc, .job = job,
			 .t0 = clock_mono_ms(), .err = err };
	int rc = -1;

	if (load_guests(&r) == 0) {
		while ((rc = step(&r)) == GO_ON)
			;
		store_push_job_free(&r.src);
		store_push_job_free(&r.dst);
	}
	if (rc < 0) {	/* the database: try again soon */
		log_error("move %lld (%s): %s", (long long)job->id,
			  job->domain, err->message);
		wait_failed(&r, "%s", err->message);
	}
	if (rc == ENDED)
		r.next_at = now_s();
	return store_move_release(db, job, pc->node, now_s(), r.next_at,
				  rc == WAIT && r.error[0] ? r.error : rc < 0 ?
				  r.error : NULL, err);
}
