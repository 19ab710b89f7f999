/* SPDX-License-Identifier: ISC */
/*
 * mtaout.h - reading what the guest's mail programs print, strictly: the
 * per-mailbox usage of `doveadm -f tab quota get` and of Dovecot's quota
 * clone files, and the queue of `postqueue -j`.  Pure functions over a buffer (no I/O), so the agent's
 * report and the unit tests read the very same bytes the same way.  A
 * line that is not what the program documents is refused (HK_EPROTO,
 * with the line's number), never skipped: a report is either true or not
 * given.
 */
#ifndef HK_MTAOUT_H
#define HK_MTAOUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* One mailbox as Dovecot's quota counts it: bytes exact from a quota
 * clone file, or from doveadm its STORAGE (printed in KiB, rounded up)
 * times 1024; user is not NUL-terminated. */
struct mtaout_mailbox {
	const char *user;
	size_t user_len;
	int64_t bytes, messages;
};

typedef int (*mtaout_mailbox_fn)(void *ctx, const struct mtaout_mailbox *m,
				 struct hk_err *err);

/*
 * `doveadm -f tab quota get -A`: the header "Username, Quota name, Type,
 * Value, Limit, %" (tab-separated), then for each user a STORAGE and a
 * MESSAGE row, next to each other, all of one quota root.  fn is called
 * once per user, in the order printed; its failure stops the parse.
 * Empty text is no users.  0, or -1 with err.
 */
int mtaout_quota_tab(const char *text, size_t len, mtaout_mailbox_fn fn,
		     void *ctx, struct hk_err *err);

/*
 * The file Dovecot's quota_clone plugin keeps in a mailbox's home (a dict
 * of the `file` driver: key and value on lines of their own, in any
 * order): "priv/quota/storage", the bytes, and "priv/quota/messages", the
 * messages, each exactly once as a decimal; other keys are let be.
 * 0, or -1 with err (HK_EPROTO).
 */
int mtaout_quota_clone(const char *text, size_t len, int64_t *bytes,
		       int64_t *messages, struct hk_err *err);

/* Postfix's queues as counted from `postqueue -j` (maildrop counts as
 * incoming: both are mail not yet in the queue manager's hands). */
struct mtaout_queue {
	int64_t active, deferred, hold, incoming;
	int64_t oldest_deferred_at;	/* arrival_time; INT64_MAX: none */
};

/* `postqueue -j`: one JSON object per line, each with a known
 * "queue_name" and a non-negative integer "arrival_time".  Fills q
 * (counts from zero).  0, or -1 with err. */
int mtaout_postqueue(const char *text, size_t len, struct mtaout_queue *q,
		     struct hk_err *err);

#endif
