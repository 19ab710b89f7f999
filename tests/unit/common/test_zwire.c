/* SPDX-License-Identifier: ISC */
/*
 * test_zwire.c - src/common/zwire.c: a bundle packed and unpacked is the
 * same bytes and is told by its magic; a frame that would unpack past the
 * bound (a "zip bomb": 64 MiB of zeros in a few KiB), one cut short at
 * every length, one with bytes after it, and garbage with zstd's magic
 * are refused with the reason, leaving the output as it was.
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

#include "zwire.h"

static void
pack(const char *in, size_t n, struct strbuf *out)
{
	struct hk_err err;

	strbuf_init(out, 0);
	if (zwire_pack(in, n, out, &err) != 0)
		fail_msg("pack: %s", err.message);
}

static void
refused(const char *in, size_t n, size_t max, const char *why)
{
	struct strbuf out;
	struct hk_err err;

	strbuf_init(&out, 0);
	strbuf_puts(&out, "kept");
	assert_int_equal(zwire_unpack(in, n, &out, max, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	if (why != NULL && strstr(err.message, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.message, why);
	assert_string_equal(strbuf_str(&out), "kept");
	strbuf_free(&out);
}

static void
test_round_trip(void **state)
{
	struct strbuf text, packed, back;
	struct hk_err err;

	(void)state;
	strbuf_init(&text, 0);
	strbuf_puts(&text, "HAKOMAIL-BUNDLE 1\ngeneration 1\n");
	for (int i = 0; i < 20000; i++)
		strbuf_printf(&text, "u%d@pc1.example pc1.example/u%d/\n", i, i);
	pack(text.data, text.len, &packed);
	assert_true(zwire_is_packed(packed.data, packed.len));
	assert_false(zwire_is_packed(text.data, text.len));
	assert_true(packed.len < text.len / 3);
	strbuf_init(&back, 0);
	assert_int_equal(zwire_unpack(packed.data, packed.len, &back, text.len,
				      &err), 0);
	assert_int_equal(back.len, text.len);
	assert_memory_equal(back.data, text.data, text.len);
	/* one byte less room than it needs: refused */
	refused(packed.data, packed.len, text.len - 1, "past the largest");
	for (size_t cut = 0; cut < packed.len; cut += 1 + cut / 8)
		refused(packed.data, cut, text.len, NULL);
	strbuf_puts(&packed, "x");
	refused(packed.data, packed.len, text.len, "bytes after the frame");
	strbuf_free(&text);
	strbuf_free(&packed);
	strbuf_free(&back);
}

static void
test_bomb(void **state)
{
	size_t n = (size_t)64 << 20;
	char *zeros = calloc(1, n);
	struct strbuf packed;

	(void)state;
	assert_non_null(zeros);
	pack(zeros, n, &packed);
	free(zeros);
	assert_true(packed.len < 65536);
	refused(packed.data, packed.len, (size_t)1 << 20, "past the largest");
	strbuf_free(&packed);
}

static void
test_garbage(void **state)
{
	const char junk[] = "\x28\xb5\x2f\xfd" "not a frame at all, but long";

	(void)state;
	refused(junk, sizeof(junk) - 1, 1 << 20, NULL);
	refused(junk, 4, 1 << 20, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
