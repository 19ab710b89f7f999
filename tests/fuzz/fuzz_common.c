/* SPDX-License-Identifier: ISC */
/*
 * fuzz_common.c - what the fuzz targets share: failing, and the database
 * of the targets that run against one (see fuzz_common.h).
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

/* --- failing --- */

void
fail_now(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", fz_target.name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (fz_target.on_fail != NULL)
		fz_target.on_fail();
	abort();
}

void
must(int rc, const struct hk_err *err, const char *what)
{
	if (rc < 0)
		fail_now("setup: %s: %s", what, err->message);
}

uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

#ifndef FZ_NO_DB

/* --- the database: made once, put back after every write --- */

struct fz_db fzdb;

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		unlink(to);	/* no WAL to copy: none to leave behind */
		return;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0600)) < 0)
		fail_now("cannot write %s", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fail_now("cannot write %s", to);
	if (n < 0 || close(out) < 0)
		fail_now("cannot copy %s to %s", from, to);
	close(in);
}

/* The database file and its WAL from one place to the other. */
static void
copy_db(const char *from, const char *to)
{
	char f[320], t[320];

	copy_file(from, to);
	snprintf(f, sizeof(f), "%s-wal", from);
	snprintf(t, sizeof(t), "%s-wal", to);
	copy_file(f, t);
	snprintf(t, sizeof(t), "%s-shm", to);
	unlink(t);
}

static void
open_db(void)
{
	char url[320];
	struct hk_err err;

	snprintf(url, sizeof(url), "sqlite:%s", fzdb.path);
	if ((fzdb.db = db_open_init(url, &err)) == NULL)
		fail_now("setup: %s: %s", url, err.message);
}

static int
take_table(void *ctx, const struct db_row *row, struct hk_err *err)
{
	(void)ctx;
	if (fzdb.ntables == FZ_MAX_TABLES)
		return hk_fail(err, HK_EINTERNAL, NULL, "over %d tables",
			       FZ_MAX_TABLES);
	fzdb.without_rowid[fzdb.ntables] = atoi(row->vals[1]);
	snprintf(fzdb.tables[fzdb.ntables++], sizeof(fzdb.tables[0]), "%s",
		 row->vals[0]);
	return 0;
}

void
fz_db_make(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	struct hk_err err;
	int applied;

	snprintf(fzdb.dir, sizeof(fzdb.dir), "%s/%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", prefix);
	if (mkdtemp(fzdb.dir) == NULL)
		fail_now("setup: mkdtemp %s failed", fzdb.dir);
	snprintf(fzdb.path, sizeof(fzdb.path), "%s/t.db", fzdb.dir);
	snprintf(fzdb.pristine, sizeof(fzdb.pristine), "%s/pristine.db",
		 fzdb.dir);
	atexit(fz_db_remove);
	open_db();
	must(db_migrate(fzdb.db, &applied, &err), &err, "migrations");
}

void
fz_db_admin(struct hk_actor *op)
{
	memset(op, 0, sizeof(*op));
	op->is_admin = 1;
	snprintf(op->login, sizeof(op->login), "fuzz");
	snprintf(op->via, sizeof(op->via), "cli");
}

void
fz_db_freeze(void)
{
	struct hk_err err;

	/* the tables proper: not FTS5's search index (migration 022), its
	 * own tables (shadow) a copy of what the mailbox table holds */
	must(db_query(fzdb.db, "SELECT name, wr FROM pragma_table_list WHERE "
		      "schema = 'main' AND type = 'table' AND name <> "
		      "'sqlite_schema' ORDER BY name", NULL, 0, take_table,
		      NULL, NULL, &err), &err, "tables");
	db_close(fzdb.db);
	copy_db(fzdb.path, fzdb.pristine);
	open_db();
}

void
fz_db_reset(void)
{
	db_close(fzdb.db);
	copy_db(fzdb.pristine, fzdb.path);
	open_db();
	fzdb.resets++;
}

void
fz_db_remove(void)
{
	static const char *const tails[] = { "", "-wal", "-shm", NULL };
	char path[320];

	db_close(fzdb.db);
	fzdb.db = NULL;
	for (int i = 0; tails[i]; i++) {
		snprintf(path, sizeof(path), "%s%s", fzdb.path, tails[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s%s", fzdb.pristine, tails[i]);
		unlink(path);
	}
	rmdir(fzdb.dir);
}

#endif /* FZ_NO_DB */
