/* SPDX-License-Identifier: ISC */
/*
 * store_migrate.c - the SQL of a migration (migrate.c): finds, plain
 * inserts and updates in the migration's one transaction.  See
 * store_migrate.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_migrate.h"

static int64_t
num(const char *s)
{
	return s ? strtoll(s, NULL, 10) : -1;
}

struct found {
	struct domain_ref *ref;
	int *migrated;
	struct migrate_domain_now *now;
};

static int
domain_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct found *f = ctx;

	(void)err;
	f->ref->id = num(row->vals[0]);
	f->ref->project_id = num(row->vals[1]);
	f->ref->guest_id = num(row->vals[2]);
	f->ref->backup_guest_id = num(row->vals[3]);
	*f->migrated = row->vals[4] != NULL;
	if (f->now != NULL) {
		f->now->active = (int)num(row->vals[5]);
		f->now->max_mailboxes = num(row->vals[6]);
		f->now->default_quota = num(row->vals[7]);
	}
	return 0;
}

int
store_migrate_domain_find(struct db *db, const char *name,
			  struct domain_ref *ref, int *migrated,
			  struct migrate_domain_now *now, struct hk_err *err)
{
	struct found f = { ref, migrated, now };

	ref->id = -1;
	*migrated = 0;
	return db_query(db, "SELECT d.id, d.project_id, d.guest_id, "
			"d.backup_guest_id, m.source, d.active, d.max_mailboxes, "
			"d.default_quota_bytes FROM domain d LEFT JOIN "
			"migrated_domain m ON m.domain_id = d.id WHERE d.name = "
			"$1", &DB_TXT(name), 1, domain_row, &f, NULL, err);
}

int
store_migrate_guest(struct db *db, int64_t project_id, const char *name,
		    const char *field, int64_t *id, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(project_id) };

	if (db_query_int(db, "SELECT id FROM guest WHERE name = $1 AND "
			 "project_id = $2", p, 2, id, err) == 0)
		return 0;
	if (err->code != HK_ENOTFOUND)
		return -1;
	return hk_failr(err, HK_ENOTFOUND, field, HK_R_no_guest, "guest",
			name, NULL);
}

static struct db_param
id_or_null(int64_t id)
{
	return id >= 0 ? DB_INTV(id) : DB_NUL;
}

static int
mark(struct db *db, int64_t domain_id, const char *source, int64_t now,
     struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(domain_id), DB_TXT(source),
				 DB_INTV(now) };

	return db_exec(db, "INSERT INTO migrated_domain (domain_id, source, "
		       "first_at, last_at) VALUES ($1, $2, $3, $3) ON CONFLICT "
		       "(domain_id) DO UPDATE SET last_at = $3", p, 3, NULL,
		       err);
}

int
store_migrate_domain_put(struct db *db, const struct migrate_domain_row *d,
			 const char *source, struct domain_ref *ref,
			 struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL);
	struct db_param p[8] = { DB_TXT(d->name), DB_INTV(d->project_id),
				 DB_INTV(d->guest_id),
				 id_or_null(d->backup_guest_id),
				 DB_INTV(d->active), DB_INTV(d->max_mailboxes),
				 DB_INTV(d->default_quota), DB_INTV(now) };
	int migrated;

	if (ref->id >= 0)
		p[7] = DB_INTV(ref->id);
	if (ref->id >= 0 &&
	    db_exec(db, "UPDATE domain SET backup_guest_id = $4, active = $5, "
		    "max_mailboxes = $6, default_quota_bytes = $7 WHERE id = "
		    "$8 AND name = $1 AND project_id = $2 AND guest_id = $3",
		    p, 8, NULL, err) < 0)
		return -1;
	if (ref->id < 0 &&
	    db_exec(db, "INSERT INTO domain (name, project_id, guest_id, "
		    "backup_guest_id, active, max_mailboxes, "
		    "default_quota_bytes, created_at) VALUES ($1, $2, $3, $4, "
		    "$5, $6, $7, $8)", p, 8, NULL, err) < 0)
		return -1;
	if (store_migrate_domain_find(db, d->name, ref, &migrated, NULL,
				      err) < 0)
		return -1;
	if (ref->id < 0)
		return hk_fail(err, HK_EINTERNAL, "domain", "domain vanished");
	return mark(db, ref->id, source, now, err);
}

struct each {
	migrate_mailbox_fn mfn;
	migrate_alias_fn afn;
	void *ctx;
};

static int
mailbox_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct each *e = ctx;
	const char *const *v = row->vals;
	struct migrate_mailbox_row m = {
		.local = v[0], .hash = v[1], .name = v[2] ? v[2] : "",
		.quota = num(v[3]), .active = (int)num(v[4]),
		.sieve = { .forward = v[5] && *v[5] ? v[5] : NULL,
			   .keep = v[6] ? (int)num(v[6]) : 0,
			   .subject = v[7], .text = v[8], .start = v[9],
			   .end = v[10], .days = v[11] ? (int)num(v[11]) : 0 } };

	return e->mfn(e->ctx, &m, err);
}

int
store_migrate_mailboxes(struct db *db, int64_t domain_id,
			migrate_mailbox_fn fn, void *ctx, struct hk_err *err)
{
	struct each e = { .mfn = fn, .ctx = ctx };

	return db_query(db, "SELECT m.local_part, m.password_hash, m.name, "
			"m.quota_bytes, m.active, s.forward_to, s.forward_keep, "
			"s.vacation_subject, s.vacation_text, s.vacation_start, "
			"s.vacation_end, s.vacation_days FROM mailbox m LEFT "
			"JOIN mailbox_sieve s ON s.mailbox_id = m.id WHERE "
			"m.domain_id = $1", &DB_INTV(domain_id), 1, mailbox_row,
			&e, NULL, err);
}

static int
alias_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct each *e = ctx;

	return e->afn(e->ctx, row->vals[0], row->vals[1],
		      (int)num(row->vals[2]), err);
}

int
store_migrate_aliases(struct db *db, int64_t domain_id, migrate_alias_fn fn,
		      void *ctx, struct hk_err *err)
{
	struct each e = { .afn = fn, .ctx = ctx };

	return db_query(db, "SELECT local_part, destinations, active FROM "
			"alias WHERE domain_id = $1", &DB_INTV(domain_id), 1,
			alias_row, &e, NULL, err);
}

struct adom {
	int64_t *project_id, *target_id;
	int *active;
};

static int
aliasdom_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct adom *a = ctx;

	(void)err;
	*a->project_id = num(row->vals[0]);
	*a->target_id = num(row->vals[1]);
	*a->active = (int)num(row->vals[2]);
	return 0;
}

int
store_migrate_aliasdom_find(struct db *db, const char *name,
			    int64_t *project_id, int64_t *target_id,
			    int *active, struct hk_err *err)
{
	struct adom a = { project_id, target_id, active };

	*target_id = -1;
	return db_query(db, "SELECT project_id, target_domain_id, active FROM "
			"alias_domain WHERE name = $1", &DB_TXT(name), 1,
			aliasdom_row, &a, NULL, err);
}

int
store_migrate_aliasdom_put(struct db *db, int64_t project_id,
			   const char *name, int64_t target_id, int active,
			   struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(project_id), DB_TXT(name),
				 DB_INTV(target_id), DB_INTV(active),
				 DB_INTV((int64_t)time(NULL)) };

	return db_exec(db, "INSERT INTO alias_domain (project_id, name, "
		       "target_domain_id, active, created_at) VALUES ($1, $2, "
		       "$3, $4, $5) ON CONFLICT (name) DO UPDATE SET "
		       "target_domain_id = $3, active = $4", p, 5, NULL, err);
}

int
store_migrate_sieve_put(struct db *db, int64_t domain_id, const char *local,
			const struct migrate_sieve_row *s, struct hk_err *err)
{
	struct db_param p[10] = {
		DB_INTV(domain_id), DB_TXT(local),
		s->forward ? DB_TXT(s->forward) : DB_NUL, DB_INTV(s->keep),
		s->text && s->subject && *s->subject ? DB_TXT(s->subject) :
		DB_NUL, s->text ? DB_TXT(s->text) : DB_NUL,
		s->text && s->start ? DB_TXT(s->start) : DB_NUL,
		s->text && s->end ? DB_TXT(s->end) : DB_NUL,
		s->text ? DB_INTV(s->days) : DB_NUL,
		DB_INTV((int64_t)time(NULL)) };

	if (s->forward == NULL && s->text == NULL)
		return db_exec(db, "DELETE FROM mailbox_sieve WHERE mailbox_id = "
			       "(SELECT id FROM mailbox WHERE domain_id = $1 AND "
			       "local_part = $2)", p, 2, NULL, err);
	return db_exec(db, "INSERT INTO mailbox_sieve (mailbox_id, forward_to, "
		       "forward_keep, vacation_subject, vacation_text, "
		       "vacation_start, vacation_end, vacation_days, updated_at)"
		       " SELECT id, $3, $4, $5, $6, $7, $8, $9, $10 FROM mailbox"
		       " WHERE domain_id = $1 AND local_part = $2 ON CONFLICT "
		       "(mailbox_id) DO UPDATE SET forward_to = $3, forward_keep"
		       " = $4, vacation_subject = $5, vacation_text = $6, "
		       "vacation_start = $7, vacation_end = $8, vacation_days = "
		       "$9, updated_at = $10", p, 10, NULL, err);
}

struct acct {
	int *exists, *same;
	int64_t *project_id;
	const char *hash;
	int disabled;
};

static int
account_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct acct *a = ctx;
	const char *h = row->vals[1];

	(void)err;
	*a->exists = 1;
	*a->project_id = num(row->vals[0]);
	if (a->same != NULL)
		*a->same = (h == NULL) == (a->hash == NULL) &&
		    (h == NULL || strcmp(h, a->hash) == 0) &&
		    num(row->vals[2]) == a->disabled;
	return 0;
}

int
store_migrate_account_find(struct db *db, const char *login, int *exists,
			   int64_t *project_id, const char *hash, int disabled,
			   int *same, struct hk_err *err)
{
	struct acct a = { exists, same, project_id, hash, disabled };

	*exists = 0;
	*project_id = -1;
	return db_query(db, "SELECT project_id, password_hash, disabled FROM "
			"account WHERE login = $1", &DB_TXT(login), 1,
			account_row, &a, NULL, err);
}

int
store_migrate_account_put(struct db *db, const char *login,
			  int64_t project_id, const char *hash, int disabled,
			  int update, struct hk_err *err)
{
	struct db_param p[5] = { DB_TXT(login), DB_INTV(project_id),
				 hash ? DB_TXT(hash) : DB_NUL,
				 DB_INTV(disabled),
				 DB_INTV((int64_t)time(NULL)) };

	if (update)
		return db_exec(db, "UPDATE account SET password_hash = $3, "
			       "disabled = $4, updated_at = $5 WHERE login = $1 "
			       "AND project_id = $2", p, 5, NULL, err);
	return db_exec(db, "INSERT INTO account (login, role, project_id, "
		       "password_hash, disabled, created_at, updated_at) VALUES "
		       "($1, 'owner', $2, $3, $4, $5, $5)", p, 5, NULL, err);
}

int
store_migrate_usage(struct db *db, int64_t project_id, int64_t use[3],
		    int64_t max[3], struct hk_err *err)
{
	int64_t v[6];

	if (db_query_ints(db, "SELECT (SELECT COUNT(*) FROM domain WHERE "
			  "project_id = $1), (SELECT COUNT(*) FROM mailbox m "
			  "JOIN domain d ON d.id = m.domain_id WHERE "
			  "d.project_id = $1), " STORE_STORAGE_USED("$1") ", "
			  "max_domains, max_mailboxes, max_storage_bytes FROM "
			  "project WHERE id = $1", &DB_INTV(project_id), 1, v,
			  6, err) < 0)
		return -1;
	memcpy(use, v, 3 * sizeof(*v));
	memcpy(max, v + 3, 3 * sizeof(*v));
	return 0;
}
