/* SPDX-License-Identifier: ISC */
/*
 * test_dnsrecords.c - the records a domain needs and their zone text,
 * compared whole: a domain with a backup MX, two guests' addresses, an
 * active, a retiring and an expired DKIM key and an alias domain; a
 * guest with nothing configured; a DKIM value split into 255-byte
 * strings; no rua configured.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnsrecords.h"

#define DAY 86400
#define NOW (20000 * (int64_t)DAY)	/* 2024-10-04 */

static const struct dnsrec_dkim keys[] = {
	{ "hk2", "v=DKIM1; k=ed25519; p=AAAA", DNSREC_DKIM_ACTIVE, 0 },
	{ "hk1", "v=DKIM1; k=rsa; p=BBBB", DNSREC_DKIM_RETIRING,
	  NOW + 3 * DAY },
	{ "hk0", "v=DKIM1; k=rsa; p=CCCC", DNSREC_DKIM_RETIRING, NOW - 1 },
};

static void
conf(struct dns_conf *c, const char *dmarc, const char *tlsrpt)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->dmarc_rua, sizeof(c->dmarc_rua), "%s", dmarc);
	snprintf(c->tlsrpt_rua, sizeof(c->tlsrpt_rua), "%s", tlsrpt);
	c->timeout = 5;
}

static char *
zone(const struct dnsrec_in *in, struct dnsrec_list *l, struct strbuf *sb)
{
	struct hk_err err;

	strbuf_init(sb, 0);
	assert_int_equal(dnsrec_build(in, l, &err), 0);
	assert_int_equal(dnsrec_zone_text(l, sb, &err), 0);
	return sb->data;
}

static void
test_full(void **state)
{
	static const char *const aliases[] = { "alias.example" };
	struct dnsrec_guest backup = { "g2", "mx2.example.net", "192.0.2.9" };
	struct dnsrec_list l;
	struct dns_conf c;
	struct dnsrec_in in = {
		"example.org", { "g1", "mx1.example.net",
				 "192.0.2.1 2001:db8::1" }, &backup, keys, 3,
		aliases, 1, &c, NOW };
	struct strbuf sb;

	(void)state;
	conf(&c, "dmarc@example.net", "tls@example.net");
	assert_string_equal(zone(&in, &l, &sb),
	"; the mail records of example.org\n"
	"example.org.\tIN\tMX\t10 mx1.example.net.\n"
	"example.org.\tIN\tMX\t20 mx2.example.net.\n"
	"example.org.\tIN\tTXT\t\"v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all\"\n"
	"hk2._domainkey.example.org.\tIN\tTXT\t\"v=DKIM1; k=ed25519; p=AAAA\"\n"
	"hk1._domainkey.example.org.\tIN\tTXT\t\"v=DKIM1; k=rsa; p=BBBB\"\t"
	"; keep until 2024-10-07, then remove\n"
	"; remove: hk0._domainkey.example.org.\tIN\tTXT\t"
	"\"v=DKIM1; k=rsa; p=CCCC\"\n"
	"_dmarc.example.org.\tIN\tTXT\t"
	"\"v=DMARC1; p=none; rua=mailto:dmarc@example.net\"\n"
	"_smtp._tls.example.org.\tIN\tTXT\t"
	"\"v=TLSRPTv1; rua=mailto:tls@example.net\"\n"
	"\n"
	"; the mail records of alias.example\n"
	"alias.example.\tIN\tMX\t10 mx1.example.net.\n"
	"alias.example.\tIN\tMX\t20 mx2.example.net.\n"
	"alias.example.\tIN\tTXT\t\"v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all\"\n"
	"hk2._domainkey.alias.example.\tIN\tTXT\t\"v=DKIM1; k=ed25519; p=AAAA\"\n"
	"hk1._domainkey.alias.example.\tIN\tTXT\t\"v=DKIM1; k=rsa; p=BBBB\"\t"
	"; keep until 2024-10-07, then remove\n"
	"; remove: hk0._domainkey.alias.example.\tIN\tTXT\t"
	"\"v=DKIM1; k=rsa; p=CCCC\"\n"
	"_dmarc.alias.example.\tIN\tTXT\t"
	"\"v=DMARC1; p=none; rua=mailto:dmarc@example.net\"\n"
	"_smtp._tls.alias.example.\tIN\tTXT\t"
	"\"v=TLSRPTv1; rua=mailto:tls@example.net\"\n");
	/* the list behind it */
	assert_int_equal(l.n, 16);
	assert_string_equal(l.v[0].name, "example.org");
	assert_int_equal(l.v[0].type, DNSREC_MX);
	assert_int_equal(l.v[0].pref, 10);
	assert_string_equal(l.v[0].value, "mx1.example.net");
	assert_string_equal(dnsrec_purpose_name(l.v[2].purpose), "spf");
	assert_string_equal(l.v[4].name, "hk1._domainkey.example.org");
	assert_string_equal(dnsrec_action_name(l.v[4].action), "keep");
	assert_true(l.v[4].until == NOW + 3 * DAY);
	assert_string_equal(dnsrec_action_name(l.v[5].action), "remove");
	assert_string_equal(dnsrec_action_name(l.v[3].action), "publish");
	assert_string_equal(dnsrec_purpose_name(l.v[7].purpose), "tlsrpt");
	assert_string_equal(l.v[9].domain, "alias.example");
	dnsrec_list_free(&l);
	strbuf_free(&sb);
}

/* No mail host, no addresses, no key, no rua: what needs them says so. */
static void
test_not_configured(void **state)
{
	struct dnsrec_guest backup = { "g2", NULL, NULL };
	struct dnsrec_list l;
	struct dns_conf c;
	struct dnsrec_in in = { "example.org", { "g1", NULL, NULL }, &backup,
				NULL, 0, NULL, 0, &c, NOW };
	struct strbuf sb;

	(void)state;
	conf(&c, "", "");
	assert_string_equal(zone(&in, &l, &sb),
	"; the mail records of example.org\n"
	"; example.org MX: not configured: guest g1 has no mail host\n"
	"; example.org MX: not configured: guest g2 has no mail host\n"
	"; example.org TXT: not configured: guest g1 has no mail addresses\n"
	"_dmarc.example.org.\tIN\tTXT\t\"v=DMARC1; p=none\"\n");
	assert_int_equal(l.n, 4);
	assert_null(l.v[0].value);
	assert_null(l.v[2].value);
	dnsrec_list_free(&l);
	strbuf_free(&sb);
}

/* An RSA 2048 key's value is past 255 bytes: two strings, cut at 255. */
static void
test_long_txt(void **state)
{
	char value[400], want[512];
	struct strbuf sb;

	(void)state;
	memset(value, 'A', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	memcpy(value, "v=DKIM1; k=rsa; p=", 18);
	snprintf(want, sizeof(want), "\"%.255s\" \"%s\"", value, value + 255);
	strbuf_init(&sb, 0);
	assert_int_equal(dnsrec_txt_strings(value, &sb), 0);
	assert_string_equal(sb.data, want);
	/* exactly 255 bytes: one string; quotes and backslashes escaped */
	value[255] = '\0';
	strbuf_reset(&sb);
	assert_int_equal(dnsrec_txt_strings(value, &sb), 0);
	assert_int_equal(sb.len, 257);
	strbuf_reset(&sb);
	assert_int_equal(dnsrec_txt_strings("a\"b\\c", &sb), 0);
	assert_string_equal(sb.data, "\"a\\\"b\\\\c\"");
	strbuf_free(&sb);
}

/* No backup MX: one MX; an IPv4 address alone. */
static void
test_no_backup(void **state)
{
	struct dnsrec_list l;
	struct dns_conf c;
	struct dnsrec_in in = { "xn--wgv71a.example", { "g1",
				"mx1.example.net", "192.0.2.1" }, NULL, keys,
				1, NULL, 0, &c, NOW };
	struct strbuf sb;

	(void)state;
	conf(&c, "", "");
	assert_string_equal(zone(&in, &l, &sb),
	"; the mail records of xn--wgv71a.example\n"
	"xn--wgv71a.example.\tIN\tMX\t10 mx1.example.net.\n"
	"xn--wgv71a.example.\tIN\tTXT\t\"v=spf1 ip4:192.0.2.1 -all\"\n"
	"hk2._domainkey.xn--wgv71a.example.\tIN\tTXT\t"
	"\"v=DKIM1; k=ed25519; p=AAAA\"\n"
	"_dmarc.xn--wgv71a.example.\tIN\tTXT\t\"v=DMARC1; p=none\"\n");
	dnsrec_list_free(&l);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_not_configured),
		cmocka_unit_test(test_long_txt),
		cmocka_unit_test(test_no_backup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
