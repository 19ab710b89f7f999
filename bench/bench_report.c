/* SPDX-License-Identifier: ISC */
/*
 * bench_report.c - how long storing one guest's report of 100,000
 * mailboxes takes (store_report_save, goal <= 1 s), and what it does to
 * the API's reads meanwhile (goal p99 <= 10 ms).  bench/report_store.sh
 * runs it once per backend; it is not a test and never fails on a slow
 * figure.
 *
 * It seeds a fresh database (the guest's -n mailboxes in domains of
 * 1,000, and another guest's domain beside them, so that the guest's
 * own are picked out of more) with plain SQL - seeding is not measured -
 * then:
 *   - parses the report as pushd will (json_loads + report_from_json),
 *     for the record;
 *   - reads alone: a reader on a second connection, each read a page of
 *     100 mailboxes through store_mailbox_list or the same page joined
 *     to its usage (the list's next shape), READ_GAP_US apart, quiet;
 *   - the stores, the reader going on all the while: the first (every
 *     usage row new), -r with every mailbox's usage changed, -r with 5 %
 *     changed; each timed beside the yardstick measured just before it,
 *     one SELECT of every row the store touches (the guest's mailboxes
 *     and their domains) on the same connection, and with the CPU time
 *     it took (this thread's, plus PostgreSQL's server process's, from
 *     /proc: on a shared machine wall time is that times the wait for a
 *     core);
 *   - the reads' p99 during the stores, against the goal and the quiet
 *     p99.
 */
#include "bench_util.h"
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "store.h"
#include "store_report.h"

#define SMALL		1000		/* mailboxes per domain */
#define MAX_READS	200000
/* Between two reads: a busy panel's pace (some 300 a second), not a
 * loop that would take a core from the store it is measured beside. */
#define READ_GAP_US	2000
#define HASH	"{SHA512-CRYPT}$6$benchsaltbench$" \
	"8Yq0eJ1k2mUu8bO8yK3o1b8dQdHn6lGxv3a1XcW1Wg1qf0v2Zr5tq4M9bq2Xl8Jk" \
	"Fh0m3Gx7Yq2Wc8ZbT1dVf0."

struct opts {
	const char *url;
	long n, runs, quiet;
	double goal_ms, goal_p99_ms;
};

static double
pct(double *v, long n, int p)
{
	long i = n * p / 100;

	qsort(v, (size_t)n, sizeof(v[0]), bench_by_double);
	return n ? v[i < n ? i : n - 1] : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_report [-n MAILBOXES] [-r RUNS] "
		"[-q QUIET_READS] DATABASE_URL\n");
	exit(2);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ NULL, 100000, 5, 2000, 1000, 10 };
	while ((c = getopt(argc, argv, "n:r:q:")) != -1) {
		switch (c) {
		case 'n': o->n = bench_num_arg(optarg, SMALL, REPORT_MAX_MAILBOXES, usage);
			break;
		case 'r': o->runs = bench_num_arg(optarg, 1, 100, usage); break;
		case 'q': o->quiet = bench_num_arg(optarg, 100, MAX_READS, usage); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o->url = argv[optind];
}

/* --- the seed --- */

#define SEED_SQL \
	"INSERT INTO mailbox (domain_id, local_part, password_hash, name, " \
	"quota_bytes, active, created_at, updated_at) " \
	"WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL " \
	"SELECT i + 1 FROM n WHERE i + 1 < $2) " \
	"SELECT CAST($1 AS BIGINT), 'user' || CAST((i * 7919) % $2 AS TEXT)," \
	" CAST($3 AS TEXT), '', 1073741824, 1, 0, 0 FROM n"

static void
add_domain(struct db *db, const struct hk_actor *admin, const char *name,
	   const char *guest, long mailboxes)
{
	struct db_param p[3] = { DB_INTV(0), DB_INTV(mailboxes), DB_TXT(HASH) };
	struct db_param q[1] = { DB_TXT(name) };
	struct hk_err err;
	json_t *obj = NULL;

	if (store_domain_add(db, admin, name, guest, &obj, &err) < 0)
		bench_die(name, &err);
	json_decref(obj);
	if (db_query_int(db, "SELECT id FROM domain WHERE name = $1", q, 1,
			 &p[0].num, &err) < 0 ||
	    db_exec(db, SEED_SQL, p, 3, NULL, &err) < 0)
		bench_die(name, &err);
}

/* Guest g1 (id 1) with o->n mailboxes in d00000.example..., guest g2
 * with one domain of SMALL. */
static void
seed(struct db *db, const struct opts *o, struct hk_actor *owner)
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
	g.name = "g2";
	if (store_guest_add(db, &admin, &g, &obj, &err) < 0)
		bench_die("guest g2", &err);
	json_decref(obj);
	for (long i = 0; i * SMALL < o->n; i++) {
		snprintf(name, sizeof(name), "d%05ld.example", i);
		add_domain(db, &admin, name, "g1", o->n - i * SMALL < SMALL ?
			   o->n - i * SMALL : SMALL);
	}
	add_domain(db, &admin, "other.example", "g2", SMALL);
	if (db_exec(db, strcmp(db_backend_name(db), "sqlite") == 0 ?
		    "ANALYZE" : "VACUUM ANALYZE", NULL, 0, NULL, &err) < 0)
		bench_die("analyze", &err);
}

/* --- the report --- */

struct collect {
	struct guest_report *r;
	size_t cap;
};

static int
take_address(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct collect *c = ctx;
	struct report_mailbox *m;

	(void)err;
	if (c->r->n_mailboxes == c->cap)
		return hk_fail(err, HK_EINTERNAL, NULL, "more than asked");
	m = &c->r->mailboxes[c->r->n_mailboxes++];
	if ((m->address = strdup(row->vals[0])) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	return 0;
}

#define GUEST_ROWS "SELECT m.local_part || '@' || d.name FROM mailbox m " \
	"JOIN domain d ON d.id = m.domain_id WHERE d.guest_id = 1"

static int
count_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	(void)row;
	(void)err;
	++*(size_t *)ctx;
	return 0;
}

/* The yardstick: every row the store touches (the guest's mailboxes and
 * their domains) read once, in one SELECT, on the same connection. */
static double
yardstick(struct db *db, size_t n)
{
	struct hk_err err;
	size_t got = 0;
	double t0 = bench_now_ms();

	if (db_query(db, GUEST_ROWS, NULL, 0, count_row, &got, NULL,
		     &err) < 0)
		bench_die("the yardstick", &err);
	if (got != n) {
		fprintf(stderr, "bench_report: the yardstick read %zu rows, "
			"not %zu\n", got, n);
		exit(1);
	}
	return bench_now_ms() - t0;
}

/* Every mailbox of g1, as doveadm would list them. */
static void
make_report(struct db *db, const struct opts *o, struct guest_report *r)
{
	struct collect c = { r, (size_t)o->n };
	struct hk_err err;

	memset(r, 0, sizeof(*r));
	if ((r->mailboxes = calloc(c.cap, sizeof(*r->mailboxes))) == NULL)
		exit(1);
	if (db_query(db, GUEST_ROWS, NULL, 0, take_address, &c, NULL,
		     &err) < 0)
		bench_die("the guest's mailboxes", &err);
	if (r->n_mailboxes != (size_t)o->n) {
		fprintf(stderr, "bench_report: %zu mailboxes, not %ld\n",
			r->n_mailboxes, o->n);
		exit(1);
	}
	snprintf(r->postfix_version, sizeof(r->postfix_version), "3.7.11");
	snprintf(r->dovecot_version, sizeof(r->dovecot_version), "2.3.19.1");
	r->fs_bytes_total = (int64_t)1 << 50;
	r->fs_inodes_total = 1 << 30;
	r->q_oldest_deferred_s = -1;
}

/* Run k's figures: `share` percent of the mailboxes (all: 100) report
 * new usage, the others what they reported before. */
static void
vary(struct guest_report *r, long k, int share)
{
	r->mailbox_bytes = r->mailbox_messages = 0;
	for (size_t i = 0; i < r->n_mailboxes; i++) {
		struct report_mailbox *m = &r->mailboxes[i];

		if ((long)((i * 7919 + (size_t)k * 31) % 100) < share) {
			m->used_bytes = (int64_t)((i * 7919 + (size_t)k *
						   104729) % 1000000007);
			m->messages = (int64_t)((i + (size_t)k) % 5000);
		}
		r->mailbox_bytes += m->used_bytes;
		r->mailbox_messages += m->messages;
	}
	r->fs_bytes_used = r->mailbox_bytes;
	r->fs_bytes_free = r->fs_bytes_total - r->fs_bytes_used;
	r->fs_inodes_used = (int64_t)r->n_mailboxes * 10;
	r->fs_inodes_free = r->fs_inodes_total - r->fs_inodes_used;
	r->q_deferred = k;
	r->load[0] = 0.1 * (double)k;
}

/* The report as the agent's JSON, parsed as pushd will: ms it took. */
static double
time_parse(const struct guest_report *r)
{
	json_t *doc = json_pack("{s:I,s:I,s:[f,f,f],s:{s:s,s:s},s:{s:s,s:I,"
				"s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I,s:n},"
				"s:[]}", "at", (json_int_t)1, "uptime_s",
				(json_int_t)1, "load", 0.1, 0.2, 0.3,
				"versions", "postfix", "3.7.11", "dovecot",
				"2.3.19.1", "fs", "root", "/var/mail/vhosts",
				"bytes_total", r->fs_bytes_total, "bytes_used",
				r->fs_bytes_used, "bytes_free", r->fs_bytes_free,
				"inodes_total", r->fs_inodes_total,
				"inodes_used", r->fs_inodes_used,
				"inodes_free", r->fs_inodes_free, "queue",
				"active", 0, "deferred", 0, "hold", 0,
				"incoming", 0, "oldest_deferred_s", "mailboxes");
	json_t *list = json_object_get(doc, "mailboxes"), *back;
	struct guest_report parsed;
	struct hk_err err;
	char *text;
	double t0, ms;

	for (size_t i = 0; i < r->n_mailboxes; i++)
		json_array_append_new(list, json_pack("[sII]",
			r->mailboxes[i].address, r->mailboxes[i].used_bytes,
			r->mailboxes[i].messages));
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	t0 = bench_now_ms();
	if ((back = json_loads(text, 0, NULL)) == NULL ||
	    report_from_json(back, &parsed, &err) < 0)
		bench_die("parsing the report", &err);
	ms = bench_now_ms() - t0;
	printf("  parse   %zu bytes of JSON, %zu mailboxes: %.1f ms "
	       "(json_loads + report_from_json, pushd's share)\n",
	       strlen(text), parsed.n_mailboxes, ms);
	json_decref(back);
	report_free(&parsed);
	free(text);
	return ms;
}

/* --- the reader, on a connection of its own --- */

struct reader {
	const struct opts *o;
	const struct hk_actor *owner;
	struct db *db;
	long domains;
	atomic_int stop;
	double *lat;
	long n, max;
};

#define USAGE_PAGE "SELECT m.local_part, m.quota_bytes, u.used_bytes, " \
	"u.messages, u.at FROM mailbox m LEFT JOIN mailbox_usage u ON " \
	"u.mailbox_id = m.id WHERE m.domain_id = $1 AND m.local_part > $2 " \
	"ORDER BY m.local_part LIMIT 101"

/* One read, alternately the store's page and the page with usage. */
static double
one_read(struct reader *rd, unsigned long x)
{
	char dom[64], after[32];
	struct page_in page = { dom, after, 100, NULL, -1, 0 };
	char next[PAGE_CURSOR_MAX + 1];
	struct db_param p[2];
	struct hk_err err;
	json_t *items = NULL;
	double t0;

	snprintf(dom, sizeof(dom), "d%05lu.example",
		 (x >> 8) % (unsigned long)rd->domains);
	snprintf(after, sizeof(after), "user%lu", (x >> 20) % 800);
	t0 = bench_now_ms();
	if (x & 1) {
		if (store_mailbox_list(rd->db, rd->owner, &page, &items, next,
				       &err) < 0)
			bench_die("store_mailbox_list", &err);
	} else {
		p[0] = DB_INTV(1 + (int64_t)((x >> 8) %
					     (unsigned long)rd->domains));
		p[1] = DB_TXT(after);
		if (db_query_json(rd->db, USAGE_PAGE, p, 2, &items, &err) < 0)
			bench_die("the page with usage", &err);
	}
	json_decref(items);
	return bench_now_ms() - t0;
}

static void *
reader_run(void *arg)
{
	struct reader *rd = arg;
	unsigned long x = 12345;

	while (!atomic_load(&rd->stop) && rd->n < rd->max) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		rd->lat[rd->n++] = one_read(rd, x);
		usleep(READ_GAP_US);
	}
	return NULL;
}

static void
reads_line(const char *what, double *lat, long n, const struct opts *o,
	   double yard_p99)
{
	double p50, p99, max;

	if (n == 0) {
		printf("  %-7s no reads\n", what);
		return;
	}
	max = pct(lat, n, 100);
	p50 = pct(lat, n, 50);
	p99 = pct(lat, n, 99);
	printf("  %-7s %ld reads: p50 %.3f ms  p99 %.3f ms  max %.1f ms  "
	       "goal p99 <= %.0f ms: %.2fx %s", what, n, p50, p99, max,
	       o->goal_p99_ms, p99 / o->goal_p99_ms,
	       p99 <= o->goal_p99_ms ? "PASS" : "MISS");
	if (yard_p99 > 0)
		printf("  (%.1fx the quiet p99)", p99 / yard_p99);
	printf("\n");
}

/* --- the stores --- */

/* CPU time (ms) of this thread, plus, on PostgreSQL, of the server
 * process serving db (pid; 0: none), from /proc: the machine may be
 * shared, and CPU time is what a store costs whatever else runs. */
static double
cpu_ms(long pid)
{
	struct timespec ts;
	double ms;
	char path[64];
	unsigned long ut = 0, st = 0;
	FILE *f;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	ms = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	if (pid <= 0)
		return ms;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return ms;
	/* fields 14 and 15; the command (2) holds no spaces here */
	if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%lu %lu", &ut, &st) != 2)
		ut = st = 0;
	fclose(f);
	return ms + (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

struct timing {
	double wall, cpu, yard;
};

/* One store of run k (share percent changed), beside the yardstick
 * measured just before it. */
static struct timing
time_store(struct db *db, long pid, struct guest_report *r, long k,
	   int share)
{
	struct timing t;
	struct hk_err err;
	double t0, c0;

	t.yard = yardstick(db, r->n_mailboxes);
	vary(r, k, share);
	c0 = cpu_ms(pid);
	t0 = bench_now_ms();
	if (store_report_save(db, 1, r, 1764680000 + k * 300, &err) < 0)
		bench_die("store_report_save", &err);
	t.wall = bench_now_ms() - t0;
	t.cpu = cpu_ms(pid) - c0;
	return t;
}

/* The median run (by wall time) and the slowest, against the goal and
 * the yardstick of their own run. */
static void
store_lines(const char *what, struct timing *t, long n, const struct opts *o)
{
	struct timing *m, *x = &t[0];
	double w[100];

	for (long i = 0; i < n; i++) {
		w[i] = t[i].wall;
		if (t[i].wall > x->wall)
			x = &t[i];
	}
	qsort(w, (size_t)n, sizeof(w[0]), bench_by_double);
	for (m = t; m->wall != w[n / 2]; m++)
		;
	for (int i = 0; i < (n > 1 ? 2 : 1); i++, m = x)
		printf("  %-13s %-6s %7.1f ms  goal <= %.0f ms: %.2fx %s  "
		       "%.1fx the yardstick (%.1f ms)  cpu %.1f ms\n",
		       i ? "" : what, i ? "max" : n > 1 ? "median" : "",
		       m->wall, o->goal_ms, m->wall / o->goal_ms,
		       m->wall <= o->goal_ms ? "PASS" : "MISS",
		       m->wall / m->yard, m->yard, m->cpu);
}

/* Quiet reads, then the stores with the reader going: the first (every
 * usage row new), -r with every mailbox's usage changed, -r with 5 %
 * changed (a report five minutes after the last). */
static void
run(struct db *db, struct reader *rd, struct guest_report *r)
{
	const struct opts *o = rd->o;
	struct timing first, all[100], some[100];
	struct hk_err err;
	int64_t pid = 0;
	double quiet_p99;
	pthread_t t;

	if (strcmp(db_backend_name(db), "sqlite") != 0 &&
	    db_query_int(db, "SELECT pg_backend_pid()", NULL, 0, &pid,
			 &err) < 0)
		bench_die("pg_backend_pid", &err);
	rd->max = o->quiet;
	reader_run(rd);
	reads_line("quiet", rd->lat, rd->n, o, 0);
	quiet_p99 = pct(rd->lat, rd->n, 99);
	rd->n = 0;
	rd->max = MAX_READS;
	if (pthread_create(&t, NULL, reader_run, rd) != 0)
		exit(1);
	usleep(100000);	/* the reader under way before the first store */
	first = time_store(db, (long)pid, r, 0, 100);
	for (long k = 0; k < o->runs; k++)
		all[k] = time_store(db, (long)pid, r, k + 1, 100);
	for (long k = 0; k < o->runs; k++)
		some[k] = time_store(db, (long)pid, r, o->runs + k + 1, 5);
	atomic_store(&rd->stop, 1);
	pthread_join(t, NULL);
	store_lines("first (new)", &first, 1, o);
	store_lines("all changed", all, o->runs, o);
	store_lines("5% changed", some, o->runs, o);
	reads_line("during", rd->lat, rd->n, o, quiet_p99);
}

/* The last store is what the database holds. */
static void
check_stored(struct db *db, const struct guest_report *r)
{
	struct hk_err err;
	int64_t v[2];

	if (db_query_ints(db, "SELECT COUNT(*), SUM(used_bytes) FROM "
			  "mailbox_usage", NULL, 0, v, 2, &err) < 0)
		bench_die("check", &err);
	if (v[0] != (int64_t)r->n_mailboxes || v[1] != r->mailbox_bytes) {
		fprintf(stderr, "bench_report: %lld usage rows summing %lld; "
			"the report: %zu summing %lld\n", (long long)v[0],
			(long long)v[1], r->n_mailboxes,
			(long long)r->mailbox_bytes);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct hk_actor owner;
	struct hk_err err;
	struct guest_report r;
	struct reader rd = { 0 };
	struct db *db;
	double t0;
	int applied;

	bench_name("bench_report");
	parse_args(argc, argv, &o);
	json_object_seed(0);	/* before any thread */
	if ((db = db_open_init(o.url, &err)) == NULL)
		bench_die(o.url, &err);
	if (db_migrate(db, &applied, &err) < 0)
		bench_die("migrate", &err);
	t0 = bench_now_ms();
	seed(db, &o, &owner);
	printf("%s: %ld mailboxes of guest g1 in %ld domains, and %d of g2, "
	       "seeded in %.1f s\n", db_backend_name(db), o.n,
	       (o.n + SMALL - 1) / SMALL, SMALL, (bench_now_ms() - t0) / 1e3);
	make_report(db, &o, &r);
	vary(&r, 0, 100);
	time_parse(&r);
	rd.o = &o;
	rd.owner = &owner;
	rd.domains = (o.n + SMALL - 1) / SMALL;
	if ((rd.db = db_open(o.url, &err)) == NULL)
		bench_die("the reader's connection", &err);
	if ((rd.lat = calloc(MAX_READS, sizeof(*rd.lat))) == NULL)
		return 1;
	fflush(stdout);
	run(db, &rd, &r);
	check_stored(db, &r);
	free(rd.lat);
	db_close(rd.db);
	report_free(&r);
	db_close(db);
	return 0;
}
