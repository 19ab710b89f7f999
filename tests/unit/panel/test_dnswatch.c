/* SPDX-License-Identifier: ISC */
/* test_dnswatch.c - pushd's DNS watch as the store records it
 * (store_dnswatch.h), on both databases: a domain claimed once per
 * interval; what a check found (the results given here, as dnscheck
 * would give them: the lookups themselves are test_dnscheck's and
 * dkim.sh's) raising a warning only for a record that matched before,
 * ending it when it matches again, leaving it on a failed lookup; a
 * pending key activated once all its records match (the alias domain's
 * too); a retired key past its date deleted once its records are gone;
 * each audited as pushd's. */
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
#include "store_dkim.h"
#include "store_dns.h"
#include "store_dnswatch.h"

struct world {
	struct fixture *f;
	struct hk_config cfg;
	struct dnsrec_list list;
	struct dnscheck_result *res;
	int64_t now;
};

static void
ok(int rc, const struct hk_err *err, const char *what)
{
	if (rc != 0)
		fail_msg("%s: %s", what, err->message);
}

static void
key(struct world *w, const char *sel, int activate)
{
	struct dkim_new in = { "ed25519", -1, sel, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	ok(store_dkim_create(w->f->db, &w->f->admin, &w->cfg.dkim,
			     "pc1.example", &in, &obj, &err), &err, sel);
	json_decref(obj);
	obj = NULL;
	if (activate)
		ok(store_dkim_activate(w->f->db, &w->f->admin, &w->cfg.dkim,
				       "pc1.example", sel, &obj, &err), &err,
		   sel);
	json_decref(obj);
}

/* pc1.example on g1 with alias domain al.example; keys r0 (retired, past
 * its date), a1 (active), p1 (pending). */
static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct hk_err err;
	json_t *obj = NULL;
	void *fs = NULL;

	assert_non_null(w);
	fixture_setup(&fs);
	w->f = fs;
	conf_defaults(&w->cfg);
	snprintf(w->cfg.dkim.key_file, sizeof(w->cfg.dkim.key_file),
		 "/nonexistent/dkim.key");
	memset(w->cfg.dkim.key, 0x17, sizeof(w->cfg.dkim.key));
	ok(db_exec(w->f->db, "UPDATE guest SET mail_host = 'mx.example.net', "
		   "mail_addrs = '192.0.2.1'", NULL, 0, NULL, &err), &err, "g1");
	ok(store_domain_add(w->f->db, &w->f->admin, "pc1.example", "g1", &obj,
			    &err), &err, "pc1");
	json_decref(obj);
	ok(store_aliasdomain_add(w->f->db, &w->f->admin, "al.example",
				 "pc1.example", &obj, &err), &err, "al");
	json_decref(obj);
	key(w, "r0", 1);
	key(w, "a1", 1);
	key(w, "p1", 0);
	ok(db_exec(w->f->db, "UPDATE dkim_key SET remove_after = 1 WHERE "
		   "selector = 'r0'", NULL, 0, NULL, &err), &err, "r0");
	w->now = 1000;
	*state = w;
	return 0;
}

static void
drop_list(struct world *w)
{
	if (w->res != NULL)
		dnscheck_free(w->res, w->list.n);
	free(w->res);
	w->res = NULL;
	dnsrec_list_free(&w->list);
}

static int
teardown(void **state)
{
	struct world *w = *state;
	void *fs = w->f;

	drop_list(w);
	fixture_teardown(&fs);
	free(w);
	return 0;
}

/* The domain's records now, every one found as expected. */
static void
records(struct world *w)
{
	struct hk_err err;

	drop_list(w);
	ok(store_dns_records(w->f->db, &w->f->admin, &w->cfg.dns,
			     "pc1.example", w->now, &w->list, &err), &err,
	   "records");
	w->res = calloc(w->list.n, sizeof(*w->res));
	assert_non_null(w->res);
	for (size_t i = 0; i < w->list.n; i++)
		w->res[i].status = DNSCHECK_MATCH;
}

/* Records whose name starts with prefix (and of purpose) found so. */
static void
found(struct world *w, const char *prefix, enum dnsrec_purpose purpose,
      enum dnscheck_status status)
{
	int n = 0;

	for (size_t i = 0; i < w->list.n; i++)
		if (w->list.v[i].purpose == purpose &&
		    strncmp(w->list.v[i].name, prefix, strlen(prefix)) == 0) {
			w->res[i].status = status;
			n++;
		}
	assert_true(n > 0);
}

/* Claims pc1.example (due: the clock moved past the interval) and
 * records the results; the changes it made. */
static int
save(struct world *w)
{
	struct dnswatch_job job;
	struct hk_err err;
	int changes = -1;

	w->now += 100;
	assert_int_equal(store_dnswatch_claim(w->f->db, w->now, 60, &job,
					      &err), 1);
	assert_string_equal(job.domain, "pc1.example");
	ok(store_dnswatch_save(w->f->db, &w->cfg.dkim, &job, &w->list, w->res,
			       w->now, &changes, &err), &err, "save");
	store_dnswatch_job_free(&job);
	return changes;
}

static int64_t
open_warnings(struct world *w, const char *object)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM warning WHERE kind = "
		 "'dns_record' AND object = '%s' AND ended_at IS NULL", object);
	return fixture_int(w->f, sql);
}

static int64_t
pushd_audits(struct world *w, const char *action)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit WHERE action = "
		 "'%s' AND actor = 'pushd'", action);
	return fixture_int(w->f, sql);
}

static const char *
state_of(struct world *w, const char *sel)
{
	static char out[32];
	char sql[256];
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT COALESCE((SELECT CASE state WHEN "
		 "'pending' THEN 1 WHEN 'active' THEN 2 WHEN 'retiring' THEN 3 "
		 "END FROM dkim_key WHERE selector = '%s'), 0)", sel);
	n = fixture_int(w->f, sql);
	snprintf(out, sizeof(out), "%s", n == 1 ? "pending" : n == 2 ?
		 "active" : n == 3 ? "retiring" : "none");
	return out;
}

static void
test_claim(void **state)
{
	struct world *w = *state;
	struct dnswatch_job job;
	struct hk_err err;
	int64_t at = -2;

	/* a domain never checked is due at once */
	ok(store_dnswatch_next_due(w->f->db, &at, &err), &err, "due");
	assert_int_equal(at, 0);
	assert_int_equal(store_dnswatch_claim(w->f->db, 500, 60, &job, &err),
			 1);
	assert_int_equal(json_array_size(job.previous), 0);
	store_dnswatch_job_free(&job);
	/* claimed: not again before its interval */
	assert_int_equal(store_dnswatch_claim(w->f->db, 500, 60, &job, &err),
			 0);
	assert_int_equal(store_dnswatch_claim(w->f->db, 559, 60, &job, &err),
			 0);
	ok(store_dnswatch_next_due(w->f->db, &at, &err), &err, "due");
	assert_int_equal(at, 560);
	/* an inactive domain is not checked */
	ok(db_exec(w->f->db, "UPDATE domain SET active = 0", NULL, 0, NULL,
		   &err), &err, "inactive");
	assert_int_equal(store_dnswatch_claim(w->f->db, 900, 60, &job, &err),
			 0);
}

static void
test_warnings_and_keys(void **state)
{
	struct world *w = *state;

	/* first check: p1 not published yet, r0's records gone; nothing
	 * matched before, so nothing is warned; r0 deleted */
	records(w);
	found(w, "p1._domainkey.", DNSREC_P_DKIM, DNSCHECK_MISSING);
	found(w, "r0._domainkey.", DNSREC_P_DKIM, DNSCHECK_MISSING);
	assert_int_equal(save(w), 1);
	assert_string_equal(state_of(w, "r0"), "none");
	assert_int_equal(pushd_audits(w, "dkim.delete"), 1);
	assert_int_equal(fixture_int(w->f, "SELECT COUNT(*) FROM warning"), 0);
	/* SPF changed, DMARC gone, MX not answered: two warnings; p1 seen
	 * for pc1.example but not yet for al.example: still pending */
	records(w);
	found(w, "pc1.example", DNSREC_P_SPF, DNSCHECK_DIFFERENT);
	found(w, "_dmarc.pc1.example", DNSREC_P_DMARC, DNSCHECK_MISSING);
	found(w, "pc1.example", DNSREC_P_MX, DNSCHECK_FAILED);
	found(w, "p1._domainkey.al.", DNSREC_P_DKIM, DNSCHECK_MISSING);
	assert_int_equal(save(w), 2);
	assert_int_equal(open_warnings(w, "pc1.example spf"), 1);
	assert_int_equal(open_warnings(w, "_dmarc.pc1.example dmarc"), 1);
	assert_int_equal(open_warnings(w, "pc1.example mx"), 0);
	assert_string_equal(state_of(w, "p1"), "pending");
	assert_int_equal(pushd_audits(w, "warning.raised"), 2);
	/* SPF back; DMARC still gone (its row stays, not raised again);
	 * p1 seen everywhere: activated, a1 retiring */
	records(w);
	found(w, "_dmarc.pc1.example", DNSREC_P_DMARC, DNSCHECK_MISSING);
	assert_int_equal(save(w), 2);
	assert_int_equal(open_warnings(w, "pc1.example spf"), 0);
	assert_int_equal(open_warnings(w, "_dmarc.pc1.example dmarc"), 1);
	assert_int_equal(pushd_audits(w, "warning.cleared"), 1);
	assert_string_equal(state_of(w, "p1"), "active");
	assert_string_equal(state_of(w, "a1"), "retiring");
	assert_int_equal(pushd_audits(w, "dkim.activate"), 1);
	/* a failed lookup leaves the open warning as it is */
	records(w);
	found(w, "_dmarc.pc1.example", DNSREC_P_DMARC, DNSCHECK_FAILED);
	assert_int_equal(save(w), 0);
	assert_int_equal(open_warnings(w, "_dmarc.pc1.example dmarc"), 1);
	/* what was found is kept for the next check */
	assert_int_equal(fixture_int(w->f, "SELECT checked_at FROM domain_dns"),
			 w->now);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warnings_and_keys, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
