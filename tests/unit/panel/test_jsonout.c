/* SPDX-License-Identifier: ISC */
/* test_jsonout.c - jsonout() writes what jansson's json_dumps(JSON_COMPACT)
 * writes, byte for byte, for values with every kind of member and every
 * character a JSON string must escape; and a full buffer is an error.
 * jsonout_error() shows a refusal's reason and parameters, an internal
 * failure's nothing but "internal error". */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonout.h"

static void
same_as_jansson(json_t *v)
{
	struct strbuf sb;
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	strbuf_init(&sb, 0);
	assert_int_equal(jsonout(&sb, v), 0);
	if (strcmp(strbuf_str(&sb), want) != 0)
		fail_msg("jsonout %s\n  jansson %s", strbuf_str(&sb), want);
	free(want);
	strbuf_free(&sb);
}

static void
test_values(void **state)
{
	static const char *const texts[] = {
		"{}", "[]", "null", "true", "false", "0", "-9223372036854775808",
		"9223372036854775807", "\"\"", "\"plain text\"",
		"{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{\"e\":\"f\"}}",
		"[\"\\\"quoted\\\" and \\\\back\\\\slashed\"]",
		"[\"\\b\\f\\n\\r\\t\"]",
		"[\"\\u0001\\u001f\\u007f/\"]",
		"{\"key\\n\\u0001\":\"\\u0000\"}",
		"[\"松井 matsui@大学.example\", \"\\ud83d\\ude00\"]",
		"{\"items\":[{\"address\":\"m@pc1.example\",\"active\":true,"
		"\"quota_bytes\":1073741824,\"name\":\"\"}],"
		"\"next_cursor\":null}",
	};
	json_error_t jerr;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY |
				       JSON_ALLOW_NUL, &jerr);

		if (v == NULL)
			fail_msg("%s: %s", texts[i], jerr.text);
		same_as_jansson(v);
		json_decref(v);
	}
	/* every byte value a string can hold, one string each */
	for (int c = 1; c < 256; c++) {
		char s[2] = { (char)c, 0 };
		json_t *v = c < 0x80 ? json_string(s) : json_string("é");

		same_as_jansson(v);
		json_decref(v);
	}
}

static void
test_full_buffer(void **state)
{
	struct strbuf sb;
	json_t *v = json_pack("{s:s}", "key", "a value longer than ten");

	(void)state;
	strbuf_init(&sb, 10);
	assert_int_equal(jsonout(&sb, v), -1);
	assert_true(sb.overflow);
	strbuf_free(&sb);
	json_decref(v);
}

static const char *
member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
test_error(void **state)
{
	struct hk_err err;
	json_t *e;

	(void)state;
	hk_failr(&err, HK_EEXIST, "local_part", HK_R_mailbox_exists, "local",
		 "matsui", "domain", "pc1.example", NULL);
	e = jsonout_error(&err);
	assert_string_equal(member(e, "code"), "conflict");
	assert_string_equal(member(e, "field"), "local_part");
	assert_string_equal(member(e, "reason"), "mailbox_exists");
	assert_string_equal(member(e, "message"),
			    "mailbox matsui@pc1.example exists");
	assert_int_equal(json_object_size(json_object_get(e, "params")), 2);
	assert_string_equal(member(json_object_get(e, "params"), "domain"),
			    "pc1.example");
	json_decref(e);
	/* a value that is not UTF-8 is cleaned, not dropped */
	hk_failr(&err, HK_ENOTFOUND, "domain", HK_R_no_domain, "domain",
		 "a\xff.example", NULL);
	e = jsonout_error(&err);
	assert_non_null(member(json_object_get(e, "params"), "domain"));
	json_decref(e);
	/* internal: the words only, whatever the failure held */
	hk_failr(&err, HK_EDB, NULL, HK_R_mailbox_exists, "local", "secret",
		 "domain", "x.example", NULL);
	e = jsonout_error(&err);
	assert_string_equal(member(e, "message"), "internal error");
	assert_null(json_object_get(e, "reason"));
	assert_null(json_object_get(e, "params"));
	json_decref(e);
	hk_fail(&err, HK_ESYS, NULL, "out of memory");
	e = jsonout_error(&err);
	assert_null(json_object_get(e, "reason"));
	json_decref(e);
	/* a directory that is down is told, with its reason, not hidden */
	hk_failr(&err, HK_EUNAVAIL, "ldap", HK_R_directory_unreachable, "uri",
		 "ldaps://ldap.example.org", "detail", "Can't contact LDAP server",
		 NULL);
	assert_false(hk_err_internal(err.code));
	e = jsonout_error(&err);
	assert_string_equal(member(e, "code"), "unavailable");
	assert_string_equal(member(e, "reason"), "directory_unreachable");
	assert_string_equal(member(e, "message"), "the directory "
			    "ldaps://ldap.example.org cannot be reached: "
			    "Can't contact LDAP server");
	json_decref(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_full_buffer),
		cmocka_unit_test(test_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
