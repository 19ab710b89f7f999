/* SPDX-License-Identifier: ISC */
/*
 * migrate.h - a mail system's data moving in from elsewhere (PostfixAdmin:
 * src/cli/pfa_read.c fills the set), judged whole before anything is
 * written, then written in one transaction or not at all.
 *
 * The caller fills a mig_set with what the other system holds, as it
 * holds it (addresses in its case, hashes in its form, goto lists as
 * they are).  migrate_run() then:
 *  - judges every item against hakomail's rules and the database: an
 *    address hakomail refuses or would change (upper case), a hash Dovecot
 *    cannot verify, a destination in one of the set's (or the project's)
 *    domains that is no mailbox or alias there, a domain or login already
 *    in hakomail that no earlier migration into this project made, the
 *    project's limits; each problem names the other system's table and key;
 *  - notes what will not come over and why (a superadmin, an inactive
 *    vacation, a limit hakomail has no counterpart for, an admin whose
 *    hash the panel cannot verify: made without a password);
 *  - unless a dry run, and when there is no problem (or skip_invalid:
 *    without the items that have one), writes everything in one
 *    transaction: domains, mailboxes, aliases, alias domains, forwarding
 *    and vacation replies (Sieve, store_sieve.h's table), owner accounts;
 *    one audit entry, one push owed per guest touched.
 *
 * Re-runnable: a domain an earlier migration into the same project made
 * (table migrated_domain) is updated, not refused; a mailbox, alias or
 * alias domain that exists is updated where it differs and counted
 * unchanged where it does not; nothing in hakomail that the other system
 * no longer has is deleted.
 *
 * The alias whose address is a mailbox is that mailbox's own
 * (PostfixAdmin makes one for each): its destinations other than the
 * mailbox become the mailbox's forwarding (keeping a copy when the
 * mailbox is among them), never an alias.
 */
#ifndef HK_MIGRATE_H
#define HK_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "import.h"
#include "mapsyntax.h"
#include "store.h"

struct mig_domain {
	const char *name;
	const char *guest;		/* hakomail's guest it goes to */
	const char *backup_guest;	/* NULL: none */
	int active;
	int backup_mx;			/* the other system relays it only */
	int64_t max_mailboxes;		/* 0: no limit */
	int64_t default_quota;		/* bytes, 0: no limit */
	int64_t max_aliases;		/* 0: none (no counterpart here) */
	int64_t total_quota;		/* bytes, 0: none (no counterpart) */
};

struct mig_mailbox {
	const char *address, *hash, *name;
	int64_t quota;			/* bytes, 0: no limit */
	int active;
};

struct mig_alias {
	const char *address;		/* "@domain": the catch-all */
	const char *dests;		/* comma-separated, as stored there */
	int active;
};

struct mig_aliasdom {
	const char *name, *target;
	int active;
};

struct mig_vacation {
	const char *address, *subject, *text;
	const char *start, *end;	/* "YYYY-MM-DD" or NULL */
	int days, active;
};

struct mig_admin {
	const char *login;		/* as stored there (an address) */
	const char *hash;
	int active, superadmin;
};

/* Each kind's items, grown as they are added. */
#define MIG_ARRAY(type, name) \
	struct type *name; size_t n_##name, cap_##name

struct mig_arena;

struct mig_set {
	const char *source;		/* for the audit: "postfixadmin" */
	const char *from;		/* its URL, without a password */
	int cleartext;			/* stored values of no known form are
					 * passwords in clear text */
	MIG_ARRAY(mig_domain, domains);
	MIG_ARRAY(mig_mailbox, mailboxes);
	MIG_ARRAY(mig_alias, aliases);
	MIG_ARRAY(mig_aliasdom, aliasdoms);
	MIG_ARRAY(mig_vacation, vacations);
	MIG_ARRAY(mig_admin, admins);
	struct mig_arena *arena;	/* owns every string of the items */
};

void mig_set_init(struct mig_set *set);
void mig_set_free(struct mig_set *set);
/* A copy of s (NULL stays NULL) owned by the set; NULL when out of
 * memory (the caller then fails). */
const char *mig_str(struct mig_set *set, const char *s);
/* Appends a copy of *item (its strings copied into the set): 0, or -1
 * with err when out of memory. */
int mig_add_domain(struct mig_set *set, const struct mig_domain *item,
		   struct hk_err *err);
int mig_add_mailbox(struct mig_set *set, const struct mig_mailbox *item,
		    struct hk_err *err);
int mig_add_alias(struct mig_set *set, const struct mig_alias *item,
		  struct hk_err *err);
int mig_add_aliasdom(struct mig_set *set, const struct mig_aliasdom *item,
		     struct hk_err *err);
int mig_add_vacation(struct mig_set *set, const struct mig_vacation *item,
		     struct hk_err *err);
int mig_add_admin(struct mig_set *set, const struct mig_admin *item,
		  struct hk_err *err);

/* What is said of one item: a problem (it cannot come over as it is) or
 * a note (what will not come over, and why; no obstacle).  e is what a
 * refusal of it would say: its field, reason, parameters and English
 * words. */
struct mig_problem {
	char table[16];		/* the other system's: "mailbox", ... */
	char key[MAPSYNTAX_ADDRESS_MAX + 1];
	int note;
	struct hk_err e;
};

/* Per kind: what the other system has, and what was (or, in a dry run,
 * would be) added, updated, left as it is, skipped for a problem. */
struct mig_count {
	size_t seen, added, updated, unchanged, skipped;
};

enum { MIG_DOMAINS, MIG_MAILBOXES, MIG_ALIASES, MIG_ALIASDOMS,
       MIG_FORWARDS, MIG_VACATIONS, MIG_ADMINS, MIG_NKINDS };
extern const char *const mig_kind_names[MIG_NKINDS];

#define MIG_PROBLEMS_MAX	5000	/* kept; more are counted */

struct mig_report {
	struct mig_count count[MIG_NKINDS];
	size_t nproblems, nnotes;	/* all of them, kept or not */
	size_t nkept;
	struct mig_problem *problems;	/* [nkept]: problems, then notes */
	int64_t project_id;
};

struct mig_opts {
	const char *project;		/* the project everything goes into */
	int dry_run, skip_invalid;
	import_progress_fn progress;	/* phases "check", "write" */
	void *progress_ctx;
};

/* 0 when written (a dry run: when nothing stands in the way); -1 with
 * HK_EINVAL "N items have problems" and nothing written, or any other
 * failure.  Operators only.  rep is filled either way: free it with
 * mig_report_free(). */
int migrate_run(struct db *db, const struct hk_actor *actor,
		struct mig_set *set, const struct mig_opts *o,
		struct mig_report *rep, struct hk_err *err);

void mig_report_free(struct mig_report *rep);

#endif
