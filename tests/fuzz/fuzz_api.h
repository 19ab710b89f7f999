/* SPDX-License-Identifier: ISC */
/*
 * fuzz_api.h - what the parts of the fuzz_api target share: its fixture
 * (fuzz_api_seed.c) and its snapshot of the database (fuzz_api_snap.c).
 * The target itself is fuzz_api.c; fuzz_api_mutate.c, its JSON-aware
 * mutator, stands alone.
 */
#ifndef HK_FUZZ_API_H
#define HK_FUZZ_API_H

#include <stdint.h>

#include "conf.h"
#include "secret.h"
#include "store.h"

/* The fixture's API keys, and the owner's project. */
struct fz_api_keys {
	char admin[SECRET_TOKEN_LEN + 1], readonly[SECRET_TOKEN_LEN + 1];
	char owner[SECRET_TOKEN_LEN + 1];
	int64_t owner_project;
};

/*
 * Fills fzdb (fuzz_common.h) through the store: projects lab (the
 * owner's) and other, guests g1..g3, domains pc1/pc2.example, their
 * mailboxes, an alias and an alias domain, the accounts and keys in k,
 * and pc1.example's DKIM keys "act" (active) and "pend" (pending) made
 * with the [dkim] it sets in dc.  Any failure aborts (must()).
 */
void fz_api_seed(const struct hk_actor *op, struct dkim_conf *dc,
		 struct fz_api_keys *k);

/*
 * "Nothing written" is measured over the whole database, not by the audit
 * log alone: every change of tenant data is audited in its own transaction
 * (store_audit.c), but not every committed write is (fuzz_api_snap.c's
 * volatile_cols[], and a guest's push state).  So a snapshot is an
 * order-independent digest of every row of every table, with the row
 * count, the audit count and highest id, and the number of control
 * characters stored; the data that may change without a write has a
 * digest of its own.
 */
struct snap {
	uint64_t digest, vdigest;
	int64_t rows, vrows, ctl, audit, audit_max;
	int64_t changes;	/* total_changes() then: not compared */
};

/* The database after the request named "what"; cur: the snapshot
 * before it, kept while SQLite's total_changes() stands still (NULL: in
 * full).  Aborts if the request left a transaction open. */
void fz_snapshot(struct snap *s, const struct snap *cur, const char *what);

/* Whether the data is the same (the volatile columns aside). */
int fz_snap_same(const struct snap *a, const struct snap *b);

/* Whether nothing but the columns that change no answer changed. */
int fz_snap_unchanged(const struct snap *a, const struct snap *b);

#endif
