/* SPDX-License-Identifier: ISC */
/* test_validate.c - validate.c against adversarial input tables. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pwhash.h"
#include "validate.h"

static void
domain_ok(const char *in, const char *want)
{
	char out[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err err;

	hk_err_clear(&err);
	if (validate_domain(in, "name", out, &err) != 0)
		fail_msg("domain \"%s\" refused: %s", in, err.message);
	assert_string_equal(out, want);
}

/* Refused, and for the reason `why` (a piece of the message), so that a
 * look-alike test cannot pass on some unrelated refusal. */
static void
domain_refused(const char *in, const char *why)
{
	char out[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err err;

	hk_err_clear(&err);
	if (validate_domain(in, "name", out, &err) == 0)
		fail_msg("domain \"%s\" accepted as \"%s\"", in, out);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "name");
	if (strstr(err.message, why) == NULL)
		fail_msg("domain \"%s\": \"%s\" does not say \"%s\"", in,
			 err.message, why);
}

static void
domain_bad(const char *in)
{
	domain_refused(in, "");
}

static void
test_domains(void **state)
{
	static const char *const forbidden[] = { "\n", "\r", ":", ",", " ",
		"\t", "/", "@", "\x01", "\x7f", "_", "*", "\\", NULL };
	char buf[300];

	(void)state;
	domain_ok("pc1.example", "pc1.example");
	domain_ok("PC1.Example", "pc1.example");
	domain_ok("a-b.c-d.example", "a-b.c-d.example");
	domain_bad("");
	domain_bad("example");
	domain_bad("-a.example");
	domain_bad("a-.example");
	domain_bad("a..example");
	domain_bad(".a.example");
	domain_bad("a.example.");
	memset(buf, 'a', 64);
	snprintf(buf + 64, sizeof(buf) - 64, ".example");
	domain_bad(buf);			/* 64-octet label */
	buf[1] = '.';
	domain_ok(buf, buf);			/* 1 + 62-octet labels */
	for (int i = 0; forbidden[i]; i++) {
		for (int pos = 0; pos < 3; pos++) {
			const char *parts[3][2] = { { "", "ab.example" },
				{ "a", "b.example" }, { "ab.example", "" } };
			snprintf(buf, sizeof(buf), "%s%s%s", parts[pos][0],
				 forbidden[i], parts[pos][1]);
			domain_bad(buf);
		}
	}
	domain_bad("xn--zzzz-.example");	/* not a valid punycode label */
}

/* Legitimate IDN labels, each with its A-label (from the idn2 CLI, -N):
 * both forms must give the A-label. */
static const struct { const char *u, *a; } idn_ok[] = {
	{ "大学", "xn--pss25c" },
	{ "東京大学", "xn--1lq68wkwbj6u" },
	{ "ひらがな", "xn--v8j0cwa6g" },
	{ "カタカナ", "xn--lcka3d1b" },
	{ "한국", "xn--3e0b707e" },
	{ "münchen", "xn--mnchen-3ya" },
	{ "café", "xn--caf-dma" },
	{ "straße", "xn--strae-oqa" },		/* IDNA2008 keeps ß */
	{ "ελληνικά", "xn--hxargifdar" },
	{ "россия", "xn--h1alffa9f" },
	{ "中国", "xn--fiqs8s" },
	{ "ソニーsony", "xn--sony-fo4c6cxq" },	/* Katakana with Latin */
	{ "हिन्दी१२", "xn--j2bd4cyah0f6ii" },	/* Devanagari digits only */
	{ "हिन्दी12", "xn--12-1ofh8fqbj6h" },	/* ASCII digits only */
	/* ZWJ/ZWNJ after a virama: IDNA2008 CONTEXTJ allows it, and
	 * uspoof's invisible check does not object */
	{ "क्\u200dष", "xn--11b2ezcw70k" },
	{ "क्\u200cष", "xn--11b2ezcs70k" },
	/* skeletons "kirrnizi", "laege", "coeur": ASCII, but spared as
	 * Latin letters of living languages */
	{ "kırmızı", "xn--krmz-lzacb" },
	{ "læge", "xn--lge-yla" },
	{ "cœur", "xn--cur-fya" },
	{ "hawaiʻi", "xn--hawaii-mjd" },	/* skeleton "hawai'i": no LDH */
};

static void
test_domain_idn(void **state)
{
	char in[300], want[300], hangul[56 * 3 + 1] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(idn_ok) / sizeof(idn_ok[0]); i++) {
		snprintf(want, sizeof(want), "%s.example", idn_ok[i].a);
		snprintf(in, sizeof(in), "%s.example", idn_ok[i].u);
		domain_ok(in, want);
		domain_ok(want, want);
		/* in the second label, under an IDN top label */
		snprintf(in, sizeof(in), "mail.%s.中国", idn_ok[i].u);
		snprintf(want, sizeof(want), "mail.%s.xn--fiqs8s", idn_ok[i].a);
		domain_ok(in, want);
	}
	/* 56 x U+AF66, a 63-octet A-label "xn--jt0b" + 55 'a': a
	 * 1176-octet skeleton */
	for (int i = 0; i < 56; i++)
		strcat(hangul, "\uaf66");
	snprintf(in, sizeof(in), "%s.example", hangul);
	memset(want, 'a', 63);
	memcpy(want, "xn--jt0b", 8);
	snprintf(want + 63, sizeof(want) - 63, ".example");
	domain_ok(in, want);
}

/* One letter of another script, first, in the middle, last, in the first
 * and in the second label: the label mixes scripts. */
static void
test_domain_mixed_scripts(void **state)
{
	static const struct { const char *base, *intruder; } mix[] = {
		{ "paypal", "а" },	/* Latin + Cyrillic а (confusable) */
		{ "paypal", "д" },	/* Latin + Cyrillic д (not) */
		{ "paypal", "ο" },	/* Latin + Greek omicron */
		{ "paypal", "λ" },	/* Latin + Greek lambda */
		{ "россия", "ο" },	/* Cyrillic + Greek omicron */
		{ "россия", "λ" },	/* Cyrillic + Greek lambda */
		{ "ελλάδα", "д" },	/* Greek + Cyrillic */
		{ "ελλάδα", "a" },	/* Greek + Latin */
		{ "россия", "a" },	/* Cyrillic + Latin */
		{ "ひらがな", "д" },	/* Hiragana + Cyrillic */
		{ "한국", "ひ" },	/* Hangul + Hiragana: no CJK combo */
	};
	char label[64], in[300];

	(void)state;
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		size_t n = strlen(mix[i].base), at[3] = { 0, n / 2, n };

		for (int pos = 0; pos < 3; pos++) {
			/* mid-label split on a character boundary */
			while (at[pos] > 0 && at[pos] < n &&
			       (mix[i].base[at[pos]] & 0xc0) == 0x80)
				at[pos]--;
			snprintf(label, sizeof(label), "%.*s%s%s", (int)at[pos],
				 mix[i].base, mix[i].intruder,
				 mix[i].base + at[pos]);
			snprintf(in, sizeof(in), "%s.example", label);
			domain_refused(in, "mixes scripts");
			snprintf(in, sizeof(in), "mail.%s.example", label);
			domain_refused(in, "mixes scripts");
		}
	}
	/* the A-label of "pаypal" is refused as well */
	domain_refused("xn--pypal-4ve.example", "mixes scripts");
	domain_refused("mail.xn--pypal-4ve.example", "mixes scripts");
}

/* Whole labels that read as an ASCII label, as U-label and as A-label. */
static void
test_domain_whole_script(void **state)
{
	static const struct { const char *u, *a; } look[] = {
		{ "рау", "xn--80a5ak" },	/* Cyrillic: "pay" */
		{ "сосо", "xn--n1aahb" },	/* Cyrillic: "coco" */
		{ "ѕсоре", "xn--e1argc3h" },	/* Cyrillic: "scope" */
		{ "аррӏе", "xn--80ak6aa92e" },	/* Cyrillic: "apple" */
		{ "οι", "xn--uxal" },		/* Greek: "oi" */
		{ "〇〇", "xn--w6ja" },		/* Han: "OO" */
		{ "ɡoogle", "xn--oogle-qmc" },	/* IPA ɡ: not spared */
		{ "ɑpple", "xn--pple-p5b" },	/* IPA ɑ: not spared */
	};
	char in[300];

	(void)state;
	for (size_t i = 0; i < sizeof(look) / sizeof(look[0]); i++) {
		snprintf(in, sizeof(in), "%s.example", look[i].u);
		domain_refused(in, "looks like an ASCII label");
		snprintf(in, sizeof(in), "%s.example", look[i].a);
		domain_refused(in, "looks like an ASCII label");
		snprintf(in, sizeof(in), "mail.%s.example", look[i].a);
		domain_refused(in, "looks like an ASCII label");
	}
}

/*
 * Invisible characters.  UTS#46 maps U+00AD, U+200B and U+FEFF to nothing,
 * so they vanish and the canonical value is the plain name (accepted: the
 * name stored is what shows).  A ZWJ/ZWNJ outside a virama context is
 * refused by libidn2 (CONTEXTJ); a repeated combining mark, which IDNA2008
 * allows, is refused by the look-alike policy.
 */
static void
test_domain_invisible(void **state)
{
	static const char *const gone[] = { "\u00ad", "\u200b", "\ufeff" };
	static const char *const refused[] = { "\u200d", "\u200c" };
	const char *parts[3][2] = { { "", "ab" }, { "a", "b" }, { "ab", "" } };
	char in[300];

	(void)state;
	for (int pos = 0; pos < 3; pos++) {
		for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
			snprintf(in, sizeof(in), "%s%s%s.example",
				 parts[pos][0], gone[i], parts[pos][1]);
			domain_ok(in, "ab.example");
		}
		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]);
		     i++) {
			snprintf(in, sizeof(in), "%s%s%s.example",
				 parts[pos][0], refused[i], parts[pos][1]);
			domain_refused(in, "context-j");
		}
	}
	domain_refused("ab\u0301\u0301.example", "repeated combining marks");
	domain_refused("xn--ab-9tba.example", "repeated combining marks");
}

/* Digits from two number systems in one label. */
static void
test_domain_mixed_digits(void **state)
{
	(void)state;
	/* Devanagari १ and ASCII 1: the look-alike policy */
	domain_refused("हिन्दी१1.example", "mixes digits");
	domain_refused("xn--1-svdf1e4ai3g4j.example", "mixes digits");
	/* Arabic letter, Arabic-Indic ١ and ASCII 1: IDNA2008's Bidi rule
	 * lets this one through; the look-alike policy does not */
	domain_refused("ي١1.example", "mixes digits");
	domain_refused("xn--1-yoc3e.example", "mixes digits");
	/* Arabic-Indic and ASCII digits alone: the Bidi rule refuses */
	domain_refused("١1.example", "bi-directional");
	domain_refused("a1١.example", "bi-directional");
}

static void
local_ok(const char *in, const char *want)
{
	char out[MAPSYNTAX_LOCAL_MAX + 1];
	struct hk_err err;

	hk_err_clear(&err);
	if (validate_localpart(in, "local_part", out, &err) != 0)
		fail_msg("local part \"%s\" refused: %s", in, err.message);
	assert_string_equal(out, want);
}

static void
local_bad(const char *in)
{
	char out[MAPSYNTAX_LOCAL_MAX + 1];
	struct hk_err err;

	hk_err_clear(&err);
	if (validate_localpart(in, "local_part", out, &err) == 0)
		fail_msg("local part \"%s\" accepted", in);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "local_part");
}

/* Whether byte c may stand at position pos (0 first, 1 middle, 2 last) of
 * a local part; A-Z only after lowercasing. */
static int
local_byte_ok(int c, int pos)
{
	if (c == '.')
		return pos == 1;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-';
}

static void
test_localparts(void **state)
{
	/* é, Cyrillic а (a confusable), fullwidth ａ, Han */
	static const char *const foreign[] = { "é", "а", "\uff41", "松井" };
	char buf[128], want[128];

	(void)state;
	local_ok("matsui", "matsui");
	local_ok("Matsui.Taro", "matsui.taro");
	local_ok("a_b+c-d", "a_b+c-d");
	local_bad("");
	local_bad(".matsui");
	local_bad("matsui.");
	local_bad("ma..tsui");
	memset(buf, 'a', 65);
	buf[65] = '\0';
	local_bad(buf);
	buf[64] = '\0';
	local_ok(buf, buf);
	memset(buf, 'A', 64);
	memset(want, 'a', 64);
	want[64] = '\0';
	local_ok(buf, want);		/* 64 octets, lowercased */
	/* every ASCII byte, first, middle and last */
	for (int c = 0x01; c <= 0x7f; c++) {
		const char *fmt[3] = { "%cab", "a%cb", "ab%c" };
		int lc = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;

		for (int pos = 0; pos < 3; pos++) {
			snprintf(buf, sizeof(buf), fmt[pos], c);
			snprintf(want, sizeof(want), fmt[pos], lc);
			if (local_byte_ok(c, pos))
				local_ok(buf, want);
			else
				local_bad(buf);
		}
	}
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		snprintf(buf, sizeof(buf), "%smatsui", foreign[i]);
		local_bad(buf);
		snprintf(buf, sizeof(buf), "mat%ssui", foreign[i]);
		local_bad(buf);
		snprintf(buf, sizeof(buf), "matsui%s", foreign[i]);
		local_bad(buf);
	}
}

static void
test_addresses(void **state)
{
	char l[MAPSYNTAX_LOCAL_MAX + 1], d[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err err;

	(void)state;
	assert_int_equal(validate_address("Matsui@PC1.example", "address", l,
					  d, &err), 0);
	assert_string_equal(l, "matsui");
	assert_string_equal(d, "pc1.example");
	assert_int_equal(validate_address("matsui@大学.example", "address",
					  l, d, &err), 0);
	assert_string_equal(d, "xn--pss25c.example");
	assert_int_equal(validate_address("matsui", "address", l, d, &err), -1);
	assert_int_equal(validate_address("@pc1.example", "address", l, d,
					  &err), -1);
	assert_int_equal(validate_address("a@b@pc1.example", "address", l, d,
					  &err), -1);
	assert_string_equal(err.field, "address");
}

/*
 * Every byte 0x01..0xff, first, in the middle and last, through each
 * validator that takes a string: accepted exactly where the validator's
 * documented character set says.  Bytes >= 0x80 alone are never UTF-8.
 */
struct byte_rule {
	const char *what, *field;
	int (*check)(const char *in, const char *field, struct hk_err *err);
	const char *fmt[3];
	int (*allowed)(int c, int pos);
};

static int
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(int c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int
slug_byte(int c, int pos)
{
	return is_lower_alnum(c) || (pos > 0 && (c == '_' || c == '-'));
}

static int
host_byte(int c, int pos)
{
	return is_alnum(c) || (pos == 1 && (c == '.' || c == '-'));
}

/* Free text that never reaches a map or a shell: only controls are out. */
static int
text_byte(int c, int pos)
{
	(void)pos;
	return c >= 0x20 && c < 0x7f;
}

/* "1.2" is a byte rounded down, "12B" bytes; no space without a unit */
static int
quota_byte(int c, int pos)
{
	return (c >= '0' && c <= '9') || (pos == 1 && c == '.') ||
	    (pos == 2 && c != '\0' && strchr("BKMGTbkmgt", c) != NULL);
}

/* In "%cab.example", "a%cb.example" and "ab.exampl%c". */
static int
domain_byte(int c, int pos)
{
	return is_alnum(c) || (pos == 1 && (c == '-' || c == '.'));
}

/* In "%cab@pc1.example", "a%cb@pc1.example" and "ab@pc1.exampl%c". */
static int
address_byte(int c, int pos)
{
	return pos == 2 ? is_alnum(c) : local_byte_ok(c, pos);
}

static int
check_password(const char *in, const char *field, struct hk_err *err)
{
	return validate_password(in, field, 3, 100, err);
}

static int
check_quota(const char *in, const char *field, struct hk_err *err)
{
	int64_t q;

	return validate_quota(in, field, &q, err);
}

static int
check_domain(const char *in, const char *field, struct hk_err *err)
{
	char out[MAPSYNTAX_DOMAIN_MAX + 1];

	return validate_domain(in, field, out, err);
}

static int
check_address(const char *in, const char *field, struct hk_err *err)
{
	char l[MAPSYNTAX_LOCAL_MAX + 1], d[MAPSYNTAX_DOMAIN_MAX + 1];

	return validate_address(in, field, l, d, err);
}

static int
check_destination(const char *in, const char *field, struct hk_err *err)
{
	struct strbuf sb;
	int rc;

	strbuf_init(&sb, 65536);
	rc = validate_destinations(&in, 1, field, &sb, err);
	strbuf_free(&sb);
	return rc;
}

static const struct byte_rule byte_rules[] = {
	{ "slug", "name", validate_slug, { "%cab", "a%cb", "ab%c" },
	  slug_byte },
	{ "host", "ssh_host", validate_host, { "%cab", "a%cb", "ab%c" },
	  host_byte },
	{ "display name", "name", validate_display_name,
	  { "%cab", "a%cb", "ab%c" }, text_byte },
	{ "password", "password", check_password, { "%cab", "a%cb", "ab%c" },
	  text_byte },
	{ "quota", "quota", check_quota, { "%c12", "1%c2", "12%c" },
	  quota_byte },
	{ "domain", "name", check_domain,
	  { "%cab.example", "a%cb.example", "ab.exampl%c" }, domain_byte },
	{ "address", "address", check_address,
	  { "%cab@pc1.example", "a%cb@pc1.example", "ab@pc1.exampl%c" },
	  address_byte },
	{ "destination", "destinations", check_destination,
	  { "%cab@pc1.example", "a%cb@pc1.example", "ab@pc1.exampl%c" },
	  address_byte },
};

static void
test_every_byte_everywhere(void **state)
{
	char buf[64];
	struct hk_err err;

	(void)state;
	for (size_t r = 0; r < sizeof(byte_rules) / sizeof(byte_rules[0]);
	     r++) {
		const struct byte_rule *br = &byte_rules[r];

		for (int c = 0x01; c <= 0xff; c++) {
			for (int pos = 0; pos < 3; pos++) {
				int want = c < 0x80 && br->allowed(c, pos);
				int got;

				snprintf(buf, sizeof(buf), br->fmt[pos], c);
				hk_err_clear(&err);
				got = br->check(buf, br->field, &err) == 0;
				if (got != want)
					fail_msg("%s: byte 0x%02x at position "
						 "%d %s", br->what, c, pos,
						 got ? "accepted" : "refused");
				if (!got) {
					assert_int_equal(err.code, HK_EINVAL);
					assert_string_equal(err.field,
							    br->field);
				}
			}
		}
	}
}

/* Empty, at the limit, one past it, and uppercase, for each validator. */
static void
test_lengths_and_case(void **state)
{
	char buf[400];
	struct hk_err err;
	int64_t q;

	(void)state;
	assert_int_equal(validate_slug("", "name", &err), -1);
	assert_int_equal(validate_slug(NULL, "name", &err), -1);
	memset(buf, 'a', 64);
	buf[64] = '\0';
	assert_int_equal(validate_slug(buf, "name", &err), -1);
	buf[63] = '\0';
	assert_int_equal(validate_slug(buf, "name", &err), 0);
	assert_int_equal(validate_slug("Matsui", "name", &err), -1);

	assert_int_equal(validate_host("", "ssh_host", &err), -1);
	memset(buf, 'a', 254);			/* labels of 63, 63, 63, 62 */
	buf[63] = buf[127] = buf[191] = '.';
	buf[254] = '\0';
	assert_int_equal(validate_host(buf, "ssh_host", &err), -1);
	buf[253] = '\0';
	assert_int_equal(validate_host(buf, "ssh_host", &err), 0);
	memset(buf, 'a', 64);			/* a 64-octet label */
	buf[64] = '\0';
	assert_int_equal(validate_host(buf, "ssh_host", &err), -1);
	assert_int_equal(validate_host("G1.Example", "ssh_host", &err), 0);
	assert_int_equal(validate_host("::1", "ssh_host", &err), 0);
	assert_int_equal(validate_host("fd00:77::11", "ssh_host", &err), 0);
	assert_int_equal(validate_host("fd00:77::11:", "ssh_host", &err), -1);
	assert_int_equal(validate_host("a..b", "ssh_host", &err), -1);
	assert_int_equal(validate_host("root@g1", "ssh_host", &err), -1);

	assert_int_equal(validate_display_name("", "name", &err), 0);
	memset(buf, 'a', 257);
	buf[257] = '\0';
	assert_int_equal(validate_display_name(buf, "name", &err), -1);
	buf[256] = '\0';
	assert_int_equal(validate_display_name(buf, "name", &err), 0);
	assert_int_equal(validate_display_name("Matsui, Taro: 松井", "name",
					       &err), 0);

	assert_int_equal(validate_password("", "password", 1, 8, &err), -1);
	assert_int_equal(validate_password("12345678", "password", 1, 8,
					   &err), 0);
	assert_int_equal(validate_password("123456789", "password", 1, 8,
					   &err), -1);
	assert_string_equal(err.field, "password");

	assert_int_equal(validate_quota("", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("8191P", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("8388607T", "quota", &q, &err), 0);
	assert_int_equal(q, 8388607LL << 40);
	assert_int_equal(validate_quota("8388608T", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("99999999999999999999", "quota", &q,
					&err), -1);
	assert_int_equal(validate_quota("1M ", "quota", &q, &err), -1);
	assert_int_equal(validate_quota(" 1M", "quota", &q, &err), -1);
}

static void
test_destinations(void **state)
{
	const char *list[VALIDATE_DEST_MAX + 1];
	char addrs[VALIDATE_DEST_MAX + 1][32];
	struct strbuf sb;
	struct hk_err err;

	(void)state;
	strbuf_init(&sb, 65536);
	assert_int_equal(validate_destinations(list, 0, "destinations", &sb,
					       &err), -1);
	assert_string_equal(err.field, "destinations");
	for (int i = 0; i <= VALIDATE_DEST_MAX; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "U%d@PC1.example", i);
		list[i] = addrs[i];
	}
	assert_int_equal(validate_destinations(list, VALIDATE_DEST_MAX,
					       "destinations", &sb, &err), 0);
	assert_int_equal(strncmp(strbuf_str(&sb), "u0@pc1.example,u1@", 18),
			 0);
	assert_int_equal(validate_destinations(list, VALIDATE_DEST_MAX + 1,
					       "destinations", &sb, &err), -1);
	list[0] = "Matsui@PC1.example";
	list[1] = "matsui@pc1.example";
	list[2] = "x@大学.example";
	assert_int_equal(validate_destinations(list, 3, "destinations", &sb,
					       &err), 0);
	assert_string_equal(strbuf_str(&sb),
			    "matsui@pc1.example,x@xn--pss25c.example");
	list[1] = "a,b@pc1.example";
	assert_int_equal(validate_destinations(list, 2, "destinations", &sb,
					       &err), -1);
	strbuf_free(&sb);
}

static void
test_passwords_and_quota(void **state)
{
	struct hk_err err;
	int64_t q;

	(void)state;
	assert_int_equal(validate_password("long-enough", "password", 10,
					   100, &err), 0);
	assert_int_equal(validate_password("short", "password", 10, 100,
					   &err), -1);
	assert_int_equal(validate_password("long-enough\nx", "password", 10,
					   100, &err), -1);
	assert_int_equal(validate_password("パスワードは長い", "password", 10,
					   100, &err), 0);
	assert_int_equal(validate_password("long-enough\xff", "password", 10,
					   100, &err), -1);
	assert_int_equal(validate_quota("500M", "quota", &q, &err), 0);
	assert_int_equal(q, 500LL << 20);
	assert_int_equal(validate_quota("2g", "quota", &q, &err), 0);
	assert_int_equal(q, 2LL << 30);
	assert_int_equal(validate_quota("1024", "quota", &q, &err), 0);
	assert_int_equal(q, 1024);
	assert_int_equal(validate_quota("-1", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("5X", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("5MiBs", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("99999999999T", "quota", &q, &err),
			 -1);
	assert_string_equal(err.field, "quota");
}

/* Sizes as people type them, each with its bytes (powers of 1024). */
static void
test_sizes_as_typed(void **state)
{
	static const struct {
		const char *in;
		int64_t bytes;
	} ok[] = {
		{ "2GB", 2LL << 30 }, { "2 GB", 2LL << 30 },
		{ "2GiB", 2LL << 30 }, { "2gib", 2LL << 30 },
		{ "2  gB", 2LL << 30 }, { "2G", 2LL << 30 },
		{ "500MB", 500LL << 20 }, { "500 MiB", 500LL << 20 },
		{ "500m", 500LL << 20 }, { "1.5G", 3LL << 29 },
		{ "1.5 GiB", 3LL << 29 }, { "0.5T", 1LL << 39 },
		{ "1.25KB", 1280 }, { "64K", 65536 }, { "64 kib", 65536 },
		{ "3TB", 3LL << 40 }, { "3 TiB", 3LL << 40 },
		{ "100B", 100 }, { "100 b", 100 }, { "0", 0 }, { "0B", 0 },
		{ "0.0G", 0 }, { "007M", 7LL << 20 },
		/* rounded down to a whole byte */
		{ "1.1G", 1181116006 }, { "1.5", 1 }, { "2.999B", 2 },
		{ "0.001K", 1 }, { "8388607.99999999999999999T", INT64_MAX },
	};
	static const char *const bad[] = {
		"", "G", "GB", "-1G", "+1G", " 2G", "2G ", "2 ", "2.", ".5G",
		"2.G", "1,5G", "2 G B", "2Gi", "2iB", "2BB", "2KBB", "2GiBB",
		"2PB", "2E", "1e3", "2\tG", "0x10", "2 GiB\n", "0.5", "0.1B",
		"0.0009K", "0.00000000000000000000000000000001T", "8388608T",
		"8388608 TB", "9223372036854775808", "9223372036854775807.5K",
		"1000000000000000000000000000000000000000000000000000000000G",
	};
	struct hk_err err;
	int64_t q;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (validate_quota(ok[i].in, "quota", &q, &err) != 0)
			fail_msg("\"%s\" refused: %s", ok[i].in, err.message);
		if (q != ok[i].bytes)
			fail_msg("\"%s\" is %lld bytes, want %lld", ok[i].in,
				 (long long)q, (long long)ok[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hk_err_clear(&err);
		if (validate_quota(bad[i], "max_storage", &q, &err) == 0)
			fail_msg("\"%s\" accepted as %lld bytes", bad[i],
				 (long long)q);
		assert_int_equal(err.code, HK_EINVAL);
		assert_string_equal(err.field, "max_storage");
	}
	assert_int_equal(validate_quota("2 XB", "quota", &q, &err), -1);
	assert_non_null(strstr(err.message, "unknown unit"));
	assert_int_equal(validate_quota("0.5", "quota", &q, &err), -1);
	assert_non_null(strstr(err.message, "less than one byte"));
}

/* c as UTF-8 into u (5 octets), NUL-terminated. */
static void
utf8_put(uint32_t c, char u[5])
{
	unsigned char *o = (unsigned char *)u;

	if (c < 0x80) {
		*o++ = (unsigned char)c;
	} else if (c < 0x800) {
		*o++ = (unsigned char)(0xc0 | c >> 6);
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (unsigned char)(0xe0 | c >> 12);
		*o++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | c >> 18);
		*o++ = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	}
	*o = '\0';
}

/* Every invisible format character (Cf) is refused in a display name, at
 * the start, inside and at the end, naming the field and the character;
 * ordinary names, Japanese among them, still pass. */
static void
test_display_name_format_chars(void **state)
{
	static const struct {
		uint32_t lo, hi;
	} cf[] = {
		{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
		{ 0x180e, 0x180e }, { 0x200b, 0x200f }, { 0x202a, 0x202e },
		{ 0x2060, 0x2064 }, { 0x2066, 0x2069 }, { 0xfeff, 0xfeff },
		{ 0xfff9, 0xfffb }, { 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
	};
	static const char *const fmt[] = {
		"%s松本", "松本%s太郎", "Taro%s",
	};
	static const char *const fine[] = {
		"松本 太郎", "Matsui, Taro: 松井", "まつもと たろう",
		"ｶﾀｶﾅ", "Ōno Émile", "محمد", "עברית", "Zoë 😀",
		"a\u00a0b",
	};
	char u[5], buf[64], want[16];
	struct hk_err err;

	(void)state;
	for (size_t r = 0; r < sizeof(cf) / sizeof(cf[0]); r++) {
		for (uint32_t c = cf[r].lo; c <= cf[r].hi; c++) {
			utf8_put(c, u);
			snprintf(want, sizeof(want), "U+%04X", (unsigned)c);
			for (int pos = 0; pos < 3; pos++) {
				snprintf(buf, sizeof(buf), fmt[pos], u);
				hk_err_clear(&err);
				if (validate_display_name(buf, "name", &err)
				    == 0)
					fail_msg("%s accepted at %d", want,
						 pos);
				assert_int_equal(err.code, HK_EINVAL);
				assert_string_equal(err.field, "name");
				assert_non_null(strstr(err.message, want));
			}
		}
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if (validate_display_name(fine[i], "name", &err) != 0)
			fail_msg("\"%s\" refused: %s", fine[i], err.message);
}

static void
test_hashes(void **state)
{
	char h[PWHASH_MAX];
	struct hk_err err;

	(void)state;
	assert_int_equal(pwhash_make("correct horse", h, &err), 0);
	assert_true(strncmp(h, "{SHA512-CRYPT}$6$", 17) == 0);
	assert_int_equal(pwhash_check_prehashed(h, "password_hash", &err), 0);
	assert_true(pwhash_verify("correct horse", h));
	assert_false(pwhash_verify("correct horsf", h));
	assert_int_equal(pwhash_check_prehashed("{PLAIN}secret",
						"password_hash", &err), -1);
	assert_int_equal(pwhash_check_prehashed("{SHA512-CRYPT}$6$ab:cd",
						"password_hash", &err), -1);
	assert_int_equal(pwhash_check_prehashed("{SHA512-CRYPT}$6$abc\n",
						"password_hash", &err), -1);
}

static void
test_guest_fields(void **state)
{
	char key[512];
	struct hk_err err;

	(void)state;
	assert_int_equal(validate_slug("g1", "name", &err), 0);
	assert_int_equal(validate_slug("G1", "name", &err), -1);
	assert_int_equal(validate_slug("-g", "name", &err), -1);
	assert_int_equal(validate_host("10.77.0.11", "host", &err), 0);
	assert_int_equal(validate_host("-oProxyCommand=x", "host", &err), -1);
	assert_int_equal(validate_host("a b", "host", &err), -1);
	assert_int_equal(validate_host_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3 root@g1\n",
		"host_key", key, sizeof(key), &err), 0);
	assert_string_equal(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V3");
	/* not whole base64 quads: no key OpenSSH wrote */
	assert_int_equal(validate_host_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018Bz3ge0IFjMj8BMAB2V",
		"host_key", key, sizeof(key), &err), -1);
	assert_int_equal(validate_host_key("ssh-dss AAAAB3NzaC1kc3MAAACBA",
		"host_key", key, sizeof(key), &err), -1);
	assert_int_equal(validate_host_key("ssh-ed25519 AAAA\001AAAAAAAAAAAAAAAA",
		"host_key", key, sizeof(key), &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_domain_idn),
		cmocka_unit_test(test_domain_mixed_scripts),
		cmocka_unit_test(test_domain_whole_script),
		cmocka_unit_test(test_domain_invisible),
		cmocka_unit_test(test_domain_mixed_digits),
		cmocka_unit_test(test_localparts),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_every_byte_everywhere),
		cmocka_unit_test(test_lengths_and_case),
		cmocka_unit_test(test_destinations),
		cmocka_unit_test(test_passwords_and_quota),
		cmocka_unit_test(test_sizes_as_typed),
		cmocka_unit_test(test_display_name_format_chars),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_guest_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
