/* SPDX-License-Identifier: ISC */
/*
 * store_me.h - what a mailbox user signed in to the panel reaches: its
 * own mailbox only (store_me.c).
 * The store's conventions (scoping by the actor, errors, transactions)
 * are store.h's.
 *
 * A mailbox user's actor has project 0, which no project-scoped query
 * matches; store_me_scope gives, for its own mailbox only, an actor of
 * that mailbox's project under the user's own name, through which the
 * mailbox's own store calls (store_mailbox_get, store_mailbox_update)
 * run and are audited as the user's.
 */
#ifndef HK_STORE_ME_H
#define HK_STORE_ME_H

#include "mapsyntax.h"
#include "store.h"
#include "store_session.h"

struct me_scope {
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_actor as_owner;	/* of the mailbox's project only */
};
/* The actor's own mailbox; HK_ENOTFOUND for an actor that is no mailbox
 * user, or whose mailbox is gone. */
int store_me_scope(struct db *db, const struct hk_actor *actor,
		   struct me_scope *me, struct hk_err *err);

/* The mailbox user's current password, checked with the sign-in's
 * throttle (keys of its address and of client_addr): 0 right; a wrong
 * one is counted and fails HK_EINVAL field current_password
 * (current_password_wrong); HK_ETHROTTLED (*retry_after) while it must
 * wait. */
int store_me_verify(struct db *db, const struct session_policy *pol,
		    const struct hk_actor *actor, const char *client_addr,
		    const char *password, int64_t *retry_after,
		    struct hk_err *err);

#endif
