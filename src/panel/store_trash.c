/* SPDX-License-Identifier: ISC */
/*
 * store_trash.c - the mailbox trash: a deleted mailbox's row kept until
 * its purge_at, restoring it, and purging what is due.  See store.h.
 *
 * The database is the truth and the guest only does what it is told: the
 * rows of mailbox_trash are rendered into the bundle file "trash" (one
 * line per row of the guest, by id: "trash ID ADDRESS" for a mailbox in
 * the trash, "restore ID ADDRESS" for one brought back), and the agent
 * moves maildirs accordingly and removes every trash directory no line
 * names.  So a purge is the row's deletion (and a push owed), never the
 * guest's own reckoning of time.  A restore is a new row (restores = the
 * trash row's id) replacing the trash row, so that the order of ids is the
 * order of every move the guest must make, even if it sees several at once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapsyntax.h"
#include "store.h"

#define EXPIRE_BATCH	500	/* rows purged per transaction */

/* A row waits for its guest to serve the generation that first told it
 * (gen, set by a move: its rows may be due at once): purged before, the
 * maildir would never have been moved aside, and would stay. */
#define TOLD "(gen IS NULL OR gen <= (SELECT g.applied_gen FROM guest g " \
	"WHERE g.id = mailbox_trash.guest_id))"

/* The INSERT of store_trash_put(_domain): the domain's mailboxes, or only
 * local ($7) when it is not NULL. */
#define PUT_SQL "INSERT INTO mailbox_trash (guest_id, project_id, domain, " \
	"local_part, password_hash, name, quota_bytes, deleted_at, purge_at) " \
	"SELECT $1, $2, $3, m.local_part, m.password_hash, m.name, " \
	"m.quota_bytes, $4, $5 FROM mailbox m WHERE m.domain_id = $6 AND " \
	"(CAST($7 AS TEXT) IS NULL OR m.local_part = $7)"

int
store_trash_put(struct db *db, const struct domain_ref *ref,
		const char *local, const char *domain, int64_t now,
		int64_t purge_after_s, json_t **trash, struct hk_err *err)
{
	struct db_param p[7] = { DB_INTV(ref->guest_id),
				 DB_INTV(ref->project_id), DB_TXT(domain),
				 DB_INTV(now), DB_INTV(now + purge_after_s),
				 DB_INTV(ref->id), DB_TXT(local) };
	int64_t id = 0;

	if (db_query_int(db, PUT_SQL " RETURNING id", p, 7, &id, err) < 0)
		return -1;
	if (trash != NULL &&
	    (*trash = json_pack("{s:I, s:s++, s:I}", "id", (json_int_t)id,
				"address", local, "@", domain, "purge_at",
				(json_int_t)(now + purge_after_s))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	return 0;
}

int
store_trash_put_domain(struct db *db, const struct domain_ref *ref,
		       const char *domain, int64_t now, int64_t purge_after_s,
		       int64_t *n, struct hk_err *err)
{
	struct db_param p[7] = { DB_INTV(ref->guest_id),
				 DB_INTV(ref->project_id), DB_TXT(domain),
				 DB_INTV(now), DB_INTV(now + purge_after_s),
				 DB_INTV(ref->id), DB_NUL };

	return db_exec(db, PUT_SQL, p, 7, n, err);
}

/* The trash row to restore: id (or the newest if id is 0) of local@domain,
 * not itself a restore. */
static int
pick_row(struct db *db, const char *local, const char *domain, int64_t id,
	 json_t **row, struct hk_err *err)
{
	struct db_param p[3] = { DB_TXT(domain), DB_TXT(local), DB_INTV(id) };

	if (db_query_object(db, "SELECT id, guest_id, password_hash, name, "
			    "quota_bytes, deleted_at, purge_at FROM mailbox_trash "
			    "WHERE domain = $1 AND local_part = $2 AND restores "
			    "IS NULL AND move_id IS NULL AND ($3 = 0 OR id = $3) "
			    "ORDER BY id DESC "
			    "LIMIT 1", p, 3, row, err) == 0)
		return 0;
	if (err->code != HK_ENOTFOUND)
		return -1;
	return hk_failr(err, HK_ENOTFOUND, "address", HK_R_trash_none,
			"local", local, "domain", domain, NULL);
}

static int64_t
row_int(json_t *row, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(row, key));
}

/* The trash row, still restorable now to the domain of ref. */
static int
check_row(json_t *row, const struct domain_ref *ref, const char *local,
	  const char *domain, int64_t now, struct hk_err *err)
{
	if (row_int(row, "purge_at") <= now)
		return hk_failr(err, HK_ENOTFOUND, "address", HK_R_trash_purged,
				"local", local, "domain", domain, NULL);
	if (row_int(row, "guest_id") != ref->guest_id)
		return hk_failr(err, HK_EEXIST, "address",
				HK_R_trash_other_guest, "local", local,
				"domain", domain, NULL);
	return 0;
}

/* The restore row that replaces trash row `row`. */
static int
replace_row(struct db *db, json_t *row, int64_t now, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(row_int(row, "id")), DB_INTV(now) };

	if (db_exec(db, "INSERT INTO mailbox_trash (guest_id, project_id, "
		    "domain, local_part, password_hash, name, quota_bytes, "
		    "deleted_at, purge_at, restored_at, restores) SELECT "
		    "guest_id, project_id, domain, local_part, '', '', 0, "
		    "deleted_at, purge_at, $2, id FROM mailbox_trash WHERE id ="
		    " $1", p, 2, NULL, err) < 0)
		return -1;
	return db_exec(db, "DELETE FROM mailbox_trash WHERE id = $1", p, 1,
		       NULL, err);
}

int
store_trash_take(struct db *db, const struct domain_ref *ref,
		 const char *local, const char *domain, int64_t trash_id,
		 int64_t now, json_t **row, struct hk_err *err)
{
	*row = NULL;
	if (pick_row(db, local, domain, trash_id, row, err) < 0 ||
	    check_row(*row, ref, local, domain, now, err) < 0 ||
	    replace_row(db, *row, now, err) < 0) {
		json_decref(*row);
		*row = NULL;
		return -1;
	}
	return 0;
}

int
store_trash_list(struct db *db, const struct hk_actor *actor,
		 const char *domain, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(domain), DB_INTV(actor->is_admin ?
				 -1 : actor->project_id) };

	return db_query_json(db, "SELECT t.id, t.local_part || '@' || "
			     "t.domain AS address, g.name AS guest, t.deleted_at,"
			     " t.purge_at FROM mailbox_trash t JOIN guest g ON "
			     "g.id = t.guest_id WHERE t.domain = $1 AND "
			     "t.restores IS NULL AND t.move_id IS NULL AND ($2 < 0 "
			     "OR t.project_id = "
			     "$2) ORDER BY t.id", p, 2, out, err);
}

/* --- pushd's side --- */

struct due_row {
	int64_t id, guest_id, project_id;
	int restore;
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
};

struct due {
	struct due_row rows[EXPIRE_BATCH];
	size_t n;		/* rows read */
	int64_t purged;		/* of them, purged by this call */
};

/* Row: id, guest_id, project_id, address, restores IS NOT NULL */
static int
due_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct due *d = ctx;
	struct due_row *r = &d->rows[d->n++];

	(void)err;
	r->id = strtoll(row->vals[0], NULL, 10);
	r->guest_id = strtoll(row->vals[1], NULL, 10);
	r->project_id = strtoll(row->vals[2], NULL, 10);
	snprintf(r->address, sizeof(r->address), "%s", row->vals[3]);
	r->restore = strcmp(row->vals[4], "1") == 0;
	return 0;
}

/* Purges one due row: gone, its guest owed a push, a purge audited;
 * *purged counts it. */
static int
purge_row(struct db *db, const struct hk_actor *pushd,
	  const struct due_row *r, int64_t *purged, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(r->id) };
	int64_t gone = 0;

	if (db_exec(db, "DELETE FROM mailbox_trash WHERE id = $1", p, 1, &gone,
		    err) < 0)
		return -1;
	/* Another node (PostgreSQL) purged it first: its work, not ours. */
	if (gone == 0)
		return 0;
	if (store_guest_bump_ids(db, &r->guest_id, 1, err) < 0)
		return -1;
	(*purged)++;
	if (r->restore)		/* nothing left on the guest to purge */
		return 0;
	return store_audit(db, pushd, "mailbox.purge", r->address,
			   r->project_id, json_pack("{s:I}", "trash_id",
			   (json_int_t)r->id), err);
}

static int
expire_batch(struct db *db, const struct hk_actor *pushd, struct due *d,
	     int64_t now, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(now), DB_INTV(EXPIRE_BATCH) };

	d->n = 0;
	d->purged = 0;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (db_query(db, "SELECT id, guest_id, project_id, local_part || '@' "
		     "|| domain, CASE WHEN restores IS NULL THEN 0 ELSE 1 END "
		     "FROM mailbox_trash WHERE purge_at <= $1 AND " TOLD " ORDER "
		     "BY id LIMIT $2", p, 2, due_row, d, NULL, err) < 0)
		goto fail;
	for (size_t i = 0; i < d->n; i++)
		if (purge_row(db, pushd, &d->rows[i], &d->purged, err) < 0)
			goto fail;
	if (db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int
store_trash_expire(struct db *db, const char *node, int64_t now,
		   int64_t *n, struct hk_err *err)
{
	struct hk_actor pushd = { .account_id = -1, .project_id = -1 };
	struct db_param p[1] = { DB_INTV(now) };
	struct due *d;
	int64_t due = 0;
	int rc = 0;

	*n = 0;
	/* Most calls find nothing: a read, no write lock. */
	if (db_query_int(db, "SELECT COUNT(*) FROM mailbox_trash WHERE "
			 "purge_at <= $1 AND " TOLD, p, 1, &due, err) < 0)
		return -1;
	if (due == 0)
		return 0;
	if ((d = malloc(sizeof(*d))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	snprintf(pushd.login, sizeof(pushd.login), "%s", node);
	snprintf(pushd.via, sizeof(pushd.via), "pushd");
	do {
		rc = expire_batch(db, &pushd, d, now, err);
		*n += rc == 0 ? d->purged : 0;
	} while (rc == 0 && d->n == EXPIRE_BATCH);
	free(d);
	return rc;
}

int
store_trash_next_purge(struct db *db, int64_t *at, struct hk_err *err)
{
	*at = -1;
	if (db_query_int(db, "SELECT MIN(purge_at) FROM mailbox_trash WHERE "
			 TOLD, NULL, 0, at, err) < 0 && err->code != HK_ENOTFOUND)
		return -1;
	return 0;
}
