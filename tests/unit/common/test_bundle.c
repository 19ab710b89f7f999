/* SPDX-License-Identifier: ISC */
/*
 * test_bundle.c - src/common/bundle.c against hostile input: a valid bundle cut
 * at every byte offset and with every byte flipped, names that try to
 * escape the whitelist, duplicates, disorder, trailing garbage, bad map
 * lines, non-canonical and overflowing numbers, and the writer refusing
 * everything the parser would refuse.
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

#include "bucket.h"
#include "bundle.h"
#include "digest.h"

#define DOMAINS	"pc1.example OK\npc2.example OK\n"
#define ALIASES	"info@pc1.example matsui@pc1.example,k@pc2.example\n"
#define TRANSPORT	"pc3.example relay:[10.77.0.12]:25\n" \
	"pc4.example relay:[2001:db8::1]:25\n"
#define PASSWD	"matsui@pc1.example:{SHA512-CRYPT}$6$s$h:5000:5000::" \
		"/var/vmail/pc1.example/matsui::userdb_quota_rule=*:storage=1G\n" \
		"matsui@pc2.example:{SHA512-CRYPT}$6$t$i:5000:5000::" \
		"/var/vmail/pc2.example/matsui::\n"

/* A small valid bundle, written by bundle_write(). */
static void
valid_bundle(struct strbuf *sb, char whole[65])
{
	struct bundle_file files[3] = {
		{ "virtual_mailbox_domains", DOMAINS, strlen(DOMAINS), "", BUNDLE_WHOLE },
		{ "virtual_alias_maps", ALIASES, strlen(ALIASES), "", BUNDLE_WHOLE },
		{ "passwd", PASSWD, strlen(PASSWD), "", BUNDLE_WHOLE },
	};
	struct hk_err err;

	strbuf_init(sb, 0);
	if (bundle_write(sb, 7, files, 3, whole, &err) != 0)
		fail_msg("bundle_write: %s", err.message);
}

/* Parses a private heap copy of exactly len bytes (so ASan sees overreads). */
static int
parse_copy(const char *buf, size_t len, struct bundle *b, struct hk_err *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	hk_err_clear(err);
	rc = bundle_parse(copy, len, b, err);
	free(copy);
	return rc;
}

/* Hand-built bundles: every field as text, checksums computed unless given. */
struct raw_file {
	const char *name;
	const char *size;	/* NULL: the body's length */
	const char *sha;	/* NULL: the body's sha256 */
	const char *body;
};

static void
raw_bundle(struct strbuf *sb, const char *gen, const struct raw_file *f,
	   size_t n, const char *trailer)
{
	char sha[65];

	strbuf_init(sb, 0);
	strbuf_printf(sb, "HAKOMAIL-BUNDLE 1\ngeneration %s\n", gen);
	for (size_t i = 0; i < n; i++) {
		size_t blen = strlen(f[i].body);

		bucket_file_sum(f[i].name, f[i].body, blen, sha);
		strbuf_printf(sb, "file %s ", f[i].name);
		if (f[i].size)
			strbuf_printf(sb, "%s %s\n", f[i].size,
				      f[i].sha ? f[i].sha : sha);
		else
			strbuf_printf(sb, "%zu %s\n", blen,
				      f[i].sha ? f[i].sha : sha);
		strbuf_append(sb, f[i].body, blen);
	}
	sha256_hex(sb->data, sb->len, sha);
	strbuf_printf(sb, "end %s\n%s", sha, trailer ? trailer : "");
	assert_false(sb->overflow);
}

/* Expects the raw bundle refused with HK_EPROTO and a message holding `what`. */
static void
expect_refused(const char *gen, const struct raw_file *f, size_t n,
	       const char *trailer, const char *what)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;

	raw_bundle(&sb, gen, f, n, trailer);
	if (parse_copy(sb.data, sb.len, &b, &err) == 0)
		fail_msg("accepted: %s", sb.data);
	assert_int_equal(err.code, HK_EPROTO);
	if (what != NULL && strstr(err.message, what) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, what);
	assert_int_equal(b.nfiles, 0);
	assert_int_equal(b.generation, 0);
	strbuf_free(&sb);
}

static void
expect_accepted(const char *gen, const struct raw_file *f, size_t n)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;

	raw_bundle(&sb, gen, f, n, NULL);
	if (parse_copy(sb.data, sb.len, &b, &err) != 0)
		fail_msg("refused: %s", err.message);
	assert_int_equal(b.nfiles, n);
	strbuf_free(&sb);
}

/* ------------------------------------------------------------------ */

static void
test_sha256(void **state)
{
	char out[65];

	(void)state;
	sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(bundle_names[0], "virtual_mailbox_domains");
	assert_string_equal(bundle_names[5], "transport");
	assert_string_equal(bundle_names[6], "passwd");
	assert_string_equal(bundle_names[7], "trash");
	assert_string_equal(bundle_names[8], "sieve");
	assert_string_equal(bundle_names[9], "dkim");
	assert_null(bundle_names[10]);
	for (int i = 0; i < 6; i++)
		assert_true(bundle_is_postfix_map(bundle_names[i]));
	assert_false(bundle_is_postfix_map("passwd"));
	assert_false(bundle_is_postfix_map("trash"));
	assert_false(bundle_is_postfix_map("sieve"));
	assert_false(bundle_is_postfix_map("dkim"));
	assert_false(bundle_is_postfix_map("main.cf"));
	assert_false(bundle_is_postfix_map("../virtual_alias_maps"));
	assert_false(bundle_is_postfix_map("virtual_alias_maps.cdb"));
	assert_false(bundle_is_postfix_map(""));
	assert_false(bundle_is_postfix_map(NULL));
}

static void
test_roundtrip(void **state)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;
	char whole[65], sha[65];

	(void)state;
	valid_bundle(&sb, whole);
	assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), 0);
	/* parse_copy freed its copy: parse again in place to look at data */
	assert_int_equal(bundle_parse(sb.data, sb.len, &b, &err), 0);
	assert_int_equal(b.generation, 7);
	assert_int_equal(b.nfiles, 3);
	assert_string_equal(b.sha256, whole);
	assert_string_equal(b.files[0].name, "virtual_mailbox_domains");
	assert_string_equal(b.files[1].name, "virtual_alias_maps");
	assert_string_equal(b.files[2].name, "passwd");
	assert_int_equal(b.files[2].len, strlen(PASSWD));
	assert_memory_equal(b.files[2].data, PASSWD, strlen(PASSWD));
	bucket_file_sum("passwd", PASSWD, strlen(PASSWD), sha);
	assert_string_equal(b.files[2].sha256, sha);
	/* the end checksum covers every byte before the "end" line */
	sha256_hex(sb.data, sb.len - 69, sha);
	assert_string_equal(sha, whole);
	assert_memory_equal(sb.data + sb.len - 69, "end ", 4);
	strbuf_free(&sb);
}

static void
test_empty_and_subset(void **state)
{
	const struct raw_file only_pw[] = { { "passwd", NULL, NULL, PASSWD } };
	const struct raw_file empty[] = {
		{ "virtual_mailbox_domains", NULL, NULL, "" },
		{ "passwd", NULL, NULL, "" },
	};

	(void)state;
	expect_accepted("1", NULL, 0);
	expect_accepted("1", only_pw, 1);
	expect_accepted("18446744073709551615", empty, 2);
}

static void
test_truncation(void **state)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;

	(void)state;
	valid_bundle(&sb, NULL);
	for (size_t i = 0; i < sb.len; i++)
		if (parse_copy(sb.data, i, &b, &err) == 0)
			fail_msg("accepted a bundle cut at %zu of %zu", i,
				 sb.len);
		else if (err.code != HK_EPROTO || err.message[0] == '\0')
			fail_msg("cut at %zu: no error", i);
	assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), 0);
	strbuf_free(&sb);
}

static void
test_flipped_bytes(void **state)
{
	static const unsigned char flips[] = { 0x01, 0x02, 0x20, 0x80 };
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;

	(void)state;
	valid_bundle(&sb, NULL);
	for (size_t i = 0; i < sb.len; i++)
		for (size_t k = 0; k < sizeof(flips); k++) {
			sb.data[i] ^= (char)flips[k];
			if (parse_copy(sb.data, sb.len, &b, &err) == 0)
				fail_msg("accepted byte %zu ^ 0x%02x", i,
					 flips[k]);
			sb.data[i] ^= (char)flips[k];
		}
	assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), 0);
	strbuf_free(&sb);
}

static void
test_trailing_garbage(void **state)
{
	const struct raw_file f[] = { { "passwd", NULL, NULL, PASSWD } };

	(void)state;
	expect_refused("3", f, 1, "x", "after the \"end\" line");
	expect_refused("3", f, 1, "\n", "after the \"end\" line");
	expect_refused("3", f, 1, "end 0\n", NULL);
	{
		struct strbuf sb;
		struct bundle b;
		struct hk_err err;

		raw_bundle(&sb, "3", f, 1, NULL);
		assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), 0);
		strbuf_append(&sb, "\0", 1);	/* one NUL after "end" */
		assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), -1);
		assert_non_null(strstr(err.message, "1 bytes after"));
		strbuf_free(&sb);
	}
}

static void
test_bad_names(void **state)
{
	static const char *const names[] = {
		"../../etc/passwd", "/etc/passwd", "passwd/", "./passwd",
		"PASSWD", "passwd ", "pass wd", "passwd\r", "main.cf",
		"virtual_alias_maps.cdb", "", "lock", "current",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct raw_file f[] = { { names[i], NULL, NULL, "" } };

		expect_refused("3", f, 1, NULL, NULL);
	}
}

static void
test_order(void **state)
{
	const struct raw_file dup[] = {
		{ "virtual_alias_maps", NULL, NULL, ALIASES },
		{ "virtual_alias_maps", NULL, NULL, ALIASES },
	};
	const struct raw_file disorder[] = {
		{ "passwd", NULL, NULL, PASSWD },
		{ "virtual_mailbox_domains", NULL, NULL, DOMAINS },
	};
	const struct raw_file swapped[] = {
		{ "relay_recipient_maps", NULL, NULL, "" },
		{ "relay_domains", NULL, NULL, "" },
	};

	(void)state;
	expect_refused("3", dup, 2, NULL, "duplicated or out of order");
	expect_refused("3", disorder, 2, NULL, "duplicated or out of order");
	expect_refused("3", swapped, 2, NULL, "duplicated or out of order");
}

static void
test_generation(void **state)
{
	static const char *const bad[] = {
		"0", "00", "07", "-1", "+1", " 1", "1 ", "", "0x10", "1e3",
		"18446744073709551616", "99999999999999999999",
		"184467440737095516150", "1\r", "\xff",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], NULL, 0, NULL, "generation");
	expect_accepted("10", NULL, 0);
}

static void
test_sizes(void **state)
{
	static const char *const bad[] = {
		"18446744073709551616", "99999999999999999999",
		"18446744073709551615", "0180", "+180", "-1", "0x10", "",
		" 180", "180 ", "1e2", "4096",
	};
	char n[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct raw_file f[] = { { "passwd", bad[i], NULL, PASSWD } };

		expect_refused("3", f, 1, NULL, NULL);
	}
	/* one byte short or long: the body no longer lines up */
	snprintf(n, sizeof(n), "%zu", strlen(PASSWD) - 1);
	{
		const struct raw_file f[] = { { "passwd", n, NULL, PASSWD } };

		expect_refused("3", f, 1, NULL, NULL);
	}
	snprintf(n, sizeof(n), "%zu", strlen(PASSWD) + 1);
	{
		const struct raw_file f[] = { { "passwd", n, NULL, PASSWD } };

		expect_refused("3", f, 1, NULL, NULL);
	}
}

static void
test_bad_bodies(void **state)
{
	static const struct {
		const char *name, *body, *what;
	} cases[] = {
		{ "virtual_mailbox_domains", "pc1.example OK", "newline" },
		{ "virtual_mailbox_domains", "pc1.exa\nmple.example OK\n",
		  "virtual_mailbox_domains line 1" },
		{ "virtual_mailbox_domains", "pc1.example:OK\n", "line 1" },
		{ "virtual_mailbox_domains", "pc1.example OK\r\n", "line 1" },
		{ "virtual_mailbox_domains", "pc1.example OK\n\n", "line 2" },
		{ "virtual_mailbox_domains", "\n", "line 1" },
		{ "virtual_alias_maps", "a@pc1.example b:c@pc2.example\n",
		  "virtual_alias_maps line 1" },
		{ "virtual_alias_maps", "a@pc1.example b@x.example,\n", "line 1" },
		{ "virtual_mailbox_maps",
		  "a@pc1.example pc1.example/a/\nb@pc1.example ../../etc/\n",
		  "virtual_mailbox_maps line 2" },
		{ "relay_recipient_maps", "a@pc1.example OK\nx\n",
		  "relay_recipient_maps line 2" },
		{ "passwd", PASSWD "root@pc1.example:{PLAIN}x:0:0::/root::\n",
		  "passwd line 3" },
		{ "sieve", "a@pc1.example a2VlcDs=\nb@pc1.example a2VlcDs\n",
		  "sieve line 2" },
		{ "sieve", "a@pc1.example a2VlcDs=\r\n", "sieve line 1" },
		{ "sieve", "../a@pc1.example a2VlcDs=\n", "sieve line 1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct raw_file f[] = {
			{ cases[i].name, NULL, NULL, cases[i].body } };

		expect_refused("3", f, 1, NULL, cases[i].what);
	}
}

/* Keys for "dkim" files (PKCS#8 PEM, base64): RSA 1024, two Ed25519. */
#define KEY_RSA \
	"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUNkZ0lCQURBTkJna3Foa2lH" \
	"OXcwQkFRRUZBQVNDQW1Bd2dnSmNBZ0VBQW9HQkFOQ1lrM0JnelFDRlh2UVkKUVpo" \
	"RWNZUGY5emg4d0Q1VFhYWHFWNEIxL1JSTkdTYWpPVFFjYytOSHErRlRpQzlQdHQx" \
	"QzM3d3pyOC9BdytWcgpDZVFSVHR6dkplQko3V256OHV4N1dSamptc3MrcUc3QkRS" \
	"c3FPSllrV2pRemNpWnc0ZE9jV2NiR1p5U0NSaVNuCnVmRW95OXJ0MzhPN2F6UkNB" \
	"NC9xb1NJRDRhWm5BZ01CQUFFQ2dZQkRkR09SWHF4TWM5U3Q2TDRsaUZTUkNiYi8K" \
	"ZkZBS2w1ak1qZGg0QVMrekJlK1JNQTFLamJ6b0RZQkdvR1dVcnhsNldhclNTSUNk" \
	"RlVBRUMyWXFhM0p0cUNldQpsUnIzaTJSL1hlcDNQOUw2cFB5cFhwclZVVGp0ZCs0" \
	"M21WUkRpdm9MWjZBYnpHaGlpV2M5ZFdOSHNvdkJ5ODFzCk1aWDhkTGpjbnJxRjBp" \
	"REFTUUpCQU91Lzg0N05VSFJJTHlsZ1FMcHIwc2lHYWJ4aDVIS0t4NVRiYmM2NGlN" \
	"OXcKS3VJaHpaaC9ReWJ3ZmNQdk9VUGQybjdESHM5MlVWQWJKenM1b1hiZ3Zlc0NR" \
	"UURpZzRYSHdQMTdhaHJ4YjEyMQpOOGhyL3BrcmF0R3ZLUExaVkNQaHd0N0NtMm5G" \
	"OUNSZWhmMHd2cjZ3Mng4SDRkVmpYallxUDRsODdUQXh5Y3hVCldBNTFBa0E0K1BT" \
	"RlNEenZQUnFZcHpnOVZSMWxkSVpORG1ORkF5RGthbnNKQURPZjNmMmZGSWc1R0Zo" \
	"RUtzNVoKOFpBblJKQXZIanh0NnF3UDdkLzNRaUF4T0hMdEFrQU9Cb3JRRlprY2ZU" \
	"Tng0NjF2dlNhQjJWL3Vta3lsaGVtVApuMndoWEltaWp6RDdldVNObmNwUnJGM3VZ" \
	"WU1JWCtsd243TEc1dXhDZWdWVDcrVGhEQnJKQWtFQWtUT09jOXBOClFOU1pIdGJK" \
	"azhsTTFlTm5PWHNFSTQ5dlNhNlBHRzA2Uno5aG93NGczR3FrM2ozUVoxMGRXSUR1" \
	"QytFeEkrTkgKSU5WR1RDNmJ6T1ZPZHc9PQotLS0tLUVORCBQUklWQVRFIEtFWS0t" \
	"LS0tCg=="
#define KEY_ED "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1DNENBUUF3QlFZREsyVndCQ0lFSUZNWEZMRjlQVGZYUkF0cWRSdmdLUk9PeWRMTFFKaEE0Ti93UWZoNXMxOVgKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="
#define KEY_ED2 "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1DNENBUUF3QlFZREsyVndCQ0lFSUZaM1VyaGVLWGtrellSSDZOR2Y5UHJ4Y3Z0L1FEaFE5eXZsQUZ1YnRWWVYKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="

/* The checks across a "dkim" file's lines, each refusal with its line. */
static void
test_dkim_file(void **state)
{
	static const struct {
		const char *body, *what;	/* what NULL: accepted */
	} cases[] = {
		{ "key a.example r1 " KEY_RSA "\nkey a.example e1 " KEY_ED "\n"
		  "sign a.example a.example r1\nsign a.example a.example e1\n"
		  "sign b.example a.example r1\n", NULL },
		{ "key a.example new " KEY_ED "\n", NULL },
		{ "sign a.example a.example e1\nkey a.example e1 " KEY_ED "\n",
		  NULL },
		{ "key a.example e1 " KEY_ED "\nkey a.example e1 " KEY_ED2 "\n",
		  "dkim line 2: a second key for this domain and selector "
		  "(line 1)" },
		{ "key a.example e1 " KEY_ED "\nsign a.example a.example e2\n",
		  "dkim line 2: the sign line names no key line" },
		{ "key a.example e1 " KEY_ED "\nsign a.example b.example e1\n",
		  "dkim line 2: the sign line names no key" },
		{ "key a.example e1 " KEY_ED "\nkey a.example e2 " KEY_ED2 "\n"
		  "sign a.example a.example e1\nsign a.example a.example e2\n",
		  "dkim line 4: a second sign line for this domain with a key "
		  "of the same algorithm (line 3)" },
		{ "key a.example e1 " KEY_ED "\n"
		  "sign a.example a.example e1\nsign a.example a.example e1\n",
		  "dkim line 3: a second sign line" },
		{ "key a.example e1 " KEY_ED "\nkey a.example e1 a2VlcDs=\n",
		  "dkim line 2" },
		{ "key a.example e1 " KEY_ED "\nsign a.example a.example e1 x\n",
		  "dkim line 2" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct raw_file f[] = {
			{ "dkim", NULL, NULL, cases[i].body } };

		if (cases[i].what == NULL)
			expect_accepted("3", f, 1);
		else
			expect_refused("3", f, 1, NULL, cases[i].what);
	}
}

static void
test_body_nul(void **state)
{
	static const char body[] = "pc1.example OK\npc2.exa\0mple OK\n";
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;
	char sha[65];

	(void)state;
	sha256_hex(body, sizeof(body) - 1, sha);
	strbuf_init(&sb, 0);
	strbuf_printf(&sb, "HAKOMAIL-BUNDLE 1\ngeneration 1\nfile "
		      "virtual_mailbox_domains %zu %s\n", sizeof(body) - 1, sha);
	strbuf_append(&sb, body, sizeof(body) - 1);
	sha256_hex(sb.data, sb.len, sha);
	strbuf_printf(&sb, "end %s\n", sha);
	assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), -1);
	assert_non_null(strstr(err.message, "virtual_mailbox_domains line 2"));
	strbuf_free(&sb);
}

static void
test_checksums(void **state)
{
	char up[65], other[65];
	struct raw_file f[] = { { "passwd", NULL, NULL, PASSWD } };

	(void)state;
	bucket_file_sum("passwd", PASSWD, strlen(PASSWD), up);
	for (size_t i = 0; i < 64; i++)
		if (up[i] >= 'a' && up[i] <= 'f')
			up[i] = (char)(up[i] - 'a' + 'A');
	f[0].sha = up;
	expect_refused("3", f, 1, NULL, "lowercase hex");
	sha256_hex(DOMAINS, strlen(DOMAINS), other);
	f[0].sha = other;
	expect_refused("3", f, 1, NULL, "passwd (bundle line 3): sha256 mismatch");
	other[63] = '\0';
	expect_refused("3", f, 1, NULL, "lowercase hex");
	f[0].sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550";
	expect_refused("3", f, 1, NULL, "lowercase hex");
}

/* head is every byte before the "end" line, which is computed. */
static void
refuse_text(const char *head, size_t hlen, const char *what)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;
	char sha[65];

	strbuf_init(&sb, 0);
	strbuf_append(&sb, head, hlen);
	sha256_hex(sb.data, sb.len, sha);
	strbuf_printf(&sb, "end %s\n", sha);
	if (parse_copy(sb.data, sb.len, &b, &err) == 0)
		fail_msg("accepted: %s", sb.data);
	if (what && strstr(err.message, what) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, what);
	strbuf_free(&sb);
}

#define REFUSE(s, what)	refuse_text(s, sizeof(s) - 1, what)
#define E "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* an empty passwd's: its bucket list of 256 empty buckets' (bucket.h) */
#define EP "6ed5c9bace652b2b8c2e9ea20e83d6109c449ff86cb3ea46257a9f04001fce0b"

static void
test_headers(void **state)
{
	char longline[400];

	(void)state;
	REFUSE("HAKOMAIL-BUNDLE 2\ngeneration 1\n", "line 1");
	REFUSE("HAKOMAIL-BUNDLE 1 \ngeneration 1\n", "line 1");
	REFUSE("hakomail-bundle 1\ngeneration 1\n", "line 1");
	REFUSE("HAKOMAIL-BUNDLE 1\r\ngeneration 1\n", "line 1");
	REFUSE("\xef\xbb\xbfHAKOMAIL-BUNDLE 1\ngeneration 1\n", "line 1");
	REFUSE("\nHAKOMAIL-BUNDLE 1\ngeneration 1\n", "line 1");
	REFUSE("HAKOMAIL-BUNDLE 1\0\ngeneration 1\n", "line 1");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration  1\n", "line 2");
	REFUSE("HAKOMAIL-BUNDLE 1\nGeneration 1\n", "line 2");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\ngeneration 2\n", "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\n\n", "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile passwd 0 " E " \n",
	       "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile passwd  0 " E "\n",
	       "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile  passwd 0 " E "\n",
	       "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile\tpasswd 0 " E "\n",
	       "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nFILE passwd 0 " E "\n",
	       "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile passwd 0\n", "line 3");
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile passwd 0 " EP "\n"
	       "file passwd 0 " EP "\n", "line 4");
	/* a body-less file then a blank line */
	REFUSE("HAKOMAIL-BUNDLE 1\ngeneration 1\nfile passwd 0 " EP "\n\n",
	       "line 4");
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "HAKOMAIL-BUNDLE 1\ngeneration 1\nfile ", 36);
	longline[sizeof(longline) - 1] = '\n';
	refuse_text(longline, sizeof(longline), "overlong");
}

static void
test_end_line(void **state)
{
	static const char *const tails[] = {
		"end\n", "end \n", "END " E "\n", "end  " E "\n", "end " E " \n",
		"end " E "\r\n", "end " E, "end " E "\nend " E "\n",
	};
	static const char head[] = "HAKOMAIL-BUNDLE 1\ngeneration 1\n";

	(void)state;
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		struct strbuf sb;
		struct bundle b;
		struct hk_err err;

		strbuf_init(&sb, 0);
		strbuf_puts(&sb, head);
		strbuf_puts(&sb, tails[i]);
		assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), -1);
		assert_int_equal(err.code, HK_EPROTO);
		strbuf_free(&sb);
	}
	/* right shape, wrong whole checksum */
	{
		struct strbuf sb;
		struct bundle b;
		struct hk_err err;

		strbuf_init(&sb, 0);
		strbuf_printf(&sb, "%send %s\n", head, E);
		assert_int_equal(parse_copy(sb.data, sb.len, &b, &err), -1);
		assert_non_null(strstr(err.message, "whole bundle"));
		strbuf_free(&sb);
	}
}

static void
test_too_big(void **state)
{
	char *big = calloc(1, BUNDLE_MAX_SIZE + 1);
	struct bundle b;
	struct hk_err err;

	(void)state;
	assert_non_null(big);
	memcpy(big, "HAKOMAIL-BUNDLE 1\n", 18);
	assert_int_equal(bundle_parse(big, BUNDLE_MAX_SIZE + 1, &b, &err), -1);
	assert_int_equal(err.code, HK_EPROTO);
	assert_non_null(strstr(err.message, "larger than"));
	free(big);
	assert_int_equal(bundle_parse(NULL, 0, &b, &err), -1);
}

/* The exact bytes of a one-file bundle. */
static void
test_write_format(void **state)
{
	struct bundle_file f = { "relay_domains", "pc2.example OK\n", 15, "", BUNDLE_WHOLE };
	struct strbuf sb, want;
	struct hk_err err;
	char body[65], whole[65];

	(void)state;
	strbuf_init(&sb, 0);
	assert_int_equal(bundle_write(&sb, 42, &f, 1, whole, &err), 0);
	sha256_hex("pc2.example OK\n", 15, body);
	assert_string_equal(f.sha256, body);
	strbuf_init(&want, 0);
	strbuf_printf(&want, "HAKOMAIL-BUNDLE 1\ngeneration 42\n"
		      "file relay_domains 15 %s\npc2.example OK\n", body);
	sha256_hex(want.data, want.len, whole);
	strbuf_printf(&want, "end %s\n", whole);
	assert_int_equal(sb.len, want.len);
	assert_memory_equal(sb.data, want.data, sb.len);
	strbuf_free(&sb);
	strbuf_free(&want);
}

/* Writes after a prefix; refusals leave out exactly as it was. */
static void
expect_write_refused(uint64_t gen, struct bundle_file *f, size_t n,
		     size_t max, enum hk_errcode code, const char *what)
{
	struct strbuf sb;
	struct hk_err err;
	char whole[65] = "untouched";

	strbuf_init(&sb, max);
	strbuf_puts(&sb, "prefix");
	hk_err_clear(&err);
	assert_int_equal(bundle_write(&sb, gen, f, n, whole, &err), -1);
	assert_int_equal(err.code, code);
	if (what && strstr(err.message, what) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, what);
	assert_int_equal(sb.len, 6);
	assert_string_equal(sb.data, "prefix");
	assert_string_equal(whole, "untouched");
	strbuf_free(&sb);
}

static void
test_write_refuses(void **state)
{
	struct bundle_file good = { "passwd", PASSWD, strlen(PASSWD), "", BUNDLE_WHOLE };
	struct bundle_file evil = { "../../etc/passwd", "", 0, "", BUNDLE_WHOLE };
	struct bundle_file two[2] = { good, good };
	struct bundle_file order[2] = {
		{ "passwd", PASSWD, strlen(PASSWD), "", BUNDLE_WHOLE },
		{ "relay_domains", "", 0, "", BUNDLE_WHOLE } };
	struct bundle_file badline = { "virtual_mailbox_domains",
		"pc1.example OK\npc2.example:OK\n", 30, "", BUNDLE_WHOLE };
	struct bundle_file nl = { "virtual_mailbox_domains",
		"pc1.example OK", 14, "", BUNDLE_WHOLE };
	struct bundle_file inject = { "virtual_alias_maps",
		"a@pc1.example b@pc2.example\nroot@pc1.example e@evil.example",
		59, "", BUNDLE_WHOLE };
	struct bundle_file nodata = { "passwd", NULL, 5, "", BUNDLE_WHOLE };
	struct bundle_file seven[8];

	(void)state;
	expect_write_refused(0, &good, 1, 0, HK_EINVAL, "generation");
	expect_write_refused(1, &evil, 1, 0, HK_EINVAL, "not allowed");
	expect_write_refused(1, two, 2, 0, HK_EINVAL, "out of order");
	expect_write_refused(1, order, 2, 0, HK_EINVAL, "out of order");
	expect_write_refused(1, &badline, 1, 0, HK_EINVAL,
			     "virtual_mailbox_domains line 2");
	expect_write_refused(1, &nl, 1, 0, HK_EINVAL, "newline");
	expect_write_refused(1, &inject, 1, 0, HK_EINVAL, "newline");
	expect_write_refused(1, &nodata, 1, 0, HK_EINVAL, "no data");
	for (int i = 0; i < 8; i++)
		seven[i] = good;
	expect_write_refused(1, seven, 8, 0, HK_EINVAL, NULL);
	expect_write_refused(1, &good, 1, 100, HK_ETOOBIG, "exceed");
}

/* What the writer emits after a prefix, the parser accepts. */
static void
test_write_then_parse(void **state)
{
	struct bundle_file all[7];
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;
	char whole[65];

	(void)state;
	for (int i = 0; i < 7; i++) {
		all[i].name = bundle_names[i];
		all[i].data = "";
		all[i].len = 0;
	}
	all[2].data = ALIASES;
	all[2].len = strlen(ALIASES);
	all[5].data = TRANSPORT;
	all[5].len = strlen(TRANSPORT);
	all[6].data = PASSWD;
	all[6].len = strlen(PASSWD);
	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "prefix");
	assert_int_equal(bundle_write(&sb, UINT64_MAX, all, 7, whole, &err), 0);
	assert_int_equal(bundle_parse(sb.data + 6, sb.len - 6, &b, &err), 0);
	assert_true(b.generation == UINT64_MAX);
	assert_int_equal(b.nfiles, 7);
	assert_string_equal(b.sha256, whole);
	for (int i = 0; i < 7; i++) {
		assert_string_equal(b.files[i].name, bundle_names[i]);
		assert_string_equal(b.files[i].sha256, all[i].sha256);
		assert_int_equal(b.files[i].len, all[i].len);
	}
	/* zero files is a valid (empty) bundle too */
	strbuf_reset(&sb);
	assert_int_equal(bundle_write(&sb, 1, NULL, 0, NULL, &err), 0);
	assert_int_equal(bundle_parse(sb.data, sb.len, &b, &err), 0);
	assert_int_equal(b.nfiles, 0);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_empty_and_subset),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_dkim_file),
		cmocka_unit_test(test_body_nul),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_end_line),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_write_format),
		cmocka_unit_test(test_write_refuses),
		cmocka_unit_test(test_write_then_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
