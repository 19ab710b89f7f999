/* SPDX-License-Identifier: ISC */
/*
 * import_ctx.h - what the two halves of the bulk import share, and no one
 * else: the rows as they are judged, the domains they name, the import's
 * context.  import_cells.c judges each row's cells alone; import.c asks
 * the database, hashes and writes.  See import.h for the promise.
 */
#ifndef HK_IMPORT_CTX_H
#define HK_IMPORT_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "import.h"
#include "mapsyntax.h"
#include "store.h"

enum { C_ADDRESS, C_PASSWORD, C_HASH, C_NAME, C_QUOTA, C_ACTIVE, C_N };
/* Aliases: the same indexes where the meaning is the same. */
enum { A_ADDRESS, A_DESTINATIONS, A_ACTIVE, A_N };

#define DOMAINS_MAX	4096	/* distinct domains in one file */

struct mrow {
	size_t line;
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	const char *domain;	/* canonical, interned ("": none) */
	const char *name, *plain, *prehashed;	/* NULL: not given */
	char *hash;		/* to store; owned */
	char *dests;		/* an alias's, canonical, joined; owned */
	int64_t quota;		/* -1: the default (new) or as it is */
	int active;		/* -1: true (new) or as it is */
	int bad, update;
	int dom;		/* index into ctx.doms */
};

struct idom {
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	int found;
	struct domain_ref ref;
	struct import_usage u;
	int bulk;		/* taken holds every taken address */
	struct import_taken_set taken;
};

struct dname;

struct ictx {
	int aliases;		/* importing aliases, not mailboxes */
	int asked;		/* the database was asked before apply() */
	int writing;		/* in apply()'s write transaction */
	/* the last domain as written, and as validate_domain() made it
	 * (interned: rows point to it) */
	char raw_domain[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *canon_domain;
	struct dname *names;	/* every interned domain name */
	const char **made;	/* the domains this import made */
	struct db *db;
	const struct hk_actor *actor;
	const struct import_opts *o;
	struct import_report *rep;
	struct mrow *rows;
	size_t n;
	struct idom *doms;
	int ndoms;
	int col[C_N];
};

/* A problem of row r in column ("": the row as a whole), with the
 * reason's parameters as hk_failr takes them; the row is bad from then
 * on.  Kept up to IMPORT_PROBLEMS_MAX, then counted. */
void import_problem(struct ictx *c, struct mrow *r, const char *column,
		    enum hk_reason reason, ...);

/* Every row's cells judged alone (the database is not asked), then the
 * addresses met twice flagged; -1 only when out of memory. */
int import_check_cells(struct ictx *c, const struct csvin_doc *doc);

/* Frees the domain names the rows point to. */
void import_names_free(struct ictx *c);

#endif
