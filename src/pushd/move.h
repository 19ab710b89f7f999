/* SPDX-License-Identifier: ISC */
/*
 * move.h - hakomail-pushd's part of a domain move: on a move leased to
 * this worker (store_move_claim), does what its phase needs next and
 * records each step as it is done (store_movejob.c), so that a pushd
 * killed at any point resumes from the last step recorded:
 *
 *   copy     the target serving the generation that holds the mailboxes
 *            (logins refused), each mailbox copied by `doveadm backup`
 *            (move_dsync.h); new mailboxes too, until none is left
 *   cutover  the target takes the domain's mail (pushed at once), then
 *            the source relays it there and refuses logins (pushed at
 *            once), then the target takes the logins (pushed at once):
 *            never both guests taking logins, and mail always accepted
 *   catchup  each mailbox synced again (`doveadm sync -1`): what arrived
 *            on the source before the cut-over
 *   relay    the wait until finish_at ([move] relay_days)
 *   finish   a last sync of each mailbox, then the source's relay and its
 *            copy of the mail go (moved aside, purged like a deleted
 *            mailbox's)
 *
 * A cancel asked before the cut-over ends the copy between two mailboxes
 * and removes the target's copy.  A guest that cannot be reached makes the
 * move wait, saying why, and try again with the pushes' backoff.
 */
#ifndef HK_MOVE_H
#define HK_MOVE_H

#include <signal.h>

#include "db.h"
#include "err.h"
#include "push.h"
#include "store_move.h"

struct move_cfg {
	int relay_days;		/* [move] relay_days */
	int parallel;		/* [move] parallel */
	int purge_days;		/* [guest] purge_after */
	double disk_percent;	/* [warn] disk_percent */
	int lease_s;		/* a claim's lease */
	int budget_s;		/* work done in one claim, about */
	volatile sig_atomic_t *stopping;	/* pushd is stopping */
};

/*
 * Works on the leased job until its phase waits (on a guest, a retry, the
 * relay time) or the budget is spent, and ends the lease with when it is
 * due again.  Returns -1 only when that could not be recorded (err).
 */
int move_run(struct db *db, const struct push_cfg *pc,
	     const struct move_cfg *mc, struct move_job *job,
	     struct hk_err *err);

#endif
