/* SPDX-License-Identifier: ISC */
/*
 * test_mapdelta.c - src/common/mapdelta.c: keyed edits made to a base
 * equal the file rendered whole (added, replaced and dropped keys,
 * domains dropped, the catch-all's "@domain"), in each file's order (by
 * domain then local part for passwd; by bytes for the alias map, where a
 * digit sorts before ':'); edits out of their group, order or grammar
 * refused with the edit's line; a base out of order refused; and
 * mapdelta_sort() putting any order into the file's.
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

#include "mapdelta.h"

#define PW(a)	a ":{SHA512-CRYPT}$6$s$h:5000:5000::/var/mail/vhosts/x/y::\n"

/* base + edits of file, as text (static). */
static const char *
applied(const char *file, const char *base, const char *edits)
{
	static char buf[4096];
	struct strbuf out;
	struct hk_err err;

	strbuf_init(&out, 0);
	if (mapdelta_check(file, edits, strlen(edits), &err) != 0)
		fail_msg("edits refused: %s", err.message);
	if (mapdelta_apply(file, base, strlen(base), edits, strlen(edits),
			   &out, &err) != 0)
		fail_msg("apply: %s", err.message);
	snprintf(buf, sizeof(buf), "%s", strbuf_str(&out));
	strbuf_free(&out);
	return buf;
}

static void
test_passwd_by_domain(void **state)
{
	const char *base = PW("b@a.example") PW("z@a.example")
	    PW("a@b.example") PW("m@b.example");

	(void)state;
	/* a new mailbox between two domains' others, one replaced, one gone */
	assert_string_equal(applied("passwd", base,
		"-z@a.example\n+" PW("c@a.example") "+" PW("m@b.example")),
		PW("b@a.example") PW("c@a.example") PW("a@b.example")
		PW("m@b.example"));
	/* a whole domain dropped and given again, with one line less */
	assert_string_equal(applied("passwd", base,
		"=a.example\n+" PW("b@a.example")),
		PW("b@a.example") PW("a@b.example") PW("m@b.example"));
	/* nothing: the base */
	assert_string_equal(applied("passwd", base, ""), base);
	/* into an empty file */
	assert_string_equal(applied("passwd", "", "+" PW("x@c.example")),
			    PW("x@c.example"));
	/* a key dropped that was not there: the base */
	assert_string_equal(applied("passwd", base, "-q@q.example\n"), base);
}

static void
test_alias_by_bytes(void **state)
{
	const char *base = "@a.example m@a.example\n"
			   "a1@a.example m@a.example\n"
			   "a@a.example m@a.example\n"
			   "b@b.example m@b.example\n";

	(void)state;
	assert_string_equal(applied("virtual_alias_maps", base,
		"-a1@a.example\n+@a.example k@a.example\n"
		"+a0@a.example m@a.example\n"),
		"@a.example k@a.example\na0@a.example m@a.example\n"
		"a@a.example m@a.example\nb@b.example m@b.example\n");
	/* "@domain" is in its domain */
	assert_string_equal(applied("virtual_alias_maps", base,
				    "=a.example\n"),
			    "b@b.example m@b.example\n");
}

/* Refused, naming the line: the message must hold `what`. */
static void
refused(const char *file, const char *edits, const char *what)
{
	struct hk_err err;

	if (mapdelta_check(file, edits, strlen(edits), &err) == 0)
		fail_msg("accepted: %s", edits);
	assert_int_equal(err.code, HK_EINVAL);
	if (strstr(err.message, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.message, what);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("passwd", "+" PW("b@a.example") "+" PW("a@a.example"),
		"edit 2: out of order");
	refused("passwd", "+" PW("a@a.example") "+" PW("a@a.example"),
		"edit 2: out of order or twice");
	refused("passwd", "+" PW("a@a.example") "-b@a.example\n",
		"edit 2: out of its group");
	refused("passwd", "-b@a.example\n=a.example\n", "edit 2");
	refused("passwd", "-b@a.example\n-a@a.example\n", "edit 2");
	refused("passwd", "=a.example\n=a.example\n", "edit 2");
	refused("passwd", "=a..example\n", "edit 1: not a domain");
	refused("passwd", "-../etc\n", "edit 1: not an address");
	refused("passwd", "+b@a.example OK\n", "edit 1: not a line");
	refused("passwd", "*a@a.example\n", "edit 1: not =, - or +");
	refused("passwd", "\n", "edit 1");
	refused("passwd", "-a@a.example", "newline");
	refused("transport", "", "not a keyed file");
	refused("virtual_alias_maps", "+a@a.example b@a.example\nx", "newline");
}

static void
test_base_out_of_order(void **state)
{
	const char *base = PW("z@a.example") PW("b@a.example");
	struct strbuf out;
	struct hk_err err;

	(void)state;
	strbuf_init(&out, 0);
	assert_int_equal(mapdelta_apply("passwd", base, strlen(base), "", 0,
					&out, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "not in key order"));
	strbuf_free(&out);
	/* a ceiling reached: refused, not cut short */
	strbuf_init(&out, 10);
	assert_int_equal(mapdelta_apply("passwd", PW("a@a.example"),
					strlen(PW("a@a.example")), "", 0,
					&out, &err), -1);
	strbuf_free(&out);
}

static void
test_sort(void **state)
{
	char text[] = PW("m@b.example") PW("z@a.example") PW("a@b.example")
	    PW("b@a.example");
	char alias[] = "a@a.example x@a.example\n@a.example x@a.example\n"
		       "a1@a.example x@a.example\n";

	(void)state;
	assert_int_equal(mapdelta_sort("passwd", text, strlen(text)), 0);
	assert_string_equal(text, PW("b@a.example") PW("z@a.example")
			    PW("a@b.example") PW("m@b.example"));
	assert_int_equal(mapdelta_sort("virtual_alias_maps", alias,
				       strlen(alias)), 0);
	assert_string_equal(alias, "@a.example x@a.example\n"
			    "a1@a.example x@a.example\na@a.example x@a.example\n");
	assert_true(mapdelta_cmp("passwd", "z@a", 3, "a@b", 3) < 0);
	assert_true(mapdelta_cmp("virtual_alias_maps", "z@a", 3, "a@b", 3) > 0);
	assert_int_equal(mapdelta_keylen("passwd", "a@b:c d", 7), 3);
	assert_int_equal(mapdelta_keylen("sieve", "a@b:c d", 7), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwd_by_domain),
		cmocka_unit_test(test_alias_by_bytes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_base_out_of_order),
		cmocka_unit_test(test_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
