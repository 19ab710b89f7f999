/* SPDX-License-Identifier: ISC */
/*
 * store_migrate.h - the rows a migration (migrate.h) reads and writes,
 * every call in the caller's transaction, none audited and none owing a
 * push (the migration audits once and bumps each guest once).  Names
 * are canonical (validate.h); the caller has checked every value.
 */
#ifndef HK_STORE_MIGRATE_H
#define HK_STORE_MIGRATE_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "store.h"

/* Domain `name`: ref->id -1 when there is none; else its ref, and
 * *migrated whether a migration made it (table migrated_domain); now
 * (may be NULL) gets its settings. */
struct migrate_domain_now {
	int active;
	int64_t max_mailboxes, default_quota;
};
int store_migrate_domain_find(struct db *db, const char *name,
			      struct domain_ref *ref, int *migrated,
			      struct migrate_domain_now *now,
			      struct hk_err *err);

/* Guest `name`'s id in the project, HK_ENOTFOUND (field) otherwise. */
int store_migrate_guest(struct db *db, int64_t project_id, const char *name,
			const char *field, int64_t *id, struct hk_err *err);

struct migrate_domain_row {
	const char *name;
	int64_t project_id, guest_id, backup_guest_id;	/* -1: none */
	int active;
	int64_t max_mailboxes, default_quota;
};
/* A new domain (ref gets it), or (ref->id >= 0 on entry) that one's
 * backup MX, active and limits set; marked as the migration's either
 * way (source: "postfixadmin"). */
int store_migrate_domain_put(struct db *db, const struct migrate_domain_row *d,
			     const char *source, struct domain_ref *ref,
			     struct hk_err *err);

/* A mailbox's Sieve settings: forward NULL for none, vacation text NULL
 * for none (both NULL: no row). */
struct migrate_sieve_row {
	const char *forward;		/* canonical, comma-separated */
	int keep;
	const char *subject, *text, *start, *end;
	int days;
};
/* The mailboxes and aliases of a domain as they are, for a re-run: a
 * mailbox with its Sieve settings (store_migrate_sieve_put's row, its
 * strings NULL where none). */
struct migrate_mailbox_row {
	const char *local, *hash, *name;
	int64_t quota;
	int active;
	struct migrate_sieve_row sieve;
};
typedef int (*migrate_mailbox_fn)(void *ctx,
				  const struct migrate_mailbox_row *m,
				  struct hk_err *err);
int store_migrate_mailboxes(struct db *db, int64_t domain_id,
			    migrate_mailbox_fn fn, void *ctx,
			    struct hk_err *err);
typedef int (*migrate_alias_fn)(void *ctx, const char *local,
				const char *dests, int active,
				struct hk_err *err);
int store_migrate_aliases(struct db *db, int64_t domain_id,
			  migrate_alias_fn fn, void *ctx, struct hk_err *err);

/* Alias domain `name`: *target_id -1 when there is none. */
int store_migrate_aliasdom_find(struct db *db, const char *name,
				int64_t *project_id, int64_t *target_id,
				int *active, struct hk_err *err);
int store_migrate_aliasdom_put(struct db *db, int64_t project_id,
			       const char *name, int64_t target_id,
			       int active, struct hk_err *err);

/* A mailbox's Sieve settings replaced (see struct migrate_sieve_row). */
int store_migrate_sieve_put(struct db *db, int64_t domain_id,
			    const char *local,
			    const struct migrate_sieve_row *s,
			    struct hk_err *err);

/* Account `login`: *exists 0 when there is none, else its role's
 * project (-1 for an operator), and (same, may be NULL) 1 when its hash
 * (NULL: none) and disabled are these. */
int store_migrate_account_find(struct db *db, const char *login,
			       int *exists, int64_t *project_id,
			       const char *hash, int disabled, int *same,
			       struct hk_err *err);
/* An owner of the project, made or (update) given this hash (NULL: no
 * password: sign-in waits for one) and enabled or disabled. */
int store_migrate_account_put(struct db *db, const char *login,
			      int64_t project_id, const char *hash,
			      int disabled, int update, struct hk_err *err);

/* The project's use: domains, mailboxes, the sum of quotas. */
int store_migrate_usage(struct db *db, int64_t project_id, int64_t use[3],
			int64_t max[3], struct hk_err *err);

#endif
