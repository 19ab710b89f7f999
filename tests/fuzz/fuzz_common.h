/* SPDX-License-Identifier: ISC */
/*
 * fuzz_common.h - what the libFuzzer targets of tests/fuzz/ share, so that
 * each holds only its own input and invariants:
 *   - failing: a message prefixed with the target's name on stderr, then
 *     abort(), so that libFuzzer keeps the input as a crash artifact;
 *   - for the targets that run against a database (fuzz_api.c,
 *     fuzz_csv.c): that SQLite database, made by the project's migrations
 *     in a directory of its own under $TMPDIR, its pristine copy taken once
 *     the target's fixture is in, put back after a write, and removed at
 *     exit; and FNV-1a, for the targets' digests of it.
 *
 * Linked into each target by tests/fuzz/build.sh; fuzz_bundle.c, which
 * links no database code (no libhakopanel.a), builds it with -DFZ_NO_DB.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Each target defines this: its name ("fuzz_api"), the prefix of every
 * message, and what to print after a failure's message, before the abort
 * (NULL: nothing).
 */
struct fz_target {
	const char *name;
	void (*on_fail)(void);
};
extern const struct fz_target fz_target;

/* "NAME: " and the message on stderr, then on_fail, then abort(). */
void fail_now(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* fail_now("setup: WHAT: ...") when rc < 0. */
void must(int rc, const struct hk_err *err, const char *what);

/* FNV-1a 64 of p[0..n) on top of h (start: FZ_FNV_BASIS). */
#define FZ_FNV_BASIS	0xcbf29ce484222325ULL
uint64_t fnv(uint64_t h, const void *p, size_t n);

#ifndef FZ_NO_DB
#include "store.h"

#define FZ_MAX_TABLES	64

/* The database a target runs against (fz_db_make). */
struct fz_db {
	char dir[256];			/* $TMPDIR/PREFIX-XXXXXX */
	char path[300], pristine[300];	/* DIR/t.db, DIR/pristine.db */
	struct db *db;			/* open on path */
	char tables[FZ_MAX_TABLES][64];	/* every table, by name */
	int without_rowid[FZ_MAX_TABLES];	/* read in its key's order */
	int ntables;
	unsigned long resets;		/* fz_db_reset() calls */
};
extern struct fz_db fzdb;

/*
 * A fresh database, migrated, in a new directory $TMPDIR/PREFIX-XXXXXX
 * (TMPDIR unset or empty: /tmp), open in fzdb.db; fz_db_remove() is
 * registered to run at exit.  The target then puts its fixture in and
 * calls fz_db_freeze().
 */
void fz_db_make(const char *prefix);
/* The administrator the fixture is made by, as the CLI makes it. */
void fz_db_admin(struct hk_actor *op);
/* The fixture is in: fzdb.tables filled, the pristine copy taken. */
void fz_db_freeze(void);
/* The database put back to its pristine copy (after a write). */
void fz_db_reset(void);
/* The database closed, its files and directory removed. */
void fz_db_remove(void);
#endif

#endif
