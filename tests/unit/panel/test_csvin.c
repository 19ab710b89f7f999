/* SPDX-License-Identifier: ISC */
/* test_csvin.c - csvin.c: RFC 4180, encodings, lines, limits, headers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <cmocka.h>

#include "csvin.h"

static const struct csvin_limits dflt = CSVIN_DEFAULT_LIMITS;

/* a literal and its length, NULs included */
#define L(s) s, sizeof(s) - 1

/* Parsed, or the test fails with the error. */
static void
parse_ok(const char *s, size_t n, enum csvin_encoding enc,
	 const struct csvin_limits *lim, struct csvin_doc *doc)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (csvin_parse(s, n, enc, lim ? lim : &dflt, doc, &err) != 0)
		fail_msg("refused: %s: %s", err.field, err.message);
}

/* Refused with exactly this field, a message holding why, doc empty. */
static void
refused_n(const char *s, size_t n, enum csvin_encoding enc,
	  const struct csvin_limits *lim, const char *field, const char *why)
{
	struct csvin_doc doc;
	struct hk_err err;

	hk_err_clear(&err);
	if (csvin_parse(s, n, enc, lim ? lim : &dflt, &doc, &err) == 0)
		fail_msg("accepted, %zu rows: want %s: %s", doc.nrows, field,
			 why);
	assert_string_equal(err.field, field);
	if (strstr(err.message, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.message, why);
	assert_null(doc.text);
	assert_null(doc.rows);
	assert_null(doc.header.cells);
	assert_int_equal(doc.nrows, 0);
	assert_int_equal(err.code, strstr(why, "larger") ? HK_ETOOBIG :
			 HK_EINVAL);
}

static void
refused(const char *s, enum csvin_encoding enc, const char *field,
	const char *why)
{
	refused_n(s, strlen(s), enc, NULL, field, why);
}

static void
row_is(const struct csvin_row *row, size_t line, size_t n, ...)
{
	va_list ap;

	assert_int_equal(row->line, line);
	assert_int_equal(row->nfields, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(csvin_cell(row, (int)i), va_arg(ap, const char *));
	va_end(ap);
}

static void
test_rfc4180(void **state)
{
	static const char in[] =
	    "a,b,c\r\n"					/* 1 */
	    "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"		/* 2 */
	    "\r\n"					/* 3 */
	    "2,\"multi\r\nline\nfield\",z\r\n"		/* 4-6 */
	    "\n"					/* 7 */
	    "3,,\n"					/* 8 */
	    " 4 , x ,\"\"\n"				/* 9 */
	    "\"5\nx\",\"\",\"end\"";			/* 10-11 */
	struct csvin_doc doc;

	(void)state;
	parse_ok(in, sizeof(in) - 1, CSVIN_AUTO, NULL, &doc);
	assert_int_equal(doc.encoding, CSVIN_UTF8);
	row_is(&doc.header, 1, 3, "a", "b", "c");
	assert_int_equal(doc.nrows, 5);
	row_is(&doc.rows[0], 2, 3, "1", "x, y", "say \"hi\"");
	row_is(&doc.rows[1], 4, 3, "2", "multi\r\nline\nfield", "z");
	row_is(&doc.rows[2], 8, 3, "3", "", "");
	row_is(&doc.rows[3], 9, 3, " 4 ", " x ", "");
	row_is(&doc.rows[4], 10, 3, "5\nx", "", "end");
	csvin_doc_free(&doc);
	assert_null(doc.text);
}

static void
test_lines(void **state)
{
	/* blank lines and blank rows before the header and between rows,
	 * lone CRs as line ends, a short row padded */
	static const char in[] = "\n\r\n,,\n  \nname,mail\r1,2\r\r\n\"\"\n"
	    " ,\t\nonly\n";
	struct csvin_doc doc;

	(void)state;
	parse_ok(in, sizeof(in) - 1, CSVIN_UTF8, NULL, &doc);
	row_is(&doc.header, 5, 2, "name", "mail");
	assert_int_equal(doc.nrows, 2);
	row_is(&doc.rows[0], 6, 2, "1", "2");
	row_is(&doc.rows[1], 10, 2, "only", "");
	assert_string_equal(csvin_cell(&doc.rows[1], 1), "");
	assert_string_equal(csvin_cell(&doc.rows[1], 2), "");
	assert_string_equal(csvin_cell(&doc.rows[1], -1), "");
	assert_string_equal(csvin_cell(&doc.rows[0], 0), "1");
	csvin_doc_free(&doc);
	csvin_doc_free(&doc);	/* twice is harmless */
}

static void
test_bom(void **state)
{
	static const char in[] = "\xef\xbb\xbfmail,name\n"
	    "a@b.example,\xe7\x94\xb0\xe4\xb8\xad\n";
	struct csvin_doc doc;

	(void)state;
	parse_ok(in, sizeof(in) - 1, CSVIN_AUTO, NULL, &doc);
	assert_int_equal(doc.encoding, CSVIN_UTF8);
	row_is(&doc.header, 1, 2, "mail", "name");
	row_is(&doc.rows[0], 2, 2, "a@b.example", "\xe7\x94\xb0\xe4\xb8\xad");
	csvin_doc_free(&doc);
	parse_ok(in, sizeof(in) - 1, CSVIN_UTF8, NULL, &doc);
	row_is(&doc.header, 1, 2, "mail", "name");
	csvin_doc_free(&doc);
	parse_ok(L("\xef\xbb\xbf" "a\n"), CSVIN_AUTO, NULL, &doc);
	row_is(&doc.header, 1, 1, "a");
	csvin_doc_free(&doc);
	refused("\xef\xbb\xbf", CSVIN_AUTO, "line 1", "empty file");
	refused("\xef\xbb\xbf" "a\n", CSVIN_CP932, "line 1",
		"byte order mark");
	/* a BOM says UTF-8: CP932 after it is not tried */
	refused("\xef\xbb\xbf" "a\n\x93\x63\n", CSVIN_AUTO, "line 2",
		"not UTF-8");
	refused("\xff\xfe" "a\0\n\0", CSVIN_AUTO, "line 1", "UTF-16");
}

/* "田中" and half-width "ｶﾅ" in CP932, as Excel writes them */
static const char sjis[] = "mail,name\r\n"
    "a@b.example,\x93\x63\x92\x86\r\n"
    "c@b.example,\xb6\xc5\r\n";

static void
test_cp932(void **state)
{
	struct csvin_doc doc;
	enum csvin_encoding enc[] = { CSVIN_AUTO, CSVIN_CP932 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		parse_ok(sjis, sizeof(sjis) - 1, enc[i], NULL, &doc);
		assert_int_equal(doc.encoding, CSVIN_CP932);
		row_is(&doc.header, 1, 2, "mail", "name");
		row_is(&doc.rows[0], 2, 2, "a@b.example",
		       "\xe7\x94\xb0\xe4\xb8\xad");
		row_is(&doc.rows[1], 3, 2, "c@b.example",
		       "\xef\xbd\xb6\xef\xbe\x85");
		csvin_doc_free(&doc);
	}
	refused(sjis, CSVIN_UTF8, "line 2", "not UTF-8");
	/* ASCII reads the same as CP932 */
	parse_ok(L("a\nb\n"), CSVIN_CP932, NULL, &doc);
	row_is(&doc.rows[0], 2, 1, "b");
	csvin_doc_free(&doc);
	/* UTF-8 U+0080 is not CP932 */
	refused("a\nb\n\xc2\x80\n", CSVIN_CP932, "line 3",
		"not CP932");
}

/* csvin_parse_own(): the file read over itself, UTF-8 (with a BOM) and
 * CP932 (grown in place to its decoded size, half-width katakana 1 byte
 * to 3 the most), the same rows as from a copy; a file it refuses is
 * freed (ASan would say). */
static void
own_is(const char *s, size_t n, const char *first, const char *second)
{
	char *own = malloc(n + 1);
	struct csvin_doc doc;
	struct hk_err err;

	assert_non_null(own);
	memcpy(own, s, n);
	if (csvin_parse_own(own, n, CSVIN_AUTO, NULL, &doc, &err) != 0)
		fail_msg("refused: %s: %s", err.field, err.message);
	row_is(&doc.header, 1, 2, "mail", "name");
	row_is(&doc.rows[0], 2, 2, "a@b.example", first);
	row_is(&doc.rows[1], 3, 2, "c@b.example", second);
	csvin_doc_free(&doc);
}

static void
test_own(void **state)
{
	static const char kana[] = "mail,name\na@b.example,\"\xb6\xc5,\"\"\xb6\"\n"
	    "c@b.example,\xb6\xc5\xb6\xc5\xb6\xc5\n";
	char *own;
	struct csvin_doc doc;
	struct hk_err err;

	(void)state;
	own_is(sjis, sizeof(sjis) - 1, "\xe7\x94\xb0\xe4\xb8\xad",
	       "\xef\xbd\xb6\xef\xbe\x85");
	own_is(kana, sizeof(kana) - 1, "\xef\xbd\xb6\xef\xbe\x85,\""
	       "\xef\xbd\xb6", "\xef\xbd\xb6\xef\xbe\x85\xef\xbd\xb6"
	       "\xef\xbe\x85\xef\xbd\xb6\xef\xbe\x85");
	own_is(L("\xef\xbb\xbfmail,name\na@b.example,\"x \"\"y\"\"\"\n"
		 "c@b.example,z"), "x \"y\"", "z");
	own = strdup("mail\n\"open");
	assert_non_null(own);
	assert_int_equal(csvin_parse_own(own, strlen(own), CSVIN_AUTO, NULL,
					 &doc, &err), -1);
	assert_null(doc.text);
}

static void
test_bad_bytes(void **state)
{
	(void)state;
	/* a lead byte without its trail byte: neither encoding */
	refused("a\nb\nc\n\x81 x\n", CSVIN_AUTO, "line 4",
		"neither UTF-8 nor CP932");
	/* CP932 up to line 3, then a byte no encoding has */
	refused("a\n\x93\x63\n\n\xff\n", CSVIN_AUTO, "line 4",
		"neither UTF-8 nor CP932");
	/* UTF-8 (U+0080, not CP932) up to line 3, then a byte neither has */
	refused("a\n\xc2\x80\n\r\n\xff\n", CSVIN_AUTO, "line 4",
		"neither UTF-8 nor CP932");
	refused("a\r\n\xc3\x28\n", CSVIN_UTF8, "line 2", "not UTF-8");
	refused("a\r\n\xed\xa0\x80\n", CSVIN_UTF8, "line 2", "not UTF-8");
	refused("a\n\x80\n", CSVIN_CP932, "line 2", "not CP932");
	refused_n(L("a,b\n1,2\n3\0,4\n"), CSVIN_AUTO, NULL, "line 3",
		  "NUL byte, not a text file");
	refused_n(L("\x7f" "ELF\2\1\1\0\0\0"), CSVIN_AUTO, NULL, "line 1",
		  "NUL byte");
	refused("", CSVIN_AUTO, "line 1", "empty file: no header row");
	refused("\n\r\n \n,\n", CSVIN_AUTO, "line 1", "no header row");
	refused_n(NULL, 0, CSVIN_AUTO, NULL, "line 1", "no header row");
}

static void
test_quotes(void **state)
{
	(void)state;
	/* truncated inside a quoted field: the line it opened on */
	refused("a,b\n1,2\n3,\"abc\n4,5\n", CSVIN_AUTO, "line 3",
		"never closed");
	refused("a,b\n1,\"x\nx\",\"", CSVIN_AUTO, "line 3", "never closed");
	refused("a,b\n\"", CSVIN_AUTO, "line 2", "(truncated?)");
	refused("a,b\n1,2\nab\"c,d\n", CSVIN_AUTO, "line 3",
		"a quote out of place");
	refused("a,b\n1,\"x\ny\"z,d\n", CSVIN_AUTO, "line 3",
		"a quote out of place");
	refused("a,b\n1,\"x\" ,d\n", CSVIN_AUTO, "line 2", "quote");
}

static void
test_fields_and_limits(void **state)
{
	struct csvin_limits lim = { 1000, 2, 5 };
	struct csvin_doc doc;
	void *big;

	(void)state;
	refused("a,b,c,d\n1,2,3,4\n\n1,2,3,4,5\n", CSVIN_AUTO, "line 4",
		"5 fields, the header has 4");
	refused("a,b,c,d\n1,2,3,\"4\n\",\n", CSVIN_AUTO, "line 2",
		"5 fields, the header has 4");
	refused_n(L("a,b\n1,123456\n"), CSVIN_AUTO, &lim, "line 2, column b",
		  "field longer than 5 bytes");
	refused_n(L("a,b\n1,\"1\n\n\n\n\n\"\n"), CSVIN_AUTO, &lim,
		  "line 2, column b", "longer than 5");
	refused_n(L("a,abcdef\n"), CSVIN_AUTO, &lim, "line 1, column 2",
		  "longer than 5");
	/* a long field that goes wrong before it ends is refused where it
	 * goes wrong, as libcsv sees it (the early refusal of a huge field
	 * is kept for fields far past the limit) */
	refused_n(L("a,b\n1,\"xxxxxxxxxx\nyy\"z\n"), CSVIN_AUTO, &lim,
		  "line 3", "a quote out of place");
	refused_n(L("a\n1\n2\n\n3\n"), CSVIN_AUTO, &lim, "line 5",
		  "more than 2 rows");
	parse_ok(L("a\n1\n2\n"), CSVIN_AUTO, &lim, &doc);
	assert_int_equal(doc.nrows, 2);
	csvin_doc_free(&doc);
	/* 5 bytes after decoding: "田中" is 6 in UTF-8, 4 in CP932 */
	refused_n(L("a\n\x93\x63\x92\x86\n"), CSVIN_AUTO, &lim,
		  "line 2, column a", "longer than 5");
	lim.max_bytes = 7;
	refused_n(L("a\n1\n2\n3\n"), CSVIN_AUTO, &lim, "",
		  "file is larger than 7 bytes");
	/* 1 GiB that must not be touched: refused before any byte is read */
	big = mmap(NULL, (size_t)1 << 30, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(big != MAP_FAILED);
	refused_n(big, (size_t)1 << 30, CSVIN_AUTO, NULL, "",
		  "file is larger than 268435456 bytes");
	munmap(big, (size_t)1 << 30);
	/* a field of 200 MiB (one line, and across lines) is refused as
	 * soon as it passes the limit: libcsv is not left to gather it
	 * (quadratic in its size) */
	big = malloc((size_t)200 << 20);
	assert_non_null(big);
	memset(big, ' ', (size_t)200 << 20);
	memcpy(big, "a,b\n1,\"", 7);
	refused_n(big, (size_t)200 << 20, CSVIN_AUTO, NULL, "line 2, column b",
		  "field longer than 4096 bytes");
	for (size_t i = 7; i < ((size_t)200 << 20); i += 100)
		((char *)big)[i] = '\n';
	refused_n(big, (size_t)200 << 20, CSVIN_AUTO, NULL, "line 2, column b",
		  "field longer than 4096 bytes");
	free(big);
}

/* A header of tens of megabytes of commas (an attack seen: 575 MiB in a
 * worker, then "empty file") is refused on its first line as having too
 * many columns, and so is a longer quoted row; CSVIN_MAX_COLUMNS pass. */
static void
test_too_many_columns(void **state)
{
	size_t n = (size_t)60 << 20;
	char *commas = malloc(n), row[4 * CSVIN_MAX_COLUMNS + 16];
	struct csvin_doc doc;
	size_t o = 0;

	(void)state;
	assert_non_null(commas);
	memset(commas, ',', n);
	commas[n - 1] = '\n';
	refused_n(commas, n, CSVIN_AUTO, NULL, "line 1", "more than 32 columns");
	memcpy(commas, "\n\n\"a\",", 6);	/* a later line, quoted */
	refused_n(commas, n, CSVIN_AUTO, NULL, "line 3", "more than 32 columns");
	free(commas);
	for (int i = 0; i < CSVIN_MAX_COLUMNS; i++)
		o += (size_t)snprintf(row + o, sizeof(row) - o, "%sc%d",
				      i ? "," : "", i);
	row[o++] = '\n';
	parse_ok(row, o, CSVIN_AUTO, &dflt, &doc);
	assert_int_equal(doc.header.nfields, CSVIN_MAX_COLUMNS);
	csvin_doc_free(&doc);
	refused("a\n1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n", CSVIN_AUTO, "line 2",
		"more than 32 columns");
}

static void
test_many_rows(void **state)
{
	struct csvin_limits lim = CSVIN_DEFAULT_LIMITS;
	struct csvin_doc doc;
	char *buf = malloc(30 * 100000 + 20), *p = buf;

	(void)state;
	p += sprintf(p, "mail,name\n");
	for (int i = 0; i < 100000; i++)
		p += sprintf(p, "u%d@b.example,\"n\n%d\"\n", i, i);
	parse_ok(buf, (size_t)(p - buf), CSVIN_AUTO, &lim, &doc);
	assert_int_equal(doc.nrows, 100000);
	row_is(&doc.rows[99999], 2 + 2 * 99999, 2, "u99999@b.example",
	       "n\n99999");
	csvin_doc_free(&doc);
	lim.max_rows = 99999;
	refused_n(buf, (size_t)(p - buf), CSVIN_AUTO, &lim, "line 200000",
		  "more than 99999 rows");
	free(buf);
}

static void
columns_refused(const char *in, const char *field, const char *why)
{
	static const char *const known[] = { "mail", "name", "quota", NULL };
	struct csvin_doc doc;
	struct hk_err err;
	int col[3];

	parse_ok(in, strlen(in), CSVIN_AUTO, NULL, &doc);
	hk_err_clear(&err);
	assert_int_equal(csvin_columns(&doc, known, col, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, field);
	if (strstr(err.message, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.message, why);
	csvin_doc_free(&doc);
}

static void
test_columns(void **state)
{
	static const char *const known[] = { "mail", "name", "quota", NULL };
	struct csvin_doc doc;
	struct hk_err err;
	int col[3];

	(void)state;
	parse_ok(L("\n Quota ,MAIL,\tName\nq,m,n\n"), CSVIN_AUTO, NULL, &doc);
	assert_int_equal(csvin_columns(&doc, known, col, &err), 0);
	assert_int_equal(col[0], 1);
	assert_int_equal(col[1], 2);
	assert_int_equal(col[2], 0);
	assert_string_equal(csvin_cell(&doc.rows[0], col[0]), "m");
	csvin_doc_free(&doc);
	parse_ok(L("name,mail\n"), CSVIN_AUTO, NULL, &doc);
	assert_int_equal(csvin_columns(&doc, known, col, &err), 0);
	assert_int_equal(col[0], 1);
	assert_int_equal(col[1], 0);
	assert_int_equal(col[2], -1);
	assert_string_equal(csvin_cell(&doc.header, col[2]), "");
	csvin_doc_free(&doc);
	columns_refused("mail,e-mail\n", "line 1, column e-mail",
			"unknown column e-mail (expected one of mail, name, "
			"quota)");
	columns_refused("\n\nmail,Name, name \n", "line 3, column name",
			"column name appears twice (columns 2 and 3)");
	columns_refused("mail,,name\n", "line 1, column 2", "no name");
	columns_refused("mail,\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x82"
			"\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9\xe3\x81\xa7"
			"\xe3\x81\x99\n",
			"line 1, column \xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab"
			"\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9"
			"\xe3\x81\xa7...", "unknown column");
	columns_refused("mail,\"a\nb\"\n", "line 1, column a?b",
			"unknown column a?b");
}

static void
test_formula(void **state)
{
	static const char *const yes[] = { "=1+1", "+81 3", "-2", "@SUM(A1)",
		"\tx", "\r=1", "=", NULL };
	static const char *const no[] = { "", "a=1", " =1", "1-2",
		"\xef\xbc\x9d" "1", "mail@b.example", NULL };

	(void)state;
	for (size_t i = 0; yes[i]; i++)
		if (!csvin_formula(yes[i]))
			fail_msg("\"%s\" not a formula", yes[i]);
	for (size_t i = 0; no[i]; i++)
		if (csvin_formula(no[i]))
			fail_msg("\"%s\" a formula", no[i]);
	assert_false(csvin_formula(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4180),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_cp932),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_fields_and_limits),
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_too_many_columns),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_formula),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
