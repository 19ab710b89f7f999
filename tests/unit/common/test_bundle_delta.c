/* SPDX-License-Identifier: ISC */
/*
 * test_bundle_delta.c - deltas in src/common/bundle.c: what
 * bundle_write_delta() writes, bundle_parse() reads back (base, each
 * file's how, edits, the results' checksums); a delta cut at every byte
 * offset or with any byte flipped is refused or parses to what was
 * written; a delta that leaves a file out, keeps or edits outside a
 * delta, edits a file that has no keys, has edits out of order, a base at
 * or past its generation: refused by the parser and the writer alike.
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

#include "bundle.h"
#include "digest.h"

#define SHA_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PLUS	"+new@pc1.example:{SHA512-CRYPT}$6$s$h:5000:5000::" \
		"/var/mail/vhosts/pc1.example/new::\n"
#define EDITS	"-old@pc1.example\n" PLUS
#define DOMAINS	"pc1.example OK\n"

/* Every file: domains whole, passwd edited, the rest kept. */
static void
files_of(struct bundle_file f[BUNDLE_MAX_FILES])
{
	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].name = bundle_names[i];
		f[i].how = BUNDLE_KEEP;
		snprintf(f[i].sha256, sizeof(f[i].sha256), "%s", SHA_A);
	}
	f[0].how = BUNDLE_WHOLE;
	f[0].data = DOMAINS;
	f[0].len = strlen(DOMAINS);
	f[6].how = BUNDLE_EDIT;		/* passwd */
	f[6].data = EDITS;
	f[6].len = strlen(EDITS);
}

static void
delta(struct strbuf *sb)
{
	struct bundle_file f[BUNDLE_MAX_FILES];
	struct hk_err err;

	files_of(f);
	strbuf_init(sb, 0);
	if (bundle_write_delta(sb, 9, 7, f, BUNDLE_MAX_FILES, NULL, &err) != 0)
		fail_msg("write: %s", err.message);
}

static void
test_round_trip(void **state)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;
	char sha[65];

	(void)state;
	delta(&sb);
	assert_non_null(strstr(sb.data, "\ngeneration 9\nbase 7\nfile "
			       "virtual_mailbox_domains 15 "));
	assert_non_null(strstr(sb.data, "\nkeep transport " SHA_A "\n"));
	if (bundle_parse(sb.data, sb.len, &b, &err) != 0)
		fail_msg("parse: %s", err.message);
	assert_int_equal(b.generation, 9);
	assert_int_equal(b.base, 7);
	assert_int_equal(b.nfiles, BUNDLE_MAX_FILES);
	assert_int_equal(b.files[0].how, BUNDLE_WHOLE);
	sha256_hex(DOMAINS, strlen(DOMAINS), sha);
	assert_string_equal(b.files[0].sha256, sha);
	assert_int_equal(b.files[6].how, BUNDLE_EDIT);
	assert_memory_equal(b.files[6].data, EDITS, strlen(EDITS));
	assert_string_equal(b.files[6].sha256, SHA_A);
	assert_int_equal(b.files[9].how, BUNDLE_KEEP);
	assert_null(b.files[9].data);
	strbuf_free(&sb);
}

/* Cut anywhere, or any byte changed: refused, or (a flip in an edit's
 * claimed checksum, say: the agent's proof catches that) parsed. */
static void
test_hostile(void **state)
{
	struct strbuf sb;
	struct bundle b;
	struct hk_err err;

	(void)state;
	delta(&sb);
	for (size_t cut = 0; cut < sb.len; cut++)
		assert_int_equal(bundle_parse(sb.data, cut, &b, &err), -1);
	for (size_t i = 0; i < sb.len; i++) {
		char *copy = malloc(sb.len);

		memcpy(copy, sb.data, sb.len);
		copy[i] ^= 0x20;
		if (bundle_parse(copy, sb.len, &b, &err) == 0)
			assert_int_equal(b.nfiles, BUNDLE_MAX_FILES);
		free(copy);
	}
	strbuf_free(&sb);
}

/* s with the first `from` replaced by `to`, its end line made again. */
static void
tamper(struct strbuf *out, const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from), *end;
	char sha[65];

	assert_non_null(at);
	strbuf_init(out, 0);
	strbuf_append(out, s, (size_t)(at - s));
	strbuf_puts(out, to);
	strbuf_puts(out, at + strlen(from));
	end = strstr(out->data, "\nend ");
	assert_non_null(end);
	out->len = (size_t)(end - out->data) + 1;
	sha256_hex(out->data, out->len, sha);
	strbuf_printf(out, "end %s\n", sha);
}

static void
refused(const char *s, const char *from, const char *to, const char *what)
{
	struct strbuf t;
	struct bundle b;
	struct hk_err err;

	tamper(&t, s, from, to);
	if (bundle_parse(t.data, t.len, &b, &err) == 0)
		fail_msg("accepted with %s", to);
	assert_int_equal(err.code, HK_EPROTO);
	if (strstr(err.message, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.message, what);
	strbuf_free(&t);
}

static void
test_refused(void **state)
{
	struct strbuf sb;

	(void)state;
	delta(&sb);
	refused(sb.data, "base 7\n", "base 9\n", "below the generation");
	refused(sb.data, "base 7\n", "base 07\n", "base B");
	refused(sb.data, "base 7\n", "base 0\n", "base B");
	refused(sb.data, "keep transport " SHA_A "\n", "", "does not say what "
		"becomes of transport");
	refused(sb.data, "keep dkim " SHA_A "\n", "", "does not say what "
		"becomes of dkim");
	refused(sb.data, "keep transport ", "edit transport 0 ",
		"not a keyed file");
	refused(sb.data, "keep transport ", "keep ../transport ",
		"not allowed");
	refused(sb.data, "keep transport " SHA_A, "keep transport xyz",
		"keep NAME SHA256");
	refused(sb.data, EDITS, PLUS "-old@pc1.example\n",
		"passwd edit 2: out of its group");
	refused(sb.data, "-old@pc1.example", "-../../xxxxxxxxx",
		"passwd edit 1: not an address");
	/* keep and edit only in a delta */
	refused(sb.data, "base 7\n", "", "expected \"file\" or \"end\"");
	strbuf_free(&sb);
}

static void
test_writer_refuses(void **state)
{
	struct bundle_file f[BUNDLE_MAX_FILES];
	struct strbuf sb;
	struct hk_err err;

	(void)state;
	strbuf_init(&sb, 0);
	files_of(f);
	assert_int_equal(bundle_write_delta(&sb, 9, 9, f, BUNDLE_MAX_FILES,
					    NULL, &err), -1);
	assert_int_equal(bundle_write_delta(&sb, 9, 7, f, BUNDLE_MAX_FILES - 1,
					    NULL, &err), -1);
	assert_non_null(strstr(err.message, "without dkim"));
	files_of(f);
	f[5].how = BUNDLE_EDIT;		/* transport */
	assert_int_equal(bundle_write_delta(&sb, 9, 7, f, BUNDLE_MAX_FILES,
					    NULL, &err), -1);
	files_of(f);
	f[6].data = "+x\n";
	f[6].len = 3;
	assert_int_equal(bundle_write_delta(&sb, 9, 7, f, BUNDLE_MAX_FILES,
					    NULL, &err), -1);
	assert_string_equal(err.field, "passwd");
	files_of(f);
	f[3].sha256[0] = '\0';
	assert_int_equal(bundle_write_delta(&sb, 9, 7, f, BUNDLE_MAX_FILES,
					    NULL, &err), -1);
	/* kept files in a whole bundle are whole ones (of no data) there */
	files_of(f);
	assert_int_equal(bundle_write(&sb, 9, f, 1, NULL, &err), 0);
	assert_int_equal(f[0].how, BUNDLE_WHOLE);
	assert_int_equal(sb.len > 0, 1);
	assert_null(strstr(sb.data, "base"));
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_writer_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
