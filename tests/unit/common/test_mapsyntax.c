/* SPDX-License-Identifier: ISC */
/*
 * test_mapsyntax.c - adversarial tables for src/common/mapsyntax.c: every byte
 * that may not stand in a value, at the first, second, middle, next to
 * last and last position (replacing and inserting), lengths at and one
 * past every limit, and map lines that try to split or extend themselves.
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

#include "base64.h"
#include "dkimsyntax.h"
#include "mapsyntax.h"

typedef int (*checker)(const char *, size_t);

/* Bytes no value admits: separators, controls, non-ASCII. */
static const char common_bad[] =
	"\n\r\0:, \t\x01\x08\x0b\x0c\x1b\x1f\x7f\x80\xa9\xc3\xff"
	"\"'\\;|<>`#&*?!~%^()[]";
#define COMMON_BAD_LEN (sizeof(common_bad) - 1)

/* Every byte of common_bad but those in admitted, and extra_bad, refused
 * wherever it is put in good. */
static void
expect_bad_bytes_but(checker fn, const char *what, const char *good,
		     const char *extra_bad, const char *admitted)
{
	char bad[256], buf[2048];
	size_t n = strlen(good), nbad = 0;
	size_t pos[5] = { 0, 1, n / 2, n - 2, n - 1 };

	for (size_t i = 0; i < COMMON_BAD_LEN; i++)
		if (common_bad[i] == '\0' ||
		    strchr(admitted, common_bad[i]) == NULL)
			bad[nbad++] = common_bad[i];
	memcpy(bad + nbad, extra_bad, strlen(extra_bad));
	nbad += strlen(extra_bad);
	assert_true(fn(good, n));
	for (size_t b = 0; b < nbad; b++) {
		for (size_t k = 0; k < 5; k++) {
			size_t p = pos[k];

			memcpy(buf, good, n);
			buf[p] = bad[b];
			if (good[p] != bad[b] && fn(buf, n))
				fail_msg("%s: accepted byte 0x%02x replacing "
					 "position %zu of %s", what,
					 (unsigned char)bad[b], p, good);
			memcpy(buf, good, p);
			buf[p] = bad[b];
			memcpy(buf + p + 1, good + p, n - p);
			if (fn(buf, n + 1))
				fail_msg("%s: accepted byte 0x%02x inserted at "
					 "%zu of %s", what,
					 (unsigned char)bad[b], p, good);
		}
		memcpy(buf, good, n);
		buf[n] = bad[b];
		if (fn(buf, n + 1))
			fail_msg("%s: accepted byte 0x%02x appended to %s",
				 what, (unsigned char)bad[b], good);
	}
}

static void
expect_bad_bytes(checker fn, const char *what, const char *good,
		 const char *extra_bad)
{
	expect_bad_bytes_but(fn, what, good, extra_bad, "");
}

static int
ok(checker fn, const char *s)
{
	return fn(s, strlen(s));
}

/* s of n copies of c. */
static char *
fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */

static void
test_domain_bytes(void **state)
{
	(void)state;
	expect_bad_bytes(mapsyntax_domain, "domain", "example.com",
			 "/@_+=$AZ{}");
	expect_bad_bytes(mapsyntax_domain, "domain", "xn--bcher-kva.example",
			 "/@_+=$AZ{}");
}

static void
test_domain_shape(void **state)
{
	(void)state;
	assert_true(ok(mapsyntax_domain, "example.com"));
	assert_true(ok(mapsyntax_domain, "a.b"));
	assert_true(ok(mapsyntax_domain, "ex-am-ple.co.jp"));
	assert_true(ok(mapsyntax_domain, "xn--bcher-kva.example"));
	assert_true(ok(mapsyntax_domain, "pc1.example"));
	assert_false(ok(mapsyntax_domain, ""));
	assert_false(mapsyntax_domain(NULL, 0));
	assert_false(ok(mapsyntax_domain, "com"));		/* one label */
	assert_false(ok(mapsyntax_domain, "localhost"));
	assert_false(ok(mapsyntax_domain, ".example.com"));
	assert_false(ok(mapsyntax_domain, "example.com."));
	assert_false(ok(mapsyntax_domain, "example..com"));
	assert_false(ok(mapsyntax_domain, "."));
	assert_false(ok(mapsyntax_domain, ".."));
	assert_false(ok(mapsyntax_domain, "-example.com"));
	assert_false(ok(mapsyntax_domain, "example-.com"));
	assert_false(ok(mapsyntax_domain, "example.-com"));
	assert_false(ok(mapsyntax_domain, "example.com-"));
	assert_false(ok(mapsyntax_domain, "Example.com"));
	assert_false(ok(mapsyntax_domain, "example.COM"));
	assert_false(ok(mapsyntax_domain, "b\xc3\xbc" "cher.example"));
	assert_false(ok(mapsyntax_domain, "*.example.com"));
	assert_false(ok(mapsyntax_domain, "user@example.com"));
}

static void
test_domain_lengths(void **state)
{
	char l63[64], l64[65], d[300];

	(void)state;
	fill(l63, 'a', 63);
	fill(l64, 'a', 64);
	snprintf(d, sizeof(d), "%s.com", l63);
	assert_true(ok(mapsyntax_domain, d));
	snprintf(d, sizeof(d), "%s.com", l64);
	assert_false(ok(mapsyntax_domain, d));
	snprintf(d, sizeof(d), "com.%s", l64);
	assert_false(ok(mapsyntax_domain, d));
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(d, sizeof(d), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	assert_int_equal(strlen(d), 253);
	assert_true(ok(mapsyntax_domain, d));
	snprintf(d, sizeof(d), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	assert_int_equal(strlen(d), 254);
	assert_false(ok(mapsyntax_domain, d));
	/* the length is honoured: a valid prefix of a longer buffer */
	assert_true(mapsyntax_domain("example.com\nevil", 11));
	assert_false(mapsyntax_domain("example.com\nevil", 12));
}

static void
test_localpart(void **state)
{
	char s[80];

	(void)state;
	expect_bad_bytes(mapsyntax_localpart, "localpart", "matsui.k+tag",
			 "/@AZ={}$");
	assert_true(ok(mapsyntax_localpart, "a"));
	assert_true(ok(mapsyntax_localpart, "a.b_c-d+e"));
	assert_true(ok(mapsyntax_localpart, "-a"));
	assert_true(ok(mapsyntax_localpart, "0"));
	assert_false(ok(mapsyntax_localpart, ""));
	assert_false(mapsyntax_localpart(NULL, 0));
	assert_false(ok(mapsyntax_localpart, "."));
	assert_false(ok(mapsyntax_localpart, ".."));
	assert_false(ok(mapsyntax_localpart, ".a"));
	assert_false(ok(mapsyntax_localpart, "a."));
	assert_false(ok(mapsyntax_localpart, "a..b"));
	assert_false(ok(mapsyntax_localpart, "Matsui"));
	assert_true(ok(mapsyntax_localpart, fill(s, 'a', 64)));
	assert_false(ok(mapsyntax_localpart, fill(s, 'a', 65)));
}

static void
test_address(void **state)
{
	char s[800], l[80], d[400];

	(void)state;
	expect_bad_bytes(mapsyntax_address, "address", "matsui@pc1.example",
			 "/AZ={}$");
	assert_true(ok(mapsyntax_address, "a@b.c"));
	assert_true(ok(mapsyntax_address, "matsui+x@pc2.example"));
	assert_false(ok(mapsyntax_address, ""));
	assert_false(mapsyntax_address(NULL, 0));
	assert_false(ok(mapsyntax_address, "@"));
	assert_false(ok(mapsyntax_address, "@example.com"));
	assert_false(ok(mapsyntax_address, "matsui@"));
	assert_false(ok(mapsyntax_address, "matsui"));
	assert_false(ok(mapsyntax_address, "matsui@com"));
	assert_false(ok(mapsyntax_address, "a@b@example.com"));
	assert_false(ok(mapsyntax_address, "a@@example.com"));
	assert_false(ok(mapsyntax_address, ".a@example.com"));
	assert_false(ok(mapsyntax_address, "a.@example.com"));
	assert_false(ok(mapsyntax_address, "a@.example.com"));
	assert_false(ok(mapsyntax_address, "a@example.com."));
	assert_false(ok(mapsyntax_address, "Matsui@example.com"));
	assert_false(ok(mapsyntax_address, "matsui@Example.com"));
	/* longest possible: 64 + 1 + 253 */
	fill(l, 'a', 63);
	snprintf(d, sizeof(d), "%s.%s.%s.%.61s", l, l, l, l);
	snprintf(s, sizeof(s), "%s@%s", fill(l, 'b', 64), d);
	assert_int_equal(strlen(s), MAPSYNTAX_ADDRESS_MAX);
	assert_true(ok(mapsyntax_address, s));
	snprintf(s, sizeof(s), "%s@%s", fill(l, 'b', 65), d + 1);
	assert_false(ok(mapsyntax_address, s));	/* local part 65 */
	snprintf(s, sizeof(s), "b@%s", d);
	assert_true(ok(mapsyntax_address, s));
	snprintf(s, sizeof(s), "b@x%s", d);
	assert_false(ok(mapsyntax_address, s));	/* domain 254 */
}

static void
test_hash(void **state)
{
	char s[600];

	(void)state;
	/* ',' is Argon2's: "m=65536,t=3,p=1" */
	expect_bad_bytes_but(mapsyntax_hash, "hash",
			     "{SHA512-CRYPT}$6$rounds=5000$Ab.c/D$xY+z_w-==",
			     "@{}", ",");
	assert_true(ok(mapsyntax_hash, "{PLAIN}x"));
	assert_true(ok(mapsyntax_hash, "{BLF-CRYPT}$2y$05$abcdefghijklmnop"));
	assert_true(ok(mapsyntax_hash,
		       "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"));
	assert_false(ok(mapsyntax_hash, "{PLAIN}a:b"));	/* passwd's separator */
	assert_false(ok(mapsyntax_hash, ""));
	assert_false(mapsyntax_hash(NULL, 0));
	assert_false(ok(mapsyntax_hash, "x"));
	assert_false(ok(mapsyntax_hash, "{PLAIN}"));		/* no body */
	assert_false(ok(mapsyntax_hash, "{}x"));		/* no scheme */
	assert_false(ok(mapsyntax_hash, "{PLAIN"));
	assert_false(ok(mapsyntax_hash, "{PLAINx"));
	assert_false(ok(mapsyntax_hash, "PLAIN}x"));
	assert_false(ok(mapsyntax_hash, "$6$salt$hash"));	/* no scheme */
	assert_false(ok(mapsyntax_hash, "{plain}x"));
	assert_false(ok(mapsyntax_hash, "{SHA512_CRYPT}x"));
	assert_false(ok(mapsyntax_hash, "{PLAIN}}x"));
	assert_false(ok(mapsyntax_hash, "{PLAIN}{x"));
	assert_false(ok(mapsyntax_hash, "{PL AIN}x"));
	memcpy(s, "{PLAIN}", 7);
	memset(s + 7, 'a', 505);
	s[512] = '\0';
	assert_true(ok(mapsyntax_hash, s));
	s[512] = 'a';
	s[513] = '\0';
	assert_false(ok(mapsyntax_hash, s));
}

static void
test_path(void **state)
{
	char s[1100];

	(void)state;
	expect_bad_bytes(mapsyntax_path, "path", "/var/vmail/pc1.example/matsui",
			 "@{}=$");
	assert_true(ok(mapsyntax_path, "/"));
	assert_true(ok(mapsyntax_path, "/a"));
	assert_true(ok(mapsyntax_path, "/var/vmail/Example_1+x-y/"));
	assert_true(ok(mapsyntax_path, "/a/.b/..c/d.."));
	assert_false(ok(mapsyntax_path, ""));
	assert_false(mapsyntax_path(NULL, 0));
	assert_false(ok(mapsyntax_path, "a/b"));
	assert_false(ok(mapsyntax_path, "./a"));
	assert_false(ok(mapsyntax_path, "//a"));
	assert_false(ok(mapsyntax_path, "/a//b"));
	assert_false(ok(mapsyntax_path, "/a/b//"));
	assert_false(ok(mapsyntax_path, "/."));
	assert_false(ok(mapsyntax_path, "/.."));
	assert_false(ok(mapsyntax_path, "/./a"));
	assert_false(ok(mapsyntax_path, "/../a"));
	assert_false(ok(mapsyntax_path, "/a/./b"));
	assert_false(ok(mapsyntax_path, "/a/../b"));
	assert_false(ok(mapsyntax_path, "/a/."));
	assert_false(ok(mapsyntax_path, "/a/.."));
	assert_false(ok(mapsyntax_path, "/a/../"));
	assert_false(ok(mapsyntax_path, "/../../etc/passwd"));
	s[0] = '/';
	memset(s + 1, 'a', 1023);
	s[1024] = '\0';
	assert_true(ok(mapsyntax_path, s));
	s[1024] = 'a';
	s[1025] = '\0';
	assert_false(ok(mapsyntax_path, s));
}

/* ------------------------------------------------------------------ */

struct line_case {
	const char *file;
	const char *line;
	size_t len;		/* 0: strlen(line) */
	int ok;
};

#define GOOD(f, l)	{ f, l, 0, 1 }
#define BAD(f, l)	{ f, l, 0, 0 }
#define BADN(f, l)	{ f, l, sizeof(l) - 1, 0 }	/* embedded NUL */

#define VMD "virtual_mailbox_domains"
#define VMM "virtual_mailbox_maps"
#define VAM "virtual_alias_maps"
#define RD  "relay_domains"
#define RRM "relay_recipient_maps"
#define PW  "passwd"
#define PWOK "matsui@pc1.example:{SHA512-CRYPT}$6$s4lt$h/A.sh=:5000:5000::" \
	"/var/vmail/pc1.example/matsui::"

#define TR "transport"
/* An Ed25519 key's PKCS#8 PEM in base64; a PKCS#1 ("RSA PRIVATE KEY")
 * armour around it; an X25519 key (PKCS#8, but not a signing key). */
#define ED "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1DNENBUUF3QlFZREsyVndCQ0lFSUZNWEZMRjlQVGZYUkF0cWRSdmdLUk9PeWRMTFFKaEE0Ti93UWZoNXMxOVgKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="
#define PK1 "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNQzRDQVFBd0JRWURLMlZ3QkNJRUlGTVhGTEY5UFRmWFJBdHFkUnZnS1JPT3lkTExRSmhBNE4vd1FmaDVzMTlYCi0tLS0tRU5EIFJTQSBQUklWQVRFIEtFWS0tLS0tCg=="
#define X25519 "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1DNENBUUF3QlFZREsyVnVCQ0lFSUNoSGk0bHJzcEI0aWx2OWZoSEUwMFZmSlBzVkp5OEYzRXpaS3pFTXZ1UkoKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="

static const struct line_case line_cases[] = {
	GOOD(TR, "pc1.example relay:[10.77.0.12]:25"),
	GOOD(TR, "pc1.example relay:[g2.example]:25"),
	GOOD(TR, "pc1.example relay:[g2]:2525"),
	GOOD(TR, "pc1.example relay:[2001:db8::1]:25"),
	GOOD(TR, "pc1.example relay:[::ffff:10.0.0.1]:65535"),
	BAD(TR, "pc1.example relay:[10.77.0.12]:0"),
	BAD(TR, "pc1.example relay:[10.77.0.12]:65536"),
	BAD(TR, "pc1.example relay:[10.77.0.12]:025"),
	BAD(TR, "pc1.example relay:[10.77.0.12]"),
	BAD(TR, "pc1.example relay:10.77.0.12:25"),
	BAD(TR, "pc1.example smtp:[10.77.0.12]:25"),
	BAD(TR, "pc1.example relay:[]:25"),
	BAD(TR, "pc1.example relay:[-g2]:25"),
	BAD(TR, "pc1.example relay:[G2.example]:25"),
	BAD(TR, "pc1.example relay:[g2 x]:25"),
	BAD(TR, "pc1.example relay:[2001:DB8::1]:25"),
	BAD(TR, "pc1.example relay:[1:2]x:25"),
	BAD(TR, "pc1.example relay:[g2]:25 x"),
	BAD(TR, "pc1.example  relay:[g2]:25"),
	BAD(TR, "@pc1.example relay:[g2]:25"),
	BAD(TR, "matsui@pc1.example relay:[g2]:25"),
	BAD(TR, "pc1.example"),
	BADN(TR, "pc1.example relay:[g2\0]:25"),
	GOOD("trash", "trash 1 matsui@pc1.example"),
	GOOD("trash", "restore 9223372036854775807 matsui@pc1.example"),
	BAD("trash", "trash 0 matsui@pc1.example"),
	BAD("trash", "trash 01 matsui@pc1.example"),
	BAD("trash", "trash 9223372036854775808 matsui@pc1.example"),
	BAD("trash", "trash -1 matsui@pc1.example"),
	BAD("trash", "purge 1 matsui@pc1.example"),
	BAD("trash", "Trash 1 matsui@pc1.example"),
	BAD("trash", "trash 1 @pc1.example"),
	BAD("trash", "trash 1 ../pc1.example"),
	BAD("trash", "trash 1 matsui@pc1.example/x"),
	BAD("trash", "trash 1 ..@pc1.example"),
	BAD("trash", "trash 1"),
	BAD("trash", "trash  1 matsui@pc1.example"),
	BAD("trash", "trash 1 matsui@pc1.example "),
	BAD("trash", "trash 1 matsui@pc1.example x"),
	BADN("trash", "trash 1 matsui@pc1.example\0"),
	GOOD("sieve", "matsui@pc1.example a2VlcDs="),
	GOOD("sieve", "matsui@pc1.example a2VlcDsNCg=="),
	GOOD("sieve", "matsui@pc1.example a2Vl"),
	BAD("sieve", "matsui@pc1.example "),
	BAD("sieve", "matsui@pc1.example"),
	BAD("sieve", "matsui@pc1.example a2VlcDs"),
	BAD("sieve", "matsui@pc1.example a2VlcDt="),
	BAD("sieve", "matsui@pc1.example a2VlcDsNCh=="),
	BAD("sieve", "matsui@pc1.example a2Vl=DsN"),
	BAD("sieve", "matsui@pc1.example a2VlcDs=a2Vl"),
	BAD("sieve", "matsui@pc1.example a2Vl cDs="),
	BAD("sieve", "matsui@pc1.example  a2VlcDs="),
	BAD("sieve", "matsui@pc1.example a2VlcDs= "),
	BAD("sieve", "matsui@pc1.example a2V-cDs="),
	BAD("sieve", "matsui@pc1.example a2V_cDs="),
	BAD("sieve", "@pc1.example a2VlcDs="),
	BAD("sieve", "../x@pc1.example a2VlcDs="),
	BAD("sieve", "Matsui@pc1.example a2VlcDs="),
	BADN("sieve", "matsui@pc1.example a2Vl\0DsN"),
	GOOD(VMD, "pc1.example OK"),
	BAD(VMD, "pc1.example"),
	BAD(VMD, "pc1.example ok"),
	BAD(VMD, "pc1.example  OK"),
	BAD(VMD, " pc1.example OK"),
	BAD(VMD, "pc1.example OK "),
	BAD(VMD, "pc1.example\tOK"),
	BAD(VMD, "pc1.example OK\r"),
	BAD(VMD, "pc1.example OK\n"),
	BAD(VMD, "pc1.example OK\nevil.example OK"),
	BAD(VMD, "pc1.example:OK"),
	BAD(VMD, "pc1.example,pc2.example OK"),
	BAD(VMD, "PC1.example OK"),
	BAD(VMD, "com OK"),
	BAD(VMD, " OK"),
	BAD(VMD, "OK"),
	BAD(VMD, ""),
	BADN(VMD, "pc1.example\0 OK"),
	BADN(VMD, "pc1.example OK\0"),
	GOOD(RD, "pc2.example OK"),
	BAD(RD, "pc2.example REJECT"),
	BAD(RD, "@pc2.example OK"),
	GOOD(VMM, "matsui@pc1.example pc1.example/matsui/"),
	GOOD(VMM, "matsui@pc1.example pc1.example/old.name/"),
	BAD(VMM, "matsui@pc1.example pc1.example/matsui"),
	BAD(VMM, "matsui@pc1.example /etc/passwd/"),
	BAD(VMM, "matsui@pc1.example ../../etc/"),
	BAD(VMM, "matsui@pc1.example pc1.example/../"),
	BAD(VMM, "matsui@pc1.example pc1.example/./"),
	BAD(VMM, "matsui@pc1.example pc1.example//"),
	BAD(VMM, "matsui@pc1.example pc1.example/matsui/x/"),
	BAD(VMM, "matsui@pc1.example /matsui/"),
	BAD(VMM, "matsui@pc1.example  pc1.example/matsui/"),
	BAD(VMM, "matsui@pc1.example pc1.example/matsui/ "),
	BAD(VMM, "matsui@pc1.example"),
	BAD(VMM, "@pc1.example pc1.example/matsui/"),
	BAD(VMM, "matsui@pc1.example pc1.example/Matsui/"),
	BAD(VMM, "matsui@pc1.example pc1.example/mat:sui/"),
	BADN(VMM, "matsui@pc1.example pc1.example/mat\0sui/"),
	GOOD(VAM, "a@pc1.example b@pc2.example"),
	GOOD(VAM, "a@pc1.example b@pc2.example,c@pc3.example,a@pc1.example"),
	GOOD(VAM, "@pc1.example b@pc2.example"),
	BAD(VAM, "a@pc1.example @pc2.example"),
	GOOD(VAM, "@alias.example @pc1.example"),
	BAD(VAM, "@alias.example @pc1.example,@pc2.example"),
	BAD(VAM, "@alias.example @"),
	BAD(VAM, "a@pc1.example b@pc2.example,"),
	BAD(VAM, "a@pc1.example ,b@pc2.example"),
	BAD(VAM, "a@pc1.example b@pc2.example,,c@pc3.example"),
	BAD(VAM, "a@pc1.example b@pc2.example, c@pc3.example"),
	BAD(VAM, "a@pc1.example b@pc2.example c@pc3.example"),
	BAD(VAM, "a@pc1.example"),
	BAD(VAM, "a@pc1.example "),
	BAD(VAM, " a@pc1.example b@pc2.example"),
	BAD(VAM, "a@pc1.example b@pc2.example\nroot@pc1.example e@evil.example"),
	BAD(VAM, "a@pc1.example b:c@pc2.example"),
	BAD(VAM, "a@pc1.example |/bin/sh"),
	BAD(VAM, "a@pc1.example /etc/passwd"),
	BAD(VAM, "a@pc1.example :include:/etc/x"),
	BAD(VAM, "a pc2.example"),
	BAD(VAM, "@ b@pc2.example"),
	GOOD(RRM, "a@pc2.example OK"),
	GOOD(RRM, "@pc2.example OK"),
	BAD(RRM, "pc2.example OK"),
	BAD(RRM, "@ OK"),
	BAD(RRM, "a@pc2.example"),
	BAD(RRM, "a@pc2.example OK,b@pc2.example"),
	GOOD(PW, PWOK),
	GOOD(PW, PWOK "userdb_quota_rule=*:storage=1G"),
	GOOD(PW, PWOK "userdb_quota_rule=*:storage=1G nopassword=y"),
	GOOD(PW, "a@b.c:{PLAIN}x:1:4294967294::/::"),
	BAD(PW, PWOK " userdb_quota_rule=*:storage=1G"),
	BAD(PW, PWOK "userdb_quota_rule=*:storage=1G "),
	BAD(PW, PWOK "a=1  b=2"),
	BAD(PW, PWOK "=x"),
	BAD(PW, PWOK "x"),
	BAD(PW, PWOK "a=1 x"),
	BAD(PW, PWOK "a=b,c"),
	BAD(PW, PWOK "a=b\tc=d"),
	BAD(PW, PWOK "a=b/c"),
	BAD(PW, PWOK "a=1\n"),
	BAD(PW, PWOK "a=1\nroot@pc1.example:{PLAIN}x:1:1::/::"),
	BAD(PW, "a@b.c:{PLAIN}x:0:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:0::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:05000:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:4294967295:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:99999999999:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:-1:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:+1:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x::5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:5000:gecos:/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:5000::/var/vmail:/bin/sh:"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:5000::var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:5000::/var/vmail/../../root::"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:5000::/var/vmail"),
	BAD(PW, "a@b.c:{PLAIN}x:5000:5000::/var/vmail:"),
	BAD(PW, "a@b.c:{PLAIN}pa:ss:5000:5000::/var/vmail::"),
	BAD(PW, "a@b.c:{PLAIN}pa ss:5000:5000::/var/vmail::"),
	BAD(PW, "a@b.c:PLAINx:5000:5000::/var/vmail::"),
	BAD(PW, "a@b.c::5000:5000::/var/vmail::"),
	BAD(PW, "@b.c:{PLAIN}x:5000:5000::/var/vmail::"),
	BAD(PW, "a:{PLAIN}x:5000:5000::/var/vmail::"),
	BAD(PW, "A@b.c:{PLAIN}x:5000:5000::/var/vmail::"),
	BAD(PW, ":a@b.c:{PLAIN}x:5000:5000::/var/vmail::"),
	BADN(PW, "a@b.c:{PLAIN}x\0:5000:5000::/var/vmail::"),
	BAD(PW, ""),
	BAD(PW, "\n"),
	BAD("../../etc/passwd", "pc1.example OK"),
	BAD("", "pc1.example OK"),
	BAD("PASSWD", PWOK),
};

static void
test_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];
		size_t n = c->len ? c->len : strlen(c->line);
		struct hk_err err;
		int rc;

		hk_err_clear(&err);
		rc = mapsyntax_line(c->file, c->line, n, &err);
		if (c->ok && rc != 0)
			fail_msg("case %zu (%s) refused: %s", i, c->file,
				 err.message);
		if (!c->ok && rc != -1)
			fail_msg("case %zu (%s) accepted", i, c->file);
		if (!c->ok && (err.code != HK_EINVAL || err.message[0] == '\0'))
			fail_msg("case %zu: no error filled", i);
	}
}

/* The "dkim" lines (dkimsyntax_line(), which bundle.c runs for them). */
static const struct line_case dkim_cases[] = {
	GOOD("dkim", "key pc1.example sel1 " ED),
	GOOD("dkim", "key pc1.example a-2 " ED),
	GOOD("dkim", "sign pc1.example pc1.example sel1"),
	GOOD("dkim", "sign alias.example pc1.example sel1"),
	BAD("dkim", "key pc1.example sel1"),
	BAD("dkim", "key pc1.example sel1 "),
	BAD("dkim", "key pc1.example sel1  " ED),
	BAD("dkim", "key pc1.example sel1 " ED " "),
	BAD("dkim", "key pc1.example sel_1 " ED),
	BAD("dkim", "key pc1.example -sel " ED),
	BAD("dkim", "key pc1.example Sel1 " ED),
	BAD("dkim", "key pc1.example sel1.x " ED),
	BAD("dkim", "key pc1.example ../x " ED),
	BAD("dkim", "key pc1.example "
	    "a123456789012345678901234567890123456789012345678901234567890123 " ED),
	BAD("dkim", "key ../pc1.example sel1 " ED),
	BAD("dkim", "key pc1 sel1 " ED),
	BAD("dkim", "key pc1.example sel1 a2VlcDs="),
	BAD("dkim", "key pc1.example sel1 a2VlcDs"),
	BAD("dkim", "key pc1.example sel1 " PK1),
	BAD("dkim", "key pc1.example sel1 " X25519),
	BAD("dkim", "Key pc1.example sel1 " ED),
	BAD("dkim", "sign pc1.example pc1.example"),
	BAD("dkim", "sign pc1.example pc1.example sel1 x"),
	BAD("dkim", "sign pc1.example pc1.example sel:1"),
	BAD("dkim", "sign pc1.example pc1.example/ sel1"),
	BAD("dkim", "signs pc1.example pc1.example sel1"),
	BADN("dkim", "sign pc1.example pc1.example sel\0"),
};

static void
test_dkim_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dkim_cases) / sizeof(dkim_cases[0]); i++) {
		const struct line_case *c = &dkim_cases[i];
		size_t n = c->len ? c->len : strlen(c->line);
		struct dkim_line dl;
		const char *why = dkimsyntax_line(c->line, n, &dl);

		if (c->ok && why != NULL)
			fail_msg("dkim case %zu refused: %s", i, why);
		if (!c->ok && why == NULL)
			fail_msg("dkim case %zu accepted", i);
	}
	{
		static const char k[] = "key pc1.example s " ED;
		struct dkim_line dl;

		assert_null(dkimsyntax_line(k, sizeof(k) - 1, &dl));
		assert_int_equal(dl.alg, DKIM_ALG_ED25519);
		assert_false(dl.sign);
		assert_int_equal(dl.selector_len, 1);
	}
}

/* A bad line names the file in err->field and never echoes the line. */
static void
test_line_error(void **state)
{
	struct hk_err err;

	(void)state;
	hk_err_clear(&err);
	assert_int_equal(mapsyntax_line(PW, "secret:zz", 9, &err), -1);
	assert_int_equal(err.code, HK_EINVAL);
	assert_string_equal(err.field, PW);
	assert_null(strstr(err.message, "secret"));
	assert_int_equal(mapsyntax_line(VMD, "x.y OK", 6, NULL), 0);
	assert_int_equal(mapsyntax_line(VMD, "x OK", 4, NULL), -1);
	assert_int_equal(mapsyntax_line(NULL, "x.y OK", 6, &err), -1);
	assert_int_equal(mapsyntax_line(VMD, NULL, 0, &err), -1);
}

/* Every forbidden byte at the first, middle and last position of a key. */
static void
test_line_bytes(void **state)
{
	static const char *const lines[][2] = {
		{ VMD, "pc1.example OK" },
		{ VMM, "matsui@pc1.example pc1.example/matsui/" },
		{ VAM, "a@pc1.example b@pc2.example,c@pc3.example" },
		{ RD, "pc2.example OK" },
		{ RRM, "@pc2.example OK" },
		{ PW, PWOK "userdb_quota_rule=*:storage=1G" },
		{ "sieve", "matsui@pc1.example a2VlcDsNCg==" },
	};
	static const char bad[] = "\n\r\0\t\x01\x1f\x7f\x80\xff\"'\\;|<>`#&!~%^()[]{}";
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *good = lines[i][1];
		size_t n = strlen(good);
		size_t pos[4] = { 0, n / 3, n / 2, n - 1 };

		assert_int_equal(mapsyntax_line(lines[i][0], good, n, NULL), 0);
		for (size_t b = 0; b < sizeof(bad) - 1; b++)
			for (size_t k = 0; k < 4; k++) {
				memcpy(buf, good, n);
				if (good[pos[k]] == '{' || good[pos[k]] == '}')
					continue;
				buf[pos[k]] = bad[b];
				if (mapsyntax_line(lines[i][0], buf, n, NULL) == 0)
					fail_msg("%s: accepted 0x%02x at %zu",
						 lines[i][0],
						 (unsigned char)bad[b], pos[k]);
			}
	}
}

/* base64: every length round-trips, and the line's size limit is the
 * decoded script's. */
static void
test_base64(void **state)
{
	unsigned char in[300], out[300];
	struct strbuf sb;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	strbuf_init(&sb, 0);
	for (size_t len = 0; len <= sizeof(in); len++) {
		strbuf_reset(&sb);
		assert_int_equal(base64_encode(&sb, in, len), 0);
		assert_int_equal(sb.len, BASE64_LEN(len));
		assert_true(base64_valid(sb.data ? sb.data : "", sb.len, &n));
		assert_int_equal(n, len);
		assert_int_equal(base64_decode(sb.data ? sb.data : "", sb.len,
					       out, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(in, out, len);
	}
	strbuf_reset(&sb);
	assert_int_equal(base64_encode(&sb, "\xff\xfe", 2), 0);
	assert_string_equal(strbuf_str(&sb), "//4=");
	/* the line: 65536 octets decoded, not one more */
	for (size_t len = MAPSYNTAX_SIEVE_MAX; len <= MAPSYNTAX_SIEVE_MAX + 1;
	     len++) {
		char *big = calloc(1, len);

		assert_non_null(big);
		strbuf_reset(&sb);
		assert_int_equal(strbuf_puts(&sb, "a@pc1.example "), 0);
		assert_int_equal(base64_encode(&sb, big, len), 0);
		assert_int_equal(mapsyntax_line("sieve", sb.data, sb.len,
						NULL) == 0,
				 len == MAPSYNTAX_SIEVE_MAX);
		free(big);
	}
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_bytes),
		cmocka_unit_test(test_domain_shape),
		cmocka_unit_test(test_domain_lengths),
		cmocka_unit_test(test_localpart),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_dkim_lines),
		cmocka_unit_test(test_line_error),
		cmocka_unit_test(test_line_bytes),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
