/* SPDX-License-Identifier: ISC */
/*
 * bench_capacity.c - how fast the panel answers a guest's capacity
 * (issue 16: GET /guests/{guest}/capacity, goal p99 <= 20 ms with 400
 * days of hourly samples): store_capacity_text() - the body as the API
 * sends it, JSON text - called many times on a
 * guest with 400 days of hourly samples (9,600 rows) and 48 hours of
 * 5-minute ones (576), among -g guests as large (so that finding one
 * guest's rows is a real index walk, not the whole table), beside the
 * yardstick measured in the same run: store_guest_get() of the same
 * guest, the cheapest read through the same store and connection.
 *
 * Before timing it shows that the series is read through its primary key
 * (guest_id, step, at): each backend's plan of the store's reads (after
 * ANALYZE), each guest in a project of its own as most are.
 * bench/capacity.sh runs it on each backend; a benchmark, not a test: a
 * MISS still exits 0.
 */
#include "bench_util.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "store.h"
#include "store_report.h"

#define HOURS		(400 * 24)
#define FIVES		(48 * 12)
#define GOAL_MS		20.0

/* One guest's series and report, in plain SQL both backends accept. */
static void
seed_guest(struct db *db, int64_t gid, int64_t now)
{
	/* hourly rows end where the 5-minute ones begin, 48 hours ago */
	struct db_param p[3] = { DB_INTV(gid), DB_INTV(now - now % 3600 -
			(int64_t)(HOURS + 48) * 3600),
				 DB_INTV(now - (int64_t)FIVES * 300) };
	struct hk_err err;

	/* hourly: growing 1 GB a day from 100 GB, with a daily swing */
	if (db_exec(db, "INSERT INTO guest_sample (guest_id, step, at, "
		    "fs_bytes_total, fs_bytes_used, fs_inodes_total, "
		    "fs_inodes_used, q_active, q_deferred, q_hold, "
		    "q_oldest_deferred_s, mailboxes, mailbox_bytes, load1) "
		    "WITH RECURSIVE h(i) AS (SELECT CAST(0 AS BIGINT) UNION "
		    "ALL SELECT i + 1 FROM h WHERE i < 9599) SELECT $1, 3600, $2 + i * 3600, "
		    "2000000000000, 100000000000 + i * 41666666 + (i % 24) * "
		    "10000000, 100000000, 1000000 + i, i % 5, i % 50, 0, NULL, "
		    "1000, 90000000000 + i * 41666666, 0.25 FROM h", p, 2,
		    NULL, &err) < 0 ||
	    db_exec(db, "INSERT INTO guest_sample (guest_id, step, at, "
		    "fs_bytes_total, fs_bytes_used, fs_inodes_total, "
		    "fs_inodes_used, q_active, q_deferred, q_hold, "
		    "q_oldest_deferred_s, mailboxes, mailbox_bytes, load1) "
		    "WITH RECURSIVE h(i) AS (SELECT CAST(0 AS BIGINT) UNION "
		    "ALL SELECT i + 1 FROM h WHERE i < 575) SELECT $1, 0, $2 + i * 300, "
		    "2000000000000, 500000000000 + i * 347222, 100000000, "
		    "1010000 + i, 1, 3, 0, 120, 1000, 490000000000 + i * "
		    "347222, 0.5 FROM h", (struct db_param[]){ p[0], p[2] },
		    2, NULL, &err) < 0 ||
	    db_exec(db, "INSERT INTO guest_report (guest_id, at, guest_at, "
		    "uptime_s, load1, load5, load15, postfix_version, "
		    "dovecot_version, fs_bytes_total, fs_bytes_used, "
		    "fs_bytes_free, fs_inodes_total, fs_inodes_used, "
		    "fs_inodes_free, q_active, q_deferred, q_hold, q_incoming,"
		    " q_oldest_deferred_s, mailboxes, mailbox_bytes, "
		    "mailbox_messages) VALUES ($1, $2, $2, 86400, 0.5, 0.4, "
		    "0.3, '3.7.11', '2.3.19.1', 2000000000000, 500200000000, "
		    "1400000000000, 100000000, 1010575, 98989425, 1, 3, 0, 0, "
		    "120, 1000, 490200000000, 12345678)", (struct db_param[]){
		    p[0], DB_INTV(now) }, 2, NULL, &err) < 0)
		bench_die("seed", &err);
}

static void
seed(struct db *db, struct hk_actor *admin, int guests, int64_t now)
{
	struct warn_limits l = { 85, 30, 100, 3600, 90 };
	struct hk_err err;
	json_t *obj = NULL;
	char name[32];

	for (int g = 0; g < guests; g++) {
		struct guest_in in = { name, name + 1, "10.0.0.1", "root",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			NULL, NULL };

		/* guest gNNN in project pNNN: one guest's project */
		snprintf(name, sizeof(name), "gp%03d", g);
		if (store_project_add(db, admin, name + 1, NULL, &err) < 0)
			bench_die("project", &err);
		if (store_guest_add(db, admin, &in, &obj, &err) < 0)
			bench_die("guest", &err);
		if (db_begin(db, 1, &err) < 0)
			bench_die("begin", &err);
		seed_guest(db, json_integer_value(json_object_get(obj, "id")),
			   now);
		if (db_commit(db, &err) < 0)
			bench_die("commit", &err);
		json_decref(obj);
		/* a few warnings to show (the queue's oldest is old) */
		if (store_warn_eval(db, g + 1, &l, now, &obj, &err) < 0)
			bench_die("eval", &err);
		json_decref(obj);
	}
}

static int
plan_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	(void)err;
	for (int i = 0; i < row->ncols; i++)
		if (strcmp(row->names[i], "detail") == 0 ||
		    strcmp(row->names[i], "QUERY PLAN") == 0) {
			printf("    %s\n", row->vals[i]);
			if (strstr(row->vals[i], "sqlite_autoindex_guest_sample"
				   ) || strstr(row->vals[i], "guest_sample_pkey"))
				*(int *)ctx = 1;
		}
	return 0;
}

/* The plans of the store's reads of the series (as store_warn.c and
 * store_capacity.c write them). */
static void
show_plans(struct db *db, int pg, int64_t now)
{
	static const char *const reads[] = {
		"SELECT s.guest_id, s.at, s.fs_bytes_used, s.mailbox_bytes "
		"FROM guest g JOIN guest_sample s ON s.guest_id = g.id WHERE "
		"g.project_id = $1 AND g.id <> $1 AND s.step IN (0, 3600) AND "
		"s.at > $2 AND s.at <= $3 ORDER BY s.guest_id, s.at",
		"SELECT at, fs_bytes_used, fs_bytes_total, q_deferred, "
		"mailbox_bytes, load1 FROM guest_sample WHERE guest_id = $1 AND "
		"step IN (0, 3600) AND at >= $2 AND at <= $3 ORDER BY at, step",
		"SELECT at - at % 86400 AS b, CAST(ROUND(AVG(fs_bytes_used)) AS "
		"BIGINT), AVG(load1) FROM guest_sample WHERE guest_id = $1 AND "
		"step IN (0, 3600) AND at >= $2 AND at <= $3 GROUP BY b ORDER "
		"BY b",
	};
	struct db_param p[3] = { DB_INTV(1), DB_INTV(now - 30 * 86400),
				 DB_INTV(now) };
	char sql[512];
	struct hk_err err;

	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		int used = 0;

		snprintf(sql, sizeof(sql), "EXPLAIN %s%s", pg ? "" :
			 "QUERY PLAN ", reads[i]);
		printf("  plan of read %zu:\n", i + 1);
		if (db_query(db, sql, p, 3, plan_row, &used, NULL, &err) < 0)
			bench_die("explain", &err);
		printf("    -> primary key: %s\n", used ? "yes" : "NO");
	}
}

struct timing {
	double p50, p99, max;
	double cpu;		/* this process's CPU time a call, mean */
};

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The points of the series as store_capacity_get() gives them. */
static size_t
points_of(struct db *db, struct hk_actor *admin, int64_t since, int64_t step,
	  int64_t now)
{
	struct hk_err err;
	json_t *out = NULL;
	size_t n;

	if (store_capacity_get(db, admin, "gp000", since, step, now, NULL, &out,
			       &err) < 0)
		bench_die("capacity", &err);
	n = json_array_size(json_object_get(json_object_get(out, "series"),
					    "points"));
	json_decref(out);
	return n;
}

/* Runs the call n times: since/step < 0 is the yardstick.  The capacity
 * is the body as the API sends it (store_capacity_text): the text, not a
 * jansson value still to be written. */
static struct timing
timed(struct db *db, struct hk_actor *admin, int n, int64_t since,
      int64_t step, int64_t now)
{
	double *t = calloc((size_t)n, sizeof(double));
	struct timing r;
	struct hk_err err;
	struct strbuf sb;
	json_t *out = NULL;
	double c0 = cpu_ms();

	strbuf_init(&sb, 0);
	for (int i = 0; i < n; i++) {
		double t0 = bench_now_ms();
		int rc;

		strbuf_reset(&sb);
		rc = step < 0 ? store_guest_get(db, admin, "gp000", &out, &err) :
		     store_capacity_text(db, admin, "gp000", since, step, now,
					 NULL, &sb, &err);
		t[i] = bench_now_ms() - t0;
		if (rc < 0)
			bench_die("call", &err);
		json_decref(out);
		out = NULL;
	}
	strbuf_free(&sb);
	r.cpu = (cpu_ms() - c0) / n;
	qsort(t, (size_t)n, sizeof(double), bench_by_double);
	r.p50 = t[n / 2];
	r.p99 = t[(n * 99) / 100];
	r.max = t[n - 1];
	free(t);
	return r;
}

/* How busy the machine was: a p99 on a shared machine says as much about
 * the others as about this. */
static void
show_load(void)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	printf("  load average %.*s over %ld CPUs\n", (int)strcspn(buf, "\n"),
	       buf, sysconf(_SC_NPROCESSORS_ONLN));
}

int
main(int argc, char **argv)
{
	int guests = argc > 2 ? atoi(argv[2]) : 10, n = 1000, applied;
	int64_t now = (int64_t)time(NULL);
	struct hk_actor admin = { .is_admin = 1 };
	struct timing y, c[4];
	size_t pts[4] = { 0, 0, 0, 0 };
	struct hk_err err;
	struct db *db;
	const char *what[4] = { "last 30 days as stored (since 0, step 0)",
				"last 30 days, hourly (step 3600)",
				"400 days, daily averages (step 86400)",
				"400 days as stored (step 0)" };
	int64_t since[4] = { 0, 0, now - 401 * 86400LL, now - 401 * 86400LL };
	int64_t step[4] = { 0, 3600, 86400, 0 };
	int pg;

	bench_name("bench_capacity");
	if (argc < 2 || guests < 1) {
		fprintf(stderr, "usage: bench_capacity URL [GUESTS]\n");
		return 2;
	}
	snprintf(admin.login, sizeof(admin.login), "bench");
	snprintf(admin.via, sizeof(admin.via), "cli");
	if ((db = db_open_init(argv[1], &err)) == NULL ||
	    db_migrate(db, &applied, &err) < 0)
		bench_die(argv[1], &err);
	pg = strcmp(db_backend_name(db), "sqlite") != 0;
	printf("== %s: %d guests of %d hourly + %d 5-minute samples\n",
	       db_backend_name(db), guests, HOURS, FIVES);
	seed(db, &admin, guests, now);
	if (db_exec(db, "ANALYZE", NULL, 0, NULL, &err) < 0)
		bench_die("analyze", &err);
	show_plans(db, pg, now);
	y = timed(db, &admin, n, -1, -1, now);
	for (int i = 0; i < 4; i++) {
		c[i] = timed(db, &admin, i == 3 ? n / 5 : n, since[i], step[i],
			     now);
		pts[i] = points_of(db, &admin, since[i], step[i], now);
	}
	printf("  yardstick store_guest_get: p50 %.3f ms  p99 %.3f ms  "
	       "(cpu %.3f ms a call)\n", y.p50, y.p99, y.cpu);
	for (int i = 0; i < 4; i++)
		printf("  capacity, %s, %zu points:\n    p50 %.3f ms  p99 %.3f "
		       "ms  max %.3f ms  (cpu %.3f ms a call; p99 %.0fx the "
		       "yardstick's)  goal p99 <= %.0f ms: %s\n", what[i],
		       pts[i], c[i].p50, c[i].p99, c[i].max, c[i].cpu,
		       c[i].p99 / y.p99, GOAL_MS,
		       c[i].p99 <= GOAL_MS ? "ok" : "MISS");
	show_load();
	db_close(db);
	return 0;
}
