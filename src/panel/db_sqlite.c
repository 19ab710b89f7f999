/* SPDX-License-Identifier: ISC */
/*
 * db_sqlite.c - the embedded SQLite backend (the default).
 *
 * WAL so readers never wait for the writer, a busy timeout so concurrent
 * FastCGI workers queue for the write lock instead of failing, foreign keys
 * on.  Placeholders $1..$n are bound by name, so their order in the text
 * does not matter.  Prepared statements are kept (a few dozen, by their
 * text) and reset after every use, so that a statement never holds a read
 * transaction open between requests.  Only hakomail init makes the
 * file (db_open_init()): any other program finding none says so.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_backend.h"
#include "log.h"

#define BUSY_TIMEOUT_MS	10000
#define MAX_COLS	64
#define STMT_CACHE	48	/* the API's statements, and then some */

struct sq {
	sqlite3 *h;
	struct {
		const char *sql;	/* the caller's text (compared too) */
		sqlite3_stmt *st;
		unsigned long used;	/* for least recently used */
		/* slot[k]: the statement's index of parameter $k (0: not
		 * used); found once at prepare, since SQLite's own lookup
		 * by name is a linear search at every bind */
		int *slot, nslot;
	} cache[STMT_CACHE];
	unsigned long clock;
	char path[4096];	/* to open it again (reopen()) */
	int fresh;		/* a transaction begun, nothing run in it yet */
	int began_write;	/* how it was begun */
};

static int
fail_sqlite(sqlite3 *h, int rc, struct hk_err *err)
{
	int ext = sqlite3_extended_errcode(h);

	if (ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return hk_failr(err, HK_EEXIST, NULL, HK_R_already_exists,
				NULL);
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return hk_failr(err, HK_EINVAL, NULL, HK_R_missing_reference,
				NULL);
	return hk_fail(err, HK_EDB, NULL, "sqlite: %s (%d/%d)",
		       sqlite3_errmsg(h), rc, ext);
}

/* SQLite's allocation statistics take one process-wide mutex at every
 * malloc and free: the FastCGI workers' threads each have their own
 * connection, and none reads the statistics.  Set once, before SQLite
 * initialises (after, SQLite refuses it, which changes nothing). */
static void
configure_sqlite(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * One connection, read once to be sure it can share the WAL index.  The
 * panel's programs never open the database as root (privdrop.h), but a
 * root process that does (the sqlite3 shell, say) makes a -shm that is
 * root's for an instant before SQLite gives it to the database's owner; a
 * connection of another user opening it in that instant would map it
 * read-only and fail every statement after.  Such a connection is opened
 * again.
 */
static sqlite3 *
open_once(const char *path, int create, struct hk_err *err)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	sqlite3 *h = NULL;
	int rc;

	(void)pthread_once(&configured, configure_sqlite);
	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
			     (create ? SQLITE_OPEN_CREATE : 0) |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_CANTOPEN && !create && access(path, F_OK) < 0 &&
	    errno == ENOENT) {
		hk_fail(err, HK_EDB, "database.url", "no database at %s: run: "
			"hakomail init", path);
		sqlite3_close(h);
		return NULL;
	}
	if (rc != SQLITE_OK) {
		hk_fail(err, HK_EDB, "database.url", "cannot open %s: %s",
			path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(h, "PRAGMA journal_mode = WAL;"
			  "PRAGMA synchronous = NORMAL;"
			  "PRAGMA foreign_keys = ON;"
			  "SELECT count(*) FROM sqlite_master;", NULL, NULL,
			  NULL);
	if (rc != SQLITE_OK) {
		fail_sqlite(h, rc, err);
		sqlite3_close(h);
		return NULL;
	}
	return h;
}

/*
 * A new database is made read-write for its group as well (0660, whatever
 * the umask): the API's workers and pushd are two users of one group, and
 * SQLite gives the -wal and -shm it makes the database's mode.  An empty
 * file is an empty database.
 */
static void
make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);

	if (fd < 0)
		return;	/* there already, or SQLite will say why not */
	if (fchmod(fd, 0660) < 0)
		log_warn_errno("chmod 0660 %s", path);
	close(fd);
}

static void *
sqlite_open(const char *url, int create, struct hk_err *err)
{
	const char *path = url + strlen("sqlite:");
	struct sq *c = calloc(1, sizeof(*c));
	struct timespec pause = { 0, 20 * 1000000L };

	if (c == NULL) {
		hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (create)
		make_file(path);
	for (int tries = 0; c->h == NULL && tries < 50; tries++) {
		c->h = open_once(path, create, err);
		if (c->h == NULL && strstr(err->message, "readonly") == NULL)
			break;	/* only the read-only map is worth a retry */
		if (c->h == NULL)
			nanosleep(&pause, NULL);
	}
	if (c->h == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
sqlite_close(void *conn)
{
	struct sq *c = conn;

	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].slot);
	}
	sqlite3_close(c->h);
	free(c);
}

/* Where each "$k" of the statement goes. */
static int
map_slots(sqlite3_stmt *st, int **slot, int *nslot)
{
	int count = sqlite3_bind_parameter_count(st), max = 0;

	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		int k = name && name[0] == '$' ? atoi(name + 1) : 0;

		max = k > max ? k : max;
	}
	if ((*slot = calloc((size_t)max + 1, sizeof(**slot))) == NULL)
		return -1;
	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		int k = name && name[0] == '$' ? atoi(name + 1) : 0;

		if (k > 0)
			(*slot)[k] = i;
	}
	*nslot = max + 1;
	return 0;
}

/* The prepared statement for sql: kept from before, or prepared now in
 * the least recently used place; *at gets its place. */
static sqlite3_stmt *
statement(struct sq *c, const char *sql, int *at, struct hk_err *err)
{
	int victim = 0, rc;

	for (int i = 0; i < STMT_CACHE; i++) {
		if (c->cache[i].sql == sql && c->cache[i].st != NULL &&
		    strcmp(sqlite3_sql(c->cache[i].st), sql) == 0) {
			c->cache[i].used = ++c->clock;
			*at = i;
			return c->cache[i].st;
		}
		if (c->cache[i].used < c->cache[victim].used)
			victim = i;
	}
	sqlite3_finalize(c->cache[victim].st);
	free(c->cache[victim].slot);
	c->cache[victim].st = NULL;
	c->cache[victim].sql = NULL;
	c->cache[victim].slot = NULL;
	if ((rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
				     &c->cache[victim].st, NULL)) != SQLITE_OK) {
		fail_sqlite(c->h, rc, err);
		return NULL;
	}
	if (map_slots(c->cache[victim].st, &c->cache[victim].slot,
		      &c->cache[victim].nslot) < 0) {
		sqlite3_finalize(c->cache[victim].st);
		c->cache[victim].st = NULL;
		hk_fail(err, HK_ESYS, NULL, "out of memory");
		return NULL;
	}
	*at = victim;
	c->cache[victim].sql = sql;
	c->cache[victim].used = ++c->clock;
	return c->cache[victim].st;
}

static int
sqlite_script(void *conn, const char *sql, struct hk_err *err)
{
	struct sq *c = conn;
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail_sqlite(c->h, rc, err);
}

/* The page cache (negative: KiB; -2000 is SQLite's default), and the
 * statement journals that a multi-row INSERT keeps kept in memory rather
 * than in a temporary file: a batch's journal is written and thrown away
 * 64 rows later.  8 MiB, not more: an import's memory is bounded by its
 * file (2 x the file + 16 MiB), and 64 MiB made 100,000 rows 8 % faster
 * at most while a 16 MB file took a worker past that bound. */
static int
sqlite_bulk(void *conn, int on, struct hk_err *err)
{
	return sqlite_script(conn, on ? "PRAGMA cache_size = -8192;"
			     "PRAGMA temp_store = MEMORY" :
			     "PRAGMA cache_size = -2000;"
			     "PRAGMA temp_store = DEFAULT", err);
}

static int
is_readonly(sqlite3 *h)
{
	return (sqlite3_extended_errcode(h) & 0xff) == SQLITE_READONLY;
}

/* A connection that finds itself read-only (see open_once()) is replaced
 * by a new one, its statements with it; only between transactions. */
static int
reopen(struct sq *c, struct hk_err *err)
{
	sqlite3 *h;

	/* it exists: it was opened before */
	if ((h = open_once(c->path, 0, err)) == NULL)
		return -1;
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].slot);
		memset(&c->cache[i], 0, sizeof(c->cache[i]));
	}
	sqlite3_close(c->h);
	c->h = h;
	return 0;
}

static int
begin(struct sq *c, struct hk_err *err)
{
	const char *sql = c->began_write ? "BEGIN IMMEDIATE" : "BEGIN";
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK && is_readonly(c->h) && reopen(c, err) == 0)
		rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail_sqlite(c->h, rc, err);
	c->fresh = 1;
	return 0;
}

static int
sqlite_begin(void *conn, int write, struct hk_err *err)
{
	struct sq *c = conn;

	c->began_write = write;
	return begin(c, err);
}

static int
sqlite_commit(void *conn, struct hk_err *err)
{
	return sqlite_script(conn, "COMMIT", err);
}

static void
sqlite_rollback(void *conn)
{
	struct sq *c = conn;

	if (!sqlite3_get_autocommit(c->h))
		sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
}

/* slot NULL: parameter i is ?(i + 1) (db_copy's statements). */
static int
bind_params(sqlite3 *h, sqlite3_stmt *st, const int *slot, int nslot,
	    const struct db_param *p, int n, struct hk_err *err)
{
	for (int i = 0; i < n; i++) {
		int idx = slot == NULL ? i + 1 : i + 1 < nslot ? slot[i + 1] : 0;
		int rc;

		if (idx == 0)
			continue;	/* not used by this statement */
		if (p[i].type == DB_INT)
			rc = sqlite3_bind_int64(st, idx, p[i].num);
		else if (p[i].type == DB_TEXT && p[i].text != NULL)
			rc = sqlite3_bind_text(st, idx, p[i].text, -1,
					       SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			return fail_sqlite(h, rc, err);
	}
	return 0;
}

/* The statement's column names: the same for each of its rows. */
static int
column_names(sqlite3_stmt *st, const char **names, struct hk_err *err)
{
	int n = sqlite3_column_count(st);

	if (n > MAX_COLS)
		return hk_fail(err, HK_EINTERNAL, NULL, "too many columns");
	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, i);
	return n;
}

static int
emit_row(sqlite3_stmt *st, const char *const *names, int ncols,
	 db_row_fn fn, void *ctx, struct hk_err *err)
{
	const char *vals[MAX_COLS];
	enum db_type types[MAX_COLS];
	struct db_row row = { ncols, names, vals, types };

	for (int i = 0; i < row.ncols; i++) {
		int t = sqlite3_column_type(st, i);

		vals[i] = (const char *)sqlite3_column_text(st, i);
		types[i] = t == SQLITE_NULL ? DB_NULL :
		    t == SQLITE_INTEGER ? DB_INT : DB_TEXT;
	}
	return fn(ctx, &row, err);
}

static int
run_query(struct sq *c, const char *sql, const struct db_param *p, int n,
	  db_row_fn fn, void *ctx, int64_t *changes, struct hk_err *err)
{
	const char *names[MAX_COLS];
	sqlite3_stmt *st;
	int rc, ret = -1, at, ncols = 0;

	if ((st = statement(c, sql, &at, err)) == NULL)
		return -1;
	if (bind_params(c->h, st, c->cache[at].slot, c->cache[at].nslot, p, n,
			err) < 0)
		goto out;
	/* names read at the first row: a statement prepared again (the
	 * schema changed) is so by its first step, which frees them */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn == NULL)
			continue;
		if (ncols == 0 && (ncols = column_names(st, names, err)) < 0)
			goto out;
		if (emit_row(st, names, ncols, fn, ctx, err) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		fail_sqlite(c->h, rc, err);
		goto out;
	}
	if (changes != NULL)
		*changes = sqlite3_changes(c->h);
	ret = 0;
out:
	/* done with it: no read transaction stays open, no text bound */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/* A statement that finds the connection read-only, first in its
 * transaction (or outside one), runs again on a new connection: nothing
 * was read or written in the transaction yet. */
static int
sqlite_query(void *conn, const char *sql, const struct db_param *p, int n,
	     db_row_fn fn, void *ctx, int64_t *changes, struct hk_err *err)
{
	struct sq *c = conn;
	int fresh = c->fresh, autocommit = sqlite3_get_autocommit(c->h);
	int rc = run_query(c, sql, p, n, fn, ctx, changes, err);

	c->fresh = 0;
	/* SQLite's own read-only refusal, not a callback's failure */
	if (rc == 0 || err->code != HK_EDB || !is_readonly(c->h) ||
	    strstr(err->message, "readonly") == NULL || !(fresh || autocommit))
		return rc;
	if (fresh)
		sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	if (reopen(c, err) < 0 || (fresh && begin(c, err) < 0))
		return -1;
	rc = run_query(c, sql, p, n, fn, ctx, changes, err);
	c->fresh = 0;
	return rc;
}

/* "INSERT INTO table (c1, ...) VALUES (?1, ...)" into sql[size]. */
static int
copy_sql(char *sql, size_t size, const char *table, const char *const *cols,
	 int ncols)
{
	size_t len = (size_t)snprintf(sql, size, "INSERT INTO %s (", table);

	for (int i = 0; i < ncols && len < size; i++)
		len += (size_t)snprintf(sql + len, size - len, "%s%s",
					i ? ", " : "", cols[i]);
	for (int i = 0; i < ncols && len < size; i++)
		len += (size_t)snprintf(sql + len, size - len, "%s?%d",
					i ? ", " : ") VALUES (", i + 1);
	if (len < size)
		len += (size_t)snprintf(sql + len, size - len, ")");
	return len < size ? 0 : -1;
}

/* db_copy(): one statement prepared for the call, stepped per row (in a
 * transaction that is all SQLite's fastest bulk path asks for). */
static int
sqlite_copy(void *conn, const char *table, const char *const *cols,
	    int ncols, size_t n, db_copy_fn fn, void *ctx, struct hk_err *err)
{
	struct sq *c = conn;
	struct db_param v[DB_COPY_MAX_COLS];
	sqlite3_stmt *st = NULL;
	char sql[1024];
	int rc;

	if (copy_sql(sql, sizeof(sql), table, cols, ncols) < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "db_copy: too long");
	if ((rc = sqlite3_prepare_v2(c->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return fail_sqlite(c->h, rc, err);
	c->fresh = 0;
	for (size_t i = 0; i < n; i++) {
		memset(v, 0, sizeof(v));
		if (fn(ctx, i, v, err) < 0 ||
		    bind_params(c->h, st, NULL, 0, v, ncols, err) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			fail_sqlite(c->h, rc, err);
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * The FTS5 query of frag's trigrams, each a quoted string ANDed (a
 * trigram index of detail 'none' takes no phrase of several): the rows
 * holding them all.  The store names which (it probes how many rows
 * each has: a trigram every mailbox holds, "ser" of "user", costs an
 * AND 5 to 12 ms in 500,000); else at most SEARCH_TRIGRAMS of them, spread
 * from the first to the last: fewer only find more candidates, which
 * the LIKE then drops.
 */
#define SEARCH_TRIGRAMS	6

/* The offsets of frag's characters into at (at most max); -1 for text
 * that is not UTF-8. */
static int
utf8_starts(const char *frag, size_t *at, int max)
{
	int n = 0;

	for (size_t i = 0; frag[i] != '\0'; n++) {
		unsigned char c = (unsigned char)frag[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (len == 0 || n >= max)
			return -1;
		at[n] = i;
		for (size_t k = 1; k < len; k++)
			if (((unsigned char)frag[i + k] & 0xc0) != 0x80)
				return -1;
		i += len;
	}
	at[n] = strlen(frag);
	return n;
}

/* The FTS5 phrase of frag's characters [from, from + 3) at out + *o,
 * its quotes doubled; -1 where it does not fit. */
static int
put_trigram(const char *frag, const size_t *at, int from, char *out,
	    size_t size, size_t *o)
{
	if (*o + 8 >= size)
		return -1;
	if (*o > 0) {
		memcpy(out + *o, " AND ", 5);
		*o += 5;
	}
	out[(*o)++] = '"';
	for (size_t i = at[from]; i < at[from + 3]; i++) {
		if (*o + 4 >= size)
			return -1;
		if (frag[i] == '"')
			out[(*o)++] = '"';
		out[(*o)++] = frag[i];
	}
	out[(*o)++] = '"';
	out[*o] = '\0';
	return 0;
}

/* The MATCH of the trigrams of frag in windows (bit w: the one at
 * character w; the first 64 can be named); 0: SEARCH_TRIGRAMS of them,
 * evenly from the first to the last. */
static int
sqlite_search_arg(const char *frag, uint64_t windows, char *out,
		  size_t size)
{
	size_t at[DB_SEARCH_ARG_MAX], o = 0;
	int n = utf8_starts(frag, at, DB_SEARCH_ARG_MAX - 1);
	int named = n - 2 < 64 ? n - 2 : 64;
	int take = named < SEARCH_TRIGRAMS ? named : SEARCH_TRIGRAMS;

	if (n < 3)
		return -1;	/* no trigram: the listing scans */
	if (windows == 0)
		for (int t = 0; t < take; t++)
			windows |= UINT64_C(1) <<
			    (take == 1 ? 0 : t * (named - 1) / (take - 1));
	for (int w = 0; w < named; w++)
		if ((windows & (UINT64_C(1) << w)) != 0 &&
		    put_trigram(frag, at, w, out, size, &o) < 0)
			return -1;
	return o > 0 ? 0 : -1;
}

/*
 * The upkeep of the indexes (022), each kind's notes, then its new rows,
 * in batches: a note's text goes from the index, and the row's text as
 * it is comes where the row is still there and its id at most hi (one
 * above hi is new: the next step indexes it); then the new rows up to
 * the batch's last, those noted aside (their note's text is still in the
 * index: the note's step indexes them after it), and hi rises to it.
 */
#define HI(kind)	"(SELECT hi FROM search_mark WHERE kind = " kind ")"
#define NOTES_PLAN(kind) "SELECT count(*), coalesce(max(id), 0), 0 FROM " \
	"(SELECT id FROM search_pending WHERE kind = " kind " ORDER BY id " \
	"LIMIT $1) x"
#define NOTES_GONE(kind, table) "INSERT INTO " table "(" table ", rowid, " \
	"doc) SELECT 'delete', id, indexed FROM search_pending WHERE kind = " \
	kind " AND id <= $1 AND indexed IS NOT NULL"
#define NOTES_DONE(kind) "DELETE FROM search_pending WHERE kind = " kind \
	" AND id <= $1"
#define FRESH_PLAN(kind, table) "SELECT count(*), coalesce(max(id), 0), 0 " \
	"FROM (SELECT id FROM " table " WHERE id > " HI(kind) " ORDER BY id " \
	"LIMIT $1) x"
#define FRESH_DONE(kind) "UPDATE search_mark SET hi = $1 WHERE kind = " kind
#define MAILBOX_DOC	"m.local_part || char(10) || m.name"
#define ALIAS_DOC	"a.local_part || '@'"	/* (023) */

static const char *const mailbox_notes[] = {
	NOTES_GONE("0", "mailbox_search"),
	"INSERT INTO mailbox_search(rowid, doc) SELECT m.id, " MAILBOX_DOC
	" FROM search_pending p JOIN mailbox m ON m.id = p.id WHERE p.kind = "
	"0 AND p.id <= $1 AND m.id <= " HI("0"),
	NOTES_DONE("0"), NULL
}, *const alias_notes[] = {
	NOTES_GONE("1", "alias_search"),
	"INSERT INTO alias_search(rowid, doc) SELECT a.id, " ALIAS_DOC " FROM "
	"search_pending p JOIN alias a ON a.id = p.id WHERE p.kind = 1 AND "
	"p.id <= $1 AND a.id <= " HI("1"),
	NOTES_DONE("1"), NULL
}, *const mailbox_fresh[] = {
	"INSERT INTO mailbox_search(rowid, doc) SELECT m.id, " MAILBOX_DOC
	" FROM mailbox m WHERE m.id > " HI("0") " AND m.id <= $1 AND m.id "
	"NOT IN (SELECT id FROM search_pending WHERE kind = 0)",
	FRESH_DONE("0"), NULL
}, *const alias_fresh[] = {
	"INSERT INTO alias_search(rowid, doc) SELECT a.id, " ALIAS_DOC " FROM "
	"alias a WHERE a.id > " HI("1") " AND a.id <= $1 AND a.id NOT IN "
	"(SELECT id FROM search_pending WHERE kind = 1)",
	FRESH_DONE("1"), NULL
};

static const struct db_search_step sqlite_upkeep[] = {
	{ NOTES_PLAN("0"), mailbox_notes }, { NOTES_PLAN("1"), alias_notes },
	{ FRESH_PLAN("0", "mailbox"), mailbox_fresh },
	{ FRESH_PLAN("1", "alias"), alias_fresh }, { NULL, NULL }
};

const struct db_backend db_backend_sqlite = {
	.schemes = { "sqlite", NULL, NULL },
	.in_process = 1,
	.open = sqlite_open,
	.close = sqlite_close,
	.script = sqlite_script,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.query = sqlite_query,
	.bulk = sqlite_bulk,
	.copy = sqlite_copy,
	.temp_table_delete = 1,
	.migrations = db_migrations_sqlite,
	.has_table = "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	    "AND name = $1",
	.lock_rows = "",	/* BEGIN IMMEDIATE: one writer at a time */
	.lock_keys = "",
	/* FTS5's trigram indexes (022), read by rowid, and the rows not
	 * indexed as they are: noted, or new; a trigram's list probed
	 * alone, read up to a bound */
	.search = { .candidates = {
		"SELECT rowid FROM mailbox_search WHERE mailbox_search MATCH "
		"$6 UNION SELECT id FROM search_pending WHERE kind = 0 UNION "
		"SELECT id FROM mailbox WHERE id > " HI("0"),
		"SELECT rowid FROM alias_search WHERE alias_search MATCH $6 "
		"UNION SELECT id FROM search_pending WHERE kind = 1 UNION "
		"SELECT id FROM alias WHERE id > " HI("1") },
		    .arg = sqlite_search_arg, .probe = {
		"SELECT count(*) FROM (SELECT rowid FROM mailbox_search "
		"WHERE mailbox_search MATCH $6 LIMIT $7)",
		"SELECT count(*) FROM (SELECT rowid FROM alias_search "
		"WHERE alias_search MATCH $6 LIMIT $7)" },
		    .ids = "SELECT value FROM json_each($6)", .fence = "",
		    .window_sorted = 1,
		    .begin = NULL,
		    .upkeep = sqlite_upkeep },
};
