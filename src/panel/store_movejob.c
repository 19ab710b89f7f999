/* SPDX-License-Identifier: ISC */
/*
 * store_movejob.c - pushd's side of a domain move: the lease, each
 * mailbox's passes, and the phases (see store.h and
 * sql/sqlite/013_domain_move.sql).
 *
 * A move is leased like a guest (store_push.c): two columns taken in one
 * short transaction, FOR UPDATE SKIP LOCKED on PostgreSQL.  Every write
 * of the holder checks the lease, so a pushd that lost it (killed, its
 * lease expired, the move taken by another) writes nothing.  Each phase
 * change is one transaction with everything that phase changes in what
 * the guests serve, the guests owed the new generation (wait_gen: the
 * one the next step waits to see applied) and an audit entry: a phase is
 * never half taken, and after a crash pushd resumes from the last one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_move.h"

#define JOB_COLS "SELECT id, domain_id, project_id, from_guest_id, " \
	"to_guest_id, domain, phase, step, cancel, wait_gen, " \
	"COALESCE(cutover_at, 0), COALESCE(finish_at, 0), failures " \
	"FROM domain_move "

/* Row: JOB_COLS */
static int
job_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct move_job *j = ctx;
	const char *const *v = row->vals;

	(void)err;
	j->id = strtoll(v[0], NULL, 10);
	j->domain_id = v[1] ? strtoll(v[1], NULL, 10) : 0;
	j->project_id = strtoll(v[2], NULL, 10);
	j->from_id = strtoll(v[3], NULL, 10);
	j->to_id = strtoll(v[4], NULL, 10);
	snprintf(j->domain, sizeof(j->domain), "%s", v[5]);
	snprintf(j->phase, sizeof(j->phase), "%s", v[6]);
	j->step = (int)strtol(v[7], NULL, 10);
	j->cancel = strcmp(v[8], "1") == 0;
	j->wait_gen = strtoll(v[9], NULL, 10);
	j->cutover_at = strtoll(v[10], NULL, 10);
	j->finish_at = strtoll(v[11], NULL, 10);
	j->failures = strtoll(v[12], NULL, 10);
	return 0;
}

int
store_move_claim(struct db *db, const char *node, int64_t now, int lease_s,
		 struct move_job *job, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(now), DB_TXT(node),
				 DB_INTV(now + lease_s), DB_NUL };
	char sql[512];
	int64_t n = 0;

	memset(job, 0, sizeof(*job));
	snprintf(sql, sizeof(sql), JOB_COLS "WHERE live = 1 AND next_at <= $1 "
		 "AND (lease_node IS NULL OR lease_until < $1) ORDER BY "
		 "next_at, id LIMIT 1%s", db_lock_rows(db));
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_query(db, sql, p, 1, job_row, job, NULL, err) < 0)
		goto fail;
	if (job->id == 0) {
		db_rollback(db);
		return 0;
	}
	p[3] = DB_INTV(job->id);
	if (db_exec(db, "UPDATE domain_move SET lease_node = $2, lease_until "
		    "= $3 WHERE id = $4 AND live = 1 AND (lease_node IS NULL OR "
		    "lease_until < $1)", p, 4, &n, err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	job->lease_until = now + lease_s;
	return n == 1 ? 1 : 0;
fail:
	db_rollback(db);
	return -1;
}

int
store_move_release(struct db *db, const struct move_job *job,
		   const char *node, int64_t now, int64_t next_at,
		   const char *error, struct hk_err *err)
{
	struct db_param p[6] = { DB_INTV(job->id), DB_TXT(node),
				 DB_INTV(next_at), DB_INTV(now),
				 error ? DB_TXT(error) : DB_NUL,
				 DB_INTV(job->lease_until) };

	return db_exec(db, "UPDATE domain_move SET lease_node = NULL, "
		       "lease_until = 0, next_at = $3, updated_at = $4, error = "
		       "CAST($5 AS TEXT), error_at = CASE WHEN CAST($5 AS TEXT) "
		       "IS NULL THEN NULL ELSE CAST($4 AS BIGINT) END, "
		       "failures = CASE WHEN "
		       "CAST($5 AS TEXT) IS NULL THEN 0 ELSE failures + 1 END "
		       "WHERE id = $1 AND lease_node = $2 AND lease_until = $6",
		       p, 6, NULL, err);
}

int
store_move_release_node(struct db *db, const char *node, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(node) };

	return db_exec(db, "UPDATE domain_move SET lease_node = NULL, "
		       "lease_until = 0 WHERE lease_node = $1", p, 1, NULL, err);
}

int
store_move_next_due(struct db *db, int64_t *at, struct hk_err *err)
{
	return db_query_int(db, "SELECT COALESCE(MIN(next_at), -1) FROM "
			    "domain_move WHERE live = 1", NULL, 0, at, err);
}

struct pending {
	struct move_mailbox *out;
	size_t max, n;
};

/* Row: id, address */
static int
pending_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct pending *pd = ctx;

	if (pd->n >= pd->max)
		return 0;
	pd->out[pd->n].id = strtoll(row->vals[0], NULL, 10);
	snprintf(pd->out[pd->n].address, sizeof(pd->out[pd->n].address), "%s",
		 row->vals[1]);
	pd->out[pd->n].state = NULL;
	if (row->vals[2] != NULL &&
	    (pd->out[pd->n].state = strdup(row->vals[2])) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	pd->n++;
	return 0;
}

int
store_move_pending(struct db *db, const struct move_job *job, int pass,
		   struct move_mailbox *out, size_t max, size_t *n,
		   struct hk_err *err)
{
	struct pending pd = { out, max, 0 };
	struct db_param p[4] = { DB_INTV(job->id), DB_INTV(job->domain_id),
				 DB_INTV(pass), DB_INTV((int64_t)max) };

	*n = 0;
	if (db_query(db, "SELECT m.id, m.local_part || '@' || d.name, x.state FROM "
		     "mailbox m JOIN domain d ON d.id = m.domain_id LEFT JOIN "
		     "domain_move_mailbox x ON x.move_id = $1 AND x.mailbox_id "
		     "= m.id WHERE m.domain_id = $2 AND COALESCE(x.pass, 0) < $3"
		     " ORDER BY m.id LIMIT $4", p, 4, pending_row, &pd, NULL,
		     err) < 0) {
		store_move_mailboxes_free(out, pd.n);
		return -1;
	}
	*n = pd.n;
	return 0;
}

void
store_move_mailboxes_free(struct move_mailbox *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(out[i].state);
		out[i].state = NULL;
	}
}

int
store_move_cancel_asked(struct db *db, struct move_job *job,
			struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(job->id) };
	int64_t c = 0;

	if (db_query_int(db, "SELECT cancel FROM domain_move WHERE id = $1", p,
			 1, &c, err) < 0)
		return -1;
	job->cancel = c == 1;
	return job->cancel;
}

/* 0 while node holds job's lease (touching it), else HK_EEXIST. */
static int
hold_lease(struct db *db, const struct move_job *job, const char *node,
	   int64_t now, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(job->id), DB_TXT(node),
				 DB_INTV(now), DB_INTV(job->lease_until) };
	int64_t n = 0;

	if (db_exec(db, "UPDATE domain_move SET updated_at = $3 WHERE id = $1 "
		    "AND lease_node = $2 AND lease_until = $4 AND live = 1", p,
		    4, &n, err) < 0)
		return -1;
	return n == 1 ? 0 : hk_failr(err, HK_EEXIST, "lease",
				     HK_R_move_lease_lost, "move",
				     HK_NUM(job->id), NULL);
}

int
store_move_renew(struct db *db, struct move_job *job, const char *node,
		 int64_t now, int lease_s, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(job->id), DB_TXT(node),
				 DB_INTV(job->lease_until),
				 DB_INTV(now + lease_s) };
	int64_t n = 0;

	if (db_exec(db, "UPDATE domain_move SET lease_until = $4 WHERE id = $1 "
		    "AND lease_node = $2 AND lease_until = $3 AND live = 1", p,
		    4, &n, err) < 0)
		return -1;
	if (n != 1)
		return hk_failr(err, HK_EEXIST, "lease", HK_R_move_lease_lost,
				"move", HK_NUM(job->id), NULL);
	job->lease_until = now + lease_s;
	return 0;
}

int
store_move_mailbox_done(struct db *db, const struct move_job *job,
			const char *node, int64_t mailbox_id, int pass,
			int64_t bytes, int64_t messages, const char *state,
			int64_t now, struct hk_err *err)
{
	struct db_param p[6] = { DB_INTV(job->id), DB_INTV(mailbox_id),
				 DB_INTV(pass), DB_INTV(bytes),
				 DB_INTV(messages), state != NULL ?
				 DB_TXT(state) : DB_NUL };

	if (db_begin(db, 1, err) < 0)
		return -1;
	if (hold_lease(db, job, node, now, err) < 0 ||
	    db_exec(db, "INSERT INTO domain_move_mailbox (move_id, mailbox_id,"
		    " pass, bytes, messages, state) VALUES ($1, $2, $3, $4, "
		    "$5, $6) ON CONFLICT (move_id, mailbox_id) DO UPDATE SET "
		    "pass = excluded.pass, bytes = excluded.bytes, messages = "
		    "excluded.messages, state = excluded.state", p, 6,
		    NULL, err) < 0 ||
	    db_exec(db, "UPDATE domain_move SET mailboxes_done = "
		    "mailboxes_done + 1, bytes_done = bytes_done + $2, "
		    "messages_done = messages_done + $3 WHERE id = $1",
		    (struct db_param[]){ p[0], p[3], p[4] }, 3, NULL, err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Guest id owed a generation; job->wait_gen becomes it. */
static int
owe(struct db *db, struct move_job *job, int64_t guest_id,
    struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };

	if (store_guest_bump_ids(db, &guest_id, 1, err) < 0 ||
	    db_query_int(db, "SELECT desired_gen FROM guest WHERE id = $1", p,
			 1, &job->wait_gen, err) < 0)
		return -1;
	return 0;
}

/* A copy of the domain's mail that is no longer wanted (the source's
 * once the move finished, the target's when it was cancelled): moved
 * aside by the generation guest_id is owed now, purged at purge_at (not
 * before the guest serves that generation) like a deleted mailbox's
 * (store_trash.c). */
static int
trash_copy(struct db *db, struct move_job *job, int64_t guest_id,
	   int64_t now, int64_t purge_at, struct hk_err *err)
{
	struct db_param p[6] = { DB_INTV(guest_id), DB_INTV(now),
				 DB_INTV(purge_at), DB_INTV(job->id),
				 DB_INTV(job->domain_id), DB_NUL };

	if (owe(db, job, guest_id, err) < 0)
		return -1;
	p[5] = DB_INTV(job->wait_gen);
	return db_exec(db, "INSERT INTO mailbox_trash (guest_id, project_id, "
		       "domain, local_part, password_hash, name, quota_bytes, "
		       "deleted_at, purge_at, move_id, gen) SELECT $1, "
		       "d.project_id, d.name, m.local_part, m.password_hash, "
		       "m.name, m.quota_bytes, $2, $3, $4, $6 FROM mailbox m "
		       "JOIN domain d ON d.id = m.domain_id WHERE d.id = $5", p,
		       6, NULL, err);
}

/* What entering st->phase changes besides the phase itself. */
static int
enter(struct db *db, struct move_job *job, const struct move_step *st,
      struct hk_err *err)
{
	const char *ph = st->phase;

	if (strcmp(ph, "cutover") == 0)	/* 1: the target takes mail, 2: the
					 * source relays it there */
		return owe(db, job, job->step == 1 ? job->to_id : job->from_id,
			   err);
	if (strcmp(ph, "catchup") == 0) {
		struct db_param p[3] = { DB_INTV(job->id), DB_INTV(job->to_id),
					 DB_INTV(st->now) };

		if (db_exec(db, "UPDATE domain SET guest_id = $2 WHERE id = "
			    "(SELECT domain_id FROM domain_move WHERE id = $1)",
			    p, 2, NULL, err) < 0 ||
		    db_exec(db, "UPDATE domain_move SET cutover_at = $2 WHERE "
			    "id = $1", (struct db_param[]){ p[0], p[2] }, 2,
			    NULL, err) < 0)
			return -1;
		job->cutover_at = st->now;
		return owe(db, job, job->to_id, err);
	}
	if (strcmp(ph, "relay") == 0) {
		job->finish_at = job->cutover_at + (int64_t)st->relay_days *
		    86400;
		return db_exec(db, "UPDATE domain_move SET finish_at = $2, "
			       "next_at = $2 WHERE id = $1", (struct db_param[]){
			       DB_INTV(job->id), DB_INTV(job->finish_at) }, 2,
			       NULL, err);
	}
	if (strcmp(ph, "done") == 0)
		return trash_copy(db, job, job->from_id, st->now, st->now +
				  (int64_t)st->purge_days * 86400, err);
	if (strcmp(ph, "cancelled") == 0 || strcmp(ph, "failed") == 0)
		return trash_copy(db, job, job->to_id, st->now, st->now, err);
	return 0;	/* finish: its last sync needs nothing new served */
}

/* The step each phase stands for in the render (013_domain_move.sql). */
static int
phase_step(const struct move_job *job, const char *phase)
{
	if (strcmp(phase, "cutover") == 0)
		return job->step == 0 ? 1 : 2;
	if (strcmp(phase, "catchup") == 0 || strcmp(phase, "relay") == 0 ||
	    strcmp(phase, "finish") == 0)
		return 3;
	return 4;	/* done, cancelled, failed */
}

/* The phase's row: its step, progress figures starting over, whether the
 * move is still live. */
static int
set_phase(struct db *db, const struct move_job *job, const char *node,
	  const struct move_step *st, struct hk_err *err)
{
	int ended = job->step == 4;
	struct db_param p[8] = { DB_INTV(job->id), DB_TXT(node),
				 DB_TXT(st->phase), DB_INTV(job->step),
				 DB_INTV(st->now), DB_INTV(ended ? 0 : 1),
				 DB_INTV(job->wait_gen),
				 st->why ? DB_TXT(st->why) : DB_NUL };
	int64_t n = 0;

	if (db_exec(db, "UPDATE domain_move SET phase = $3, step = $4, "
		    "phase_at = $5, updated_at = $5, live = $6, wait_gen = $7, "
		    "ended_at = CASE WHEN $6 = 0 THEN CAST($5 AS BIGINT) ELSE NULL "
		    "END, "
		    "mailboxes_done = 0, bytes_done = 0, messages_done = 0, "
		    "mailboxes_total = (SELECT COUNT(*) FROM mailbox m WHERE "
		    "m.domain_id = domain_move.domain_id), bytes_total = CASE "
		    "WHEN $3 = 'copy' THEN bytes_total ELSE 0 END, "
		    "messages_total = 0, error = CAST($8 AS TEXT), error_at = "
		    "CASE WHEN CAST($8 AS TEXT) IS NULL THEN NULL ELSE CAST($5 AS "
		    "BIGINT) END, "
		    "failures = 0, next_at = CASE WHEN $3 = 'relay' THEN "
		    "next_at ELSE 0 END WHERE id = $1 AND lease_node = $2 AND "
		    "live = 1", p, 8, &n, err) < 0)
		return -1;
	return n == 1 ? 0 : hk_failr(err, HK_EEXIST, "lease",
				     HK_R_move_lease_lost, "move",
				     HK_NUM(job->id), NULL);
}

int
store_move_advance(struct db *db, struct move_job *job, const char *node,
		   const struct move_step *st, struct hk_err *err)
{
	struct hk_actor pushd = { .account_id = -1, .project_id = -1 };
	struct move_job before = *job;
	char action[48];

	snprintf(pushd.login, sizeof(pushd.login), "%s", node);
	snprintf(pushd.via, sizeof(pushd.via), "pushd");
	snprintf(action, sizeof(action), "domain.move.%s", st->phase);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (hold_lease(db, job, node, st->now, err) < 0)
		goto fail;
	job->step = phase_step(&before, st->phase);
	if (enter(db, job, st, err) < 0 || set_phase(db, job, node, st,
						     err) < 0 ||
	    store_audit(db, &pushd, action, job->domain, job->project_id,
			json_pack("{s:I, s:s, s:i, s:s?}", "move",
				  (json_int_t)job->id, "from", before.phase,
				  "step", job->step, "why", st->why), err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	snprintf(job->phase, sizeof(job->phase), "%s", st->phase);
	return 0;
fail:
	db_rollback(db);
	*job = before;
	return -1;
}
