/* SPDX-License-Identifier: ISC */
/*
 * test_delta.c - a delta render (render_delta.h) gives what a full render
 * gives, byte for byte, after thousands of random changes made through the
 * store (mailboxes created, changed, disabled, deleted; aliases and
 * catch-alls; alias domains made and removed; a backup MX set and taken
 * away; a domain disabled and enabled; vacation replies; domains added and
 * deleted), on two guests (the second the backup MX), on the database the
 * fixture gives (SQLite, or PostgreSQL with HK_TEST_PG_BASE); and the
 * delta's edits made to the base (as the agent makes them, mapdelta.h)
 * give the same files; pushd's own copy of what the guest serves, the
 * bucketed files in their buckets, moved on by each delta, stays the full
 * render's.
 */
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
#include "bucket.h"
#include "mapdelta.h"
#include "pushd/render_delta.h"
#include "store_sieve.h"

#define ROUNDS		300
#define PER_ROUND	20
#define LOCALS		40

static const struct render_opts opts = { 5000, 5000, "/var/mail/vhosts",
					  NULL };
static const char *const domains[] = { "d1.example", "d2.example",
					"d3.example" };
static const char *const aliases[] = { "a1.example", "a2.example" };

static unsigned rnd_state = 12345;

/* A small LCG: the same run every time. */
static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Each store call's result does not matter (a mailbox already there, an
 * alias domain missing): what was written is what the renders compare. */
static void
one_change(struct fixture *f)
{
	const char *d = domains[rnd(3)];
	char lp[16], addr[80], dest[80];
	struct hk_err err;
	json_t *o = NULL;
	unsigned what = rnd(14);

	snprintf(lp, sizeof(lp), "u%u", rnd(LOCALS));
	snprintf(addr, sizeof(addr), "%s@%s", lp, d);
	snprintf(dest, sizeof(dest), "u%u@%s", rnd(LOCALS), domains[rnd(3)]);
	if (what < 4) {
		struct mailbox_in in = { lp, d, "{SHA512-CRYPT}$6$s$h", "", 0,
					 1 };
		(void)store_mailbox_add(f->db, &f->admin, &in, &o, &err);
	} else if (what < 6) {
		struct mailbox_patch pt = { rnd(2) ? "{SHA512-CRYPT}$6$t$x" :
					    NULL, NULL, rnd(3) ? -1 :
					    (int64_t)rnd(5) << 20,
					    (int)rnd(3) - 1, 0 };
		(void)store_mailbox_update(f->db, &f->admin, lp, d, &pt, &o,
					   &err);
	} else if (what == 6) {
		(void)store_mailbox_delete(f->db, &f->admin, lp, d, 86400, &o,
					   &err);
	} else if (what < 9) {
		struct alias_in in = { rnd(8) ? lp : "", d, dest, 1 };

		if (store_alias_add(f->db, &f->admin, &in, &o, &err) != 0)
			(void)store_alias_delete(f->db, &f->admin, in.local_part,
						 d, &err);
	} else if (what == 9) {
		const char *x = aliases[rnd(2)];

		if (store_aliasdomain_add(f->db, &f->admin, x, d, &o,
					  &err) != 0)
			(void)store_aliasdomain_delete(f->db, &f->admin, x,
						       &err);
	} else if (what == 10) {
		struct domain_patch dp = { -1, -1, -1, 1, rnd(2) ? "g2" : NULL };

		(void)store_domain_update(f->db, &f->admin, d, &dp, NULL, &err);
	} else if (what == 11) {
		struct domain_patch dp = { (int)rnd(2), -1, -1, 0, NULL };

		(void)store_domain_update(f->db, &f->admin, d, &dp, NULL, &err);
	} else if (what == 12) {
		struct sieve_vacation v = { NULL, "Away.", NULL, NULL, 7 };

		if (rnd(2))
			(void)store_sieve_vacation_set(f->db, &f->admin, addr,
						       &v, &err);
		else
			(void)store_sieve_vacation_clear(f->db, &f->admin, addr,
							 &err);
	} else if (rnd(4) == 0) {	/* rare: a domain deleted and back */
		(void)store_domain_delete(f->db, &f->admin, d, 1, 86400, &err);
		(void)store_domain_add(f->db, &f->admin, d, "g1", &o, &err);
	}
	json_decref(o);
}

static void
full(struct fixture *f, int64_t guest, struct render_out *out)
{
	struct hk_err err;

	if (render_guest(f->db, guest, &opts, out, &err) != 0)
		fail_msg("render: %s", err.message);
}

/* Each file's checksum, as pushd gives it (bundle.h). */
static void
sums_of(const struct render_out *o, char sums[][65])
{
	for (int i = 0; bundle_names[i] != NULL; i++)
		bucket_file_sum(bundle_names[i], strbuf_str(&o->files[i]),
				o->files[i].len, sums[i]);
}

/* sv anew from a full render, as after a whole push. */
static void
served_full(struct fixture *f, int64_t guest, struct served *sv)
{
	struct render_out o;
	char sums[BUNDLE_MAX_FILES][65];
	struct hk_err err;

	full(f, guest, &o);
	sums_of(&o, sums);
	served_free(sv);
	if (served_from_render(sv, &o, sums, &err) != 0)
		fail_msg("served: %s", err.message);
}

static void
same_text(const char *what, const struct strbuf *want,
	  const struct strbuf *got, int64_t guest, int round)
{
	if (got->len != want->len || (want->len > 0 &&
	    memcmp(got->data, want->data, want->len) != 0))
		fail_msg("guest %lld round %d: %s differs from the full "
			 "render:\n--- full\n%s\n--- delta\n%s",
			 (long long)guest, round, what, strbuf_str(want),
			 strbuf_str(got));
}

/* sv's buckets of file i are those of the full render's file. */
static void
same_buckets(const struct served *sv, int i, const struct strbuf *text,
	     int64_t guest, int round)
{
	const char *name = bundle_names[i];
	struct strbuf want[BUCKETS];
	struct hk_err err;
	char what[64], nm[3];

	for (int b = 0; b < BUCKETS; b++)
		strbuf_init(&want[b], 0);
	assert_int_equal(bucket_split(name, strbuf_str(text), text->len, want,
				      &err), 0);
	for (int b = 0; b < BUCKETS; b++) {
		bucket_name(name, b, nm);
		snprintf(what, sizeof(what), "%s bucket %s", name, nm);
		same_text(what, &want[b], &sv->bk[i]->b[b], guest, round);
		strbuf_free(&want[b]);
	}
}

/* The delta's edits made to the base's whole text, as the agent makes
 * them, give the full render. */
static void
edits_give(const struct render_delta *d, const struct render_out *text,
	   const struct render_out *now)
{
	struct hk_err err;

	for (int i = 0; bundle_names[i] != NULL; i++) {
		struct strbuf agent;

		if (!mapdelta_keyed(bundle_names[i]))
			continue;
		strbuf_init(&agent, 0);
		if (mapdelta_apply(bundle_names[i], strbuf_str(&text->files[i]),
				   text->files[i].len, strbuf_str(&d->edits[i]),
				   d->edits[i].len, &agent, &err) != 0)
			fail_msg("edits refused: %s", err.message);
		assert_int_equal(agent.len, now->files[i].len);
		if (agent.len > 0)
			assert_memory_equal(agent.data, now->files[i].data,
					    agent.len);
		strbuf_free(&agent);
	}
}

/* The delta from sv (whose whole text is text) equals the full render;
 * sv and text become it.  Returns whether a delta was made (not "render
 * it whole"). */
static int
compare(struct fixture *f, int64_t guest, struct served *sv,
	struct render_out *text, int round)
{
	char sums[BUNDLE_MAX_FILES][65], sum[65];
	struct render_delta d;
	struct render_out now;
	struct hk_err err;
	int made;

	if (render_delta(f->db, guest, sv->generation, &opts, sv, &d,
			 &err) != 0)
		fail_msg("delta: %s", err.message);
	full(f, guest, &now);
	sums_of(&now, sums);
	made = !d.whole;
	for (int i = 0; made && bundle_names[i] != NULL; i++)
		if (!bucket_file(bundle_names[i]))
			same_text(bundle_names[i], &now.files[i],
				  &d.files.files[i], guest, round);
	if (made) {
		assert_int_equal(d.files.generation, now.generation);
		edits_give(&d, text, &now);
		for (int i = 0; bundle_names[i] != NULL; i++) {
			if (!bucket_file(bundle_names[i]))
				continue;
			render_delta_bucket_sum(&d, sv, i, sum);
			assert_string_equal(sum, sums[i]);
			assert_int_equal(render_delta_len(&d, sv, i),
					 now.files[i].len);
		}
		render_delta_onto(&d, sv, sums);
		for (int i = 0; bundle_names[i] != NULL; i++)
			if (bucket_file(bundle_names[i]))
				same_buckets(sv, i, &now.files[i], guest,
					     round);
	} else {
		served_full(f, guest, sv);
	}
	render_delta_free(&d);
	render_out_free(text);
	*text = now;
	return made;
}

static void
test_random_changes(void **state)
{
	struct fixture *f = *state;
	struct guest_in g = { "g2", "lab", "10.0.0.2", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			      NULL, NULL };
	struct render_out b1, b2;
	struct served s1, s2;
	struct hk_err err;
	json_t *o = NULL;
	int deltas = 0, changes = 0;

	assert_int_equal(store_guest_add(f->db, &f->admin, &g, &o, &err), 0);
	json_decref(o);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_domain_add(f->db, &f->admin, domains[i],
						  "g1", &o, &err), 0);
		json_decref(o);
	}
	full(f, 1, &b1);
	full(f, 2, &b2);
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	served_full(f, 1, &s1);
	served_full(f, 2, &s2);
	for (int round = 0; round < ROUNDS; round++) {
		int n = 1 + (int)rnd(PER_ROUND);

		for (int k = 0; k < n; k++, changes++)
			one_change(f);
		deltas += compare(f, 1, &s1, &b1, round);
		deltas += compare(f, 2, &s2, &b2, round);
	}
	printf("  %d random changes; %d of %d renders by delta\n", changes,
	       deltas, 2 * ROUNDS);
	assert_true(changes >= 1000);
	assert_true(deltas >= ROUNDS);	/* the whole guest was the exception */
	render_out_free(&b1);
	render_out_free(&b2);
	served_free(&s1);
	served_free(&s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_changes,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
