/* SPDX-License-Identifier: ISC */
/*
 * agent_usage.h - each mailbox's bytes and messages as Dovecot's quota
 * counts them, for `report`, in one pass over the mailboxes' homes.
 *
 * The guest recipe loads Dovecot's quota_clone plugin, which writes the
 * quota root's figures into AGENT_USAGE_FILE in the mailbox's home each
 * time they change (a delivery, an expunge).  Reading 100,000 small files
 * takes a second; asking `doveadm quota get -A` takes minutes, since it
 * opens every user's indexes.  The file lives in the home, so it moves
 * with the maildir when a mailbox goes to the trash and comes back with
 * it.
 *
 * A mailbox of the serving passwd file whose home has no such file:
 *   - no home at all: nothing was ever delivered, 0 bytes and messages;
 *   - a Maildir with no message in any folder's cur/ or new/: 0, seeded;
 *   - otherwise (mail from before the plugin, a restored old maildir):
 *     counted by `doveadm quota get -F`, at most AGENT_USAGE_SEED_MAX a
 *     report (the rest are left out of this report and counted by the
 *     next ones), and seeded.
 * A mailbox held for a domain move (reason=BUNDLE_HELD_REASON) is left
 * out altogether: its mail is a copy only dsync may open.
 * A seed is the file as Dovecot writes it, owned by the passwd line's
 * uid and gid, and is linked in only where the file is still absent, so
 * a figure Dovecot wrote meanwhile is never overwritten.  A seed that
 * cannot be written is a warning: the figure is still reported.
 */
#ifndef HK_AGENT_USAGE_H
#define HK_AGENT_USAGE_H

#include <stdint.h>

#include "agent.h"
#include "err.h"
#include "mtaout.h"

#define AGENT_USAGE_FILE	"dovecot-quota-usage"
#define AGENT_USAGE_SEED_MAX	2000

/* Calls fn once per mailbox of STATEDIR/current/passwd that has a
 * figure (none when nothing serves yet); its failure stops the walk.
 * A usage file that is not what quota_clone writes fails it, naming the
 * mailbox.  0, or -1 with err. */
int agent_usage(const struct agent_conf *conf, mtaout_mailbox_fn fn,
		void *ctx, struct hk_err *err);

/* One mailbox's figures (dsync-backup's answer), from its usage file
 * alone: never counted by doveadm, never seeded.  1 with *bytes and
 * *messages; 0 when address is not in the serving passwd file or its
 * home has no (or an empty) usage file; -1 with err. */
int agent_usage_of(const struct agent_conf *conf, const char *address,
		   int64_t *bytes, int64_t *messages, struct hk_err *err);

/* Whether the serving passwd file holds address for a domain move
 * (reason=BUNDLE_HELD_REASON): 1, 0 (not held, or not there), -1. */
int agent_usage_held(const struct agent_conf *conf, const char *address,
		     struct hk_err *err);

#endif
