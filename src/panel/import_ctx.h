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
#include <stdio.h>

#include "csvin.h"
#include "import.h"
#include "mapsyntax.h"
#include "store.h"
#include "strbuf.h"

enum { C_ADDRESS, C_PASSWORD, C_HASH, C_NAME, C_QUOTA, C_ACTIVE, C_N };
/* Aliases: the same indexes where the meaning is the same. */
enum { A_ADDRESS, A_DESTINATIONS, A_ACTIVE, A_N };

#define DOMAINS_MAX	4096	/* distinct domains in one file */

/* A row as it is judged: only what its cells do not say again cheaply.
 * The cells stay in the doc (import_cell()), and the local part is read
 * again from the address cell when it is needed (import_local()): 24
 * bytes a row, so that a file of a million rows costs a worker 24 MB
 * beside the file itself.  Hashes made of plain passwords wait in a
 * temporary file (ictx.hashes), in row order, until they are written. */
struct mrow {
	const char *domain;	/* canonical, interned ("": none) */
	int64_t quota;		/* -1: the default (new) or as it is */
	int32_t dom;		/* index into ctx.doms */
	int8_t active;		/* -1: true (new) or as it is */
	int8_t bad, update;
	int8_t hashed;		/* its hash is next in ictx.hashes */
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
	const struct csvin_doc *doc;	/* the rows' cells */
	FILE *hashes;		/* the hashes made, one a line, or NULL */
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
/* The same for a failure (a validator's, the store's): its English words,
 * reason and parameters. */
void import_refused(struct ictx *c, struct mrow *r, const char *column,
		    const struct hk_err *e);

/* Row r's line in the file. */
size_t import_line(const struct ictx *c, const struct mrow *r);
/* Row r's cell in column k (C_* or A_*), "" when the file has none. */
const char *import_cell(const struct ictx *c, const struct mrow *r, int k);
/* Row r's local part as validated ("" for a catch-all): the address
 * cell's, lowercased.  Only for a row whose address is valid. */
void import_local(const struct ictx *c, const struct mrow *r,
		  char out[MAPSYNTAX_LOCAL_MAX + 1]);
/* An alias row's destinations, checked and joined into sb as a map line
 * wants them, or -1 with e (its message for the row's problem). */
int import_dests(const struct ictx *c, const struct mrow *r,
		 struct strbuf *sb, struct hk_err *e);

/* Every row's cells judged alone (the database is not asked), then the
 * addresses met twice flagged; -1 only when out of memory. */
int import_check_cells(struct ictx *c, const struct csvin_doc *doc);

/* An alias file's good rows' destinations against the project's own
 * domains, the file's rows and the database, as store_alias.c holds a
 * single alias (import_dests.c); after every row has its domain.  -1
 * only on a failure (database, memory). */
int import_check_dests(struct ictx *c, struct hk_err *err);

/* Frees the domain names the rows point to. */
void import_names_free(struct ictx *c);

#endif
