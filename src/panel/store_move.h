/* SPDX-License-Identifier: ISC */
/*
 * store_move.h - moving a domain to another guest: the operators' side
 * (store_move.c) and pushd's (store_movejob.c).
 * The store's conventions (scoping by the actor, errors, transactions)
 * are store.h's.
 */
#ifndef HK_STORE_MOVE_H
#define HK_STORE_MOVE_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* --- moving a domain to another guest (store_move.c, operators) ---
 * A move goes through the steps of sql/sqlite/013_domain_move.sql; pushd
 * does the work (store_movejob.c).  Moves are shown to operators and to
 * the owners of their project. */
struct move_in {
	const char *domain;	/* canonical */
	const char *to;		/* the target guest's name */
	int dry_run;
	double disk_percent;	/* [warn] disk_percent: the target's line */
	int64_t now;
};
/*
 * Checks a move of in->domain to guest in->to: the domain active and not
 * moving (HK_EEXIST domain_moving), the guest in its project, neither its
 * guest nor its backup MX (HK_EINVAL, field "to"), with room for its mail
 * (HK_ELIMIT move_no_room, naming the shortfall; unknown room passes, see
 * store_move.c).  A dry run answers the plan (what would be copied, the
 * target's figures); otherwise the move starts and *out is it as
 * store_move_get shows it.  Audited.
 */
int store_move_start(struct db *db, const struct hk_actor *actor,
		     const struct move_in *in, json_t **out,
		     struct hk_err *err);
/* A move with its progress (rate_bytes_s, eta_s); HK_ENOTFOUND when
 * there is none the actor may see. */
int store_move_get(struct db *db, const struct hk_actor *actor, int64_t id,
		   int64_t now, json_t **out, struct hk_err *err);
/* The newest moves first (at most 200), of one domain when domain is
 * not NULL, live ones only with live_only. */
int store_move_list(struct db *db, const struct hk_actor *actor,
		    const char *domain, int live_only, int64_t now,
		    json_t **out, struct hk_err *err);
/* Asks pushd to cancel a move before its cut-over (HK_EEXIST
 * move_past_cutover after it); audited.  *out: the move. */
int store_move_cancel(struct db *db, const struct hk_actor *actor,
		      int64_t id, int64_t now, json_t **out,
		      struct hk_err *err);
/* The plan of moving domain_id to guest to_id (store_move.c). */
int store_move_plan(struct db *db, int64_t domain_id, int64_t to_id,
		    double disk_percent, json_t **plan, struct hk_err *err);
/* HK_ELIMIT move_no_room when the plan says there is no room, else 0. */
int store_move_no_room(const json_t *plan, const char *guest,
		       struct hk_err *err);

/* --- pushd's side of a move (store_movejob.c) --- */
struct move_job {
	int64_t id, domain_id, project_id, from_id, to_id;
	char domain[256];
	char phase[16];
	int step;
	int cancel;		/* the operator asked to cancel */
	int64_t wait_gen;	/* the generation the step waits for */
	int64_t cutover_at, finish_at, failures;
	/* this claim's lease end: with the node, what tells this claim from
	 * a later one (another worker of the same node, say) */
	int64_t lease_until;
};
/* Leases the live move due first (next_at <= now) to node for lease_s
 * seconds: 1 with job filled, 0 when none is due, -1 on error.  Every
 * write under the lease (below) is refused, HK_EEXIST, once the claim is
 * not the latest. */
int store_move_claim(struct db *db, const char *node, int64_t now,
		     int lease_s, struct move_job *job, struct hk_err *err);
/* The lease runs lease_s seconds from now, for a turn that copies longer
 * than one lease. */
int store_move_renew(struct db *db, struct move_job *job, const char *node,
		     int64_t now, int lease_s, struct hk_err *err);
/* Ends the lease: due again at next_at; error (NULL: none) is what the
 * move waits on, shown to the operator, and counts a failure. */
int store_move_release(struct db *db, const struct move_job *job,
		       const char *node, int64_t now, int64_t next_at,
		       const char *error, struct hk_err *err);
/* Takes back every move lease node holds (its pushd restarted). */
int store_move_release_node(struct db *db, const char *node,
			    struct hk_err *err);
/* The earliest next_at of a live move, or -1. */
int store_move_next_due(struct db *db, int64_t *at, struct hk_err *err);
/* 1 (job->cancel set) when the operator asked to cancel, else 0. */
int store_move_cancel_asked(struct db *db, struct move_job *job,
			    struct hk_err *err);
struct move_mailbox {
	int64_t id;
	char address[320];
	char *state;		/* dsync's state after its last pass, or NULL
				   (store_move_mailboxes_free) */
};
/* The domain's mailboxes (inactive ones too) not yet through pass
 * (1 copy, 2 catch-up, 3 the last sync), by id, at most max. */
int store_move_pending(struct db *db, const struct move_job *job, int pass,
		       struct move_mailbox *out, size_t max, size_t *n,
		       struct hk_err *err);
/* Frees what store_move_pending gave out[0..n). */
void store_move_mailboxes_free(struct move_mailbox *out, size_t n);
/* Mailbox id went through pass, holding bytes and messages after it, and
 * dsync's state after it (NULL: none known); HK_EEXIST when node lost the
 * lease. */
int store_move_mailbox_done(struct db *db, const struct move_job *job,
			    const char *node, int64_t mailbox_id, int pass,
			    int64_t bytes, int64_t messages, const char *state,
			    int64_t now, struct hk_err *err);
struct move_step {
	const char *phase;	/* the next phase */
	int64_t now;
	int relay_days;		/* [move] relay_days, going to "relay" */
	int purge_days;		/* [guest] purge_after, going to "done" */
	const char *why;	/* "failed": the reason, else NULL */
};
/* Takes the move to its next phase in one transaction, with what that
 * phase changes (see store_movejob.c), the guests owed the new
 * generation, and an audit entry; job is updated.  HK_EEXIST when node
 * lost the lease. */
int store_move_advance(struct db *db, struct move_job *job,
		       const char *node, const struct move_step *st,
		       struct hk_err *err);

#endif
