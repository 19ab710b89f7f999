/* SPDX-License-Identifier: ISC */
/*
 * bench_mailboxes.c - how fast the store pages through and looks up
 * mailboxes when there are a million of them.  bench/mailboxes.sh runs it
 * once per backend; it is not a test and never fails on a slow figure.
 *
 * It seeds a fresh database (one domain of -b mailboxes, the rest in
 * domains of 1,000) with plain SQL in one transaction - seeding is not what
 * is measured - then times, through the real store functions, a page of
 * 100 at a cursor in the middle and at the end of the big domain, and a
 * fetch by address.  Each figure is printed against a yardstick measured
 * in the same run: the same lookup as a statement prepared once through
 * the backend's own client library, with no JSON and no scoping.
 */
#include "bench_util.h"
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"

#define SMALL		1000		/* mailboxes per small domain */
#define WARMUP		50
#define MAX_REPS	100000
/* A real {SHA512-CRYPT} hash is this long: rows are as wide as real ones. */
#define HASH	"{SHA512-CRYPT}$6$benchsaltbench$" \
	"8Yq0eJ1k2mUu8bO8yK3o1b8dQdHn6lGxv3a1XcW1Wg1qf0v2Zr5tq4M9bq2Xl8Jk" \
	"Fh0m3Gx7Yq2Wc8ZbT1dVf0."

struct opts {
	const char *url;
	long total, big, reps;
	double goal_ms;		/* > 0: print PASS/MISS against it */
};

/* The bare lookups, prepared once on a connection of their own. */
struct bare {
	sqlite3 *h;
	sqlite3_stmt *list, *get;
	PGconn *pg;
};

#define BARE_LIST "SELECT local_part FROM mailbox WHERE domain_id = $1 " \
	"AND local_part > $2 ORDER BY local_part LIMIT 101"
#define BARE_GET "SELECT 1 FROM mailbox WHERE domain_id = $1 AND " \
	"local_part = $2"

/* Sorts v and reads its median and 99th percentile. */
static void
percentiles(double *v, long n, double *p50, double *p99)
{
	qsort(v, (size_t)n, sizeof(v[0]), bench_by_double);
	*p50 = v[n / 2];
	*p99 = v[(n * 99) / 100];
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_mailboxes [-n TOTAL] [-b BIG] "
		"[-r REPS] [-g GOAL_MS] DATABASE_URL\n");
	exit(2);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ NULL, 1000000, 500000, 1000, 0 };
	while ((c = getopt(argc, argv, "n:b:r:g:")) != -1) {
		switch (c) {
		case 'n': o->total = bench_num_arg(optarg, 1, 100000000, usage); break;
		case 'b': o->big = bench_num_arg(optarg, 200, 100000000, usage); break;
		case 'r': o->reps = bench_num_arg(optarg, 10, MAX_REPS, usage); break;
		case 'g': o->goal_ms = (double)bench_num_arg(optarg, 1, 100000, usage); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || o->big > o->total)
		usage();
	o->url = argv[optind];
}

/* Domain i: "big.example" first, then "d00001.example"... */
static void
domain_name(long i, char *out, size_t len)
{
	if (i == 0)
		snprintf(out, len, "big.example");
	else
		snprintf(out, len, "d%05ld.example", i);
}

static long
domain_size(const struct opts *o, long i)
{
	long rest = o->total - o->big - (i - 1) * SMALL;

	return i == 0 ? o->big : rest < SMALL ? rest : SMALL;
}

static long
domain_count(const struct opts *o)
{
	return 1 + (o->total - o->big + SMALL - 1) / SMALL;
}

static int64_t
domain_id(struct db *db, long i)
{
	char name[64];
	struct db_param p[1] = { DB_TXT(name) };
	struct hk_err err;
	int64_t id;

	domain_name(i, name, sizeof(name));
	if (db_query_int(db, "SELECT id FROM domain WHERE name = $1", p, 1,
			 &id, &err) < 0)
		bench_die(name, &err);
	return id;
}

/* The project, its guest and the domains, through the store. */
static void
seed_model(struct db *db, const struct opts *o, struct hk_actor *owner)
{
	struct guest_in g = { "g1", "bench", "10.0.0.1", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct hk_actor admin = { .is_admin = 1, .login = "bench",
				  .via = "cli" };
	struct hk_err err;
	json_t *obj = NULL;
	char name[64];

	*owner = (struct hk_actor){ .login = "owner", .via = "api" };
	if (store_project_add(db, &admin, "bench", NULL, &err) < 0 ||
	    store_project_id(db, "bench", &owner->project_id, &err) < 0 ||
	    store_guest_add(db, &admin, &g, &obj, &err) < 0)
		bench_die("project and guest", &err);
	json_decref(obj);
	for (long i = 0; i < domain_count(o); i++) {
		domain_name(i, name, sizeof(name));
		obj = NULL;
		if (store_domain_add(db, &admin, name, "g1", &obj, &err) < 0)
			bench_die(name, &err);
		json_decref(obj);
	}
}

/*
 * Each domain's mailboxes in one statement both backends accept: a
 * recursive counter, local parts "user" || k with k = i * 7919 mod n (a
 * permutation while 7919, a prime, does not divide n) so that they arrive
 * out of order as real ones do, every tenth inactive.
 */
#define SEED_SQL \
	"INSERT INTO mailbox (domain_id, local_part, password_hash, name, " \
	"quota_bytes, active, created_at, updated_at) " \
	"WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL " \
	"SELECT i + 1 FROM n WHERE i + 1 < $2) " \
	"SELECT CAST($1 AS BIGINT), 'user' || CAST((i * 7919) % $2 AS TEXT)," \
	" CAST($3 AS TEXT), '', 0, CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, " \
	"0, 0 FROM n"

static void
seed_mailboxes(struct db *db, const struct opts *o)
{
	struct hk_err err;

	if (db_begin(db, 1, &err) < 0)
		bench_die("begin", &err);
	for (long i = 0; i < domain_count(o); i++) {
		struct db_param p[3] = { DB_INTV(domain_id(db, i)),
					 DB_INTV(domain_size(o, i)),
					 DB_TXT(HASH) };

		if (db_exec(db, SEED_SQL, p, 3, NULL, &err) < 0)
			bench_die("seeding", &err);
	}
	if (db_commit(db, &err) < 0)
		bench_die("commit", &err);
	/* What autovacuum or a periodic ANALYZE gives a live database. */
	if (db_exec(db, strcmp(db_backend_name(db), "sqlite") == 0 ?
		    "ANALYZE" : "VACUUM ANALYZE", NULL, 0, NULL, &err) < 0)
		bench_die("analyze", &err);
}

struct first_text {
	char *out;
	size_t len;
};

static int
take_text(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct first_text *ft = ctx;

	(void)err;
	snprintf(ft->out, ft->len, "%s", row->vals[0] ? row->vals[0] : "");
	return 0;
}

/* The local part at rank `rank` of the domain (setup only: OFFSET). */
static void
local_at(struct db *db, int64_t dom, long rank, char *out, size_t len)
{
	struct db_param p[2] = { DB_INTV(dom), DB_INTV(rank) };
	struct first_text ft = { out, len };
	struct hk_err err;

	out[0] = '\0';
	if (db_query(db, "SELECT local_part FROM mailbox WHERE domain_id = $1"
		     " ORDER BY local_part LIMIT 1 OFFSET $2", p, 2, take_text,
		     &ft, NULL, &err) < 0)
		bench_die("cursor", &err);
	if (out[0] == '\0') {
		fprintf(stderr, "bench_mailboxes: no row at rank %ld\n", rank);
		exit(1);
	}
}

static void
die_bare(const struct bare *b, const char *what)
{
	fprintf(stderr, "bench_mailboxes: bare %s: %s\n", what,
		b->pg ? PQerrorMessage(b->pg) : sqlite3_errmsg(b->h));
	exit(1);
}

static void
bare_prepare_pg(struct bare *b, const char *name, const char *sql)
{
	PGresult *r = PQprepare(b->pg, name, sql, 2, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die_bare(b, name);
	PQclear(r);
}

static void
bare_open(struct bare *b, const char *url)
{
	memset(b, 0, sizeof(*b));
	if (strncmp(url, "sqlite:", 7) == 0) {
		if (sqlite3_open_v2(url + 7, &b->h, SQLITE_OPEN_READONLY,
				    NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(b->h, BARE_LIST, -1, &b->list,
				       NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(b->h, BARE_GET, -1, &b->get,
				       NULL) != SQLITE_OK)
			die_bare(b, "open");
		return;
	}
	b->pg = PQconnectdb(url);
	if (PQstatus(b->pg) != CONNECTION_OK)
		die_bare(b, "connect");
	bare_prepare_pg(b, "list", BARE_LIST);
	bare_prepare_pg(b, "get", BARE_GET);
}

static void
bare_close(struct bare *b)
{
	sqlite3_finalize(b->list);
	sqlite3_finalize(b->get);
	sqlite3_close(b->h);
	PQfinish(b->pg);
}

static long
bare_run_sqlite(struct bare *b, sqlite3_stmt *st, int64_t dom,
		const char *text)
{
	long n = 0;
	int rc;

	if (sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, "$1"),
			       dom) != SQLITE_OK ||
	    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "$2"),
			      text, -1, SQLITE_STATIC) != SQLITE_OK)
		die_bare(b, "bind");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n += sqlite3_column_text(st, 0) != NULL;
	if (rc != SQLITE_DONE || sqlite3_reset(st) != SQLITE_OK)
		die_bare(b, "step");
	return n;
}

/* Runs the bare list or get; returns the number of rows. */
static long
bare_run(struct bare *b, int list, int64_t dom, const char *text)
{
	char id[24];
	const char *vals[2] = { id, text };
	PGresult *r;
	long n = 0;

	if (b->pg == NULL)
		return bare_run_sqlite(b, list ? b->list : b->get, dom, text);
	snprintf(id, sizeof(id), "%" PRId64, dom);
	r = PQexecPrepared(b->pg, list ? "list" : "get", 2, vals, NULL, NULL,
			   0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		die_bare(b, "query");
	for (int i = 0; i < PQntuples(r); i++)
		n += PQgetvalue(r, i, 0) != NULL;
	PQclear(r);
	return n;
}

/* Times reps pages of 100 after `after`, each beside the bare query;
 * checks that both saw the rows they should. */
static void
time_list(struct db *db, const struct hk_actor *owner, struct bare *b,
	  int64_t dom, const char *after, long want_next, long reps,
	  double *st, double *bt)
{
	struct page_in page = { "big.example", after, 100, NULL, -1, 0 };
	char next[PAGE_CURSOR_MAX + 1];
	struct hk_err err;

	for (long i = -WARMUP; i < reps; i++) {
		json_t *items = NULL;
		double t0 = bench_now_ms(), t1, t2;
		long n;

		if (store_mailbox_list(db, owner, &page, &items, next,
				       &err) < 0)
			bench_die("store_mailbox_list", &err);
		t1 = bench_now_ms();
		n = bare_run(b, 1, dom, after);
		t2 = bench_now_ms();
		if (json_array_size(items) != 100 || n != 100 + want_next ||
		    (next[0] != '\0') != want_next) {
			fprintf(stderr, "bench_mailboxes: page after %s: %zu "
				"items, bare %ld rows\n", after,
				json_array_size(items), n);
			exit(1);
		}
		json_decref(items);
		if (i >= 0) {
			st[i] = t1 - t0;
			bt[i] = t2 - t1;
		}
	}
}

/* Times reps fetches by address, half in the big domain, half spread over
 * the small ones (a fixed pseudo-random walk: every run asks the same). */
static void
time_get(struct db *db, const struct opts *o, const struct hk_actor *owner,
	 struct bare *b, double *st, double *bt)
{
	unsigned long x = 12345;
	struct hk_err err;

	for (long i = -WARMUP; i < o->reps; i++) {
		char dom[64], local[32];
		long d = (i & 1) ? 0 : 1 + (long)(x % (unsigned long)
						  (domain_count(o) - 1));
		json_t *obj = NULL;
		int64_t id = domain_id(db, d);
		double t0, t1, t2;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		domain_name(d, dom, sizeof(dom));
		snprintf(local, sizeof(local), "user%lu",
			 (x >> 16) % (unsigned long)domain_size(o, d));
		t0 = bench_now_ms();
		if (store_mailbox_get(db, owner, local, dom, &obj, &err) < 0)
			bench_die(local, &err);
		t1 = bench_now_ms();
		if (bare_run(b, 0, id, local) != 1)
			die_bare(b, local);
		t2 = bench_now_ms();
		json_decref(obj);
		if (i >= 0) {
			st[i] = t1 - t0;
			bt[i] = t2 - t1;
		}
	}
}

static void
report(const char *backend, const char *what, double *st, double *bt,
       long n, double goal_ms)
{
	double s50, s99, b50, b99;

	percentiles(st, n, &s50, &s99);
	percentiles(bt, n, &b50, &b99);
	printf("%s %-12s p50 %.3f ms  p99 %.3f ms  (%.1fx / %.1fx the bare "
	       "query: p50 %.3f ms, p99 %.3f ms)", backend, what, s50, s99,
	       s50 / b50, s99 / b99, b50, b99);
	if (goal_ms > 0)
		printf("  goal p99 <= %.0f ms: %s", goal_ms,
		       s99 <= goal_ms ? "PASS" : "MISS");
	printf("\n");
}

static void
run(struct db *db, const struct opts *o, const struct hk_actor *owner,
    double *st, double *bt)
{
	const char *be = db_backend_name(db);
	char mid[PAGE_CURSOR_MAX + 1], end[PAGE_CURSOR_MAX + 1];
	int64_t big = domain_id(db, 0);
	struct bare b;

	/* The middle of the big domain, and the last full page of it. */
	local_at(db, big, o->big / 2, mid, sizeof(mid));
	local_at(db, big, o->big - 101, end, sizeof(end));
	bare_open(&b, o->url);
	time_list(db, owner, &b, big, mid, 1, o->reps, st, bt);
	report(be, "list100-mid", st, bt, o->reps, o->goal_ms);
	time_list(db, owner, &b, big, end, 0, o->reps, st, bt);
	report(be, "list100-end", st, bt, o->reps, o->goal_ms);
	time_get(db, o, owner, &b, st, bt);
	report(be, "get", st, bt, o->reps, o->goal_ms);
	bare_close(&b);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct hk_actor owner;
	struct hk_err err;
	struct db *db;
	double t0, *st, *bt;
	int applied;

	bench_name("bench_mailboxes");
	parse_args(argc, argv, &o);
	/* Small domains hold fewer than 7919: only the big one can clash. */
	if (o.big % 7919 == 0) {
		fprintf(stderr, "bench_mailboxes: -b must not be a multiple "
			"of 7919\n");
		return 2;
	}
	if ((db = db_open_init(o.url, &err)) == NULL)
		bench_die(o.url, &err);
	if (db_migrate(db, &applied, &err) < 0)
		bench_die("migrate", &err);
	t0 = bench_now_ms();
	seed_model(db, &o, &owner);
	seed_mailboxes(db, &o);
	printf("%s seeded %ld mailboxes (%ld in big.example, the rest in %ld "
	       "domains of up to %d) in %.1f s\n", db_backend_name(db),
	       o.total, o.big, domain_count(&o) - 1, SMALL,
	       (bench_now_ms() - t0) / 1e3);
	fflush(stdout);
	if ((st = calloc((size_t)o.reps, sizeof(*st))) == NULL ||
	    (bt = calloc((size_t)o.reps, sizeof(*bt))) == NULL) {
		perror("calloc");
		return 1;
	}
	run(db, &o, &owner, st, bt);
	free(st);
	free(bt);
	db_close(db);
	return 0;
}
