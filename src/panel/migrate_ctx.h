/* SPDX-License-Identifier: ISC */
/*
 * migrate_ctx.h - what the parts of a migration share, and no one else:
 * each item as it is judged (canonical names, what becomes of it), the
 * index of every address, the run's context.  migrate_judge.c judges,
 * migrate_write.c writes, migrate.c runs both.  See migrate.h.
 */
#ifndef HK_MIGRATE_CTX_H
#define HK_MIGRATE_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "mapsyntax.h"
#include "migrate.h"
#include "store_migrate.h"

/* What becomes of an item. */
enum { OP_ADD, OP_UPDATE, OP_SAME, OP_SKIP };

/* A domain of the set. */
enum { DOM_NEW, DOM_OURS, DOM_TAKEN };
struct mdom {
	char name[MAPSYNTAX_DOMAIN_MAX + 1];	/* canonical ("": bad) */
	int bad, state, has_catchall, op;
	int over;			/* over its own limit of mailboxes
					 * there: the limit is not carried */
	int64_t guest_id, backup_id;		/* -1: none */
	struct domain_ref ref;			/* (state DOM_OURS) */
	int64_t mailboxes, storage;		/* new to the project */
};

/* Mailboxes and aliases of the set, and (old) those already in the
 * migration's own domains. */
struct mbox {
	const char *local;		/* canonical, in the set's arena */
	int32_t dom;			/* index into ctx.doms, -1: none */
	int8_t op;
	int8_t sieve_op;		/* its forward and vacation's */
	int8_t keep;			/* its forward keeps a copy */
	int32_t vac;			/* its vacation, -1: none */
	int32_t old;			/* the old one, -1: none */
	const char *forward;		/* canonical, comma-separated */
};
struct alias {
	const char *local;		/* "" the catch-all */
	int32_t dom;
	int8_t op, self;		/* self: a mailbox's own */
	int32_t old;
	const char *dests;		/* canonical, comma-separated */
};
struct old {
	const char *local;
	int32_t dom;
	int8_t mailbox, active, seen;
	const char *hash, *name;	/* mailbox's */
	const char *sieve;		/* its Sieve settings (mig_sieve_key) */
	int64_t quota;
	const char *dests;		/* alias's */
};

/* The index: (domain, local part) -> a mailbox, an alias or an old. */
enum { IX_MAILBOX = 1, IX_ALIAS, IX_OLD };
struct ixslot {
	uint64_t h;
	uint32_t i;
	uint8_t kind;
};

struct mctx {
	struct db *db;
	const struct hk_actor *actor;
	struct mig_set *set;
	const struct mig_opts *o;
	struct mig_report *rep;
	int64_t project_id;
	struct mdom *doms;		/* [set->n_domains] */
	struct mbox *mb;		/* [set->n_mailboxes] */
	/* each mailbox's hash as carried (pwhash_carry), NULL where it
	 * cannot be: made once, kept across both judgements (clear text is
	 * hashed, and slowly) */
	const char **carried;
	struct alias *al;		/* [set->n_aliases] */
	int8_t *ad_op;			/* [set->n_aliasdoms] */
	int32_t *ad_target;		/* its target in doms, -1: hakomail's */
	int64_t *ad_target_id;
	int8_t *adm_op;			/* [set->n_admins] */
	const char **adm_login;		/* hakomail's login for each */
	const char **adm_hash;		/* carried; NULL: none */
	struct old *olds;
	size_t nolds, capolds;
	struct ixslot *ix;
	size_t ixcap;			/* a power of two */
	size_t done, total;		/* progress */
	int fatal;			/* a problem no skipping mends (the
					 * project's limits) */
	/* the last domain part validated, as written and as it is held */
	char last_raw[MAPSYNTAX_DOMAIN_MAX + 1];
	char last_domain[MAPSYNTAX_DOMAIN_MAX + 1];
};

/* A problem (note 0) or note of item table/key; e its words.  The item
 * is the caller's to mark. */
void mig_say(struct mctx *c, const char *table, const char *key, int note,
	     const struct hk_err *e);
/* The same with a reason of its own (HK_EINVAL on field). */
void mig_sayr(struct mctx *c, const char *table, const char *key, int note,
	      const char *field, enum hk_reason reason, ...);
void mig_progress(struct mctx *c, const char *phase);
/* One more item of that op (OP_*) in n. */
void mig_count_op(struct mig_count *n, int op);

/* Index: the domain of that canonical name in ctx.doms, or -1. */
int mig_dom_index(const struct mctx *c, const char *name);
/* (dom, local) is item i of kind from now on (the index is made on the
 * first call, for every address there will be); -1 when out of
 * memory. */
int mig_ix_add(struct mctx *c, int32_t dom, const char *local, int kind,
	       uint32_t i);
/* The kind of (dom, local) found (0: none), *i its item. */
int mig_ix_find(const struct mctx *c, int32_t dom, const char *local,
		uint32_t *i);

/* Mailboxes' and aliases' addresses, then what becomes of each
 * (migrate_addr.c); after the domains and alias domains are judged. */
int mig_judge_mailboxes(struct mctx *c, struct hk_err *err);
int mig_judge_aliases(struct mctx *c, struct hk_err *err);
/* The domain index of an address's domain, an alias domain of the set
 * taken to its target; -1 when none of the set's. */
int mig_dest_dom(const struct mctx *c, const char *domain);

/* A mailbox's Sieve settings as one string, to compare ("" for none);
 * NULL when out of memory. */
const char *mig_sieve_key(struct mctx *c, const struct migrate_sieve_row *s);

/* Judges the whole set (migrate_judge.c): 0, or -1 on a failure other
 * than the items' problems (the database, memory). */
int mig_judge(struct mctx *c, struct hk_err *err);
/* Writes every item judged good, in the caller's transaction
 * (migrate_write.c). */
int mig_write(struct mctx *c, struct hk_err *err);

#endif
