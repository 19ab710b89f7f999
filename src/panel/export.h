/* SPDX-License-Identifier: ISC */
/*
 * export.h - the mailboxes or the aliases of a project or a domain as
 * CSV, in the format the import reads (import.h): for mailboxes address
 * (the domain in Unicode, as users type it), name, quota (bytes), active,
 * and password_hash only when asked for (by an operator); for aliases
 * address (@domain: the catch-all), destinations (one cell), active.  Cells a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR at the start) are neutralized with a leading "'".
 * Rows stream to write() as the database returns them.
 */
#ifndef HK_EXPORT_H
#define HK_EXPORT_H

#include <stddef.h>

#include "db.h"
#include "err.h"
#include "store.h"

typedef int (*export_write_fn)(void *ctx, const char *p, size_t n);

struct export_opts {
	const char *domain;	/* NULL: every domain in scope */
	const char *project;	/* NULL: every project in scope */
	int hashes;		/* add password_hash (operators only) */
	export_write_fn write;
	void *ctx;
};

/* HK_ENOTFOUND when the domain or project is not in the actor's scope;
 * *rows gets the number of mailboxes written. */
int export_mailboxes(struct db *db, const struct hk_actor *actor,
		     const struct export_opts *o, size_t *rows,
		     struct hk_err *err);
/* (o->hashes is not looked at.) */
int export_aliases(struct db *db, const struct hk_actor *actor,
		   const struct export_opts *o, size_t *rows,
		   struct hk_err *err);

#endif
