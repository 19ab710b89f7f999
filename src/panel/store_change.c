/* SPDX-License-Identifier: ISC */
/*
 * store_change.c - the bumps of guests' desired generations and the change
 * log each one keeps.  See store_change.h.
 *
 * The log is written after the bump, in the same transaction, from the
 * guest rows the bump just raised: gen is the desired_gen the write made.
 * On PostgreSQL the bump's row lock on the guest orders concurrent writers,
 * so a reader that sees generation N also sees every change at N or
 * before.
 */
#include "config.h"

#include <string.h>

#include "store.h"
#include "store_change.h"

/* A new change makes an in-sync guest pending; an unreachable, failed or
 * pushing one says so until its next attempt ends. */
#define KEEP_STATE \
	"CASE WHEN state = 'in_sync' THEN 'pending' ELSE state END"

/* The guests of domain $3 on guests $1, $2: a moving domain is rendered
 * on both guests of its move. */
#define DOMAIN_GUESTS \
	"id IN ($1, $2) OR id IN (SELECT from_guest_id FROM domain_move " \
	"WHERE domain_id = $3 AND live = 1 UNION SELECT to_guest_id FROM " \
	"domain_move WHERE domain_id = $3 AND live = 1)"

/* Guest $1 and the other guest of each live move from or to it. */
#define GUEST_AND_MOVES \
	"id = $1 OR id IN (SELECT to_guest_id FROM domain_move WHERE live = 1" \
	" AND from_guest_id = $1 UNION SELECT from_guest_id FROM domain_move " \
	"WHERE live = 1 AND to_guest_id = $1)"

/* name NULL: ref's own domain (anything, if it is gone already); local
 * NULL: every key of the domain. */
static int
bump_keys(struct db *db, const struct domain_ref *ref, const char *name,
	  const char *local, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(ref->guest_id),
				 DB_INTV(ref->backup_guest_id),
				 DB_INTV(ref->id),
				 name ? DB_TXT(name) : DB_NUL,
				 local ? DB_TXT(local) : DB_NUL };

	if (db_exec(db, "UPDATE guest SET desired_gen = desired_gen + 1, "
		    "state = " KEEP_STATE " WHERE " DOMAIN_GUESTS, p, 3, NULL,
		    err) < 0)
		return -1;
	return db_exec(db, "INSERT INTO guest_change (guest_id, gen, domain, "
		       "local_part) SELECT id, desired_gen, COALESCE(k.n, '"
		       STORE_CHANGE_ALL "'), CASE WHEN k.n IS NULL THEN NULL "
		       "ELSE CAST($5 AS TEXT) END FROM guest, (SELECT "
		       "COALESCE(CAST($4 AS TEXT), (SELECT name FROM domain "
		       "WHERE id = $3)) AS n) k WHERE " DOMAIN_GUESTS, p, 5,
		       NULL, err);
}

int
store_guest_bump(struct db *db, const struct domain_ref *ref,
		 struct hk_err *err)
{
	return bump_keys(db, ref, NULL, NULL, err);
}

int
store_guest_bump_addr(struct db *db, const struct domain_ref *ref,
		      const char *local_part, struct hk_err *err)
{
	return bump_keys(db, ref, NULL, local_part != NULL &&
			 local_part[0] != '\0' ? local_part : NULL, err);
}

int
store_guest_bump_name(struct db *db, const struct domain_ref *ref,
		      const char *name, struct hk_err *err)
{
	return bump_keys(db, ref, name, NULL, err);
}

int
store_guest_bump_ids(struct db *db, const int64_t *ids, size_t n,
		     struct hk_err *err)
{
	/* (an import cannot tell cheaply which of a guest's domains it
	 * touched; one push too many, or too whole, is harmless) */
	for (size_t i = 0; i < n; i++) {
		struct db_param p[1] = { DB_INTV(ids[i]) };

		if (db_exec(db, "UPDATE guest SET desired_gen = desired_gen + "
			    "1, state = " KEEP_STATE " WHERE " GUEST_AND_MOVES,
			    p, 1, NULL, err) < 0 ||
		    db_exec(db, "INSERT INTO guest_change (guest_id, gen, "
			    "domain) SELECT id, desired_gen, '" STORE_CHANGE_ALL
			    "' FROM guest WHERE " GUEST_AND_MOVES, p, 1, NULL,
			    err) < 0)
			return -1;
	}
	return 0;
}

int
store_guest_touch(struct db *db, const char *name, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(name) };
	int64_t n = 0;

	if (db_exec(db, "UPDATE guest SET desired_gen = desired_gen + 1, "
		    "state = " KEEP_STATE ", retry_at = 0 WHERE "
		    "CAST($1 AS TEXT) IS NULL OR name = $1", p, 1, &n,
		    err) < 0)
		return -1;
	if (n == 0 && name != NULL)
		return hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_guest,
				"guest", name, NULL);
	return db_exec(db, "INSERT INTO guest_change (guest_id, gen, domain) "
		       "SELECT id, desired_gen, '" STORE_CHANGE_ALL "' FROM "
		       "guest WHERE CAST($1 AS TEXT) IS NULL OR name = $1", p,
		       1, NULL, err);
}

int
store_change_all(struct db *db, int64_t guest_id, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };

	return db_exec(db, "INSERT INTO guest_change (guest_id, gen, domain) "
		       "SELECT id, desired_gen, '" STORE_CHANGE_ALL "' FROM "
		       "guest WHERE id = $1", p, 1, NULL, err);
}

struct listing {
	store_change_fn fn;
	void *ctx;
};

/* Row: domain, local_part (NULL: the whole domain) */
static int
change_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct listing *l = ctx;

	return l->fn(l->ctx, row->vals[0], row->vals[1], err);
}

int
store_change_list(struct db *db, int64_t guest_id, int64_t from, int64_t to,
		  store_change_fn fn, void *ctx, struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(guest_id), DB_INTV(from),
				 DB_INTV(to) };
	struct listing l = { fn, ctx };

	return db_query(db, "SELECT DISTINCT domain, local_part FROM "
			"guest_change WHERE guest_id = $1 AND gen > $2 AND "
			"gen <= $3 ORDER BY domain, local_part", p, 3,
			change_row, &l, NULL, err);
}

int
store_change_prune(struct db *db, int64_t guest_id, int64_t gen,
		   struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(guest_id), DB_INTV(gen) };

	return db_exec(db, "DELETE FROM guest_change WHERE guest_id = $1 AND "
		       "gen <= $2", p, 2, NULL, err);
}
