/* SPDX-License-Identifier: ISC */
/*
 * import.h - bulk import of mailboxes and aliases from a CSV file read by
 * csvin.
 *
 * Columns by name, in any order: address (required), password or
 * password_hash (one per row; an existing mailbox updated by --upsert may
 * have neither and keeps its password), name, quota ("2G", "500M", bytes;
 * empty: the domain's default), active (true/false, yes/no, 1/0; empty:
 * true for a new mailbox, as it is for an update).
 *
 * Every row is judged before anything is written: invalid cells, an
 * address twice in the file, a domain not in the caller's project, an
 * address already taken (a mailbox, unless upserting, or an alias), and
 * the project's and domains' limits, counted over the whole file.  Every
 * problem is reported with its line and column.  Then, unless it is a dry
 * run: plain passwords are hashed on every core, and the rows are written
 * in one transaction, all of them or (without skip_invalid) none, with one
 * audit entry and one push owed per affected guest.
 */
#ifndef HK_IMPORT_H
#define HK_IMPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "db.h"
#include "err.h"
#include "store.h"

#define IMPORT_PROBLEMS_MAX	10000	/* reported; more are counted */
#define IMPORT_PARAMS_SIZE	352	/* an address's two halves fit */

struct import_problem {
	size_t line;
	char column[24];	/* "" when about the row as a whole */
	char reason[232];	/* in English */
	enum hk_reason why;	/* the reason's id (err.h) */
	/* its parameters, packed: name NUL value NUL ..., then NUL */
	char params[IMPORT_PARAMS_SIZE];
};

/* The i-th parameter (from 0) of a problem: 0, or -1 past the last. */
int import_problem_param(const struct import_problem *p, int i,
			 const char **name, const char **value);

struct import_report {
	size_t rows;		/* data rows in the file */
	size_t added, updated;	/* written (or, in a dry run, would be) */
	size_t invalid;		/* rows with a problem */
	size_t domains_created;	/* (or, in a dry run, that would be) */
	size_t nproblems;	/* problems kept in problems[] */
	int truncated;		/* there were more than IMPORT_PROBLEMS_MAX */
	struct import_problem *problems;
	int64_t project_id;	/* the rows' domains' one project, or -1 */
};

/* phase: "check", "hash" or "write"; called from the caller's thread,
 * outside any transaction except in "write" past done 0 (a job that shows
 * its progress to others through the database writes it at 0). */
typedef void (*import_progress_fn)(void *ctx, const char *phase,
				   size_t done, size_t total);

struct import_opts {
	int dry_run;
	int skip_invalid;	/* write the good rows, report the rest */
	int upsert;		/* update mailboxes that exist */
	int pw_min, pw_max;	/* [password] min_length, max_length */
	/* Operators only: a domain the file names that does not exist is
	 * made on this guest (in the import's transaction), not a problem;
	 * NULL: every domain must exist.  A dry run counts the limits of a
	 * domain still to be made only when the import makes it. */
	const char *create_domains_on;
	int threads;		/* for hashing; 0: every core */
	import_progress_fn progress;	/* may be NULL */
	void *progress_ctx;
	/* In the write transaction, after the rows, before the commit (may
	 * be NULL): what must commit with them, or fail to stop it. */
	int (*before_commit)(void *ctx, const struct import_report *rep,
			     struct hk_err *err);
	void *commit_ctx;
	/* A shutdown (may be NULL): once *stop is non-zero the import stops
	 * at its next checkpoint (every 1000 rows checked or written, after
	 * the hashing, before the commit), nothing written, failing HK_ESYS
	 * with field IMPORT_STOPPED; a job run so ends "interrupted". */
	const volatile sig_atomic_t *stop;
};
#define IMPORT_STOPPED	"shutdown"


/*
 * Returns 0 when the rows were written (dry run: when there is no problem,
 * or with skip_invalid, when the good rows would be written), or -1: with problems (HK_EINVAL, "N rows have problems",
 * nothing written) or on any other failure.  rep is filled in both cases;
 * free it with import_report_free().
 */
int import_mailboxes(struct db *db, const struct hk_actor *actor,
		     const struct csvin_doc *doc, const struct import_opts *o,
		     struct import_report *rep, struct hk_err *err);

/* Aliases: columns address (local@domain, or @domain for the catch-all),
 * destinations (one or more addresses in the cell, separated by commas,
 * semicolons, spaces or line breaks), active.  The same checks (an
 * address that is a mailbox is taken), no limits, upsert replaces the
 * destinations. */
int import_aliases(struct db *db, const struct hk_actor *actor,
		   const struct csvin_doc *doc, const struct import_opts *o,
		   struct import_report *rep, struct hk_err *err);

void import_report_free(struct import_report *rep);

/*
 * Every import is a job (store_importjob.c), whatever door it came
 * through: made by store_import_job_add(), then run here, by the caller,
 * to its end.  Its row shows the progress a few times a second (o's own
 * progress is called too, every time) and ends with the report:
 * "done" in the very transaction that writes the rows (o's before_commit
 * is the job's), "checked" for a dry run (its problems are its result,
 * not a failure), "interrupted" when o's stop stopped it, else "failed"
 * with the error (an internal one's words go to the log instead).
 * Returns what the import returned.
 */
int import_job_run(struct db *db, const struct hk_actor *actor, int64_t id,
		   int aliases, const struct csvin_doc *doc,
		   const struct import_opts *o, struct import_report *rep,
		   struct hk_err *err);
/* A job that will not run: failed with failure. */
int import_job_fail(struct db *db, int64_t id, const struct hk_err *failure,
		    struct hk_err *err);

/* Whether the header of doc is one the import can use (mailboxes, or
 * aliases); else HK_EINVAL naming the header's line and the column: what
 * the import would refuse first, for a caller that answers before it
 * runs. */
int import_columns(int aliases, int upsert, const struct csvin_doc *doc,
		   struct hk_err *err);

#endif
