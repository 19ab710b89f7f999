/* SPDX-License-Identifier: ISC */
/*
 * test_mtaout.c - src/common/mtaout.c on output captured from a test
 * guest's Dovecot 2.3.19.1 (`doveadm -f tab quota get -A`) and Postfix
 * 3.7.11 (`postqueue -j`, a message deferred, then held), and on the ways
 * such output can be wrong: each must be refused, never half read.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mtaout.h"

#define HDR	"Username\tQuota name\tType\tValue\tLimit\t%\n"
/* As captured (a@ then held one 3 KiB message): a@ with a 20000 B
 * quota (Limit in KiB), b@ without. */
#define QUOTA_REAL HDR \
	"a@x.example\tUser quota\tSTORAGE\t3\t20\t15\n" \
	"a@x.example\tUser quota\tMESSAGE\t1\t-\t0\n" \
	"b@x.example\tUser quota\tSTORAGE\t0\t-\t0\n" \
	"b@x.example\tUser quota\tMESSAGE\t0\t-\t0\n"

#define PQ_DEFERRED(id, at) "{\"queue_name\": \"deferred\", \"queue_id\": \"" \
	id "\", \"arrival_time\": " at ", \"message_size\": 259, " \
	"\"forced_expire\": false, \"sender\": \"sender@y.test\", " \
	"\"recipients\": [{\"address\": \"rcpt2@z.test\", \"delay_reason\": " \
	"\"deferred transport\"}]}\n"
#define PQ_HOLD "{\"queue_name\": \"hold\", \"queue_id\": \"4094C118F35\", " \
	"\"arrival_time\": 1796219353, \"message_size\": 259, " \
	"\"forced_expire\": false, \"sender\": \"sender@y.test\", " \
	"\"recipients\": [{\"address\": \"rcpt1@z.test\", \"delay_reason\": " \
	"\"deferred transport\"}]}\n"

struct seen {
	int n;
	char user[4][64];
	int64_t bytes[4], messages[4];
};

static int
collect(void *ctx, const struct mtaout_mailbox *m, struct hk_err *err)
{
	struct seen *s = ctx;

	(void)err;
	if (s->n == 4)
		return -1;
	snprintf(s->user[s->n], sizeof(s->user[0]), "%.*s", (int)m->user_len,
		 m->user);
	s->bytes[s->n] = m->bytes;
	s->messages[s->n++] = m->messages;
	return 0;
}

static int
quota(const char *text, struct seen *s, struct hk_err *err)
{
	memset(s, 0, sizeof(*s));
	return mtaout_quota_tab(text, strlen(text), collect, s, err);
}

static void
test_quota_captured(void **state)
{
	struct hk_err err;
	struct seen s;

	(void)state;
	assert_int_equal(quota(QUOTA_REAL, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.user[0], "a@x.example");
	assert_int_equal(s.bytes[0], 3 * 1024);	/* KiB as bytes */
	assert_int_equal(s.messages[0], 1);
	assert_string_equal(s.user[1], "b@x.example");
	assert_int_equal(s.bytes[1], 0);
	assert_int_equal(s.messages[1], 0);
	/* MESSAGE before STORAGE, no final newline; nothing at all */
	assert_int_equal(quota(HDR "c@x\tUser quota\tMESSAGE\t7\t-\t0\n"
			       "c@x\tUser quota\tSTORAGE\t9\t-\t0", &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.bytes[0], 9216);
	assert_int_equal(s.messages[0], 7);
	assert_int_equal(quota("", &s, &err), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(quota(HDR, &s, &err), 0);
	assert_int_equal(s.n, 0);
}

static void
test_quota_refused(void **state)
{
	static const char *const bad[] = {
		/* the flow format, or another command's header */
		"a@x.example Quota name=User quota Type=STORAGE Value=0 "
		"Limit=20 %=0\n",
		"Username\tQuota name\tType\tValue\tLimit\n",
		/* a row short of a field, or with one more */
		HDR "a@x\tUser quota\tSTORAGE\t3\t20\n",
		HDR "a@x\tUser quota\tSTORAGE\t3\t20\t15\tx\n",
		/* a user without its MESSAGE row, before another or at the end */
		HDR "a@x\tUser quota\tSTORAGE\t3\t20\t15\n"
		"b@x\tUser quota\tSTORAGE\t0\t-\t0\n"
		"b@x\tUser quota\tMESSAGE\t0\t-\t0\n",
		HDR "a@x\tUser quota\tSTORAGE\t3\t20\t15\n",
		/* a type twice, an unknown type, a value not a count */
		HDR "a@x\tUser quota\tSTORAGE\t3\t20\t15\n"
		"a@x\tUser quota\tSTORAGE\t3\t20\t15\n",
		HDR "a@x\tUser quota\tINODES\t3\t-\t0\n",
		HDR "a@x\tUser quota\tSTORAGE\t-1\t-\t0\n",
		HDR "a@x\tUser quota\tSTORAGE\terror\t-\t0\n",
		HDR "a@x\tUser quota\tSTORAGE\t\t-\t0\n",
		HDR "a@x\tUser quota\tSTORAGE\t9999999999999999999\t-\t0\n",
		/* a user blank, with a space, or not UTF-8 */
		HDR "\tUser quota\tSTORAGE\t3\t-\t0\n",
		HDR "a b@x\tUser quota\tSTORAGE\t3\t-\t0\n",
		HDR "a\xff@x\tUser quota\tSTORAGE\t3\t-\t0\n",
		/* a second quota root */
		HDR "a@x\tUser quota\tSTORAGE\t3\t20\t15\n"
		"a@x\tUser quota\tMESSAGE\t1\t-\t0\n"
		"b@x\tOther\tSTORAGE\t0\t-\t0\n"
		"b@x\tOther\tMESSAGE\t0\t-\t0\n",
		NULL
	};
	struct hk_err err;
	struct seen s;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		hk_err_clear(&err);
		if (quota(bad[i], &s, &err) != -1)
			fail_msg("accepted #%d: %s", i, bad[i]);
		assert_int_equal(err.code, HK_EPROTO);
	}
}

static void
test_queue_captured(void **state)
{
	const char *deferred = PQ_DEFERRED("96584118D03", "1796219353")
	    PQ_DEFERRED("4094C118F35", "1796219300");
	const char *mixed = PQ_HOLD PQ_DEFERRED("96584118D03", "1796219353")
	    "{\"queue_name\": \"active\", \"arrival_time\": 5}\n"
	    "{\"queue_name\": \"incoming\", \"arrival_time\": 5}\n"
	    "{\"queue_name\": \"maildrop\", \"arrival_time\": 5}";
	struct mtaout_queue q;
	struct hk_err err;

	(void)state;
	assert_int_equal(mtaout_postqueue(deferred, strlen(deferred), &q,
					  &err), 0);
	assert_int_equal(q.deferred, 2);
	assert_int_equal(q.active + q.hold + q.incoming, 0);
	assert_int_equal(q.oldest_deferred_at, 1796219300);
	assert_int_equal(mtaout_postqueue(mixed, strlen(mixed), &q, &err), 0);
	assert_int_equal(q.hold, 1);
	assert_int_equal(q.deferred, 1);
	assert_int_equal(q.active, 1);
	assert_int_equal(q.incoming, 2);	/* maildrop counts as incoming */
	assert_int_equal(q.oldest_deferred_at, 1796219353);
	assert_int_equal(mtaout_postqueue("", 0, &q, &err), 0);
	assert_int_equal(q.deferred + q.hold, 0);
	assert_true(q.oldest_deferred_at == INT64_MAX);
}

static void
test_queue_refused(void **state)
{
	static const char *const bad[] = {
		"Mail queue is empty\n",
		"{\"queue_name\": \"corrupt\", \"arrival_time\": 1}\n",
		"{\"queue_name\": \"deferred\"}\n",
		"{\"queue_name\": \"deferred\", \"arrival_time\": -1}\n",
		"{\"queue_name\": \"deferred\", \"arrival_time\": \"1\"}\n",
		"{\"queue_name\": 1, \"arrival_time\": 1}\n",
		"[\"deferred\", 1]\n",
		"{\"queue_name\": \"hold\", \"queue_name\": \"deferred\", "
		"\"arrival_time\": 1}\n",
		PQ_HOLD "\n" PQ_HOLD,	/* an empty line */
		PQ_HOLD "{\"queue_name\": \"hold\", \"arrival_ti",
		NULL
	};
	struct mtaout_queue q;
	struct hk_err err;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		hk_err_clear(&err);
		if (mtaout_postqueue(bad[i], strlen(bad[i]), &q, &err) != -1)
			fail_msg("accepted #%d: %s", i, bad[i]);
		assert_int_equal(err.code, HK_EPROTO);
	}
}

/* Files as Dovecot 2.3's quota_clone writes them (dict driver "file"),
 * keys in either order. */
static void
test_clone_read(void **state)
{
	static const char a[] = "priv/quota/storage\n464\n"
				"priv/quota/messages\n1\n";
	static const char b[] = "priv/quota/messages\n0\n"
				"priv/quota/storage\n0\n";
	static const char other[] = "priv/quota/messages\n7\nshared/x\ny\n"
				    "priv/quota/storage\n123456789012\n";
	int64_t bytes = -1, messages = -1;
	struct hk_err err;

	(void)state;
	assert_int_equal(mtaout_quota_clone(a, strlen(a), &bytes, &messages,
					    &err), 0);
	assert_int_equal(bytes, 464);
	assert_int_equal(messages, 1);
	assert_int_equal(mtaout_quota_clone(b, strlen(b), &bytes, &messages,
					    &err), 0);
	assert_int_equal(bytes + messages, 0);
	assert_int_equal(mtaout_quota_clone(other, strlen(other), &bytes,
					    &messages, &err), 0);
	assert_int_equal(bytes, 123456789012LL);
	assert_int_equal(messages, 7);
}

static void
test_clone_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"priv/quota/storage\n464\n",
		"priv/quota/messages\n1\n",
		"priv/quota/storage\n464\npriv/quota/messages\n",
		"priv/quota/storage\n-4\npriv/quota/messages\n1\n",
		"priv/quota/storage\n4 \npriv/quota/messages\n1\n",
		"priv/quota/storage\n\npriv/quota/messages\n1\n",
		"priv/quota/storage\n1\npriv/quota/messages\n1\n"
		"priv/quota/storage\n2\n",
		"priv/quota/storage\n99999999999999999999\n"
		"priv/quota/messages\n1\n",
		NULL
	};
	int64_t bytes, messages;
	struct hk_err err;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		hk_err_clear(&err);
		if (mtaout_quota_clone(bad[i], strlen(bad[i]), &bytes,
				       &messages, &err) != -1)
			fail_msg("accepted #%d: %s", i, bad[i]);
		assert_int_equal(err.code, HK_EPROTO);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_captured),
		cmocka_unit_test(test_quota_refused),
		cmocka_unit_test(test_queue_captured),
		cmocka_unit_test(test_queue_refused),
		cmocka_unit_test(test_clone_read),
		cmocka_unit_test(test_clone_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
