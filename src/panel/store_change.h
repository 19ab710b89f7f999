/* SPDX-License-Identifier: ISC */
/*
 * store_change.h - the bumps that tell pushd a guest owes a push, and the
 * per-guest change log they keep (sql/sqlite/021_guest_change.sql).
 *
 * Every write that changes what a guest serves raises the guest's desired
 * generation in its own transaction, through one of the bumps below.  Each
 * bump also records, at the generation it made, which keys of the guest's
 * keyed maps (passwd, virtual_mailbox_maps, virtual_alias_maps,
 * relay_recipient_maps, sieve) may have changed: one address, every key
 * of one domain, or anything.  pushd renders only those keys for a guest
 * that serves an earlier generation (render_delta.h); the other files are
 * small and rendered whole every time.  A bump that cannot say less says
 * more: a whole domain, or anything, is never wrong, only slower.
 *
 * Keys of a domain include those of its alias domains (their entries
 * project the target's addresses); pushd expands them, so a write names
 * only the domain or address it changed, and an alias domain's own bump
 * names the alias domain.
 */
#ifndef HK_STORE_CHANGE_H
#define HK_STORE_CHANGE_H

#include <stdint.h>

#include "db.h"
#include "err.h"

struct domain_ref;

/* The domain of a change that may have changed anything. */
#define STORE_CHANGE_ALL	"*"

/* Bumps the domain's guest, backup guest and the guests of its live move;
 * every key of the domain changed. */
int store_guest_bump(struct db *db, const struct domain_ref *ref,
		     struct hk_err *err);

/* The same; only the address local_part@domain changed ("" is the
 * catch-all, whose entries decide every mailbox's of the domain: that one
 * records the whole domain). */
int store_guest_bump_addr(struct db *db, const struct domain_ref *ref,
			  const char *local_part, struct hk_err *err);

/* The same guests; every key of the domain `name` changed (an alias
 * domain of ref's domain: its own keys). */
int store_guest_bump_name(struct db *db, const struct domain_ref *ref,
			  const char *name, struct hk_err *err);

/* Raises the desired generation of each guest once, and of the other
 * guest of each live move from or to one of them; anything changed. */
int store_guest_bump_ids(struct db *db, const int64_t *ids, size_t n,
			 struct hk_err *err);

/* The guest `name` (NULL: every guest) owes a push, now, of everything:
 * an operator's "push now" sends a whole bundle. */
int store_guest_touch(struct db *db, const char *name, struct hk_err *err);

/* Guest guest_id's desired generation, raised by the caller (a repair),
 * may change anything. */
int store_change_all(struct db *db, int64_t guest_id, struct hk_err *err);

/* One recorded change: domain (or STORE_CHANGE_ALL), local_part (NULL:
 * the whole domain). */
typedef int (*store_change_fn)(void *ctx, const char *domain,
			       const char *local_part, struct hk_err *err);

/* The changes of guest_id with from < gen <= to, each once, in the
 * caller's read transaction. */
int store_change_list(struct db *db, int64_t guest_id, int64_t from,
		      int64_t to, store_change_fn fn, void *ctx,
		      struct hk_err *err);

/* Drops the changes of guest_id at gen or before (it serves gen). */
int store_change_prune(struct db *db, int64_t guest_id, int64_t gen,
		       struct hk_err *err);

#endif
