/* SPDX-License-Identifier: ISC */
/* test_report_store.c - store_report_save() and store_report_refused() on
 * each backend (fixture.h): the latest figures overwritten, one sample
 * per save, mailbox usage overwritten where it changed (a mailbox not
 * listed keeps its own), a report naming a mailbox that is not the
 * guest's refused with nothing written, the series folded into hourly
 * rows after 48 hours and dropped after 400 days (times passed in, no
 * sleeping), a guest deleted refused cleanly, a usage row gone with its
 * mailbox or its domain; and db_copy() and
 * db_temp_table(), the bulk primitives under it: text COPY must escape
 * stored exactly, a temporary table empty at each use. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fixture.h"
#include "report.h"
#include "store.h"
#include "store_report.h"

#define HASH	"{SHA512-CRYPT}$6$abcdefgh$xyz"
/* an hour's start, so that the hours of the series are easy to name */
#define T0	((int64_t)1764680400 - (int64_t)1764680400 % 3600)

static void
add_domain(struct fixture *f, const char *name, const char *guest)
{
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(f->db, &f->admin, name, guest, &obj, &err) < 0)
		fail_msg("domain %s: %s", name, err.message);
	json_decref(obj);
}

static void
add_mailbox(struct fixture *f, const char *local, const char *domain)
{
	struct mailbox_in in = { local, domain, HASH, "", 0, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_mailbox_add(f->db, &f->admin, &in, &obj, &err) < 0)
		fail_msg("mailbox %s@%s: %s", local, domain, err.message);
	json_decref(obj);
}

static void
add_guest(struct fixture *f, const char *name)
{
	struct guest_in g = { name, "lab", "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_guest_add(f->db, &f->admin, &g, &obj, &err) < 0)
		fail_msg("guest %s: %s", name, err.message);
	json_decref(obj);
}

/* g1 serves demo.example (taro, hanako), g2 other.example (jiro). */
static int
setup(void **state)
{
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	add_guest(f, "g2");
	add_domain(f, "demo.example", "g1");
	add_domain(f, "other.example", "g2");
	add_mailbox(f, "taro", "demo.example");
	add_mailbox(f, "hanako", "demo.example");
	add_mailbox(f, "jiro", "other.example");
	return 0;
}

/* A report through the parser, as pushd makes it. */
static void
report(struct guest_report *r, int64_t fs_used, int64_t deferred,
       const char *oldest, double load1, const char *mailboxes)
{
	char text[4096];
	json_error_t je;
	struct hk_err err;
	json_t *v;

	snprintf(text, sizeof(text), "{\"at\":1,\"uptime_s\":2,\"load\":"
		 "[%g,0.5,0.25],\"versions\":{\"postfix\":\"3.7.11\","
		 "\"dovecot\":\"2.3.19.1\"},\"fs\":{\"root\":\"/m\","
		 "\"bytes_total\":100000000,\"bytes_used\":%lld,"
		 "\"bytes_free\":1000,\"inodes_total\":100,\"inodes_used\":"
		 "10,\"inodes_free\":90},\"queue\":{\"active\":1,"
		 "\"deferred\":%lld,\"hold\":0,\"incoming\":0,"
		 "\"oldest_deferred_s\":%s},\"mailboxes\":%s}", load1,
		 (long long)fs_used, (long long)deferred, oldest, mailboxes);
	if ((v = json_loads(text, 0, &je)) == NULL)
		fail_msg("the test's report: %s", je.text);
	if (report_from_json(v, r, &err) < 0)
		fail_msg("the test's report: %s: %s", err.field, err.message);
	json_decref(v);
}

static void
save(struct fixture *f, int64_t guest, struct guest_report *r, int64_t now)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (store_report_save(f->db, guest, r, now, &err) < 0)
		fail_msg("save: %s: %s", err.field, err.message);
	report_free(r);
}

static int64_t
q(struct fixture *f, const char *fmt, ...)
{
	char sql[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return fixture_int(f, sql);
}

#define USAGE(f, local, col) q(f, "SELECT u." col " FROM mailbox_usage u " \
	"JOIN mailbox m ON m.id = u.mailbox_id WHERE m.local_part = '%s'", \
	local)

static void
test_overwrite(void **state)
{
	struct fixture *f = *state;
	struct guest_report r;
	struct hk_err err;

	assert_int_equal(store_report_refused(f->db, 1, "unreachable", T0,
					      &err), 0);
	report(&r, 5000, 3, "600", 1.5, "[[\"taro@demo.example\",100,1],"
	       "[\"hanako@demo.example\",200,2]]");
	save(f, 1, &r, T0 + 10);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest WHERE id = 1 AND "
			   "report_error IS NULL AND report_error_at IS "
			   "NULL"), 1);
	report(&r, 6000, 0, "null", 0.5, "[[\"taro@demo.example\",150,3],"
	       "[\"hanako@demo.example\",250,4]]");
	save(f, 1, &r, T0 + 310);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_report"), 1);
	assert_int_equal(q(f, "SELECT at FROM guest_report"), T0 + 310);
	assert_int_equal(q(f, "SELECT fs_bytes_used FROM guest_report"), 6000);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_report WHERE "
			   "q_oldest_deferred_s IS NULL AND load1 = 0.5 AND "
			   "load15 = 0.25 AND dovecot_version = '2.3.19.1'"),
			 1);
	assert_int_equal(q(f, "SELECT mailboxes * 1000000 + mailbox_bytes * "
			   "100 + mailbox_messages FROM guest_report"),
			 2000000 + 40000 + 7);
	/* one sample per save, each its own */
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 0"), 2);
	assert_int_equal(q(f, "SELECT q_oldest_deferred_s FROM guest_sample "
			   "WHERE at = %lld", (long long)(T0 + 10)), 600);
	assert_int_equal(q(f, "SELECT fs_bytes_used FROM guest_sample WHERE "
			   "at = %lld", (long long)(T0 + 310)), 6000);
	/* usage overwritten, one row per mailbox */
	assert_int_equal(q(f, "SELECT COUNT(*) FROM mailbox_usage"), 2);
	assert_int_equal(USAGE(f, "taro", "used_bytes"), 150);
	assert_int_equal(USAGE(f, "hanako", "messages"), 4);
	assert_int_equal(USAGE(f, "hanako", "at"), T0 + 310);
	/* a mailbox the report does not list keeps its figures */
	report(&r, 6000, 0, "null", 0.5, "[[\"taro@demo.example\",170,5]]");
	save(f, 1, &r, T0 + 610);
	assert_int_equal(USAGE(f, "taro", "used_bytes"), 170);
	assert_int_equal(USAGE(f, "hanako", "used_bytes"), 250);
	assert_int_equal(USAGE(f, "hanako", "at"), T0 + 310);
	assert_int_equal(q(f, "SELECT mailboxes FROM guest_report"), 1);
	/* the same figures again: the row is not rewritten, its at stays
	 * when they were first reported */
	report(&r, 6000, 0, "null", 0.5, "[[\"taro@demo.example\",170,5],"
	       "[\"hanako@demo.example\",250,4]]");
	save(f, 1, &r, T0 + 910);
	assert_int_equal(USAGE(f, "taro", "at"), T0 + 610);
	assert_int_equal(USAGE(f, "hanako", "at"), T0 + 310);
	assert_int_equal(q(f, "SELECT at FROM guest_report"), T0 + 910);
	/* one figure of two changed is a change */
	report(&r, 6000, 0, "null", 0.5, "[[\"taro@demo.example\",170,6]]");
	save(f, 1, &r, T0 + 1210);
	assert_int_equal(USAGE(f, "taro", "messages"), 6);
	assert_int_equal(USAGE(f, "taro", "at"), T0 + 1210);
}

/* Refused: what was stored before stays, all of it. */
static void
assert_unchanged(struct fixture *f)
{
	assert_int_equal(q(f, "SELECT at FROM guest_report"), T0);
	assert_int_equal(q(f, "SELECT fs_bytes_used FROM guest_report"), 5000);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample"), 1);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM mailbox_usage"), 1);
	assert_int_equal(USAGE(f, "taro", "used_bytes"), 100);
	assert_int_equal(USAGE(f, "taro", "at"), T0);
}

static void
test_unknown_mailbox(void **state)
{
	static const char *const unknown[] = {
		"nobody@demo.example",	/* no such mailbox */
		"jiro@other.example",	/* another guest's domain */
		"taro@nowhere.example",	/* no such domain */
	};
	struct fixture *f = *state;
	struct guest_report r;
	struct hk_err err;
	char list[256];

	report(&r, 5000, 0, "null", 0, "[[\"taro@demo.example\",100,1]]");
	save(f, 1, &r, T0);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		snprintf(list, sizeof(list), "[[\"taro@demo.example\",900,9],"
			 "[\"%s\",1,1],[\"hanako@demo.example\",9,9]]",
			 unknown[i]);
		report(&r, 7000, 0, "null", 0, list);
		hk_err_clear(&err);
		assert_int_equal(store_report_save(f->db, 1, &r, T0 + 300,
						   &err), -1);
		report_free(&r);
		assert_int_equal(err.code, HK_EINVAL);
		assert_int_equal(err.reason, HK_R_report_unknown_mailbox);
		assert_string_equal(err.field, "report.mailboxes[1][0]");
		assert_string_equal(hk_err_param(&err, "address"), unknown[i]);
		assert_unchanged(f);
	}
	/* jiro is g2's, and g2 may report it */
	report(&r, 1, 0, "null", 0, "[[\"jiro@other.example\",42,1]]");
	save(f, 2, &r, T0 + 300);
	assert_int_equal(USAGE(f, "jiro", "used_bytes"), 42);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_report"), 2);
}

/* Twelve samples in the hour T0, then the saves that fold it and drop
 * it. */
static void
test_downsample(void **state)
{
	struct fixture *f = *state;
	struct guest_report r;
	char oldest[16];

	for (int k = 0; k < 12; k++) {
		snprintf(oldest, sizeof(oldest), "%s", k == 5 ? "77" : "null");
		/* the fs sum is 78006: a mean of 6500.5, rounded up */
		report(&r, 1000 * (k + 1) + (k == 0 ? 6 : 0), k, oldest, k,
		       "[]");
		save(f, 1, &r, T0 + 300 * k);
	}
	/* the hour's end is not yet 48 hours old: nothing folded */
	report(&r, 1, 0, "null", 0, "[]");
	save(f, 1, &r, T0 + 3600 + 48 * 3600 - 1);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 0"), 13);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 3600"), 0);
	/* now it is: its 12 samples are one hourly row at its start */
	report(&r, 1, 0, "null", 0, "[]");
	save(f, 1, &r, T0 + 3600 + 48 * 3600);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 0"), 2);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 3600"), 1);
	assert_int_equal(q(f, "SELECT at FROM guest_sample WHERE step = "
			   "3600"), T0);
	assert_int_equal(q(f, "SELECT fs_bytes_used FROM guest_sample WHERE "
			   "step = 3600"), 6501);
	assert_int_equal(q(f, "SELECT q_deferred FROM guest_sample WHERE step"
			   " = 3600"), 11);
	assert_int_equal(q(f, "SELECT q_oldest_deferred_s FROM guest_sample "
			   "WHERE step = 3600"), 77);
	assert_int_equal(q(f, "SELECT fs_bytes_total FROM guest_sample WHERE "
			   "step = 3600"), 100000000);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 3600 AND load1 = 5.5"), 1);
	/* kept 400 days from its start, not a second more */
	report(&r, 1, 0, "null", 0, "[]");
	save(f, 1, &r, T0 + 400 * 86400);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 3600 AND at = %lld", (long long)T0), 1);
	report(&r, 1, 0, "null", 0, "[]");
	save(f, 1, &r, T0 + 400 * 86400 + 1);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 3600 AND at = %lld", (long long)T0), 0);
	/* the other samples were folded meanwhile, into two hours */
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 3600"), 2);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample WHERE step "
			   "= 0"), 2);
}

static void
test_deleted_guest(void **state)
{
	struct fixture *f = *state;
	struct guest_report r;
	struct hk_err err;
	int64_t g3;

	add_guest(f, "g3");
	g3 = q(f, "SELECT id FROM guest WHERE name = 'g3'");
	report(&r, 1, 0, "null", 0, "[]");
	save(f, g3, &r, T0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample"), 1);
	assert_int_equal(store_guest_delete(f->db, &f->admin, "g3", &err), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_report"), 0);
	report(&r, 2, 0, "null", 0, "[]");
	hk_err_clear(&err);
	assert_int_equal(store_report_save(f->db, g3, &r, T0 + 300, &err), -1);
	report_free(&r);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, HK_R_no_such_guest);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_report"), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest_sample"), 0);
	hk_err_clear(&err);
	assert_int_equal(store_report_refused(f->db, g3, "x", T0, &err), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	/* the connection is usable after the failure */
	report(&r, 3, 0, "null", 0, "[[\"taro@demo.example\",1,1]]");
	save(f, 1, &r, T0 + 600);
}

static void
test_refused(void **state)
{
	struct fixture *f = *state;
	struct guest_report r;
	struct hk_err err;
	char longer[1500];

	report(&r, 5000, 0, "null", 0, "[[\"taro@demo.example\",100,1]]");
	save(f, 1, &r, T0);
	assert_int_equal(store_report_refused(f->db, 1, "report.fs: bad\n"
					      "\x01\xff\xc3\xa9", T0 + 300,
					      &err), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM guest WHERE id = 1 AND "
			   "report_error = 'report.fs: bad???\xc3\xa9' AND "
			   "report_error_at = %lld", (long long)(T0 + 300)), 1);
	assert_unchanged(f);
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(store_report_refused(f->db, 1, longer, T0 + 600,
					      &err), 0);
	assert_int_equal(q(f, "SELECT LENGTH(report_error) FROM guest WHERE "
			   "id = 1"), STORE_REPORT_ERROR_MAX);
}

/* Many mailboxes through the set-based path (PostgreSQL: COPY in more
 * than one chunk). */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	struct guest_report r = { 0 };
	struct import_batch b = { 0 };
	struct domain_ref ref;
	struct hk_err err;
	enum { N = 3000 };
	static char locals[N][16];

	assert_int_equal(store_domain_ref(f->db, &f->admin, "demo.example",
					  &ref, &err), 0);
	assert_int_equal(db_begin(f->db, 1, &err), 0);
	for (int i = 0; i < N; i++) {
		struct mailbox_in in = { locals[i], "demo.example", HASH, "",
					 0, 1 };

		snprintf(locals[i], sizeof(locals[i]), "u%d", i);
		assert_int_equal(store_import_batch_add(f->db, &b, &ref, &in,
							&err), 0);
	}
	assert_int_equal(store_import_batch_flush(f->db, &b, &err), 0);
	assert_int_equal(db_commit(f->db, &err), 0);
	r.n_mailboxes = N;
	r.mailboxes = calloc(N, sizeof(*r.mailboxes));
	assert_non_null(r.mailboxes);
	for (int i = 0; i < N; i++) {
		char a[64];

		snprintf(a, sizeof(a), "u%d@demo.example", i);
		r.mailboxes[i].address = strdup(a);
		r.mailboxes[i].used_bytes = i;
		r.mailboxes[i].messages = 1;
		r.mailbox_bytes += i;
	}
	save(f, 1, &r, T0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM mailbox_usage"), N);
	assert_int_equal(q(f, "SELECT SUM(used_bytes) FROM mailbox_usage"),
			 (int64_t)N * (N - 1) / 2);
	assert_int_equal(USAGE(f, "u2999", "used_bytes"), 2999);
}

/* A usage row goes with its mailbox, whether the mailbox is deleted or
 * its domain (on PostgreSQL by 012's trigger, on SQLite by the foreign
 * key); another guest's rows stay. */
static void
test_usage_goes(void **state)
{
	struct fixture *f = *state;
	struct guest_report r;
	struct hk_err err;

	report(&r, 1, 0, "null", 0, "[[\"taro@demo.example\",1,1],"
	       "[\"hanako@demo.example\",2,2]]");
	save(f, 1, &r, T0);
	report(&r, 1, 0, "null", 0, "[[\"jiro@other.example\",3,3]]");
	save(f, 2, &r, T0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM mailbox_usage"), 3);
	assert_int_equal(store_mailbox_delete(f->db, &f->admin, "taro",
					      "demo.example", 3600, NULL,
					      &err), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM mailbox_usage"), 2);
	assert_int_equal(USAGE(f, "hanako", "used_bytes"), 2);
	assert_int_equal(store_domain_delete(f->db, &f->admin, "demo.example",
					     1, 3600, &err), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM mailbox_usage"), 1);
	assert_int_equal(USAGE(f, "jiro", "used_bytes"), 3);
	/* a report naming the mailbox deleted is refused, naming it */
	report(&r, 1, 0, "null", 0, "[[\"jiro@other.example\",4,4],"
	       "[\"taro@demo.example\",1,1]]");
	hk_err_clear(&err);
	assert_int_equal(store_report_save(f->db, 2, &r, T0 + 300, &err), -1);
	report_free(&r);
	assert_int_equal(err.reason, HK_R_report_unknown_mailbox);
	assert_string_equal(err.field, "report.mailboxes[1][0]");
	assert_int_equal(USAGE(f, "jiro", "used_bytes"), 3);
}

struct copy_rows {
	const char *text[4];
};

static int
copy_one(void *ctx, size_t i, struct db_param *v, struct hk_err *err)
{
	struct copy_rows *c = ctx;

	(void)err;
	v[0] = DB_INTV((int64_t)i - 1);
	v[1] = c->text[i] ? DB_TXT(c->text[i]) : DB_NUL;
	return 0;
}

static int
copy_fail(void *ctx, size_t i, struct db_param *v, struct hk_err *err)
{
	if (i == 2)
		return hk_fail(err, HK_EINTERNAL, NULL, "stop");
	return copy_one(ctx, i, v, err);
}

/* 1 when row n of copy_t holds text (NULL: SQL NULL), else 0. */
static int
copied(struct fixture *f, int64_t n, const char *text)
{
	struct db_param p[2] = { DB_INTV(n), text ? DB_TXT(text) : DB_NUL };
	struct hk_err err;
	int64_t got = -1;

	if (db_query_int(f->db, "SELECT COUNT(*) FROM copy_t WHERE n = $1 AND"
			 " (t = $2 OR (t IS NULL AND CAST($2 AS TEXT) IS "
			 "NULL))", p, 2, &got, &err) < 0)
		fail_msg("%s", err.message);
	return got == 1;
}

static void
test_copy(void **state)
{
	static const char *const cols[2] = { "n", "t" };
	struct fixture *f = *state;
	struct copy_rows c = { { "a\tb\\c", "line\nbreak\r", NULL,
				 "\\N" } };
	struct hk_err err;

	assert_int_equal(db_begin(f->db, 1, &err), 0);
	assert_int_equal(db_temp_table(f->db, "copy_t", "n BIGINT, t TEXT",
				       &err), 0);
	assert_int_equal(db_copy(f->db, "copy_t", cols, 2, 4, copy_one, &c,
				 &err), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM copy_t"), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(copied(f, i - 1, c.text[i]), 1);
	assert_int_equal(db_commit(f->db, &err), 0);
	/* the next transaction finds the table there and empty */
	assert_int_equal(db_begin(f->db, 1, &err), 0);
	assert_int_equal(db_temp_table(f->db, "copy_t", "n BIGINT, t TEXT",
				       &err), 0);
	assert_int_equal(q(f, "SELECT COUNT(*) FROM copy_t"), 0);
	/* a row that fails stops the copy, and the caller's failure is it */
	hk_err_clear(&err);
	assert_int_equal(db_copy(f->db, "copy_t", cols, 2, 4, copy_fail, &c,
				 &err), -1);
	assert_string_equal(err.message, "stop");
	db_rollback(f->db);
	/* names that are not plain identifiers never reach SQL */
	assert_int_equal(db_copy(f->db, "copy_t; DROP", cols, 2, 1, copy_one,
				 &c, &err), -1);
	assert_int_equal(err.code, HK_EINTERNAL);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_overwrite),
		T(test_unknown_mailbox),
		T(test_downsample),
		T(test_deleted_guest),
		T(test_refused),
		T(test_many),
		T(test_usage_goes),
		T(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
