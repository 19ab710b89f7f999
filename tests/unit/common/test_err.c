/* SPDX-License-Identifier: ISC */
/*
 * test_err.c - src/common/err.c: a refusal's reason and parameters, and
 * its English message made from the reason's template (reasons.def):
 * placeholders filled verbatim, values cut whole, a failure without a
 * reason clearing the last one's; and the web panel's two catalogues
 * (www/i18n/{en,ja}.json, "reasons") word every reason with exactly its
 * placeholders, and no reason that is not in reasons.def.
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
#include <jansson.h>

#include "err.h"
#include "utf8.h"

static void
test_template_filled(void **state)
{
	struct hk_err err;

	(void)state;
	assert_int_equal(hk_failr(&err, HK_EEXIST, "local_part",
				  HK_R_mailbox_exists, "local", "matsui",
				  "domain", "pc1.example", NULL), -1);
	assert_int_equal(err.code, HK_EEXIST);
	assert_int_equal(err.reason, HK_R_mailbox_exists);
	assert_string_equal(hk_reason_name(err.reason), "mailbox_exists");
	assert_string_equal(err.field, "local_part");
	assert_string_equal(err.message, "mailbox matsui@pc1.example exists");
	assert_int_equal(err.nparams, 2);
	assert_string_equal(hk_err_param(&err, "domain"), "pc1.example");
	assert_null(hk_err_param(&err, "address"));
	/* numbers, and a value holding braces is not read again */
	hk_failr(&err, HK_EINVAL, "password", HK_R_at_least_characters,
		 "min", HK_NUM(-12), NULL);
	assert_string_equal(err.message, "must be at least -12 characters");
	hk_failr(&err, HK_EEXIST, NULL, HK_R_mailbox_exists, "local",
		 "{domain}", "domain", "x.example", NULL);
	assert_string_equal(err.message, "mailbox {domain}@x.example exists");
	/* braces that name no parameter stay as written */
	hk_failr(&err, HK_EINVAL, "password_hash", HK_R_hash_scheme, NULL);
	assert_non_null(strstr(err.message, "{SHA512-CRYPT}$6$"));
	/* NULL err: only the return */
	assert_int_equal(hk_failr(NULL, HK_EINVAL, NULL, HK_R_required, NULL),
			 -1);
}

static void
test_values_cut_whole(void **state)
{
	struct hk_err err;
	char big[1000];
	size_t n = 0;

	(void)state;
	while (n + 3 < sizeof(big))
		n += (size_t)snprintf(big + n, sizeof(big) - n, "あ");
	hk_failr(&err, HK_EEXIST, NULL, HK_R_mailbox_exists, "local", big,
		 "domain", big, "three", "3", "four", "4", "five", "5", NULL);
	/* a parameter is cut at a character, the message too */
	assert_int_equal(err.nparams, HK_PARAMS_MAX);
	assert_true(strlen(err.params[0].value) < sizeof(err.params[0].value));
	assert_int_equal(strlen(err.params[0].value) % 3, 0);
	assert_true(utf8_valid(err.params[0].value,
			       strlen(err.params[0].value)));
	assert_true(strlen(err.message) < sizeof(err.message));
	assert_true(utf8_valid(err.message, strlen(err.message)));
	assert_null(hk_err_param(&err, "five"));
}

static void
test_internal_has_no_reason(void **state)
{
	struct hk_err err;

	(void)state;
	hk_failr(&err, HK_EEXIST, NULL, HK_R_mailbox_exists, "local", "a",
		 "domain", "b.example", NULL);
	hk_fail(&err, HK_EDB, NULL, "sqlite: %s", "busy");
	assert_int_equal(err.reason, HK_R_none);
	assert_int_equal(err.nparams, 0);
	assert_string_equal(hk_reason_name(err.reason), "");
	assert_string_equal(err.message, "sqlite: busy");
	/* every reason has its id and its template */
	for (int r = HK_R_none + 1; r < HK_R_COUNT; r++) {
		assert_true(hk_reason_name((enum hk_reason)r)[0] != '\0');
		assert_true(hk_reason_template((enum hk_reason)r)[0] != '\0');
	}
	assert_string_equal(hk_reason_name(HK_R_COUNT), "");
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The {name} placeholders of s (a name: letters, digits, '_'), sorted,
 * joined by spaces, into out. */
static void
placeholders(const char *s, char *out, size_t size)
{
	char names[16][32];
	int n = 0;
	size_t k, len = 0;

	for (const char *p = s; (p = strchr(p, '{')) != NULL; p++) {
		k = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (k == 0 || p[1 + k] != '}' || k >= sizeof(names[0]) ||
		    n == 16)
			continue;
		snprintf(names[n++], sizeof(names[0]), "%.*s", (int)k, p + 1);
	}
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			len += (size_t)snprintf(out + len, size - len, " %s",
						names[i]);
}

/* Each of words' entries is a reason of reasons.def with exactly its
 * placeholders, in the panel's words; all must be there when all. */
static void
check_words(const char *where, json_t *words, int all)
{
	char want[512], got[512];
	const char *key;
	json_t *v;

	assert_true(json_is_object(words));
	for (int r = HK_R_none + 1; all && r < HK_R_COUNT; r++)
		if (json_object_get(words, hk_reason_name(r)) == NULL)
			fail_msg("%s.%s is missing", where,
				 hk_reason_name(r));
	json_object_foreach(words, key, v) {
		int r = HK_R_none + 1;

		while (r < HK_R_COUNT && strcmp(hk_reason_name(r), key))
			r++;
		if (r == HK_R_COUNT)
			fail_msg("%s.%s is in no reasons.def line", where, key);
		if (!json_is_string(v))
			fail_msg("%s.%s is not a string", where, key);
		placeholders(hk_reason_template(r), want, sizeof(want));
		placeholders(json_string_value(v), got, sizeof(got));
		if (strcmp(want, got) != 0)
			fail_msg("%s.%s has {%s }, reasons.def {%s }", where,
				 key, got, want);
		/* the panel's words, not the API's */
		if (strstr(json_string_value(v), "upsert") != NULL)
			fail_msg("%s.%s says upsert", where, key);
	}
}

static void
test_catalogues(void **state)
{
	static const char *const langs[] = { "en", "ja" };

	(void)state;
	for (size_t l = 0; l < sizeof(langs) / sizeof(langs[0]); l++) {
		char path[4096], where[64];
		json_error_t jerr;
		json_t *doc;

		snprintf(path, sizeof(path), "%s/www/i18n/%s.json",
			 HK_TOP_SRCDIR, langs[l]);
		if ((doc = json_load_file(path, 0, &jerr)) == NULL)
			fail_msg("%s: %s", path, jerr.text);
		snprintf(where, sizeof(where), "%s.json: reasons", langs[l]);
		check_words(where, json_object_get(doc, "reasons"), 1);
		/* the import page's own words for some */
		snprintf(where, sizeof(where), "%s.json: import.reasons",
			 langs[l]);
		check_words(where, json_object_get(json_object_get(doc,
			    "import"), "reasons"), 0);
		json_decref(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_filled),
		cmocka_unit_test(test_values_cut_whole),
		cmocka_unit_test(test_internal_has_no_reason),
		cmocka_unit_test(test_catalogues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
