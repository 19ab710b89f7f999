/* SPDX-License-Identifier: ISC */
/* test_report.c - report_from_json() takes a guest's report as the agent
 * answers it, and refuses, naming the JSON path and a report_* reason,
 * every report with a member missing, of the wrong type, negative,
 * absurd, used over total, a bad or repeated address, too many
 * mailboxes; a refused report leaves nothing behind. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static const char good[] = "{\"at\":1764680000,\"uptime_s\":12345,"
	"\"load\":[0.12,0.08,1],"
	"\"versions\":{\"postfix\":\"3.7.11\",\"dovecot\":\"2.3.19.1\"},"
	"\"fs\":{\"root\":\"/var/mail/vhosts\",\"bytes_total\":1000000,"
	"\"bytes_used\":400000,\"bytes_free\":550000,\"inodes_total\":1000,"
	"\"inodes_used\":10,\"inodes_free\":990},"
	"\"queue\":{\"active\":1,\"deferred\":2,\"hold\":3,\"incoming\":4,"
	"\"oldest_deferred_s\":600},"
	"\"mailboxes\":[[\"taro@demo.example\",123456,42],"
	"[\"hanako@demo.example\",0,0],[\"x@xn--pss25c.example\",10,1]],"
	"\"future\":{\"anything\":true}}";

static json_t *
valid(void)
{
	json_error_t je;
	json_t *v = json_loads(good, 0, &je);

	if (v == NULL)
		fail_msg("the test's report: %s", je.text);
	return v;
}

static json_t *
sub(json_t *rep, const char *key)
{
	json_t *v = json_object_get(rep, key);

	assert_non_null(v);
	return v;
}

static json_t *
mailbox(json_t *rep, size_t i)
{
	return json_array_get(sub(rep, "mailboxes"), i);
}

/* rep (taken) is refused on field with reason. */
static void
refused(json_t *rep, const char *field, enum hk_reason reason)
{
	struct guest_report r;
	struct hk_err err;

	hk_err_clear(&err);
	if (report_from_json(rep, &r, &err) == 0)
		fail_msg("accepted; expected %s on %s",
			 hk_reason_name(reason), field);
	assert_int_equal(err.code, HK_EINVAL);
	if (strcmp(err.field, field) != 0 || err.reason != reason)
		fail_msg("refused %s on %s (%s); expected %s on %s",
			 hk_reason_name(err.reason), err.field, err.message,
			 hk_reason_name(reason), field);
	assert_true(err.message[0] != '\0');
	assert_int_equal(r.n_mailboxes, 0);
	assert_null(r.mailboxes);
	report_free(&r);
	json_decref(rep);
}

static void
accepted(json_t *rep, struct guest_report *r)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (report_from_json(rep, r, &err) < 0)
		fail_msg("refused: %s: %s", err.field, err.message);
	json_decref(rep);
}

static void
test_valid(void **state)
{
	struct guest_report r;
	json_t *rep;

	(void)state;
	accepted(valid(), &r);
	assert_int_equal(r.guest_at, 1764680000);
	assert_int_equal(r.uptime_s, 12345);
	assert_true(fabs(r.load[0] - 0.12) < 1e-9 && r.load[2] == 1.0);
	assert_string_equal(r.postfix_version, "3.7.11");
	assert_string_equal(r.dovecot_version, "2.3.19.1");
	assert_int_equal(r.fs_bytes_total, 1000000);
	assert_int_equal(r.fs_bytes_used, 400000);
	assert_int_equal(r.fs_bytes_free, 550000);
	assert_int_equal(r.fs_inodes_free, 990);
	assert_int_equal(r.q_hold, 3);
	assert_int_equal(r.q_incoming, 4);
	assert_int_equal(r.q_oldest_deferred_s, 600);
	assert_int_equal(r.n_mailboxes, 3);
	assert_string_equal(r.mailboxes[0].address, "taro@demo.example");
	assert_int_equal(r.mailboxes[0].used_bytes, 123456);
	assert_int_equal(r.mailboxes[0].messages, 42);
	assert_string_equal(r.mailboxes[2].address,
			    "x@xn--pss25c.example");
	assert_int_equal(r.mailbox_bytes, 123466);
	assert_int_equal(r.mailbox_messages, 43);
	report_free(&r);
	assert_null(r.mailboxes);

	/* null: nothing deferred; no mailboxes; the bounds themselves */
	rep = valid();
	json_object_set_new(sub(rep, "queue"), "oldest_deferred_s",
			    json_null());
	json_object_set_new(rep, "mailboxes", json_array());
	json_object_set_new(sub(rep, "fs"), "bytes_total",
			    json_integer(REPORT_BYTES_CAP - 1));
	json_object_set_new(rep, "uptime_s",
			    json_integer(REPORT_COUNT_CAP - 1));
	json_object_set_new(sub(rep, "versions"), "postfix",
			    json_string("123456789012345678901234567890"
					"123456789012345678901234567890123"));
	accepted(rep, &r);
	assert_int_equal(r.q_oldest_deferred_s, -1);
	assert_int_equal(r.n_mailboxes, 0);
	assert_int_equal(r.fs_bytes_total, REPORT_BYTES_CAP - 1);
	assert_int_equal(strlen(r.postfix_version), 63);
	report_free(&r);
}

static void
test_missing(void **state)
{
	static const char *const top[] = { "at", "uptime_s", "load",
		"versions", "fs", "queue", "mailboxes" };
	static const char *const fs[] = { "root", "bytes_total", "bytes_used",
		"bytes_free", "inodes_total", "inodes_used", "inodes_free" };
	static const char *const queue[] = { "active", "deferred", "hold",
		"incoming", "oldest_deferred_s" };
	char field[64];
	json_t *rep;

	(void)state;
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		rep = valid();
		json_object_del(rep, top[i]);
		snprintf(field, sizeof(field), "report.%s", top[i]);
		refused(rep, field, HK_R_report_missing);
	}
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		rep = valid();
		json_object_del(sub(rep, "fs"), fs[i]);
		snprintf(field, sizeof(field), "report.fs.%s", fs[i]);
		refused(rep, field, HK_R_report_missing);
	}
	for (size_t i = 0; i < sizeof(queue) / sizeof(queue[0]); i++) {
		rep = valid();
		json_object_del(sub(rep, "queue"), queue[i]);
		snprintf(field, sizeof(field), "report.queue.%s", queue[i]);
		refused(rep, field, HK_R_report_missing);
	}
	rep = valid();
	json_object_del(sub(rep, "versions"), "dovecot");
	refused(rep, "report.versions.dovecot", HK_R_report_missing);
}

static void
test_wrong_type(void **state)
{
	json_t *rep;

	(void)state;
	refused(json_array(), "report", HK_R_report_type);
	rep = valid();
	json_object_set_new(rep, "at", json_string("1764680000"));
	refused(rep, "report.at", HK_R_report_type);
	rep = valid();
	json_object_set_new(rep, "fs", json_array());
	refused(rep, "report.fs", HK_R_report_type);
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "bytes_used", json_real(400000));
	refused(rep, "report.fs.bytes_used", HK_R_report_type);
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "root", json_null());
	refused(rep, "report.fs.root", HK_R_report_type);
	rep = valid();
	json_object_set_new(sub(rep, "queue"), "oldest_deferred_s",
			    json_string("600"));
	refused(rep, "report.queue.oldest_deferred_s", HK_R_report_type);
	rep = valid();
	json_object_set_new(sub(rep, "queue"), "deferred", json_null());
	refused(rep, "report.queue.deferred", HK_R_report_type);
	rep = valid();
	json_array_remove(sub(rep, "load"), 2);
	refused(rep, "report.load", HK_R_report_type);
	rep = valid();
	json_array_set_new(sub(rep, "load"), 1, json_string("0.1"));
	refused(rep, "report.load[1]", HK_R_report_type);
	rep = valid();
	json_object_set_new(sub(rep, "versions"), "postfix", json_integer(3));
	refused(rep, "report.versions.postfix", HK_R_report_type);
	rep = valid();
	json_object_set_new(rep, "mailboxes", json_object());
	refused(rep, "report.mailboxes", HK_R_report_type);
	rep = valid();
	json_array_append_new(mailbox(rep, 1), json_integer(1));
	refused(rep, "report.mailboxes[1]", HK_R_report_type);
	rep = valid();
	json_array_set_new(sub(rep, "mailboxes"), 2, json_string("a@b.example"));
	refused(rep, "report.mailboxes[2]", HK_R_report_type);
	rep = valid();
	json_array_set_new(mailbox(rep, 0), 0, json_integer(7));
	refused(rep, "report.mailboxes[0][0]", HK_R_report_type);
	rep = valid();
	json_array_set_new(mailbox(rep, 1), 1, json_string("12"));
	refused(rep, "report.mailboxes[1][1]", HK_R_report_type);
	rep = valid();
	json_array_set_new(mailbox(rep, 2), 2, json_real(1.5));
	refused(rep, "report.mailboxes[2][2]", HK_R_report_type);
}

static void
test_negative_and_absurd(void **state)
{
	json_t *rep;

	(void)state;
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "bytes_free", json_integer(-1));
	refused(rep, "report.fs.bytes_free", HK_R_report_range);
	rep = valid();
	json_object_set_new(rep, "at", json_integer(-5));
	refused(rep, "report.at", HK_R_report_range);
	rep = valid();
	json_object_set_new(sub(rep, "queue"), "oldest_deferred_s",
			    json_integer(-1));
	refused(rep, "report.queue.oldest_deferred_s", HK_R_report_range);
	rep = valid();
	json_array_set_new(sub(rep, "load"), 0, json_real(-0.5));
	refused(rep, "report.load[0]", HK_R_report_range);
	rep = valid();
	json_array_set_new(mailbox(rep, 1), 2, json_integer(-3));
	refused(rep, "report.mailboxes[1][2]", HK_R_report_range);

	rep = valid();
	json_object_set_new(sub(rep, "fs"), "bytes_total",
			    json_integer(REPORT_BYTES_CAP));
	refused(rep, "report.fs.bytes_total", HK_R_report_range);
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "inodes_total",
			    json_integer(REPORT_COUNT_CAP));
	refused(rep, "report.fs.inodes_total", HK_R_report_range);
	rep = valid();
	json_object_set_new(sub(rep, "queue"), "deferred",
			    json_integer(INT64_MAX));
	refused(rep, "report.queue.deferred", HK_R_report_range);
	rep = valid();
	json_object_set_new(rep, "uptime_s", json_integer(REPORT_COUNT_CAP));
	refused(rep, "report.uptime_s", HK_R_report_range);
	rep = valid();
	json_array_set_new(sub(rep, "load"), 2, json_real(REPORT_LOAD_CAP));
	refused(rep, "report.load[2]", HK_R_report_range);
	rep = valid();
	json_array_set_new(mailbox(rep, 0), 1, json_integer(REPORT_BYTES_CAP));
	refused(rep, "report.mailboxes[0][1]", HK_R_report_range);
	rep = valid();
	json_array_set_new(mailbox(rep, 0), 2, json_integer(REPORT_COUNT_CAP));
	refused(rep, "report.mailboxes[0][2]", HK_R_report_range);
}

static void
test_over_total(void **state)
{
	json_t *rep;

	(void)state;
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "bytes_used",
			    json_integer(1000001));
	refused(rep, "report.fs.bytes_used", HK_R_report_over_total);
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "inodes_used", json_integer(1001));
	refused(rep, "report.fs.inodes_used", HK_R_report_over_total);
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "bytes_free", json_integer(600001));
	refused(rep, "report.fs.bytes_free", HK_R_report_used_free);
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "inodes_free", json_integer(991));
	refused(rep, "report.fs.inodes_free", HK_R_report_used_free);
	/* exactly full is a report */
	rep = valid();
	json_object_set_new(sub(rep, "fs"), "bytes_free", json_integer(600000));
	json_object_set_new(sub(rep, "fs"), "inodes_free", json_integer(990));
	{
		struct guest_report r;

		accepted(rep, &r);
		report_free(&r);
	}
}

static void
test_versions(void **state)
{
	json_t *rep;

	(void)state;
	rep = valid();
	json_object_set_new(sub(rep, "versions"), "dovecot",
			    json_string("1234567890123456789012345678901234"
					"567890123456789012345678901234"));
	refused(rep, "report.versions.dovecot", HK_R_report_version);
	rep = valid();
	json_object_set_new(sub(rep, "versions"), "postfix",
			    json_string("3.7\n11"));
	refused(rep, "report.versions.postfix", HK_R_report_version);
	rep = valid();
	json_object_set_new(sub(rep, "versions"), "postfix",
			    json_string("3.7\xc3\xa9"));
	refused(rep, "report.versions.postfix", HK_R_report_version);
}

/* Each of these is refused as the first mailbox's address. */
static void
test_bad_address(void **state)
{
	static const char *const bad[] = {
		"Taro@demo.example",		/* not lower case */
		"taro@Demo.example",
		"taro@\xe5\xa4\xa7\xe5\xad\xa6.example",	/* a U-label */
		"taro@xn--zzzzz-zzzzz.example",	/* not Punycode */
		"taro", "@demo.example", "taro@", "taro@demo",
		"a..b@demo.example", ".a@demo.example", "a b@demo.example",
		"taro@demo.example.", "taro@@demo.example", "",
	};
	json_t *rep;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rep = valid();
		json_array_set_new(mailbox(rep, 0), 0, json_string(bad[i]));
		refused(rep, "report.mailboxes[0][0]", HK_R_report_address);
	}
	/* a NUL inside the string: jansson keeps it, the check sees it */
	rep = valid();
	json_array_set_new(mailbox(rep, 1), 0,
			   json_stringn("hanako\0@demo.example", 20));
	refused(rep, "report.mailboxes[1][0]", HK_R_report_address);
}

static void
test_duplicate(void **state)
{
	struct hk_err err;
	struct guest_report r;
	json_t *rep = valid();

	(void)state;
	json_array_append_new(sub(rep, "mailboxes"),
			      json_pack("[sii]", "hanako@demo.example", 1, 1));
	hk_err_clear(&err);
	assert_int_equal(report_from_json(rep, &r, &err), -1);
	assert_string_equal(err.field, "report.mailboxes[3][0]");
	assert_int_equal(err.reason, HK_R_report_address_twice);
	assert_string_equal(hk_err_param(&err, "address"),
			    "hanako@demo.example");
	json_decref(rep);
}

static void
test_too_many(void **state)
{
	json_t *rep = valid(), *list = json_array();

	(void)state;
	/* the count is judged before any entry (json_null() is shared) */
	for (size_t i = 0; i <= REPORT_MAX_MAILBOXES; i++)
		json_array_append_new(list, json_null());
	json_object_set_new(rep, "mailboxes", list);
	refused(rep, "report.mailboxes", HK_R_report_too_many);
}

static void
test_sum(void **state)
{
	json_t *rep = valid(), *list = json_array();
	char addr[32];

	(void)state;
	/* each mailbox in range, their sum not */
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof(addr), "u%d@demo.example", i);
		json_array_append_new(list, json_pack("[sIi]", addr,
			(json_int_t)(REPORT_BYTES_CAP - 1), 1));
	}
	json_object_set_new(rep, "mailboxes", list);
	refused(rep, "report.mailboxes", HK_R_report_sum_range);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_negative_and_absurd),
		cmocka_unit_test(test_over_total),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
