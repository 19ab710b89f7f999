/* SPDX-License-Identifier: ISC */
/*
 * move_dsync.h - mailboxes copied by Dovecot's dsync from one guest to
 * another, through pushd (move.c uses it).
 *
 * The guests never reach each other: for each mailbox pushd opens two ssh
 * sessions to the agents' forced commands, "dsync-backup ADDRESS" (or
 * "dsync-catchup ADDRESS") on the source, which runs `doveadm backup`
 * (`doveadm sync -1`), and "dsync-server ADDRESS" on the target, which
 * runs `doveadm dsync-server`, and copies each session's output into the
 * other's input until both end.  Each agent's one-line JSON answer comes
 * on its session's stderr, after anything ssh itself says there.
 */
#ifndef HK_MOVE_DSYNC_H
#define HK_MOVE_DSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "push.h"
#include "store.h"

struct dsync_task {
	const char *address;	/* a mailbox's address, as the store has it */
	int catchup;		/* 0: doveadm backup, 1: doveadm sync -1 */
	int64_t tag;		/* the caller's (move.c: the mailbox id) */
	/* the outcome */
	int ok;
	int again;		/* doveadm: done, but run it again (exit 2) */
	char state[16];		/* !ok: "unreachable" or "failed" */
	char error[512];	/* !ok: which guest, and why */
	int64_t bytes, messages;	/* ok: the source's mailbox after */
	int64_t carried;	/* bytes pushd carried, both ways */
};

/*
 * Runs tasks[0..n) from src's guest to dst's guest, `parallel` at a time.
 * A pair silent both ways for cfg->timeout_s is killed (its task fails
 * "unreachable").  Every task gets its outcome, and done (if not NULL)
 * is called with each as soon as it has it, so that what is copied is
 * recorded before pushd could die; returns -1 only when pushd itself
 * failed (err), leaving the tasks not run with ok == 0.
 */
typedef void (*dsync_done_fn)(void *ctx, struct dsync_task *t);
int move_dsync_run(const struct push_cfg *cfg, const struct push_job *src,
		   const struct push_job *dst, struct dsync_task *tasks,
		   size_t n, int parallel, dsync_done_fn done, void *ctx,
		   struct hk_err *err);

#endif
