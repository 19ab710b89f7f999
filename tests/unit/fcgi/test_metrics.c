/* SPDX-License-Identifier: ISC */
/*
 * test_metrics.c - GET /metrics: who may read it ([metrics] allow by
 * address, else an operator's credential), and what it says, in
 * Prometheus's text exposition format, about the guests, their reports
 * and the warnings open.  (tests/integration/report.sh runs promtool
 * check metrics on a real panel's answer.)
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

#include "addrlist.h"
#include "conf.h"
#include "fcgi/api.h"
#include "../fixture.h"
#include "secret.h"

static void
test_addrlist(void **state)
{
	struct addrlist l;
	struct hk_err err;

	(void)state;
	assert_int_equal(addrlist_parse("127.0.0.1, 10.0.0.0/8 ::1,fd00::/8",
					"allow", &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_true(addrlist_match(&l, "127.0.0.1"));
	assert_true(addrlist_match(&l, "10.200.3.4"));
	assert_true(addrlist_match(&l, "::ffff:10.1.2.3"));
	assert_true(addrlist_match(&l, "::1"));
	assert_true(addrlist_match(&l, "fd12:3456::1"));
	assert_false(addrlist_match(&l, "127.0.0.2"));
	assert_false(addrlist_match(&l, "11.0.0.1"));
	assert_false(addrlist_match(&l, "fe80::1"));
	assert_false(addrlist_match(&l, "localhost"));
	assert_false(addrlist_match(&l, NULL));
	assert_int_equal(addrlist_parse("", "allow", &l, &err), 0);
	assert_int_equal(l.n, 0);
	assert_false(addrlist_match(&l, "127.0.0.1"));
	assert_int_equal(addrlist_parse("10.0.0.0/12", "allow", &l, &err), 0);
	assert_true(addrlist_match(&l, "10.15.255.255"));
	assert_false(addrlist_match(&l, "10.16.0.0"));
	for (const char *const *bad = (const char *const []){ "10.0.0.0/33",
	     "host.example", "1.2.3.4/x", "1.2.3.4/", "::1/129", NULL };
	     *bad; bad++) {
		assert_int_equal(addrlist_parse(*bad, "allow", &l, &err), -1);
		assert_int_equal(err.code, HK_EINVAL);
		assert_int_equal(err.reason, HK_R_bad_address_list);
		assert_string_equal(err.field, "allow");
		assert_non_null(strstr(err.message, *bad));
	}
}

/* GET /api/v1/metrics from addr with token (NULL: none) under allow;
 * *text gets the body (caller frees). */
static int
scrape(struct fixture *f, const char *allow, const char *addr,
       const char *token, char **text)
{
	struct hk_config cfg;
	char bearer[SECRET_TOKEN_LEN + 16];
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = "GET", .uri = "/api/v1/metrics",
				.remote_addr = addr };
	struct http_resp resp;
	int status;

	conf_defaults(&cfg);
	snprintf(cfg.metrics_allow, sizeof(cfg.metrics_allow), "%s", allow);
	if (token != NULL) {
		snprintf(bearer, sizeof(bearer), "Bearer %s", token);
		req.authorization = bearer;
	}
	api_handle(&ctx, &req, &resp);
	*text = NULL;
	if (resp.raw != NULL) {
		assert_string_equal(resp.content_type,
				    "text/plain; version=0.0.4; charset=utf-8");
		*text = strndup(resp.raw, resp.raw_len);
	}
	status = resp.status;
	http_resp_free(&resp);
	return status;
}

static void
test_who_may_read(void **state)
{
	struct fixture *f = *state;
	char op[SECRET_TOKEN_LEN + 1], owner[SECRET_TOKEN_LEN + 1];
	char *text;

	fixture_key(f, "ops", NULL, op, sizeof(op));
	fixture_key(f, "own", "lab", owner, sizeof(owner));
	assert_int_equal(scrape(f, "127.0.0.1", "127.0.0.1", NULL, &text), 200);
	assert_non_null(strstr(text, "# TYPE hakomail_guest_state gauge\n"));
	free(text);
	assert_int_equal(scrape(f, "127.0.0.1", "127.0.0.2", NULL, &text), 401);
	free(text);
	assert_int_equal(scrape(f, "", "127.0.0.1", NULL, &text), 401);
	free(text);
	assert_int_equal(scrape(f, "", "127.0.0.1", owner, &text), 403);
	free(text);
	assert_int_equal(scrape(f, "", "192.0.2.1", op, &text), 200);
	free(text);
	assert_int_equal(scrape(f, "10.0.0.0/8", "10.9.8.7", NULL, &text), 200);
	free(text);
}

static void
sql(struct fixture *f, const char *q)
{
	struct hk_err err;

	if (db_exec(f->db, q, NULL, 0, NULL, &err) < 0)
		fail_msg("%s: %s", q, err.message);
}

static void
test_what_it_says(void **state)
{
	struct fixture *f = *state;
	char *text;

	sql(f, "INSERT INTO guest_report VALUES (1, 1000, 1000, 50, 0.5, 0.25,"
	    " 0.125, '3.7.11', '2.3.19.1', 1000000, 400000, 600000, 5000, 300,"
	    " 4700, 1, 120, 2, 0, 7200, 3, 34567, 9)");
	sql(f, "INSERT INTO warning (guest_id, project_id, kind, object, "
	    "value, threshold, started_at) VALUES (1, 1, 'queue_deferred', "
	    "'g1', 120, 100, 900), (1, 1, 'mailbox_quota', 'a\"b\\c@x', 95, "
	    "90, 950)");
	sql(f, "INSERT INTO warning (guest_id, project_id, kind, object, "
	    "value, threshold, started_at, ended_at) VALUES (1, 1, "
	    "'disk_used', 'g1', 90, 85, 10, 20)");
	assert_int_equal(scrape(f, "127.0.0.1", "127.0.0.1", NULL, &text), 200);
	for (const char *const *want = (const char *const []){
	     "hakomail_guest_state{guest=\"g1\",project=\"lab\","
	     "state=\"pending\"} 1\n",
	     "hakomail_guest_generation{guest=\"g1\",kind=\"desired\"} 1\n",
	     "hakomail_guest_fs_bytes{guest=\"g1\",kind=\"used\"} 400000\n",
	     "hakomail_guest_fs_inodes{guest=\"g1\",kind=\"free\"} 4700\n",
	     "hakomail_guest_queue_messages{guest=\"g1\",queue=\"deferred\"} "
	     "120\n",
	     "hakomail_guest_queue_oldest_deferred_seconds{guest=\"g1\"} "
	     "7200\n",
	     "hakomail_guest_mailbox_bytes{guest=\"g1\"} 34567\n",
	     "hakomail_guest_load{guest=\"g1\",minutes=\"5\"} 0.25\n",
	     "hakomail_warnings_open{kind=\"queue_deferred\"} 1\n",
	     "hakomail_warning_open{kind=\"mailbox_quota\",object="
	     "\"a\\\"b\\\\c@x\",guest=\"g1\"} 1\n", NULL };
	     *want; want++)
		if (strstr(text, *want) == NULL)
			fail_msg("no %s in:\n%s", *want, text);
	/* an ended warning is not open */
	assert_null(strstr(text, "kind=\"disk_used\""));
	/* the report's age grows with the clock: it was stored at 1000 */
	assert_non_null(strstr(text, "hakomail_guest_report_age_seconds"
			       "{guest=\"g1\"} "));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrlist),
		cmocka_unit_test_setup_teardown(test_who_may_read,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_what_it_says,
						fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
