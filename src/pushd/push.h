/* SPDX-License-Identifier: ISC */
/*
 * push.h - one job of hakomail-pushd on one leased guest (see
 * store_push_claim): a push (render, send the bundle to hakomail-agent
 * over OpenSSH with the guest's pinned host key, read its answer) or a
 * drift check (ask the agent's status, compare its checksums with what
 * was applied), and then, when it is due, the guest's report
 * (push_report.h); then record the outcome, which ends the lease.
 *
 * Several workers may run jobs at once, each with its own database
 * connection, sharing one struct push_shared: the bundles of guests that
 * still owe a push (so that a retry does not render again what did not
 * change) and the stagger between the starts of pushes.
 */
#ifndef HK_PUSH_H
#define HK_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "push_served.h"
#include "render.h"
#include "store.h"

struct push_shared;

struct push_cfg {
	const char *ssh_path;	/* the OpenSSH client */
	const char *ssh_key;	/* private key, readable by pushd only */
	const char *state_dir;	/* known_hosts files and control sockets */
	const char *node;	/* this node's name, in leases and history */
	int timeout_s;		/* one ssh run, at most */
	int retry_max_s;
	int check_interval_s;	/* 0: no drift checks */
	int report_interval_s;	/* 0: no reports */
	const struct warn_limits *warn;	/* what a report's figures may be */
	const char *sendmail;	/* [warn] sendmail, and mail_to ("": none) */
	const char *mail_to;
	struct render_opts render;
	struct push_shared *shared;	/* NULL: no cache, no stagger */
	struct push_served *served;	/* what guests serve; NULL: no deltas */
};

struct push_result {
	int ok;
	int check;		/* it was a drift check */
	int64_t gen;		/* generation pushed or checked */
	int64_t served;		/* generation the agent says it serves */
	char state[16];		/* on failure: unreachable | failed */
	char error[512];
	char repaired[24];	/* the audit action of a repair, or "" */
	double seconds;
	int report_only;	/* the job was only the report */
	int reported;		/* report: 1 stored, -1 not, 0 not asked */
	char report_error[512];	/* reported == -1: why */
};

/* cache_max: bytes of bundles kept for retries; stagger_ms: least time
 * between the starts of two pushes. */
struct push_shared *push_shared_new(size_t cache_max, int stagger_ms);
void push_shared_free(struct push_shared *ps);

/*
 * Runs the job and records its outcome.  Returns -1 only when the outcome
 * itself could not be recorded (a lost lease is HK_EEXIST); a failed push
 * returns 0 with res->ok == 0.
 */
int push_run(struct db *db, const struct push_cfg *cfg,
	     const struct push_job *job, struct push_result *res,
	     struct hk_err *err);

/* The wait before the next attempt after `failures` failures in a row:
 * 1, 2, 4 ... s up to max_s, plus up to a quarter of jitter. */
int64_t push_backoff(int failures, int max_s);

#endif
