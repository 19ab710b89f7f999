/* SPDX-License-Identifier: ISC */
/*
 * test_bucket.c - the bucketed files (bucket.h): a passwd key's bucket is
 * what Dovecot's %2Mu names (the first byte of MD5, checked against
 * md5sum's figures), a virtual_mailbox_maps key's its first hex digit;
 * the checksum of such a file is that of its bucket list, each
 * bucket its lines in the file's order; a change of one line changes one
 * bucket's sum; other files keep plain SHA-256.  Lines and edits split by
 * the bucket they reach.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bucket.h"
#include "digest.h"

#define L1 "matsui@pc1.example:{PLAIN}x:5000:5000::/m/pc1.example/matsui::\n"
#define L2 "s0000001@big.example:{PLAIN}y:5000:5000::/m/big.example/s1::\n"
#define L3 "a@x:{PLAIN}z:5000:5000::/m/x/a::\n"

static void
test_bucket_of(void **state)
{
	char nm[3];

	(void)state;
	/* printf %s KEY | md5sum | cut -c1-2 */
	assert_int_equal(bucket_of("passwd", "matsui@pc1.example", 18), 0xbf);
	assert_int_equal(bucket_of("passwd", "s0000001@big.example", 20),
			 0xc4);
	assert_int_equal(bucket_of("passwd", "a@x", 3), 0x48);
	/* virtual_mailbox_maps: the first hex digit alone */
	assert_int_equal(bucket_of("virtual_mailbox_maps",
				   "matsui@pc1.example", 18), 0xb);
	assert_int_equal(bucket_count("passwd"), 256);
	assert_int_equal(bucket_count("virtual_mailbox_maps"), 16);
	assert_int_equal(bucket_file("virtual_alias_maps"), 0);
	assert_int_equal(bucket_file(NULL), 0);
	bucket_name("passwd", 0xbf, nm);
	assert_string_equal(nm, "bf");
	bucket_name("virtual_mailbox_maps", 0xb, nm);
	assert_string_equal(nm, "b");
}

/* The checksum worked out by hand: each line alone in its bucket. */
static void
test_sum_by_hand(void **state)
{
	char sums[BUCKETS][65], want[65], got[65], list[BUCKET_LIST_MAX + 1];
	const char *text = L3 L1 L2;

	(void)state;
	for (int i = 0; i < BUCKETS; i++)
		sha256_hex("", 0, sums[i]);
	sha256_hex(L1, strlen(L1), sums[0xbf]);
	sha256_hex(L2, strlen(L2), sums[0xc4]);
	sha256_hex(L3, strlen(L3), sums[0x48]);
	assert_int_equal(bucket_list("passwd", sums, list), 256 * 68);
	assert_int_equal(strlen(list), 256 * 68);
	assert_memory_equal(list + 0xbf * 68, "bf ", 3);
	sha256_hex(list, 256 * 68, want);
	bucket_file_sum("passwd", text, strlen(text), got);
	assert_string_equal(got, want);
	/* the order of lines in other buckets does not matter, ... */
	bucket_file_sum("passwd", L1 L2 L3, strlen(L1 L2 L3), got);
	assert_string_equal(got, want);
	/* ... other files are hashed whole */
	bucket_file_sum("relay_domains", text, strlen(text), got);
	sha256_hex(text, strlen(text), want);
	assert_string_equal(got, want);
}

/* virtual_mailbox_maps's checksum by hand: 16 lines "X SUM". */
static void
test_vmm_sum_by_hand(void **state)
{
	const char *l = "matsui@pc1.example pc1.example/matsui/\n";
	char list[16 * 67 + 1], empty[65], one[65], want[65], got[65];
	size_t at = 0;

	(void)state;
	sha256_hex("", 0, empty);
	sha256_hex(l, strlen(l), one);
	for (int b = 0; b < 16; b++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%x %s\n",
				       (unsigned)b, b == 0xb ? one : empty);
	assert_int_equal(at, 16 * 67);
	sha256_hex(list, at, want);
	bucket_file_sum("virtual_mailbox_maps", l, strlen(l), got);
	assert_string_equal(got, want);
}

/* Two lines of one bucket, in order; one changed: one sum changes. */
static void
test_one_bucket_changes(void **state)
{
	char a[BUCKETS][65], b[BUCKETS][65], both[65];
	const char *l4 = "s0000001@big.example:{PLAIN}w:5000:5000::/m/b/s1::\n";
	int differ = 0;

	(void)state;
	assert_int_equal(bucket_sums("passwd", L1 L2 L3, strlen(L1 L2 L3), a),
			 0);
	assert_int_equal(bucket_sums("passwd", L1 L3, strlen(L1 L3), b), 0);
	for (int i = 0; i < BUCKETS; i++)
		differ += strcmp(a[i], b[i]) != 0;
	assert_int_equal(differ, 1);
	assert_string_not_equal(a[0xc4], b[0xc4]);
	sha256_hex("", 0, both);
	assert_string_equal(b[0xc4], both);
	/* a last line without its newline is still a line of its bucket */
	assert_int_equal(bucket_sums("passwd", l4, strlen(l4) - 1, b), 0);
	sha256_hex(l4, strlen(l4) - 1, both);
	assert_string_equal(b[0xc4], both);
}

/* Split by bucket, each bucket in the text's order; a bucket's text is
 * what bucket_sums hashes. */
static void
test_split(void **state)
{
	const char text[] = L3 L1 L2;
	char sums[BUCKETS][65], sha[65];
	struct strbuf b[BUCKETS];
	struct hk_err err;

	(void)state;
	for (int i = 0; i < BUCKETS; i++)
		strbuf_init(&b[i], 0);
	assert_int_equal(bucket_split("passwd", text, sizeof(text) - 1, b,
				      &err), 0);
	assert_string_equal(strbuf_str(&b[0xbf]), L1);
	assert_string_equal(strbuf_str(&b[0xc4]), L2);
	assert_string_equal(strbuf_str(&b[0x48]), L3);
	assert_int_equal(bucket_sums("passwd", text, sizeof(text) - 1, sums),
			 0);
	for (int i = 0; i < BUCKETS; i++) {
		if (i != 0xbf && i != 0xc4 && i != 0x48)
			assert_int_equal(b[i].len, 0);
		sha256_hex(strbuf_str(&b[i]), b[i].len, sha);
		assert_string_equal(sha, sums[i]);
		strbuf_free(&b[i]);
	}
}

/* An address's edits reach its bucket; a domain's reach every one; a line
 * that is no edit is refused. */
static void
test_split_edits(void **state)
{
	const char e[] = "=gone.example\n-matsui@pc1.example\n+" L2;
	struct strbuf b[BUCKETS];
	int touched[BUCKETS] = { 0 }, none[BUCKETS] = { 0 };
	struct hk_err err;

	(void)state;
	for (int i = 0; i < BUCKETS; i++)
		strbuf_init(&b[i], 0);
	assert_int_equal(bucket_split_edits("passwd", e + 14, sizeof(e) - 15,
					    b, touched, &err), 0);
	for (int i = 0; i < BUCKETS; i++)
		assert_int_equal(touched[i], i == 0xbf || i == 0xc4);
	assert_string_equal(strbuf_str(&b[0xbf]), "-matsui@pc1.example\n");
	assert_string_equal(strbuf_str(&b[0xc4]), "+" L2);
	assert_int_equal(bucket_split_edits("passwd", e, 14, b, touched,
					    &err), 0);
	for (int i = 0; i < BUCKETS; i++) {
		assert_int_equal(touched[i], 1);
		assert_non_null(strstr(strbuf_str(&b[i]), "=gone.example\n"));
		strbuf_free(&b[i]);
	}
	assert_int_equal(bucket_split_edits("passwd", "*x\n", 3, b, none,
					    &err), -1);
	for (int i = 0; i < BUCKETS; i++)
		strbuf_free(&b[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_of),
		cmocka_unit_test(test_sum_by_hand),
		cmocka_unit_test(test_vmm_sum_by_hand),
		cmocka_unit_test(test_one_bucket_changes),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
