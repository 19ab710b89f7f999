/* SPDX-License-Identifier: ISC */
/* test_push.c - pushd's bookkeeping on both backends (store_push.c):
 * leases, outcomes and states, backoff, expiry and release of leases,
 * repairs with their audit entries, the push history, and several
 * connections claiming at once (FOR UPDATE SKIP LOCKED on PostgreSQL). */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../fixture.h"
#include "pushd/push.h"
#include "pushd/push_shared.h"
#include "store.h"

#define FILES	"{\"passwd\":\"ab12\",\"virtual_alias_maps\":\"cd34\"}"

static int
claim(struct fixture *f, const char *node, int64_t now, int seconds,
      int checks, struct push_job *job)
{
	struct push_lease l = { node, now, seconds, checks, 0 };
	struct hk_err err;
	int rc = store_push_claim(f->db, &l, job, &err);

	if (rc < 0)
		fail_msg("claim: %s", err.message);
	return rc;
}

static void
done(struct fixture *f, struct push_outcome *o, int expect_rc)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (store_push_done(f->db, o, &err) != expect_rc)
		fail_msg("store_push_done: %s", err.message);
	if (expect_rc < 0)
		assert_int_equal(err.code, HK_EEXIST);
}

static void
assert_state(struct fixture *f, const char *state)
{
	struct hk_err err;
	json_t *g = NULL;

	assert_int_equal(store_guest_get(f->db, &f->admin, "g1", &g, &err), 0);
	assert_string_equal(json_string_value(json_object_get(g, "state")),
			    state);
	json_decref(g);
}

static void
test_outcomes_and_backoff(void **state)
{
	struct fixture *f = *state;
	struct push_job job, other;
	struct push_outcome o = { .node = "a", .state = "unreachable",
				  .error = "ssh: connect: no route" };
	struct hk_err err;
	int64_t pid = 0;

	assert_int_equal(claim(f, "a", 1000, 100, 0, &job), 1);
	assert_string_equal(job.name, "g1");
	assert_true(job.dirty);
	assert_state(f, "pushing");
	assert_int_equal(claim(f, "b", 1000, 100, 0, &other), 0);
	assert_int_equal(store_push_started(f->db, &job, "a", "apply",
					    1000123, &pid, &err), 0);
	assert_true(pid > 0);
	o.job = &job;
	o.push_id = pid;
	o.gen = job.desired_gen;
	o.now_ms = 1000500;
	o.retry_at = 1100;
	done(f, &o, 0);
	assert_state(f, "unreachable");
	assert_int_equal(fixture_int(f, "SELECT unreachable_since FROM guest"),
			 1000);
	assert_int_equal(claim(f, "b", 1099, 100, 0, &other), 0);
	store_push_job_free(&job);

	assert_int_equal(claim(f, "b", 1100, 100, 0, &job), 1);
	assert_int_equal(job.failures, 1);
	o.job = &job;
	o.node = "b";
	o.push_id = 0;
	o.now_ms = 1100000;
	o.retry_at = 1200;
	done(f, &o, 0);
	/* since when: the first failure, not the last */
	assert_int_equal(fixture_int(f, "SELECT unreachable_since FROM guest"),
			 1000);
	store_push_job_free(&job);

	assert_int_equal(claim(f, "a", 1200, 100, 0, &job), 1);
	memset(&o, 0, sizeof(o));
	o = (struct push_outcome){ .job = &job, .node = "a", .ok = 1,
				   .gen = job.desired_gen, .files = FILES,
				   .now_ms = 1200000, .check_at = 2000 };
	done(f, &o, 0);
	assert_state(f, "in_sync");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest WHERE "
		"unreachable_since IS NULL AND failures = 0 AND applied_gen = "
		"desired_gen AND applied_files = '" FILES "' AND lease_owner "
		"IS NULL AND last_push_at = 1200"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM push WHERE "
		"node = 'a' AND result = 'unreachable' AND started_ms = 1000123"
		" AND finished_ms = 1000500 AND error LIKE 'ssh:%'"), 1);
	store_push_job_free(&job);

	/* clean: only a drift check, and only when due */
	assert_int_equal(claim(f, "a", 5000, 100, 0, &job), 0);
	assert_int_equal(claim(f, "a", 1999, 100, 1, &job), 0);
	assert_int_equal(claim(f, "a", 2000, 100, 1, &job), 1);
	assert_false(job.dirty);
	assert_string_equal(job.applied_files, FILES);
	assert_state(f, "in_sync");	/* a check is not a push */
	o = (struct push_outcome){ .job = &job, .node = "a", .ok = 1,
				   .check = 1, .gen = job.applied_gen,
				   .now_ms = 2000000, .check_at = 2600 };
	done(f, &o, 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest WHERE "
		"last_push_at = 1200 AND check_at = 2600 AND applied_files = '"
		FILES "'"), 1);
	store_push_job_free(&job);
}

static void
test_leases_expire_and_return(void **state)
{
	struct fixture *f = *state;
	struct push_job a, b;
	struct push_outcome o = { .node = "a", .ok = 1, .files = FILES,
				  .now_ms = 1012000, .check_at = 9999 };
	struct hk_err err;
	int64_t n = 0;

	assert_int_equal(claim(f, "a", 1000, 10, 0, &a), 1);
	assert_int_equal(claim(f, "b", 1010, 10, 0, &b), 0);
	assert_int_equal(claim(f, "b", 1011, 10, 0, &b), 1);	/* expired */
	o.job = &a;
	o.gen = a.desired_gen;
	done(f, &o, -1);	/* a lost its lease: b's outcome counts */
	assert_state(f, "pushing");
	o.job = &b;
	o.node = "b";
	done(f, &o, 0);
	assert_state(f, "in_sync");
	store_push_job_free(&a);
	store_push_job_free(&b);

	/* a node that restarts takes back what it held */
	assert_int_equal(store_guest_touch(f->db, "g1", &err), 0);
	assert_int_equal(claim(f, "a", 2000, 100, 0, &a), 1);
	assert_int_equal(store_push_release_node(f->db, "b", &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_push_release_node(f->db, "a", &n, &err), 0);
	assert_int_equal(n, 1);
	assert_state(f, "pending");
	assert_int_equal(claim(f, "b", 2000, 100, 0, &b), 1);
	store_push_job_free(&a);
	store_push_job_free(&b);
}

static void
test_repairs_are_audited(void **state)
{
	struct fixture *f = *state;
	struct push_job job;
	struct push_outcome o;
	json_t *detail = json_pack("{s:[s]}", "files", "passwd");
	int64_t gen;

	assert_int_equal(claim(f, "a", 1000, 100, 0, &job), 1);
	gen = job.desired_gen;
	o = (struct push_outcome){ .job = &job, .node = "a", .ok = 1,
				   .gen = gen, .files = FILES,
				   .now_ms = 1000000, .check_at = 1500 };
	done(f, &o, 0);
	store_push_job_free(&job);

	/* drift found by a check: a new generation, owed at once */
	assert_int_equal(claim(f, "a", 1500, 100, 1, &job), 1);
	o = (struct push_outcome){ .job = &job, .node = "a", .ok = 1,
				   .check = 1, .gen = gen, .now_ms = 1500000,
				   .check_at = 2000,
				   .repair_action = "guest.drift",
				   .repair_detail = detail, .served = gen };
	done(f, &o, 0);
	json_decref(detail);
	store_push_job_free(&job);
	assert_state(f, "pending");
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"),
			 gen + 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
		"via = 'pushd' AND actor = 'a' AND action = 'guest.drift' AND "
		"object = 'g1' AND detail LIKE '%passwd%'"), 1);

	/* the guest serves a newer generation than the panel knows (the
	 * panel's database was restored): push past it */
	assert_int_equal(claim(f, "a", 1500, 100, 0, &job), 1);
	o = (struct push_outcome){ .job = &job, .node = "a", .gen = gen + 1,
				   .state = "failed", .error = "agent: stale",
				   .now_ms = 1500000, .retry_at = 1500,
				   .repair_action = "guest.generation",
				   .served = gen + 50 };
	done(f, &o, 0);
	store_push_job_free(&job);
	assert_int_equal(fixture_int(f, "SELECT desired_gen FROM guest"),
			 gen + 51);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
		"action = 'guest.generation'"), 1);
	assert_int_equal(claim(f, "a", 1500, 100, 0, &job), 1);
	store_push_job_free(&job);
}

static int
next_due(struct fixture *f, int checks, int reports, int64_t *at)
{
	struct push_lease l = { .node = "n", .checks = checks,
				.reports = reports };
	struct hk_err err;

	return store_push_next_due(f->db, &l, at, &err);
}

static int
claim_reports(struct fixture *f, const char *node, int64_t now,
	      struct push_job *job)
{
	struct push_lease l = { node, now, 100, 0, 1 };
	struct hk_err err;
	int rc = store_push_claim(f->db, &l, job, &err);

	if (rc < 0)
		fail_msg("claim: %s", err.message);
	return rc;
}

/* A clean guest whose report is due is leased for the report alone; the
 * report's end moves report_at and gives the lease back. */
static void
test_report_jobs(void **state)
{
	struct fixture *f = *state;
	struct push_job job, other;
	struct push_outcome o;
	struct hk_err err;
	int64_t at = 0;

	assert_int_equal(claim_reports(f, "a", 1000, &job), 1);
	assert_true(job.dirty);
	assert_true(job.report_due);	/* never reported: due at once */
	o = (struct push_outcome){ .job = &job, .node = "a", .ok = 1,
				   .gen = job.desired_gen, .files = FILES,
				   .now_ms = 1000000, .check_at = 9000,
				   .report_at = 1300 };
	done(f, &o, 0);
	store_push_job_free(&job);
	assert_int_equal(fixture_int(f, "SELECT report_at FROM guest"), 1300);
	/* a clean guest is due at its check or its report, as leased */
	assert_int_equal(next_due(f, 1, 0, &at), 0);
	assert_int_equal(at, 9000);
	assert_int_equal(next_due(f, 1, 1, &at), 0);
	assert_int_equal(at, 1300);
	assert_int_equal(next_due(f, 0, 1, &at), 0);
	assert_int_equal(at, 1300);
	assert_int_equal(claim_reports(f, "a", 1299, &job), 0);
	assert_int_equal(claim(f, "a", 1300, 100, 0, &job), 0);
	assert_int_equal(claim_reports(f, "a", 1300, &job), 1);
	assert_false(job.dirty);
	assert_false(job.check_due);
	assert_true(job.report_due);
	assert_int_equal(claim_reports(f, "b", 1300, &other), 0);
	assert_int_equal(store_push_report_done(f->db, &job, "b", 1600, &err),
			 -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(store_push_report_done(f->db, &job, "a", 1600, &err),
			 0);
	store_push_job_free(&job);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest WHERE "
		"report_at = 1600 AND lease_owner IS NULL AND check_at = 9000 "
		"AND applied_gen = desired_gen"), 1);
	assert_int_equal(claim_reports(f, "a", 1599, &job), 0);
}

static void
test_next_due(void **state)
{
	struct fixture *f = *state;
	struct push_job job;
	struct push_outcome o = { .node = "a", .state = "unreachable",
				  .error = "down", .now_ms = 1000000,
				  .retry_at = 1300 };
	int64_t at = 0;

	assert_int_equal(next_due(f, 0, 0, &at), 0);
	assert_int_equal(at, 0);	/* dirty since its creation */
	assert_int_equal(claim(f, "a", 1000, 60, 0, &job), 1);
	assert_int_equal(next_due(f, 0, 0, &at), 0);
	assert_int_equal(at, 1060);	/* the lease */
	o.job = &job;
	o.gen = job.desired_gen;
	done(f, &o, 0);
	assert_int_equal(next_due(f, 0, 0, &at), 0);
	assert_int_equal(at, 1300);	/* the retry */
	store_push_job_free(&job);
}

/* --- what the workers share: backoff, the bundle cache, the stagger --- */

static void
test_backoff_doubles_with_jitter(void **state)
{
	(void)state;
	for (int f = 0; f < 12; f++)
		for (int k = 0; k < 50; k++) {
			int64_t base = f >= 9 ? 300 : (int64_t)1 << f;
			int64_t d = push_backoff(f, 300);

			if (base > 300)
				base = 300;
			assert_true(d >= base);
			assert_true(d <= base + base / 4);
		}
}

static void
test_cache_keeps_one_generation(void **state)
{
	struct push_shared *ps = push_shared_new(100, 0);
	struct strbuf a, got;

	(void)state;
	assert_non_null(ps);
	strbuf_init(&a, 0);
	strbuf_init(&got, 0);
	assert_int_equal(strbuf_puts(&a, "bundle of gen 7"), 0);
	push_shared_cache_put(ps, 3, 7, &a);
	assert_null(a.data);	/* the cache owns it */
	assert_int_equal(push_shared_cache_take(ps, 3, 8, &got), 0);	/* newer gen */
	assert_int_equal(push_shared_cache_take(ps, 3, 7, &got), 0);	/* dropped */
	assert_int_equal(strbuf_puts(&a, "gen 9"), 0);
	push_shared_cache_put(ps, 3, 9, &a);
	assert_int_equal(push_shared_cache_take(ps, 4, 9, &got), 0);	/* other guest */
	assert_int_equal(push_shared_cache_take(ps, 3, 9, &got), 1);
	assert_string_equal(strbuf_str(&got), "gen 9");
	assert_int_equal(push_shared_cache_take(ps, 3, 9, &got), 0);	/* taken */
	/* over cache_max: not kept, the caller keeps it */
	strbuf_reset(&a);
	for (int i = 0; i < 20; i++)
		assert_int_equal(strbuf_puts(&a, "0123456789"), 0);
	push_shared_cache_put(ps, 5, 1, &a);
	assert_non_null(a.data);
	assert_int_equal(push_shared_cache_take(ps, 5, 1, &got), 0);
	strbuf_free(&a);
	strbuf_free(&got);
	push_shared_free(ps);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Push starts are at least stagger_ms apart (a lower bound only). */
static void
test_stagger_spaces_starts(void **state)
{
	struct push_shared *ps = push_shared_new(0, 40);
	double t0 = mono();

	(void)state;
	for (int i = 0; i < 6; i++)
		push_shared_stagger(ps);
	assert_true(mono() - t0 >= 0.2 - 0.002);
	push_shared_free(ps);
}

/* --- several connections claiming at once --- */

#define GUESTS		20
#define WORKERS		4
#define PUSHES		240

struct race {
	const char *url;
	pthread_mutex_t lock;
	int busy[GUESTS + 2];	/* by guest id: a worker holds it now */
	int pushes, overlaps, errors;
};

static int
race_step(struct race *r, struct db *db, const char *node)
{
	struct push_lease l = { node, (int64_t)time(NULL), 60, 0, 0 };
	struct push_outcome o = { .node = node, .ok = 1, .files = FILES };
	struct push_job job;
	struct hk_err err;
	int64_t pid = 0;
	int rc = store_push_claim(db, &l, &job, &err), more;

	if (rc <= 0)
		return rc;
	pthread_mutex_lock(&r->lock);
	r->overlaps += r->busy[job.id]++ != 0;
	more = ++r->pushes < PUSHES;
	pthread_mutex_unlock(&r->lock);
	/* the work done under the lease */
	rc = store_push_started(db, &job, node, "apply", l.now * 1000, &pid,
				&err);
	pthread_mutex_lock(&r->lock);
	r->busy[job.id]--;
	pthread_mutex_unlock(&r->lock);
	o.job = &job;
	o.push_id = pid;
	o.gen = job.desired_gen;
	o.now_ms = l.now * 1000;
	o.check_at = l.now + 3600;
	if (rc == 0)
		rc = store_push_done(db, &o, &err);
	/* changes keep flowing: the guest owes another push */
	if (rc == 0 && more)
		rc = store_guest_touch(db, job.name, &err);
	store_push_job_free(&job);
	return rc < 0 ? -1 : 1;
}

static void *
race_worker(void *arg)
{
	struct race *r = arg;
	struct hk_err err;
	struct db *db = db_open(r->url, &err);
	char node[16];
	int rc, idle = 0;

	snprintf(node, sizeof(node), "n%p", (void *)&node);
	while (db != NULL && idle < 50) {
		rc = race_step(r, db, node);
		if (rc < 0) {
			pthread_mutex_lock(&r->lock);
			r->errors++;
			pthread_mutex_unlock(&r->lock);
		}
		idle = rc == 0 ? idle + 1 : 0;
	}
	if (db == NULL)
		r->errors++;
	db_close(db);
	return NULL;
}

static void
test_concurrent_claims(void **state)
{
	struct fixture *f = *state;
	struct race r = { .url = f->url, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[WORKERS];
	struct hk_err err;
	json_t *out = NULL;
	char name[16];

	for (int i = 2; i <= GUESTS; i++) {
		struct guest_in g = { name, "lab", "10.0.0.2", "root",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			NULL, NULL };

		snprintf(name, sizeof(name), "g%d", i);
		assert_int_equal(store_guest_add(f->db, &f->admin, &g, &out,
						 &err), 0);
		json_decref(out);
	}
	for (int i = 0; i < WORKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_worker, &r),
				 0);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.overlaps, 0);
	assert_true(r.pushes >= PUSHES);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM guest WHERE "
		"desired_gen = applied_gen AND state = 'in_sync' AND "
		"lease_owner IS NULL"), GUESTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outcomes_and_backoff,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_leases_expire_and_return,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_repairs_are_audited,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_report_jobs,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_next_due,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_claims,
						fixture_setup, fixture_teardown),
		cmocka_unit_test(test_backoff_doubles_with_jitter),
		cmocka_unit_test(test_cache_keeps_one_generation),
		cmocka_unit_test(test_stagger_spaces_starts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
