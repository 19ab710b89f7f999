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

static void
domain_bad(const char *in)
{
	char out[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err err;

	hk_err_clear(&err);
	if (validate_domain(in, "name", out, &err) == 0)
		fail_msg("domain \"%s\" accepted as \"%s\"", in, out);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, "name");
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
	domain_ok("大学.example", "xn--pss25c.example");
	domain_ok("xn--pss25c.example", "xn--pss25c.example");
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

static void
test_localparts(void **state)
{
	static const char forbidden[] = "\n\r:, \t/@\"'`$;|&<>()[]{}\\%!#*=?^~\x01\x1f\x7f";
	char buf[128];

	(void)state;
	local_ok("matsui", "matsui");
	local_ok("Matsui.Taro", "matsui.taro");
	local_ok("a_b+c-d", "a_b+c-d");
	local_bad("");
	local_bad(".matsui");
	local_bad("matsui.");
	local_bad("ma..tsui");
	local_bad("松井");
	local_bad("mаtsui");		/* Cyrillic a: a confusable */
	memset(buf, 'a', 65);
	buf[65] = '\0';
	local_bad(buf);
	buf[64] = '\0';
	local_ok(buf, buf);
	for (const char *f = forbidden; *f; f++) {
		snprintf(buf, sizeof(buf), "%cab", *f); local_bad(buf);
		snprintf(buf, sizeof(buf), "a%cb", *f); local_bad(buf);
		snprintf(buf, sizeof(buf), "ab%c", *f); local_bad(buf);
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
	assert_int_equal(validate_quota("5MB", "quota", &q, &err), -1);
	assert_int_equal(validate_quota("99999999999T", "quota", &q, &err),
			 -1);
	assert_string_equal(err.field, "quota");
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
		cmocka_unit_test(test_localparts),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_passwords_and_quota),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_guest_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
