/* SPDX-License-Identifier: ISC */
/*
 * store_sieve.h - a mailbox's vacation reply and forwarding in the
 * database (store_sieve.c, table mailbox_sieve), and the Sieve script
 * they make (sieve_script.h) for the guest's bundle.
 * The store's conventions (scoping by the actor, errors, transactions)
 * are store.h's.
 *
 * Scope: an operator reaches every mailbox, an owner its project's, a
 * mailbox user (actor->mailbox_id > 0) its own mailbox only; any other
 * mailbox is HK_ENOTFOUND (address, no_such_mailbox), exactly like one
 * that does not exist.  Writes refuse a read-only key (HK_EFORBIDDEN);
 * each is one transaction that bumps the mailbox's guest(s) and is
 * audited (mailbox.vacation.set/clear, mailbox.forward.set/clear, the
 * object the address, the detail the part before and after).  Clearing
 * what is not set is no error (and still audited: the caller asked).
 *
 * ADDRESS is canonical (validate_address): "local@domain".
 */
#ifndef HK_STORE_SIEVE_H
#define HK_STORE_SIEVE_H

#include <jansson.h>

#include "sieve_script.h"
#include "store.h"
#include "strbuf.h"

/* *out gets {"address", "vacation": {"subject" (null: Pigeonhole's
 * "Auto: " + theirs), "text", "start", "end" (null: open), "days"} or
 * null, "forward": {"addresses": [...], "keep": bool} or null}. */
int store_sieve_get(struct db *db, const struct hk_actor *actor,
		    const char *address, json_t **out, struct hk_err *err);

/* v->text must not be NULL.  Refused (HK_EINVAL) as sieve_script_check
 * refuses a vacation (fields vacation.*). */
int store_sieve_vacation_set(struct db *db, const struct hk_actor *actor,
			     const char *address,
			     const struct sieve_vacation *v,
			     struct hk_err *err);
int store_sieve_vacation_clear(struct db *db, const struct hk_actor *actor,
			       const char *address, struct hk_err *err);

/* f->n must be > 0.  Refused (HK_EINVAL, field forward.addresses) as
 * sieve_script_check refuses a forward, and with forward_loop when an
 * address leads back to this mailbox: through an alias (transitively,
 * catch-alls and alias domains too) or another mailbox's forwarding,
 * as far as this mailbox's project's domains go (another project's
 * aliases and forwards are not this actor's to see). */
int store_sieve_forward_set(struct db *db, const struct hk_actor *actor,
			    const char *address, const struct sieve_forward *f,
			    struct hk_err *err);
int store_sieve_forward_clear(struct db *db, const struct hk_actor *actor,
			      const char *address, struct hk_err *err);

/* --- pushd's side (render.c) --- */
/* The columns of a mailbox_sieve row s that store_sieve_script() takes,
 * in its order, after the address. */
#define STORE_SIEVE_COLS \
	"s.vacation_subject, s.vacation_text, s.vacation_start, " \
	"s.vacation_end, s.vacation_days, s.forward_to, s.forward_keep"
#define STORE_SIEVE_NCOLS	7
/* The script of address from vals[0..STORE_SIEVE_NCOLS) (NULL for SQL
 * NULL) into out (reset first; empty: no script).  A stored row that no
 * longer passes the check (a limit lowered since) fails as the check. */
int store_sieve_script(const char *address, const char *const *vals,
		       struct strbuf *out, struct hk_err *err);

#endif
