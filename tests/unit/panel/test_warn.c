/* SPDX-License-Identifier: ISC */
/* test_warn.c - capacity and warnings on both backends, from figures
 * written straight into guest_report, guest_sample and mailbox_usage (as
 * store_report_save would leave them): each kind of warning raised once
 * over several evaluations, audited, cleared when its figure falls back
 * and raised again as a new row; the capacity body (days to full from a
 * known series, trends, nulls before any report, the series as stored
 * and averaged), scoped by actor; the warnings listing. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../fixture.h"
#include "conf.h"
#include "store.h"
#include "store_report.h"

#define NOW	1764680000LL
#define HOUR	3600
#define GB	1000000000LL

static const struct warn_limits limits = { 85, 30, 100, 3600, 90 };

static void
exec(struct fixture *f, const char *sql, const struct db_param *p, int n)
{
	struct hk_err err;

	if (db_exec(f->db, sql, p, n, NULL, &err) != 0)
		fail_msg("%s: %s", sql, err.message);
}

/* The latest figures of guest gid (1: g1): bytes used and free, the
 * deferred queue and its oldest message (-1: none), mailbox bytes. */
struct fig {
	int64_t used, free, deferred, oldest, mbytes;
};

static void
report(struct fixture *f, int64_t gid, int64_t at, const struct fig *g)
{
	struct db_param p[9] = { DB_INTV(gid), DB_INTV(at),
				 DB_INTV(g->used + g->free + GB / 10),
				 DB_INTV(g->used), DB_INTV(g->free),
				 DB_INTV(g->deferred),
				 g->oldest < 0 ? DB_NUL : DB_INTV(g->oldest),
				 DB_INTV(g->mbytes), DB_INTV(at - 5) };

	exec(f, "DELETE FROM guest_report WHERE guest_id = $1", p, 1);
	exec(f, "INSERT INTO guest_report (guest_id, at, guest_at, uptime_s, "
	     "load1, load5, load15, postfix_version, dovecot_version, "
	     "fs_bytes_total, fs_bytes_used, fs_bytes_free, fs_inodes_total, "
	     "fs_inodes_used, fs_inodes_free, q_active, q_deferred, q_hold, "
	     "q_incoming, q_oldest_deferred_s, mailboxes, mailbox_bytes, "
	     "mailbox_messages) VALUES ($1, $2, $9, 86400, 0.5, 0.25, "
	     "0.125, '3.7.11', '2.3.19.1', $3, $4, $5, 1000000, 1000, 999000, "
	     "2, $6, 1, 0, $7, 3, $8, 42)", p, 9);
}

/* A sample of the series. */
static void
sample(struct fixture *f, int64_t gid, int64_t step, int64_t at,
       int64_t used, int64_t mbytes)
{
	struct db_param p[6] = { DB_INTV(gid), DB_INTV(step), DB_INTV(at),
				 DB_INTV(used + 10 * GB), DB_INTV(used),
				 DB_INTV(mbytes) };

	exec(f, "INSERT INTO guest_sample (guest_id, step, at, fs_bytes_total, "
	     "fs_bytes_used, fs_inodes_total, fs_inodes_used, q_active, "
	     "q_deferred, q_hold, q_oldest_deferred_s, mailboxes, "
	     "mailbox_bytes, load1) VALUES ($1, $2, $3, $4, $5, 1000000, 1000, "
	     "0, 7, 0, NULL, 3, $6, 0.5)", p, 6);
}

/* Evaluates guest gid at now: the changes (NULL: none). */
static json_t *
eval(struct fixture *f, int64_t gid, int64_t now)
{
	struct hk_err err;
	json_t *changes = (json_t *)1;

	if (store_warn_eval(f->db, gid, &limits, now, &changes, &err) != 0)
		fail_msg("store_warn_eval: %s", err.message);
	return changes;
}

/* One change of the array, checked. */
static void
assert_change(json_t *changes, size_t i, const char *event, const char *kind,
	      const char *object)
{
	json_t *c = json_array_get(changes, i);

	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "event")),
			    event);
	assert_string_equal(json_string_value(json_object_get(c, "kind")),
			    kind);
	assert_string_equal(json_string_value(json_object_get(c, "object")),
			    object);
}

static int64_t
count(struct fixture *f, const char *kind, int open)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM warning WHERE kind = "
		 "'%s'%s", kind, open ? " AND ended_at IS NULL" : "");
	return fixture_int(f, sql);
}

static int64_t
audits(struct fixture *f, const char *action)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit WHERE action = "
		 "'%s' AND actor = 'pushd' AND via = 'pushd'", action);
	return fixture_int(f, sql);
}

static void
test_disk_used(void **state)
{
	struct fixture *f = *state;
	struct fig g = { 90 * GB, 10 * GB, 0, -1, 0 };
	json_t *c;

	/* 90 % of used + free: raised once, however many reports follow */
	report(f, 1, NOW, &g);
	c = eval(f, 1, NOW);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "raised", "disk_used", "g1");
	assert_true(json_real_value(json_object_get(json_array_get(c, 0),
						    "value")) == 90.0);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(c, 0), "project")), "lab");
	json_decref(c);
	for (int i = 1; i <= 3; i++) {
		g.used += GB / 10;
		report(f, 1, NOW + i * 300, &g);
		assert_null(eval(f, 1, NOW + i * 300));
	}
	assert_int_equal(count(f, "disk_used", 0), 1);
	assert_int_equal(audits(f, "warning.raised"), 1);
	/* the open row follows the figure */
	assert_int_equal(fixture_int(f, "SELECT CAST(ROUND(value * 100) AS "
				     "INTEGER) FROM warning"), 9003);
	/* space freed: it ends */
	g.used = 50 * GB;
	g.free = 50 * GB;
	report(f, 1, NOW + 3600, &g);
	c = eval(f, 1, NOW + 3600);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "cleared", "disk_used", "g1");
	json_decref(c);
	assert_int_equal(fixture_int(f, "SELECT ended_at FROM warning"),
			 NOW + 3600);
	assert_int_equal(audits(f, "warning.cleared"), 1);
	assert_null(eval(f, 1, NOW + 3900));
	/* crossed again: a new row, the old one stays ended */
	g.used = 95 * GB;
	g.free = 5 * GB;
	report(f, 1, NOW + 7200, &g);
	c = eval(f, 1, NOW + 7200);
	assert_change(c, 0, "raised", "disk_used", "g1");
	json_decref(c);
	assert_int_equal(count(f, "disk_used", 0), 2);
	assert_int_equal(count(f, "disk_used", 1), 1);
	assert_int_equal(fixture_int(f, "SELECT started_at FROM warning WHERE "
				     "ended_at IS NULL"), NOW + 7200);
	assert_int_equal(audits(f, "warning.raised"), 2);
}

static void
test_queue(void **state)
{
	struct fixture *f = *state;
	struct fig g = { GB, 99 * GB, 100, 3600, 0 };
	json_t *c;

	/* at the thresholds: nothing (more than 100, older than 3600) */
	report(f, 1, NOW, &g);
	assert_null(eval(f, 1, NOW));
	g.deferred = 101;
	g.oldest = 3601;
	report(f, 1, NOW + 300, &g);
	c = eval(f, 1, NOW + 300);
	assert_int_equal(json_array_size(c), 2);
	assert_change(c, 0, "raised", "queue_deferred", "g1");
	assert_change(c, 1, "raised", "queue_age", "g1");
	json_decref(c);
	report(f, 1, NOW + 600, &g);
	assert_null(eval(f, 1, NOW + 600));
	/* the queue drains: nothing deferred (oldest null) */
	g.deferred = 0;
	g.oldest = -1;
	report(f, 1, NOW + 900, &g);
	c = eval(f, 1, NOW + 900);
	assert_int_equal(json_array_size(c), 2);
	assert_change(c, 0, "cleared", "queue_deferred", "g1");
	assert_change(c, 1, "cleared", "queue_age", "g1");
	json_decref(c);
	assert_int_equal(count(f, "queue_deferred", 1), 0);
	assert_int_equal(count(f, "queue_age", 0), 1);
	g.deferred = 500;
	report(f, 1, NOW + 1200, &g);
	c = eval(f, 1, NOW + 1200);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "raised", "queue_deferred", "g1");
	json_decref(c);
	assert_int_equal(count(f, "queue_deferred", 0), 2);
}

/* 48 hourly samples growing 0.24 GB a day from 1 GB; 2.4 GB free at the
 * end: 10 days to full. */
static void
growing(struct fixture *f, int64_t gid, int64_t end)
{
	for (int h = 0; h < 48; h++)
		sample(f, gid, 3600, end - (47 - h) * HOUR, GB + h * GB / 100,
		       GB + h * GB / 100);
}

static void
test_disk_days(void **state)
{
	struct fixture *f = *state;
	struct fig g = { GB + 47 * GB / 100, 24 * GB / 10, 0, -1, 0 };
	json_t *c;
	double v;

	growing(f, 1, NOW);
	report(f, 1, NOW, &g);
	c = eval(f, 1, NOW);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "raised", "disk_days", "g1");
	v = json_real_value(json_object_get(json_array_get(c, 0), "value"));
	assert_true(v > 9.999 && v < 10.001);
	json_decref(c);
	assert_null(eval(f, 1, NOW + 60));
	/* a larger disk: 100 days */
	g.free = 24 * GB;
	report(f, 1, NOW + 120, &g);
	c = eval(f, 1, NOW + 120);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "cleared", "disk_days", "g1");
	json_decref(c);
	assert_int_equal(audits(f, "warning.cleared"), 1);
}

static void
mailbox(struct fixture *f, const char *local, int64_t quota)
{
	struct mailbox_in in = { local, "lab.example",
				 "{SHA512-CRYPT}$6$abcdefgh$xyz", "", quota, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_mailbox_add(f->db, &f->admin, &in, &obj, &err) != 0)
		fail_msg("mailbox %s: %s", local, err.message);
	json_decref(obj);
}

static void
usage(struct fixture *f, const char *local, int64_t used)
{
	struct db_param p[2] = { DB_TXT(local), DB_INTV(used) };

	exec(f, "DELETE FROM mailbox_usage WHERE mailbox_id = (SELECT id FROM "
	     "mailbox WHERE local_part = $1)", p, 1);
	exec(f, "INSERT INTO mailbox_usage (mailbox_id, used_bytes, messages, "
	     "at) SELECT id, $2, 10, 0 FROM mailbox WHERE local_part = $1", p,
	     2);
}

static void
setup_domain(struct fixture *f)
{
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(f->db, &f->admin, "lab.example", "g1", &obj,
			     &err) != 0)
		fail_msg("domain: %s", err.message);
	json_decref(obj);
}

static void
test_mailbox_quota(void **state)
{
	struct fixture *f = *state;
	struct fig g = { GB, 99 * GB, 0, -1, 0 };
	json_t *c;

	setup_domain(f);
	mailbox(f, "taro", 1000000);
	mailbox(f, "hanako", 1000000);
	mailbox(f, "free", 0);		/* no quota: never over it */
	report(f, 1, NOW, &g);
	usage(f, "taro", 899999);
	usage(f, "hanako", 900000);
	usage(f, "free", 50 * GB);
	c = eval(f, 1, NOW);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "raised", "mailbox_quota", "hanako@lab.example");
	json_decref(c);
	usage(f, "hanako", 950000);
	assert_null(eval(f, 1, NOW + 300));
	assert_int_equal(fixture_int(f, "SELECT CAST(value AS INTEGER) FROM "
				     "warning"), 95);
	/* taro crosses, hanako falls back */
	usage(f, "taro", 1200000);
	usage(f, "hanako", 10);
	c = eval(f, 1, NOW + 600);
	assert_int_equal(json_array_size(c), 2);
	assert_change(c, 0, "raised", "mailbox_quota", "taro@lab.example");
	assert_change(c, 1, "cleared", "mailbox_quota", "hanako@lab.example");
	json_decref(c);
	usage(f, "hanako", 999999);
	c = eval(f, 1, NOW + 900);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "raised", "mailbox_quota", "hanako@lab.example");
	json_decref(c);
	assert_int_equal(count(f, "mailbox_quota", 0), 3);
	/* a deleted mailbox's warning ends */
	{
		struct hk_err err;

		assert_int_equal(store_mailbox_delete(f->db, &f->admin, "taro",
						      "lab.example", 86400, NULL,
						      &err), 0);
	}
	c = eval(f, 1, NOW + 1200);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "cleared", "mailbox_quota", "taro@lab.example");
	json_decref(c);
	assert_int_equal(count(f, "mailbox_quota", 1), 1);
	assert_int_equal(audits(f, "warning.raised"), 3);
	assert_int_equal(audits(f, "warning.cleared"), 2);
}

/* The project's guests' mailbox_bytes added: g1 grows (as growing()),
 * g2 stays at 1 GB; 4.87 GB is 10 days away. */
static void
test_project_days(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "lab", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct fig g = { GB, 99 * GB, 0, -1, GB + 47 * GB / 100 };
	struct hk_err err;
	json_t *obj = NULL, *c;
	double v;

	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err), 0);
	json_decref(obj);
	growing(f, 1, NOW);
	for (int h = 0; h < 48; h++)
		sample(f, 2, 3600, NOW - (47 - h) * HOUR, GB, GB);
	report(f, 1, NOW, &g);
	/* no limit: nothing */
	assert_null(eval(f, 1, NOW));
	exec(f, "UPDATE project SET max_storage_bytes = 4870000000", NULL, 0);
	c = eval(f, 1, NOW);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "raised", "project_days", "lab");
	assert_true(json_is_null(json_object_get(json_array_get(c, 0),
						 "guest")));
	v = json_real_value(json_object_get(json_array_get(c, 0), "value"));
	assert_true(v > 9.999 && v < 10.001);
	json_decref(c);
	/* the other guest's evaluation sees the same open row */
	assert_null(eval(f, 2, NOW));
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM warning WHERE "
				     "guest_id IS NULL AND project_id = 1"), 1);
	exec(f, "UPDATE project SET max_storage_bytes = 0", NULL, 0);
	c = eval(f, 2, NOW + 60);
	assert_int_equal(json_array_size(c), 1);
	assert_change(c, 0, "cleared", "project_days", "lab");
	json_decref(c);
}

struct racer {
	struct db *db;
	int rc;
	json_t *changes;
	struct hk_err err;
};

static void *
race_eval(void *arg)
{
	struct racer *r = arg;

	r->rc = store_warn_eval(r->db, 2, &limits, NOW, &r->changes, &r->err);
	return NULL;
}

static struct db *
connect(struct fixture *f)
{
	struct hk_err err;
	struct db *db = db_open(f->url, &err);

	if (db == NULL)
		fail_msg("%s", err.message);
	return db;
}

/* PostgreSQL: another node raises project_days for the same project while
 * this one evaluates: it waits on the project's row, then finds that
 * warning open (no second row, no unique-index failure).  The other node
 * is connection b, its transaction held open by hand until this one is
 * seen waiting. */
static void
test_project_days_race(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "lab", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct fig g = { GB, 99 * GB, 0, -1, GB + 47 * GB / 100 };
	struct racer r = { .rc = -2 };
	struct hk_err err;
	struct db *b, *watch;
	pthread_t t;
	json_t *obj = NULL;
	int64_t waiting = 0;
	time_t deadline;

	if (f->pgname[0] == '\0')
		skip();		/* SQLite: one writer at a time anyway */
	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err), 0);
	json_decref(obj);
	for (int h = 0; h < 48; h++)
		sample(f, 2, 3600, NOW - (47 - h) * HOUR, GB + h * GB / 100,
		       GB + h * GB / 100);
	report(f, 2, NOW, &g);
	exec(f, "UPDATE project SET max_storage_bytes = 3870000000", NULL, 0);
	b = connect(f);
	watch = connect(f);
	assert_int_equal(db_begin(b, 1, &err), 0);
	assert_int_equal(store_limit_lock(b, 1, &err), 0);
	assert_int_equal(db_exec(b, "INSERT INTO warning (guest_id, project_id,"
				 " kind, object, value, threshold, started_at) "
				 "VALUES (NULL, 1, 'project_days', 'lab', 10, "
				 "30, 1)", NULL, 0, NULL, &err), 0);
	r.db = f->db;
	assert_int_equal(pthread_create(&t, NULL, race_eval, &r), 0);
	deadline = time(NULL) + 30;
	while (waiting == 0 && time(NULL) < deadline)
		assert_int_equal(db_query_int(watch, "SELECT COUNT(*) FROM "
			"pg_stat_activity WHERE datname = current_database() "
			"AND wait_event_type = 'Lock'", NULL, 0, &waiting,
			&err), 0);
	assert_int_equal(waiting, 1);
	assert_int_equal(db_commit(b, &err), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	db_close(b);
	db_close(watch);
	if (r.rc != 0)
		fail_msg("store_warn_eval: %s", r.err.message);
	assert_null(r.changes);	/* the open row kept, nothing raised */
	assert_int_equal(count(f, "project_days", 0), 1);
}

static json_t *
capacity(struct fixture *f, const struct hk_actor *a, const char *guest,
	 int64_t since, int64_t step, int64_t now)
{
	struct hk_err err;
	json_t *out = NULL;

	if (store_capacity_get(f->db, a, guest, since, step, now, &limits,
			       &out, &err) != 0)
		fail_msg("store_capacity_get: %s", err.message);
	return out;
}

/* The member at a path of keys ("disk", "bytes_total"). */
static json_t *
at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return b ? json_object_get(v, b) : v;
}

static void
test_capacity_empty(void **state)
{
	struct fixture *f = *state;
	json_t *o = capacity(f, &f->admin, "g1", 0, 0, NOW);
	const char *nulls[][2] = {
		{ "report_at", NULL }, { "age_s", NULL }, { "report_error", NULL },
		{ "disk", "bytes_total" }, { "disk", "percent" },
		{ "disk", "days_to_full" }, { "disk", "inodes_free" },
		{ "queue", "deferred" }, { "queue", "oldest_deferred_s" },
		{ "mailboxes", "count" }, { "project_storage", "limit_bytes" },
		{ "project_storage", "used_bytes" },
		{ "project_storage", "days_to_limit" }, { "load", NULL },
		{ "uptime_s", NULL }, { "versions", "postfix" },
	};

	assert_string_equal(json_string_value(at(o, "guest", NULL)), "g1");
	assert_string_equal(json_string_value(at(o, "project", NULL)), "lab");
	assert_string_equal(json_string_value(at(o, "state", NULL)), "pending");
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!json_is_null(at(o, nulls[i][0], nulls[i][1])))
			fail_msg("%s.%s is not null", nulls[i][0],
				 nulls[i][1] ? nulls[i][1] : "");
	assert_string_equal(json_string_value(at(o, "disk", "trend")),
			    "not_enough_data");
	assert_int_equal(json_array_size(at(o, "warnings", NULL)), 0);
	assert_int_equal(json_integer_value(at(o, "series", "since")),
			 NOW - 30 * 86400);
	assert_int_equal(json_array_size(at(o, "series", "points")), 0);
	json_decref(o);
}

/* g1 growing 0.24 GB a day to 1.47 GB an hour before NOW, 2.4 GB free
 * and the project's limit 3.87 GB: 10 days to either. */
static void
ten_days(struct fixture *f)
{
	struct fig g = { GB + 47 * GB / 100, 24 * GB / 10, 120, 7200,
			 GB + 47 * GB / 100 };

	growing(f, 1, NOW - HOUR);
	report(f, 1, NOW - 100, &g);
	exec(f, "UPDATE project SET max_storage_bytes = 3870000000", NULL, 0);
}

static void
test_capacity_figures(void **state)
{
	struct fixture *f = *state;
	json_t *o, *w;

	ten_days(f);
	exec(f, "UPDATE guest SET report_error = 'bad json'", NULL, 0);
	json_decref(eval(f, 1, NOW - HOUR));
	o = capacity(f, &f->admin, "g1", 0, 0, NOW - HOUR);
	assert_int_equal(json_integer_value(at(o, "report_at", NULL)),
			 NOW - 100);
	assert_int_equal(json_integer_value(at(o, "age_s", NULL)),
			 -HOUR + 100);
	assert_string_equal(json_string_value(at(o, "report_error", NULL)),
			    "bad json");
	assert_int_equal(json_integer_value(at(o, "disk", "bytes_used")),
			 GB + 47 * GB / 100);
	assert_int_equal(json_integer_value(at(o, "disk", "bytes_total")),
			 GB + 47 * GB / 100 + 24 * GB / 10 + GB / 10);
	/* used of used + free, as df: 1.47 / 3.87 */
	assert_true(json_real_value(at(o, "disk", "percent")) == 37.98);
	assert_true(json_real_value(at(o, "disk", "days_to_full")) == 10.0);
	assert_string_equal(json_string_value(at(o, "disk", "trend")), "ok");
	assert_int_equal(json_integer_value(at(o, "queue", "deferred")), 120);
	assert_int_equal(json_integer_value(at(o, "queue", "oldest_deferred_s")),
			 7200);
	assert_int_equal(json_integer_value(at(o, "mailboxes", "messages")),
			 42);
	assert_true(json_real_value(json_array_get(at(o, "load", NULL), 2)) ==
		    0.125);
	assert_string_equal(json_string_value(at(o, "versions", "dovecot")),
			    "2.3.19.1");
	assert_int_equal(json_integer_value(at(o, "project_storage",
					       "limit_bytes")), 3870000000LL);
	assert_int_equal(json_integer_value(at(o, "project_storage",
					       "used_bytes")), 1470000000LL);
	assert_true(json_real_value(at(o, "project_storage",
				       "days_to_limit")) == 10.0);
	/* disk_days, queue_deferred, queue_age and project_days are open */
	w = at(o, "warnings", NULL);
	assert_int_equal(json_array_size(w), 4);
	assert_int_equal(json_array_size(at(o, "series", "points")), 48);
	json_decref(o);
	/* a day later with no new sample: one day less */
	o = capacity(f, &f->admin, "g1", 0, 0, NOW - HOUR + 86400);
	assert_true(json_real_value(at(o, "disk", "days_to_full")) == 9.0);
	json_decref(o);
}

/* The series: as stored after since, or averaged per step from each
 * bucket's start. */
static void
test_capacity_series(void **state)
{
	struct fixture *f = *state;
	json_t *o, *pts, *p;

	sample(f, 1, 3600, NOW - 7200, 100, 1000);
	sample(f, 1, 3600, NOW - 3600, 200, 3000);
	sample(f, 1, 0, NOW - 600, 301, 5000);
	sample(f, 1, 0, NOW - 300, 400, 6000);
	o = capacity(f, &f->admin, "g1", NOW - 3600, 0, NOW);
	pts = at(o, "series", "points");
	assert_int_equal(json_array_size(pts), 3);
	p = json_array_get(pts, 0);
	assert_int_equal(json_integer_value(json_array_get(p, 0)), NOW - 3600);
	assert_int_equal(json_integer_value(json_array_get(p, 1)), 200);
	assert_int_equal(json_integer_value(json_array_get(p, 2)),
			 200 + 10 * GB);
	assert_int_equal(json_integer_value(json_array_get(p, 3)), 7);
	assert_int_equal(json_integer_value(json_array_get(p, 4)), 3000);
	assert_true(json_real_value(json_array_get(p, 5)) == 0.5);
	json_decref(o);
	/* two-hour buckets, each at its start (at - at % 7200): NOW - 7200
	 * and NOW - 3600 fall in one, NOW - 600 and NOW - 300 in the next */
	o = capacity(f, &f->admin, "g1", NOW - 86400, 7200, NOW);
	assert_int_equal(json_integer_value(at(o, "series", "step")), 7200);
	pts = at(o, "series", "points");
	assert_int_equal(json_array_size(pts), 2);
	p = json_array_get(pts, 0);
	assert_int_equal(json_integer_value(json_array_get(p, 0)),
			 (NOW - 7200) - (NOW - 7200) % 7200);
	assert_int_equal(json_integer_value(json_array_get(p, 1)), 150);
	assert_int_equal(json_integer_value(json_array_get(p, 4)), 2000);
	p = json_array_get(pts, 1);
	assert_int_equal(json_integer_value(json_array_get(p, 0)),
			 (NOW - 7200) - (NOW - 7200) % 7200 + 7200);
	/* 350.5, rounded half away from zero on both backends */
	assert_int_equal(json_integer_value(json_array_get(p, 1)), 351);
	assert_int_equal(json_integer_value(json_array_get(p, 4)), 5500);
	json_decref(o);
	{
		struct hk_err err;

		assert_int_equal(store_capacity_get(f->db, &f->admin, "g1", 0,
						    59, NOW, &limits, &o,
						    &err), -1);
		assert_int_equal(err.code, HK_EINVAL);
		assert_string_equal(err.field, "step");
		assert_int_equal(err.reason, HK_R_series_step);
		assert_null(o);
	}
}

/* Averages over buckets with known figures: 5-minute samples through
 * two whole hours. */
static void
test_capacity_average(void **state)
{
	struct fixture *f = *state;
	int64_t h0 = NOW - NOW % HOUR - 2 * HOUR;
	json_t *o, *pts;

	for (int i = 0; i < 24; i++)
		sample(f, 1, 0, h0 + i * 300, 1000 + i, 0);
	o = capacity(f, &f->admin, "g1", h0, HOUR, h0 + 2 * HOUR);
	pts = at(o, "series", "points");
	assert_int_equal(json_array_size(pts), 2);
	/* 1000..1011: 1005.5, rounded half away from zero; 1012..1023 */
	assert_int_equal(json_integer_value(json_array_get(json_array_get(pts,
		0), 0)), h0);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(pts,
		0), 1)), 1006);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(pts,
		1), 0)), h0 + HOUR);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(pts,
		1), 1)), 1018);
	json_decref(o);
}

/* Flat figures over two days: not growing, no days; no limit: none. */
static void
test_capacity_not_growing(void **state)
{
	struct fixture *f = *state;
	struct fig g = { 5 * GB, 5 * GB, 0, -1, GB };
	json_t *o;

	for (int h = 0; h < 48; h++)
		sample(f, 1, 3600, NOW - (47 - h) * HOUR, 5 * GB - h, GB);
	report(f, 1, NOW, &g);
	exec(f, "UPDATE project SET max_storage_bytes = 2000000000", NULL, 0);
	o = capacity(f, &f->admin, "g1", 0, 0, NOW);
	assert_string_equal(json_string_value(at(o, "disk", "trend")),
			    "not_growing");
	assert_true(json_is_null(at(o, "disk", "days_to_full")));
	assert_true(json_real_value(at(o, "disk", "percent")) == 50.0);
	assert_string_equal(json_string_value(at(o, "project_storage",
						 "trend")), "not_growing");
	assert_true(json_is_null(at(o, "project_storage", "days_to_limit")));
	json_decref(o);
	/* a day of samples is not enough */
	exec(f, "DELETE FROM guest_sample WHERE at < 1764680000 - 23 * 3600",
	     NULL, 0);
	o = capacity(f, &f->admin, "g1", 0, 0, NOW);
	assert_string_equal(json_string_value(at(o, "disk", "trend")),
			    "not_enough_data");
	assert_string_equal(json_string_value(at(o, "project_storage",
						 "trend")), "not_enough_data");
	json_decref(o);
}

/* A guest's samples in the fitted window, read as the capacity body's
 * series reads them. */
static int
own_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	return capacity_samples_add(ctx, strtoll(row->vals[0], NULL, 10),
				    strtod(row->vals[1], NULL),
				    strtod(row->vals[2], NULL), err);
}

static void
assert_same_line(const struct capacity_line *a, const struct capacity_line *b)
{
	assert_int_equal(a->trend, b->trend);
	assert_true(a->slope == b->slope);
	assert_true(a->at_now == b->at_now);
}

/* The lines with the guest's own samples given are the lines read whole,
 * to the last bit, whichever place the guest has among its project's. */
static void
test_capacity_lines_own(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "lab", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct guest_in g3 = { "g3", "lab", "10.0.0.3", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct capacity_line disk[2], project[2];
	struct hk_err err;
	json_t *obj = NULL;

	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err), 0);
	json_decref(obj);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g3, &obj, &err), 0);
	json_decref(obj);
	for (int64_t gid = 1; gid <= 3; gid++)
		for (int h = 0; h < 72; h++)
			sample(f, gid, h < 48 ? 3600 : 0, NOW - 50 * HOUR + h *
			       (h < 48 ? HOUR : 300) + (h < 48 ? 0 : 48 *
			       HOUR - 48 * 300), GB + gid * h * h * 1000,
			       gid * GB + h * 7777 * gid);
	for (int64_t gid = 1; gid <= 3; gid++) {
		struct capacity_samples own = { NULL, NULL, 0, 0 };
		struct db_param p[3] = { DB_INTV(gid),
					 DB_INTV(NOW - CAPACITY_WINDOW_S),
					 DB_INTV(NOW) };

		assert_int_equal(db_query(f->db, "SELECT at, fs_bytes_used, "
			"mailbox_bytes FROM guest_sample WHERE guest_id = $1 "
			"AND at > $2 AND at <= $3 ORDER BY at", p, 3, own_row,
			&own, NULL, &err), 0);
		assert_true(own.n == 72);
		assert_int_equal(store_capacity_lines(f->db, gid, 1, NOW, NULL,
			&disk[0], &project[0], &err), 0);
		assert_int_equal(store_capacity_lines(f->db, gid, 1, NOW, &own,
			&disk[1], &project[1], &err), 0);
		assert_int_equal(disk[0].trend, CAPACITY_OK);
		assert_same_line(&disk[0], &disk[1]);
		assert_same_line(&project[0], &project[1]);
		capacity_samples_free(&own);
	}
	/* so in the body: the series holding the window or not */
	exec(f, "UPDATE project SET max_storage_bytes = 90000000000", NULL, 0);
	for (int64_t gid = 1; gid <= 3; gid++) {
		struct fig g = { 2 * GB, 8 * GB, 0, -1, gid * GB };

		report(f, gid, NOW, &g);
	}
	for (int i = 0; i < 3; i++) {
		json_t *a = capacity(f, &f->admin, i ? i == 1 ? "g2" : "g3" :
				     "g1", 0, 0, NOW);
		json_t *b = capacity(f, &f->admin, i ? i == 1 ? "g2" : "g3" :
				     "g1", NOW - 30 * 86400 + 2, 0, NOW);

		assert_string_equal(json_string_value(at(a, "project_storage",
							 "trend")), "ok");
		assert_true(json_equal(at(a, "project_storage", NULL),
				       at(b, "project_storage", NULL)));
		assert_true(json_equal(at(a, "disk", NULL), at(b, "disk",
							       NULL)));
		json_decref(a);
		json_decref(b);
	}
}

/* The body as text is the body store_capacity_get gives, and its days
 * are the same whether the series holds the fitted window (its rows feed
 * the fit) or not (the fit reads them). */
static void
test_capacity_text(void **state)
{
	struct fixture *f = *state;
	/* 0: the last 30 days, the window; then one that misses its first
	 * second (the fit reads the samples itself) */
	int64_t since[2] = { 0, NOW - HOUR - 30 * 86400 + 2 };
	struct strbuf sb;
	struct hk_err err;
	json_t *o, *t;

	ten_days(f);
	strbuf_init(&sb, 0);
	for (int i = 0; i < 2; i++) {
		o = capacity(f, &f->admin, "g1", since[i], 0, NOW - HOUR);
		strbuf_reset(&sb);
		assert_int_equal(store_capacity_text(f->db, &f->admin, "g1",
			since[i], 0, NOW - HOUR, &limits, &sb, &err), 0);
		t = json_loads(strbuf_str(&sb), 0, NULL);
		assert_non_null(t);
		assert_true(json_equal(at(o, "series", NULL),
				       at(t, "series", NULL)));
		assert_int_equal(json_array_size(at(t, "series", "points")),
				 48);
		assert_true(json_number_value(at(t, "disk", "days_to_full")) ==
			    10.0);
		assert_true(json_number_value(at(o, "disk", "days_to_full")) ==
			    10.0);
		assert_true(json_number_value(at(t, "project_storage",
						 "days_to_limit")) == 10.0);
		assert_true(json_number_value(at(t, "disk", "percent")) ==
			    json_real_value(at(o, "disk", "percent")));
		assert_string_equal(json_string_value(at(t, "guest", NULL)),
				    "g1");
		json_decref(o);
		json_decref(t);
	}
	/* a ceiling too low for the series: too large, nothing half sent */
	strbuf_free(&sb);
	strbuf_init(&sb, 600);
	assert_int_equal(store_capacity_text(f->db, &f->admin, "g1", 0, 0,
		NOW - HOUR, &limits, &sb, &err), -1);
	assert_int_equal(err.code, HK_ETOOBIG);
	strbuf_free(&sb);
}

static int
numbers_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	(void)err;
	return db_row_numbers(row, ctx);
}

/* A row as JSON numbers on both backends: integers as they are, reals
 * with their '.', anything that is no JSON number as null. */
static void
test_series_numbers(void **state)
{
	struct fixture *f = *state;
	struct strbuf sb;
	struct hk_err err;
	json_t *v;

	(void)f;
	strbuf_init(&sb, 0);
	assert_int_equal(db_query(f->db, "SELECT 1, -9007199254740993, CAST(1 "
		"AS DOUBLE PRECISION), CAST(0.25 AS DOUBLE PRECISION), NULL, "
		"'NaN', 'Infinity', '1e5', '01', '1.', '-', 'x'", NULL, 0,
		numbers_row, &sb, NULL, &err), 0);
	assert_string_equal(strbuf_str(&sb), "[1,-9007199254740993,1.0,0.25,"
			    "null,null,null,1e5,null,null,null,null]");
	v = json_loads(strbuf_str(&sb), 0, NULL);
	assert_non_null(v);
	assert_true(json_is_real(json_array_get(v, 2)));
	json_decref(v);
	strbuf_free(&sb);
}

/* An owner of another project: 404 exactly as for no guest at all. */
static void
test_capacity_scoped(void **state)
{
	struct fixture *f = *state;
	struct hk_actor owner = { .project_id = 0 };
	struct hk_err err, missing;
	json_t *o = NULL;
	int64_t lab;

	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	assert_int_equal(store_project_id(f->db, "other", &owner.project_id,
					  &err), 0);
	assert_int_equal(store_capacity_get(f->db, &owner, "g1", 0, 0, NOW,
					    &limits, &o, &err), -1);
	assert_null(o);
	assert_int_equal(store_capacity_get(f->db, &owner, "nosuch", 0, 0,
					    NOW, &limits, &o, &missing), -1);
	assert_int_equal(err.code, HK_ENOTFOUND);
	assert_int_equal(missing.code, HK_ENOTFOUND);
	assert_int_equal(err.reason, missing.reason);
	assert_string_equal(err.field, missing.field);
	assert_int_equal(store_project_id(f->db, "lab", &lab, &err), 0);
	owner.project_id = lab;
	o = capacity(f, &owner, "g1", 0, 0, NOW);
	assert_string_equal(json_string_value(at(o, "guest", NULL)), "g1");
	json_decref(o);
}

/* Open or all, newest first, an owner's project only. */
static void
test_warnings_list(void **state)
{
	struct fixture *f = *state;
	struct guest_in g2 = { "g2", "other", "10.0.0.2", "root",
			       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			       NULL, NULL };
	struct fig full = { 99 * GB, GB, 0, -1, 0 };
	struct fig fine = { GB, 99 * GB, 500, -1, 0 };
	struct hk_actor owner = { .project_id = 0 };
	struct hk_err err;
	json_t *obj = NULL, *l;

	assert_int_equal(store_project_add(f->db, &f->admin, "other", NULL,
					   &err), 0);
	assert_int_equal(store_guest_add(f->db, &f->admin, &g2, &obj, &err), 0);
	json_decref(obj);
	report(f, 1, NOW, &full);
	json_decref(eval(f, 1, NOW));		/* g1 disk_used */
	report(f, 2, NOW + 10, &full);
	json_decref(eval(f, 2, NOW + 10));	/* g2 disk_used */
	report(f, 1, NOW + 20, &fine);
	json_decref(eval(f, 1, NOW + 20));	/* g1: ends; queue raised */
	assert_int_equal(store_warnings_list(f->db, &f->admin, 0, &l, &err), 0);
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
		0), "kind")), "queue_deferred");
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
		1), "guest")), "g2");
	assert_true(json_is_null(json_object_get(json_array_get(l, 0),
						 "ended_at")));
	assert_true(json_real_value(json_object_get(json_array_get(l, 0),
						    "value")) == 500.0);
	assert_true(json_real_value(json_object_get(json_array_get(l, 0),
						    "threshold")) == 100.0);
	json_decref(l);
	assert_int_equal(store_warnings_list(f->db, &f->admin, 1, &l, &err), 0);
	assert_int_equal(json_array_size(l), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l,
		2), "ended_at")), NOW + 20);
	json_decref(l);
	assert_int_equal(store_project_id(f->db, "other", &owner.project_id,
					  &err), 0);
	assert_int_equal(store_warnings_list(f->db, &owner, 1, &l, &err), 0);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
		0), "project")), "other");
	json_decref(l);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, fixture_setup, \
						fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_disk_used), T(test_queue), T(test_disk_days),
		T(test_mailbox_quota), T(test_project_days),
		T(test_project_days_race),
		T(test_capacity_empty), T(test_capacity_figures),
		T(test_capacity_series), T(test_capacity_average),
		T(test_capacity_not_growing), T(test_capacity_lines_own),
		T(test_capacity_text), T(test_series_numbers),
		T(test_capacity_scoped), T(test_warnings_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
