/* SPDX-License-Identifier: ISC */
/*
 * bench_render.c - how fast the panel renders a guest's maps (issue 5):
 * one guest of 100,000 mailboxes (goal <= 0.5 s) and a fleet of 1,000,000
 * mailboxes over 100 guests (goal <= 10 s), beside the floor: postmap
 * building the same Postfix maps, timed in the same run.  bench/render.sh
 * runs it once per backend; it is not a test and never fails on a slow
 * figure (a MISS exits 0, non-zero only when it could not run).
 *
 * It seeds a fresh database with plain SQL in one transaction - seeding is
 * not what is measured: guest 0 holds -b mailboxes, guests 1..-f hold -n
 * each, every guest in 4 domains with 1 % as many aliases (one of them a
 * catch-all), a quota on every fourth mailbox and every fiftieth inactive.
 * A render is render_guest() + render_bundle(), as pushd does it.
 */
#include "bench_util.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pushd/render.h"

extern char **environ;

#define DOMAINS		4		/* per guest */
#define QUOTA		5368709120LL	/* 5 GiB, on every fourth mailbox */
#define PERMUTE		7919		/* a prime: local parts out of order */
#define MAX_RUNS	100
/* As long as a real {SHA512-CRYPT} hash: 86 characters after the salt. */
#define HASH	"{SHA512-CRYPT}$6$rounds=5000$benchsaltbench$" \
	"8Yq0eJ1k2mUu8bO8yK3o1b8dQdHn6lGxv3a1XcW1Wg1qf0v2Zr5tq4M9bq2Xl8Jk" \
	"Fh0m3Gx7Yq2Wc8ZbT1dVf0/ab"

struct opts {
	const char *url, *tmpdir, *confdir, *postmap;
	long big, guests, per_guest, runs, threads;
};

/* What the run found out and later figures are judged against. */
struct bench {
	const struct opts *o;
	const char *be;		/* backend name */
	int64_t *gids;		/* [0]: the big guest, then the fleet */
	struct render_opts ro;
	atomic_long next;	/* the threaded run's next fleet guest */
};

static void
die_errno(const char *what)
{
	fprintf(stderr, "bench_render: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die_errno("clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_render [-b BIG] [-f GUESTS] [-n PER_GUEST]"
		" [-r RUNS] [-j THREADS] [-t TMPDIR [-c POSTFIX_CONFDIR] "
		"[-P POSTMAP]] DATABASE_URL\n");
	exit(2);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	*o = (struct opts){ NULL, NULL, NULL, HK_POSTMAP_PATH, 100000, 100,
			    10000, 5, cores > 0 ? cores : 1 };
	while ((c = getopt(argc, argv, "b:f:n:r:j:t:c:P:")) != -1) {
		switch (c) {
		case 'b': o->big = bench_num_arg(optarg, 400, 10000000, usage); break;
		case 'f': o->guests = bench_num_arg(optarg, 1, 999, usage); break;
		case 'n': o->per_guest = bench_num_arg(optarg, 400, 10000000, usage); break;
		case 'r': o->runs = bench_num_arg(optarg, 1, MAX_RUNS, usage); break;
		case 'j': o->threads = bench_num_arg(optarg, 1, 256, usage); break;
		case 't': o->tmpdir = optarg; break;
		case 'c': o->confdir = optarg; break;
		case 'P': o->postmap = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o->url = argv[optind];
}

/* ---------------------------------------------------------------- seed */

static long
guest_size(const struct opts *o, long g)
{
	return g == 0 ? o->big : o->per_guest;
}

/* Domain k of guest g has this many mailboxes (the last takes the rest). */
static long
domain_size(const struct opts *o, long g, int k)
{
	long n = guest_size(o, g) / DOMAINS;

	return k < DOMAINS - 1 ? n : guest_size(o, g) - n * (DOMAINS - 1);
}

static int64_t
insert_id(struct db *db, const char *insert, const char *select,
	  const struct db_param *p, int n)
{
	struct hk_err err;
	int64_t id;

	if (db_exec(db, insert, p, n, NULL, &err) < 0 ||
	    db_query_int(db, select, p, 1, &id, &err) < 0)
		bench_die(p[0].text, &err);
	return id;
}

/*
 * A domain's mailboxes in one statement both backends accept: local parts
 * "user" || (100000 + i * 7919 mod n), a permutation while 7919 does not
 * divide n, so that rows arrive out of order as real ones do.
 */
#define SEED_MAILBOXES \
	"INSERT INTO mailbox (domain_id, local_part, password_hash, name, " \
	"quota_bytes, active, created_at, updated_at) " \
	"WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL " \
	"SELECT i + 1 FROM n WHERE i + 1 < $2) " \
	"SELECT CAST($1 AS BIGINT), 'user' || CAST(100000 + (i * 7919) % $2 " \
	"AS TEXT), CAST($3 AS TEXT), 'User ' || CAST(i AS TEXT), CASE WHEN " \
	"i % 4 = 0 THEN CAST($4 AS BIGINT) ELSE 0 END, CASE WHEN i % 50 = 25 " \
	"THEN 0 ELSE 1 END, 1700000000, 1700000000 FROM n"

/* Its aliases: list1, list2... to two of its mailboxes; '' catch-all. */
#define SEED_ALIASES \
	"INSERT INTO alias (domain_id, local_part, destinations, active, " \
	"created_at) WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION " \
	"ALL SELECT i + 1 FROM n WHERE i + 1 < $2) " \
	"SELECT CAST($1 AS BIGINT), CASE WHEN i = 0 THEN '' ELSE 'list' || " \
	"CAST(i AS TEXT) END, 'user' || CAST(100000 + (i * 7) % $3 AS TEXT) " \
	"|| '@' || CAST($4 AS TEXT) || ',user' || CAST(100000 + (i * 13 + 1) " \
	"% $3 AS TEXT) || '@' || CAST($4 AS TEXT), 1, 1700000000 FROM n"

static void
seed_domain(struct db *db, const struct opts *o, int64_t pid, int64_t gid,
	    long g, int k)
{
	char name[64];
	long n = domain_size(o, g, k);
	struct db_param p[4] = { DB_TXT(name), DB_INTV(pid), DB_INTV(gid) };
	struct hk_err err;
	int64_t did;

	snprintf(name, sizeof(name), "g%03ld-shop%d.example", g, k + 1);
	did = insert_id(db, "INSERT INTO domain (name, project_id, guest_id, "
			"created_at) VALUES ($1, $2, $3, 1700000000)",
			"SELECT id FROM domain WHERE name = $1", p, 3);
	p[0] = DB_INTV(did);
	p[1] = DB_INTV(n);
	p[2] = DB_TXT(HASH);
	p[3] = DB_INTV(QUOTA);
	if (db_exec(db, SEED_MAILBOXES, p, 4, NULL, &err) < 0)
		bench_die(name, &err);
	p[1] = DB_INTV(n / 100 > 0 ? n / 100 : 1);
	p[2] = DB_INTV(n);
	p[3] = DB_TXT(name);
	if (db_exec(db, SEED_ALIASES, p, 4, NULL, &err) < 0)
		bench_die(name, &err);
}

static void
seed_guest(struct db *db, const struct opts *o, int64_t pid, long g,
	   int64_t *gid)
{
	char name[24], host[48];
	struct db_param p[4] = { DB_TXT(name), DB_INTV(pid), DB_TXT(host),
		DB_TXT("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZbenchkey") };

	snprintf(name, sizeof(name), "g%03ld", g);
	snprintf(host, sizeof(host), "10.0.%ld.%ld", g / 250, g % 250 + 1);
	*gid = insert_id(db, "INSERT INTO guest (name, project_id, ssh_host, "
			 "host_key, created_at) VALUES ($1, $2, $3, $4, "
			 "1700000000)", "SELECT id FROM guest WHERE name = $1",
			 p, 4);
	for (int k = 0; k < DOMAINS; k++)
		seed_domain(db, o, pid, *gid, g, k);
}

static void
seed(struct db *db, struct bench *b)
{
	const struct opts *o = b->o;
	struct db_param p[1] = { DB_TXT("bench") };
	struct hk_err err;
	int64_t pid;

	if (db_begin(db, 1, &err) < 0)
		bench_die("begin", &err);
	pid = insert_id(db, "INSERT INTO project (name, created_at) VALUES "
			"($1, 1700000000)", "SELECT id FROM project WHERE name "
			"= $1", p, 1);
	for (long g = 0; g <= o->guests; g++)
		seed_guest(db, o, pid, g, &b->gids[g]);
	if (db_commit(db, &err) < 0)
		bench_die("commit", &err);
	/* What autovacuum or a periodic ANALYZE gives a live database. */
	if (db_exec(db, strcmp(b->be, "sqlite") == 0 ? "ANALYZE" :
		    "VACUUM ANALYZE", NULL, 0, NULL, &err) < 0)
		bench_die("analyze", &err);
}

/* -------------------------------------------------------------- render */

struct timing {
	double render, bundle;	/* seconds */
	size_t bytes;		/* the bundle's */
};

/* One render as pushd does it; out is the caller's to free. */
static void
render_one(struct db *db, const struct bench *b, int64_t gid,
	   struct render_out *out, struct timing *t)
{
	struct strbuf wire;
	char sum[65];
	struct hk_err err;
	double t0 = now_s(), t1;

	if (render_guest(db, gid, &b->ro, out, &err) < 0)
		bench_die("render_guest", &err);
	t1 = now_s();
	strbuf_init(&wire, BUNDLE_MAX_SIZE);
	if (render_bundle(out, &wire, sum, NULL, &err) < 0)
		bench_die("render_bundle", &err);
	t->render = t1 - t0;
	t->bundle = now_s() - t1;
	t->bytes = wire.len;
	strbuf_free(&wire);
}

static void
write_file(const char *path, const struct strbuf *sb)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die_errno(path);
	if ((sb->len > 0 && fwrite(sb->data, 1, sb->len, f) != sb->len) ||
	    fclose(f) != 0)
		die_errno(path);
}

/* Writes guest g's Postfix maps into TMPDIR/gNNN/; the directory's path
 * goes to dir. */
static void
write_maps(const struct opts *o, long g, const struct render_out *out,
	   char *dir, size_t len)
{
	char path[4096];

	snprintf(dir, len, "%s/g%03ld", o->tmpdir, g);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die_errno(dir);
	for (int i = 0; bundle_names[i] != NULL; i++) {
		if (!bundle_is_postfix_map(bundle_names[i]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bundle_names[i]);
		write_file(path, &out->files[i]);
	}
}

/* ------------------------------------------------------------- postmap */

/* Times one `postmap [-c CONFDIR] cdb:DIR/MAP...` over every Postfix map
 * of a guest: one process for all of them, as the agent runs it. */
static double
postmap_dir(const struct opts *o, const char *dir)
{
	char args[BUNDLE_MAX_FILES][4096];
	char *argv[BUNDLE_MAX_FILES + 4];
	int i = 0, n = 0, status, rc;
	double t0;
	pid_t pid;

	argv[i++] = (char *)o->postmap;
	if (o->confdir != NULL) {
		argv[i++] = "-c";
		argv[i++] = (char *)o->confdir;
	}
	for (int k = 0; bundle_names[k] != NULL; k++) {
		if (!bundle_is_postfix_map(bundle_names[k]))
			continue;
		snprintf(args[n], sizeof(args[n]), "cdb:%s/%s", dir,
			 bundle_names[k]);
		argv[i++] = args[n++];
	}
	argv[i] = NULL;
	t0 = now_s();
	if ((rc = posix_spawn(&pid, o->postmap, NULL, NULL, argv,
			      environ)) != 0) {
		errno = rc;
		die_errno(o->postmap);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_render: %s failed on %s\n", o->postmap,
			dir);
		exit(1);
	}
	return now_s() - t0;
}

/* ----------------------------------------------------------- the runs */

static const char *
verdict(double s, double goal)
{
	return s <= goal ? "PASS" : "MISS";
}

static void
report_floor(const struct bench *b, const char *what, double render,
	     double floor)
{
	printf("%s postmap of the same maps (%s, cdb, one process per guest "
	       "as the agent): %.2f s; render/postmap = %.2f\n", b->be, what,
	       floor, render / floor);
}

/* Guest 0, -r times: min and median, and postmap of its maps. */
static void
run_big(struct db *db, const struct bench *b)
{
	const struct opts *o = b->o;
	double tot[MAX_RUNS], ren[MAX_RUNS], bun[MAX_RUNS];
	struct render_out out;
	struct timing t = { 0, 0, 0 };
	char dir[4096];

	for (long r = 0; r < o->runs; r++) {
		render_one(db, b, b->gids[0], &out, &t);
		tot[r] = t.render + t.bundle;
		ren[r] = t.render;
		bun[r] = t.bundle;
		if (r == 0 && o->tmpdir != NULL)
			write_maps(o, 0, &out, dir, sizeof(dir));
		render_out_free(&out);
	}
	qsort(tot, (size_t)o->runs, sizeof(double), bench_by_double);
	qsort(ren, (size_t)o->runs, sizeof(double), bench_by_double);
	qsort(bun, (size_t)o->runs, sizeof(double), bench_by_double);
	printf("%s render 1 guest of %ld mailboxes (%.1f MiB bundle), %ld runs:"
	       " min %.3f s, median %.3f s (render_guest %.3f + render_bundle "
	       "%.3f)  goal 0.5 s: %s\n", b->be, o->big,
	       (double)t.bytes / 1048576.0, o->runs, tot[0], tot[o->runs / 2],
	       ren[o->runs / 2], bun[o->runs / 2],
	       verdict(tot[o->runs / 2], 0.5));
	if (o->tmpdir != NULL)
		report_floor(b, "that guest", tot[o->runs / 2],
			     postmap_dir(o, dir));
	fflush(stdout);
}

/* Every fleet guest in turn on one connection; writes their maps (outside
 * the timed part) for the floor.  Returns the summed render time. */
static double
run_fleet_seq(struct db *db, const struct bench *b)
{
	const struct opts *o = b->o;
	struct render_out out;
	struct timing t;
	double sum = 0, wall = now_s();
	char dir[4096];

	for (long g = 1; g <= o->guests; g++) {
		render_one(db, b, b->gids[g], &out, &t);
		sum += t.render + t.bundle;
		if (o->tmpdir != NULL)
			write_maps(o, g, &out, dir, sizeof(dir));
		render_out_free(&out);
	}
	printf("%s render the fleet: %ld guests x %ld = %ld mailboxes, "
	       "sequential on 1 connection: %.2f s (%.2f s wall with writing "
	       "the maps out)  goal 10 s: %s\n", b->be, o->guests,
	       o->per_guest, o->guests * o->per_guest, sum, now_s() - wall,
	       verdict(sum, 10.0));
	fflush(stdout);
	return sum;
}

static void *
fleet_worker(void *arg)
{
	struct bench *b = arg;
	struct render_out out;
	struct timing t;
	struct hk_err err;
	struct db *db;
	long g;

	if ((db = db_open(b->o->url, &err)) == NULL)
		bench_die(b->o->url, &err);
	while ((g = atomic_fetch_add(&b->next, 1)) <= b->o->guests) {
		render_one(db, b, b->gids[g], &out, &t);
		render_out_free(&out);
	}
	db_close(db);
	return NULL;
}

/* The fleet again over -j threads, a connection each; wall time. */
static double
run_fleet_threads(struct bench *b)
{
	const struct opts *o = b->o;
	pthread_t *th = calloc((size_t)o->threads, sizeof(*th));
	double t0 = now_s(), wall;
	int rc;

	if (th == NULL)
		die_errno("calloc");
	atomic_store(&b->next, 1);
	for (long i = 0; i < o->threads; i++)
		if ((rc = pthread_create(&th[i], NULL, fleet_worker, b)) != 0) {
			errno = rc;
			die_errno("pthread_create");
		}
	for (long i = 0; i < o->threads; i++)
		if ((rc = pthread_join(th[i], NULL)) != 0) {
			errno = rc;
			die_errno("pthread_join");
		}
	wall = now_s() - t0;
	free(th);
	printf("%s render the fleet over %ld threads, a connection each: "
	       "%.2f s  goal 10 s: %s\n", b->be, o->threads, wall,
	       verdict(wall, 10.0));
	return wall;
}

/* postmap over every fleet guest's maps, summed. */
static void
fleet_floor(const struct bench *b, double seq, double par)
{
	const struct opts *o = b->o;
	char dir[4096];
	double sum = 0;

	for (long g = 1; g <= o->guests; g++) {
		snprintf(dir, sizeof(dir), "%s/g%03ld", o->tmpdir, g);
		sum += postmap_dir(o, dir);
	}
	report_floor(b, "every fleet guest, summed", seq, sum);
	printf("%s fleet render over %ld threads / postmap = %.2f\n", b->be,
	       o->threads, par / sum);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct bench b = { .o = &o,
			   .ro = { 5000, 5000, "/var/mail/vhosts", NULL } };
	struct hk_err err;
	struct db *db;
	double t0, seq, par;
	int applied;

	bench_name("bench_render");
	parse_args(argc, argv, &o);
	if (domain_size(&o, 0, 0) % PERMUTE == 0 ||
	    domain_size(&o, 0, DOMAINS - 1) % PERMUTE == 0 ||
	    domain_size(&o, 1, 0) % PERMUTE == 0 ||
	    domain_size(&o, 1, DOMAINS - 1) % PERMUTE == 0) {
		fprintf(stderr, "bench_render: a domain's size must not be a "
			"multiple of %d\n", PERMUTE);
		return 2;
	}
	if ((b.gids = calloc((size_t)o.guests + 1, sizeof(*b.gids))) == NULL)
		die_errno("calloc");
	if ((db = db_open_init(o.url, &err)) == NULL)
		bench_die(o.url, &err);
	if (db_migrate(db, &applied, &err) < 0)
		bench_die("migrate", &err);
	b.be = db_backend_name(db);
	t0 = now_s();
	seed(db, &b);
	printf("%s seeded %ld mailboxes (guest g000: %ld; %ld guests of %ld) "
	       "in %.1f s\n", b.be, o.big + o.guests * o.per_guest, o.big,
	       o.guests, o.per_guest, now_s() - t0);
	fflush(stdout);
	run_big(db, &b);
	seq = run_fleet_seq(db, &b);
	par = run_fleet_threads(&b);
	if (o.tmpdir != NULL)
		fleet_floor(&b, seq, par);
	db_close(db);
	free(b.gids);
	return 0;
}
