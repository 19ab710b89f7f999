/* SPDX-License-Identifier: ISC */
/*
 * test_pfa_src.c - pfa_src.c reading a database of its own on SQLite
 * (always), PostgreSQL (HK_TEST_PG_BASE, as the other unit tests) and
 * MariaDB (HK_TEST_MY_BASE: tests/mariadb.sh's mysql://hk:hk@HOST:PORT/),
 * each made and dropped by the test: rows with NULLs and UTF-8 text, a
 * 20,000-row table streamed (the reader's heap does not grow with it),
 * tables and views found, every write refused and not made, one snapshot
 * (a row another connection adds after the open is not seen), a stop by
 * the caller and a failed query leaving the connection usable, passwords
 * in no message, bad URLs (an absent SQLite file stays absent), and a
 * server that drops the reader in the middle of a read (PostgreSQL's
 * pg_terminate_backend, MariaDB's KILL CONNECTION): a clean
 * HK_EUNAVAIL.  A side connection of the test's own writes.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include "cli/pfa_src.h"
#include "pfa_target.h"

/* --- reading --- */

static struct pfa_src *
open_ok(const char *url)
{
	struct hk_err err;
	struct pfa_src *src = pfa_src_open(url, &err);

	if (src == NULL)
		fail_msg("%s: %s", url, err.message);
	return src;
}

#define ROWS_MAX	4
#define COLS_MAX	4

struct rows {
	int n, ncols;
	char text[ROWS_MAX][COLS_MAX][64];
	int null[ROWS_MAX][COLS_MAX];
};

static int
collect(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	struct rows *r = ctx;

	(void)err;
	assert_true(r->n < ROWS_MAX && n <= COLS_MAX);
	r->ncols = n;
	for (int i = 0; i < n; i++) {
		r->null[r->n][i] = vals[i] == NULL;
		snprintf(r->text[r->n][i], sizeof(r->text[0][0]), "%s",
			 vals[i] ? vals[i] : "");
	}
	r->n++;
	return 0;
}

static int
one_number(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	(void)err;
	assert_int_equal(n, 1);
	*(long long *)ctx = atoll(vals[0]);
	return 0;
}

static long long
count(struct pfa_src *src, const char *sql)
{
	long long n = -1;
	struct hk_err err;

	if (pfa_src_query(src, sql, one_number, &n, &err) != 0)
		fail_msg("%s: %s", sql, err.message);
	return n;
}

static void
test_rows(void **state)
{
	struct target *t = *state;
	struct pfa_src *src = open_ok(t->url);
	struct rows r = { 0 };
	struct hk_err err;

	assert_string_equal(pfa_src_kind(src), kind_names[t->kind]);
	assert_string_equal(pfa_src_url_shown(src), t->shown);
	assert_int_equal(pfa_src_query(src, "SELECT username, name, quota, "
				       "active FROM mailbox ORDER BY username",
				       collect, &r, &err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ncols, 4);
	assert_string_equal(r.text[0][0], "a@x.example");
	assert_string_equal(r.text[0][1], "松井 太郎");
	assert_string_equal(r.text[0][2], "1024");
	assert_string_equal(r.text[0][3], "1");
	assert_false(r.null[0][1] || r.null[0][2]);
	assert_string_equal(r.text[1][0], "b@x.example");
	assert_true(r.null[1][1] && r.null[1][2]);
	assert_false(r.null[1][0] || r.null[1][3]);
	assert_string_equal(r.text[1][3], "0");
	/* no rows: no call */
	r.n = 0;
	assert_int_equal(pfa_src_query(src, "SELECT username FROM mailbox "
				       "WHERE active = 5", collect, &r, &err),
			 0);
	assert_int_equal(r.n, 0);
	pfa_src_close(src);
}

/* What malloc holds now (0 where the sanitizers' allocator keeps the
 * books instead of glibc's). */
static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

struct stream {
	long next, bad;
	size_t heap0, grew;
};

static int
stream_row(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	struct stream *s = ctx;
	size_t now;

	(void)err;
	s->next++;
	if (n != 2 || atol(vals[0]) != s->next ||
	    strspn(vals[1], "x") != FILLER || vals[1][FILLER] != '\0')
		s->bad++;
	if (s->next % 1000 == 0 && (now = heap_used()) > s->heap0 &&
	    now - s->heap0 > s->grew)
		s->grew = now - s->heap0;
	return 0;
}

/* 20,000 rows of 500 bytes (10 MB) in order; the heap grows by much
 * less than that while they come: the reader holds a row at a time
 * (SQLite's page cache takes up to 2 MB). */
static void
test_stream(void **state)
{
	struct target *t = *state;
	struct pfa_src *src = open_ok(t->url);
	struct stream s = { 0 };
	struct hk_err err;

	s.heap0 = heap_used();
	assert_int_equal(pfa_src_query(src, "SELECT id, filler FROM big "
				       "ORDER BY id", stream_row, &s, &err), 0);
	assert_int_equal(s.next, BIG_ROWS);
	assert_int_equal(s.bad, 0);
	if (s.grew >= 4u << 20)
		fail_msg("the heap grew by %zu bytes over 20,000 rows", s.grew);
	pfa_src_close(src);
}

static void
test_has_table(void **state)
{
	struct target *t = *state;
	struct pfa_src *src = open_ok(t->url);
	struct hk_err err;

	assert_int_equal(pfa_src_has_table(src, "mailbox", &err), 1);
	assert_int_equal(pfa_src_has_table(src, "big", &err), 1);
	assert_int_equal(pfa_src_has_table(src, "mailbox_view", &err), 1);
	assert_int_equal(pfa_src_has_table(src, "alias", &err), 0);
	assert_int_equal(pfa_src_has_table(src, "mailbox' OR 'a' = 'a", &err),
			 0);
	assert_int_equal(pfa_src_has_table(src, "", &err), 0);
	pfa_src_close(src);
}

static void
expect_unreadable(int rc, const struct hk_err *err)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->code, HK_EUNAVAIL);
	assert_int_equal(err->reason, HK_R_pfa_unreadable);
	assert_string_equal(err->field, "from");
}

/* Writes through the reader fail on the backend's read-only rule (its
 * words say "read"); nothing is written; the reader still reads. */
static void
test_read_only(void **state)
{
	static const char *const writes[] = {
		"INSERT INTO mailbox (username, active) "
		"VALUES ('c@x.example', 1)",
		"UPDATE mailbox SET active = 0",
		"DELETE FROM mailbox",
		"CREATE TABLE t2 (a INTEGER)",
		"DROP TABLE big",
		NULL
	};
	struct target *t = *state;
	struct pfa_src *src = open_ok(t->url), *again;
	struct rows r = { 0 };
	struct hk_err err;

	for (int i = 0; writes[i] != NULL; i++) {
		expect_unreadable(pfa_src_query(src, writes[i], collect, &r,
						&err), &err);
		if (strcasestr(err.message, "read") == NULL)
			fail_msg("%s: %s", writes[i], err.message);
	}
	/* a second statement is refused, not run */
	expect_unreadable(pfa_src_query(src, "SELECT 1; DELETE FROM mailbox",
					collect, &r, &err), &err);
	assert_int_equal(count(src, "SELECT count(*) FROM mailbox "
			       "WHERE active = 1"), 1);
	pfa_src_close(src);
	again = open_ok(t->url);
	assert_int_equal(count(again, "SELECT count(*) FROM mailbox"), 2);
	assert_int_equal(count(again, "SELECT count(*) FROM mailbox "
			       "WHERE active = 1"), 1);
	assert_int_equal(count(again, "SELECT count(*) FROM big"), BIG_ROWS);
	assert_int_equal(pfa_src_has_table(again, "t2", &err), 0);
	pfa_src_close(again);
}

static void
test_snapshot(void **state)
{
	struct target *t = *state;
	struct pfa_src *src = open_ok(t->url), *later;

	side(t, "INSERT INTO mailbox VALUES ('c@x.example', 'late', 0, 1)");
	assert_int_equal(count(src, "SELECT count(*) FROM mailbox"), 2);
	later = open_ok(t->url);
	assert_int_equal(count(later, "SELECT count(*) FROM mailbox"), 3);
	pfa_src_close(later);
	assert_int_equal(count(src, "SELECT count(*) FROM mailbox"), 2);
	pfa_src_close(src);
	side(t, "DELETE FROM mailbox WHERE username = 'c@x.example'");
}

static int
stop_at_3(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	int *seen = ctx;

	(void)vals;
	(void)n;
	if (++*seen < 3)
		return 0;
	hk_fail(err, HK_EINTERNAL, "caller", "stopped at row %d", *seen);
	return 7;
}

/* The caller's stop comes back as it was; a failed query is an error of
 * its own; after either, the reader reads on. */
static void
test_stop_and_fail(void **state)
{
	struct target *t = *state;
	struct pfa_src *src = open_ok(t->url);
	struct rows r = { 0 };
	struct hk_err err;
	int seen = 0;

	assert_int_equal(pfa_src_query(src, "SELECT id FROM big ORDER BY id",
				       stop_at_3, &seen, &err), 7);
	assert_int_equal(seen, 3);
	assert_int_equal(err.code, HK_EINTERNAL);
	assert_string_equal(err.field, "caller");
	assert_string_equal(err.message, "stopped at row 3");
	assert_int_equal(count(src, "SELECT count(*) FROM big"), BIG_ROWS);
	expect_unreadable(pfa_src_query(src, "SELECT nosuch FROM mailbox",
					collect, &r, &err), &err);
	assert_non_null(strstr(err.message, "nosuch"));
	assert_int_equal(count(src, "SELECT count(*) FROM mailbox"), 2);
	pfa_src_close(src);
}

/* --- passwords --- */

static void
assert_hidden(const struct hk_err *err, const char *secret)
{
	if (strstr(err->message, secret) != NULL)
		fail_msg("\"%s\" in: %s", secret, err->message);
	for (int i = 0; i < err->nparams; i++)
		if (strstr(err->params[i].value, secret) != NULL)
			fail_msg("\"%s\" in {%s}: %s", secret,
				 err->params[i].name, err->params[i].value);
}

/* url fails to open, with err worded without secret. */
static void
open_fails_hiding(const char *url, enum hk_errcode code, const char *secret)
{
	struct hk_err err;
	struct pfa_src *src = pfa_src_open(url, &err);

	if (src != NULL)
		fail_msg("%s opened", url);
	assert_int_equal(err.code, code);
	assert_string_equal(err.field, "from");
	assert_hidden(&err, secret);
}

/* url, whose password is also its user's or database's name, fails to
 * open: the server's words (detail) quote that name, the password's
 * *** instead. */
static void
open_fails_echoing(const char *url, const char *secret)
{
	struct hk_err err;
	struct pfa_src *src = pfa_src_open(url, &err);
	const char *detail;

	if (src != NULL)
		fail_msg("%s opened", url);
	assert_int_equal(err.code, HK_EUNAVAIL);
	assert_non_null(detail = hk_err_param(&err, "detail"));
	if (strstr(detail, secret) != NULL || strstr(detail, "***") == NULL)
		fail_msg("%s: %s", url, err.message);
}

static void
shown_is(const char *url, const char *want)
{
	struct pfa_src *src = open_ok(url);

	assert_string_equal(pfa_src_url_shown(src), want);
	pfa_src_close(src);
}

static void
passwords_pg(struct target *t)
{
	char user[64], rest[256], url[600], want[600];

	assert_int_equal(sscanf(t->base, "postgresql://%63[^@]@%255s", user,
				rest), 2);
	/* trust authentication: any password opens */
	snprintf(url, sizeof(url), "postgresql://%s:" SECRET "@%s%s", user,
		 rest, t->db);
	snprintf(want, sizeof(want), "postgresql://%s:***@%s%s", user, rest,
		 t->db);
	shown_is(url, want);
	snprintf(url, sizeof(url), "postgresql://%s@%s%s?password=" SECRET
		 "&connect_timeout=5", user, rest, t->db);
	snprintf(want, sizeof(want), "postgresql://%s@%s%s?password=***"
		 "&connect_timeout=5", user, rest, t->db);
	shown_is(url, want);
	/* the server names the database: the password here */
	snprintf(url, sizeof(url), "postgresql://%s:" SECRET "@%s" SECRET,
		 user, rest);
	open_fails_echoing(url, SECRET);
	snprintf(url, sizeof(url), "postgresql://%s@%s" SECRET "?password="
		 SECRET, user, rest);
	open_fails_echoing(url, SECRET);
	/* libpq quotes a malformed escape, or what it takes for a port */
	snprintf(url, sizeof(url), "postgresql://%s:Se%%zzkr1t@%s%s", user,
		 rest, t->db);
	open_fails_hiding(url, HK_EUNAVAIL, "zzkr1t");
	snprintf(url, sizeof(url), "postgresql://%s:" SECRET "/x@%s%s", user,
		 rest, t->db);
	open_fails_hiding(url, HK_EUNAVAIL, SECRET);
}

static void
passwords_my(struct target *t)
{
	char hostport[128], url[600], want[600];

	snprintf(hostport, sizeof(hostport), "%s:%u", t->my_host, t->my_port);
	snprintf(want, sizeof(want), "mysql://%s:***@%s/%s", t->my_user,
		 hostport, t->db);
	shown_is(t->url, want);
	assert_string_equal(t->shown, want);
	/* user and password percent-decoded: their first bytes as %XX */
	snprintf(url, sizeof(url), "mariadb://%%%02X%s:%%%02X%s@%s/%s",
		 (unsigned char)t->my_user[0], t->my_user + 1,
		 (unsigned char)t->my_pass[0], t->my_pass + 1, hostport,
		 t->db);
	snprintf(want, sizeof(want), "mariadb://%%%02X%s:***@%s/%s",
		 (unsigned char)t->my_user[0], t->my_user + 1, hostport,
		 t->db);
	shown_is(url, want);
	/* the server names the user: the password here */
	snprintf(url, sizeof(url), "mysql://" SECRET ":" SECRET "@%s/%s",
		 hostport, t->db);
	open_fails_echoing(url, SECRET);
	/* unencoded '@' and '/' in the password: still all of it hidden */
	snprintf(url, sizeof(url), "mysql://hk:p@ss/" SECRET "@%s/%s",
		 hostport, t->db);
	open_fails_hiding(url, HK_EUNAVAIL, SECRET);
	snprintf(url, sizeof(url), "mysql://hk:" SECRET "@%s/", hostport);
	open_fails_hiding(url, HK_EINVAL, SECRET);
}

static void
test_passwords(void **state)
{
	struct target *t = *state;

	if (t->kind == PG)
		passwords_pg(t);
	else if (t->kind == MY)
		passwords_my(t);
	else
		shown_is(t->url, t->url);
}

/* --- the server goes away --- */

struct killer {
	struct target *t;
	long long pid;
	long rows;
};

static int
kill_reader(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	struct killer *k = ctx;
	char sql[128];

	(void)vals;
	(void)n;
	(void)err;
	if (k->rows++ > 0)
		return 0;
	snprintf(sql, sizeof(sql), k->t->kind == PG ?
		 "SELECT pg_terminate_backend(%lld)" : "KILL CONNECTION %lld",
		 k->pid);
	side(k->t, sql);
	return 0;
}

static void
test_server_gone(void **state)
{
	struct target *t = *state;
	struct pfa_src *src;
	struct killer k = { t, 0, 0 };
	struct rows r = { 0 };
	struct hk_err err;

	src = open_ok(t->url);
	k.pid = count(src, t->kind == PG ? "SELECT pg_backend_pid()" :
		      "SELECT CONNECTION_ID()");
	/* 4,000,000 rows, had the reader not been dropped at the first */
	expect_unreadable(pfa_src_query(src, "SELECT a.id, b.id FROM big a "
					"CROSS JOIN big b LIMIT 4000000",
					kill_reader, &k, &err), &err);
	assert_true(k.rows > 0 && k.rows < 4000000);
	/* and every use after: an error too */
	expect_unreadable(pfa_src_query(src, "SELECT 1", collect, &r, &err),
			  &err);
	assert_int_equal(pfa_src_has_table(src, "mailbox", &err), -1);
	assert_int_equal(err.code, HK_EUNAVAIL);
	pfa_src_close(src);
}

/* --- URLs, no server needed --- */

static void
test_bad_urls(void **state)
{
	static const char *const bad[] = {
		"", "pfa.db", "/var/lib/postfixadmin/pfa.db", "http://h/db",
		"sqlite", "sqlite:", "SQLITE:/x.db",
		"mysql://127.0.0.1", "mysql://127.0.0.1/", "mysql:h/db",
		"mysql:///db", "mariadb://h:0/db", "mysql://h:70000/db",
		"mysql://h:12x/db", "mysql://h/db?ssl=1", "mysql://h/d%zzb",
		"mysql://h/d%00b", "mysql://h/d%4", "mysql://[::1/db",
		"mysql://h/db/x",
		"mysql://hk:" SECRET "@127.0.0.1:1/",
		SECRET ":" SECRET "@h/db",
		NULL
	};
	struct hk_err err;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		if (pfa_src_open(bad[i], &err) != NULL)
			fail_msg("%s opened", bad[i]);
		if (err.code != HK_EINVAL || err.reason != HK_R_pfa_url)
			fail_msg("%s: %s", bad[i], err.message);
		assert_string_equal(err.field, "from");
		assert_hidden(&err, SECRET);
	}
}

/* An absent file is not made; a directory or a file of text is not a
 * database. */
static void
test_sqlite_not_there(void **state)
{
	char dir[64], path[128], url[160];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hk-pfa-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/absent.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	open_fails_hiding(url, HK_EUNAVAIL, SECRET);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	open_fails_hiding("sqlite:/nonexistent-hk-dir/pfa.db", HK_EUNAVAIL,
			  SECRET);
	snprintf(url, sizeof(url), "sqlite:%s", dir);
	open_fails_hiding(url, HK_EUNAVAIL, SECRET);
	snprintf(path, sizeof(path), "%s/text.db", dir);
	assert_non_null(f = fopen(path, "w"));
	for (int i = 0; i < 100; i++)
		fputs("not a database, not at all\n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	open_fails_hiding(url, HK_EUNAVAIL, SECRET);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* --- main --- */

static struct target *current;	/* the group's, for its setup */

static int
group_setup(void **state)
{
	*state = current;
	return target_setup(state);
}

static int
run_on(const char *name, struct target *t)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_has_table),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_stop_and_fail),
		cmocka_unit_test(test_passwords),
		/* last, where a server can go away */
		cmocka_unit_test(test_server_gone),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	current = t;
	return _cmocka_run_group_tests(name, tests, t->kind == SQ ? n - 1 : n,
				       group_setup, target_teardown);
}

static int
my_base(struct target *t, const char *base)
{
	t->base = base;
	return sscanf(base, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/", t->my_user,
		      t->my_pass, t->my_host, &t->my_port) == 4 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest urls[] = {
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_sqlite_not_there),
	};
	static struct target sq = { .kind = SQ }, pg = { .kind = PG },
	    my = { .kind = MY };
	const char *pg_base = getenv("HK_TEST_PG_BASE");
	const char *my_url = getenv("HK_TEST_MY_BASE");
	int failed = cmocka_run_group_tests_name("urls", urls, NULL, NULL);

	failed += run_on("sqlite", &sq);
	if (pg_base != NULL && *pg_base != '\0') {
		pg.base = pg_base;
		failed += run_on("postgresql", &pg);
	}
	if (my_url != NULL && *my_url != '\0') {
		if (my_base(&my, my_url) < 0) {
			fprintf(stderr, "HK_TEST_MY_BASE=%s: not "
				"mysql://USER:PASS@HOST:PORT/\n", my_url);
			return 1;
		}
		failed += run_on("mariadb", &my);
	}
	return failed != 0;
}
