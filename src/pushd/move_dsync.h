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
	const char *from_state;	/* catchup: dsync's state after the pass
				   before (the caller's), NULL: merge all */
	int64_t tag;		/* the caller's (move.c: the mailbox id) */
	/* the outcome */
	int ok;
	int again;		/* doveadm: done, but run it again (exit 2) */
	char state[16];		/* !ok: "unreachable" or "failed" */
	char error[512];	/* !ok: which guest, and why */
	int64_t bytes, messages;	/* ok: the source's mailbox after */
	char *new_state;	/* ok: dsync's state after it (base64), or
				   NULL; the caller frees it */
	int64_t carried;	/* bytes pushd carried, both ways */
};

/* What the caller hears while tasks run: done(ctx, t) as soon as a task
 * has its outcome, so that what is copied is recorded before pushd could
 * die; tick(ctx) every DSYNC_TICK_S seconds (a lease to renew), whose -1
 * ends the run: the running pairs are killed, the tasks not run left with
 * ok == 0.  Either may be NULL. */
#define DSYNC_TICK_S	10
struct dsync_hooks {
	void (*done)(void *ctx, struct dsync_task *t);
	int (*tick)(void *ctx);
	void *ctx;
};

/*
 * Runs tasks[0..n) from src's guest to dst's guest, `parallel` at a time.
 * A pair silent both ways for cfg->timeout_s is killed (its task fails
 * "unreachable").  Returns -1 only when pushd itself failed (err),
 * leaving the tasks not run with ok == 0.
 */
int move_dsync_run(const struct push_cfg *cfg, const struct push_job *src,
		   const struct push_job *dst, struct dsync_task *tasks,
		   size_t n, int parallel, const struct dsync_hooks *hooks,
		   struct hk_err *err);

#endif
